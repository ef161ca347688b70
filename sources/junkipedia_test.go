package sources

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	junkipediaTestEnv   = "TIMPANI_TEST_JUNKIPEDIA_KEY"
	junkipediaFixtures  = "../../shared/fixtures/junkipedia"
	junkipediaTestQuery = "/posts?lists=5835,5836"
)

// junkipediaT0 is the start of the test windows.
var junkipediaT0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// junkipediaTestClock is a fake clock: a wait advances it at once and is
// recorded, so backoff and rate limits cost no time.
type junkipediaTestClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func (c *junkipediaTestClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *junkipediaTestClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.t = c.t.Add(d)
	return nil
}

func (c *junkipediaTestClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

// newTestJunkipedia builds the source through its constructor, pointed at
// fake, with the fake's key in the environment, no rate limit unless opts
// sets one, and a fake clock.
func newTestJunkipedia(tb testing.TB, fake *fakeJunkipedia, opts JunkipediaOptions) (*junkipedia, *junkipediaTestClock) {
	tb.Helper()
	if opts.BaseURL == "" && fake != nil {
		opts.BaseURL = fake.URL()
	}
	if opts.TokenEnv == "" {
		opts.TokenEnv = junkipediaTestEnv
		tb.Setenv(junkipediaTestEnv, fakeJunkipediaToken)
	}
	if opts.RequestsPerSecond == 0 {
		opts.RequestsPerSecond = 1e12 // an interval under 1ns: no limit
	}
	src, err := New("junkipedia", func(v any) error {
		*v.(*JunkipediaOptions) = opts
		return nil
	})
	if err != nil {
		tb.Fatalf("New(junkipedia, %+v) = %v", opts, err)
	}
	s := src.(*junkipedia)
	clock := &junkipediaTestClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.now, s.sleep = clock.now, clock.sleep
	return s, clock
}

func junkipediaQuery(start time.Time, d time.Duration) Query {
	return Query{Name: "gendered_disinfo", Value: junkipediaTestQuery, Start: start, End: start.Add(d)}
}

// junkipediaRun is everything a fetch from some cursor to the end gave.
type junkipediaRun struct {
	pages    []Page
	records  []Record
	problems []string
	stats    FetchStats
}

// junkipediaFetchFrom follows cursors to the last page, checking that every
// page reports the same Total.
func junkipediaFetchFrom(tb testing.TB, ctx context.Context, src Source, q Query, cursor string) (junkipediaRun, error) {
	tb.Helper()
	var run junkipediaRun
	for range 10_000 {
		p, err := src.Fetch(ctx, q, cursor)
		if err != nil {
			return run, err
		}
		if len(run.pages) > 0 && p.Total != run.pages[0].Total {
			tb.Errorf("Fetch(%q).Total = %d; the first page said %d", cursor, p.Total, run.pages[0].Total)
		}
		run.pages = append(run.pages, p)
		run.records = append(run.records, p.Records...)
		run.problems = append(run.problems, p.Problems...)
		run.stats.Retries += p.Stats.Retries
		run.stats.RateLimitWaits += p.Stats.RateLimitWaits
		run.stats.WindowsSplit += p.Stats.WindowsSplit
		if p.Next == "" {
			return run, nil
		}
		cursor = p.Next
	}
	tb.Fatal("too many pages")
	return run, nil
}

func junkipediaFetchAll(tb testing.TB, src Source, q Query) junkipediaRun {
	tb.Helper()
	run, err := junkipediaFetchFrom(tb, tb.Context(), src, q, "")
	if err != nil {
		tb.Fatalf("Fetch(%s) = %v", q.Value, err)
	}
	return run
}

// junkipediaCheckOnce fails unless recs hold each of want exactly once and nothing else.
func junkipediaCheckOnce(tb testing.TB, recs []Record, want []string) {
	tb.Helper()
	seen := make(map[string]int)
	for _, r := range recs {
		seen[r.ID]++
		if seen[r.ID] == 2 {
			tb.Errorf("record %s fetched twice", r.ID)
		}
	}
	for _, id := range want {
		if seen[id] == 0 {
			tb.Errorf("record %s missing", id)
		}
		delete(seen, id)
	}
	for id := range seen {
		tb.Errorf("record %s fetched but not wanted", id)
	}
}

// junkipediaIDsIn lists the ids of the posts made by junkipediaTestPosts whose
// offset lies in [from, to).
func junkipediaIDsIn(secs []int64, from, to int64) []string {
	var ids []string
	for i, s := range secs {
		if s >= from && s < to {
			ids = append(ids, "p"+strconv.Itoa(i+1))
		}
	}
	return ids
}

// junkipediaCheckRequests asserts what every request must carry: the key, the
// User-Agent, per_page, the lists of the query and a window inside q's.
func junkipediaCheckRequests(tb testing.TB, fake *fakeJunkipedia, q Query, perPage int, ua string) {
	tb.Helper()
	reqs := fake.Requests()
	if len(reqs) == 0 {
		tb.Fatal("no request reached the fake")
	}
	for i, r := range reqs {
		if r.Authorization != "Bearer "+fake.Token {
			tb.Errorf("request %d Authorization = %q; want the Bearer key", i, r.Authorization)
		}
		if r.UserAgent != ua {
			tb.Errorf("request %d User-Agent = %q; want %q", i, r.UserAgent, ua)
		}
		if got := r.Query.Get("per_page"); got != strconv.Itoa(perPage) {
			tb.Errorf("request %d per_page = %q; want %d", i, got, perPage)
		}
		if got := r.Query.Get("lists"); got != "5835,5836" {
			tb.Errorf("request %d lists = %q; want 5835,5836", i, got)
		}
		from, err1 := strconv.ParseInt(r.Query.Get("published_at_from"), 10, 64)
		to, err2 := strconv.ParseInt(r.Query.Get("published_at_to"), 10, 64)
		if err1 != nil || err2 != nil || from < q.Start.Unix() || to > q.End.Unix() || from >= to {
			tb.Errorf("request %d window = [%s, %s]; want epoch seconds inside [%d, %d)", i,
				r.Query.Get("published_at_from"), r.Query.Get("published_at_to"), q.Start.Unix(), q.End.Unix())
		}
	}
}

func TestJunkipediaKind(t *testing.T) {
	s, _ := newTestJunkipedia(t, nil, JunkipediaOptions{BaseURL: "https://example.org/api/v1"})
	if got := s.Kind(); got != "junkipedia" {
		t.Errorf("Kind() = %q; want junkipedia", got)
	}
}

func TestJunkipediaOptions(t *testing.T) {
	s, err := buildJunkipedia(JunkipediaOptions{TokenEnv: "JUNKIPEDIA_KEY"})
	if err != nil {
		t.Fatalf("buildJunkipedia(defaults) = %v", err)
	}
	if s.base.String() != "https://www.junkipedia.org/api/v1" || s.perPage != 100 || s.interval != 500*time.Millisecond ||
		s.timeout != time.Minute || s.maxRetries != 5 || s.maxResults != 10_000 || s.reachable != 10_000 ||
		s.userAgent != "timpani (+https://github.com/timpani-dev/timpani)" || s.client.Timeout != time.Minute {
		t.Errorf("defaults = %+v", s)
	}
	s, err = buildJunkipedia(JunkipediaOptions{TokenEnv: "K", BaseURL: "http://127.0.0.1:8080/api/v1/", PerPage: 30,
		RequestsPerSecond: 0.5, Timeout: "90s", MaxRetries: intPtr(0), MaxResultsPerWindow: 100, UserAgent: "ua/1"})
	if err != nil {
		t.Fatalf("buildJunkipedia(all set) = %v", err)
	}
	if s.base.String() != "http://127.0.0.1:8080/api/v1" || s.perPage != 30 || s.interval != 2*time.Second ||
		s.timeout != 90*time.Second || s.maxRetries != 0 || s.maxResults != 100 || s.reachable != 90 || s.userAgent != "ua/1" {
		t.Errorf("options = %+v", s)
	}

	for _, tc := range []struct {
		name string
		opts JunkipediaOptions
		want []string // in the error, all of them
	}{
		{"no token_env", JunkipediaOptions{}, []string{"token_env is required"}},
		{"bad token_env", JunkipediaOptions{TokenEnv: "A=B"}, []string{"token_env"}},
		{"ftp base_url", JunkipediaOptions{TokenEnv: "K", BaseURL: "ftp://example.org"}, []string{"base_url"}},
		{"no host", JunkipediaOptions{TokenEnv: "K", BaseURL: "/api/v1"}, []string{"base_url"}},
		{"base_url query", JunkipediaOptions{TokenEnv: "K", BaseURL: "https://example.org/api?x=1"}, []string{"base_url"}},
		{"clear text", JunkipediaOptions{TokenEnv: "K", BaseURL: "http://example.org/api/v1"}, []string{"clear text"}},
		{"per_page", JunkipediaOptions{TokenEnv: "K", PerPage: -1}, []string{"per_page"}},
		{"per_page big", JunkipediaOptions{TokenEnv: "K", PerPage: 5000}, []string{"per_page"}},
		{"per_page over cap", JunkipediaOptions{TokenEnv: "K", PerPage: 50, MaxResultsPerWindow: 10}, []string{"per_page (50) must not exceed max_results_per_window (10)"}},
		{"requests_per_second", JunkipediaOptions{TokenEnv: "K", RequestsPerSecond: -2}, []string{"requests_per_second"}},
		{"timeout", JunkipediaOptions{TokenEnv: "K", Timeout: "60"}, []string{`timeout "60"`}},
		{"negative timeout", JunkipediaOptions{TokenEnv: "K", Timeout: "-1s"}, []string{"timeout"}},
		{"max_retries", JunkipediaOptions{TokenEnv: "K", MaxRetries: intPtr(-1)}, []string{"max_retries"}},
		{"max_results_per_window", JunkipediaOptions{TokenEnv: "K", MaxResultsPerWindow: -5}, []string{"max_results_per_window"}},
		{"user_agent", JunkipediaOptions{TokenEnv: "K", UserAgent: "a\nb"}, []string{"user_agent"}},
		{"all at once", JunkipediaOptions{PerPage: -1, Timeout: "x", MaxRetries: intPtr(1000)},
			[]string{"token_env", "per_page", "timeout", "max_retries"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildJunkipedia(tc.opts)
			if err == nil {
				t.Fatalf("buildJunkipedia(%+v) = nil; want an error", tc.opts)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("buildJunkipedia(%+v) = %q; want it to mention %q", tc.opts, err, w)
				}
			}
		})
	}

	decodeErr := errors.New("toml: bad type")
	if _, err := New("junkipedia", func(any) error { return decodeErr }); !errors.Is(err, decodeErr) {
		t.Errorf("New(junkipedia, failing decode) = %v; want it wrapped", err)
	}
}

