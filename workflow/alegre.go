package workflow

// alegreActions are what an Alegre similarity service runs.
func alegreActions(r *remote, opt ActionOptions) map[string]Action {
	return map[string]Action{}
}
