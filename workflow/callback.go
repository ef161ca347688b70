package workflow

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// CallbackPath is where asynchronous services post results:
// /callbacks/presto/<item id>/<state>/<signature>. The signature is an HMAC
// of the item and the state its step reaches under a secret kept in the
// database, so only a URL timpani handed out is accepted, by any process
// on the same data folder.
const CallbackPath = "/callbacks/presto/"

// maxCallbackBytes bounds a callback's body: a 768-float vector is about
// 16 KB as JSON, keywords far less.
const maxCallbackBytes = 4 << 20

func (r *Runner) secret(ctx context.Context) ([]byte, error) {
	r.secretMu.Lock()
	defer r.secretMu.Unlock()
	if r.secretKey == nil {
		k, err := r.db.Secret(ctx, "callbacks")
		if err != nil {
			return nil, err
		}
		r.secretKey = k
	}
	return r.secretKey, nil
}

func sign(secret []byte, itemID int64, state store.State) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "presto\x00%d\x00%s", itemID, state)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// callbackURL is the URL an item's result for the step reaching state
// comes back to.
func (r *Runner) callbackURL(secret []byte, state store.State) func(store.Item) string {
	base := strings.TrimRight(r.opt.CallbackBase, "/")
	return func(it store.Item) string {
		return fmt.Sprintf("%s%s%d/%s/%s", base, CallbackPath, it.ID, url.PathEscape(string(state)), sign(secret, it.ID, state))
	}
}

// CallbackHandler receives asynchronous services' callbacks. Mount it at
// CallbackPath's root ("/callbacks/"). It answers 403 to a forged URL, 400
// to a body that is not a callback for that item's step, 200 otherwise,
// saying whether the result was applied, recorded as an error, or ignored
// (repeated, late, or the item moved on).
func (r *Runner) CallbackHandler() http.Handler {
	return http.HandlerFunc(r.serveCallback)
}

// CallbackReply is the handler's JSON answer.
type CallbackReply struct {
	Status string `json:"status"` // applied | error recorded | failed | ignored | refused
	Item   int64  `json:"item,omitempty"`
	State  string `json:"state,omitempty"`
	Detail string `json:"detail,omitempty"`
}

func (r *Runner) serveCallback(w http.ResponseWriter, req *http.Request) {
	reply := func(code int, rep CallbackReply) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(rep)
		if code != http.StatusOK || rep.Status != "applied" {
			r.log.InfoContext(req.Context(), "callback", "status", rep.Status, "code", code, "item", rep.Item, "state", rep.State, "detail", rep.Detail)
		}
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		reply(http.StatusMethodNotAllowed, CallbackReply{Status: "refused", Detail: "callbacks are POSTed"})
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, CallbackPath)
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 {
		reply(http.StatusNotFound, CallbackReply{Status: "refused", Detail: "not a callback URL"})
		return
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	state := store.State(parts[1])
	if err != nil || id <= 0 {
		reply(http.StatusNotFound, CallbackReply{Status: "refused", Detail: "not a callback URL"})
		return
	}
	secret, err := r.secret(req.Context())
	if err != nil {
		reply(http.StatusServiceUnavailable, CallbackReply{Status: "refused", Detail: "try again later"})
		return
	}
	if !hmac.Equal([]byte(parts[2]), []byte(sign(secret, id, state))) {
		reply(http.StatusForbidden, CallbackReply{Status: "refused", Item: id, Detail: "bad signature: not a URL this timpani handed out"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxCallbackBytes+1))
	if err != nil || len(body) > maxCallbackBytes {
		reply(http.StatusBadRequest, CallbackReply{Status: "refused", Item: id, Detail: fmt.Sprintf("body unreadable or over %d bytes", maxCallbackBytes)})
		return
	}
	var msg PrestoMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		reply(http.StatusBadRequest, CallbackReply{Status: "refused", Item: id, Detail: "body is not a Presto callback: " + err.Error()})
		return
	}
	rep, err := r.applyCallback(req.Context(), id, state, msg)
	var ce *CallbackError
	switch {
	case errors.As(err, &ce):
		reply(http.StatusBadRequest, CallbackReply{Status: "refused", Item: id, State: string(state), Detail: ce.Reason})
	case err != nil:
		r.log.ErrorContext(req.Context(), "apply callback", "item", id, "err", err)
		reply(http.StatusInternalServerError, CallbackReply{Status: "refused", Item: id, Detail: "could not store the result; send it again"})
	default:
		reply(http.StatusOK, rep)
	}
}

// pendingCallback is a callback waiting for its group's commit.
type pendingCallback struct {
	id    int64
	state store.State
	msg   PrestoMessage
	rep   CallbackReply
	err   error
	done  chan struct{}
}

// callbackGroup batches callbacks that arrive together into one
// transaction (group commit): a Presto deployment calls back from many
// workers at once, and one durable commit per callback would cap them all
// at the disk's fsync rate. The first callback to find no commit under way
// leads: it commits everything queued, its own included, until the queue
// is empty. No goroutine outlives the requests.
type callbackGroup struct {
	mu      sync.Mutex
	queue   []*pendingCallback
	leading bool
}

