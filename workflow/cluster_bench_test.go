package workflow

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/sources"
)

// BenchmarkDefaultWorkflow runs generated posts (the faker source, 10,000 a
// day) through the built-in default workflow, lexical embedding and
// clustering, on a durable database file, and reports the time per item of
// the workflow run alone (fetch and ingest are set-up). 1M items take about
// ten minutes, so that size runs only with TIMPANI_BENCH_1M=1; run each size
// in its own process (-bench 'DefaultWorkflow/10k$') for its peak memory:
//
//	go test ./workflow -run '^$' -bench 'DefaultWorkflow/100k$' -benchtime 1x -timeout 60m
func BenchmarkDefaultWorkflow(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		name := strconv.Itoa(n/1000) + "k"
		if n == 1_000_000 {
			name = "1M"
		}
		b.Run(name, func(b *testing.B) {
			if n == 1_000_000 && os.Getenv("TIMPANI_BENCH_1M") == "" {
				b.Skip("set TIMPANI_BENCH_1M=1 to run the 1M-item benchmark")
			}
			for b.Loop() {
				b.StopTimer()
				dbPath := filepath.Join(b.TempDir(), "timpani.db")
				db, arc := openDB(b, dbPath), mustArchive(b)
				const perDay = 10_000
				src, err := sources.New("faker", func(v any) error {
					*v.(*sources.FakerOptions) = sources.FakerOptions{Seed: 7, ItemsPerDay: perDay, PageSize: 1000}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				setup := time.Now()
				f := &Fetcher{DB: db, Archive: arc, Owner: NewOwner()}
				day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
				// The faker's days vary around their average: fetch days
				// until there are n posts.
				for d, fetched := 0, 0; fetched < n; d++ {
					date := day.AddDate(0, 0, d)
					dateID, _ := strconv.Atoi(date.Format("20060102"))
					t := FetchTarget{Workspace: "ws", SourceName: "gen", Source: src, Query: "q", DateID: dateID,
						Start: day.AddDate(0, 0, d), End: day.AddDate(0, 0, d+1), Limit: n - fetched}
					run, err := f.Fetch(b.Context(), t)
					if err != nil {
						b.Fatal(err)
					}
					fetched += run.Records
				}
				in := &Ingester{DB: db, Archive: arc, Resolve: func(ws, s string) (sources.Source, string, error) { return src, "default", nil }}
				sum, err := in.Ingest(b.Context(), IngestFilter{})
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("set-up: %d items fetched and ingested in %s", sum.Items, time.Since(setup).Round(time.Second))
				ix := NewIndexes(filepath.Join(b.TempDir(), "index"), clustering.IndexOptions{}, nil)
				r, err := NewRunner(db, Builtins(), Actions(ActionOptions{DB: db, Indexes: ix}), Options{Workers: 2})
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				b.StartTimer()
				start := time.Now()
				p, err := r.RunUntilIdle(b.Context(), "ws", "default")
				if err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				if p.Completed != sum.Items || p.Failed > 0 {
					b.Fatalf("completed %d, failed %d of %d", p.Completed, p.Failed, sum.Items)
				}
				b.Logf("workflow: %d items in %s", p.Completed, elapsed.Round(time.Second))
				saveStart := time.Now()
				if err := ix.Save(b.Context(), db); err != nil {
					b.Fatal(err)
				}
				clusters, err := db.ListClusters(b.Context(), "ws", "size", 2, 1<<30)
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("index saved in %s; %d clusters of 2 or more", time.Since(saveStart).Round(time.Millisecond), len(clusters))
				if fi, err := os.Stat(dbPath); err == nil {
					b.Logf("database file: %.0f MiB (log not counted)", float64(fi.Size())/(1<<20))
				}
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(p.Completed), "ns/item")
				b.ReportMetric(float64(p.Completed)/elapsed.Seconds(), "items/s")
				b.ReportMetric(peakRSS(b), "peak-MiB")
				b.StartTimer()
			}
		})
	}
}

// peakRSS is the process's peak resident memory so far, in MiB (Linux).
func peakRSS(tb testing.TB) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
