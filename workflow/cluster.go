package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// TxAction is an action whose outcome depends on what is already stored,
// like clustering: where an item goes depends on where the items before it
// went. Its Apply only checks; ApplyTx decides and writes, inside the
// transaction that commits the items' transitions, after them. Batches of a
// leg with such a step commit in the order they were claimed, so the same
// input in the same order gives the same result.
type TxAction interface {
	Action
	// ApplyTx handles the items that passed the step, in claim order.
	// vectors[i] holds the vectors earlier steps of the same claim computed
	// for b.Items[i]; others are read from the database. An error rolls the
	// whole batch back.
	ApplyTx(ctx context.Context, tx *store.Tx, b Batch, vectors [][]store.Vector) error
}

// ParamChecker is an action that validates a step's parameters up front,
// so a bad config fails before any item moves.
type ParamChecker interface {
	CheckParams(params map[string]any) error
}

// Cluster step parameters.
const (
	defaultCandidates = 10
	// originalThreshold is the original's SIMILARITY_THRESHOLD, the default
	// for models other than the built-in embedder, which has its own.
	originalThreshold = 0.95
)

type clusterParams struct {
	model     string
	threshold float64
}

func parseClusterParams(p map[string]any) (clusterParams, error) {
	out := clusterParams{model: lexembed.Model}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(p)) {
		v := p[k]
		switch k {
		case "model":
			s, ok := v.(string)
			if !ok || s == "" {
				errs = append(errs, fmt.Errorf("cluster: model must be a vector model name, not %v", v))
				continue
			}
			out.model = s
		case "threshold":
			switch f := v.(type) {
			case float64:
				out.threshold = f
			case int64:
				out.threshold = float64(f)
			default:
				errs = append(errs, fmt.Errorf("cluster: threshold must be a number in [0, 1], not %v", v))
				continue
			}
			if out.threshold < 0 || out.threshold > 1 {
				errs = append(errs, fmt.Errorf("cluster: threshold %v is not in [0, 1]", v))
			}
		default:
			errs = append(errs, fmt.Errorf("cluster: unknown parameter %q (known: model, threshold)", k))
		}
	}
	if _, set := p["threshold"]; !set {
		out.threshold = originalThreshold
		if out.model == lexembed.Model {
			out.threshold = lexembed.DefaultThreshold
		}
	}
	return out, errors.Join(errs...)
}

// ClusterThreshold is the similarity threshold a cluster step uses. For a
// step on a remote service (Alegre), model is the step's model parameter,
// or "" when the step uses its service's model.
func ClusterThreshold(s Step) (model string, threshold float64, err error) {
	if s.Service != "" && s.Service != BuiltinService {
		p, err := parseAlegreParams("cluster", s.Params, "")
		return p.model, p.threshold, err
	}
	p, err := parseClusterParams(s.Params)
	return p.model, p.threshold, err
}

// clusterAction puts each item in the best cluster of its workspace whose
// member it matches at or above the step's threshold, or in a new one.
type clusterAction struct {
	db      *store.DB
	indexes *Indexes
}

func (a *clusterAction) CheckParams(p map[string]any) error {
	_, err := parseClusterParams(p)
	return err
}

// Apply has nothing to compute ahead of the transaction.
func (a *clusterAction) Apply(ctx context.Context, b Batch) []Result {
	out := make([]Result, len(b.Items))
	for i := range out {
		out[i].Err = ctx.Err()
	}
	return out
}

// clusterBatch is one batch's clustering inside its transaction. Items
// enter the index as they are placed, so later items of the batch can match
// them, and leave it again if the transaction rolls back. What the batch
// changes is kept in memory and written once at the end: the clusters it
// touched, the items' clusters, and the daily counts.
//
// A remote similarity service (Alegre) keeps the vectors itself: then
// remote is set, li is nil, each item's candidates are the matches the
// step's Apply found, and the batch works without vectors.
type clusterBatch struct {
	tx        *store.Tx
	p         clusterParams
	workspace string
	li        *liveIndex
	remote    bool                         // no index and no vectors: matches instead
	matches   map[int64][]clustering.Match // each item's matches, when remote
	clusters  map[int64]*store.Cluster
	days      map[store.ClusterDay]int // key with Items 0
	vectors   map[int64][]float32      // known vectors by item id
	indexed   []int64                  // items this batch added to the index
	placed    map[int64]int64          // cluster of each item placed by this batch (or before it, for its own items)
	twins     map[int64]int64          // text hash -> cluster, for texts this batch placed
	texts     map[int64]map[int64]bool // cluster -> text hashes this batch added to it
	rows      []store.ItemCluster      // the items' new clusters, written at the end
	hashes    map[int64]int64          // text hash of each item of the batch
	dbTwins   map[int64]twin           // stored twins by text hash, as looked up
	ahead     *clustering.Lookahead    // searches made ahead for the items of aheadOf
	aheadOf   map[int64]int            // item id -> its query in ahead
}

