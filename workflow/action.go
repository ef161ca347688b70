package workflow

import (
	"context"
	"errors"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
)

// Action computes a step's results for a batch of items. It must not write
// anything: the runner stores the results and the transition together.
type Action interface {
	// Apply returns one Result per item of the batch, in order.
	Apply(ctx context.Context, b Batch) []Result
}

// Batch is the work an action is given: items of one workspace, all in the
// state the step starts from.
type Batch struct {
	Workspace string
	Step      Step
	Items     []store.Item
	// CallbackURL is where an asynchronous service posts an item's result;
	// set for AsyncAction steps only.
	CallbackURL func(it store.Item) string
	// Results are this step's Apply results for Items, handed to a
	// TxAction's ApplyTx.
	Results []Result
}

// Result is what an action produced for one item. Err nil means success;
// the other fields are written only then.
type Result struct {
	Err      error
	Text     *string   // a new normalised text
	Language *Language // the item's language
	Keywords []KeywordSet
	Vectors  []store.Vector // ItemID is filled in by the runner
	// Matches are similar items a remote similarity search found (Alegre's
	// cluster step), scored by cosine similarity; the step's ApplyTx
	// places the item among them.
	Matches []clustering.Match
}

// Language is an identified language with the identifier's confidence.
type Language struct {
	Code  string // ISO 639-1
	Score float64
}

// applyTo updates the in-memory item the way the stored results will, so
// the next step of the same claim sees them.
func (r Result) applyTo(it *store.Item) {
	if r.Text != nil {
		it.Text = *r.Text
	}
	if r.Language != nil {
		it.Language = r.Language.Code
	}
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
	// Unavailable means the service could not be reached or said it is
	// overloaded (refused connections, timeouts, 429, 502-504): the item
	// waits for it without spending one of its attempts.
	Unavailable bool
	Err         error
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

// unavailable reports whether err says the service is down rather than
// that the item failed.
func unavailable(err error) bool {
	var se *StepError
	return errors.As(err, &se) && se.Unavailable
}

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

// ActionFunc adapts a per-item function to an Action.
type ActionFunc func(ctx context.Context, it store.Item) Result

// Apply runs f on each item, stopping early if ctx ends.
func (f ActionFunc) Apply(ctx context.Context, b Batch) []Result {
	out := make([]Result, len(b.Items))
	for i, it := range b.Items {
		if err := ctx.Err(); err != nil {
			out[i] = Result{Err: err}
			continue
		}
		out[i] = f(ctx, it)
	}
	return out
}
