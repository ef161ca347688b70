package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// ServiceConfig is one remote model service a workflow step can name.
type ServiceConfig struct {
	Name        string
	Kind        string // presto | alegre | openai
	URL         string // base URL, e.g. http://localhost:8000
	Model       string // the model steps use unless their params name another
	APIKey      string // sent as a bearer token (openai); read from the environment by the caller
	Timeout     time.Duration
	Concurrency int   // requests in flight at once, across the process
	Retries     int   // extra tries of a failed request before the item's attempt fails
	MaxResponse int64 // bytes read from one response at most
	// CallbackDeadline is how long an asynchronous service (presto) may take
	// to call back before the item is submitted again.
	CallbackDeadline time.Duration
}

// ServiceKinds are the kinds of remote service timpani can call.
var ServiceKinds = []string{"alegre", "openai", "presto"}

// Defaults for services that leave these unset.
const (
	DefaultServiceTimeout   = 30 * time.Second
	DefaultConcurrency      = 4
	DefaultRetries          = 2
	DefaultMaxResponse      = 64 << 20
	DefaultCallbackDeadline = 10 * time.Minute
)

// UserAgent is what timpani calls itself to services.
var UserAgent = "timpani (+https://github.com/timpani-dev/timpani)"

func (c ServiceConfig) withDefaults() ServiceConfig {
	if c.Timeout <= 0 {
		c.Timeout = DefaultServiceTimeout
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Retries < 0 {
		c.Retries = 0
	} else if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = DefaultMaxResponse
	}
	if c.CallbackDeadline <= 0 {
		c.CallbackDeadline = DefaultCallbackDeadline
	}
	c.URL = strings.TrimRight(c.URL, "/")
	return c
}

// Check reports what is wrong with c, every problem at once.
func (c ServiceConfig) Check() error {
	var errs []error
	if !slices.Contains(ServiceKinds, c.Kind) {
		errs = append(errs, fmt.Errorf("unknown service kind %q (known: %s)", c.Kind, strings.Join(ServiceKinds, ", ")))
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url %q must be an absolute http or https URL", c.URL))
	}
	if c.Concurrency < 0 || c.Concurrency > 256 {
		errs = append(errs, fmt.Errorf("concurrency %d must be between 1 and 256", c.Concurrency))
	}
	return errors.Join(errs...)
}

// remote is the HTTP side of every service client: timeouts, bounded
// retries with backoff and jitter, a concurrency limit, a User-Agent,
// response size limits, errors sorted into retryable or not, and a tally of
// how the calls went for `status`.
type remote struct {
	cfg    ServiceConfig
	client *http.Client
	sem    chan struct{}
	// backoff is the first delay between tries of one request; tests
	// shorten it.
	backoff time.Duration

	mu     sync.Mutex
	health store.ServiceHealth // since the last drain
	// down and downUntil: after a request found the service unreachable
	// (retries spent), others fail at once for a while instead of each
	// spending its own retries on a service that is not there.
	down      error
	downUntil time.Time
}

// breakerOpen is how long calls fail fast after the service was found
// unreachable.
const breakerOpen = 5 * time.Second

func newRemote(cfg ServiceConfig) *remote {
	cfg = cfg.withDefaults()
	return &remote{
		cfg: cfg,
		client: &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: cfg.Concurrency,
			IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true,
		}},
		sem:     make(chan struct{}, cfg.Concurrency),
		backoff: 500 * time.Millisecond,
		health:  store.ServiceHealth{Service: cfg.Name, Kind: cfg.Kind},
	}
}

