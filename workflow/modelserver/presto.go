package modelserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// item is Presto's GenericItem (§1.3), the body of a request and of its
// callback. Field order is Presto's, so callbacks read the same; keys Presto
// does not know are dropped, as pydantic drops them.
type item struct {
	ID          json.RawMessage `json:"id"` // a string or a number, echoed as sent
	ContentHash *string         `json:"content_hash"`
	CallbackURL *string         `json:"callback_url"`
	URL         *string         `json:"url"`
	Text        *string         `json:"text"`
	Raw         json.RawMessage `json:"raw"`        // an object or null; {} when absent
	Parameters  json.RawMessage `json:"parameters"` // an object or null; {} when absent
	Result      any             `json:"result"`     // ignored on input, set by the model
}

// callbackMessage is Presto's Message (§1.4), what a callback POSTs.
type callbackMessage struct {
	Body       item   `json:"body"`
	ModelName  string `json:"model_name"`
	RetryCount int    `json:"retry_count"`
}

// pushResponse is Presto's immediate answer to /process_item.
type pushResponse struct {
	Message string          `json:"message"`
	Queue   string          `json:"queue"`
	Body    json.RawMessage `json:"body"`
}

// job is one accepted item waiting for a worker.
type job struct {
	model *model
	item  item
}

var emptyObject = json.RawMessage(`{}`)

// handleProcessItem is Presto's POST /process_item/{name}: validate, answer at
// once, and queue the work.
func (s *Server) handleProcessItem(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	m := lookupModel(name)
	if m == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": fmt.Sprintf("unknown model %q; known: %s", name, strings.Join(modelQueues(), ", "))})
		return
	}
	var it item
	raw, rerr := decodeBody(w, r, s.opt.MaxBodyBytes, http.StatusUnprocessableEntity, &it)
	if rerr == nil {
		rerr = it.validate()
	}
	if rerr != nil {
		writeJSON(w, rerr.status, map[string]string{"detail": rerr.msg})
		return
	}
	it.Result = nil
	if it.Raw == nil {
		it.Raw = emptyObject
	}
	if it.Parameters == nil {
		it.Parameters = emptyObject
	}

	log := s.log.With("model", m.name, "id", it.idString())
	if it.CallbackURL != nil && *it.CallbackURL != "" {
		if err := s.enqueue(job{model: m, item: it}); err != nil {
			log.WarnContext(r.Context(), "job refused", "err", err)
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": err.Error()})
			return
		}
		log.DebugContext(r.Context(), "job queued")
	} else {
		log.DebugContext(r.Context(), "job without callback_url dropped")
	}
	// Presto echoes the request as it came, unknown keys included (Marshal
	// compacts it).
	writeJSON(w, http.StatusOK, pushResponse{Message: "Message pushed successfully", Queue: name, Body: raw})
}

var (
	errQueueFull = errors.New("queue full, retry later")
	errStopped   = errors.New("server is shutting down")
)

// enqueue hands j to the workers without blocking.
func (s *Server) enqueue(j job) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.state == stopped {
		return errStopped
	}
	select {
	case s.jobs <- j:
		return nil
	default:
		return errQueueFull
	}
}

func (it *item) validate() *requestError {
	id := bytes.TrimSpace(it.ID)
	switch {
	case len(id) == 0 || string(id) == "null":
		return &requestError{http.StatusUnprocessableEntity, "id is required"}
	case id[0] != '"' && id[0] != '-' && (id[0] < '0' || id[0] > '9'):
		return &requestError{http.StatusUnprocessableEntity, "id must be a string or a number"}
	}
	for _, f := range []struct {
		name string
		v    json.RawMessage
	}{{"raw", it.Raw}, {"parameters", it.Parameters}} {
		if v := bytes.TrimSpace(f.v); len(v) > 0 && v[0] != '{' && string(v) != "null" {
			return &requestError{http.StatusUnprocessableEntity, f.name + " must be an object"}
		}
	}
	if it.CallbackURL != nil && *it.CallbackURL != "" {
		u, err := url.Parse(*it.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &requestError{http.StatusUnprocessableEntity, "callback_url must be an absolute http or https URL"}
		}
	}
	return nil
}

