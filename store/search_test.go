package store

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func searchTestDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "timpani.db")
	db, err := Open(t.Context(), path, Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func searchUpdate(t *testing.T, db *DB, fn func(*Tx) error) {
	t.Helper()
	if err := db.Update(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// searchItems inserts one item per text, named by its key, the first with
// InsertItem and the rest with InsertItems, and returns their ids by name.
func searchItems(t *testing.T, db *DB, texts map[string]string) map[string]int64 {
	t.Helper()
	ctx := t.Context()
	ids := map[string]int64{}
	searchUpdate(t, db, func(tx *Tx) error {
		run := &Run{Kind: RunFetch, Workspace: "ws", Source: "src", Query: "q", DateID: 20240301}
		if err := tx.StartRun(ctx, run); err != nil {
			return err
		}
		var items []*Item
		for _, name := range slices.Sorted(maps.Keys(texts)) {
			items = append(items, &Item{Workspace: "ws", Source: "src", Query: "q", DateID: 20240301, RunID: run.ID,
				RawID: name, RawText: texts[name], Workflow: "w", State: Ready})
		}
		if len(items) == 0 {
			return nil
		}
		if ok, err := tx.InsertItem(ctx, items[0]); err != nil || !ok {
			return errors.Join(err, errors.New("first item not inserted"))
		}
		if _, err := tx.InsertItems(ctx, items[1:]); err != nil {
			return err
		}
		for _, it := range items {
			ids[it.RawID] = it.ID
		}
		return nil
	})
	return ids
}

// searchNames runs the search user would type and returns the names of
// the items it finds, sorted.
func searchNames(t *testing.T, db *DB, ids map[string]int64, user string) []string {
	t.Helper()
	q, err := SearchQuery(user)
	if err != nil {
		t.Fatalf("SearchQuery(%q): %v", user, err)
	}
	var rowids []int64
	if err := db.x.SelectContext(t.Context(), &rowids, `SELECT rowid FROM item_search WHERE item_search MATCH ? ORDER BY rowid`, q); err != nil {
		t.Fatalf("search %q as %s: %v", user, q, err)
	}
	names := []string{}
	for _, id := range rowids {
		name := "?"
		for n, i := range ids {
			if i == id {
				name = n
			}
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

var searchTexts = map[string]string{
	"en1":  "Climate change is real, say scientists.",
	"en2":  "The climatologist spoke about the weather",
	"en3":  "Change of plans: we meet at the café at 9.",
	"zh":   "我们今天讨论中国的经济发展问题。",
	"zh2":  "国中有人",
	"ja":   "昨日、東京で美味しいラーメンを食べました",
	"th":   "ฉันชอบกินข้าวผัดมาก",
	"ko":   "한국어 문장입니다",
	"hi":   "किसान आंदोलन जारी है",
	"mix":  "iPhone中国版 e-mail",
	"deco": "nai\u0308ve", // naïve with a combining diaeresis
}

func TestSearchFindsWordsInEveryScript(t *testing.T) {
	db, _ := searchTestDB(t)
	ids := searchItems(t, db, searchTexts)
	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"climate", []string{"en1"}},
		{"Climate", []string{"en1"}},
		{"clim*", []string{"en1", "en2"}},
		{`"climate change"`, []string{"en1"}},
		{`"change climate"`, []string{}},
		{"climate OR plans", []string{"en1", "en3"}},
		{"climate plans", []string{}},
		{"change NOT climate", []string{"en3"}},
		{"cafe", []string{"en3"}},
		{"CAFÉ", []string{"en3"}},
		{"naive", []string{"deco"}},
		{"naïve", []string{"deco"}},
		{"中国", []string{"mix", "zh"}},
		{"经济发展", []string{"zh"}},
		{"国中", []string{"zh2"}},
		{"中国 iphone", []string{"mix"}},
		{"iPhone中国", []string{"mix"}},
		{"e-mail", []string{"mix"}},
		{"東京", []string{"ja"}},
		{"ラーメン", []string{"ja"}},
		{"食べ", []string{"ja"}},
		{"美味しい", []string{"ja"}},
		{"ข้าวผัด", []string{"th"}},
		{"กิน", []string{"th"}},
		{"กัน", []string{}}, // Thai vowel marks are part of the word, not separators
		{"किसान", []string{"hi"}},
		{"कसन", []string{}}, // nor are Devanagari vowel signs
		{"한국어", []string{"ko"}},
		{"9", []string{"en3"}},
	} {
		if got := searchNames(t, db, ids, tc.search); !slices.Equal(got, tc.want) {
			t.Errorf("search %q found %v; want %v", tc.search, got, tc.want)
		}
	}
}

// hostileSearches are what users type that is FTS5 syntax, or nearly.
var hostileSearches = []string{
	`"`, `""`, `"""`, `(`, `)`, `-`, `:`, `*`, `**`, `NEAR(`, `NEAR(climate change)`, `NEAR/2`,
	`body:climate`, `{body}: climate`, `climate)`, `(climate`, `a"b"c`, `^climate`, `climate -change`,
	`"unbalanced climate`, `climate"`, `“smart quotes”`, `climate AND`, `OR climate`, `NOT climate`,
	`AND OR NOT`, `climate OR OR change`, `climate NOT NOT change`, "\x00", "clim\x00ate", `+`, `'`,
	`climate'; DROP TABLE items; --`, `*climate`, `cli*mate`, `"climate"*`, `"中国"*`, `中*`, "\xff\xfe",
	`ी`, "e\u0301", `😀`, `#tag`, `@user`, `https://example.com/a?b=c`,
}

func TestHostileSearchesNeverFailInSQLite(t *testing.T) {
	db, _ := searchTestDB(t)
	searchItems(t, db, searchTexts)
	for _, s := range hostileSearches {
		q, err := SearchQuery(s)
		if err != nil {
			if !errors.Is(err, ErrEmptySearch) {
				t.Errorf("SearchQuery(%q): %v; want ErrEmptySearch or none", s, err)
			}
			continue
		}
		var n int
		if err := db.x.GetContext(t.Context(), &n, `SELECT count(*) FROM item_search WHERE item_search MATCH ?`, q); err != nil {
			t.Errorf("search %q as %s: %v", s, q, err)
		}
	}
}

func FuzzSearchQuery(f *testing.F) {
	for _, s := range hostileSearches {
		f.Add(s)
	}
	path := filepath.Join(f.TempDir(), "timpani.db")
	db, err := Open(f.Context(), path, Options{AppVersion: "test"})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := SearchQuery(s)
		if err != nil {
			if !errors.Is(err, ErrEmptySearch) {
				t.Fatalf("SearchQuery(%q): %v", s, err)
			}
			return
		}
		var n int
		if err := db.x.GetContext(t.Context(), &n, `SELECT count(*) FROM item_search WHERE item_search MATCH ?`, q); err != nil {
			t.Fatalf("search %q as %s: %v", s, q, err)
		}
		Snippet(s, s, 10) // never panics
	})
}

func TestSearchQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"climate", `"climate"`},
		{"  climate   change ", `"climate" "change"`},
		{"clim*", `"clim" *`},
		{`"climate change"`, `"climate change"`},
		{`"climate chan"*`, `"climate chan" *`},
		{"climate OR weather", `"climate" OR "weather"`},
		{"climate AND weather", `"climate" AND "weather"`},
		{"climate NOT weather", `"climate" NOT "weather"`},
		{"climate or weather", `"climate" "or" "weather"`},
		{"NOT climate", `"climate"`},
		{"climate OR", `"climate"`},
		{"climate OR NOT weather", `"climate" OR "weather"`},
		{"e-mail", `"e-mail"`},
		{"body:x", `"body:x"`},
		{"NEAR(a b)", `"NEAR(a" "b)"`},
		{"climate - change", `"climate" "change"`},
		{`"unbalanced climate`, `"unbalanced climate"`},
		{`say "hi there" now`, `"say" "hi there" "now"`},
		{"“smart quotes”", `"smart quotes"`},
		{"中国", `"中 国"`},
		{"中国*", `"中 国" *`},
		{"iPhone中国版", `"iPhone 中 国 版"`},
		{"ข้าว", `"ข้ า ว"`},
		{"한국어", `"한국어"`},
	} {
		got, err := SearchQuery(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("SearchQuery(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "   ", "OR", "NOT", "AND OR NOT", `""`, `"`, "*", "- : (", `" "`} {
		if got, err := SearchQuery(in); !errors.Is(err, ErrEmptySearch) {
			t.Errorf("SearchQuery(%q) = %s, %v; want ErrEmptySearch", in, got, err)
		}
	}
}

func TestSearchBody(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain English, unchanged", "plain English, unchanged"},
		{"中国", "中 国"},
		{"a 中国", "a 中 国"},
		{"Å中", "Å 中"},
		{"我们讨论中国。", "我 们 讨 论 中 国 。"},
		{"iPhone中国版 ok", "iPhone 中 国 版 ok"},
		{"東京でラーメン", "東 京 で ラ ー メ ン"},
		{"ข้าวผัด", "ข้ า ว ผั ด"}, // the marks stay with their letters
		{"한국어 문장", "한국어 문장"},
		{"", ""},
	} {
		if got := searchBody(tc.in); got != tc.want {
			t.Errorf("searchBody(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestSearchFollowsReplaceAndDelete(t *testing.T) {
	db, _ := searchTestDB(t)
	ctx := t.Context()
	ids := searchItems(t, db, map[string]string{"a": "old words about tea", "b": "other words"})
	searchUpdate(t, db, func(tx *Tx) error {
		it := &Item{Workspace: "ws", Source: "src", Query: "q", DateID: 20240301, RawID: "a",
			RawText: "new text about coffee", RawCreatedAt: T(time.Now()), Workflow: "w", State: Ready}
		var run int64
		if err := tx.tx.GetContext(ctx, &run, `SELECT run_id FROM items WHERE id = ?`, ids["a"]); err != nil {
			return err
		}
		it.RunID = run
		ok, err := tx.ReplaceItem(ctx, it)
		if err == nil && !ok {
			err = errors.New("item a not replaced")
		}
		return err
	})
	for search, want := range map[string][]string{
		"tea": {}, "old": {}, "coffee": {"a"}, "new": {"a"}, "words": {"b"}, "about": {"a"},
	} {
		if got := searchNames(t, db, ids, search); !slices.Equal(got, want) {
			t.Errorf("after replace, search %q found %v; want %v", search, got, want)
		}
	}
	searchUpdate(t, db, func(tx *Tx) error {
		_, err := tx.ExpireItems(ctx, "ws", time.Now().Add(time.Hour), 100)
		return err
	})
	for _, search := range []string{"coffee", "words", "about"} {
		if got := searchNames(t, db, ids, search); len(got) != 0 {
			t.Errorf("after expiry, search %q found %v; want nothing", search, got)
		}
	}
}

// A database that had items before migration 0003 gets them indexed by the
// migration's Go step.
func TestSearchMigrationIndexesExistingItems(t *testing.T) {
	db, path := searchTestDB(t)
	ctx := t.Context()
	texts := map[string]string{"zh": "讨论中国的经济", "en": "climate change"}
	for i := range 2500 { // more than a batch
		texts[fmt.Sprintf("n%04d", i)] = fmt.Sprintf("filler number %d", i)
	}
	ids := searchItems(t, db, texts)
	// Undo 0003, as if the items had been written by an older build.
	for _, q := range []string{
		`DROP TRIGGER item_search_delete`,
		`DROP TABLE item_search`,
		`DELETE FROM schema_migrations WHERE name = '0003_search.sql'`,
	} {
		if _, err := db.x.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err := Open(ctx, path, Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for search, want := range map[string][]string{"中国": {"zh"}, "climate": {"en"}, "1234": {"n1234"}, "2499": {"n2499"}} {
		if got := searchNames(t, db, ids, search); !slices.Equal(got, want) {
			t.Errorf("after migration, search %q found %v; want %v", search, got, want)
		}
	}
	var n int
	q, _ := SearchQuery("filler")
	if err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM item_search WHERE item_search MATCH ?`, q); err != nil || n != 2500 {
		t.Errorf("filler items indexed = %d, %v; want 2500", n, err)
	}
	// Run directly on an emptied index, the Go step restores it.
	if _, err := db.x.ExecContext(ctx, `INSERT INTO item_search (item_search) VALUES ('delete-all')`); err != nil {
		t.Fatal(err)
	}
	if got := searchNames(t, db, ids, "climate"); len(got) != 0 {
		t.Fatalf("emptied index still finds %v", got)
	}
	searchUpdate(t, db, func(tx *Tx) error { return backfillSearch(ctx, tx) })
	if got := searchNames(t, db, ids, "climate"); !slices.Equal(got, []string{"en"}) {
		t.Errorf("after backfill, search climate found %v; want [en]", got)
	}
}

// marked renders fragments with the matches in [brackets].
func marked(fs []Fragment) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Match {
			b.WriteString("[" + f.Text + "]")
		} else {
			b.WriteString(f.Text)
		}
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct{ text, query, want string }{
		{"Climate change is real", "climate", "[Climate] change is real"},
		{"Climate change is real", "CHANGE climate", "[Climate] [change] is real"},
		{"The climatologist on climate", "clim*", "The [climatologist] on [climate]"},
		{"climate: change, and climate change", `"climate change"`, "[climate: change], and [climate change]"},
		{"no climate here", "nothing", "no climate here"},
		{"a climate b", "weather NOT climate", "a climate b"},
		{"the cafe and the CAFÉ", "café", "the [cafe] and the [CAFÉ]"},
		{"naïve and nai\u0308ve", "naive", "[naïve] and [nai\u0308ve]"},
		{"climates", "climate", "climates"},
		{"我们讨论中国的经济", "中国", "我们讨论[中国]的经济"},
		{"中国中国人", "中国", "[中国中国]人"},
		{"東京でラーメンを食べました", "ラーメン 食べ", "東京で[ラーメン]を[食べ]ました"},
		{"ฉันชอบกินข้าวผัดมาก", "ข้าวผัด", "ฉันชอบกิน[ข้าวผัด]มาก"},
		{"ฉันชอบกินข้าวผัดมาก", "กิน", "ฉันชอบ[กิน]ข้าวผัดมาก"},
		{"iPhone中国版", "iphone", "[iPhone]中国版"},
		{"", "x", ""},
		{"text", "", "text"},
		{"text", `"`, "text"},
	} {
		got := Highlight(tc.text, tc.query)
		if m := marked(got); m != tc.want {
			t.Errorf("Highlight(%q, %q) = %s; want %s", tc.text, tc.query, m, tc.want)
		}
		var whole strings.Builder
		for _, f := range got {
			whole.WriteString(f.Text)
		}
		if whole.String() != tc.text {
			t.Errorf("Highlight(%q, %q) fragments join to %q", tc.text, tc.query, whole.String())
		}
	}
}

