package modelserver

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestMatchContext(t *testing.T) {
	a := map[string]any{"type": "t", "workspace_id": "A", "n": 5.0}
	b := map[string]any{"type": "t", "workspace_id": "B"}
	tests := []struct {
		name     string
		contexts []map[string]any
		filter   map[string]any
		want     bool
	}{
		{"empty filter, no contexts", nil, nil, true},
		{"empty filter", []map[string]any{a}, map[string]any{}, true},
		{"filter, no contexts", nil, map[string]any{"type": "t"}, false},
		{"all keys equal", []map[string]any{a}, map[string]any{"type": "t", "workspace_id": "A"}, true},
		{"one key differs", []map[string]any{a}, map[string]any{"type": "t", "workspace_id": "B"}, false},
		{"key missing in stored", []map[string]any{b}, map[string]any{"n": 5.0}, false},
		{"any stored context", []map[string]any{a, b}, map[string]any{"workspace_id": "B"}, true},
		{"keys must match in one context", []map[string]any{a, b}, map[string]any{"workspace_id": "B", "n": 5.0}, false},
		{"list is an OR", []map[string]any{b}, map[string]any{"workspace_id": []any{"A", "B"}}, true},
		{"list without it", []map[string]any{b}, map[string]any{"workspace_id": []any{"A", "C"}}, false},
		{"number is not a string", []map[string]any{a}, map[string]any{"n": "5"}, false},
		{"case matters", []map[string]any{a}, map[string]any{"workspace_id": "a"}, false},
	}
	for _, tt := range tests {
		if got := MatchContext(tt.contexts, tt.filter); got != tt.want {
			t.Errorf("%s: MatchContext(%v, %v) = %v; want %v", tt.name, tt.contexts, tt.filter, got, tt.want)
		}
	}
}

