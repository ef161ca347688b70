package workflow

// prestoActions are what a Presto service runs.
func prestoActions(r *remote) map[string]Action {
	return map[string]Action{}
}
