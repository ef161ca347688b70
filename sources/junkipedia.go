package sources

// The junkipedia source reads posts from the Junkipedia REST API, as the
// original Timpani did: a query is an API path with list ids
// ("/posts?lists=5835,5836"), asked for the run's publish window in epoch
// seconds, 100 posts a page, following links.next.
//
// Junkipedia can only page through the first 10,000 results of a query
// (an Elasticsearch limit that, like Elasticsearch, we assume refuses a page
// ending past it, so with per_page p only whole pages, 10000/p*p results,
// are reachable). When the first page of a window says it holds more
// (meta.total_posts), the window is cut in two at its middle second and the
// halves are fetched instead, earlier first, recursively, until every part
// fits; the halves share no second and leave none out. A part of one second
// that still holds too many is paged as far as the API goes and the
// shortfall is reported in Page.Problems. Page.Total is meta.total_posts of
// the query window's first request, the same on every page.
//
// Windows are [from, to) in epoch seconds, UTC by definition (the original
// used strftime("%s"), which depends on the local zone). Junkipedia does not
// document whether published_at_to is inclusive, so a window is asked for
// with published_at_from=from and published_at_to=to, and posts published at
// or after to (or before from) are dropped: they belong to a neighbouring
// window, which fetches them. Either reading of the API then yields every
// post exactly once. If the API is inclusive, a window's count also holds
// the posts of the second just after it: Page.Total may then exceed the
// records by those, and a one-second part can be reported over the limit
// when it is the next second that is (hence "up to" in that problem).
//
// Fetch returns one page per call. Its cursor is a small JSON object that
// holds everything needed to resume in another process: the query window,
// the windows still to fetch, the window being paged and its links.next URL.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// JunkipediaOptions are the options of the junkipedia source kind (its TOML
// table). A zero value means the default.
type JunkipediaOptions struct {
	// BaseURL is the API root that query paths are appended to. Default
	// "https://www.junkipedia.org/api/v1". Plain http is accepted only for
	// a loopback host, so the API key never crosses a network in clear text.
	BaseURL string `toml:"base_url"`
	// TokenEnv names the environment variable that holds the API key, sent
	// as "Authorization: Bearer <key>". Required. It is read at every
	// Fetch, and the key is never stored, logged or put in an error.
	TokenEnv string `toml:"token_env"`
	// PerPage is the number of posts asked for per page. Default 100.
	PerPage int `toml:"per_page"`
	// RequestsPerSecond limits the requests sent to one host. Default 2.
	RequestsPerSecond float64 `toml:"requests_per_second"`
	// Timeout bounds every request, body included, as a Go duration such as
	// "60s". Default "60s".
	Timeout string `toml:"timeout"`
	// MaxRetries is how many times a request is retried after a timeout, a
	// network error, a 5xx or a truncated body, and separately how many 429
	// responses it waits out. Default (unset) 5; 0 never retries.
	MaxRetries *int `toml:"max_retries"`
	// MaxResultsPerWindow is the most results the API pages through for one
	// query; a page that would end past it is never asked for. Default
	// 10000, Junkipedia's limit.
	MaxResultsPerWindow int `toml:"max_results_per_window"`
	// UserAgent is sent with every request. Default
	// "timpani (+https://github.com/timpani-dev/timpani)".
	UserAgent string `toml:"user_agent"`
}

const (
	junkipediaDefaultBaseURL    = "https://www.junkipedia.org/api/v1"
	junkipediaDefaultPerPage    = 100
	junkipediaMaxPerPage        = 1000
	junkipediaDefaultRPS        = 2
	junkipediaDefaultTimeout    = 60 * time.Second
	junkipediaDefaultMaxRetries = 5
	junkipediaMaxMaxRetries     = 100
	junkipediaDefaultMaxResults = 10_000
	junkipediaDefaultUserAgent  = "timpani (+https://github.com/timpani-dev/timpani)"

	// junkipediaMaxBody bounds a response body; a page of 100 posts is a few
	// MiB at most.
	junkipediaMaxBody = 32 << 20
	// Backoff after a failed request: doubling from the first wait up to
	// the last, with jitter so that parallel fetches do not retry in step.
	junkipediaFirstBackoff = time.Second
	junkipediaMaxBackoff   = time.Minute
	// junkipediaMaxRetryAfter caps the wait a 429's Retry-After may impose.
	junkipediaMaxRetryAfter = 5 * time.Minute
	// junkipediaMaxRequests bounds the requests of one Fetch call that yield
	// no records (split windows, empty parts), so that a caller sees
	// progress it can checkpoint.
	junkipediaMaxRequests = 64
	// junkipediaMaxPending bounds the windows a cursor may hold: halving a
	// window of int64 seconds leaves at most one pending part per level.
	junkipediaMaxPending    = 64
	junkipediaCursorVersion = 1
)

