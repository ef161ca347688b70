package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// AsyncAction is an action whose results arrive later, by callback. Apply
// submits each item (a Result with Err nil means "submitted"); the item
// then waits, leased to AwaitOwner, until the callback handler applies what
// comes back or Deadline passes and it is submitted again.
type AsyncAction interface {
	Action
	// AwaitOwner is the lease owner of the items waiting for this service.
	AwaitOwner() string
	// Deadline is how long the service may take to call back.
	Deadline() time.Duration
	// Decode checks a callback for step and turns its result into the
	// step's Result. An error is the item's failure (retryable); a
	// *CallbackError is a callback that does not belong to this step.
	Decode(step Step, itemID int64, msg PrestoMessage) (Result, error)
}

// PrestoMessage is what Presto POSTs to a callback URL (model-services.md
// §1.4): the request body echoed with its result, the worker's model name
// ("yake_keywords.Model") and its retry count.
type PrestoMessage struct {
	Body struct {
		ID     json.RawMessage `json:"id"`
		Raw    json.RawMessage `json:"raw"`
		Result json.RawMessage `json:"result"`
	} `json:"body"`
	ModelName  string `json:"model_name"`
	RetryCount int    `json:"retry_count"`
}

// CallbackError is a callback that is malformed or meant for something
// else: it is refused and changes nothing.
type CallbackError struct{ Reason string }

func (e *CallbackError) Error() string { return e.Reason }

// prestoMaxBody is Presto's limit: an SQS message holds 256 KB, and the
// original refused to send 256,000 bytes or more.
const prestoMaxBody = 256000

// prestoDefaultModels are the Presto models each action uses unless the
// step or the service names another (model-services.md §1.5).
var prestoDefaultModels = map[string]string{
	"keywords": "yake_keywords",
	"language": "fasttext",
	"embed":    "paraphrase_multilingual",
}

// prestoActions are what a Presto service runs: keywords (YAKE), language
// (fastText) and embed (sentence transformers), all asynchronous.
func prestoActions(r *remote) map[string]Action {
	out := map[string]Action{}
	for action := range prestoDefaultModels {
		out[action] = &prestoAction{remote: r, action: action}
	}
	return out
}

// prestoAction submits items to one Presto model and decodes its callbacks.
type prestoAction struct {
	*remote
	action string // keywords | language | embed
}

type prestoParams struct {
	model      string          // the module, e.g. "yake_keywords"
	parameters json.RawMessage // passed through as the body's parameters
}

func (a *prestoAction) params(p map[string]any) (prestoParams, error) {
	def := prestoDefaultModels[a.action]
	if a.cfg.Model != "" {
		def = a.cfg.Model
	}
	out := prestoParams{parameters: json.RawMessage(`{}`)}
	var errs []error
	for k, v := range p {
		switch k {
		case "model":
		case "parameters":
			m, ok := v.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: parameters must be a table, not %v", a.cfg.Name, v))
				continue
			}
			b, err := json.Marshal(m)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: parameters: %w", a.cfg.Name, err))
				continue
			}
			out.parameters = b
		default:
			errs = append(errs, fmt.Errorf("%s: unknown parameter %q (known: model, parameters)", a.cfg.Name, k))
		}
	}
	m, err := stringParam(p, "model", def)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", a.cfg.Name, err))
	}
	// Either form is accepted: the queue's "yake_keywords__Model" or the
	// worker's "yake_keywords.Model".
	m = strings.TrimSuffix(strings.TrimSuffix(m, "__Model"), ".Model")
	out.model = m
	return out, errors.Join(errs...)
}

func (a *prestoAction) CheckParams(p map[string]any) error {
	_, err := a.params(p)
	return err
}

func (a *prestoAction) AwaitOwner() string      { return store.AwaitPrefix + a.cfg.Name }
func (a *prestoAction) Deadline() time.Duration { return a.cfg.CallbackDeadline }

// prestoItem is the body of POST /process_item (model-services.md §1.3).
// "result" is left out: Presto crashes on an explicit null.
type prestoItem struct {
	ID          string          `json:"id"`
	ContentHash *string         `json:"content_hash"`
	CallbackURL string          `json:"callback_url"`
	URL         *string         `json:"url"`
	Text        string          `json:"text"`
	Raw         prestoRaw       `json:"raw"`
	Parameters  json.RawMessage `json:"parameters"`
}

// prestoRaw is echoed back by Presto; the callback URL, not this, is what
// is trusted.
type prestoRaw struct {
	ContentItemID int64  `json:"content_item_id"`
	TargetState   string `json:"target_state"`
	WorkspaceID   string `json:"workspace_id"`
}

// prestoID is how items are named to Presto and Alegre, as the original did.
func prestoID(id int64) string { return "timpani_" + strconv.FormatInt(id, 10) }

// Apply submits each item; Presto answers at once and calls back later.
func (a *prestoAction) Apply(ctx context.Context, b Batch) []Result {
	out := make([]Result, len(b.Items))
	p, err := a.params(b.Step.Params)
	if err != nil || b.CallbackURL == nil {
		if err == nil {
			err = errors.New("no callback URL: the runner was not given one")
		}
		for i := range out {
			out[i].Err = Permanent(err)
		}
		return out
	}
	var wg sync.WaitGroup
	for i, it := range b.Items {
		wg.Go(func() {
			out[i].Err = a.submit(ctx, b, p, it)
		})
	}
	wg.Wait()
	return out
}

