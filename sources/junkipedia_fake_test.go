package sources

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeJunkipediaToken is the API key the fake accepts unless told another.
const fakeJunkipediaToken = "test-key-5e3cr3t-0123"

// fakeJunkipedia is a loopback fake of the Junkipedia posts API, for the
// junkipedia source's tests and for any test that needs a Junkipedia to
// fetch from (kill/resume, flaky networks). It serves GET /api/v1/posts
// with Bearer auth, per_page/page paging, published_at_from/to in epoch
// seconds, links.next and meta.total_posts, refuses a page that ends past
// Cap as Elasticsearch does, and fails requests on demand (Inject): any
// status with Retry-After, truncated bodies, invalid JSON, dropped
// connections and requests that hang until the client gives up.
//
// Set the exported fields before the first request.
type fakeJunkipedia struct {
	srv *httptest.Server
	tb  testing.TB

	// Token is the API key it accepts.
	Token string
	// Cap is how far a query can page, like Junkipedia's 10,000: a page
	// whose last result would lie past it is refused with 400. 0 means no
	// limit.
	Cap int
	// InclusiveTo makes published_at_to inclusive (Elasticsearch lte);
	// otherwise a post published at exactly published_at_to is left out.
	InclusiveTo bool
	// BareNext leaves per_page and the time window out of links.next, as
	// in the original's example of a next link; RelativeNext makes it a
	// path without scheme and host.
	BareNext, RelativeNext bool
	// NoTotal leaves meta.total_posts out, as an API that does not count.
	NoTotal bool
	// EchoAuth makes a 401 quote the Authorization header it got, as a
	// careless API might.
	EchoAuth bool
	// OnHang is called when a Hang fault starts, e.g. to cancel the
	// client's context as a kill would.
	OnHang func()

	mu       sync.Mutex
	posts    []fakeJunkipediaPost // newest first, as Junkipedia sorts
	faults   []fakeJunkipediaFault
	requests []fakeJunkipediaRequest
	done     chan struct{}
}

type fakeJunkipediaPost struct {
	sec int64
	id  string
	raw json.RawMessage
}

// fakeJunkipediaRequest is one request the fake received.
type fakeJunkipediaRequest struct {
	Path          string
	Query         url.Values
	Authorization string
	UserAgent     string
}

// fakeJunkipediaFault is how the fake fails the next requests.
type fakeJunkipediaFault struct {
	Status     int    // answer with this status and Body instead of the page
	RetryAfter string // the Retry-After header sent with Status
	Location   string // the Location header sent with Status
	Body       string // sent with Status; default a JSON:API errors body
	Truncate   bool   // declare the page's length, send half of it and cut the connection
	BadJSON    bool   // send a complete response holding half the page
	Drop       bool   // close the connection without answering
	Hang       bool   // answer nothing until the client gives up
	Times      int    // requests it applies to: 0 means 1, below 0 every one from now on
}

// newFakeJunkipedia starts a fake API serving posts, each a Junkipedia post
// object with an id and attributes.published_at. It stops when the test
// ends.
func newFakeJunkipedia(tb testing.TB, posts ...json.RawMessage) *fakeJunkipedia {
	tb.Helper()
	f := &fakeJunkipedia{tb: tb, Token: fakeJunkipediaToken, done: make(chan struct{})}
	for _, raw := range posts {
		var p struct {
			ID         json.RawMessage `json:"id"`
			Attributes struct {
				PublishedAt string `json:"published_at"`
			} `json:"attributes"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			tb.Fatalf("fake junkipedia: post %.80s: %v", raw, err)
		}
		t, err := time.Parse(time.RFC3339, p.Attributes.PublishedAt)
		if err != nil {
			tb.Fatalf("fake junkipedia: post %s: %v", p.ID, err)
		}
		f.AddRaw(t.Unix(), strings.Trim(string(p.ID), `"`), raw)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	tb.Cleanup(f.srv.Close)
	tb.Cleanup(func() { close(f.done) }) // runs first: frees hung handlers
	return f
}

// URL is the API root to use as base_url.
func (f *fakeJunkipedia) URL() string { return f.srv.URL + "/api/v1" }

// AddRaw adds any data element (even a broken one) as published at sec
// with the given id, which orders it.
func (f *fakeJunkipedia) AddRaw(sec int64, id string, raw json.RawMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = append(f.posts, fakeJunkipediaPost{sec: sec, id: id, raw: raw})
	slices.SortStableFunc(f.posts, func(a, b fakeJunkipediaPost) int {
		if c := cmp.Compare(b.sec, a.sec); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
}

// Inject queues a fault for the next requests; faults apply in order.
func (f *fakeJunkipedia) Inject(faults ...fakeJunkipediaFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faults...)
}

// Requests returns the requests received so far.
func (f *fakeJunkipedia) Requests() []fakeJunkipediaRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeJunkipedia) takeFault() (fakeJunkipediaFault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return fakeJunkipediaFault{}, false
	}
	ft := f.faults[0]
	switch {
	case ft.Times < 0:
	case ft.Times > 1:
		f.faults[0].Times--
	default:
		f.faults = f.faults[1:]
	}
	return ft, true
}

func fakeJunkipediaErrors(status int, detail string) string {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"code": strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), "status": strconv.Itoa(status),
		"title": "Error", "detail": detail, "meta": map[string]any{},
	}}})
	return string(b)
}