func TestJunkipediaPaging(t *testing.T) {
	var secs []int64
	for i := range 250 {
		secs = append(secs, int64(i*14)%3600)
	}
	for _, tc := range []struct {
		name string
		fake func(*fakeJunkipedia)
	}{
		{"full next links", func(*fakeJunkipedia) {}},
		{"next links without our params", func(f *fakeJunkipedia) { f.BareNext = true }},
		{"relative next links", func(f *fakeJunkipedia) { f.RelativeNext, f.BareNext = true, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			posts := junkipediaTestPosts(t, junkipediaT0, secs)
			fake := newFakeJunkipedia(t, posts...)
			tc.fake(fake)
			src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 7, UserAgent: "timpani-test/1"})
			q := junkipediaQuery(junkipediaT0, time.Hour)
			run := junkipediaFetchAll(t, src, q)

			junkipediaCheckOnce(t, run.records, junkipediaIDsIn(secs, 0, 3600))
			if got, want := len(run.pages), (250+6)/7; got != want {
				t.Errorf("pages = %d; want %d", got, want)
			}
			if got := len(fake.Requests()); got != len(run.pages) {
				t.Errorf("requests = %d; want one per page (%d)", got, len(run.pages))
			}
			if run.pages[0].Total != 250 {
				t.Errorf("Total = %d; want 250", run.pages[0].Total)
			}
			if run.stats != (FetchStats{}) || run.problems != nil {
				t.Errorf("stats = %+v, problems = %q; want none", run.stats, run.problems)
			}
			byID := make(map[string]json.RawMessage)
			for i, p := range posts {
				byID["p"+strconv.Itoa(i+1)] = p
			}
			for _, r := range run.records {
				if string(r.Data) != string(byID[r.ID]) {
					t.Errorf("record %s Data is not the post as served", r.ID)
				}
			}
			junkipediaCheckRequests(t, fake, q, 7, "timpani-test/1")
			for i, r := range fake.Requests() {
				if want := strconv.Itoa(i + 1); i > 0 && r.Query.Get("page") != want {
					t.Errorf("request %d page = %q; want %s", i, r.Query.Get("page"), want)
				}
			}
		})
	}
}

// junkipediaWantSplits counts the splits of [from, to) as the source should
// make them against the fake: while a window holds more than reachable by
// the fake's count and is longer than a second, it is halved.
func junkipediaWantSplits(secs []int64, from, to int64, reachable int, inclusive bool) int {
	n := 0
	for _, s := range secs {
		if s >= from && (s < to || inclusive && s == to) {
			n++
		}
	}
	if n <= reachable || to-from <= 1 {
		return 0
	}
	mid := from + (to-from)/2
	return 1 + junkipediaWantSplits(secs, from, mid, reachable, inclusive) + junkipediaWantSplits(secs, mid, to, reachable, inclusive)
}