// HTTPError is a service's non-2xx answer.
type HTTPError struct {
	Service     string
	Method, URL string
	Status      int
	Body        string // the start of the body, for the reason shown to users
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s: %s %s: %d %s", e.Service, e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// call sends in as JSON (nil: no body) and decodes a 2xx JSON answer into
// out (nil: the body is read and dropped). Failures come back as
// *StepError: connection failures, timeouts, 429 and 502-504 mark the
// service unavailable (the item waits without spending an attempt); other
// 5xx and undecodable answers are retryable; other 4xx are permanent. A
// failed request is tried again up to the service's Retries times first,
// honouring Retry-After.
func (r *remote) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return Permanent(fmt.Errorf("%s: encode request: %w", r.cfg.Name, err))
		}
	}
	if err := r.isDown(); err != nil {
		return err
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.sem }()
	if err := r.isDown(); err != nil { // found down while this call queued
		return err
	}

	delay := r.backoff
	for try := 0; ; try++ {
		wait, err := r.once(ctx, method, path, body, out)
		r.record(err)
		var se *StepError
		if err == nil || ctx.Err() != nil || !errors.As(err, &se) || !se.Retryable || try >= r.cfg.Retries {
			if se != nil && se.Unavailable && ctx.Err() == nil {
				r.markDown(err)
			}
			return err
		}
		// Jitter of ±25% so the items of a batch do not retry in lockstep.
		d := delay + time.Duration(rand.Int64N(int64(delay)/2+1)) - delay/4
		d = max(d, wait)
		delay *= 2
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// once makes one request; wait is the delay the service asked for.
func (r *remote) once(ctx context.Context, method, path string, body []byte, out any) (wait time.Duration, err error) {
	u := r.cfg.URL + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, Permanent(fmt.Errorf("%s: %w", r.cfg.Name, err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if r.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.cfg.APIKey)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, &StepError{Retryable: true, Unavailable: true, Err: fmt.Errorf("%s: %s %s: %w", r.cfg.Name, method, u, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.cfg.MaxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, &StepError{Retryable: true, Err: fmt.Errorf("%s: %s %s: read answer: %w", r.cfg.Name, method, u, unwrapURLError(err))}
	}
	if int64(len(data)) > r.cfg.MaxResponse {
		return 0, Permanent(fmt.Errorf("%s: %s %s: answer larger than %d bytes", r.cfg.Name, method, u, r.cfg.MaxResponse))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		herr := &HTTPError{Service: r.cfg.Name, Method: method, URL: u, Status: resp.StatusCode, Body: snippet(data)}
		switch s := resp.StatusCode; {
		case s == http.StatusTooManyRequests || s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
			return retryAfter(resp.Header.Get("Retry-After")), &StepError{Retryable: true, Unavailable: true, Err: herr}
		case s >= 500 || s == http.StatusRequestTimeout:
			return 0, &StepError{Retryable: true, Err: herr}
		default:
			return 0, Permanent(herr)
		}
	}
	if out == nil {
		return 0, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, &StepError{Retryable: true, Err: fmt.Errorf("%s: %s %s: answer is not the JSON expected: %w (%s)", r.cfg.Name, method, u, err, snippet(data))}
	}
	return 0, nil
}

// unwrapURLError drops url.Error's "Post \"http://...\": " prefix, which
// the caller's message already has.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return errors.New("connection refused (is the service running?)")
		}
		var op *net.OpError
		if errors.As(err, &op) {
			return op
		}
		return ue.Err
	}
	return err
}

// retryAfter reads a Retry-After header in seconds (dates are rare from
// model servers and read as no delay), capped at a minute.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, time.Minute)
}

// snippet is the start of a body, on one line, for error messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// record adds one call to the tally.
func (r *remote) record(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.health.Calls++
	now := time.Now()
	if err == nil {
		r.health.LastOK = store.T(now)
		r.down = nil
		return
	}
	var he *HTTPError
	if errors.Is(err, context.Canceled) || (errors.As(err, &he) && he.Method == http.MethodDelete && he.Status == http.StatusNotFound) {
		return // deleting what is gone already is not the service failing
	}
	r.health.Failures++
	r.health.LastError, r.health.Error = store.T(now), err.Error()
}

func (r *remote) markDown(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down, r.downUntil = err, time.Now().Add(breakerOpen)
}

// isDown returns the error that found the service unreachable, while
// calls fail fast.
func (r *remote) isDown() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down == nil || time.Now().After(r.downUntil) {
		return nil
	}
	return &StepError{Retryable: true, Unavailable: true, Err: fmt.Errorf("not tried: %w", r.down)}
}

// drainHealth returns the tally since the last drain and starts a new one.
func (r *remote) drainHealth() (store.ServiceHealth, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.health
	r.health = store.ServiceHealth{Service: r.cfg.Name, Kind: r.cfg.Kind}
	return h, h.Calls > 0
}

// healthReporter is an action that calls a remote service; the runner
// records its tally with each batch it commits.
type healthReporter interface {
	drainHealth() (store.ServiceHealth, bool)
}

// RemoteActions returns the actions a configured service runs, keyed the
// way steps find them: "<service>.<action>".
func RemoteActions(cfg ServiceConfig, opt ActionOptions) (map[string]Action, error) {
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("service %s: %w", cfg.Name, err)
	}
	r := newRemote(cfg)
	var acts map[string]Action
	switch cfg.Kind {
	case "openai":
		acts = openaiActions(r)
	case "alegre":
		acts = alegreActions(r, opt)
	case "presto":
		acts = prestoActions(r)
	}
	out := make(map[string]Action, len(acts))
	for name, a := range acts {
		out[cfg.Name+"."+name] = a
	}
	return out, nil
}

// actionKey is how a step's action is found among the runner's actions:
// built-in ones by name, remote ones as "<service>.<action>".
func actionKey(s Step) string {
	if s.Service == "" || s.Service == BuiltinService {
		return s.Action
	}
	return s.Service + "." + s.Action
}

// servicesActions lists, for an error message, what a service runs.
func servicesActions(actions map[string]Action, service string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(actions)) {
		if name, ok := strings.CutPrefix(k, service+"."); ok {
			out = append(out, name)
		}
	}
	return out
}

// stringParam reads an optional string parameter.
func stringParam(p map[string]any, key, def string) (string, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s must be a non-empty string, not %v", key, v)
	}
	return s, nil
}