// twin is the earliest stored item with a text hash, if any, and its
// cluster.
type twin struct {
	id, clusterID int64
	text          string
	found         bool
}

func (a *clusterAction) ApplyTx(ctx context.Context, tx *store.Tx, b Batch, vectors [][]store.Vector) error {
	p, err := parseClusterParams(b.Step.Params)
	if err != nil {
		return err
	}
	cb := newClusterBatch(tx, p, b.Workspace)
	skip := make(map[int64]bool, len(b.Items))
	ids := make([]int64, len(b.Items))
	for i, it := range b.Items {
		skip[it.ID], ids[i] = true, it.ID
		for _, v := range vectors[i] {
			if v.Model == p.model {
				cb.vectors[it.ID] = v.Data
			}
		}
	}
	v, err := cb.vector(ctx, b.Items[0].ID)
	if err != nil {
		return err
	}
	if cb.li, err = a.indexes.current(ctx, tx, a.db, b.Workspace, p.model, len(v), skip); err != nil {
		return err
	}
	li := cb.li
	tx.AfterRollback(func() {
		for _, id := range cb.indexed {
			li.idx.Remove(id)
		}
	})
	if err := cb.run(ctx, b.Items, ids); err != nil {
		return err
	}
	marks, _, err := tx.VectorMarks(ctx)
	if err != nil {
		return err
	}
	tx.AfterCommit(func() {
		a.indexes.mu.Lock()
		defer a.indexes.mu.Unlock()
		li.lastVector = max(li.lastVector, marks)
		li.dirty = true
	})
	return nil
}

func newClusterBatch(tx *store.Tx, p clusterParams, workspace string) *clusterBatch {
	return &clusterBatch{tx: tx, p: p, workspace: workspace, clusters: map[int64]*store.Cluster{},
		days: map[store.ClusterDay]int{}, vectors: map[int64][]float32{}, placed: map[int64]int64{},
		twins: map[int64]int64{}, texts: map[int64]map[int64]bool{}, hashes: map[int64]int64{},
		dbTwins: map[int64]twin{}}
}

// run places items (whose ids are ids), in order, and writes the outcome.
func (cb *clusterBatch) run(ctx context.Context, items []store.Item, ids []int64) error {
	// Another batch may have paired some of these items already.
	members, err := cb.tx.Memberships(ctx, ids)
	if err != nil {
		return err
	}
	for id, m := range members {
		if m.ClusterID != 0 {
			cb.placed[id] = m.ClusterID
		}
	}
	// Items are placed in order, each searching the index as the items
	// before it left it. The index's graph changes only every so many Adds,
	// so the searches of the items up to the next change run first, in
	// parallel (on the other core); each placement then only adds what the
	// index's tail holds.
	for start := 0; start < len(items); {
		end := len(items)
		if !cb.remote {
			end = min(start+cb.li.idx.Headroom(), len(items))
			if err := cb.lookAhead(ctx, items[start:end]); err != nil {
				return err
			}
		}
		for _, it := range items[start:end] {
			if err := cb.place(ctx, it); err != nil {
				return err
			}
		}
		start = end
	}
	return cb.flush(ctx)
}

// lookAhead searches the index, in parallel, for those of items that will
// need a search: not placed yet and without an exact duplicate.
func (cb *clusterBatch) lookAhead(ctx context.Context, items []store.Item) error {
	var qs [][]float32
	cb.aheadOf = map[int64]int{}
	pending := map[int64]bool{} // text hashes of items placed before these
	for _, it := range items {
		if _, ok := cb.placed[it.ID]; ok {
			continue
		}
		hash := cb.hash(it)
		if pending[hash] {
			continue // its twin is placed first
		}
		pending[hash] = true
		if _, ok, err := cb.twin(ctx, it, hash); err != nil {
			return err
		} else if ok {
			continue // joins its twin
		}
		v, err := cb.vector(ctx, it.ID)
		if err != nil {
			return err
		}
		cb.aheadOf[it.ID] = len(qs)
		qs = append(qs, v)
	}
	cb.ahead = cb.li.idx.Lookahead(qs, defaultCandidates, cb.p.threshold)
	return nil
}

// hash is the hash of an item's text.
func (cb *clusterBatch) hash(it store.Item) int64 {
	h, ok := cb.hashes[it.ID]
	if !ok {
		h = clustering.TextHash(textOf(it))
		cb.hashes[it.ID] = h
	}
	return h
}