func TestJunkipediaWindowSplitting(t *testing.T) {
	// 35 posts in the hour, some on the seconds where halves meet, the
	// first and the last second, plus three outside it: at its end, just
	// before it and an hour later.
	secs := []int64{0, 1, 449, 450, 451, 899, 900, 901, 1349, 1350, 1799, 1800, 1801, 2249, 2250, 2699, 2700, 3149, 3150, 3598, 3599, 3599}
	for i := range 13 {
		secs = append(secs, int64(137*i+61)%3600)
	}
	secs = append(secs, 3600, -1, 7200)
	want := junkipediaIDsIn(secs, 0, 3600)
	if len(want) != 35 {
		t.Fatalf("test posts: %d in the window; want 35", len(want))
	}

	for _, tc := range []struct {
		name      string
		perPage   int
		inclusive bool
	}{
		{"exclusive end, 3 a page", 3, false},
		{"exclusive end, 5 a page", 5, false},
		{"inclusive end, 3 a page", 3, true},
		{"inclusive end, 5 a page", 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
			fake.Cap, fake.InclusiveTo = 10, tc.inclusive
			src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: tc.perPage, MaxResultsPerWindow: 10})
			q := junkipediaQuery(junkipediaT0, time.Hour)
			run := junkipediaFetchAll(t, src, q)

			junkipediaCheckOnce(t, run.records, want)
			reachable := 10 / tc.perPage * tc.perPage
			if got, want := run.stats.WindowsSplit, junkipediaWantSplits(secs, 0, 3600, reachable, tc.inclusive); got != want || got == 0 {
				t.Errorf("WindowsSplit = %d; want %d", got, want)
			}
			wantTotal := 35
			if tc.inclusive {
				wantTotal = 36 // the post at the window's end second counts too
			}
			if run.pages[0].Total != wantTotal {
				t.Errorf("Total = %d; want %d", run.pages[0].Total, wantTotal)
			}
			if run.problems != nil {
				t.Errorf("problems = %q; want none", run.problems)
			}
			junkipediaCheckRequests(t, fake, q, tc.perPage, junkipediaDefaultUserAgent)
		})
	}
}

func TestJunkipediaOneSecondOverCap(t *testing.T) {
	secs := slices.Repeat([]int64{2}, 15)
	for _, tc := range []struct {
		name         string
		window       time.Duration
		inclusive    bool
		noTotal      bool
		wantSplits   int
		wantProblems []string
	}{
		{name: "split down to one second", window: 4 * time.Second, wantSplits: 2,
			wantProblems: []string{"holds 15 posts by the API's count, more than the 10 it pages through, and is one second long so it cannot be split: up to 5 posts are missing"}},
		{name: "a one-second query window", window: time.Second, inclusive: true, wantSplits: 0,
			wantProblems: []string{"up to 5 posts are missing"}},
		// With an inclusive end, [1s, 2s) is asked as from=1&to=2 and counts
		// the posts of second 2: its problem is a false alarm, hence "up to".
		{name: "inclusive end", window: 4 * time.Second, inclusive: true, wantSplits: 3,
			wantProblems: []string{"[2024-03-01T00:00:01Z, 2024-03-01T00:00:02Z) holds 15 posts", "[2024-03-01T00:00:02Z, 2024-03-01T00:00:03Z) holds 15 posts"}},
		{name: "no count from the API", window: 4 * time.Second, noTotal: true, wantSplits: 0,
			wantProblems: []string{"stopped after 2 pages of 5, as far as the API pages, with more pages left"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
			fake.Cap, fake.InclusiveTo, fake.NoTotal = 10, tc.inclusive, tc.noTotal
			src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 5, MaxResultsPerWindow: 10})
			start := junkipediaT0
			if tc.window == time.Second {
				start = junkipediaT0.Add(2 * time.Second)
			}
			run := junkipediaFetchAll(t, src, junkipediaQuery(start, tc.window))
			if len(run.records) != 10 {
				t.Errorf("records = %d; want the 10 the API pages through", len(run.records))
			}
			junkipediaCheckOnce(t, run.records, recordIDs(run.records))
			if run.stats.WindowsSplit != tc.wantSplits {
				t.Errorf("WindowsSplit = %d; want %d", run.stats.WindowsSplit, tc.wantSplits)
			}
			if len(run.problems) != len(tc.wantProblems) {
				t.Fatalf("problems = %q; want %d", run.problems, len(tc.wantProblems))
			}
			for i, w := range tc.wantProblems {
				if !strings.Contains(run.problems[i], w) || !strings.Contains(run.problems[i], `query "gendered_disinfo"`) {
					t.Errorf("problem %d = %q; want it to name the query and say %q", i, run.problems[i], w)
				}
			}
		})
	}
}