// junkipedia is the junkipedia source. Its options are immutable once built
// and its rate limiter is guarded, so one value may serve concurrent
// fetches.
type junkipedia struct {
	base       *url.URL
	tokenEnv   string
	perPage    int
	interval   time.Duration // between requests to one host; 0 means no limit
	timeout    time.Duration
	maxRetries int
	maxResults int
	// reachable is how many results the API pages through with our page
	// size: like Elasticsearch, it refuses a page that ends past
	// maxResults, so that is whole pages only.
	reachable int
	userAgent string
	maxBody   int64
	client    *http.Client

	// now and sleep are the clock; tests replace them to run without
	// waiting.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	slots map[string]time.Time // per host: when its next request may start
}

func buildJunkipedia(opts JunkipediaOptions) (*junkipedia, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("junkipedia: "+format, args...))
	}
	s := &junkipedia{
		tokenEnv:   opts.TokenEnv,
		perPage:    opts.PerPage,
		timeout:    junkipediaDefaultTimeout,
		maxRetries: junkipediaDefaultMaxRetries,
		maxResults: opts.MaxResultsPerWindow,
		userAgent:  opts.UserAgent,
		maxBody:    junkipediaMaxBody,
		now:        time.Now,
		sleep:      junkipediaSleep,
		slots:      make(map[string]time.Time),
	}

	base := opts.BaseURL
	if base == "" {
		base = junkipediaDefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		bad("base_url %q must be an http(s) URL with a host and no user, query or fragment", base)
	} else if u.Scheme == "http" && !junkipediaLoopback(u.Hostname()) {
		bad("base_url %q uses http: the API key would cross the network in clear text; use https", base)
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		s.base = u
	}

	switch {
	case opts.TokenEnv == "":
		bad("token_env is required: name the environment variable that holds the API key")
	case strings.ContainsAny(opts.TokenEnv, "=\x00") || strings.TrimSpace(opts.TokenEnv) != opts.TokenEnv:
		bad("token_env %q is not an environment variable name", opts.TokenEnv)
	}

	if s.perPage == 0 {
		s.perPage = junkipediaDefaultPerPage
	}
	if s.maxResults == 0 {
		s.maxResults = junkipediaDefaultMaxResults
	}
	if s.perPage < 1 || s.perPage > junkipediaMaxPerPage {
		bad("per_page must be between 1 and %d (got %d)", junkipediaMaxPerPage, opts.PerPage)
	}
	if s.maxResults < 1 {
		bad("max_results_per_window must be at least 1 (got %d)", opts.MaxResultsPerWindow)
	} else if s.perPage > s.maxResults {
		bad("per_page (%d) must not exceed max_results_per_window (%d): the API would refuse the first page", s.perPage, s.maxResults)
	} else if s.perPage > 0 {
		s.reachable = s.maxResults / s.perPage * s.perPage
	}

	rps := opts.RequestsPerSecond
	if rps == 0 {
		rps = junkipediaDefaultRPS
	}
	if !(rps > 0) || rps > 1e12 { // also rejects NaN
		bad("requests_per_second must be above 0 (got %v)", opts.RequestsPerSecond)
	} else {
		// A rate so high that the interval rounds to 0 means no limit.
		s.interval = time.Duration(float64(time.Second) / rps)
	}

	if opts.Timeout != "" {
		d, err := time.ParseDuration(opts.Timeout)
		if err != nil || d <= 0 {
			bad("timeout %q must be a positive duration such as \"60s\"", opts.Timeout)
		} else {
			s.timeout = d
		}
	}
	if opts.MaxRetries != nil {
		s.maxRetries = *opts.MaxRetries
		if s.maxRetries < 0 || s.maxRetries > junkipediaMaxMaxRetries {
			bad("max_retries must be between 0 and %d (got %d)", junkipediaMaxMaxRetries, s.maxRetries)
		}
	}
	if s.userAgent == "" {
		s.userAgent = junkipediaDefaultUserAgent
	}
	if strings.ContainsAny(s.userAgent, "\r\n\x00") {
		bad("user_agent %q must be one line", s.userAgent)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	s.client = &http.Client{
		Timeout: s.timeout,
		// Go drops the Authorization header on a redirect to another
		// domain but not to plain http on the same one; refuse both.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if !s.sameOrigin(req.URL) {
				return fmt.Errorf("%w to %s: the API key is only sent to %s://%s",
					errJunkipediaRedirect, req.URL.Redacted(), s.base.Scheme, s.base.Host)
			}
			return nil
		},
	}
	return s, nil
}

