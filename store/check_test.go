package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/raw"
	"github.com/timpani-dev/timpani/store/storetest"
)

// checkWorld is a data folder that a fetch, an ingest and a workflow run
// left consistent: one archived page of four records, three items completed
// (two of them keyworded, vectorised and clustered together), one failed on
// arrival.
type checkWorld struct {
	dir     string
	db      *store.DB
	page    string // the page's path in the archive
	items   []int64
	cluster int64
}

func newCheckWorld(t *testing.T) *checkWorld {
	t.Helper()
	w := &checkWorld{dir: t.TempDir()}
	w.db = storetest.Open(t, filepath.Join(w.dir, "timpani.db"), store.Options{AppVersion: "test"})
	db := w.db
	arc, err := raw.Open(filepath.Join(w.dir, "raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer arc.Close()
	ctx := t.Context()

	run := &store.Run{Kind: store.RunFetch, Workspace: "ws", Source: "src", Query: "q", DateID: 20240301, ReportedTotal: -1}
	update(t, db, func(tx *store.Tx) error { return tx.StartRun(ctx, run) })
	if w.page, err = raw.PagePath("ws", "src", "q", 20240301, run.ID, 0); err != nil {
		t.Fatal(err)
	}
	var lines []raw.Line
	for i := range 4 {
		lines = append(lines, raw.Line{RunID: run.ID, Workspace: "ws", Source: "src", Query: "q", DateID: 20240301,
			RawID: fmt.Sprintf("r%d", i), Record: []byte(fmt.Sprintf(`{"text":"post %d"}`, i))})
	}
	written, err := arc.WritePage(w.page, lines)
	if err != nil {
		t.Fatal(err)
	}
	page := &store.Page{RunID: run.ID, Workspace: "ws", Source: "src", Query: "q", DateID: 20240301, Path: w.page,
		SHA256: written.SHA256, Records: len(lines), Bytes: written.Bytes}
	update(t, db, func(tx *store.Tx) error {
		if err := tx.InsertPage(ctx, page); err != nil {
			return err
		}
		run.Pages, run.Records, run.ReportedTotal, run.Status = 1, len(lines), len(lines), store.RunCompleted
		return tx.SaveRun(ctx, run)
	})

	published := store.T(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	update(t, db, func(tx *store.Tx) error {
		var items []*store.Item
		for i, l := range lines {
			it := &store.Item{Workspace: "ws", Source: "src", Query: "q", DateID: 20240301, RunID: run.ID,
				PageID: sql.NullInt64{Int64: page.ID, Valid: true}, RawID: l.RawID, RawText: fmt.Sprintf("post %d", i),
				PublishedAt: published, Workflow: "w", State: store.Ready}
			if i == 3 {
				it.State, it.LastError = store.Failed, "unreadable"
			}
			items = append(items, it)
		}
		if _, err := tx.InsertItems(ctx, items); err != nil {
			return err
		}
		for _, it := range items {
			w.items = append(w.items, it.ID)
		}
		return tx.MarkPageIngested(ctx, page.ID, "")
	})
	update(t, db, func(tx *store.Tx) error {
		var advs []store.Advance
		for _, id := range w.items[:3] {
			advs = append(advs, store.Advance{ItemID: id, Path: []store.State{store.Ready, "keyworded", store.Completed}})
		}
		if _, err := tx.AdvanceMany(ctx, "", advs); err != nil {
			return err
		}
		var kws []store.KeywordRow
		for _, id := range w.items[:2] {
			kws = append(kws, store.KeywordRow{ItemID: id, Workspace: "ws", PublishedAt: published, Model: "yake",
				Keyword: store.Keyword{Text: "post", Score: 0.5}})
		}
		if err := tx.AddKeywordsMany(ctx, kws); err != nil {
			return err
		}
		if err := tx.FoldKeywordCounts(ctx); err != nil {
			return err
		}
		for _, id := range w.items[:3] {
			if err := tx.PutVector(ctx, store.Vector{ItemID: id, Model: "lex", Data: []float32{1, 0}}); err != nil {
				return err
			}
		}
		c := &store.Cluster{Workspace: "ws", Model: "lex"}
		if err := tx.CreateCluster(ctx, c); err != nil {
			return err
		}
		w.cluster = c.ID
		err := tx.SetItemClusters(ctx, []store.ItemCluster{{ItemID: w.items[0], ClusterID: c.ID, TextHash: 1},
			{ItemID: w.items[1], ClusterID: c.ID, TextHash: 2}})
		if err != nil {
			return err
		}
		if err := tx.AddClusterDays(ctx, []store.ClusterDay{{ClusterID: c.ID, Day: "2024-03-01", Items: 2}}); err != nil {
			return err
		}
		c.Size, c.AddedTotal, c.UniqueTexts, c.ExemplarItemID = 2, 2, 2, w.items[0]
		return tx.SaveCluster(ctx, c)
	})
	return w
}

// exec breaks the world with SQL on a connection of its own, foreign keys
// off, as sqlite3 would.
func (w *checkWorld) exec(t *testing.T, query string) {
	t.Helper()
	x, err := sql.Open("sqlite", filepath.Join(w.dir, "timpani.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.ExecContext(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (w *checkWorld) check(t *testing.T, settled bool) []store.Problem {
	t.Helper()
	problems, err := w.db.Check(t.Context(), filepath.Join(w.dir, "raw"), store.CheckOptions{Settled: settled})
	if err != nil {
		t.Fatal(err)
	}
	return problems
}

func TestCheckPassesAConsistentDatabase(t *testing.T) {
	w := newCheckWorld(t)
	for _, settled := range []bool{false, true} {
		if problems := w.check(t, settled); len(problems) != 0 {
			t.Errorf("settled=%v: problems %+v; want none", settled, problems)
		}
	}
	if n, all := len(store.CheckNames(store.CheckOptions{}, true)), len(store.CheckNames(store.CheckOptions{Settled: true}, true)); n >= all {
		t.Errorf("%d checks unsettled, %d settled; want more when settled", n, all)
	}
}

func TestCheckReportsEachBrokenInvariant(t *testing.T) {
	for _, tc := range []struct {
		want    string
		settled bool // the check runs only when settled
		breakIt func(t *testing.T, w *checkWorld)
	}{
		{"pages with more records among their items than they hold", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE raw_pages SET records = 2`)
			w.exec(t, `UPDATE runs SET records = 2`)
		}},
		{"fetch runs whose counts are not their archived pages", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE runs SET pages = 2`)
		}},
		{"items whose page is missing", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`UPDATE items SET page_id = 999 WHERE id = %d`, w.items[0]))
		}},
		{"items whose run is missing", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`UPDATE items SET run_id = 999 WHERE id = %d`, w.items[0]))
		}},
		{"pages whose run is missing", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE raw_pages SET run_id = 999`)
		}},
		{"failed items without a reason", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE items SET last_error = '' WHERE state = 'failed'`)
		}},
		{"items whose last event is not their state", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`UPDATE items SET state = 'keyworded' WHERE id = %d`, w.items[0]))
		}},
		{"events that do not start where the item's previous event ended", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`INSERT INTO item_events (item_id, from_state, to_state, at, attempt)
				VALUES (%d, 'ready', 'completed', '2024-03-02T00:00:00.000Z', 1)`, w.items[0]))
		}},
		{"clusters whose size is not their member count", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE clusters SET size = 3`)
		}},
		{"clusters whose unique texts are not their members' distinct texts", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE clusters SET unique_texts = 1`)
		}},
		{"clusters whose daily counts do not add up to their size", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE cluster_days SET items = 1`)
		}},
		{"items in a missing or merged cluster", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`UPDATE items SET cluster_id = 999 WHERE id = %d`, w.items[2]))
		}},
		{"cluster days of missing clusters", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `INSERT INTO cluster_days (cluster_id, day, items) VALUES (999, '2024-03-01', 1)`)
		}},
		{"keyword days that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE keyword_days SET items = items + 1`)
		}},
		{"keyword totals that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `DELETE FROM keyword_totals`)
		}},
		{"keyword totals that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `INSERT INTO keyword_totals (workspace, model, keyword, items) VALUES ('ws', 'yake', 'ghost', 3)`)
		}},
		{"keyword days that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `DELETE FROM keyword_days`)
		}},
		{"keyword days that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `INSERT INTO keyword_counts_pending (workspace, model, keyword, day, items)
				VALUES ('ws', 'yake', 'post', '2024-03-01', -1)`)
		}},
		{"keyword totals that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `INSERT INTO keyword_counts_pending (workspace, model, keyword, day, items)
				VALUES ('ws', 'yake', 'post', '', 1)`)
		}},
		{"keyword postings that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`DELETE FROM keyword_postings WHERE rowid >> 8 = %d`, w.items[0]))
		}},
		{"keyword postings that are not their keyword rows", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`INSERT INTO keyword_postings (rowid, tokens) VALUES (%d << 8, 'kabc')`, w.items[2]))
		}},
		{"item days that are not the items", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE item_days SET items = items + 1`)
		}},
		{"item states that are not the items", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, `DELETE FROM item_states WHERE state = 'failed'`)
		}},
		{"keyword lists that are not JSON", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`UPDATE item_keywords SET keywords = '[["post",0.1' WHERE item_id = %d`, w.items[0]))
		}},
		{"keywords of missing items", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`DELETE FROM items WHERE id = %d`, w.items[1]))
		}},
		{"vectors of missing items", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`DELETE FROM items WHERE id = %d`, w.items[2]))
		}},
		{"events of missing items", false, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`DELETE FROM items WHERE id = %d`, w.items[3]))
		}},
		{"pages whose file is missing", false, func(t *testing.T, w *checkWorld) {
			if err := os.Remove(filepath.Join(w.dir, "raw", w.page)); err != nil {
				t.Fatal(err)
			}
		}},
		{"pages whose file is not the size recorded", false, func(t *testing.T, w *checkWorld) {
			if err := os.Truncate(filepath.Join(w.dir, "raw", w.page), 10); err != nil {
				t.Fatal(err)
			}
		}},
		{"items neither completed nor failed", true, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`INSERT INTO item_events (item_id, from_state, to_state, at, attempt)
				VALUES (%d, 'completed', 'ready', '2024-03-02T00:00:00.000Z', 0)`, w.items[0]))
			w.exec(t, fmt.Sprintf(`UPDATE items SET state = 'ready' WHERE id = %d`, w.items[0]))
		}},
		{"items still leased", true, func(t *testing.T, w *checkWorld) {
			w.exec(t, fmt.Sprintf(`UPDATE items SET lease_owner = 'host:1:ab', lease_until = '2024-03-02T00:00:00.000Z'
				WHERE id = %d`, w.items[0]))
		}},
		{"pages not ingested", true, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE raw_pages SET ingested_at = NULL`)
		}},
		{"fetch runs still running", true, func(t *testing.T, w *checkWorld) {
			w.exec(t, `UPDATE runs SET status = 'running'`)
		}},
		{"archive files that are not a recorded page", true, func(t *testing.T, w *checkWorld) {
			p := filepath.Join(w.dir, "raw", filepath.Dir(w.page), "run-000099-page-00000.jsonl.gz")
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"archive temporary files left by an interrupted write", true, func(t *testing.T, w *checkWorld) {
			p := filepath.Join(w.dir, "raw", filepath.Dir(w.page), ".tmp-0123456789abcdef")
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			w := newCheckWorld(t)
			tc.breakIt(t, w)
			problems := w.check(t, true)
			i := slices.IndexFunc(problems, func(p store.Problem) bool { return p.Check == tc.want })
			if i < 0 {
				t.Fatalf("problems %+v; want %q reported", problems, tc.want)
			}
			if p := problems[i]; p.Count < 1 || p.Detail == "" {
				t.Errorf("problem %+v; want a count and the offending rows", p)
			}
			if !slices.IsSortedFunc(problems, func(a, b store.Problem) int { return strings.Compare(a.Check, b.Check) }) {
				t.Errorf("problems not sorted: %+v", problems)
			}
			unsettled := w.check(t, false)
			reported := slices.ContainsFunc(unsettled, func(p store.Problem) bool { return p.Check == tc.want })
			if reported == tc.settled {
				t.Errorf("without --settled: reported %v; want %v (%+v)", reported, !tc.settled, unsettled)
			}
		})
	}
}

func TestCheckNamesEveryCheckOnce(t *testing.T) {
	names := store.CheckNames(store.CheckOptions{Settled: true}, true)
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("check names repeat: %v", names)
	}
	if n := len(store.CheckNames(store.CheckOptions{Settled: true}, false)); n != len(names)-4 {
		t.Errorf("%d checks without an archive; want %d", n, len(names)-4)
	}
}

// The keyword-days check counts rows in passes when there are many days;
// every pass must report what one pass does, no more and no less.
func TestCheckKeywordDaysTheSameInOneOrManyPasses(t *testing.T) {
	w := newCheckWorld(t)
	w.exec(t, `INSERT INTO keyword_days (workspace, model, keyword, day, items) VALUES
		('ws', 'yake', 'post', '1999-01-01', 2),
		('ws', 'yake', 'ghost', '2024-03-01', 1),
		('ws', 'yake', 'zero', '2024-03-01', 0)`)
	w.exec(t, `UPDATE keyword_days SET items = items + 1 WHERE day != '1999-01-01' AND keyword = 'post'`)
	w.exec(t, `UPDATE item_keywords SET keywords = json_insert(keywords, '$[#]', json('["uncounted", 0.1, 1]'))`)
	days := func() store.Problem {
		for _, p := range w.check(t, false) {
			if p.Check == "keyword days that are not their keyword rows" {
				return p
			}
		}
		return store.Problem{}
	}
	one := days()
	// post on 1999-01-01 (no rows), post on its real day (one too many),
	// ghost (no rows), uncounted (rows, no day); zero counts nothing.
	if one.Count != 4 {
		t.Fatalf("one pass: %+v; want 4 keyword days reported", one)
	}
	for _, want := range []string{"ws/yake/ghost 2024-03-01: 1 counted, 0 rows", "ws/yake/uncounted 2024-03-01: 0 counted, 2 rows"} {
		if !strings.Contains(one.Detail, want) {
			t.Errorf("detail %q; want it to name %q", one.Detail, want)
		}
	}
	defer store.SetKeywordCountsPerPassForTest(1)()
	many := days()
	if many.Count != one.Count {
		t.Errorf("in passes of one key: %+v; want the %d of one pass", many, one.Count)
	}
	for _, part := range strings.Split(one.Detail, "; ") {
		if !strings.Contains(many.Detail, part) {
			t.Errorf("in passes: %q; want it to name %q as one pass does", many.Detail, part)
		}
	}
}