func TestJunkipediaRetries(t *testing.T) {
	clockStart := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	between := func(lo, hi time.Duration) func(time.Duration) bool {
		return func(d time.Duration) bool { return d >= lo && d <= hi }
	}
	exactly := func(want time.Duration) func(time.Duration) bool {
		return func(d time.Duration) bool { return d == want }
	}
	for _, tc := range []struct {
		name      string
		faults    []fakeJunkipediaFault
		timeout   string
		wantStats FetchStats
		wantWaits []func(time.Duration) bool
	}{
		{name: "429 with Retry-After seconds", faults: []fakeJunkipediaFault{{Status: 429, RetryAfter: "7"}},
			wantStats: FetchStats{RateLimitWaits: 1}, wantWaits: []func(time.Duration) bool{exactly(7 * time.Second)}},
		{name: "429 with Retry-After date", faults: []fakeJunkipediaFault{{Status: 429, RetryAfter: clockStart.Add(12 * time.Second).Format(http.TimeFormat)}},
			wantStats: FetchStats{RateLimitWaits: 1}, wantWaits: []func(time.Duration) bool{exactly(12 * time.Second)}},
		{name: "429 with a Retry-After too long", faults: []fakeJunkipediaFault{{Status: 429, RetryAfter: "86400"}},
			wantStats: FetchStats{RateLimitWaits: 1}, wantWaits: []func(time.Duration) bool{exactly(5 * time.Minute)}},
		{name: "429 without Retry-After", faults: []fakeJunkipediaFault{{Status: 429}, {Status: 429, RetryAfter: "soon"}},
			wantStats: FetchStats{RateLimitWaits: 2}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second), between(time.Second, 2*time.Second)}},
		{name: "500 twice", faults: []fakeJunkipediaFault{{Status: 500, Times: 2}},
			wantStats: FetchStats{Retries: 2}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second), between(time.Second, 2*time.Second)}},
		{name: "503 with Retry-After", faults: []fakeJunkipediaFault{{Status: 503, RetryAfter: "30"}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{exactly(30 * time.Second)}},
		{name: "502 with an HTML page", faults: []fakeJunkipediaFault{{Status: 502, Body: "<html>Bad Gateway</html>"}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "408", faults: []fakeJunkipediaFault{{Status: 408}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "truncated body", faults: []fakeJunkipediaFault{{Truncate: true}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "invalid JSON", faults: []fakeJunkipediaFault{{BadJSON: true}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "200 with an HTML page", faults: []fakeJunkipediaFault{{Status: 200, Body: "<html>maintenance</html>"}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "dropped connection", faults: []fakeJunkipediaFault{{Drop: true}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "timeout", timeout: "100ms", faults: []fakeJunkipediaFault{{Hang: true}},
			wantStats: FetchStats{Retries: 1}, wantWaits: []func(time.Duration) bool{between(time.Second/2, time.Second)}},
		{name: "all of them", faults: []fakeJunkipediaFault{{Status: 503}, {Status: 429, RetryAfter: "1"}, {Truncate: true}, {Status: 429, RetryAfter: "0"}},
			wantStats: FetchStats{Retries: 2, RateLimitWaits: 2}, wantWaits: []func(time.Duration) bool{
				between(time.Second/2, time.Second), exactly(time.Second), between(time.Second, 2*time.Second), exactly(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secs := []int64{10, 20, 30, 40, 50}
			fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
			fake.Inject(tc.faults...)
			src, clock := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 10, Timeout: tc.timeout})
			q := junkipediaQuery(junkipediaT0, time.Hour)
			run := junkipediaFetchAll(t, src, q)
			junkipediaCheckOnce(t, run.records, junkipediaIDsIn(secs, 0, 3600))
			if run.stats != tc.wantStats {
				t.Errorf("stats = %+v; want %+v", run.stats, tc.wantStats)
			}
			waits := clock.Waits()
			if len(waits) != len(tc.wantWaits) {
				t.Fatalf("waits = %v; want %d", waits, len(tc.wantWaits))
			}
			for i, ok := range tc.wantWaits {
				if !ok(waits[i]) {
					t.Errorf("wait %d = %v; out of range", i, waits[i])
				}
			}
			junkipediaCheckRequests(t, fake, q, 10, junkipediaDefaultUserAgent)
		})
	}
}

func TestJunkipediaErrors(t *testing.T) {
	for _, tc := range []struct {
		name         string
		faults       []fakeJunkipediaFault
		token        string // the key in the environment; default the fake's
		maxBody      int64
		wantStatus   int      // of a junkipediaStatusError; 0 for none
		wantErr      []string // in the error, all of them
		wantRequests int
	}{
		{name: "persistent 500", faults: []fakeJunkipediaFault{{Status: 500, Times: -1}}, wantStatus: 500,
			wantErr: []string{"HTTP 500 Internal Server Error", "gave up after 3 retries"}, wantRequests: 4},
		{name: "wrong key", token: "not-the-key", wantStatus: 401,
			wantErr: []string{"HTTP 401 Unauthorized: Your request must include an API Key."}, wantRequests: 1},
		{name: "403", faults: []fakeJunkipediaFault{{Status: 403}}, wantStatus: 403, wantErr: []string{"HTTP 403 Forbidden"}, wantRequests: 1},
		{name: "404", faults: []fakeJunkipediaFault{{Status: 404}}, wantStatus: 404, wantErr: []string{"HTTP 404 Not Found"}, wantRequests: 1},
		{name: "errors in a 200", faults: []fakeJunkipediaFault{{Status: 200, Body: `{"errors":[{"code":"bad_request","status":"400","title":"Error","detail":"list 5836 is private"}]}`}},
			wantErr: []string{"the API reported errors: list 5836 is private"}, wantRequests: 1},
		{name: "no data", faults: []fakeJunkipediaFault{{Status: 200, Body: `{"links":{"next":null},"meta":{}}`}},
			wantErr: []string{`the body has no "data"`}, wantRequests: 1},
		{name: "no links", faults: []fakeJunkipediaFault{{Status: 200, Body: `{"data":[]}`}},
			wantErr: []string{`the body has no "links"`}, wantRequests: 1},
		{name: "not a page", faults: []fakeJunkipediaFault{{Status: 200, Body: `[1,2]`}},
			wantErr: []string{"the body is not a page of posts"}, wantRequests: 1},
		{name: "still rate limited", faults: []fakeJunkipediaFault{{Status: 429, RetryAfter: "1", Times: -1}}, wantStatus: 429,
			wantErr: []string{"HTTP 429 Too Many Requests", "still rate limited after waiting 3 times"}, wantRequests: 4},
		{name: "body too large", maxBody: 100, wantErr: []string{"the body is over 100 bytes"}, wantRequests: 1},
		{name: "next link elsewhere", faults: []fakeJunkipediaFault{{Status: 200,
			Body: `{"data":[{"id":"9","attributes":{}}],"links":{"next":"https://evil.example/api/v1/posts?page=2"},"meta":{"total_posts":2}}`}},
			wantErr: []string{`links.next "https://evil.example/api/v1/posts?page=2" leaves`}, wantRequests: 1},
		{name: "redirect elsewhere", faults: []fakeJunkipediaFault{{Status: 302, Location: "https://evil.example/api/v1/posts"}},
			wantErr: []string{"refusing a redirect to https://evil.example/api/v1/posts"}, wantRequests: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, []int64{1, 2, 3})...)
			fake.Inject(tc.faults...)
			src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{MaxRetries: intPtr(3)})
			if tc.token != "" {
				t.Setenv(junkipediaTestEnv, tc.token)
			}
			if tc.maxBody > 0 {
				src.maxBody = tc.maxBody
			}
			q := junkipediaQuery(junkipediaT0, time.Hour)
			_, err := src.Fetch(t.Context(), q, "")
			if err == nil {
				t.Fatal("Fetch = nil; want an error")
			}
			msg := err.Error()
			// Every error names the request, never the key.
			for _, w := range append([]string{"junkipedia: GET " + fake.URL() + "/posts?lists=5835%2C5836&per_page=100&published_at_from="}, tc.wantErr...) {
				if !strings.Contains(msg, w) {
					t.Errorf("Fetch = %q; want it to say %q", msg, w)
				}
			}
			if strings.Contains(msg, fakeJunkipediaToken) {
				t.Errorf("Fetch = %q; it shows the API key", msg)
			}
			var serr *junkipediaStatusError
			if got := errors.As(err, &serr); got != (tc.wantStatus != 0) || got && serr.StatusCode != tc.wantStatus {
				t.Errorf("Fetch = %#v; want a status error %d", err, tc.wantStatus)
			}
			if got := len(fake.Requests()); got != tc.wantRequests {
				t.Errorf("requests = %d; want %d", got, tc.wantRequests)
			}
		})
	}
}