// junkipediaLoopback reports whether host is this machine.
func junkipediaLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *junkipedia) Kind() string { return "junkipedia" }

func (s *junkipedia) sameOrigin(u *url.URL) bool {
	return u.Scheme == s.base.Scheme && strings.EqualFold(u.Host, s.base.Host)
}

// junkipediaCursor is the state of a query's fetch between pages.
type junkipediaCursor struct {
	V      int      `json:"v"`
	Query  string   `json:"q"` // hash of the query value, to catch a cursor used with another query
	Window [2]int64 `json:"w"` // the query window [from, to), epoch seconds
	// Total is meta.total_posts of the query window's first page, -1 when
	// the API did not say.
	Total int `json:"total"`
	// Cur is the window being paged, if any.
	Cur *junkipediaPaging `json:"cur,omitempty"`
	// Pending are the windows not started yet, in order: Cur's first page
	// is asked for only after they split it, so they are fetched from
	// their first page.
	Pending [][2]int64 `json:"pending,omitempty"`
}

// junkipediaPaging is a window being paged through links.next.
type junkipediaPaging struct {
	Window [2]int64 `json:"w"`
	Next   string   `json:"next"`  // the URL of its next page
	Pages  int      `json:"pages"` // pages of it fetched so far
	// Capped is set when its first page already reported the posts that
	// the API's limit leaves out.
	Capped bool `json:"capped,omitempty"`
}

func junkipediaQueryHash(value string) string {
	h := fnv.New64a()
	h.Write([]byte(value))
	return strconv.FormatUint(h.Sum64(), 16)
}

func (c *junkipediaCursor) encode() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain ints and strings always marshal
	}
	return string(b)
}

// parseCursor reads a cursor an earlier page returned for the same
// query and window.
func (s *junkipedia) parseCursor(cursor, queryHash string, window [2]int64) (junkipediaCursor, error) {
	var c junkipediaCursor
	malformed := func(why string) error {
		return fmt.Errorf("malformed cursor %q: %s", junkipediaClip(cursor), why)
	}
	dec := json.NewDecoder(strings.NewReader(cursor))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, malformed("not the JSON object an earlier page returned")
	}
	if dec.More() {
		return c, malformed("trailing data")
	}
	if c.V != junkipediaCursorVersion {
		return c, malformed(fmt.Sprintf("version %d, want %d", c.V, junkipediaCursorVersion))
	}
	if c.Query != queryHash {
		return c, malformed("it belongs to another query")
	}
	if c.Window != window {
		return c, malformed(fmt.Sprintf("it belongs to window %s, not %s", junkipediaWindowString(c.Window), junkipediaWindowString(window)))
	}
	if c.Total < -1 {
		return c, malformed("negative total")
	}
	if len(c.Pending) > junkipediaMaxPending {
		return c, malformed("too many pending windows")
	}
	inside := func(w [2]int64) bool { return w[0] >= window[0] && w[0] < w[1] && w[1] <= window[1] }
	for _, w := range c.Pending {
		if !inside(w) {
			return c, malformed(fmt.Sprintf("window %s is outside the query window", junkipediaWindowString(w)))
		}
	}
	if c.Cur == nil {
		if len(c.Pending) == 0 {
			return c, malformed("nothing left to fetch")
		}
		return c, nil
	}
	if !inside(c.Cur.Window) {
		return c, malformed(fmt.Sprintf("window %s is outside the query window", junkipediaWindowString(c.Cur.Window)))
	}
	if c.Cur.Pages < 1 {
		return c, malformed("no pages fetched")
	}
	u, err := url.Parse(c.Cur.Next)
	if err != nil || !s.sameOrigin(u) {
		// Never send the API key where a cursor says.
		return c, malformed(fmt.Sprintf("its next page is not on %s://%s", s.base.Scheme, s.base.Host))
	}
	return c, nil
}

func junkipediaWindowString(w [2]int64) string {
	return fmt.Sprintf("[%s, %s)", time.Unix(w[0], 0).UTC().Format(time.RFC3339), time.Unix(w[1], 0).UTC().Format(time.RFC3339))
}

