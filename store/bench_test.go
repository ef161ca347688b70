package store_test

import (
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// BenchmarkTransitionFloor is the baseline the engine benchmark
// (workflow.BenchmarkRunnerNoop) is read against, measured in the same run:
// the least SQLite work a transition needs — a compare-and-set of 500 items
// and their events per durable commit — with no claims, leases or workers.
func BenchmarkTransitionFloor(b *testing.B) {
	const items, batch = 100_000, 500
	for b.Loop() {
		b.StopTimer()
		db := mustOpen(b)
		ids := seed(b, db, "ws", items)
		b.StartTimer()
		start := time.Now()
		for i := 0; i < len(ids); i += batch {
			advs := make([]store.Advance, 0, batch)
			for _, id := range ids[i:min(i+batch, len(ids))] {
				advs = append(advs, store.Advance{ItemID: id, Attempt: 1, Path: []store.State{store.Ready, store.Completed}})
			}
			err := db.Update(b.Context(), func(tx *store.Tx) error {
				_, err := tx.AdvanceMany(b.Context(), "", advs)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(items)/time.Since(start).Seconds(), "transitions/s")
	}
}
