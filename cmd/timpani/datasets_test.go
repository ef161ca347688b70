package main

import (
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
	shared, err := filepath.Abs("../../../shared/datasets")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shared, "telegram_ru_news.jsonl.gz")); err != nil {
		t.Skipf("shared datasets not beside the checkout: %v", err)
	}
	if testing.Short() {
		t.Skip("imports 56,811 posts")
	}
	dir := t.TempDir()
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
	if records["telegram"] != 22099 || records["covid"] != 34712 {
		t.Errorf("archived records = %v; want telegram 22099, covid 34712", records)
	}
	items, _, states := count(t, db, "research")
	if states[store.Completed] != items || items < 56000 {
		t.Errorf("states = %v of %d items; want every item completed", states, items)
	}
	top, err := db.TopKeywords(t.Context(), "research", "yake", 5)
	if err != nil || len(top) < 5 {
		t.Errorf("top YAKE keywords = %v, %v", top, err)
	}
	t.Logf("%d items; top keywords %v", items, top)
}