// Fetch returns the next page of posts of the query published in
// [q.Start, q.End), in epoch seconds (a fractional end rounds up).
func (s *junkipedia) Fetch(ctx context.Context, q Query, cursor string) (Page, error) {
	page, err := s.fetch(ctx, q, cursor)
	if err != nil {
		// The key is only ever in a request header, but an API could echo
		// it back in a body quoted by an error.
		if token := os.Getenv(s.tokenEnv); token != "" && strings.Contains(err.Error(), token) {
			err = &junkipediaRedacted{err: err, token: token}
		}
		return Page{}, err
	}
	return page, nil
}

func (s *junkipedia) fetch(ctx context.Context, q Query, cursor string) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("junkipedia: %w", err)
	}
	if q.Start.IsZero() || q.End.IsZero() {
		return Page{}, fmt.Errorf("junkipedia: query %q needs a publish window (start and end)", q.Name)
	}
	if q.End.Before(q.Start) {
		return Page{}, fmt.Errorf("junkipedia: query %q window ends (%s) before it starts (%s)",
			q.Name, q.End.UTC().Format(time.RFC3339), q.Start.UTC().Format(time.RFC3339))
	}
	path, err := s.queryPath(q)
	if err != nil {
		return Page{}, err
	}
	window := [2]int64{q.Start.Unix(), q.End.Unix()}
	if q.End.Nanosecond() > 0 {
		window[1]++
	}
	if window[0] == window[1] {
		return Page{Total: 0}, nil
	}
	token := os.Getenv(s.tokenEnv)
	if token == "" {
		return Page{}, fmt.Errorf("junkipedia: the environment variable %s that token_env names is not set or empty; set it to the Junkipedia API key", s.tokenEnv)
	}

	hash := junkipediaQueryHash(q.Value)
	var c junkipediaCursor
	first := cursor == ""
	if first {
		c = junkipediaCursor{V: junkipediaCursorVersion, Query: hash, Window: window, Total: -1, Pending: [][2]int64{window}}
	} else if c, err = s.parseCursor(cursor, hash, window); err != nil {
		return Page{}, fmt.Errorf("junkipedia: query %q: %w", q.Name, err)
	}

	var page Page
	for range junkipediaMaxRequests {
		var u *url.URL
		var w [2]int64
		fresh := c.Cur == nil // the first page of a window
		if fresh {
			w, c.Pending = c.Pending[0], c.Pending[1:]
			u = s.windowURL(path, w)
		} else {
			w = c.Cur.Window
			if u, err = url.Parse(c.Cur.Next); err != nil {
				return Page{}, fmt.Errorf("junkipedia: next page %q: %w", junkipediaClip(c.Cur.Next), err)
			}
		}

		res, err := s.get(ctx, token, u, &page.Stats)
		if err != nil {
			return Page{}, err
		}
		if first {
			c.Total, first = res.total, false
		}
		if fresh {
			if res.total > s.reachable && w[1]-w[0] > 1 {
				// Too many to page through: fetch the two halves instead,
				// the earlier first. This page's posts are all in them.
				mid := w[0] + (w[1]-w[0])/2
				c.Pending = append([][2]int64{{w[0], mid}, {mid, w[1]}}, c.Pending...)
				page.Stats.WindowsSplit++
				continue
			}
			c.Cur = &junkipediaPaging{Window: w}
			if res.total > s.reachable {
				c.Cur.Capped = true
				page.Problems = append(page.Problems, fmt.Sprintf(
					"junkipedia: query %q: window %s holds %d posts by the API's count, more than the %d it pages through, and is one second long so it cannot be split: up to %d posts are missing",
					q.Name, junkipediaWindowString(w), res.total, s.reachable, res.total-s.reachable))
			}
		}

		c.Cur.Pages++
		for i, raw := range res.posts {
			rec, keep, problem := junkipediaRecord(raw, w)
			if problem != "" {
				page.Problems = append(page.Problems, fmt.Sprintf("junkipedia: GET %s: data[%d]: %s", u.Redacted(), i, problem))
				continue
			}
			if keep {
				page.Records = append(page.Records, rec)
			}
		}

		next := ""
		if res.next != "" && len(res.posts) > 0 {
			nu, err := s.nextURL(u, res.next, w)
			if err != nil {
				return Page{}, err
			}
			next = nu.String()
			if (c.Cur.Pages+1)*s.perPage > s.maxResults {
				// The API would refuse the next page; say so unless the
				// window's first page already did. (The window fit when it
				// started, or the API gave no count.)
				if !c.Cur.Capped {
					page.Problems = append(page.Problems, fmt.Sprintf(
						"junkipedia: query %q: window %s: stopped after %d pages of %d, as far as the API pages, with more pages left: some posts may be missing",
						q.Name, junkipediaWindowString(w), c.Cur.Pages, s.perPage))
				}
				next = ""
			}
		}
		if next != "" {
			c.Cur.Next = next
		} else {
			c.Cur = nil
		}
		if c.Cur == nil && len(c.Pending) == 0 {
			page.Total = c.Total
			return page, nil
		}
		if len(page.Records) > 0 {
			break
		}
	}
	page.Total = c.Total
	page.Next = c.encode()
	return page, nil
}