func TestJunkipediaTokenNeverShown(t *testing.T) {
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, []int64{1})...)
	fake.EchoAuth = true
	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{})
	q := junkipediaQuery(junkipediaT0, time.Hour)

	// An API that quotes the key back in its error body.
	const wrong = "wrong-key-that-must-stay-secret"
	t.Setenv(junkipediaTestEnv, wrong)
	_, err := src.Fetch(t.Context(), q, "")
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), "Invalid credentials: Bearer [redacted]") {
		t.Errorf("Fetch with an echoing API = %v; want the key redacted", err)
	}
	var serr *junkipediaStatusError
	if !errors.As(err, &serr) || serr.StatusCode != 401 {
		t.Errorf("Fetch = %v; want the 401 status error still reachable", err)
	}

	// No key: the error names the variable.
	t.Setenv(junkipediaTestEnv, "")
	_, err = src.Fetch(t.Context(), q, "")
	if err == nil || !strings.Contains(err.Error(), "environment variable "+junkipediaTestEnv+" that token_env names is not set or empty") {
		t.Errorf("Fetch without a key = %v; want it to name %s", err, junkipediaTestEnv)
	}
	if got := len(fake.Requests()); got != 1 {
		t.Errorf("requests = %d; want only the first, none without a key", got)
	}

	// Cursors hold no key either.
	var secs []int64
	for i := range 30 {
		secs = append(secs, int64(i*100))
	}
	fake = newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	fake.Cap = 10
	src, _ = newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 5, MaxResultsPerWindow: 10})
	run := junkipediaFetchAll(t, src, q)
	if len(run.pages) < 3 {
		t.Fatalf("%d pages; want several", len(run.pages))
	}
	for _, p := range run.pages {
		if strings.Contains(p.Next, fakeJunkipediaToken) {
			t.Errorf("cursor %q shows the API key", p.Next)
		}
	}
}

func TestJunkipediaBadRecords(t *testing.T) {
	secs := []int64{10, 20, 30}
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	fake.AddRaw(junkipediaT0.Unix()+15, "x1", json.RawMessage(`{"type":"posts","attributes":{}}`))
	fake.AddRaw(junkipediaT0.Unix()+16, "x2", json.RawMessage(`"a string"`))
	fake.AddRaw(junkipediaT0.Unix()+17, "x3", json.RawMessage(`{"id":1.5}`))
	fake.AddRaw(junkipediaT0.Unix()+18, "x4", json.RawMessage(`{"id":77,"attributes":{"published_at":"not a time"}}`))
	fake.AddRaw(junkipediaT0.Unix()+19, "x5", json.RawMessage(`{"id":"","attributes":{}}`))
	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{})
	run := junkipediaFetchAll(t, src, junkipediaQuery(junkipediaT0, time.Hour))
	// A numeric id is read as a string; a post whose time cannot be read is
	// kept for Extract to report.
	junkipediaCheckOnce(t, run.records, append(junkipediaIDsIn(secs, 0, 3600), "77"))
	if len(run.problems) != 4 {
		t.Fatalf("problems = %q; want 4", run.problems)
	}
	// Newest first, as the API sorts.
	for i, w := range []string{`id "" is empty or unreadable`, "id 1.5 is neither a string nor an integer", "not a post object", "the post has no id"} {
		if !strings.Contains(run.problems[i], w) || !strings.Contains(run.problems[i], "junkipedia: GET "+fake.URL()) {
			t.Errorf("problem %d = %q; want the URL and %q", i, run.problems[i], w)
		}
	}
}

// TestJunkipediaResume kills a fetch after every page in turn, splitting
// included, and resumes from the last cursor with a new source value: the
// records are all there exactly once.
func TestJunkipediaResume(t *testing.T) {
	var secs []int64
	for i := range 40 {
		secs = append(secs, int64(i*i*7)%3600)
	}
	want := junkipediaIDsIn(secs, 0, 3600)
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	fake.Cap = 10
	opts := JunkipediaOptions{PerPage: 3, MaxResultsPerWindow: 10}
	q := junkipediaQuery(junkipediaT0, time.Hour)
	whole := junkipediaFetchAll(t, func() Source { s, _ := newTestJunkipedia(t, fake, opts); return s }(), q)
	junkipediaCheckOnce(t, whole.records, want)
	if whole.stats.WindowsSplit == 0 || len(whole.pages) < 10 {
		t.Fatalf("%d pages, %d splits; want a run with many pages and splits", len(whole.pages), whole.stats.WindowsSplit)
	}

	for k := range len(whole.pages) - 1 {
		src, _ := newTestJunkipedia(t, fake, opts)
		rest, err := junkipediaFetchFrom(t, t.Context(), src, q, whole.pages[k].Next)
		if err != nil {
			t.Fatalf("resume after page %d: %v", k, err)
		}
		var got []Record
		for _, p := range whole.pages[:k+1] {
			got = append(got, p.Records...)
		}
		junkipediaCheckOnce(t, append(got, rest.records...), want)
		if !sameRecords(rest.records, whole.records[len(got):]) {
			t.Errorf("resume after page %d gave other records than the whole run", k)
		}
	}
}

// TestJunkipediaKillMidRequest cancels a fetch while a request is in flight,
// then resumes from the last page's cursor with a new source value.
func TestJunkipediaKillMidRequest(t *testing.T) {
	var secs []int64
	for i := range 20 {
		secs = append(secs, int64(i*150))
	}
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	q := junkipediaQuery(junkipediaT0, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fake.OnHang = cancel

	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 4})
	var got []Record
	cursor := ""
	for range 2 {
		p, err := src.Fetch(ctx, q, cursor)
		if err != nil {
			t.Fatal(err)
		}
		got, cursor = append(got, p.Records...), p.Next
	}
	fake.Inject(fakeJunkipediaFault{Hang: true})
	if _, err := src.Fetch(ctx, q, cursor); !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch killed mid-request = %v; want context.Canceled", err)
	}

	again, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 4})
	rest, err := junkipediaFetchFrom(t, t.Context(), again, q, cursor)
	if err != nil {
		t.Fatal(err)
	}
	junkipediaCheckOnce(t, append(got, rest.records...), junkipediaIDsIn(secs, 0, 3600))
}

func TestJunkipediaCancelledWait(t *testing.T) {
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, []int64{1})...)
	fake.Inject(fakeJunkipediaFault{Status: 503})
	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{})
	src.sleep = junkipediaSleep // the real wait, which must end with ctx
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := src.Fetch(ctx, junkipediaQuery(junkipediaT0, time.Hour), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled) = %v; want context.Canceled", err)
	}
	if got := len(fake.Requests()); got != 0 {
		t.Errorf("requests = %d; want none after cancel", got)
	}

	// The 503 leads to a backoff of at least half a second; cancel as it
	// starts.
	ctx, cancel = context.WithCancel(t.Context())
	src.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return junkipediaSleep(ctx, d)
	}
	if _, err := src.Fetch(ctx, junkipediaQuery(junkipediaT0, time.Hour), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch cancelled in its backoff = %v; want context.Canceled", err)
	}
}

