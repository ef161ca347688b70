package store_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// An index that mirrors the vectors table follows it by vector id and by
// tombstone seq: every way a vector goes must leave a tombstone, and a
// replaced vector must come back under a new id.
func TestEveryDeletedVectorLeavesATombstone(t *testing.T) {
	db := mustOpen(t)
	ids := seed(t, db, "ws", 3)
	ctx := t.Context()
	put := func(id int64, x float32) {
		update(t, db, func(tx *store.Tx) error {
			return tx.PutVector(ctx, store.Vector{ItemID: id, Model: "m", Data: []float32{x, 1 - x}})
		})
	}
	for _, id := range ids {
		put(id, 0.5)
	}
	var first []store.VectorRow
	update(t, db, func(tx *store.Tx) error {
		var err error
		first, err = tx.VectorsSince(ctx, "ws", "m", 0, 0, 10)
		return err
	})
	if len(first) != 3 {
		t.Fatalf("%d vectors; want 3", len(first))
	}
	put(ids[0], 0.25) // replaced: a tombstone and a new id
	update(t, db, func(tx *store.Tx) error {
		_, err := tx.ExpireItems(ctx, "ws", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 1) // deletes the oldest item: ids[0]
		return err
	})
	update(t, db, func(tx *store.Tx) error {
		ts, err := tx.TombstonesSince(ctx, "m", 0, 10)
		if err != nil {
			return err
		}
		if len(ts) != 2 || ts[0].ItemID != ids[0] || ts[1].ItemID != ids[0] || ts[0].Workspace.String != "ws" {
			t.Errorf("tombstones = %+v; want two for item %d (replaced, then expired)", ts, ids[0])
		}
		newer, err := tx.VectorsSince(ctx, "ws", "m", first[2].ID, 0, 10)
		if err != nil {
			return err
		}
		if len(newer) != 0 {
			t.Errorf("vectors after the expiry = %+v; the replaced one went with its item", newer)
		}
		last, seq, err := tx.VectorMarks(ctx)
		if last <= first[2].ID || seq != ts[1].Seq {
			t.Errorf("marks = %d, %d; want a vector id past %d (never reused) and seq %d", last, seq, first[2].ID, ts[1].Seq)
		}
		return err
	})
}

// A batch of vectors replaces what the items had, leaving tombstones, and
// of two for the same item and model stores the later one; ids follow the
// batch's order.
func TestPutVectorsReplacesInOrder(t *testing.T) {
	db := mustOpen(t)
	ids := seed(t, db, "ws", 3)
	ctx := t.Context()
	vec := func(id int64, x float32) store.Vector {
		return store.Vector{ItemID: id, Model: "m", Data: []float32{x, 1 - x}}
	}
	update(t, db, func(tx *store.Tx) error { return tx.PutVector(ctx, vec(ids[0], 0.5)) })
	update(t, db, func(tx *store.Tx) error {
		return tx.PutVectors(ctx, []store.Vector{vec(ids[1], 0.5), vec(ids[0], 0.25), vec(ids[2], 0.5), vec(ids[0], 0.75)})
	})
	update(t, db, func(tx *store.Tx) error {
		rows, err := tx.VectorsSince(ctx, "ws", "m", 0, 0, 10)
		if err != nil {
			return err
		}
		var order []int64
		for _, r := range rows {
			order = append(order, r.ItemID)
		}
		if want := []int64{ids[1], ids[2], ids[0]}; !slices.Equal(order, want) {
			t.Errorf("vectors in id order belong to items %v; want %v", order, want)
		}
		ts, err := tx.TombstonesSince(ctx, "m", 0, 10)
		if len(ts) != 1 || ts[0].ItemID != ids[0] {
			t.Errorf("tombstones = %+v; want one, for the replaced vector of item %d", ts, ids[0])
		}
		return err
	})
	v, err := db.Vector(ctx, ids[0], "m")
	if err != nil || v.Data[0] != 0.75 {
		t.Errorf("vector of item %d = %v, %v; want the later one, 0.75", ids[0], v.Data, err)
	}
}

// Reading the vectors after an id must walk the vectors from that id, not
// every item of the workspace: the cluster step does it for every batch,
// and the other plan made a run at a million items three times as slow.
func TestVectorsSinceWalksTheVectorsFromTheID(t *testing.T) {
	db := mustOpen(t)
	ids := seed(t, db, "ws", 50)
	update(t, db, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.PutVector(t.Context(), store.Vector{ItemID: id, Model: "m", Data: []float32{1, 0}}); err != nil {
				return err
			}
		}
		return nil
	})
	plan, err := store.ExplainForTest(db, store.VectorsSinceQueryForTest, 40, int64(1)<<62, "m", "ws", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) == 0 || !strings.HasPrefix(plan[0], "SEARCH v USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") {
		t.Errorf("plan %q; want the vectors' id range as the outer loop", plan)
	}
}

// Vectors come back bit for bit whichever layout stores them, and mostly
// zero ones take less room than dim float32s.
func TestVectorsRoundTripDenseAndSparse(t *testing.T) {
	db := mustOpen(t)
	mostlyZero := make([]float32, 768)
	for i := 3; i < 768; i += 5 {
		mostlyZero[i] = float32(i) / 1000
	}
	dense := make([]float32, 13)
	for i := range dense {
		dense[i] = float32(i) - 6.5
	}
	cases := []struct {
		name     string
		data     []float32
		maxBytes int
	}{
		{"mostly zero", mostlyZero, 96 + 4*154},
		{"dense, odd dimension", dense, 4 * 13},
		{"all zero", make([]float32, 10), 2},
		{"last component only, odd dimension", []float32{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, 2 + 4},
		{"negative zero and NaN kept", []float32{float32(math.Copysign(0, -1)), 0, float32(math.NaN()), 0, 0, 0, 0, 0, 0, 0}, 2 + 8},
	}
	ids := seed(t, db, "ws", len(cases))
	update(t, db, func(tx *store.Tx) error {
		for i, c := range cases {
			if err := tx.PutVector(t.Context(), store.Vector{ItemID: ids[i], Model: "m", Data: c.data}); err != nil {
				return err
			}
		}
		return nil
	})
	for i, c := range cases {
		got, err := db.Vector(t.Context(), ids[i], "m")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got.Data) != len(c.data) {
			t.Fatalf("%s: %d components; want %d", c.name, len(got.Data), len(c.data))
		}
		for j := range c.data {
			if math.Float32bits(got.Data[j]) != math.Float32bits(c.data[j]) {
				t.Errorf("%s: component %d = %v; want %v", c.name, j, got.Data[j], c.data[j])
			}
		}
		n, err := store.VectorBytesForTest(db, ids[i], "m")
		if err != nil {
			t.Fatal(err)
		}
		if n > c.maxBytes {
			t.Errorf("%s: stored in %d bytes; want at most %d", c.name, n, c.maxBytes)
		}
	}
	// The index's catch-up reads them through the other query.
	update(t, db, func(tx *store.Tx) error {
		rows, err := tx.VectorsSince(t.Context(), "ws", "m", 0, 0, 10)
		if err != nil {
			return err
		}
		if len(rows) != len(cases) || math.Float32bits(rows[0].Data[768-2]) != math.Float32bits(mostlyZero[768-2]) {
			t.Errorf("VectorsSince gave %d rows, the first ending %v", len(rows), rows[0].Data[760:])
		}
		return nil
	})
}