// applyCallback applies a callback, in a transaction with whatever other
// callbacks are queued, and returns its reply once that has committed.
func (r *Runner) applyCallback(ctx context.Context, id int64, state store.State, msg PrestoMessage) (CallbackReply, error) {
	pc := &pendingCallback{id: id, state: state, msg: msg, done: make(chan struct{})}
	g := &r.callbacks
	g.mu.Lock()
	g.queue = append(g.queue, pc)
	if g.leading {
		g.mu.Unlock()
		<-pc.done // the leader answers for it, whether or not its sender still waits
		return pc.rep, pc.err
	}
	g.leading = true
	// The group's work must not stop because the leader's sender hung up.
	cctx := context.WithoutCancel(ctx)
	for {
		batch := g.queue
		g.queue = nil
		g.mu.Unlock()
		r.commitCallbacks(cctx, batch)
		for _, p := range batch {
			close(p.done)
		}
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.leading = false
			g.mu.Unlock()
			return pc.rep, pc.err
		}
	}
}

// maxCallbackGroup bounds one group's transaction.
const maxCallbackGroup = 500

// commitCallbacks applies a group in one transaction; if that fails, each
// callback on its own, so one bad callback cannot sink the others.
func (r *Runner) commitCallbacks(ctx context.Context, batch []*pendingCallback) {
	for len(batch) > 0 {
		part := batch[:min(len(batch), maxCallbackGroup)]
		batch = batch[len(part):]
		err := r.db.Update(ctx, func(tx *store.Tx) error {
			for _, p := range part {
				p.rep, p.err = r.applyCallbackTx(ctx, tx, p.id, p.state, p.msg)
				if p.err != nil && !errors.As(p.err, new(*CallbackError)) {
					return p.err
				}
			}
			return nil
		})
		if err == nil {
			continue
		}
		if len(part) == 1 {
			part[0].err = err
			continue
		}
		for _, p := range part {
			p.err = r.db.Update(ctx, func(tx *store.Tx) error {
				var err error
				p.rep, err = r.applyCallbackTx(ctx, tx, p.id, p.state, p.msg)
				return err
			})
		}
	}
}

// applyCallbackTx applies one callback inside tx: the step's results and
// the item's transition, or its failure. A callback for an item that is no
// longer waiting in the step's start state changes nothing. A
// *CallbackError is returned before anything is written.
func (r *Runner) applyCallbackTx(ctx context.Context, tx *store.Tx, id int64, state store.State, msg PrestoMessage) (CallbackReply, error) {
	var rep CallbackReply
	err := func() error {
		rep = CallbackReply{Item: id, State: string(state)}
		it, err := tx.Item(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			rep.Status, rep.Detail = "ignored", "the item no longer exists (expired or deleted)"
			return nil
		}
		if err != nil {
			return err
		}
		def, ok := r.defs[it.Workflow]
		k := -1
		if ok {
			k = slices.IndexFunc(def.Steps, func(s Step) bool { return s.State == state })
		}
		if k < 0 {
			rep.Status, rep.Detail = "ignored", fmt.Sprintf("workflow %s has no step reaching %s", it.Workflow, state)
			return nil
		}
		step, from := def.Steps[k], def.States()[k]
		act, ok := r.actions[actionKey(step)].(AsyncAction)
		if !ok {
			rep.Status, rep.Detail = "ignored", fmt.Sprintf("step %s does not wait for callbacks", state)
			return nil
		}
		res, derr := act.Decode(step, id, msg)
		var ce *CallbackError
		if errors.As(derr, &ce) {
			return derr
		}
		if it.State != from {
			rep.Status, rep.Detail = "ignored", fmt.Sprintf("the item is in state %s, not %s: this result was applied already or is no longer wanted", it.State, from)
			return nil
		}
		health := store.ServiceHealth{Service: step.Service, Kind: "presto", Calls: 1}
		if derr != nil {
			health.Failures, health.LastError, health.Error = 1, store.T(tx.Now()), derr.Error()
			if err := tx.AddServiceHealth(ctx, []store.ServiceHealth{health}); err != nil {
				return err
			}
			attempt := max(it.Attempts, 1)
			if attempt >= step.MaxAttempts || !retryable(derr) {
				rep.Status, rep.Detail = "failed", derr.Error()
				reason := derr.Error()
				if retryable(derr) {
					reason = fmt.Sprintf("gave up after %d attempts: %s", attempt, reason)
				}
				return tx.Transition(ctx, store.Transition{ItemID: id, From: from, To: store.Failed, Owner: it.LeaseOwner, Attempt: attempt, Error: reason})
			}
			rep.Status, rep.Detail = "error recorded", derr.Error()+"; the item will be submitted again"
			return tx.Defer(ctx, id, from, it.LeaseOwner, attempt, tx.Now().Add(r.backoff(attempt)), derr.Error())
		}
		health.LastOK = store.T(tx.Now())
		if err := tx.AddServiceHealth(ctx, []store.ServiceHealth{health}); err != nil {
			return err
		}
		adv := store.Advance{ItemID: id, Attempt: max(it.Attempts, 1), Path: []store.State{from, state}}
		if res.Text != nil {
			adv.Text = res.Text
		}
		if res.Language != nil {
			adv.Language, adv.LanguageScore = &res.Language.Code, res.Language.Score
		}
		moved, err := tx.AdvanceMany(ctx, it.LeaseOwner, []store.Advance{adv})
		if err != nil {
			return err
		}
		if len(moved) != 1 {
			return fmt.Errorf("item %d moved while its callback was applied", id)
		}
		if err := storeResults(ctx, tx, it, []Result{res}); err != nil {
			return err
		}
		rep.Status = "applied"
		return nil
	}()
	return rep, err
}

// asyncClaimPause is how long an asynchronous leg whose claim came back
// empty is left alone.
const asyncClaimPause = 50 * time.Millisecond

// callbackPoll is how often a run waiting only for callbacks looks again.
const callbackPoll = 200 * time.Millisecond