func TestMemoryStore(t *testing.T) {
	ctx := t.Context()
	m := NewMemoryStore()
	ctxA := map[string]any{"ws": "A"}
	ctxB := map[string]any{"ws": "B"}
	put := func(id, model string, v []float32, c map[string]any) {
		t.Helper()
		if err := m.Put(ctx, Doc{ID: id, Model: model, Vector: v, Context: c, Contexts: []map[string]any{c}}); err != nil {
			t.Fatalf("Put(%s) = %v", id, err)
		}
	}
	ids := func(hits []Hit) []string {
		out := []string{}
		for _, h := range hits {
			out = append(out, h.ID)
		}
		return out
	}
	put("x", "m1", []float32{1, 0}, ctxA)
	put("y", "m1", []float32{3, 4}, ctxA) // cosine with (1,0) is 0.6: vectors need not be normalised
	put("z", "m1", []float32{2, 0}, ctxA) // ties with x at 1
	put("x", "m2", []float32{0, 1, 0}, ctxA)
	put("w", "m1", []float32{1, 0}, ctxB)

	tests := []struct {
		name      string
		model     string
		filter    map[string]any
		threshold float64
		limit     int
		want      []string
	}{
		{"ties ordered by id", "m1", ctxA, 0.5, 10, []string{"x", "z", "y"}},
		{"threshold inclusive", "m1", ctxA, 0.6, 10, []string{"x", "z", "y"}},
		{"threshold excludes", "m1", ctxA, 0.61, 10, []string{"x", "z"}},
		{"limit", "m1", ctxA, 0, 1, []string{"x"}},
		{"zero limit", "m1", ctxA, 0, 0, []string{}},
		{"other context", "m1", ctxB, 0, 10, []string{"w"}},
		{"no filter", "m1", nil, 0.9, 10, []string{"w", "x", "z"}},
		{"models never mix", "m2", nil, -1, 10, []string{}}, // (1,0) has no cosine with a 3-d vector: error below
	}
	for _, tt := range tests {
		hits, err := m.Search(ctx, tt.model, []float32{1, 0}, tt.filter, tt.threshold, tt.limit)
		if tt.model == "m2" {
			if err == nil {
				t.Errorf("%s: Search with a 2-d query over 3-d vectors = nil error; want one", tt.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: Search = %v", tt.name, err)
		}
		if got := ids(hits); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Search = %v; want %v", tt.name, got, tt.want)
		}
		for _, h := range hits {
			if h.Vector != nil {
				t.Errorf("%s: hit %s carries its vector", tt.name, h.ID)
			}
		}
	}

	// Put merges contexts; Delete removes only the matching ones.
	put("x", "m1", []float32{1, 0}, ctxB)
	put("x", "m1", []float32{1, 0}, ctxB) // the same context once
	if d, _, _ := m.Get(ctx, "x", "m1"); len(d.Contexts) != 2 {
		t.Fatalf("contexts after storing in A, B, B = %v; want [A B]", d.Contexts)
	}
	if ok, err := m.Delete(ctx, "x", "m1", map[string]any{"ws": "C"}); ok || err != nil {
		t.Errorf("Delete in C = %v, %v; want false, nil", ok, err)
	}
	if ok, err := m.Delete(ctx, "x", "m1", ctxA); !ok || err != nil {
		t.Errorf("Delete in A = %v, %v; want true, nil", ok, err)
	}
	d, ok, _ := m.Get(ctx, "x", "m1")
	if !ok || len(d.Contexts) != 1 || d.Contexts[0]["ws"] != "B" || d.Context["ws"] != "B" {
		t.Errorf("after Delete in A: Get = %v, %+v; want the doc in B only", ok, d)
	}
	if ok, _ := m.Delete(ctx, "x", "m1", ctxB); !ok {
		t.Error("Delete of the last context = false; want true")
	}
	if _, ok, _ := m.Get(ctx, "x", "m1"); ok {
		t.Error("doc left without context still exists")
	}
	if _, ok, _ := m.Get(ctx, "x", "m2"); !ok {
		t.Error("deleting (x, m1) removed (x, m2)")
	}

	// Stored documents do not share memory with what the caller passed.
	v := []float32{1, 0}
	c := map[string]any{"ws": "A"}
	if err := m.Put(ctx, Doc{ID: "alias", Model: "m1", Vector: v, Context: c, Contexts: []map[string]any{c}}); err != nil {
		t.Fatal(err)
	}
	v[0], c["ws"] = 0, "Z"
	if d, _, _ := m.Get(ctx, "alias", "m1"); d.Vector[0] != 1 || d.Context["ws"] != "A" || d.Contexts[0]["ws"] != "A" {
		t.Errorf("stored doc changed with the caller's slices and maps: %+v", d)
	}
	if err := m.Put(ctx, Doc{Model: "m1"}); err == nil {
		t.Error("Put without id = nil; want an error")
	}
}

func TestMemoryStoreConcurrent(t *testing.T) {
	ctx := t.Context()
	m := NewMemoryStore()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c := map[string]any{"ws": fmt.Sprint(w)}
			for i := range 50 {
				id := fmt.Sprintf("%d-%d", w, i)
				if err := m.Put(ctx, Doc{ID: id, Model: "m", Vector: []float32{1, float32(i)}, Context: c, Contexts: []map[string]any{c}}); err != nil {
					t.Error(err)
					return
				}
				hits, err := m.Search(ctx, "m", []float32{1, 0}, c, -1, 1000)
				if err != nil || len(hits) != i+1 {
					t.Errorf("worker %d: Search = %d hits, %v; want %d", w, len(hits), err, i+1)
					return
				}
				if i%2 == 0 {
					m.Delete(ctx, id, "m", nil)
					m.Put(ctx, Doc{ID: id, Model: "m", Vector: []float32{1, 0}, Context: c, Contexts: []map[string]any{c}})
				}
			}
		})
	}
	wg.Wait()
}