// queryPath checks the query value: an API path below base_url with its
// query string, such as "/posts?lists=5835,5836".
func (s *junkipedia) queryPath(q Query) (*url.URL, error) {
	u, err := url.Parse(q.Value)
	if err != nil || !strings.HasPrefix(q.Value, "/") || strings.HasPrefix(q.Value, "//") || u.Fragment != "" {
		return nil, fmt.Errorf("junkipedia: query %q: %q is not an API path such as \"/posts?lists=5835,5836\"", q.Name, junkipediaClip(q.Value))
	}
	return u, nil
}

// windowURL is the URL of the first page of window w.
func (s *junkipedia) windowURL(path *url.URL, w [2]int64) *url.URL {
	u := *s.base
	u.Path = s.base.Path + path.Path
	u.RawQuery = path.RawQuery
	s.setParams(&u, w)
	return &u
}

// nextURL resolves a links.next against the page it came from. It must stay
// on the API's host, and it gets our page size and window again whether or
// not the API repeated them.
func (s *junkipedia) nextURL(from *url.URL, next string, w [2]int64) (*url.URL, error) {
	u, err := from.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("junkipedia: GET %s: links.next %q: %w", from.Redacted(), junkipediaClip(next), err)
	}
	if !s.sameOrigin(u) {
		return nil, fmt.Errorf("junkipedia: GET %s: links.next %q leaves %s://%s, where the API key may be sent",
			from.Redacted(), junkipediaClip(next), s.base.Scheme, s.base.Host)
	}
	u.Fragment, u.RawFragment = "", ""
	s.setParams(u, w)
	return u, nil
}

func (s *junkipedia) setParams(u *url.URL, w [2]int64) {
	v := u.Query()
	v.Set("per_page", strconv.Itoa(s.perPage))
	v.Set("published_at_from", strconv.FormatInt(w[0], 10))
	v.Set("published_at_to", strconv.FormatInt(w[1], 10))
	u.RawQuery = v.Encode()
}