func TestJunkipediaRateLimit(t *testing.T) {
	var secs []int64
	for i := range 9 {
		secs = append(secs, int64(i*60))
	}
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	src, clock := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 3, RequestsPerSecond: 2})
	run := junkipediaFetchAll(t, src, junkipediaQuery(junkipediaT0, time.Hour))
	junkipediaCheckOnce(t, run.records, junkipediaIDsIn(secs, 0, 3600))
	if got := clock.Waits(); !slices.Equal(got, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}) {
		t.Errorf("waits = %v; want two of 500ms between three requests", got)
	}
	if run.stats.RateLimitWaits != 2 {
		t.Errorf("RateLimitWaits = %d; want 2", run.stats.RateLimitWaits)
	}
}

func TestJunkipediaConcurrentFetch(t *testing.T) {
	var secs []int64
	for i := range 60 {
		secs = append(secs, int64(i*100))
	}
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	fake.Cap = 10
	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 5, MaxResultsPerWindow: 10, RequestsPerSecond: 1000})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			start := junkipediaT0.Add(time.Duration(i) * 1500 * time.Second)
			run, err := junkipediaFetchFrom(t, t.Context(), src, junkipediaQuery(start, 1500*time.Second), "")
			if err != nil {
				t.Error(err)
				return
			}
			from := int64(i) * 1500
			junkipediaCheckOnce(t, run.records, junkipediaIDsIn(secs, from, from+1500))
		})
	}
	wg.Wait()
}

func TestJunkipediaCursorErrors(t *testing.T) {
	var secs []int64
	for i := range 30 {
		secs = append(secs, int64(i*100))
	}
	fake := newFakeJunkipedia(t, junkipediaTestPosts(t, junkipediaT0, secs)...)
	fake.Cap = 10
	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{PerPage: 5, MaxResultsPerWindow: 10})
	q := junkipediaQuery(junkipediaT0, time.Hour)
	p, err := src.Fetch(t.Context(), q, "")
	if err != nil || p.Next == "" {
		t.Fatalf("Fetch = %+v, %v; want a page with a next cursor", p, err)
	}
	var valid map[string]any
	if err := json.Unmarshal([]byte(p.Next), &valid); err != nil {
		t.Fatalf("cursor %q is not JSON: %v", p.Next, err)
	}
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(p.Next), &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	requests := len(fake.Requests())
	for _, tc := range []struct {
		name, cursor string
		q            Query
	}{
		{"garbage", "garbage", q},
		{"faker cursor", "100", q},
		{"empty object", "{}", q},
		{"trailing data", p.Next + "{}", q},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = 1 }), q},
		{"other version", edit(func(m map[string]any) { m["v"] = 2 }), q},
		{"other query", p.Next, Query{Name: q.Name, Value: "/posts?lists=1", Start: q.Start, End: q.End}},
		{"other window", p.Next, junkipediaQuery(junkipediaT0, 2*time.Hour)},
		{"negative total", edit(func(m map[string]any) { m["total"] = -5 }), q},
		{"pending outside", edit(func(m map[string]any) { m["pending"] = []any{[]any{0, 1}} }), q},
		{"empty pending window", edit(func(m map[string]any) { m["pending"] = []any{[]any{junkipediaT0.Unix() + 5, junkipediaT0.Unix() + 5}} }), q},
		{"nothing left", edit(func(m map[string]any) { delete(m, "cur"); delete(m, "pending") }), q},
		{"no pages", edit(func(m map[string]any) { m["cur"].(map[string]any)["pages"] = 0 }), q},
		{"next elsewhere", edit(func(m map[string]any) {
			m["cur"].(map[string]any)["next"] = "https://evil.example/api/v1/posts?page=2"
		}), q},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := src.Fetch(t.Context(), tc.q, tc.cursor)
			if err == nil || !strings.Contains(err.Error(), "junkipedia: query \"gendered_disinfo\": malformed cursor") {
				t.Errorf("Fetch(%q) = %v; want a malformed cursor error", tc.cursor, err)
			}
		})
	}
	if got := len(fake.Requests()); got != requests {
		t.Errorf("%d requests were sent for malformed cursors", got-requests)
	}
}

func TestJunkipediaWindowAndQueryErrors(t *testing.T) {
	fake := newFakeJunkipedia(t)
	src, _ := newTestJunkipedia(t, fake, JunkipediaOptions{})
	for _, tc := range []struct {
		name    string
		q       Query
		wantErr string
	}{
		{"no window", Query{Name: "q", Value: junkipediaTestQuery}, "needs a publish window"},
		{"backwards", Query{Name: "q", Value: junkipediaTestQuery, Start: junkipediaT0, End: junkipediaT0.Add(-time.Hour)}, "ends (2024-02-29T23:00:00Z) before it starts"},
		{"full URL", Query{Name: "q", Value: "https://evil.example/posts?lists=1", Start: junkipediaT0, End: junkipediaT0.Add(time.Hour)}, "is not an API path"},
		{"no slash", Query{Name: "q", Value: "posts?lists=1", Start: junkipediaT0, End: junkipediaT0.Add(time.Hour)}, "is not an API path"},
		{"network path", Query{Name: "q", Value: "//evil.example/posts", Start: junkipediaT0, End: junkipediaT0.Add(time.Hour)}, "is not an API path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := src.Fetch(t.Context(), tc.q, "")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Fetch(%+v) = %v; want %q", tc.q, err, tc.wantErr)
			}
		})
	}
	p, err := src.Fetch(t.Context(), junkipediaQuery(junkipediaT0, 0), "")
	if err != nil || p.Total != 0 || p.Next != "" || len(p.Records) != 0 {
		t.Errorf("Fetch(empty window) = %+v, %v; want an empty last page", p, err)
	}
	if got := len(fake.Requests()); got != 0 {
		t.Errorf("requests = %d; want none", got)
	}

	// A window that ends mid-second covers that second.
	fake.AddRaw(junkipediaT0.Unix()+58, "p1", junkipediaTestPost(t, "p1", junkipediaT0.Add(58*time.Second)))
	q := Query{Name: "q", Value: "/posts", Start: junkipediaT0, End: junkipediaT0.Add(58*time.Second + time.Millisecond)}
	run := junkipediaFetchAll(t, src, q)
	junkipediaCheckOnce(t, run.records, []string{"p1"})
	if r := fake.Requests()[0]; r.Query.Get("published_at_to") != strconv.FormatInt(junkipediaT0.Unix()+59, 10) || r.Path != "/api/v1/posts" {
		t.Errorf("request = %+v; want published_at_to rounded up", r)
	}
}

