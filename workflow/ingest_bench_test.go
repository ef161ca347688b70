package workflow

import (
	"testing"
	"time"

	"github.com/timpani-dev/timpani/sources"
)

func BenchmarkIngestFaker(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db, arc := mustDB(b), mustArchive(b)
		src, err := sources.New("faker", func(v any) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		f := &Fetcher{DB: db, Archive: arc, Owner: NewOwner()}
		day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		for d := 0; d < 100; d++ {
			t := FetchTarget{Workspace: "ws", SourceName: "gen", Source: src, Query: "q", DateID: 20240301 + d, Start: day.AddDate(0, 0, d), End: day.AddDate(0, 0, d+1)}
			if _, err := f.Fetch(b.Context(), t); err != nil {
				b.Fatal(err)
			}
		}
		in := &Ingester{DB: db, Archive: arc, Resolve: func(ws, s string) (sources.Source, string, error) { return src, "demo", nil }}
		b.StartTimer()
		start := time.Now()
		sum, err := in.Ingest(b.Context(), IngestFilter{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Items)/time.Since(start).Seconds(), "items/s")
	}
}
func BenchmarkIngestDatasets(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db, arc := mustDB(b), mustArchive(b)
		srcs := map[string]sources.Source{}
		day := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
		for name, opt := range map[string]sources.JSONLOptions{
			"telegram": {TimeField: "ts", AuthorField: "author"},
			"covid":    {IDFrom: "line", TimeField: "ts"},
		} {
			src, err := sources.New("jsonl", func(v any) error { *v.(*sources.JSONLOptions) = opt; return nil })
			if err != nil {
				b.Fatal(err)
			}
			srcs[name] = src
			file := map[string]string{"telegram": "telegram_ru_news.jsonl.gz", "covid": "covid_rumor_replies.jsonl.gz"}[name]
			f := &Fetcher{DB: db, Archive: arc, Owner: NewOwner()}
			t := FetchTarget{Workspace: "ws", SourceName: name, Source: src, Query: "q", Value: "../../shared/datasets/" + file,
				DateID: 20241231, Start: day, End: day.AddDate(0, 0, 1)}
			if _, err := f.Fetch(b.Context(), t); err != nil {
				b.Skip(err)
			}
		}
		in := &Ingester{DB: db, Archive: arc, Resolve: func(ws, s string) (sources.Source, string, error) { return srcs[s], "meedan", nil }}
		b.StartTimer()
		start := time.Now()
		sum, err := in.Ingest(b.Context(), IngestFilter{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Items)/time.Since(start).Seconds(), "items/s")
	}
}
