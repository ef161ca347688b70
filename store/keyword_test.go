package store_test

import (
	"cmp"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/storetest"
)

// execSQL runs statements on the database file at path through a
// connection of its own, as another program would.
func execSQL(t *testing.T, path string, queries ...string) {
	t.Helper()
	x, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, q := range queries {
		if _, err := x.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func keywordRows(ws, model, keyword string, published store.Time, ids ...int64) []store.KeywordRow {
	var rows []store.KeywordRow
	for _, id := range ids {
		rows = append(rows, store.KeywordRow{ItemID: id, Workspace: ws, Model: model, PublishedAt: published,
			Keyword: store.Keyword{Text: keyword, Score: 0.1}})
	}
	return rows
}

func addKeywords(t *testing.T, db *store.DB, rows ...[]store.KeywordRow) {
	t.Helper()
	update(t, db, func(tx *store.Tx) error { return tx.AddKeywordsMany(t.Context(), slices.Concat(rows...)) })
}

func foldKeywords(t *testing.T, db *store.DB) {
	t.Helper()
	update(t, db, func(tx *store.Tx) error { return tx.FoldKeywordCounts(t.Context()) })
}

// matchingIDs lists, in ascending order, the items of f: through the
// capped page reads, the uncapped exports, and the count.
func matchingIDs(t *testing.T, db *store.DB, f store.ItemFilter) []int64 {
	t.Helper()
	items, err := db.ListItems(t.Context(), f, store.NewestFirst, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var listed, exported []int64
	for _, it := range items {
		listed = append(listed, it.ID)
	}
	err = db.EachItem(t.Context(), f, store.NewestFirst, func(it store.Item) error {
		exported = append(exported, it.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(listed)
	slices.Sort(exported)
	if !slices.Equal(listed, exported) {
		t.Errorf("%+v: page lists %v, export %v", f, listed, exported)
	}
	n, err := db.CountItems(t.Context(), f, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if n.N != len(listed) {
		t.Errorf("%+v: counted %+v, listed %v", f, n, listed)
	}
	return listed
}

func checkClean(t *testing.T, db *store.DB) {
	t.Helper()
	problems, err := db.Check(t.Context(), "", store.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("check: %+v", problems)
	}
}

// Keyword filters find items through the keyword postings: under any model
// or one, in the workspace asked about only, and never an item whose
// posting matches but whose keyword rows do not (two keywords that share a
// token, forged here).
func TestKeywordFiltersFindItemsThroughThePostings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timpani.db")
	db := storetest.Open(t, path, store.Options{AppVersion: "test"})
	ids := seed(t, db, "ws", 6)
	other := seed(t, db, "other", 1)
	day := store.T(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	addKeywords(t, db,
		keywordRows("ws", "yake", "vaccine", day, ids[0], ids[2], ids[4]),
		keywordRows("ws", "hashtags", "vaccine", day, ids[1], ids[2]),
		keywordRows("ws", "yake", "mask", day, ids[3], ids[5]),
		keywordRows("other", "yake", "vaccine", day, other[0]))
	// Item 5 has no "vaccine" row, but its yake document says it has.
	execSQL(t, path, fmt.Sprintf(`DELETE FROM keyword_postings WHERE rowid = %d << 8 | 1`, ids[5]),
		fmt.Sprintf(`INSERT INTO keyword_postings (rowid, tokens) VALUES (%d << 8 | 1, '%s %s')`, ids[5],
			store.KeywordTokenForTest("ws", "mask"), store.KeywordTokenForTest("ws", "vaccine")))

	for _, tc := range []struct {
		f    store.ItemFilter
		want []int64
	}{
		{store.ItemFilter{Workspace: "ws", Keyword: "vaccine"}, []int64{ids[0], ids[1], ids[2], ids[4]}},
		{store.ItemFilter{Workspace: "ws", Keyword: "vaccine", KeywordModel: "hashtags"}, []int64{ids[1], ids[2]}},
		{store.ItemFilter{Workspace: "ws", Keyword: "vaccine", KeywordModel: "yake"}, []int64{ids[0], ids[2], ids[4]}},
		{store.ItemFilter{Workspace: "ws", Keyword: "mask"}, []int64{ids[3], ids[5]}},
		{store.ItemFilter{Workspace: "ws", Keyword: "mask", KeywordModel: "hashtags"}, nil},
		{store.ItemFilter{Workspace: "ws", Keyword: "vaccine", KeywordModel: "nobody"}, nil},
		{store.ItemFilter{Workspace: "other", Keyword: "vaccine"}, []int64{other[0]}},
		{store.ItemFilter{Workspace: "ws", Keyword: "Vaccine"}, nil},
	} {
		if got := matchingIDs(t, db, tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: items %v; want %v", tc.f, got, tc.want)
		}
	}
	models, err := db.KeywordModels(t.Context(), "ws")
	if err != nil || !slices.Equal(models, []string{"hashtags", "yake"}) {
		t.Errorf("keyword models %v, %v; want hashtags and yake", models, err)
	}

	// An expired item leaves the postings with its keyword rows.
	update(t, db, func(tx *store.Tx) error {
		_, err := tx.ExpireItems(t.Context(), "ws", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 1)
		return err
	})
	if got, want := matchingIDs(t, db, store.ItemFilter{Workspace: "ws", Keyword: "vaccine"}), []int64{ids[1], ids[2], ids[4]}; !slices.Equal(got, want) {
		t.Errorf("after expiry: items %v; want %v", got, want)
	}
}

// A batch's keyword counts wait in keyword_counts_pending until a fold
// (at the end of a workflow run, before trends, or once there are
// enough of them) adds them to the totals the keywords page reads. Reads
// of one keyword, the top keywords and the growth count them at once.
func TestKeywordCountsFoldIntoTheTotals(t *testing.T) {
	defer store.SetKeywordFoldRowsForTest(1000)()
	db := mustOpen(t)
	ctx := t.Context()
	ids := seed(t, db, "ws", 7)
	day := store.T(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	addKeywords(t, db, keywordRows("ws", "yake", "alpha", day, ids[0], ids[1], ids[2]),
		keywordRows("ws", "yake", "delta", day, ids[0]), keywordRows("ws", "yake", "beta", store.Time{}, ids[3]))

	listed := func() map[string]int {
		t.Helper()
		ks, err := db.ListKeywords(ctx, store.KeywordFilter{Workspace: "ws"}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, k := range ks {
			out[k.Keyword] = k.Items
		}
		return out
	}
	one := func(keyword string, wantItems int, wantDays map[string]int) {
		t.Helper()
		k, err := db.KeywordStatOf(ctx, "ws", "yake", keyword)
		if err != nil || k.Items != wantItems {
			t.Errorf("%s: %+v, %v; want %d items", keyword, k, err, wantItems)
		}
		days, err := db.KeywordDays(ctx, "ws", "yake", keyword)
		if err != nil || !maps.Equal(days, wantDays) {
			t.Errorf("%s: days %v, %v; want %v", keyword, days, err, wantDays)
		}
	}
	one("alpha", 3, map[string]int{"2024-03-01": 3})
	one("beta", 1, map[string]int{})
	one("delta", 1, map[string]int{"2024-03-01": 1})
	top, err := db.TopKeywords(ctx, "ws", "", 10)
	if err != nil || len(top) != 3 || top[0].Keyword != "alpha" || top[0].Items != 3 || top[1].Keyword != "beta" ||
		top[1].Items != 1 {
		t.Errorf("top keywords before a fold: %+v, %v; want alpha 3, beta 1, delta 1", top, err)
	}
	growth, err := db.KeywordGrowth(ctx, "ws", "yake", store.Window{AsOf: day.Time, RecentDays: 1, BaselineDays: 7})
	if err != nil || len(growth) != 2 || growth[0].Keyword != "alpha" || growth[0].Recent != 3 {
		t.Errorf("growth before a fold: %+v, %v; want alpha recent 3, delta recent 1", growth, err)
	}
	checkClean(t, db)

	foldKeywords(t, db)
	if got, want := listed(), map[string]int{"alpha": 3, "beta": 1, "delta": 1}; !maps.Equal(got, want) {
		t.Errorf("after a fold: listed %v; want %v", got, want)
	}
	checkClean(t, db)

	// Expiry takes the item's counts away: at once for reads of one
	// keyword, from the page at the next fold; a day that empties goes.
	update(t, db, func(tx *store.Tx) error {
		_, err := tx.ExpireItems(ctx, "ws", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 1)
		return err
	})
	one("alpha", 2, map[string]int{"2024-03-01": 2})
	one("delta", 0, map[string]int{})
	checkClean(t, db)
	foldKeywords(t, db)
	if got, want := listed(), map[string]int{"alpha": 2, "beta": 1}; !maps.Equal(got, want) {
		t.Errorf("after expiry: listed %v; want %v", got, want)
	}
	checkClean(t, db)

	// Enough pending counts fold by themselves.
	store.SetKeywordFoldRowsForTest(2)
	addKeywords(t, db, keywordRows("ws", "yake", "gamma", day, ids[4], ids[5]),
		keywordRows("ws", "yake", "gamma", store.T(day.Add(24*time.Hour)), ids[6]))
	if got, want := listed(), map[string]int{"alpha": 2, "beta": 1, "gamma": 3}; !maps.Equal(got, want) {
		t.Errorf("after enough counts: listed %v; want %v", got, want)
	}
	one("gamma", 3, map[string]int{"2024-03-01": 2, "2024-03-02": 1})
	checkClean(t, db)
}

// Readers find a keyword in a list by the text its entry starts with,
// which must be what SQLite's json_quote writes: migration 0009 wrote the
// lists of older builds with json_array.
func TestKeywordEntriesAreQuotedAsSQLiteQuotes(t *testing.T) {
	db := mustOpen(t)
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []rune("ab \"\\/\b\t\n\f\r\x00\x01\x1f\x7f<>&'é日\u2028\U0001F600")
	cases := []string{"", "plain", `say "hi"`, "tab\tand\nnewline", "\x00"}
	for range 500 {
		r := make([]rune, rng.IntN(12))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(r))
	}
	for _, k := range cases {
		var want string
		if err := store.QueryArgsRowForTest(db, `SELECT '[' || json_quote(?) || ','`, []any{k}, &want); err != nil {
			t.Fatal(err)
		}
		if got := store.KeywordStartForTest(k); got != want {
			t.Errorf("keyword %q starts its entry as %q; SQLite quotes it %q", k, got, want)
		}
	}
}

// Go reads a stored list as SQLite's JSON functions read it, whatever the
// keywords hold; anything but a list fails with an error.
func TestKeywordListsDecodeAsSQLiteReadsThem(t *testing.T) {
	db := mustOpen(t)
	ctx := t.Context()
	ids := seed(t, db, "ws", 50)
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := []rune("ab ,[]\"\\/\b\t\n\x01\x1f<>&é日\u2028\U0001F600")
	var rows []store.KeywordRow
	for _, id := range ids {
		for range rng.IntN(12) + 1 {
			r := make([]rune, rng.IntN(10))
			for i := range r {
				r[i] = alphabet[rng.IntN(len(alphabet))]
			}
			score := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
			rows = append(rows, store.KeywordRow{ItemID: id, Workspace: "ws", Model: "m",
				Keyword: store.Keyword{Text: string(r), Score: score, Occurrences: rng.IntN(5) + 1}})
		}
	}
	addKeywords(t, db, rows)
	for _, id := range ids {
		var list string
		if err := store.QueryArgsRowForTest(db, `SELECT keywords FROM item_keywords WHERE item_id = ?`, []any{id}, &list); err != nil {
			t.Fatal(err)
		}
		got, err := store.DecodeKeywordListForTest(list)
		if err != nil {
			t.Fatal(err)
		}
		want, err := db.Keywords(ctx, id) // through the keywords view, by score
		if err != nil {
			t.Fatal(err)
		}
		slices.SortStableFunc(got, func(a, b store.Keyword) int {
			return cmp.Or(cmp.Compare(a.Score, b.Score), strings.Compare(a.Text, b.Text))
		})
		if !slices.Equal(got, want) {
			t.Errorf("item %d: Go reads %+v; SQLite reads %+v", id, got, want)
		}
	}
	for _, list := range []string{"", "[", "[]x", `[["a",1]]`, `[["a",1,2]`, `[["a,1,2]]`, `[["a",x,2]]`, `[["a",1,2],]`, `{"a":1}`} {
		if kws, err := store.DecodeKeywordListForTest(list); err == nil && list != "[]" {
			t.Errorf("%q decoded as %+v; want an error", list, kws)
		}
	}
}

// FuzzDecodeKeywordList: any text decodes to keywords or fails with an
// error, never a panic.
func FuzzDecodeKeywordList(f *testing.F) {
	for _, s := range []string{`[]`, `[["a",0.5,1]]`, `[["a\"b",1e-300,2],["",9e999,1]]`, `[["\u00e9",1,1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		store.DecodeKeywordListForTest(list)
	})
}

// undoKeywordLists turns item_keywords back into one keywords row per
// keyword, the schema before migration 0009.
var undoKeywordLists = []string{
	`DROP VIEW keywords`,
	`CREATE TABLE keywords (
		item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
		model        TEXT NOT NULL,
		keyword      TEXT NOT NULL,
		workspace    TEXT NOT NULL,
		score        REAL NOT NULL,
		occurrences  INTEGER NOT NULL DEFAULT 1,
		published_at TEXT,
		created_at   TEXT NOT NULL,
		PRIMARY KEY (item_id, model, keyword)
	) STRICT, WITHOUT ROWID`,
	`INSERT INTO keywords SELECT k.item_id, k.model, json_extract(j.value, '$[0]'), k.workspace,
		json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), k.published_at, k.created_at
		FROM item_keywords k, json_each(k.keywords) j`,
	`DROP TABLE item_keywords`,
	`DELETE FROM schema_migrations WHERE name = '0009_keyword_lists.sql'`,
}

// Keyword rows stored before migration 0009 become one list per item and
// model: every reader sees the same keywords, scores and counts.
func TestKeywordMigrationListsExistingKeywords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timpani.db")
	db := storetest.Open(t, path, store.Options{AppVersion: "test"})
	ids := seed(t, db, "ws", 3)
	day := store.T(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	rows := slices.Concat(keywordRows("ws", "yake", "common", day, ids...),
		keywordRows("ws", "hashtags", "#tag", day, ids[0]), keywordRows("ws", "yake", "say \"rare\"\t<now>", day, ids[2]))
	rows[0].Score, rows[0].Occurrences = 0.1+0.2, 3 // a score that 15 digits do not hold
	addKeywords(t, db, rows)
	before := make([][]store.Keyword, len(ids))
	for i, id := range ids {
		var err error
		if before[i], err = db.Keywords(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	execSQL(t, path, undoKeywordLists...)

	db, err := store.Open(t.Context(), path, store.Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, id := range ids {
		got, err := db.Keywords(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, before[i]) {
			t.Errorf("item %d: keywords %+v after the migration; want %+v", id, got, before[i])
		}
	}
	if got := matchingIDs(t, db, store.ItemFilter{Workspace: "ws", Keyword: "say \"rare\"\t<now>"}); !slices.Equal(got, []int64{ids[2]}) {
		t.Errorf("say \"rare\": %v; want item %d", got, ids[2])
	}
	var lists int
	if err := store.QueryRowForTest(db, `SELECT count(*) FROM item_keywords`, &lists); err != nil || lists != 4 {
		t.Errorf("%d keyword lists, %v; want 4 (three items by yake, one by hashtags)", lists, err)
	}
	checkClean(t, db)
}

// Keywords stored before migration 0007 are filed in the postings by the
// migration's Go step, and their counts stay what they were.
func TestKeywordMigrationFilesExistingKeywords(t *testing.T) {
	defer store.SetKeywordBackfillRowsForTest(7)() // batches end inside items with two rows
	path := filepath.Join(t.TempDir(), "timpani.db")
	db := storetest.Open(t, path, store.Options{AppVersion: "test"})
	ids := seed(t, db, "ws", 70)
	day := store.T(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	addKeywords(t, db, keywordRows("ws", "yake", "common", day, ids...),
		keywordRows("ws", "hashtags", "#rare", day, ids[69]), keywordRows("ws", "yake", "rare", day, ids[3]))
	foldKeywords(t, db)
	db.Close()
	// Undo 0009 and 0007, as if the keywords had been written by an older
	// build.
	execSQL(t, path, undoKeywordLists...)
	execSQL(t, path,
		`DROP TABLE keyword_postings`,
		`DROP TABLE keyword_models`,
		`DROP TABLE keyword_counts_pending`,
		`CREATE INDEX keywords_lookup ON keywords (workspace, model, keyword)`,
		`CREATE TRIGGER keyword_totals_delete AFTER DELETE ON keywords BEGIN
			UPDATE keyword_totals SET items = items - 1
			WHERE workspace = OLD.workspace AND model = OLD.model AND keyword = OLD.keyword;
		END`,
		`DELETE FROM schema_migrations WHERE name = '0007_keyword_postings.sql'`)
	db, err := store.Open(t.Context(), path, store.Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := matchingIDs(t, db, store.ItemFilter{Workspace: "ws", Keyword: "rare"}); !slices.Equal(got, []int64{ids[3]}) {
		t.Errorf("rare: %v; want item %d", got, ids[3])
	}
	if got := matchingIDs(t, db, store.ItemFilter{Workspace: "ws", Keyword: "#rare", KeywordModel: "hashtags"}); !slices.Equal(got, []int64{ids[69]}) {
		t.Errorf("#rare: %v; want item %d", got, ids[69])
	}
	if got := matchingIDs(t, db, store.ItemFilter{Workspace: "ws", Keyword: "common"}); !slices.Equal(got, ids) {
		t.Errorf("common: %d items; want all %d", len(got), len(ids))
	}
	k, err := db.KeywordStatOf(t.Context(), "ws", "yake", "common")
	if err != nil || k.Items != 70 {
		t.Errorf("common: %+v, %v; want 70 items", k, err)
	}
	checkClean(t, db)
}
