package modelserver

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"sync"
	"time"
)

// VectorStore holds the texts and vectors behind the Alegre surface. Every
// method is safe for concurrent use. A document is keyed by (ID, Model):
// vectors of different models are never compared.
//
// Context rules (Alegre's scoping, reference/model-services.md §2.2, made
// exact): a filter is a JSON object; a stored context matches it when, for
// every key of the filter, the stored context has that key with an equal value
// (reflect.DeepEqual on decoded JSON, so 5 and "5" differ), or, when the
// filter's value is a list, with a value equal to one of its elements. An
// empty filter matches every document, including one stored without context.
// MatchContext implements the rule.
//
// A store may also implement Ping(ctx) error; /healthcheck then reports it.
type VectorStore interface {
	// Put stores doc under (doc.ID, doc.Model). If that document exists, its
	// vector, text, language, context and creation time are replaced and
	// doc.Contexts is merged into its contexts (stored order first, each
	// distinct context once): Alegre's update of an existing doc_id.
	Put(ctx context.Context, doc Doc) error

	// Delete removes the document (docID, model) from every stored context
	// that matches filter (all of them when the filter is empty); a document
	// left with no context is deleted. It reports whether anything was removed.
	Delete(ctx context.Context, docID, model string, filter map[string]any) (bool, error)

	// Search returns up to limit documents of model with at least one context
	// matching filter whose cosine with vec is at least threshold, best first;
	// equal scores are ordered by ID. Hit.Score is the cosine, in [-1, 1]; hits
	// carry no Vector.
	Search(ctx context.Context, model string, vec []float32, filter map[string]any, threshold float64, limit int) ([]Hit, error)

	// Get returns the document (docID, model) and whether it exists.
	Get(ctx context.Context, docID, model string) (Doc, bool, error)
}

// Doc is one text stored under one model. Treat a Doc returned by a store as
// read-only: its maps and slices may be shared with the store.
type Doc struct {
	ID        string           // Alegre's doc_id
	Model     string           // model key, e.g. lexembed.Model
	Vector    []float32        // the model's vector of Text
	Text      string           // Alegre's "content"
	Language  string           // as given on store; "" for none
	Context   map[string]any   // the context of the latest store
	Contexts  []map[string]any // every distinct context the document was stored in
	CreatedAt time.Time        // time of the latest store
}

// Hit is one search result.
type Hit struct {
	Doc
	Score float64 // cosine similarity; Alegre reports Score+1
}

// MatchContext reports whether any of contexts matches filter under the rules
// documented on VectorStore.
func MatchContext(contexts []map[string]any, filter map[string]any) bool {
	if len(filter) == 0 {
		return true
	}
	return slices.ContainsFunc(contexts, func(c map[string]any) bool { return contextMatches(c, filter) })
}

func contextMatches(c, filter map[string]any) bool {
	for k, want := range filter {
		got, ok := c[k]
		if !ok {
			return false
		}
		if alts, isList := want.([]any); isList {
			// Alegre turns a list into an OR of its values.
			if !slices.ContainsFunc(alts, func(a any) bool { return reflect.DeepEqual(got, a) }) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			return false
		}
	}
	return true
}

// MemoryStore is an in-memory VectorStore with brute-force cosine search:
// fine for tests and for thousands of documents. It is lost on exit.
type MemoryStore struct {
	mu   sync.RWMutex
	docs map[docKey]*storedDoc // replaced, never mutated, so readers may keep them
}

type docKey struct{ id, model string }

type storedDoc struct {
	Doc
	norm2 float64 // squared L2 norm of Vector, computed once at Put
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{docs: make(map[docKey]*storedDoc)}
}

// Put implements VectorStore.
func (m *MemoryStore) Put(ctx context.Context, doc Doc) error {
	if doc.ID == "" || doc.Model == "" {
		return fmt.Errorf("put: document id and model are required")
	}
	// Copy everything the caller could modify later.
	doc.Vector = slices.Clone(doc.Vector)
	doc.Context = cloneJSON(doc.Context)
	contexts := make([]map[string]any, 0, len(doc.Contexts))
	for _, c := range doc.Contexts {
		contexts = appendContext(contexts, cloneJSON(c))
	}
	k := docKey{doc.ID, doc.Model}

	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.docs[k]; ok {
		merged := slices.Clone(old.Contexts)
		for _, c := range contexts {
			merged = appendContext(merged, c)
		}
		contexts = merged
	}
	doc.Contexts = contexts
	m.docs[k] = &storedDoc{Doc: doc, norm2: dot(doc.Vector, doc.Vector)}
	return nil
}

// appendContext appends c unless an equal context is already there.
func appendContext(cs []map[string]any, c map[string]any) []map[string]any {
	if slices.ContainsFunc(cs, func(x map[string]any) bool { return reflect.DeepEqual(x, c) }) {
		return cs
	}
	return append(cs, c)
}

// Delete implements VectorStore.
func (m *MemoryStore) Delete(ctx context.Context, docID, model string, filter map[string]any) (bool, error) {
	k := docKey{docID, model}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.docs[k]
	if !ok {
		return false, nil
	}
	if len(filter) == 0 {
		delete(m.docs, k)
		return true, nil
	}
	kept := slices.DeleteFunc(slices.Clone(old.Contexts), func(c map[string]any) bool { return contextMatches(c, filter) })
	switch {
	case len(kept) == len(old.Contexts):
		return false, nil // stored, but not in that context: someone else's document
	case len(kept) == 0:
		delete(m.docs, k)
	default:
		doc := *old
		doc.Contexts = kept
		if contextMatches(doc.Context, filter) {
			doc.Context = kept[len(kept)-1]
		}
		m.docs[k] = &doc
	}
	return true, nil
}

// Search implements VectorStore.
func (m *MemoryStore) Search(ctx context.Context, model string, vec []float32, filter map[string]any, threshold float64, limit int) ([]Hit, error) {
	if limit <= 0 {
		return nil, nil
	}
	q2 := dot(vec, vec)
	var hits []Hit
	m.mu.RLock()
	for k, d := range m.docs {
		if k.model != model || !MatchContext(d.Contexts, filter) {
			continue
		}
		if len(d.Vector) != len(vec) {
			m.mu.RUnlock()
			return nil, fmt.Errorf("search %s: document %q has %d dimensions, query %d", model, d.ID, len(d.Vector), len(vec))
		}
		score := cosine(vec, d.Vector, q2, d.norm2)
		if score < threshold {
			continue
		}
		doc := d.Doc
		doc.Vector = nil
		hits = append(hits, Hit{Doc: doc, Score: score})
	}
	m.mu.RUnlock()
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// Get implements VectorStore.
func (m *MemoryStore) Get(ctx context.Context, docID, model string) (Doc, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d, ok := m.docs[docKey{docID, model}]
	if !ok {
		return Doc{}, false, nil
	}
	return d.Doc, true, nil
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// cosine divides by sqrt(|a|²|b|²) rather than |a||b|: a vector then has a
// cosine of exactly 1 with itself (sqrt(x·x) == x in IEEE arithmetic), so an
// exact copy scores exactly 2 on the Alegre scale.
func cosine(a, b []float32, a2, b2 float64) float64 {
	if a2 == 0 || b2 == 0 {
		return 0
	}
	c := dot(a, b) / math.Sqrt(a2*b2)
	return max(-1, min(1, c))
}

// cloneJSON deep-copies a decoded JSON object.
func cloneJSON(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneJSON(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = cloneValue(x)
		}
		return out
	default:
		return v
	}
}