// junkipediaRecord turns one element of a page's data into a record. keep
// is false for a post published outside window w; problem says why the
// element is unusable.
func junkipediaRecord(raw json.RawMessage, w [2]int64) (rec Record, keep bool, problem string) {
	var post struct {
		ID         json.RawMessage `json:"id"`
		Attributes *struct {
			PublishedAt json.RawMessage `json:"published_at"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(raw, &post); err != nil || len(raw) == 0 || raw[0] != '{' {
		return Record{}, false, "not a post object"
	}
	id, err := junkipediaID(post.ID)
	if err != nil {
		return Record{}, false, err.Error()
	}
	if post.Attributes != nil {
		// An unreadable time keeps the post: dropping it could lose it,
		// and Extract reports the bad time.
		if t, ok, err := junkipediaTime(post.Attributes.PublishedAt); ok && err == nil {
			if sec := t.Unix(); sec < w[0] || sec >= w[1] {
				return Record{}, false, ""
			}
		}
	}
	return Record{ID: id, Data: raw}, true, ""
}

// junkipediaID reads a post's id, a string or an integer.
func junkipediaID(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("the post has no id")
	}
	if raw[0] == '"' {
		var id string
		if err := json.Unmarshal(raw, &id); err != nil || strings.TrimSpace(id) == "" {
			return "", fmt.Errorf("the post's id %s is empty or unreadable", junkipediaClip(string(raw)))
		}
		return id, nil
	}
	lit := string(raw)
	if strings.Trim(lit, "0123456789") != "" {
		return "", fmt.Errorf("the post's id %s is neither a string nor an integer", junkipediaClip(lit))
	}
	return lit, nil
}

// junkipediaResponse is what a page of /posts gave.
type junkipediaResponse struct {
	posts []json.RawMessage
	next  string // links.next; "" on the last page
	total int    // meta.total_posts; -1 when absent
}

// errJunkipediaRedirect refuses a redirect off the API's origin.
var errJunkipediaRedirect = errors.New("refusing a redirect")

// errJunkipediaBody marks a body that is not whole JSON: a cut connection
// or a proxy's error page, worth a retry.
var errJunkipediaBody = errors.New("the body is not valid JSON (truncated?)")

// parseJunkipediaResponse reads a page body: {"data": [...], "links":
// {"next": ...}, "meta": {"total_posts": n}}. A body with "errors" is an
// error.
func parseJunkipediaResponse(body []byte) (junkipediaResponse, error) {
	res := junkipediaResponse{total: -1}
	if !json.Valid(body) {
		// Say where it breaks: a cut body ends early, but a body nested
		// too deep or garbled is not truncated.
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return res, fmt.Errorf("%w: %v", errJunkipediaBody, err)
		}
		return res, errJunkipediaBody
	}
	var raw struct {
		Data  *[]json.RawMessage `json:"data"`
		Links *struct {
			Next json.RawMessage `json:"next"`
		} `json:"links"`
		Meta *struct {
			TotalPosts json.RawMessage `json:"total_posts"`
		} `json:"meta"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return res, fmt.Errorf("the body is not a page of posts: %w", err)
	}
	if e := strings.TrimSpace(string(raw.Errors)); e != "" && e != "null" && e != "[]" {
		return res, fmt.Errorf("the API reported errors: %s", junkipediaErrorDetail(body))
	}
	if raw.Data == nil {
		return res, errors.New(`the body has no "data"`)
	}
	if raw.Links == nil {
		return res, errors.New(`the body has no "links"`)
	}
	res.posts = *raw.Data
	if n := raw.Links.Next; len(n) > 0 && string(n) != "null" {
		if err := json.Unmarshal(n, &res.next); err != nil {
			return res, fmt.Errorf("links.next %s is not a string", junkipediaClip(string(n)))
		}
	}
	if raw.Meta != nil {
		res.total = junkipediaCount(raw.Meta.TotalPosts)
	}
	return res, nil
}

// junkipediaCount reads a count given as a number or a string of digits
// (the API writes numbers both ways); -1 when it is neither.
func junkipediaCount(raw json.RawMessage) int {
	lit := string(raw)
	if len(lit) > 1 && lit[0] == '"' && lit[len(lit)-1] == '"' {
		lit = lit[1 : len(lit)-1]
	}
	n, err := strconv.Atoi(lit)
	if err != nil || n < 0 || strings.Trim(lit, "0123456789") != "" {
		return -1
	}
	return n
}

// junkipediaErrorDetail summarises an error body: the details of a JSON:API
// "errors" list, or else the start of the body.
func junkipediaErrorDetail(body []byte) string {
	var e struct {
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		var parts []string
		for _, x := range e.Errors {
			if d := strings.TrimSpace(x.Detail); d != "" {
				parts = append(parts, d)
			} else if t := strings.TrimSpace(x.Title); t != "" {
				parts = append(parts, t)
			}
		}
		if e.Error != "" {
			parts = append(parts, e.Error)
		}
		if len(parts) > 0 {
			return junkipediaClip(strings.Join(parts, "; "))
		}
	}
	text := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "\uFFFD")), " ")
	return junkipediaClip(text)
}

// junkipediaStatusError is an HTTP status the API answered with.
type junkipediaStatusError struct {
	URL        string // without the key, which only travels in a header
	StatusCode int
	Detail     string
}

func (e *junkipediaStatusError) Error() string {
	msg := fmt.Sprintf("junkipedia: GET %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// junkipediaRetry wraps an error worth retrying, with the wait the API
// asked for in Retry-After when it did (hasWait).
type junkipediaRetry struct {
	err         error
	rateLimited bool
	retryAfter  time.Duration
	hasWait     bool
}

func (e *junkipediaRetry) Error() string { return e.err.Error() }
func (e *junkipediaRetry) Unwrap() error { return e.err }

// junkipediaRedacted hides the API key in an error's text.
type junkipediaRedacted struct {
	err   error
	token string
}

func (e *junkipediaRedacted) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.token, "[redacted]")
}
func (e *junkipediaRedacted) Unwrap() error { return e.err }