func (f *fakeJunkipedia) serveHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, fakeJunkipediaRequest{Path: r.URL.Path, Query: r.URL.Query(),
		Authorization: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent")})
	f.mu.Unlock()
	fail := func(status int, detail string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, fakeJunkipediaErrors(status, detail))
	}
	if r.Method != http.MethodGet {
		fail(http.StatusMethodNotAllowed, "GET only")
		return
	}
	if r.URL.Path != "/api/v1/posts" {
		fail(http.StatusNotFound, "no route "+r.URL.Path)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+f.Token {
		detail := "Your request must include an API Key."
		if f.EchoAuth {
			detail = "Invalid credentials: " + got
		}
		fail(http.StatusUnauthorized, detail)
		return
	}

	ft, faulty := f.takeFault()
	switch {
	case faulty && ft.Hang:
		if f.OnHang != nil {
			f.OnHang()
		}
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		return
	case faulty && ft.Drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case faulty && ft.Status != 0:
		if ft.RetryAfter != "" {
			w.Header().Set("Retry-After", ft.RetryAfter)
		}
		if ft.Location != "" {
			w.Header().Set("Location", ft.Location)
		}
		body := ft.Body
		if body == "" {
			body = fakeJunkipediaErrors(ft.Status, http.StatusText(ft.Status))
		}
		w.WriteHeader(ft.Status)
		fmt.Fprint(w, body)
		return
	}

	q := r.URL.Query()
	num := func(key string, def int64) (int64, bool) {
		v := q.Get(key)
		if v == "" {
			return def, def >= 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	perPage, ok1 := num("per_page", 10)
	page, ok2 := num("page", 1)
	from, ok3 := num("published_at_from", -1)
	to, ok4 := num("published_at_to", -1)
	if !ok1 || !ok2 || !ok3 || !ok4 || perPage < 1 || page < 1 {
		fail(http.StatusBadRequest, "per_page, page, published_at_from and published_at_to must be integers")
		return
	}

	f.mu.Lock()
	var match []json.RawMessage
	for _, p := range f.posts {
		if p.sec >= from && (p.sec < to || f.InclusiveTo && p.sec == to) {
			match = append(match, p.raw)
		}
	}
	f.mu.Unlock()
	off := (page - 1) * perPage
	if f.Cap > 0 && off+perPage > int64(f.Cap) {
		fail(http.StatusBadRequest, fmt.Sprintf("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]", f.Cap, off+perPage))
		return
	}
	end := min(off+perPage, int64(len(match)))
	data := []json.RawMessage{}
	if off < end {
		data = match[off:end]
	}
	links := map[string]any{"prev": nil, "next": nil}
	if end < int64(len(match)) {
		nq := url.Values{}
		for k, v := range q {
			if !f.BareNext || k == "lists" {
				nq[k] = v
			}
		}
		nq.Set("page", strconv.FormatInt(page+1, 10))
		next := r.URL.Path + "?" + nq.Encode()
		if !f.RelativeNext {
			next = "http://" + r.Host + next
		}
		links["next"] = next
	}
	meta := map[string]any{"total_posts": len(match), "posts_count": end}
	if f.NoTotal {
		delete(meta, "total_posts")
	}
	body, err := json.Marshal(map[string]any{"data": data, "links": links, "meta": meta})
	if err != nil {
		fail(http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case faulty && ft.Truncate:
		// A declared length the body never reaches: the server cuts the
		// connection, the client reads an unexpected EOF.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:len(body)/2])
	case faulty && ft.BadJSON:
		w.Write(body[:len(body)/2])
	default:
		w.Write(body)
	}
}

// junkipediaTemplate is the synthetic post the test posts are made from,
// shaped like the real ones in ../../shared/fixtures/junkipedia.
func junkipediaTemplate(tb testing.TB) map[string]any {
	tb.Helper()
	b, err := os.ReadFile("testdata/junkipedia/post.json")
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// junkipediaTestPost makes a post with the given id and published time,
// whose description names its id.
func junkipediaTestPost(tb testing.TB, id string, published time.Time) json.RawMessage {
	tb.Helper()
	m := junkipediaTemplate(tb)
	ts := published.UTC().Format("2006-01-02T15:04:05.000Z")
	m["id"] = id
	attrs := m["attributes"].(map[string]any)
	attrs["id"] = json.Number(strings.TrimLeft(id, "p"))
	attrs["published_at"] = ts
	sdf := attrs["search_data_fields"].(map[string]any)
	sdf["published_at"] = ts
	sdf["description"] = "Synthetic post " + id + " for the fake API."
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// junkipediaTestPosts makes one post per offset in seconds from start, with
// ids p1, p2, ... in the order given.
func junkipediaTestPosts(tb testing.TB, start time.Time, secs []int64) []json.RawMessage {
	tb.Helper()
	posts := make([]json.RawMessage, len(secs))
	for i, s := range secs {
		posts[i] = junkipediaTestPost(tb, "p"+strconv.Itoa(i+1), start.Add(time.Duration(s)*time.Second))
	}
	return posts
}
