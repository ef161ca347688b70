package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow"
)

// BenchmarkPages answers every page on a big database: 100k items, or 1M
// with TIMPANI_BENCH_1M=1. The database is built once through the store's
// own write paths (items, keywords with their daily counts and totals,
// clusters with their days) and kept in the temp folder for reruns:
//
//	TIMPANI_BENCH_1M=1 go test ./ui -run '^$' -bench Pages -benchtime 20x
func BenchmarkPages(b *testing.B) {
	n := 100_000
	if os.Getenv("TIMPANI_BENCH_1M") != "" {
		n = 1_000_000
	}
	path := benchDB(b, n)
	rdb, err := store.Open(b.Context(), path, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	srv, err := New(Options{DB: rdb, Actions: benchActions{}, Workspaces: []Workspace{{Name: "big"}}})
	if err != nil {
		b.Fatal(err)
	}
	big, err := rdb.ListClusterPage(b.Context(), store.ClusterFilter{Workspace: "big"}, 1, 0)
	if err != nil || len(big) == 0 {
		b.Fatal("no clusters", err)
	}
	id := strconv.FormatInt(big[0].ID, 10)
	for _, page := range []string{
		"/w/big/",
		"/w/big/clusters",
		"/w/big/clusters?sort=trend",
		"/w/big/clusters?sort=recent&min_size=5",
		"/w/big/clusters?language=fr",
		"/w/big/clusters?keyword=harvest",
		"/w/big/clusters?from=2024-02-01&to=2024-02-07&sort=added",
		"/w/big/clusters/" + id,
		"/w/big/clusters/" + id + "?page=20",
		"/w/big/clusters/compare?id=" + id + "&id=" + strconv.FormatInt(big[0].ID+1, 10),
		"/w/big/content",
		"/w/big/content?page=200",
		"/w/big/content?q=harvest",
		"/w/big/content?q=%22river+harvest%22",
		"/w/big/content?q=%E5%A4%A9%E6%B0%94",
		"/w/big/content?language=fr&source=forum",
		"/w/big/content?keyword=harvest&by=hour",
		"/w/big/items/1000",
		"/w/big/keywords",
		"/w/big/keywords?sort=trend",
		"/w/big/keywords/yake/harvest",
		"/w/big/status",
		"/api/w/big/clusters?sort=trend",
		"/api/w/big/content?q=harvest",
	} {
		b.Run(strings.TrimPrefix(page, "/w/big/"), func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequestWithContext(b.Context(), http.MethodGet, page, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d: %.300s", page, rec.Code, rec.Body.String())
				}
			}
		})
	}
}

type benchActions struct{}

func (benchActions) Retry(context.Context, string, []int64) (int, error) { return 0, nil }
func (benchActions) Merge(context.Context, string) (string, error)       { return "", nil }
func (benchActions) Similar(context.Context, string, string, int) ([]SimilarHit, error) {
	return nil, nil
}
func (benchActions) RawRecord(context.Context, store.Item) (json.RawMessage, error) {
	return json.RawMessage(`{}`), nil
}
func (benchActions) Workflow(string) ([]string, string) { return []string{"ready", "completed"}, "" }
func (benchActions) Services(string) []ServiceHealth    { return nil }

var benchWords = strings.Fields(`harvest river market council vaccine election flood storm school bridge
	price fuel water doctor village protest minister border festival strike train hospital farmer rain
	bank salary power cable mobile church mosque temple court police ballot rumour video photo claim
	virus lemon cure secret leak fraud tax budget army ship port coast drought wildfire heat snow`)

var benchCJK = []string{"今天的天气很好", "天气预报说明天下雨", "東京の天気は晴れ", "วันนี้อากาศดีมาก"}

