package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/timpani-dev/timpani/store"
)

// TestSharedDatasetsThroughTheMeedanWorkflow imports both shared datasets
// with the jsonl source and runs them through the built-in meedan workflow
// with the real binary: every post becomes an item, and every item ends
// completed with its language, keywords and vector.
func TestSharedDatasetsThroughTheMeedanWorkflow(t *testing.T) {
	t.Parallel() // real processes in their own folder
	shared, err := filepath.Abs("../../../shared/datasets")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shared, "telegram_ru_news.jsonl.gz")); err != nil {
		t.Skipf("shared datasets not beside the checkout: %v", err)
	}
	if testing.Short() {
		t.Skip("imports 78,910 posts")
	}
	dir := t.TempDir()
	csvPath := writeCSVFromJSONL(t, filepath.Join(shared, "telegram_ru_news.jsonl.gz"), filepath.Join(dir, "telegram.csv"))
	config := `
[workspaces.research]
workflow = "meedan"
[workspaces.research.sources.telegram]
kind = "jsonl"
queries = { ru_news = "` + filepath.Join(shared, "telegram_ru_news.jsonl.gz") + `" }
options = { time_field = "ts", author_field = "author" }
[workspaces.research.sources.covid]
kind = "jsonl"
queries = { replies = "` + filepath.Join(shared, "covid_rumor_replies.jsonl.gz") + `" }
options = { id_from = "line", time_field = "ts" }
[workspaces.research.sources.telegram_csv]
kind = "csv"
queries = { ru_news = "` + csvPath + `" }
options = { time_column = "ts", author_column = "author" }
`
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRunIn(t, dir, "fetch", "--date", "20241231")
	mustRunIn(t, dir, "run")
	db := openData(t, dir)
	runs, err := db.Runs(t.Context(), store.RunFilter{Kind: store.RunFetch})
	if err != nil {
		t.Fatal(err)
	}
	records := map[string]int{}
	for _, r := range runs {
		records[r.Source] += r.Records
	}
	// The counts the datasets' README states.
	if records["telegram"] != 22099 || records["covid"] != 34712 || records["telegram_csv"] != 22099 {
		t.Errorf("archived records = %v; want telegram 22099 (as JSON Lines and as CSV), covid 34712", records)
	}
	items, _, states := count(t, db, "research")
	if states[store.Completed] != items || items < 78000 {
		t.Errorf("states = %v of %d items; want every item completed", states, items)
	}
	top, err := db.TopKeywords(t.Context(), "research", "yake", 5)
	if err != nil || len(top) < 5 {
		t.Errorf("top YAKE keywords = %v, %v", top, err)
	}
	t.Logf("%d items; top keywords %v", items, top)
}

// writeCSVFromJSONL writes a dataset's rows as CSV (id, author, ts, text):
// texts with commas, quotes and newlines make it a real test of the parser.
func writeCSVFromJSONL(tb testing.TB, src, dst string) string {
	tb.Helper()
	f, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	w := csv.NewWriter(out)
	w.Write([]string{"id", "author", "ts", "text"})
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r struct{ ID, Author, TS, Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		w.Write([]string{r.ID, r.Author, r.TS, r.Text})
	}
	w.Flush()
	if err := errors.Join(sc.Err(), w.Error()); err != nil {
		tb.Fatal(err)
	}
	return dst
}
