package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestClusterCommands runs the demo workspace through the demo workflow
// and uses the cluster commands on the result as a researcher would.
func TestClusterCommands(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	config := func(retention string) {
		t.Helper()
		c := `
[workspaces.news]
workflow = "demo"
retention = "` + retention + `"
[workspaces.news.sources.gen]
kind = "faker"
queries = { posts = "x" }
options = { seed = 5, items_per_day = 400 }
`
		if err := os.WriteFile("timpani.toml", []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config("0")
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	mustRun(t, "fetch", "--from", yesterday.AddDate(0, 0, -3).Format("20060102"), "--to", yesterday.Format("20060102"))
	mustRun(t, "run")

	type listed struct {
		ID          int64   `json:"id"`
		Size        int     `json:"size"`
		UniqueTexts int     `json:"unique_texts"`
		Cohesion    float64 `json:"cohesion"`
		Trend       float64 `json:"trend"`
		Exemplar    string  `json:"exemplar"`
	}
	list := func(sort string) []listed {
		t.Helper()
		var out []listed
		for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "clusters", "list", "-w", "news", "--sort", sort, "--json")), "\n") {
			var l listed
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("clusters list line %q: %v", line, err)
			}
			out = append(out, l)
		}
		return out
	}
	bySize := list("size")
	if len(bySize) < 5 || bySize[0].Size < bySize[len(bySize)-1].Size || bySize[0].Exemplar == "" {
		t.Fatalf("clusters by size = %+v", bySize)
	}
	for _, c := range bySize {
		if c.Size < 2 || c.UniqueTexts < 1 || c.UniqueTexts > c.Size || c.Cohesion <= 0 || c.Cohesion > 1 {
			t.Errorf("cluster %+v: impossible bookkeeping", c)
		}
	}
	if byTrend := list("trend"); byTrend[0].Trend < byTrend[len(byTrend)-1].Trend || byTrend[0].Trend <= 0 {
		t.Errorf("clusters by trend = %+v; want the highest trend first, and above 0", byTrend)
	}

	// The biggest cluster's exemplar finds its own cluster first.
	var match struct {
		Score     float64 `json:"score"`
		ClusterID int64   `json:"cluster_id"`
	}
	out := mustRun(t, "similar", bySize[0].Exemplar, "--json", "--limit", "3")
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &match); err != nil {
		t.Fatalf("similar printed %q: %v", out, err)
	}
	if match.ClusterID != bySize[0].ID || match.Score < 0.99 {
		t.Errorf("similar to the top exemplar = %+v; want cluster %d at about 1", match, bySize[0].ID)
	}
	if out := mustRun(t, "similar", "zzzz qqqq xxxx unrelated words nobody posts"); !strings.Contains(out, "no item of news") {
		t.Errorf("similar to nonsense printed %q", out)
	}
	db := openData(t, dir)
	items, _, _ := count(t, db, "news")
	checkClusters(t, dir, items)
	if out := mustRun(t, "clusters", "merge"); !strings.Contains(out, "checked") {
		t.Errorf("clusters merge printed %q", out)
	}
	checkClusters(t, dir, -1)

	// A retention of one day expires the older days, and the clusters
	// shrink with them.
	config("1d")
	mustRun(t, "expire")
	left, _, _ := count(t, db, "news")
	if left == 0 || left >= items {
		t.Errorf("%d items left of %d after expiry", left, items)
	}
	checkClusters(t, dir, -1)
}