// twin returns the cluster of an exact duplicate of its text placed
// before it: by this batch, or stored.
func (cb *clusterBatch) twin(ctx context.Context, it store.Item, hash int64) (clusterID int64, ok bool, err error) {
	if c, ok := cb.twins[hash]; ok {
		return c, true, nil
	}
	// The stored twins do not change until the batch writes its rows.
	tw, ok := cb.dbTwins[hash]
	if !ok {
		var err error
		if tw.id, tw.clusterID, tw.text, tw.found, err = cb.tx.TextTwin(ctx, cb.workspace, hash); err != nil {
			return 0, false, err
		}
		cb.dbTwins[hash] = tw
	}
	if tw.found && tw.id != it.ID && clustering.SameText(tw.text, textOf(it)) {
		return tw.clusterID, true, nil
	}
	return 0, false, nil
}

// vector is an item's vector; nil when a remote service keeps them.
func (cb *clusterBatch) vector(ctx context.Context, itemID int64) ([]float32, error) {
	if cb.remote {
		return nil, nil
	}
	if v, ok := cb.vectors[itemID]; ok {
		return v, nil
	}
	v, err := cb.tx.Vector(ctx, itemID, cb.p.model)
	if err != nil {
		return nil, fmt.Errorf("cluster item %d: no %s vector: run an embed step with that model first: %w", itemID, cb.p.model, err)
	}
	cb.vectors[itemID] = v.Data
	return v.Data, nil
}

// place clusters one item.
func (cb *clusterBatch) place(ctx context.Context, it store.Item) error {
	if _, ok := cb.placed[it.ID]; ok {
		return nil // paired with its best match already
	}
	v, err := cb.vector(ctx, it.ID)
	if err != nil {
		return err
	}
	hash := cb.hash(it)

	// Exact duplicates join their twin's cluster without a search.
	twinCluster, ok, err := cb.twin(ctx, it, hash)
	if err != nil {
		return err
	}
	if ok {
		c, err := cb.cluster(ctx, twinCluster)
		if err != nil {
			return err
		}
		cb.noteText(c.ID, hash) // the twin is a member: not a new text for c
		return cb.join(ctx, c, it, v, hash)
	}

	// Otherwise the nearest indexed items compete, this batch's included;
	// or those the remote service found.
	var matches []clustering.Match
	if cb.remote {
		matches = cb.matches[it.ID]
	} else if i, ok := cb.aheadOf[it.ID]; ok {
		matches = cb.ahead.Search(i)
	} else {
		matches = cb.li.idx.Search(v, defaultCandidates, cb.p.threshold)
	}
	best, ok, err := clustering.ChooseLazily(it.ID, matches, cb.p.threshold, func(id int64) (clustering.Candidate, bool, error) {
		if cid, ok := cb.placed[id]; ok {
			size, err := cb.size(ctx, cid)
			return clustering.Candidate{ClusterID: cid, ClusterSize: size}, true, err
		}
		m, ok, err := cb.tx.Membership(ctx, id)
		if err != nil {
			return clustering.Candidate{}, false, err
		}
		if c, touched := cb.clusters[m.ClusterID]; ok && touched {
			m.ClusterSize = c.Size // as this batch left it
		}
		return clustering.Candidate{ClusterID: m.ClusterID, ClusterSize: m.ClusterSize}, ok, nil
	})
	if err != nil {
		return err
	}
	if !cb.remote && !cb.li.idx.Has(it.ID) { // embedded earlier, it may be indexed already
		if err := cb.li.idx.Add(it.ID, v); err != nil {
			return fmt.Errorf("index item %d: %w", it.ID, err)
		}
		cb.indexed = append(cb.indexed, it.ID)
	}
	switch {
	case ok && best.ClusterID != 0:
		c, err := cb.cluster(ctx, best.ClusterID)
		if err != nil {
			return err
		}
		return cb.join(ctx, c, it, v, hash)
	case ok: // the best match is not clustered yet: the two start one
		c, err := cb.newCluster(ctx)
		if err != nil {
			return err
		}
		other, err := cb.tx.Item(ctx, best.ItemID)
		if err != nil {
			return err
		}
		ov, err := cb.vector(ctx, other.ID)
		if err != nil {
			return err
		}
		if err := cb.join(ctx, c, other, ov, clustering.TextHash(textOf(other))); err != nil {
			return err
		}
		return cb.join(ctx, c, it, v, hash)
	default:
		c, err := cb.newCluster(ctx)
		if err != nil {
			return err
		}
		return cb.join(ctx, c, it, v, hash)
	}
}

// size is a cluster's current size, this batch's joins included.
func (cb *clusterBatch) size(ctx context.Context, id int64) (int, error) {
	if c, ok := cb.clusters[id]; ok {
		return c.Size, nil
	}
	return cb.tx.ClusterSize(ctx, id)
}

