package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/sources"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/raw"
	"github.com/timpani-dev/timpani/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func openDB(tb testing.TB, path string) *store.DB {
	tb.Helper()
	return storetest.Open(tb, path, store.Options{})
}

func mustDB(tb testing.TB) *store.DB {
	tb.Helper()
	return openDB(tb, filepath.Join(tb.TempDir(), "timpani.db"))
}

func testLog(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// seedItems inserts n ready items of workflow wf into workspace ws.
func seedItems(tb testing.TB, db *store.DB, ws, wf string, n int) {
	tb.Helper()
	err := db.Update(tb.Context(), func(tx *store.Tx) error {
		run := &store.Run{Kind: store.RunFetch, Workspace: ws}
		if err := tx.StartRun(tb.Context(), run); err != nil {
			return err
		}
		for i := range n {
			it := &store.Item{Workspace: ws, Source: "src", Query: "q", DateID: 20240301, RunID: run.ID,
				RawID: strconv.Itoa(i), RawText: fmt.Sprintf("post %d #tag%d", i, i%7), Workflow: wf, State: store.Ready,
				PublishedAt: store.T(time.Date(2024, 3, 1, 0, i%60, 0, 0, time.UTC))}
			if _, err := tx.InsertItem(tb.Context(), it); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// countingAction records how often it saw each item and answers with fn.
type countingAction struct {
	mu    sync.Mutex
	seen  map[int64]int
	fn    func(it store.Item, seen int) Result
	delay time.Duration
}

func newCounting(fn func(it store.Item, seen int) Result) *countingAction {
	return &countingAction{seen: map[int64]int{}, fn: fn}
}

func (a *countingAction) Apply(ctx context.Context, b Batch) []Result {
	items := b.Items
	if a.delay > 0 {
		t := time.NewTimer(a.delay)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	out := make([]Result, len(items))
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, it := range items {
		a.seen[it.ID]++
		if a.fn != nil {
			out[i] = a.fn(it, a.seen[it.ID])
		}
	}
	return out
}

func (a *countingAction) calls(id int64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[id]
}

func stateCounts(tb testing.TB, db *store.DB, ws string) map[store.State]int {
	tb.Helper()
	counts, err := db.StateCounts(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	out := map[store.State]int{}
	for _, c := range counts {
		if c.Workspace == ws {
			out[c.State] = c.Items
		}
	}
	return out
}

// edgeTimes maps "from->to" to how many times it was logged, and fails if
// any item took an edge more than once.
func edgeTimes(tb testing.TB, db *store.DB, ws string) map[string]int {
	tb.Helper()
	edges, err := db.EdgeCounts(tb.Context(), ws)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range edges {
		if e.Items != e.Times {
			tb.Errorf("edge %s->%s taken %d times by %d items: some item took it twice", e.From, e.To, e.Times, e.Items)
		}
		out[string(e.From)+"->"+string(e.To)] = e.Times
	}
	return out
}

// memSource is a source whose pages are given; failAt makes the page with
// that index fail once.
type memSource struct {
	pages  [][]string // record ids per page
	failAt int
	failed bool
	calls  int
}

func (s *memSource) Kind() string { return "mem" }

func (s *memSource) Fetch(_ context.Context, _ sources.Query, cursor string) (sources.Page, error) {
	s.calls++
	i := 0
	if cursor != "" {
		var err error
		if i, err = strconv.Atoi(cursor); err != nil {
			return sources.Page{}, fmt.Errorf("bad cursor %q", cursor)
		}
	}
	if i == s.failAt && !s.failed {
		s.failed = true
		return sources.Page{}, errors.New("connection reset")
	}
	var p sources.Page
	total := 0
	for _, pg := range s.pages {
		total += len(pg)
	}
	p.Total = total
	for _, id := range s.pages[i] {
		p.Records = append(p.Records, sources.Record{ID: id,
			Data: json.RawMessage(fmt.Sprintf(`{"id":%q,"text":"post %s #x","published_at":"2024-03-01T10:00:00Z"}`, id, id))})
	}
	if i+1 < len(s.pages) {
		p.Next = strconv.Itoa(i + 1)
	}
	return p, nil
}

func (s *memSource) Extract(data json.RawMessage) ([]sources.Text, error) {
	var r struct {
		ID          string `json:"id"`
		Text        string `json:"text"`
		PublishedAt string `json:"published_at"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	if r.ID == "" {
		return nil, errors.New("no id")
	}
	t, err := time.Parse(time.RFC3339, r.PublishedAt)
	if err != nil {
		return nil, fmt.Errorf("published_at: %w", err)
	}
	if r.Text == "" {
		return nil, nil
	}
	return []sources.Text{{Text: r.Text, PublishedAt: t}}, nil
}

func mustArchive(tb testing.TB) *raw.Archive {
	tb.Helper()
	a, err := raw.Open(filepath.Join(tb.TempDir(), "raw"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}