func junkipediaFixture(tb testing.TB, name string) json.RawMessage {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(junkipediaFixtures, name))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("fixture %s not present", name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestJunkipediaExtractFixtures(t *testing.T) {
	for _, tc := range []struct {
		file        string
		fields      []string
		language    string
		url         string
		published   string
		author      string
		titlePrefix string // of the first text
	}{
		{"1.json", []string{"description", "post_title", "transcript_text"}, "EN", "https://www.youtube.com/watch?v=tn_2-VpEmN8",
			"2023-05-03T06:15:02Z", "Dutch Draper", "This video is about intentional use of microorganisms"},
		{"YT.json", []string{"description", "post_title", "transcript_text"}, "ZH-TW", "https://www.youtube.com/watch?v=bGPakw7Lq9o",
			"2024-02-25T23:51:11Z", "「石濤.TV」 紅塵敘事「No.03」", "🚩 很少政客如此不留餘地"},
		// post_title "null" and transcript_text " " are skipped.
		{"Telegram.json", []string{"description"}, "EN", "https://t.me/MoshangUS/1583",
			"2024-01-19T23:55:58Z", "陌上美国MoshangUS", "这个视频完美表达了今年普选要选党不选人，投川普的感觉。<a href="},
		{"TikTok.json", []string{"description", "transcript_text"}, "PT", "https://www.tiktok.com/@eduardosiqueiracampos/video/7416308094512205062",
			"2024-09-19T11:03:16Z", "Eduardo Siqueira Campos", "Coragem. Palmas precisa! "},
		{"Twitter.json", []string{"description"}, "ZH", "https://twitter.com/ChooLucia/status/1748208228956086474",
			"2024-01-19T04:58:16Z", "Lucia🍊🍊fight for Trump顶流川粉", "RT @littleshar29632: 大量J6 监控视频并没有公开"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := junkipediaFixture(t, tc.file)
			src, _ := newTestJunkipedia(t, nil, JunkipediaOptions{BaseURL: "https://example.org/api/v1"})
			texts, err := src.Extract(data)
			if err != nil {
				t.Fatalf("Extract(%s) = %v", tc.file, err)
			}
			var fields []string
			for _, tx := range texts {
				fields = append(fields, tx.Field)
				if tx.Language != tc.language || tx.URL != tc.url || tx.Author != tc.author ||
					!tx.PublishedAt.Equal(mustTime(t, tc.published)) || tx.PublishedAt.Location() != time.UTC {
					t.Errorf("Extract(%s) %s = %+v; want language %s, url %s, author %q, published %s",
						tc.file, tx.Field, tx, tc.language, tc.url, tc.author, tc.published)
				}
				if strings.TrimSpace(tx.Text) == "" || tx.Text == "null" {
					t.Errorf("Extract(%s) %s = %q; want no blank text", tc.file, tx.Field, tx.Text)
				}
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("Extract(%s) fields = %q; want %q", tc.file, fields, tc.fields)
			}
			if len(texts) > 0 && !strings.HasPrefix(texts[0].Text, tc.titlePrefix) {
				t.Errorf("Extract(%s) first text = %.80q; want it to start %q", tc.file, texts[0].Text, tc.titlePrefix)
			}
		})
	}
	// The HTML entity of the YouTube title is kept for the normalize step.
	data := junkipediaFixture(t, "1.json")
	texts, _ := extractJunkipedia(data)
	if len(texts) != 3 || texts[1].Text != "Bioweapons: Poor Man&#39;s Atomic Bomb" {
		t.Errorf("Extract(1.json) title = %q; want it as given", texts[1].Text)
	}
}

// junkipediaPostJSON builds a post object with the given attributes.
func junkipediaPostJSON(attrs string) json.RawMessage {
	return json.RawMessage(`{"id":"1","type":"posts","attributes":` + attrs + `}`)
}

