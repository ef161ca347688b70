package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

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
		t.Skip("archives 78,910 posts")
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
	// Everything is archived and ingested; the workflow then runs on the
	// first records of each source (all of them with TIMPANI_FULL_DATASETS=1,
	// about five minutes on two cores), which keeps CI within its budget.
	full := filepath.Join(dir, "full")
	sample := filepath.Join(dir, "sample")
	for _, d := range []string{full, sample} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "timpani.toml"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRunIn(t, full, "fetch", "--date", "20241231", "--ingest")
	db := openData(t, full)
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
	if items, _, states := count(t, db, "research"); states[store.Ready] != items || items < 78000 {
		t.Errorf("states = %v of %d items; want every record ingested and ready", states, items)
	}

	limit := "3000"
	if os.Getenv("TIMPANI_FULL_DATASETS") != "" {
		limit = "0"
	}
	mustRunIn(t, sample, "fetch", "--date", "20241231", "--limit", limit)
	mustRunIn(t, sample, "run")
	db = openData(t, sample)
	items, _, states := count(t, db, "research")
	if states[store.Completed] != items || items < 9000 {
		t.Errorf("states = %v of %d items; want every item completed", states, items)
	}
	top, err := db.ListKeywords(t.Context(), store.KeywordFilter{Workspace: "research", Model: "yake"}, 5, 0)
	if err != nil || len(top) < 5 {
		t.Errorf("top YAKE keywords = %v, %v", top, err)
	}
	t.Logf("%d items through meedan; top keywords %v", items, top)
}

// fetchAndRun writes config into dir, fetches the datasets' day and runs
// the binary until idle, and opens the result.
func fetchAndRun(t *testing.T, dir, config string) *store.DB {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRunIn(t, dir, "fetch", "--date", "20241231")
	mustRunIn(t, dir, "run")
	return openData(t, dir)
}

// eachLine calls fn with each line of a gzipped JSON Lines file.
func eachLine(tb testing.TB, path string, fn func(line []byte)) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
}

// writeCSVFromJSONL writes a dataset's rows as CSV (id, author, ts, text):
// texts with commas, quotes and newlines make it a real test of the parser.
func writeCSVFromJSONL(tb testing.TB, src, dst string) string {
	tb.Helper()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	w := csv.NewWriter(out)
	w.Write([]string{"id", "author", "ts", "text"})
	eachLine(tb, src, func(line []byte) {
		var r struct{ ID, Author, TS, Text string }
		if err := json.Unmarshal(line, &r); err != nil {
			tb.Fatal(err)
		}
		w.Write([]string{r.ID, r.Author, r.TS, r.Text})
	})
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	return dst
}

type telegramPost struct{ ID, Author, Text string }

func readTelegram(tb testing.TB, path string) []telegramPost {
	tb.Helper()
	var out []telegramPost
	eachLine(tb, path, func(line []byte) {
		var p telegramPost
		if err := json.Unmarshal(line, &p); err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	})
	return out
}

// TestTelegramRepostsClusterTogether runs the Telegram news dataset through
// the default workflow (embed, cluster) with the real binary: each of the
// dataset's 629 exact-duplicate groups must land in one cluster, and it
// reports how many cross-channel reposts (posts of different channels
// sharing their first 60 characters) cluster together.
func TestTelegramRepostsClusterTogether(t *testing.T) {
	t.Parallel()
	path, err := filepath.Abs("../../../shared/datasets/telegram_ru_news.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared datasets not beside the checkout: %v", err)
	}
	if testing.Short() {
		t.Skip("clusters 22,099 posts")
	}
	dir := t.TempDir()
	config := `
[workspaces.news]
workflow = "default"
[workspaces.news.sources.telegram]
kind = "jsonl"
queries = { ru_news = "` + path + `" }
options = { time_field = "ts", author_field = "author" }
`
	db := fetchAndRun(t, dir, config)
	clusterOf, err := db.ItemClusters(t.Context(), "news")
	if err != nil {
		t.Fatal(err)
	}
	posts := readTelegram(t, path)

	// The README's exact duplicates are texts equal in their letters and
	// digits: they may differ in spaces, punctuation and emoji.
	byText := map[string][]telegramPost{}
	for _, p := range posts {
		if key := wordChars(p.Text); key != "" {
			byText[key] = append(byText[key], p)
		}
	}
	groups, split := 0, 0
	for _, ps := range byText {
		if len(ps) < 2 {
			continue
		}
		groups++
		cs := map[int64]bool{}
		for _, p := range ps {
			c, ok := clusterOf[p.ID]
			if !ok {
				t.Errorf("post %s is not clustered", p.ID)
			}
			cs[c] = true
		}
		if len(cs) != 1 {
			split++
		}
	}
	if groups != 629 || split != 0 {
		t.Errorf("%d exact-duplicate groups, %d split across clusters; want 629, 0", groups, split)
	}

	// Cross-channel reposts: same first 60 characters, different channels.
	byPrefix := map[string][]telegramPost{}
	for _, p := range posts {
		r := []rune(p.Text)
		key := string(r[:min(60, len(r))])
		byPrefix[key] = append(byPrefix[key], p)
	}
	var prefixGroups, together, pairs, pairsTogether int
	for _, ps := range byPrefix {
		channels := map[string]bool{}
		for _, p := range ps {
			channels[p.Author] = true
		}
		if len(channels) < 2 {
			continue
		}
		prefixGroups++
		cs := map[int64]bool{}
		for i, p := range ps {
			cs[clusterOf[p.ID]] = true
			for _, q := range ps[i+1:] {
				if p.Author != q.Author {
					pairs++
					if clusterOf[p.ID] == clusterOf[q.ID] {
						pairsTogether++
					}
				}
			}
		}
		if len(cs) == 1 {
			together++
		}
	}
	t.Logf("cross-channel reposts at the default threshold: %d of %d prefix groups wholly in one cluster (%.1f%%), %d of %d cross-channel pairs together (%.1f%%)",
		together, prefixGroups, 100*float64(together)/float64(prefixGroups), pairsTogether, pairs, 100*float64(pairsTogether)/float64(pairs))
	if prefixGroups < 800 || float64(pairsTogether) < 0.9*float64(pairs) {
		t.Errorf("%d prefix groups, %d of %d pairs together; want over 800 groups and 90%% of pairs together", prefixGroups, pairsTogether, pairs)
	}
}

// wordChars keeps the letters, digits and underscores of s.
func wordChars(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' {
			return r
		}
		return -1
	}, s)
}
