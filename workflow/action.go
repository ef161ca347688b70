package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/text"
)

// Action computes a step's results for a batch of items. It must not write
// anything: the runner stores the results and the transition together.
type Action interface {
	// Apply returns one Result per item, in order.
	Apply(ctx context.Context, step Step, items []store.Item) []Result
}

// Result is what an action produced for one item. Err nil means success;
// the other fields are written only then.
type Result struct {
	Err      error
	Text     *string // a new normalised text
	Keywords []KeywordSet
}

// KeywordSet is the keywords one model attached to an item.
type KeywordSet struct {
	Model    string
	Keywords []store.Keyword
}

// StepError is an action's failure for one item. Retryable failures
// (timeouts, 429, 5xx, refused connections) back off and try again;
// permanent ones (4xx, unusable content) fail the item at once.
type StepError struct {
	Retryable bool
	Err       error
}

// Error is the cause alone: the item's event log already says which step
// and item it was.
func (e *StepError) Error() string { return e.Err.Error() }

func (e *StepError) Unwrap() error { return e.Err }

// ErrUnusable means an item's content cannot go through the workflow, e.g.
// nothing is left after clean-up. It is permanent.
var ErrUnusable = errors.New("unusable content")

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &StepError{Err: err} }

// retryable reports whether err should be retried. Unknown errors are: a
// bounded number of attempts is cheaper than losing an item to a blip.
func retryable(err error) bool {
	if errors.Is(err, ErrUnusable) {
		return false
	}
	var se *StepError
	if errors.As(err, &se) {
		return se.Retryable
	}
	return true
}

// Actions returns the actions built into timpani, by name.
func Actions() map[string]Action {
	return map[string]Action{
		"noop":      ActionFunc(func(context.Context, store.Item) Result { return Result{} }),
		"normalize": ActionFunc(normalize),
		"hashtags":  ActionFunc(hashtags),
	}
}

// ActionFunc adapts a per-item function to an Action.
type ActionFunc func(ctx context.Context, it store.Item) Result

// Apply runs f on each item, stopping early if ctx ends.
func (f ActionFunc) Apply(ctx context.Context, _ Step, items []store.Item) []Result {
	out := make([]Result, len(items))
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			out[i] = Result{Err: err}
			continue
		}
		out[i] = f(ctx, it)
	}
	return out
}

func normalize(_ context.Context, it store.Item) Result {
	clean := text.Normalize(it.RawText)
	if clean == "" {
		return Result{Err: fmt.Errorf("nothing left after clean-up: %w", ErrUnusable)}
	}
	return Result{Text: &clean}
}

// HashtagModel is the model name hashtag keywords are stored under, as in
// the original.
const HashtagModel = "hashtags"

func hashtags(_ context.Context, it store.Item) Result {
	src := it.Text
	if src == "" {
		src = it.RawText
	}
	tags := text.Hashtags(src)
	var kws []store.Keyword
	seen := map[string]int{}
	for _, t := range tags {
		if i, ok := seen[t]; ok {
			kws[i].Occurrences++
			continue
		}
		seen[t] = len(kws)
		kws = append(kws, store.Keyword{Text: t, Score: 1, Occurrences: 1})
	}
	return Result{Keywords: []KeywordSet{{Model: HashtagModel, Keywords: kws}}}
}