func TestJunkipediaExtract(t *testing.T) {
	type text struct{ field, text string }
	sdf := func(fields string) json.RawMessage {
		return junkipediaPostJSON(`{"published_at":"2024-01-19T04:58:16.000Z","search_data_fields":{` + fields + `}}`)
	}
	for _, tc := range []struct {
		name    string
		data    json.RawMessage
		want    []text
		wantErr string
	}{
		{name: "three fields", data: sdf(`"description":"d","post_title":"t","transcript_text":"tr"`),
			want: []text{{"description", "d"}, {"post_title", "t"}, {"transcript_text", "tr"}}},
		{name: "original's skip lists", data: sdf(`"description":"null","post_title":"","transcript_text":" "`)},
		{name: "nulls and missing", data: sdf(`"description":null,"transcript_text":null`)},
		{name: "blank texts", data: sdf(`"description":"\n\t ","post_title":"  ","transcript_text":"\u00a0"`)},
		{name: "title equals description", data: sdf(`"description":"Same words","post_title":"Same words","transcript_text":"other"`),
			want: []text{{"description", "Same words"}, {"transcript_text", "other"}}},
		{name: "same but for entities and spacing", data: sdf(`"description":"Poor Man's  bomb\n","post_title":"Poor Man&#39;s bomb"`),
			want: []text{{"description", "Poor Man's  bomb\n"}}},
		{name: "text kept as given", data: sdf(`"description":"<a href=\"x\">link</a> &amp; \u00e9 \ud83d\ude00"`),
			want: []text{{"description", "<a href=\"x\">link</a> &amp; é 😀"}}},
		{name: "text not a string", data: sdf(`"description":42`), wantErr: "attributes.search_data_fields.description: 42 is not a string"},
		{name: "bad date", data: junkipediaPostJSON(`{"published_at":"19/01/2024","search_data_fields":{"description":"d"}}`),
			wantErr: `attributes.published_at: "19/01/2024" is not an RFC 3339 time`},
		{name: "date not a string", data: junkipediaPostJSON(`{"published_at":1705640296,"search_data_fields":{"description":"d"}}`),
			wantErr: "attributes.published_at: 1705640296 is not a string"},
		{name: "no date", data: junkipediaPostJSON(`{"search_data_fields":{"description":"d"}}`), want: []text{{"description", "d"}}},
		{name: "date null string", data: junkipediaPostJSON(`{"published_at":"null","search_data_fields":{"description":"d"}}`), want: []text{{"description", "d"}}},
		{name: "no search_data_fields", data: junkipediaPostJSON(`{"published_at":"2024-01-19T04:58:16Z"}`), wantErr: "not a post object"},
		{name: "search_data_fields not an object", data: junkipediaPostJSON(`{"search_data_fields":"x"}`), wantErr: "not a post object"},
		{name: "no attributes", data: json.RawMessage(`{"id":"1"}`), wantErr: "not a post object"},
		{name: "array", data: json.RawMessage(`[{"id":"1"}]`), wantErr: "not a post object"},
		{name: "null", data: json.RawMessage(`null`), wantErr: "not a post object"},
		{name: "not JSON", data: json.RawMessage(`{"id":`), wantErr: "not a post object"},
		{name: "odd metadata", data: junkipediaPostJSON(`{"channel":"null","url":5,"search_data_fields":{"description":"d","language_code":7,"url":[],"channel_name":{}}}`),
			want: []text{{"description", "d"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			texts, err := extractJunkipedia(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "junkipedia: ") {
					t.Errorf("Extract(%s) = %v; want %q", tc.data, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s) = %v", tc.data, err)
			}
			var got []text
			for _, tx := range texts {
				got = append(got, text{tx.Field, tx.Text})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Extract(%s) = %q; want %q", tc.data, got, tc.want)
			}
		})
	}

	// Metadata: language as given unless "null", the URL falling back to
	// attributes.url, the author to the channel, the time to UTC.
	texts, err := extractJunkipedia(junkipediaPostJSON(`{"published_at":"2024-01-19T06:58:16.5+02:00","url":"https://x.example/1",
		"channel":{"channel_name":" Chan "},"search_data_fields":{"description":"d","language_code":"null","url":"null"}}`))
	if err != nil || len(texts) != 1 {
		t.Fatalf("Extract = %v, %v", texts, err)
	}
	want := Text{Field: "description", Text: "d", PublishedAt: time.Date(2024, 1, 19, 4, 58, 16, 5e8, time.UTC), URL: "https://x.example/1", Author: "Chan"}
	if texts[0] != want {
		t.Errorf("Extract = %+v; want %+v", texts[0], want)
	}
	texts, _ = extractJunkipedia(junkipediaPostJSON(`{"published_at":"2024-01-19T04:58:16.123456Z","search_data_fields":{"description":"d","language_code":"ZH-TW","url":"https://y.example"}}`))
	if texts[0].Language != "ZH-TW" || texts[0].URL != "https://y.example" || texts[0].PublishedAt.Nanosecond() != 123456000 {
		t.Errorf("Extract = %+v; want language ZH-TW as given and the microseconds", texts[0])
	}

	// The synthetic post the fake serves.
	b, err := os.ReadFile("testdata/junkipedia/post.json")
	if err != nil {
		t.Fatal(err)
	}
	texts, err = extractJunkipedia(b)
	if err != nil || len(texts) != 3 || texts[1].Text != "A synthetic title &amp; an entity" || texts[0].Author != "Example Channel" {
		t.Errorf("Extract(post.json) = %+v, %v", texts, err)
	}
}

// FuzzJunkipediaExtract: any bytes give texts or a "junkipedia: " error,
// never a panic; texts are never blank and never repeat within a record.
func FuzzJunkipediaExtract(f *testing.F) {
	for _, s := range []string{
		`{"attributes":{"published_at":"2024-01-19T04:58:16.000Z","search_data_fields":{"description":"d","post_title":"d","transcript_text":" ","language_code":"EN"}}}`,
		`{"attributes":{"published_at":"x","search_data_fields":{}}}`, `{"attributes":{"search_data_fields":{"description":"\ud800"}}}`,
		`{"attributes":null}`, `[]`, `null`, `"s"`, "{\"attributes\":{\"search_data_fields\":{\"post_title\":\"\xff\"}}}",
		`{"attributes":{"channel":[1],"search_data_fields":{"description":"&amp;","post_title":"&"}}}`,
	} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("testdata/junkipedia/post.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := extractJunkipedia(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "junkipedia: ") {
				t.Errorf("Extract(%q) = %q; want a junkipedia: error", data, err)
			}
			return
		}
		fields := make(map[string]bool)
		for _, tx := range texts {
			if strings.TrimSpace(tx.Text) == "" || tx.Text == "null" || fields[tx.Field] || !slices.Contains(junkipediaTextFields, tx.Field) {
				t.Errorf("Extract(%q) gave %+v", data, tx)
			}
			fields[tx.Field] = true
		}
	})
}

// FuzzJunkipediaResponse: any body parses to a page or an error, never a
// panic, and every record it yields has an id.
func FuzzJunkipediaResponse(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"id":"1","attributes":{"published_at":"2024-03-01T00:00:05.000Z"}},{"id":2}],"links":{"next":"http://127.0.0.1/api/v1/posts?page=2"},"meta":{"total_posts":"35"}}`,
		`{"data":[],"links":{"next":null},"meta":{"total_posts":0}}`, `{"errors":[{"detail":"no"}]}`, `{"errors":[]}`,
		`{"data":[null,1,"x",[]],"links":{},"meta":{"total_posts":-1}}`, `{"data":[{"id":"1"`, `{"data":{},"links":[]}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parseJunkipediaResponse(body)
		if err != nil {
			return
		}
		if res.total < -1 {
			t.Errorf("total = %d", res.total)
		}
		for _, raw := range res.posts {
			rec, keep, problem := junkipediaRecord(raw, [2]int64{junkipediaT0.Unix(), junkipediaT0.Unix() + 3600})
			if problem == "" && keep && (rec.ID == "" || len(rec.Data) == 0) {
				t.Errorf("record %q from %q has no id or data", rec.ID, raw)
			}
			if problem != "" && keep {
				t.Errorf("record %q kept with a problem %q", raw, problem)
			}
		}
	})
}

// FuzzJunkipediaCursor: any cursor is used or refused with a clear error,
// never a panic, and never sends the key to another host.
func FuzzJunkipediaCursor(f *testing.F) {
	s, err := buildJunkipedia(JunkipediaOptions{TokenEnv: "K", BaseURL: "http://127.0.0.1:1/api/v1"})
	if err != nil {
		f.Fatal(err)
	}
	window := [2]int64{junkipediaT0.Unix(), junkipediaT0.Unix() + 3600}
	hash := junkipediaQueryHash(junkipediaTestQuery)
	valid := (&junkipediaCursor{V: 1, Query: hash, Window: window, Total: 5, Pending: [][2]int64{{window[0] + 1800, window[1]}},
		Cur: &junkipediaPaging{Window: [2]int64{window[0], window[0] + 1800}, Next: "http://127.0.0.1:1/api/v1/posts?page=2", Pages: 1}}).encode()
	for _, c := range []string{valid, "", "{}", `{"v":1}`, "null", `{"v":1,"pending":[[1,0]]}`} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		c, err := s.parseCursor(cursor, hash, window)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "malformed cursor") {
				t.Errorf("parseCursor(%q) = %q", cursor, err)
			}
			return
		}
		if c.Cur == nil && len(c.Pending) == 0 {
			t.Errorf("parseCursor(%q) left nothing to fetch", cursor)
		}
		if c.Cur != nil {
			if u, err := url.Parse(c.Cur.Next); err != nil || u.Scheme != "http" || u.Host != "127.0.0.1:1" {
				t.Errorf("parseCursor(%q) accepted next %q", cursor, c.Cur.Next)
			}
		}
	})
}