// get requests one page, waiting for the host's rate limit, and retries
// what can be retried: 429s after Retry-After, and timeouts, network
// errors, 5xx and truncated bodies after an exponential backoff.
func (s *junkipedia) get(ctx context.Context, token string, u *url.URL, stats *FetchStats) (junkipediaResponse, error) {
	failures, limited := 0, 0
	for {
		if err := s.limit(ctx, u.Host, stats); err != nil {
			return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: %w", u.Redacted(), err)
		}
		res, err := s.do(ctx, token, u)
		if err == nil {
			return res, nil
		}
		var retry *junkipediaRetry
		if !errors.As(err, &retry) || ctx.Err() != nil {
			return junkipediaResponse{}, err
		}
		var wait time.Duration
		if retry.rateLimited {
			limited++
			if limited > s.maxRetries {
				return junkipediaResponse{}, fmt.Errorf("%w (still rate limited after waiting %d times)", err, s.maxRetries)
			}
			stats.RateLimitWaits++
			wait = s.backoff(limited)
			if retry.hasWait {
				wait = retry.retryAfter
			}
		} else {
			failures++
			if failures > s.maxRetries {
				return junkipediaResponse{}, fmt.Errorf("%w (gave up after %d retries)", err, s.maxRetries)
			}
			stats.Retries++
			wait = s.backoff(failures)
			if retry.hasWait {
				wait = max(wait, retry.retryAfter)
			}
		}
		if err := s.sleep(ctx, wait); err != nil {
			return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: %w", u.Redacted(), err)
		}
	}
}

// do sends one request and reads its answer within the timeout.
func (s *junkipedia) do(ctx context.Context, token string, u *url.URL) (junkipediaResponse, error) {
	where := u.Redacted()
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: %w", where, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: %w", where, ctx.Err())
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text repeats the URL
		}
		if errors.Is(err, errJunkipediaRedirect) {
			return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: %w", where, err)
		}
		return junkipediaResponse{}, &junkipediaRetry{err: fmt.Errorf("junkipedia: GET %s: %w", where, err)}
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, s.maxBody+1))
	if readErr != nil && ctx.Err() != nil {
		return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: %w", where, ctx.Err())
	}

	code := resp.StatusCode
	if code < 200 || code > 299 {
		serr := &junkipediaStatusError{URL: where, StatusCode: code, Detail: junkipediaErrorDetail(body)}
		switch {
		case code == http.StatusTooManyRequests:
			d, ok := s.retryAfter(resp.Header.Get("Retry-After"))
			return junkipediaResponse{}, &junkipediaRetry{err: serr, rateLimited: true, retryAfter: d, hasWait: ok}
		case code >= 500 || code == http.StatusRequestTimeout:
			// A 503 may say when to come back; otherwise back off.
			d, ok := s.retryAfter(resp.Header.Get("Retry-After"))
			return junkipediaResponse{}, &junkipediaRetry{err: serr, retryAfter: d, hasWait: ok}
		}
		return junkipediaResponse{}, serr
	}
	if readErr != nil {
		return junkipediaResponse{}, &junkipediaRetry{err: fmt.Errorf("junkipedia: GET %s: reading the body: %w", where, readErr)}
	}
	if int64(len(body)) > s.maxBody {
		return junkipediaResponse{}, fmt.Errorf("junkipedia: GET %s: the body is over %d bytes", where, s.maxBody)
	}
	res, err := parseJunkipediaResponse(body)
	if errors.Is(err, errJunkipediaBody) {
		return res, &junkipediaRetry{err: fmt.Errorf("junkipedia: GET %s: %w", where, err)}
	}
	if err != nil {
		return res, fmt.Errorf("junkipedia: GET %s: %w", where, err)
	}
	return res, nil
}

