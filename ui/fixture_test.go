package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/storetest"
	"github.com/timpani-dev/timpani/workflow"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// Hostile values a post can carry: the viewer must show them as text.
const (
	hostileText   = `<script>alert("text")</script> "><img src=x onerror=alert(1)> look at this`
	hostileAuthor = `"><svg onload=alert(2)>`
	hostileURL    = `javascript:alert(3)`
)

// posts is the fixture: near-duplicates that cluster, other languages,
// CJK and Thai text for search, hostile text, and a retweet of a bare link
// that fails at the clean-up step.
var posts = []struct {
	text, lang, source, url, author string
	day, hour                       int
}{
	{"Drinking hot water with lemon every morning kills the virus. #NaturalCure", "en", "feed", "https://example.org/p/1", "ana", 1, 9},
	{"Drinking hot water with lemon every morning kills the virus! #NaturalCure", "en", "feed", "https://example.org/p/2", "ben", 2, 10},
	{"drinking hot water with lemon every morning kills the virus #NaturalCure", "en", "feed", "https://example.org/p/3", "cy", 3, 11},
	{"Drinking hot water with lemon every morning kills the virus. #NaturalCure", "en", "feed", "https://example.org/p/4", "di", 3, 12},
	{"Tomar agua caliente con limón cada mañana mata el virus. #CuraNatural", "es", "feed", "https://example.org/p/5", "eva", 2, 8},
	{"Tomar agua caliente con limón cada mañana mata el virus #CuraNatural", "es", "feed", "https://example.org/p/6", "fé", 3, 9},
	{"中国的天气今天很好，我们去公园散步吧", "zh", "forum", "https://example.org/p/7", "li", 1, 14},
	{"東京の天気は晴れです。散歩に行きましょう", "ja", "forum", "https://example.org/p/8", "ken", 2, 15},
	{"วันนี้อากาศดีมากเราไปเดินเล่นที่สวนกัน", "th", "forum", "https://example.org/p/9", "som", 3, 16},
	{hostileText, "en", "forum", hostileURL, hostileAuthor, 3, 17},
	{"=HYPERLINK(\"http://evil.example\",\"click\") spreadsheet formula in a post", "en", "forum", "", "eve", 2, 18},
	{"RT @nobody: https://t.co/abc", "", "forum", "", "nobody", 3, 19},
}

// fixture is a real database processed by the demo workflow, and a viewer
// on it.
type fixture struct {
	db      *store.DB
	rdb     *store.DB // the viewer's read-only connection
	server  *Server
	http    *httptest.Server
	indexes *workflow.Indexes
}

func TestMain(m *testing.M) { storetest.Main(m) }

var fixedNow = time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, tokens map[string][]string) *fixture {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "timpani.db")
	db := storetest.Open(t, path, store.Options{AppVersion: "test"})
	db.Now = func() time.Time { return fixedNow }
	err := db.Update(ctx, func(tx *store.Tx) error {
		run := &store.Run{Kind: store.RunFetch, Workspace: "news", Source: "feed", Query: "q", DateID: 20240303}
		if err := tx.StartRun(ctx, run); err != nil {
			return err
		}
		for i, p := range posts {
			it := &store.Item{Workspace: "news", Source: p.source, Query: "q", DateID: 20240303, RunID: run.ID,
				RawID: "post-" + strconv.Itoa(i+1), RawText: p.text, Author: p.author, URL: p.url, Language: p.lang,
				Workflow: "demo", State: store.Ready,
				PublishedAt: store.T(time.Date(2024, 3, p.day, p.hour, 0, 0, 0, time.UTC))}
			if _, err := tx.InsertItem(ctx, it); err != nil {
				return err
			}
		}
		// Another workspace, which a token for "news" must not open.
		other := &store.Item{Workspace: "private", Source: "feed", Query: "q", DateID: 20240303, RunID: run.ID,
			RawID: "secret-1", RawText: "a private post about lemon water", Workflow: "demo", State: store.Ready,
			PublishedAt: store.T(time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC))}
		_, err := tx.InsertItem(ctx, other)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ix := workflow.NewIndexes("", clustering.IndexOptions{}, nil)
	r, err := workflow.NewRunner(db, workflow.Builtins(), workflow.Actions(workflow.ActionOptions{DB: db, Indexes: ix}),
		workflow.Options{Owner: "test-worker", Workers: 1, MaxWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, ws := range []string{"news", "private"} {
		if _, err := r.RunUntilIdle(ctx, ws, "demo"); err != nil {
			t.Fatal(err)
		}
		if _, err := workflow.UpdateTrends(ctx, db, ws, clustering.TrendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rdb, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	f := &fixture{db: db, rdb: rdb, indexes: ix}
	f.server, err = New(Options{DB: rdb, Actions: &testActions{f: f},
		Workspaces: []Workspace{{Name: "news", Title: "News watch"}, {Name: "private", Title: "Private"}},
		Tokens:     tokens, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.http = httptest.NewServer(f.server)
	t.Cleanup(f.http.Close)
	return f
}

// testActions does what cmd's actions do, against the fixture's store.
type testActions struct{ f *fixture }

func (a *testActions) Retry(ctx context.Context, workspace string, ids []int64) (int, error) {
	n := 0
	err := a.f.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.Retry(ctx, workspace, ids)
		return err
	})
	return n, err
}

func (a *testActions) Merge(ctx context.Context, workspace string) (string, error) {
	sum, err := workflow.MergeClusters(ctx, a.f.db, a.f.indexes, workspace, 0.7, 0)
	return fmt.Sprintf("%d checked, %d merged", sum.Checked, sum.Merged), err
}

func (a *testActions) Similar(ctx context.Context, workspace, text string, limit int) ([]SimilarHit, error) {
	v := lexembed.Embed(text)
	if clustering.IsZero(v) {
		return nil, fmt.Errorf("nothing to compare: the text has no words")
	}
	ms, err := a.f.indexes.Similar(ctx, a.f.db, workspace, lexembed.Model, v, limit, 0.5)
	hits := make([]SimilarHit, len(ms))
	for i, m := range ms {
		hits[i] = SimilarHit{ItemID: m.ID, Score: m.Score}
	}
	return hits, err
}

func (a *testActions) RawRecord(ctx context.Context, it store.Item) (json.RawMessage, error) {
	return json.Marshal(map[string]string{"id": it.RawID, "text": it.RawText, "url": it.URL})
}

func (a *testActions) Workflow(workspace string) ([]string, string) {
	d := workflow.Builtins()["demo"].WithDefaults()
	var states []string
	for _, s := range d.States() {
		states = append(states, string(s))
	}
	return states, d.Mermaid()
}

func (a *testActions) Services(workspace string) []ServiceHealth {
	return []ServiceHealth{{Name: "builtin", Kind: "in-process", State: "ok"}}
}

// get fetches path from the fixture's viewer.
func (f *fixture) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