func (a *prestoAction) submit(ctx context.Context, b Batch, p prestoParams, it store.Item) error {
	text := textOf(it)
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("no text to send to %s: %w", a.cfg.Name, ErrUnusable)
	}
	body := prestoItem{ID: prestoID(it.ID), CallbackURL: b.CallbackURL(it), Text: text,
		Raw:        prestoRaw{ContentItemID: it.ID, TargetState: string(b.Step.State), WorkspaceID: b.Workspace},
		Parameters: p.parameters}
	size, err := json.Marshal(body)
	if err != nil {
		return Permanent(err)
	}
	if len(size) >= prestoMaxBody {
		return Permanent(fmt.Errorf("%s: the request would be %d bytes; Presto's queue takes under %d: %w", a.cfg.Name, len(size), prestoMaxBody, ErrUnusable))
	}
	var ack struct {
		Message string `json:"message"`
	}
	if err := a.call(ctx, "POST", "/process_item/"+p.model+"__Model", body, &ack); err != nil {
		return err
	}
	if ack.Message == "" {
		return &StepError{Retryable: true, Err: fmt.Errorf("%s: /process_item/%s__Model answered without a message: not Presto?", a.cfg.Name, p.model)}
	}
	return nil
}

// Decode checks a callback and reads its result the way this action
// stores it: keywords under the worker's model name, a language, or a
// vector under the module's name.
func (a *prestoAction) Decode(step Step, itemID int64, msg PrestoMessage) (Result, error) {
	p, err := a.params(step.Params)
	if err != nil {
		return Result{}, err
	}
	want := p.model + ".Model"
	if msg.ModelName != want {
		return Result{}, &CallbackError{Reason: fmt.Sprintf("callback from model %q; this step waits for %q", msg.ModelName, want)}
	}
	var id any
	if err := json.Unmarshal(msg.Body.ID, &id); err != nil || fmt.Sprint(id) != prestoID(itemID) {
		return Result{}, &CallbackError{Reason: fmt.Sprintf("callback body id %s is not %s", msg.Body.ID, prestoID(itemID))}
	}
	res := msg.Body.Result
	var failure struct {
		Error     *string `json:"error"`
		ErrorCode int     `json:"error_code"`
	}
	if json.Unmarshal(res, &failure) == nil && (failure.Error != nil || failure.ErrorCode > 200) {
		e := "error"
		if failure.Error != nil {
			e = *failure.Error
		}
		err := fmt.Errorf("%s %s: %s (code %d)", a.cfg.Name, want, e, failure.ErrorCode)
		// Input the model refused (4xx) and models it cannot run (501)
		// will not do better next time; anything else may.
		if c := failure.ErrorCode; (c >= 400 && c < 500) || c == 501 {
			return Result{}, Permanent(err)
		}
		return Result{}, &StepError{Retryable: true, Err: err}
	}
	bad := func(what string) (Result, error) {
		return Result{}, &StepError{Retryable: true, Err: fmt.Errorf("%s %s: result is not %s: %s", a.cfg.Name, want, what, snippet(res))}
	}
	switch a.action {
	case "keywords":
		var r struct {
			Keywords *[][2]any `json:"keywords"`
		}
		if json.Unmarshal(res, &r) != nil || r.Keywords == nil {
			return bad(`{"keywords": [[text, score], ...]}`)
		}
		var kws []store.Keyword
		seen := map[string]bool{}
		for _, kv := range *r.Keywords {
			t, ok1 := kv[0].(string)
			s, ok2 := kv[1].(float64)
			if !ok1 || !ok2 || math.IsNaN(s) {
				return bad(`{"keywords": [[text, score], ...]}`)
			}
			if t = strings.TrimSpace(t); t == "" || seen[t] {
				continue
			}
			seen[t] = true
			kws = append(kws, store.Keyword{Text: t, Score: s, Occurrences: 1})
		}
		return Result{Keywords: []KeywordSet{{Model: want, Keywords: kws}}}, nil
	case "language":
		var r struct {
			Language *string `json:"language"`
			Score    float64 `json:"score"`
		}
		if json.Unmarshal(res, &r) != nil || r.Language == nil {
			return bad(`{"language": code, "score": p}`)
		}
		code := strings.ToLower(*r.Language)
		if i := strings.IndexAny(code, "-_"); i >= 0 {
			code = code[:i]
		}
		if code == "und" {
			code = ""
		}
		return Result{Language: &Language{Code: code, Score: r.Score}}, nil
	default: // embed
		var raw []float64
		if json.Unmarshal(res, &raw) != nil || len(raw) == 0 {
			return bad("a list of numbers")
		}
		v, err := unitVector(raw)
		if err != nil {
			return bad("a list of finite numbers")
		}
		if v == nil {
			return Result{}, Permanent(fmt.Errorf("%s %s: the vector has no direction: %w", a.cfg.Name, want, ErrUnusable))
		}
		return Result{Vectors: []store.Vector{{Model: p.model, Data: v}}}, nil
	}
}