// retryAfter reads a Retry-After header, seconds or an HTTP date, capped.
func (s *junkipedia) retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(min(n, int64(junkipediaMaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(s.now())
	} else {
		return 0, false
	}
	return max(0, min(d, junkipediaMaxRetryAfter)), true
}

// backoff is the wait before retry n (1-based): doubling, with jitter over
// its upper half.
func (s *junkipedia) backoff(n int) time.Duration {
	d := junkipediaMaxBackoff
	if n < 8 {
		d = min(junkipediaFirstBackoff<<(n-1), junkipediaMaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// limit waits until host may take another request, and reserves its slot.
func (s *junkipedia) limit(ctx context.Context, host string, stats *FetchStats) error {
	if s.interval <= 0 {
		return nil
	}
	s.mu.Lock()
	now := s.now()
	slot := s.slots[host]
	if slot.Before(now) {
		slot = now
	}
	s.slots[host] = slot.Add(s.interval)
	s.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		stats.RateLimitWaits++
		return s.sleep(ctx, d)
	}
	return nil
}

// junkipediaSleep waits d or until ctx is done.
func junkipediaSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// junkipediaTextFields are the fields a post's texts come from, in order;
// Text.Field names them (the original's source_field).
var junkipediaTextFields = []string{"description", "post_title", "transcript_text"}

// Extract yields one text per non-blank field among description,
// post_title and transcript_text of attributes.search_data_fields (the
// original skipped None, "", "null", and " " for transcripts; we skip every
// blank text and "null"). A text that repeats an earlier field of the same
// post, HTML entities and spacing aside, is left out, so a post never
// clusters with itself. Texts are kept as given: HTML and entities are the
// normalize step's job.
//
// PublishedAt comes from attributes.published_at (RFC 3339, which covers the
// original's "%Y-%m-%dT%H:%M:%S.%fZ"), URL from search_data_fields.url,
// Language from search_data_fields.language_code as given ("EN", "ZH-TW"),
// Author from the channel name. A record that is not a post object, or
// whose time cannot be read, is an error for that record alone.
func (s *junkipedia) Extract(data json.RawMessage) ([]Text, error) {
	return extractJunkipedia(data)
}

func extractJunkipedia(data json.RawMessage) ([]Text, error) {
	var post struct {
		Attributes *struct {
			PublishedAt json.RawMessage            `json:"published_at"`
			URL         json.RawMessage            `json:"url"`
			Channel     json.RawMessage            `json:"channel"`
			Fields      map[string]json.RawMessage `json:"search_data_fields"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(data, &post); err != nil {
		return nil, fmt.Errorf("junkipedia: record is not a post object: %w", err)
	}
	a := post.Attributes
	if a == nil || a.Fields == nil {
		return nil, errors.New("junkipedia: record is not a post object: no attributes.search_data_fields")
	}

	var base Text
	t, ok, err := junkipediaTime(a.PublishedAt)
	if err != nil {
		return nil, fmt.Errorf("junkipedia: attributes.published_at: %w", err)
	}
	if ok {
		base.PublishedAt = t
	}
	base.URL = junkipediaMeta(a.Fields["url"], a.URL)
	base.Language = junkipediaMeta(a.Fields["language_code"])
	var channel struct {
		Name json.RawMessage `json:"channel_name"`
	}
	_ = json.Unmarshal(a.Channel, &channel) // a channel that is no object has no name
	base.Author = strings.TrimSpace(junkipediaMeta(a.Fields["channel_name"], channel.Name))

	var texts []Text
	seen := make(map[string]bool, len(junkipediaTextFields))
	for _, field := range junkipediaTextFields {
		text, ok, err := junkipediaString(a.Fields[field])
		if err != nil {
			return nil, fmt.Errorf("junkipedia: attributes.search_data_fields.%s: %w", field, err)
		}
		if !ok || strings.TrimSpace(text) == "" || text == "null" {
			continue
		}
		key := strings.Join(strings.Fields(html.UnescapeString(text)), " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		tx := base
		tx.Field, tx.Text = field, text
		texts = append(texts, tx)
	}
	return texts, nil
}

// junkipediaString reads a JSON string; ok is false for a missing or null
// value.
func junkipediaString(raw json.RawMessage) (s string, ok bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, fmt.Errorf("%s is not a string", junkipediaClip(string(raw)))
	}
	return s, true, nil
}

// junkipediaMeta is the first usable string among raws: not null, blank or
// "null" (the API writes missing values as "null" for some platforms). A
// value of another type is ignored: metadata never fails a record.
func junkipediaMeta(raws ...json.RawMessage) string {
	for _, raw := range raws {
		if v, ok, err := junkipediaString(raw); ok && err == nil && strings.TrimSpace(v) != "" && v != "null" {
			return v
		}
	}
	return ""
}

// junkipediaTime reads a published time; ok is false when there is none
// (missing, null, "" or "null").
func junkipediaTime(raw json.RawMessage) (t time.Time, ok bool, err error) {
	v, ok, err := junkipediaString(raw)
	if err != nil {
		return time.Time{}, false, err
	}
	if !ok || strings.TrimSpace(v) == "" || v == "null" {
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 time", junkipediaClip(v))
	}
	return t.UTC(), true, nil
}

// junkipediaClip shortens a value quoted in a message, on a rune boundary.
func junkipediaClip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
