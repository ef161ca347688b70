package store_test

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// mustOpen opens a new database, migrated (a copy of a migrated template:
// the tests of migrations open theirs with store.Open).
func mustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	return storetest.Open(tb, filepath.Join(tb.TempDir(), "timpani.db"), store.Options{AppVersion: "test"})
}

// clock is a settable time source for leases and backoffs.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)} }
func update(tb testing.TB, db *store.DB, fn func(*store.Tx) error) {
	tb.Helper()
	if err := db.Update(tb.Context(), fn); err != nil {
		tb.Fatal(err)
	}
}

// seed inserts a fetch run and n ready items in workspace ws.
func seed(tb testing.TB, db *store.DB, ws string, n int) []int64 {
	tb.Helper()
	var ids []int64
	update(tb, db, func(tx *store.Tx) error {
		run := &store.Run{Kind: store.RunFetch, Workspace: ws, Source: "src", Query: "q", DateID: 20240301}
		if err := tx.StartRun(tb.Context(), run); err != nil {
			return err
		}
		for i := range n {
			it := &store.Item{Workspace: ws, Source: "src", Query: "q", DateID: 20240301, RunID: run.ID,
				RawID: fmt.Sprintf("r%d", i), RawText: fmt.Sprintf("text %d #tag", i), Workflow: "w", State: store.Ready}
			ok, err := tx.InsertItem(tb.Context(), it)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("item %d not inserted", i)
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	return ids
}

func TestOpenMigratesOnceAndRecordsVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timpani.db")
	for range 2 {
		db, err := store.Open(t.Context(), path, store.Options{AppVersion: "v1.2.3"})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := db.Meta(t.Context(), "schema_version"); err != nil || v != store.SchemaVersion {
			t.Errorf("schema_version = %q, %v; want %q", v, err, store.SchemaVersion)
		}
		if v, _ := db.Meta(t.Context(), "app_version"); v != "v1.2.3" {
			t.Errorf("app_version = %q; want v1.2.3", v)
		}
		db.Close()
	}
	ro, err := store.Open(t.Context(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ReleaseLeases(t.Context(), "x")
		return err
	})
	if err == nil {
		t.Error("write through a read-only connection succeeded")
	}
}

// Commits land in the write-ahead log; the checkpointer copies them into
// the database file while it is open (writers never do), and Close copies
// the rest.
func TestCheckpointerCopiesCommitsIntoTheDatabaseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timpani.db")
	db, err := store.Open(t.Context(), path, store.Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	update(t, db, func(tx *store.Tx) error { return store.ExecForTest(tx, `CREATE TABLE scratch (b BLOB)`) })
	for range 20 {
		update(t, db, func(tx *store.Tx) error {
			return store.ExecForTest(tx, `INSERT INTO scratch (b) SELECT randomblob(100000) FROM (VALUES (1), (2))`)
		})
	}
	// 4 MB committed: wait (up to a minute on a slow disk) for them to
	// reach the file.
	for deadline := time.Now().Add(time.Minute); size() < before+4_000_000; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 4 MB of commits (%d before): nothing checkpointed", size(), before)
		}
	}
	update(t, db, func(tx *store.Tx) error {
		return store.ExecForTest(tx, `INSERT INTO scratch (b) SELECT randomblob(100000) FROM (VALUES (1), (2))`)
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("log left after Close: %v", err)
	}
	if got := size(); got < before+4_200_000 {
		t.Errorf("database file %d bytes after Close, want the last commit in it", got)
	}
}

// A connection drops its page cache whenever another connection has
// committed, so every write must go through the same one, however busy the
// rest of the pool is. A temporary table lives only on the connection that
// made it: the second write sees it only on the first one's connection.
func TestWritesShareOneConnection(t *testing.T) {
	db := mustOpen(t)
	update(t, db, func(tx *store.Tx) error { return store.ExecForTest(tx, `CREATE TEMP TABLE writer_marker (x)`) })
	// The pool would hand the connection just released to the next reader.
	release, err := store.HoldReadForTest(db)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	update(t, db, func(tx *store.Tx) error { return store.ExecForTest(tx, `INSERT INTO writer_marker VALUES (1)`) })
}

func TestUniquenessIsAConstraint(t *testing.T) {
	db := mustOpen(t)
	seed(t, db, "ws", 1)
	update(t, db, func(tx *store.Tx) error {
		run := &store.Run{Kind: store.RunFetch, Workspace: "ws"}
		if err := tx.StartRun(t.Context(), run); err != nil {
			return err
		}
		for _, tc := range []struct {
			name  string
			item  store.Item
			fresh bool
		}{
			{"same key", store.Item{Workspace: "ws", Source: "src", RawID: "r0"}, false},
			{"other field", store.Item{Workspace: "ws", Source: "src", RawID: "r0", SourceField: "post_title"}, true},
			{"other source", store.Item{Workspace: "ws", Source: "src2", RawID: "r0"}, true},
			{"other workspace", store.Item{Workspace: "ws2", Source: "src", RawID: "r0"}, true},
		} {
			it := tc.item
			it.RunID, it.Workflow, it.State, it.RawText = run.ID, "w", store.Ready, "x"
			got, err := tx.InsertItem(t.Context(), &it)
			if err != nil {
				return err
			}
			if got != tc.fresh {
				t.Errorf("%s: InsertItem = %v; want %v", tc.name, got, tc.fresh)
			}
		}
		return nil
	})
}

func TestTransitionIsCompareAndSet(t *testing.T) {
	db := mustOpen(t)
	id := seed(t, db, "ws", 1)[0]
	ctx := t.Context()
	update(t, db, func(tx *store.Tx) error {
		return tx.Transition(ctx, store.Transition{ItemID: id, From: store.Ready, To: "a"})
	})
	err := db.Update(ctx, func(tx *store.Tx) error {
		return tx.Transition(ctx, store.Transition{ItemID: id, From: store.Ready, To: "a"})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second transition from ready: err = %v; want ErrConflict", err)
	}
	err = db.Update(ctx, func(tx *store.Tx) error {
		return tx.Transition(ctx, store.Transition{ItemID: id, From: "a", To: "b", Owner: "someone"})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("transition without the lease: err = %v; want ErrConflict", err)
	}
	evs, err := db.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].To != store.Ready || evs[1].From != store.Ready || evs[1].To != "a" {
		t.Errorf("events = %+v; want creation then ready->a", evs)
	}
}

func TestClaimLeasesAndExpiredLeasesAreReclaimed(t *testing.T) {
	db := mustOpen(t)
	clk := newClock()
	db.Now = clk.Now
	seed(t, db, "ws", 5)
	ctx := t.Context()
	claim := func(owner string, n int) []store.Item {
		var got []store.Item
		update(t, db, func(tx *store.Tx) error {
			var err error
			got, err = tx.Claim(ctx, "ws", store.Ready, owner, n, tx.Now().Add(time.Minute))
			return err
		})
		return got
	}
	// Claimable says, without the write lock, whether a claim would find
	// anything.
	claimable := func(ws string, state store.State, want bool) {
		t.Helper()
		if ok, err := db.Claimable(ctx, ws, state); err != nil || ok != want {
			t.Errorf("Claimable(%s, %s) = %v, %v; want %v", ws, state, ok, err, want)
		}
	}
	claimable("ws", store.Ready, true)
	claimable("ws", "x", false)
	claimable("other", store.Ready, false)
	a := claim("A", 3)
	claimable("ws", store.Ready, true)
	b := claim("B", 3)
	claimable("ws", store.Ready, false)
	if len(a) != 3 || len(b) != 2 {
		t.Fatalf("claims = %d, %d; want 3, 2", len(a), len(b))
	}
	if b[0].ID <= a[2].ID {
		t.Errorf("B claimed item %d that A holds", b[0].ID)
	}
	if got := claim("C", 10); len(got) != 0 {
		t.Fatalf("C claimed %d leased items", len(got))
	}
	clk.Advance(61 * time.Second)
	claimable("ws", store.Ready, true)
	c := claim("C", 10)
	if len(c) != 5 {
		t.Fatalf("after expiry C claimed %d; want 5", len(c))
	}
	if c[0].Attempts != 2 {
		t.Errorf("attempts after two claims = %d; want 2", c[0].Attempts)
	}
	// A's late commit must now fail: the item is C's.
	err := db.Update(ctx, func(tx *store.Tx) error {
		return tx.Transition(ctx, store.Transition{ItemID: a[0].ID, From: store.Ready, To: "x", Owner: "A"})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("commit by expired owner: err = %v; want ErrConflict", err)
	}
}

func TestDeferBacksOffAndRetryResumes(t *testing.T) {
	db := mustOpen(t)
	clk := newClock()
	db.Now = clk.Now
	id := seed(t, db, "ws", 1)[0]
	ctx := t.Context()
	var got []store.Item
	update(t, db, func(tx *store.Tx) error {
		var err error
		got, err = tx.Claim(ctx, "ws", store.Ready, "A", 1, tx.Now().Add(time.Minute))
		if err != nil {
			return err
		}
		return tx.Defer(ctx, id, store.Ready, "A", got[0].Attempts, tx.Now().Add(10*time.Second), "HTTP 503")
	})
	p, err := db.PendingWork(ctx, "ws", []store.State{store.Ready}, "A")
	if err != nil {
		t.Fatal(err)
	}
	if p.Backoff != 1 || !p.NextAttempt.Equal(clk.t.Add(10*time.Second)) {
		t.Errorf("PendingWork = %+v; want 1 item backing off until +10s", p)
	}
	update(t, db, func(tx *store.Tx) error {
		got, err = tx.Claim(ctx, "ws", store.Ready, "A", 1, tx.Now().Add(time.Minute))
		return err
	})
	if len(got) != 0 {
		t.Fatal("claimed an item during its backoff")
	}
	if ok, err := db.Claimable(ctx, "ws", store.Ready); ok || err != nil {
		t.Errorf("Claimable during the backoff = %v, %v; want false", ok, err)
	}
	clk.Advance(11 * time.Second)
	if ok, err := db.Claimable(ctx, "ws", store.Ready); !ok || err != nil {
		t.Errorf("Claimable after the backoff = %v, %v; want true", ok, err)
	}
	update(t, db, func(tx *store.Tx) error {
		got, err = tx.Claim(ctx, "ws", store.Ready, "A", 1, tx.Now().Add(time.Minute))
		if err != nil {
			return err
		}
		return tx.Transition(ctx, store.Transition{ItemID: id, From: store.Ready, To: store.Failed, Owner: "A", Attempt: 2, Error: "HTTP 400"})
	})
	it, err := db.Item(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if it.State != store.Failed || it.FailedFrom != store.Ready || it.LastError != "HTTP 400" || it.LeaseOwner != "" {
		t.Errorf("item = %s from %q (%q, lease %q); want failed from ready with its reason, unleased", it.State, it.FailedFrom, it.LastError, it.LeaseOwner)
	}
	update(t, db, func(tx *store.Tx) error {
		n, err := tx.Retry(ctx, "ws", nil)
		if n != 1 {
			t.Errorf("Retry = %d; want 1", n)
		}
		return err
	})
	if it, _ := db.Item(ctx, id); it.State != store.Ready || it.Attempts != 0 {
		t.Errorf("after retry: %s, %d attempts; want ready, 0", it.State, it.Attempts)
	}
}

func TestKeywordsAreAttachedOnceAndCountedPerDay(t *testing.T) {
	db := mustOpen(t)
	ctx := t.Context()
	id := seed(t, db, "ws", 1)[0]
	it, _ := db.Item(ctx, id)
	it.PublishedAt = store.T(time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC))
	var kws []store.KeywordRow
	for _, k := range []store.Keyword{{Text: "#a", Score: 1}, {Text: "#b", Score: 1, Occurrences: 2}, {Text: "#a", Score: 1}} {
		kws = append(kws, store.KeywordRow{ItemID: it.ID, Workspace: it.Workspace, PublishedAt: it.PublishedAt, Model: "hashtags", Keyword: k})
	}
	update(t, db, func(tx *store.Tx) error { return tx.AddKeywordsMany(ctx, kws) })
	err := db.Update(ctx, func(tx *store.Tx) error { return tx.AddKeywordsMany(ctx, kws) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("attaching the same keywords again: err = %v; want ErrConflict", err)
	}
	got, err := db.Keywords(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Occurrences != 2 {
		t.Errorf("keywords = %+v; want #a and #b×2 once each", got)
	}
	top, err := db.TopKeywords(ctx, "ws", "hashtags", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 2 || top[0].Items != 1 {
		t.Errorf("TopKeywords = %+v; want two keywords on one item each", top)
	}
}

// A model's keywords for an item are stored as one JSON list; whatever the
// text and score, they read back as they were written, and a keyword that
// is not UTF-8 is stored, counted and found as the same repaired text.
func TestKeywordListsKeepTextsAndScores(t *testing.T) {
	db := mustOpen(t)
	ctx := t.Context()
	id := seed(t, db, "ws", 1)[0]
	want := []store.Keyword{
		{Text: `"quoted" \ back<slash> & 'so on'`, Score: 0.1 + 0.2, Occurrences: 1},
		{Text: "ünïcödé 日本語 \u2028 line\u2028separator", Score: 5e-324, Occurrences: 2},
		{Text: "tiny", Score: -1.7976931348623157e308, Occurrences: 1},
		{Text: "bad \xff byte", Score: math.Inf(1), Occurrences: 1},
	}
	var rows []store.KeywordRow
	for _, k := range want {
		rows = append(rows, store.KeywordRow{ItemID: id, Workspace: "ws", Model: "m", Keyword: k})
	}
	update(t, db, func(tx *store.Tx) error { return tx.AddKeywordsMany(ctx, rows) })
	want[3].Text = "bad \uFFFD byte"
	got, err := db.Keywords(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b store.Keyword) int { return cmp.Compare(a.Score, b.Score) })
	if !slices.Equal(got, want) {
		t.Errorf("keywords read back:\n%+v\nwant\n%+v", got, want)
	}
	if k, err := db.KeywordStatOf(ctx, "ws", "m", "bad \uFFFD byte"); err != nil || k.Items != 1 {
		t.Errorf("repaired keyword: %+v, %v; want on one item", k, err)
	}
	if got := matchingIDs(t, db, store.ItemFilter{Workspace: "ws", Keyword: "bad \uFFFD byte", KeywordModel: "m"}); !slices.Equal(got, []int64{id}) {
		t.Errorf("items with the repaired keyword: %v; want %d", got, id)
	}
	checkClean(t, db)

	nan := []store.KeywordRow{{ItemID: id, Workspace: "ws", Model: "other", Keyword: store.Keyword{Text: "x", Score: math.NaN()}}}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.AddKeywordsMany(ctx, nan) }); err == nil {
		t.Error("a score that is not a number was stored")
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timpani.db")
	db, err := store.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(t.Context(), func(tx *store.Tx) error { return store.RecordMigrationForTest(tx, "9999_future.sql") }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.Open(t.Context(), path, store.Options{})
	if err == nil {
		t.Fatal("opened a database migrated by a newer build")
	}
}

// A path is a path: '#', '?' and '%' in folder or file names are not URI
// syntax to SQLite, so the database lands where it was asked to.
func TestOpenTakesPathsLiterally(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run#2?x=1", "100%")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "time#pani.db")
	db, err := store.Open(t.Context(), path, store.Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ids := seed(t, db, "ws", 1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at %s: %v", path, err)
	}
	again, err := store.Open(t.Context(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Item(t.Context(), ids[0]); err != nil {
		t.Errorf("reopened %s: %v", path, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(filepath.Dir(dir)))
	if len(entries) != 1 {
		t.Errorf("the temporary folder holds %d entries; want only the folder asked for", len(entries))
	}
}

// A leg's transitions are committed together and stored as one event row,
// but read back one by one: the item's history and the edge counts show
// every step, and the error stays on the transition that failed.
func TestALegsTransitionsAreReadOneByOne(t *testing.T) {
	db := mustOpen(t)
	ctx := t.Context()
	ids := seed(t, db, "ws", 2)
	update(t, db, func(tx *store.Tx) error {
		_, err := tx.AdvanceMany(ctx, "", []store.Advance{
			{ItemID: ids[0], Attempt: 1, Path: []store.State{store.Ready, "keywords", "hashtags", "embedded", store.Completed}},
			{ItemID: ids[1], Attempt: 1, Path: []store.State{store.Ready, "keywords", store.Failed}, Error: "hashtags: bad input"},
		})
		return err
	})
	type step struct {
		from, to store.State
		err      string
	}
	history := func(id int64) []step {
		t.Helper()
		evs, err := db.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []step
		for _, e := range evs {
			out = append(out, step{e.From, e.To, e.Error})
		}
		return out
	}
	if got, want := history(ids[0]), []step{{"", store.Ready, ""}, {store.Ready, "keywords", ""},
		{"keywords", "hashtags", ""}, {"hashtags", "embedded", ""}, {"embedded", store.Completed, ""}}; !slices.Equal(got, want) {
		t.Errorf("history of the completed item:\n got %v\nwant %v", got, want)
	}
	if got, want := history(ids[1]), []step{{"", store.Ready, ""}, {store.Ready, "keywords", ""},
		{"keywords", store.Failed, "hashtags: bad input"}}; !slices.Equal(got, want) {
		t.Errorf("history of the failed item:\n got %v\nwant %v", got, want)
	}
	edges, err := db.EdgeCounts(ctx, "ws")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.EdgeCount{
		{From: "", To: store.Ready, Items: 2, Times: 2},
		{From: "embedded", To: store.Completed, Items: 1, Times: 1},
		{From: "hashtags", To: "embedded", Items: 1, Times: 1},
		{From: "keywords", To: store.Failed, Items: 1, Times: 1},
		{From: "keywords", To: "hashtags", Items: 1, Times: 1},
		{From: store.Ready, To: "keywords", Items: 2, Times: 2},
	}
	if !slices.Equal(edges, want) {
		t.Errorf("edge counts:\n got %+v\nwant %+v", edges, want)
	}
	var rows int
	if err := store.QueryRowForTest(db, `SELECT count(*) FROM item_events`, &rows); err != nil || rows != 4 {
		t.Errorf("%d event rows, %v; want 4: a creation and a leg for each item", rows, err)
	}
	checkClean(t, db)
}
