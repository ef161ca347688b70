package workflow

import (
	"testing"
	"time"
)

// BenchmarkRunnerNoop measures the engine alone: 100k items through the
// noop workflow (one claim and one committed transition each) on a real,
// durable (WAL, synchronous=FULL) database file.
func BenchmarkRunnerNoop(b *testing.B) {
	const items = 100_000
	for b.Loop() {
		b.StopTimer()
		db := mustDB(b)
		seedItems(b, db, "ws", "noop", items)
		r, err := NewRunner(db, Builtins(), Actions(ActionOptions{}), Options{Workers: 2})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		p, err := r.RunUntilIdle(b.Context(), "ws", "noop")
		if err != nil {
			b.Fatal(err)
		}
		if p.Completed != items {
			b.Fatalf("completed %d; want %d", p.Completed, items)
		}
		b.ReportMetric(float64(p.Transitions)/time.Since(start).Seconds(), "transitions/s")
	}
}

// BenchmarkRunnerDemo is the same for the built-in demo workflow
// (normalize, hashtags): three transitions and real work per item.
func BenchmarkRunnerDemo(b *testing.B) {
	const items = 20_000
	for b.Loop() {
		b.StopTimer()
		db := mustDB(b)
		seedItems(b, db, "ws", "demo", items)
		r, err := NewRunner(db, Builtins(), Actions(ActionOptions{}), Options{Workers: 2})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		p, err := r.RunUntilIdle(b.Context(), "ws", "demo")
		if err != nil {
			b.Fatal(err)
		}
		if p.Completed != items {
			b.Fatalf("completed %d; want %d", p.Completed, items)
		}
		b.ReportMetric(float64(p.Completed)/time.Since(start).Seconds(), "items/s")
	}
}