// benchDB builds (or reuses) a database of n items in workspace "big":
// 30% of them copies and near-copies of 2,000 narratives with Zipf-like
// popularity, the rest chatter that stays in clusters of one, as the
// cluster step leaves it; eight keywords per item from a long-tailed
// vocabulary; 60 days.
func benchDB(b *testing.B, n int) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("timpani-ui-bench-%d-v5.db", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("building %s (%d items); kept for later runs", path, n)
	start := time.Now()
	tmp := path + ".building"
	os.Remove(tmp)
	ctx := context.Background()
	db, err := store.Open(ctx, tmp, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 1, 1999)
	// Keywords as YAKE leaves them: a few common words and a long tail
	// (about 300,000 distinct at a million items).
	kwZipf := rand.NewZipf(rand.New(rand.NewPCG(5, 6)), 1.05, 1, 299_999)
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	langs := []string{"en", "es", "fr", "pt", "ar"}
	sources := []string{"feed", "forum", "tips"}
	type narrative struct {
		cluster *store.Cluster
		days    map[string]int
	}
	narratives := map[int]*narrative{}
	const batch = 5000
	for done := 0; done < n; done += batch {
		items := make([]*store.Item, 0, batch)
		story := make([]int, 0, batch)
		for i := done; i < min(done+batch, n); i++ {
			var text string
			nar := -1
			if rng.Float64() < 0.3 {
				nar = int(zipf.Uint64())
				text = fmt.Sprintf("story %d: the %s near the %s %s", nar, benchWords[nar%len(benchWords)],
					benchWords[(nar/7)%len(benchWords)], benchWords[(nar/3)%len(benchWords)])
				if rng.IntN(4) == 0 {
					text += " " + benchWords[rng.IntN(len(benchWords))]
				}
			} else {
				w := make([]string, 12)
				for j := range w {
					w[j] = benchWords[rng.IntN(len(benchWords))]
				}
				text = strings.Join(w, " ")
				if rng.IntN(50) == 0 {
					text += " " + benchCJK[rng.IntN(len(benchCJK))]
				}
			}
			// Later days get more: the last week is busier, as trends need.
			day := int(59 * (1 - rng.Float64()*rng.Float64()))
			pub := first.AddDate(0, 0, day).Add(time.Duration(rng.IntN(86400)) * time.Second)
			items = append(items, &store.Item{Workspace: "big", Source: sources[rng.IntN(3)], Query: "q",
				DateID: 20240101 + day, RunID: 0, RawID: strconv.Itoa(i), RawText: text, Language: langs[rng.IntN(5)],
				Author: "user" + strconv.Itoa(rng.IntN(20000)), URL: "https://example.org/p/" + strconv.Itoa(i),
				Workflow: "meedan", State: store.Completed, PublishedAt: store.T(pub)})
			story = append(story, nar)
		}
		err := db.Update(ctx, func(tx *store.Tx) error {
			if done == 0 {
				if err := tx.StartRun(ctx, &store.Run{Kind: store.RunFetch, Workspace: "big"}); err != nil {
					return err
				}
			}
			for _, it := range items {
				it.RunID = 1
			}
			if _, err := tx.InsertItems(ctx, items); err != nil {
				return err
			}
			var kws []store.KeywordRow
			var members []store.ItemCluster
			var days []store.ClusterDay
			for i, it := range items {
				for range 8 {
					w := benchWords[rng.IntN(len(benchWords))]
					if k := int(kwZipf.Uint64()); k >= len(benchWords) {
						w = benchWords[k%len(benchWords)] + " " + strconv.Itoa(k/len(benchWords))
					}
					kws = append(kws, store.KeywordRow{ItemID: it.ID, Workspace: "big", PublishedAt: it.PublishedAt,
						Model: "yake", Keyword: store.Keyword{Text: w, Score: rng.Float64()}})
				}
				var c *store.Cluster
				if story[i] >= 0 {
					nar := narratives[story[i]]
					if nar == nil {
						nar = &narrative{cluster: &store.Cluster{Workspace: "big", Model: "bench"}, days: map[string]int{}}
						if err := tx.CreateCluster(ctx, nar.cluster); err != nil {
							return err
						}
						nar.cluster.ExemplarItemID, nar.cluster.UniqueTexts = it.ID, 2
						narratives[story[i]] = nar
					}
					c = nar.cluster
				} else {
					c = &store.Cluster{Workspace: "big", Model: "bench", ExemplarItemID: it.ID, UniqueTexts: 1}
					if err := tx.CreateCluster(ctx, c); err != nil {
						return err
					}
				}
				c.Size++
				c.AddedTotal++
				if c.FirstPublishedAt.IsZero() || it.PublishedAt.Before(c.FirstPublishedAt.Time) {
					c.FirstPublishedAt = it.PublishedAt
				}
				if it.PublishedAt.After(c.LastPublishedAt.Time) {
					c.LastPublishedAt = it.PublishedAt
				}
				members = append(members, store.ItemCluster{ItemID: it.ID, ClusterID: c.ID, TextHash: clustering.TextHash(it.RawText)})
				days = append(days, store.ClusterDay{ClusterID: c.ID, Day: store.DayOf(*it), Items: 1})
				if story[i] < 0 {
					if err := tx.SaveCluster(ctx, c); err != nil {
						return err
					}
				}
			}
			if err := tx.AddKeywordsMany(ctx, kws); err != nil {
				return err
			}
			if err := tx.SetItemClusters(ctx, members); err != nil {
				return err
			}
			return tx.AddClusterDays(ctx, days)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, nar := range narratives {
			if err := tx.SaveCluster(ctx, nar.cluster); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := workflow.UpdateTrends(ctx, db, "big", clustering.TrendOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	b.Logf("built in %s", time.Since(start).Round(time.Second))
	return path
}