func (cb *clusterBatch) cluster(ctx context.Context, id int64) (*store.Cluster, error) {
	if c, ok := cb.clusters[id]; ok {
		return c, nil
	}
	c, err := cb.tx.Cluster(ctx, id)
	if err != nil {
		return nil, err
	}
	cb.clusters[id] = c
	return c, nil
}

func (cb *clusterBatch) newCluster(ctx context.Context) (*store.Cluster, error) {
	c := &store.Cluster{Workspace: cb.workspace, Model: cb.p.model}
	if err := cb.tx.CreateCluster(ctx, c); err != nil {
		return nil, err
	}
	cb.clusters[c.ID] = c
	return c, nil
}

// join adds an item to c and updates c's bookkeeping in memory. The
// exemplar is kept incrementally as the member most aligned with the sum of
// the members' vectors (the most central one): each join compares the
// newcomer's alignment with the exemplar's, both against the new sum.
// Removals and merges re-pick it exactly.
//
// Without vectors (v nil: a remote service keeps them) there is no sum to
// align with: the exemplar stays the first member, with score 1 as the
// store gives a cluster whose members have no vectors, and VectorSum stays
// nil.
func (cb *clusterBatch) join(ctx context.Context, c *store.Cluster, it store.Item, v []float32, hash int64) error {
	pub := it.PublishedAt
	if c.Size == 0 {
		c.Size, c.AddedTotal, c.UniqueTexts = 1, 1, 1
		c.ExemplarItemID, c.ExemplarScore = it.ID, store.Dot(v, v)
		if v == nil {
			c.ExemplarScore = 1
		}
		c.FirstPublishedAt, c.LastPublishedAt = pub, pub
	} else {
		if v != nil {
			if err := cb.grow(ctx, c, it.ID, v); err != nil {
				return err
			}
		}
		has := cb.texts[c.ID][hash]
		// A text no stored clustered item has is in no stored cluster.
		if tw, looked := cb.dbTwins[hash]; !has && (!looked || tw.found) {
			var err error
			if has, err = cb.tx.ClusterHasText(ctx, cb.workspace, c.ID, hash); err != nil {
				return err
			}
		}
		if !has {
			c.UniqueTexts++
		}
		c.Size++
		c.AddedTotal++
		c.Priority++ // grown: worth re-checking for merges
		if !pub.IsZero() {
			if c.FirstPublishedAt.IsZero() || pub.Before(c.FirstPublishedAt.Time) {
				c.FirstPublishedAt = pub
			}
			if pub.After(c.LastPublishedAt.Time) {
				c.LastPublishedAt = pub
			}
		}
	}
	cb.days[store.ClusterDay{ClusterID: c.ID, Day: store.DayOf(it)}]++
	cb.placed[it.ID] = c.ID
	if _, ok := cb.twins[hash]; !ok {
		cb.twins[hash] = c.ID
	}
	cb.noteText(c.ID, hash)
	cb.rows = append(cb.rows, store.ItemCluster{ItemID: it.ID, ClusterID: c.ID, TextHash: hash})
	return nil
}

// noteText records that cluster id has a member with the text hash.
func (cb *clusterBatch) noteText(id, hash int64) {
	if cb.texts[id] == nil {
		cb.texts[id] = map[int64]bool{}
	}
	cb.texts[id][hash] = true
}

// grow adds a member's vector to c's sum and makes the member the exemplar
// when it is now the more central one.
func (cb *clusterBatch) grow(ctx context.Context, c *store.Cluster, itemID int64, v []float32) error {
	ex, err := cb.vector(ctx, c.ExemplarItemID)
	if err != nil {
		return err
	}
	sum := c.VectorSum
	if sum == nil {
		sum = slices.Clone(ex)
	}
	exScore := c.ExemplarScore + store.Dot(ex, v)
	newScore := store.Dot(v, sum) + store.Dot(v, v)
	for i := range sum {
		sum[i] += v[i]
	}
	c.VectorSum = sum
	if newScore > exScore {
		c.ExemplarItemID, exScore = itemID, newScore
	}
	c.ExemplarScore = exScore
	return nil
}

// flush writes the items' clusters, the touched clusters and the daily
// counts, in id order.
func (cb *clusterBatch) flush(ctx context.Context) error {
	if err := cb.tx.SetItemClusters(ctx, cb.rows); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(cb.clusters)) {
		if err := cb.tx.SaveCluster(ctx, cb.clusters[id]); err != nil {
			return err
		}
	}
	days := make([]store.ClusterDay, 0, len(cb.days))
	for d, n := range cb.days {
		d.Items = n
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b store.ClusterDay) int {
		return cmp.Or(cmp.Compare(a.ClusterID, b.ClusterID), cmp.Compare(a.Day, b.Day))
	})
	return cb.tx.AddClusterDays(ctx, days)
}
