package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/timpani-dev/timpani/store"
)

// EmbedQuery embeds text for a similarity query the way def's embed steps
// embed items, and returns the vector of model: the built-in embedder's,
// or a synchronous service's (openai). Vectors that only an asynchronous
// service (presto) computes cannot serve a query made while one waits.
func EmbedQuery(ctx context.Context, actions map[string]Action, def Definition, model, text string) ([]float32, error) {
	var async []string
	for _, s := range def.WithDefaults().Steps {
		if s.Action != "embed" {
			continue
		}
		act, ok := actions[actionKey(s)]
		if !ok {
			continue
		}
		if _, isAsync := act.(AsyncAction); isAsync {
			async = append(async, s.Service)
			continue
		}
		res := act.Apply(ctx, Batch{Step: s, Items: []store.Item{{RawText: text}}})
		if len(res) != 1 {
			continue
		}
		if err := res[0].Err; err != nil {
			if errors.Is(err, ErrUnusable) {
				return nil, fmt.Errorf("nothing to compare: %w", err)
			}
			return nil, fmt.Errorf("embed the query: %w", err)
		}
		for _, v := range res[0].Vectors {
			if v.Model == model {
				return v.Data, nil
			}
		}
	}
	if len(async) > 0 {
		return nil, fmt.Errorf("the %s vectors come from %s, which answers by callback: a query cannot wait for it", model, async[0])
	}
	return nil, fmt.Errorf("no embed step of workflow %s makes %s vectors", def.Name, model)
}