// idString is the id for logs: a string id without its quotes.
func (it *item) idString() string {
	var s string
	if json.Unmarshal(it.ID, &s) == nil {
		return s
	}
	return string(it.ID)
}

// worker is the state one job goroutine reuses.
type worker struct {
	emb lexembed.Embedder
}

func (s *Server) work(ctx context.Context) {
	var wk worker
	// Checked before each select, which picks at random when a job and the
	// end of ctx are both ready.
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			return
		case j := <-s.jobs:
			s.process(ctx, &wk, j)
		}
	}
}

// process runs the model on one job and delivers the callback.
func (s *Server) process(ctx context.Context, wk *worker, j job) {
	log := s.log.With("model", j.model.name, "id", j.item.idString(), "url", *j.item.CallbackURL)
	if ctx.Err() != nil {
		log.Warn("job dropped at shutdown")
		return
	}
	it := j.item
	it.Result = j.model.run(s, wk, &it)
	msg := callbackMessage{Body: it, ModelName: j.model.name + ".Model", RetryCount: 0}
	body, err := json.Marshal(msg)
	if err != nil { // only a model returning an unencodable value
		log.ErrorContext(ctx, "encode callback", "err", err)
		return
	}
	attempts, err := s.deliver(ctx, *it.CallbackURL, body)
	switch {
	case err == nil:
		log.DebugContext(ctx, "callback delivered", "attempts", attempts)
	case ctx.Err() != nil:
		log.Warn("callback dropped at shutdown", "attempts", attempts, "err", err)
	default:
		log.ErrorContext(ctx, "callback failed", "attempts", attempts, "err", err)
	}
}

// statusError is a callback receiver's non-2xx answer.
type statusError struct {
	StatusCode int
	Body       string // the start of the response body
}

func (e *statusError) Error() string {
	return fmt.Sprintf("callback answered %d: %s", e.StatusCode, e.Body)
}

func (e *statusError) retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// deliver POSTs body to callbackURL, retrying network errors, timeouts, 429
// and 5xx at most CallbackRetries times with exponential backoff, and never
// after ctx is done. It returns the number of attempts made.
func (s *Server) deliver(ctx context.Context, callbackURL string, body []byte) (int, error) {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.post(ctx, callbackURL, body)
		if err == nil {
			return attempt, nil
		}
		if se, isStatus := errors.AsType[*statusError](err); isStatus && !se.retryable() {
			return attempt, err
		}
		if attempt > s.opt.CallbackRetries || ctx.Err() != nil {
			return attempt, err
		}
		wait := backoff(s.opt.CallbackBackoff, attempt, rand.Int64N)
		s.log.WarnContext(ctx, "callback retrying", "url", callbackURL, "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, err
		case <-t.C:
		}
	}
}

// backoff is the wait before retry n (1-based): base·2^(n-1), at most
// 32·base, of which the upper half is random so that callbacks failing
// together do not retry in lockstep. rnd(k) returns a value in [0, k).
func backoff(base time.Duration, n int, rnd func(int64) int64) time.Duration {
	d := base << min(n-1, 5)
	half := d / 2
	return half + time.Duration(rnd(int64(half)+1))
}

// post makes one callback attempt, bounded by CallbackTimeout.
func (s *Server) post(ctx context.Context, callbackURL string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.opt.CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.opt.UserAgent)
	resp, err := s.opt.Client.Do(req)
	if err != nil {
		return err // *url.Error names the method and URL
	}
	defer resp.Body.Close()
	// Read a little for the log and drain the rest (bounded) so the
	// connection can be reused.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &statusError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(head))}
	}
	return nil
}
