package workflow

// openaiActions are what an OpenAI-compatible embeddings service runs.
func openaiActions(r *remote) map[string]Action {
	return map[string]Action{}
}