func TestSnippet(t *testing.T) {
	long := "Scientists met on Monday in the capital. They said that climate change is accelerating and that " +
		"governments must act before the end of the decade, or the costs will be far higher."
	zh := strings.Repeat("天", 30) + "中国" + strings.Repeat("地", 30)
	for _, tc := range []struct {
		text, query string
		max         int
		want        string
	}{
		{"short text about climate", "climate", 100, "short text about [climate]"},
		{long, "climate", 40, "…They said that [climate] change is…"},
		{long, "nothing", 30, "Scientists met on Monday in…"},
		{long, "scientists", 30, "[Scientists] met on Monday in…"},
		{long, "higher", 30, "…the costs will be far [higher]."},
		{zh, "中国", 10, "…天天天天[中国]地地地地…"},
		{strings.Repeat("é", 50), "x", 10, strings.Repeat("é", 10) + "…"},
		{"漢字" + strings.Repeat("あ", 20), "", 5, "漢字あああ…"},
		{long, "climate", 0, marked(Highlight(long, "climate"))},
	} {
		got := Snippet(tc.text, tc.query, tc.max)
		if m := marked(got); m != tc.want {
			t.Errorf("Snippet(%.20q…, %q, %d) = %s; want %s", tc.text, tc.query, tc.max, m, tc.want)
		}
		for _, f := range got {
			if !utf8.ValidString(f.Text) {
				t.Errorf("Snippet(%.20q…, %q, %d) split a character: %q", tc.text, tc.query, tc.max, f.Text)
			}
		}
	}
}
