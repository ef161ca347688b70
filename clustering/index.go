package clustering

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// IndexOptions tune an Index. Zero values mean the defaults.
type IndexOptions struct {
	M              int    // graph degree: links per node on the upper layers, twice that on layer 0 (default 16)
	EfConstruction int    // candidates kept while linking a new vector (default 150)
	EfSearch       int    // candidates kept while searching; Search uses max(EfSearch, k) (default 500)
	ExactBelow     int    // below this many live vectors in the graph Search scans it exactly (default 2000; 1: never)
	LinkEvery      int    // new vectors wait, scanned exactly, until this many are linked into the graph together (default 256; 1: at once)
	Seed           uint64 // mixed into each id's level draw
}

const (
	defaultM              = 16
	defaultEfConstruction = 150
	defaultEfSearch       = 500
	defaultExactBelow     = 2000
	defaultLinkEvery      = 256

	maxM         = 256
	maxLinkEvery = 1 << 16
	maxLevel     = 16 // P(level ≥ 16) = M^-16: never reached in practice
)

func (o IndexOptions) withDefaults() IndexOptions {
	if o.M <= 0 {
		o.M = defaultM
	}
	o.M = min(max(o.M, 2), maxM)
	if o.EfConstruction <= 0 {
		o.EfConstruction = defaultEfConstruction
	}
	if o.EfSearch <= 0 {
		o.EfSearch = defaultEfSearch
	}
	if o.ExactBelow <= 0 {
		o.ExactBelow = defaultExactBelow
	}
	if o.LinkEvery <= 0 {
		o.LinkEvery = defaultLinkEvery
	}
	o.LinkEvery = min(o.LinkEvery, maxLinkEvery)
	return o
}

// Match is one search result. Score is the cosine similarity.
type Match struct {
	ID    int64
	Score float64
}

// ErrDuplicateID is returned (wrapped) by Add for an id already present.
var ErrDuplicateID = errors.New("id already in the index")

// Index is an approximate nearest-neighbour index of vectors by cosine
// similarity: an HNSW graph (hierarchical navigable small world) over
// int8-quantised vectors. See the package documentation for its design and
// measured recall.
//
// New vectors first join a tail that searches scan exactly; when the tail
// holds LinkEvery vectors they are linked into the graph together, their
// candidate neighbours found in parallel in the graph as it stood, plus each
// other. So the graph changes only every LinkEvery Adds (or at a Remove),
// and searches made ahead of time in the unchanged graph stay valid: see
// Lookahead.
//
// Searches run concurrently with each other; Add and Remove are exclusive.
// The same sequence of Add and Remove calls with the same options gives the
// same graph and the same results in any process: every decision uses
// integer arithmetic, with ties broken by insertion order.
type Index struct {
	mu sync.RWMutex

	dim     int
	opt     IndexOptions
	rot     *rotation
	codeLen int // bytes per code
	words   int // uint64 words per sketch
	maxL0   int // links per node on layer 0 (2M)

	nodes    slab[nodeInfo]
	codes    slab[uint8]
	sketches slab[uint64]
	links    slab[uint32] // layer 0: count, then up to maxL0 node numbers
	upper    []uint32     // layers ≥ 1: per node and layer, count then M node numbers
	dead     []uint64     // bit per node: removed
	byID     map[int64]uint32
	byCode   map[uint64]uint32  // codeHash of graph nodes, to find copies
	aliases  map[uint32][]alias // per node with aliases, them by id (the nodes' next chains hold the same, for the file)

	n          int    // nodes, removed ones included
	live       int    // nodes not removed
	linked     int    // nodes below this are in the graph (or aliases); the rest are the tail
	linkedLive int    // nodes below linked not removed
	entry      uint32 // entry point, a node on the top layer
	top        int    // level of entry; -1 when the graph is empty
	epoch      uint64 // changes whenever what a graph search finds may change

	adder    *searcher  // scratch for Add, under the write lock
	plans    []linkPlan // scratch for linking the tail, under the write lock
	searcher sync.Pool  // *searcher for Search and Similarity
}

// alias is a node that is a copy of another, and its id.
type alias struct {
	id   int64
	node uint32
}

// linkPlan holds a tail node's candidate neighbours in the graph, per
// layer, as keys sorted nearest first.
type linkPlan [maxLevel + 1][]uint64

// nodeInfo holds the small per-vector fields.
type nodeInfo struct {
	id    int64
	norm2 int32  // squared norm of the code
	sum   int32  // component sum of the code
	upper uint32 // offset in Index.upper of its layer-1 list, if level ≥ 1
	next  uint32 // next alias in the group of identical codes, 0 at the end
	level uint8
	alias bool // a copy of another node's code, not in the graph
}

// NewIndex returns an empty index for vectors of length dim. It panics if dim
// is not in [1, 65536].
func NewIndex(dim int, opt IndexOptions) *Index {
	if dim < 1 || dim > maxDim {
		panic(fmt.Sprintf("clustering: NewIndex: dimension %d not in [1, %d]", dim, maxDim))
	}
	opt = opt.withDefaults()
	x := &Index{
		dim:     dim,
		opt:     opt,
		rot:     newRotation(dim),
		codeLen: codeLen(dim),
		words:   sketchBits(dim) / 64,
		maxL0:   2 * opt.M,
	}
	x.adder = x.newSearcher()
	x.clear()
	return x
}

// clear empties the graph, keeping dimension and options.
func (x *Index) clear() {
	x.nodes = slab[nodeInfo]{width: 1}
	x.codes = slab[uint8]{width: x.codeLen}
	x.sketches = slab[uint64]{width: x.words}
	x.links = slab[uint32]{width: 1 + x.maxL0}
	x.upper = nil
	x.dead = nil
	x.byID = make(map[int64]uint32)
	x.byCode = make(map[uint64]uint32)
	x.aliases = make(map[uint32][]alias)
	x.n, x.live, x.linked, x.linkedLive, x.entry, x.top = 0, 0, 0, 0, 0, -1
	x.epoch++
}

// Dim returns the vector length.
func (x *Index) Dim() int { return x.dim }

// Len returns the number of vectors in the index, removed ones excluded.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// Has reports whether id is in the index.
func (x *Index) Has(id int64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.byID[id]
	return ok
}

// Add indexes v under id. It fails if v does not have length Dim, is the zero
// vector or has a NaN or infinite component, or if id is already present.
// The index keeps no reference to v.
func (x *Index) Add(id int64, v []float32) error {
	if msg := checkVector(v, x.dim); msg != "" {
		return fmt.Errorf("add %d: %s (length %d, index dimension %d)", id, msg, len(v), x.dim)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.byID[id]; ok {
		return fmt.Errorf("add %d: %w", id, ErrDuplicateID)
	}
	if x.n >= math.MaxUint32 {
		return fmt.Errorf("add %d: index full", id)
	}
	quantize(x.adder.q.code, v)
	x.insert(id)
	return nil
}

// Remove removes id and reports whether it was present. A removed vector is
// never returned again; it stays in the graph as a waypoint until removed
// vectors outnumber half the live ones, when the graph is rebuilt from the
// live vectors, freeing their memory (that Remove takes about as long as
// adding them all). An id can be added again after its removal.
func (x *Index) Remove(id int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.byID[id]
	if !ok {
		return false
	}
	delete(x.byID, id)
	x.dead[i>>6] |= 1 << (i & 63)
	x.live--
	if int(i) < x.linked {
		x.linkedLive--
	}
	x.epoch++
	if dead := x.n - x.live; dead >= compactMin && 2*dead > x.live {
		x.rebuild()
	}
	return true
}

// compactMin is the least number of removed vectors worth a rebuild.
const compactMin = 1024

func (x *Index) isDead(i uint32) bool { return x.dead[i>>6]>>(i&63)&1 == 1 }

// Search returns up to k vectors most similar to q with Score ≥ minScore,
// by Score descending then ID ascending. Below ExactBelow live vectors in
// the graph it compares q with every vector; above, the result is
// approximate. A q of the wrong length, the zero vector, or one with NaN or
// infinite components matches nothing.
func (x *Index) Search(q []float32, k int, minScore float64) []Match {
	if k <= 0 || checkVector(q, x.dim) != "" {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.live == 0 {
		return nil
	}
	s := x.getSearcher()
	defer x.searcher.Put(s)
	quantize(s.q.code, q)
	s.q.set(x.rot)
	return x.searchTail(s.q, k, minScore, x.searchGraph(s, k, minScore))
}

// searchGraph returns up to k matches of the probe s.q among the graph's
// nodes and their aliases, sorted.
func (x *Index) searchGraph(s *searcher, k int, minScore float64) []Match {
	if x.linkedLive == 0 {
		return nil
	}
	if x.linkedLive < x.opt.ExactBelow {
		return x.scan(s, k, minScore)
	}
	x.searchLayer(s, x.descend(s, 0), max(x.opt.EfSearch, k), 0, true)
	// Copies of q score 1: make sure they are among the candidates.
	if i, ok := x.byCode[codeHash(s.q.code)]; ok && int(i) < x.linked && !s.seen(i) && x.groupLive(i) {
		s.results.push(^makeKey(0, i))
	}

	// Score the candidates exactly, but skip those whose sketch is too far
	// for the score to reach minScore, and touch the codes to score first
	// so that their loads overlap.
	limit := x.hammingLimit(minScore)
	cands := s.sorted[:0]
	var touch uint64
	for _, key := range s.results {
		if key := ^key; keyDist(key) <= limit {
			cands = append(cands, key)
			code := x.codes.row(keyNode(key))
			for b := 0; b < len(code); b += 64 {
				touch += uint64(code[b])
			}
		}
	}
	s.sorted, s.touch = cands, s.touch^touch
	var out []Match
	for _, key := range cands {
		i := keyNode(key)
		score := x.score(s.q, i)
		if score < minScore {
			continue
		}
		// The node and its aliases, but those of the tail. Copies score
		// alike, so only the k first by id can be among the results: a
		// post copied ten thousand times costs no more than one copied ten.
		if !x.isDead(i) {
			out = append(out, Match{ID: x.nodes.at(i).id, Score: score})
		}
		taken := 0
		for _, a := range x.aliases[i] {
			if taken == k {
				break
			}
			if int(a.node) < x.linked && !x.isDead(a.node) {
				out = append(out, Match{ID: a.id, Score: score})
				taken++
			}
		}
	}
	sortMatches(out)
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// searchTail adds to out (sorted matches of the graph) the matches of q
// among the tail's nodes, and returns the best k, sorted. The tail is
// scanned exactly, skipping sketches too far to reach minScore.
func (x *Index) searchTail(q *probe, k int, minScore float64, out []Match) []Match {
	if x.linked == x.n {
		return out
	}
	limit := x.hammingLimit(minScore)
	added := false
	for i := uint32(x.linked); i < uint32(x.n); i++ {
		if x.isDead(i) || hamming(q.sketch, x.sketches.row(i)) > limit {
			continue
		}
		if score := x.score(q, i); score >= minScore {
			out = append(out, Match{ID: x.nodes.at(i).id, Score: score})
			added = true
		}
	}
	if added {
		sortMatches(out)
		if len(out) > k {
			out = out[:k]
		}
	}
	return out
}

// A Lookahead holds searches made ahead of time. The graph changes only when
// the tail is linked or a vector removed, so the graph's half of a search
// can run early, many in parallel, while its tail half runs when the answer
// is wanted: Lookahead.Search then answers exactly as Index.Search would at
// that moment. That is how a caller that must decide serially (the cluster
// step) uses both cores: it looks ahead over as many queries as the index
// can take Adds before its graph changes (Headroom).
type Lookahead struct {
	x        *Index
	epoch    uint64
	k        int
	minScore float64
	queries  [][]float32
	probes   []*probe // nil for a query that matches nothing
	graph    [][]Match
}

// Headroom returns how many Adds the index takes before its graph changes,
// at least 1.
func (x *Index) Headroom() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return max(x.opt.LinkEvery-(x.n-x.linked), 1)
}

// Lookahead searches the graph for each of qs now, in parallel, for
// Lookahead.Search to complete later. It keeps qs (not copied).
func (x *Index) Lookahead(qs [][]float32, k int, minScore float64) *Lookahead {
	l := &Lookahead{x: x, k: k, minScore: minScore, queries: qs,
		probes: make([]*probe, len(qs)), graph: make([][]Match, len(qs))}
	x.mu.RLock()
	defer x.mu.RUnlock()
	l.epoch = x.epoch
	x.parallel(len(qs), func(s *searcher, i int) {
		if k <= 0 || checkVector(qs[i], x.dim) != "" {
			return
		}
		quantize(s.q.code, qs[i])
		s.q.set(x.rot)
		l.probes[i] = s.q.clone()
		if x.live > 0 {
			l.graph[i] = x.searchGraph(s, k, minScore)
		}
	})
	return l
}

// Search returns what Index.Search(qs[i], k, minScore) returns now.
func (l *Lookahead) Search(i int) []Match {
	x := l.x
	x.mu.RLock()
	if x.epoch != l.epoch { // the graph changed: search afresh
		x.mu.RUnlock()
		return x.Search(l.queries[i], l.k, l.minScore)
	}
	defer x.mu.RUnlock()
	p := l.probes[i]
	if p == nil || x.live == 0 {
		return nil
	}
	return x.searchTail(p, l.k, l.minScore, slices.Clone(l.graph[i]))
}

// hammingLimit returns the largest Hamming distance of sketches at which a
// vector may still score minScore: the expected distance at cosine minScore,
// angle/π of the bits, plus 8 standard deviations (at most sqrt(bits)/2).
// Over a million pairs of real posts the largest deviation seen was 3.8.
func (x *Index) hammingLimit(minScore float64) int {
	if minScore <= -1 {
		return math.MaxInt32
	}
	bits := float64(64 * x.words)
	angle := math.Acos(min(minScore, 1))
	return int(bits*angle/math.Pi + 8*math.Sqrt(bits)/2)
}

// Similarity returns the score Search would report for id against q. ok is
// false if id is not in the index or q is not a vector Search accepts.
func (x *Index) Similarity(id int64, q []float32) (score float64, ok bool) {
	if checkVector(q, x.dim) != "" {
		return 0, false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.byID[id]
	if !ok {
		return 0, false
	}
	s := x.getSearcher()
	defer x.searcher.Put(s)
	quantize(s.q.code, q)
	s.q.setExact()
	return x.score(s.q, i), true
}

// score returns the exact score of node i against q.
func (x *Index) score(q *probe, i uint32) float64 {
	nd := x.nodes.at(i)
	return codeCosine(q.dotCode(x.codes.row(i), nd.sum), nd.norm2, q.norm2)
}

// scan is the exact search of the graph: every live vector below linked is
// scored.
func (x *Index) scan(s *searcher, k int, minScore float64) []Match {
	var out []Match
	for i := range uint32(x.linked) {
		if x.isDead(i) {
			continue
		}
		score := x.score(s.q, i)
		if score < minScore {
			continue
		}
		out = append(out, Match{ID: x.nodes.at(i).id, Score: score})
		if len(out) >= 2*k+64 { // keep memory O(k)
			sortMatches(out)
			out = out[:k]
		}
	}
	sortMatches(out)
	if len(out) > k {
		out = out[:k]
	}
	return out
}

func sortMatches(m []Match) {
	slices.SortFunc(m, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}

// insert adds a node for id with the code in x.adder.q.code. A vector whose
// code equals that of a node already present becomes an alias of it,
// outside the graph: a group of identical vectors linked into the graph one
// by one would fill each other's link lists and cut themselves off, and the
// hash table of codes finds copies even where the graph search would not.
// Any other vector joins the tail, which is linked into the graph once it
// holds LinkEvery nodes.
func (x *Index) insert(id int64) {
	s := x.adder
	s.q.set(x.rot)
	h := codeHash(s.q.code)
	rep, hasRep := x.byCode[h]
	hasRep = hasRep && bytes.Equal(x.codes.row(rep), s.q.code)

	i := uint32(x.n)
	x.grow(x.n + 1)
	x.n++
	x.live++
	x.byID[id] = i
	nd := x.nodes.at(i)
	*nd = nodeInfo{id: id, norm2: s.q.norm2, sum: s.q.sum}
	copy(x.codes.row(i), s.q.code)
	copy(x.sketches.row(i), s.q.sketch)
	x.links.row(i)[0] = 0
	if hasRep {
		r := x.nodes.at(rep)
		nd.alias, nd.next, r.next = true, r.next, i
		x.addAlias(rep, alias{id: id, node: i})
	} else {
		if _, ok := x.byCode[h]; !ok { // else a hash collision: no alias
			x.byCode[h] = i
		}
		level := x.levelOf(id)
		nd.level = uint8(level)
		if level > 0 { // empty link lists until the node is linked
			nd.upper = uint32(len(x.upper))
			x.upper = append(x.upper, make([]uint32, level*(x.opt.M+1))...)
		}
	}
	if x.n-x.linked >= x.opt.LinkEvery {
		x.linkTail()
	}
}

// addAlias records a as an alias of node rep, in id order.
func (x *Index) addAlias(rep uint32, a alias) {
	list := x.aliases[rep]
	at, _ := slices.BinarySearchFunc(list, a.id, func(e alias, id int64) int { return cmp.Compare(e.id, id) })
	x.aliases[rep] = slices.Insert(list, at, a)
}

// linkTail links the tail's nodes into the graph, in order. Each node's
// candidate neighbours are those a search of the graph as it stood finds
// (in parallel: the graph does not change meanwhile) plus the tail's nodes
// linked before it, compared exactly; then the nodes are linked one by one,
// as the HNSW heuristic picks among those candidates.
func (x *Index) linkTail() {
	var tail []uint32
	for i := uint32(x.linked); i < uint32(x.n); i++ {
		if !x.nodes.at(i).alias {
			tail = append(tail, i)
		}
	}
	for len(x.plans) < len(tail) {
		x.plans = append(x.plans, linkPlan{})
	}
	plans := x.plans[:len(tail)]
	top := x.top
	if top >= 0 {
		x.parallel(len(tail), func(s *searcher, t int) {
			i := tail[t]
			copy(s.q.sketch, x.sketches.row(i))
			level := int(x.nodes.at(i).level)
			cur := x.descend(s, level)
			for l := min(level, top); l >= 0; l-- {
				x.searchLayer(s, cur, x.opt.EfConstruction, l, false)
				cands := plans[t][l][:0]
				for _, k := range s.results {
					cands = append(cands, ^k)
				}
				slices.Sort(cands)
				plans[t][l] = cands
				cur = cands[0] // the nearest: the entry to the next layer down
			}
		})
	}
	s := x.adder
	for t, i := range tail {
		level := int(x.nodes.at(i).level)
		for l := min(level, x.top); l >= 0; l-- {
			var planned []uint64
			if l <= top {
				planned = plans[t][l]
			}
			cands := x.withTail(s, planned, tail[:t], i, l)
			s.picked = x.selectNeighbours(s.picked[:0], cands, x.opt.M)
			list := x.list(i, l)
			list[0] = uint32(len(s.picked))
			copy(list[1:], s.picked)
			for _, j := range s.picked {
				x.link(j, i, l)
			}
		}
		if level > x.top {
			x.entry, x.top = i, level
		}
	}
	for i := x.linked; i < x.n; i++ {
		if !x.isDead(uint32(i)) {
			x.linkedLive++
		}
	}
	x.linked = x.n
	x.epoch++
}

// withTail returns planned (keys sorted nearest first) merged with the keys
// of the nodes of linked that are on layer l, by their distance to node i.
// Nodes of linked farther than the last planned key are left out when
// planned is full, as the search that made it would have left them out.
func (x *Index) withTail(s *searcher, planned []uint64, linked []uint32, i uint32, l int) []uint64 {
	limit := uint64(math.MaxUint64)
	if len(planned) >= x.opt.EfConstruction {
		limit = planned[len(planned)-1]
	}
	extra := s.pruned[:0]
	for _, j := range linked {
		if int(x.nodes.at(j).level) < l {
			continue
		}
		if k := makeKey(x.dist(i, j), j); k < limit {
			extra = append(extra, k)
		}
	}
	s.pruned = extra
	if len(extra) == 0 {
		return planned
	}
	slices.Sort(extra)
	merged := s.sorted[:0]
	a, b := 0, 0
	for a < len(planned) || b < len(extra) {
		if b == len(extra) || a < len(planned) && planned[a] < extra[b] {
			merged = append(merged, planned[a])
			a++
		} else {
			merged = append(merged, extra[b])
			b++
		}
	}
	s.sorted = merged
	return merged
}

// groupLive reports whether graph node i or one of its aliases below
// linked is not removed.
func (x *Index) groupLive(i uint32) bool {
	if !x.isDead(i) {
		return true
	}
	for _, a := range x.aliases[i] {
		if int(a.node) < x.linked && !x.isDead(a.node) {
			return true
		}
	}
	return false
}

// levelOf draws the top layer of id's node: P(level ≥ l) = M^-l, from a hash
// of id and the seed, with integer arithmetic only.
func (x *Index) levelOf(id int64) int {
	h := splitmix64(uint64(id) + splitmix64(x.opt.Seed+splitmixGamma))
	t := uint64(math.MaxUint64)
	l := 0
	for l < maxLevel {
		t /= uint64(x.opt.M)
		if h >= t {
			break
		}
		l++
	}
	return l
}

// grow makes room for n nodes.
func (x *Index) grow(n int) {
	x.nodes.grow(n)
	x.codes.grow(n)
	x.sketches.grow(n)
	x.links.grow(n)
	for len(x.dead)*64 < n {
		x.dead = append(x.dead, 0)
	}
}

// list returns node i's link list on layer l: the count, then the slots.
func (x *Index) list(i uint32, l int) []uint32 {
	if l == 0 {
		return x.links.row(i)
	}
	m := x.opt.M + 1
	off := int(x.nodes.at(i).upper) + (l-1)*m
	return x.upper[off : off+m : off+m]
}

// dist returns the Hamming distance of the sketches of nodes a and b.
func (x *Index) dist(a, b uint32) int {
	return hamming(x.sketches.row(a), x.sketches.row(b))
}

// link adds a link from node j to node i on layer l. If j's list is full,
// the heuristic chooses which to keep among its links and i.
func (x *Index) link(j, i uint32, l int) {
	list := x.list(j, l)
	n := int(list[0])
	if n < len(list)-1 {
		list[1+n] = i
		list[0]++
		return
	}
	s := x.adder
	s.pruned = s.pruned[:0]
	for _, k := range list[1 : 1+n] {
		s.pruned = append(s.pruned, makeKey(x.dist(j, k), k))
	}
	s.pruned = append(s.pruned, makeKey(x.dist(j, i), i))
	slices.Sort(s.pruned)
	s.repick = x.selectNeighbours(s.repick[:0], s.pruned, len(list)-1)
	list[0] = uint32(len(s.repick))
	copy(list[1:], s.repick)
}

// selectNeighbours appends to dst up to m of the candidates (keys sorted
// nearest first) chosen by the HNSW heuristic: a candidate is kept only if it
// is nearer to the base than to every candidate kept before it, which keeps
// links pointing in different directions.
func (x *Index) selectNeighbours(dst []uint32, sorted []uint64, m int) []uint32 {
	for _, key := range sorted {
		if len(dst) >= m {
			break
		}
		c, d := keyNode(key), keyDist(key)
		good := true
		for _, p := range dst {
			if x.dist(c, p) < d {
				good = false
				break
			}
		}
		if good {
			dst = append(dst, c)
		}
	}
	return dst
}

// descend walks greedily from the entry point down to layer stop+1 and
// returns the key of the nearest node found, the entry to layer stop.
func (x *Index) descend(s *searcher, stop int) uint64 {
	cur := makeKey(hamming(s.q.sketch, x.sketches.row(x.entry)), x.entry)
	for l := x.top; l > stop; l-- {
		for changed := true; changed; {
			changed = false
			list := x.list(keyNode(cur), l)
			for _, j := range list[1 : 1+list[0]] {
				if k := makeKey(hamming(s.q.sketch, x.sketches.row(j)), j); k < cur {
					cur, changed = k, true
				}
			}
		}
	}
	return cur
}

// searchLayer is the HNSW beam search on layer l from entry: it leaves in
// s.results (a max-heap of complemented keys) the ef nearest nodes found,
// only live ones if liveOnly (removed nodes are still walked through).
func (x *Index) searchLayer(s *searcher, entry uint64, ef, l int, liveOnly bool) {
	liveOnly = liveOnly && x.live < x.n
	s.visit(x.n)
	s.cands = s.cands[:0]
	s.results = s.results[:0]
	s.mark(keyNode(entry))
	s.cands.push(entry)
	if !liveOnly || x.groupLive(keyNode(entry)) {
		s.results.push(^entry)
	}
	for len(s.cands) > 0 {
		c := s.cands.pop()
		if len(s.results) >= ef && c > ^s.results[0] {
			break
		}
		// Gather the unvisited neighbours, then touch their sketches (and
		// the links of the next candidate) in a tight loop before comparing
		// any: the loads then overlap instead of each waiting its turn for
		// memory, which takes 200 ns or more once the index outgrows the
		// caches.
		list := x.list(keyNode(c), l)
		batch := s.batch[:0]
		for _, j := range list[1 : 1+list[0]] {
			if !s.seen(j) {
				s.mark(j)
				batch = append(batch, j)
			}
		}
		var touch uint64
		if len(s.cands) > 0 {
			next := x.list(keyNode(s.cands[0]), l)
			for w := 0; w < len(next); w += 16 {
				touch += uint64(next[w])
			}
		}
		for _, j := range batch {
			row := x.sketches.row(j)
			for w := 0; w < len(row); w += 8 {
				touch += row[w]
			}
		}
		s.batch, s.touch = batch, s.touch^touch
		for _, j := range batch {
			k := makeKey(hamming(s.q.sketch, x.sketches.row(j)), j)
			if len(s.results) >= ef && k > ^s.results[0] {
				continue
			}
			s.cands.push(k)
			if liveOnly && !x.groupLive(j) {
				continue
			}
			s.results.push(^k)
			if len(s.results) > ef {
				s.results.pop()
			}
		}
	}
}

// rebuild builds the graph anew from the live nodes, in their order, which
// frees the memory of removed ones. The old chunks are dropped as they are
// read, so memory does not double meanwhile.
func (x *Index) rebuild() {
	n, codes, nodes, dead := x.n, x.codes, x.nodes, x.dead
	x.clear()
	for i := range uint32(n) {
		if dead[i>>6]>>(i&63)&1 == 0 {
			copy(x.adder.q.code, codes.row(i))
			x.insert(nodes.at(i).id)
		}
		if c := i >> chunkShift; i&(chunkRows-1) == chunkRows-1 || int(i) == n-1 {
			codes.chunks[c], nodes.chunks[c] = nil, nil
		}
	}
}

// A key packs a distance and a node number so that keys order by distance,
// then node number: every decision is deterministic, ties included.
func makeKey(dist int, node uint32) uint64 { return uint64(dist)<<32 | uint64(node) }
func keyNode(k uint64) uint32              { return uint32(k) }
func keyDist(k uint64) int                 { return int(k >> 32) }

// keyHeap is a binary min-heap of keys; a max-heap holds complemented keys.
type keyHeap []uint64

func (h *keyHeap) push(k uint64) {
	*h = append(*h, k)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p] <= k {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = k
}

func (h *keyHeap) pop() uint64 {
	a := *h
	top, last := a[0], a[len(a)-1]
	a = a[:len(a)-1]
	*h = a
	i, n := 0, len(a)
	if n == 0 {
		return top
	}
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1] < a[c] {
			c++
		}
		if last <= a[c] {
			break
		}
		a[i] = a[c]
		i = c
	}
	a[i] = last
	return top
}

// searcher is the scratch space of one search or insertion.
type searcher struct {
	q       *probe
	visited []uint64 // bit per node
	marked  []uint32 // nodes whose visited bit is set
	cands   keyHeap
	results keyHeap
	batch   []uint32
	touch   uint64 // keeps the prefetching loads
	sorted  []uint64
	picked  []uint32
	pruned  []uint64
	repick  []uint32
}

func (x *Index) newSearcher() *searcher {
	return &searcher{q: newProbe(x.dim)}
}

func (x *Index) getSearcher() *searcher {
	if s, ok := x.searcher.Get().(*searcher); ok {
		return s
	}
	return x.newSearcher()
}

// parallel calls fn(s, i) for i in [0, n) from up to GOMAXPROCS goroutines,
// each with a searcher of its own, and returns when all calls have.
func (x *Index) parallel(n int, fn func(s *searcher, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			s := x.getSearcher()
			defer x.searcher.Put(s)
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(s, i)
			}
		})
	}
	wg.Wait()
}

// visit starts a new visit of n nodes: it clears the bits the last one set,
// which is cheaper than clearing them all.
func (s *searcher) visit(n int) {
	for _, i := range s.marked {
		s.visited[i>>6] = 0
	}
	s.marked = s.marked[:0]
	if len(s.visited)*64 < n {
		s.visited = make([]uint64, (n+n/4)/64+16)
	}
}

func (s *searcher) seen(i uint32) bool { return s.visited[i>>6]>>(i&63)&1 == 1 }

func (s *searcher) mark(i uint32) {
	s.visited[i>>6] |= 1 << (i & 63)
	s.marked = append(s.marked, i)
}

// A slab stores fixed-width rows in chunks of chunkRows rows: growing never
// copies what is stored (no transient doubling of a large array), and the
// garbage collector sees a few large pointer-free arrays.
type slab[T any] struct {
	width  int
	chunks [][]T
}

const (
	chunkShift = 10
	chunkRows  = 1 << chunkShift
)

func (s *slab[T]) grow(n int) {
	for len(s.chunks)*chunkRows < n {
		s.chunks = append(s.chunks, make([]T, chunkRows*s.width))
	}
}

func (s *slab[T]) row(i uint32) []T {
	c := s.chunks[i>>chunkShift]
	off := int(i&(chunkRows-1)) * s.width
	return c[off : off+s.width : off+s.width]
}

func (s *slab[T]) at(i uint32) *T {
	return &s.chunks[i>>chunkShift][int(i&(chunkRows-1))*s.width]
}

// The file format written by WriteTo, version 2, all integers little-endian:
//
//	magic     8 bytes "TMPNNIDX"
//	version   uint32
//	options   dim, M, EfConstruction, EfSearch, ExactBelow, LinkEvery uint32; Seed uint64
//	graph     nodes, live, linked, entry uint32; top level int32 (-1: empty); upper length uint32
//	per node  id int64, norm2 int32, sum int32, upper offset uint32, next alias uint32,
//	          level uint8, flags uint8 (1: removed, 2: alias)
//	per node  code: codeLen bytes
//	per node  sketch: sketch words uint64
//	per node  layer-0 links: 1+2M uint32
//	upper     upper length uint32
//	checksum  uint32: CRC-32C of all the bytes before it
//
// Removed nodes are written too, so a read index behaves exactly as the
// written one, future Adds included. Version 1, still read, had neither
// LinkEvery nor linked: every node was in the graph.
const (
	fileMagic   = "TMPNNIDX"
	fileVersion = 2
	nodeRecord  = 26 // bytes per node record

	flagRemoved = 1
	flagAlias   = 2
)

// ErrBadIndexFile is returned (wrapped) by ReadIndex for input that is not a
// complete index file of a supported version.
var ErrBadIndexFile = errors.New("not a valid index file")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the index to w in a versioned binary format with a
// checksum, for ReadIndex. Searches may run meanwhile; Add and Remove wait.
func (x *Index) WriteTo(w io.Writer) (int64, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	cw := &countingWriter{w: w}
	iw := &indexWriter{w: bufio.NewWriterSize(cw, 1<<16), buf: make([]byte, 1<<12)}
	iw.bytes([]byte(fileMagic))
	iw.u32(fileVersion)
	for _, v := range []int{x.dim, x.opt.M, x.opt.EfConstruction, x.opt.EfSearch, x.opt.ExactBelow, x.opt.LinkEvery} {
		iw.u32(uint32(v))
	}
	iw.u64(x.opt.Seed)
	iw.u32(uint32(x.n))
	iw.u32(uint32(x.live))
	iw.u32(uint32(x.linked))
	iw.u32(x.entry)
	iw.u32(uint32(int32(x.top)))
	iw.u32(uint32(len(x.upper)))
	rec := make([]byte, nodeRecord)
	for i := range uint32(x.n) {
		nd := x.nodes.at(i)
		binary.LittleEndian.PutUint64(rec[0:], uint64(nd.id))
		binary.LittleEndian.PutUint32(rec[8:], uint32(nd.norm2))
		binary.LittleEndian.PutUint32(rec[12:], uint32(nd.sum))
		binary.LittleEndian.PutUint32(rec[16:], nd.upper)
		binary.LittleEndian.PutUint32(rec[20:], nd.next)
		rec[24], rec[25] = nd.level, 0
		if x.isDead(i) {
			rec[25] |= flagRemoved
		}
		if nd.alias {
			rec[25] |= flagAlias
		}
		iw.bytes(rec)
	}
	for c := range chunksOf(x.n) {
		iw.bytes(x.codes.part(c, x.n))
	}
	for c := range chunksOf(x.n) {
		iw.u64s(x.sketches.part(c, x.n))
	}
	for c := range chunksOf(x.n) {
		iw.u32s(x.links.part(c, x.n))
	}
	iw.u32s(x.upper)
	iw.u32(iw.crc)
	if iw.err == nil {
		iw.err = iw.w.Flush()
	}
	if iw.err != nil {
		return cw.n, fmt.Errorf("write index: %w", iw.err)
	}
	return cw.n, nil
}

// ReadIndex reads an index written by WriteTo. Input with a bad magic
// number, an unsupported version, a wrong checksum, an inconsistent graph or
// that ends early gives an error wrapping ErrBadIndexFile; read errors are
// returned wrapped as they are.
func ReadIndex(r io.Reader) (*Index, error) {
	ir := &indexReader{r: bufio.NewReaderSize(r, 1<<16), buf: make([]byte, 1<<12)}
	x, err := ir.index()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	return x, nil
}

func (ir *indexReader) index() (*Index, error) {
	magic := make([]byte, len(fileMagic))
	ir.bytes(magic)
	if ir.err != nil {
		return nil, ir.err
	}
	if string(magic) != fileMagic {
		return nil, fmt.Errorf("%w: bad magic number %q", ErrBadIndexFile, magic)
	}
	version := ir.u32()
	if ir.err == nil && version != 1 && version != fileVersion {
		return nil, fmt.Errorf("%w: unsupported version %d (want %d)", ErrBadIndexFile, version, fileVersion)
	}
	dim, m := int(ir.u32()), int(ir.u32())
	opt := IndexOptions{M: m, EfConstruction: int(ir.u32()), EfSearch: int(ir.u32()), ExactBelow: int(ir.u32()), LinkEvery: defaultLinkEvery}
	if version > 1 {
		opt.LinkEvery = int(ir.u32())
	}
	opt.Seed = ir.u64()
	n, live := int(ir.u32()), int(ir.u32())
	linked := n
	if version > 1 {
		linked = int(ir.u32())
	}
	entry, top, upperLen := ir.u32(), int(int32(ir.u32())), int(ir.u32())
	if ir.err != nil {
		return nil, ir.err
	}
	switch {
	case dim < 1 || dim > maxDim:
		return nil, corrupt("dimension %d", dim)
	case m < 2 || m > maxM || opt.EfConstruction < 1 || opt.EfSearch < 1 || opt.ExactBelow < 1 || opt.LinkEvery < 1 || opt.LinkEvery > maxLinkEvery:
		return nil, corrupt("options %+v", opt)
	case n < 0 || n >= math.MaxUint32 || live > n || linked > n || version > 1 && n-linked >= opt.LinkEvery:
		return nil, corrupt("%d nodes, %d live, %d linked", n, live, linked)
	case (linked == 0) != (top == -1) || top < -1 || top > maxLevel || linked > 0 && int(entry) >= linked:
		return nil, corrupt("entry %d at level %d of %d linked nodes", entry, top, linked)
	}
	x := NewIndex(dim, opt)

	rec := make([]byte, nodeRecord)
	upper := 0
	for i := range uint32(n) {
		if ir.bytes(rec); ir.err != nil {
			return nil, ir.err
		}
		x.grow(int(i) + 1)
		nd := x.nodes.at(i)
		flags := rec[25]
		*nd = nodeInfo{
			id:    int64(binary.LittleEndian.Uint64(rec[0:])),
			norm2: int32(binary.LittleEndian.Uint32(rec[8:])),
			sum:   int32(binary.LittleEndian.Uint32(rec[12:])),
			upper: binary.LittleEndian.Uint32(rec[16:]),
			next:  binary.LittleEndian.Uint32(rec[20:]),
			level: rec[24],
			alias: flags&flagAlias != 0,
		}
		// Alias chains run from a node to its newest alias, then to ever
		// older ones: checking that keeps them finite.
		switch {
		case int(i) < linked && int(nd.level) > top || nd.level > maxLevel || flags > flagRemoved|flagAlias || nd.level > 0 && int(nd.upper) != upper,
			nd.alias && (nd.level > 0 || nd.next >= i || nd.next > 0 && !x.nodes.at(nd.next).alias),
			!nd.alias && nd.next > 0 && (nd.next <= i || int(nd.next) >= n):
			return nil, corrupt("node %d", i)
		case flags&flagRemoved != 0:
			x.dead[i>>6] |= 1 << (i & 63)
		default:
			if _, dup := x.byID[nd.id]; dup {
				return nil, corrupt("id %d twice", nd.id)
			}
			x.byID[nd.id] = i
		}
		upper += int(nd.level) * (m + 1)
	}
	if len(x.byID) != live || upper != upperLen || n > 0 && (int(x.nodes.at(entry).level) != top || x.nodes.at(entry).alias) {
		return nil, corrupt("node table")
	}
	x.n, x.live, x.linked, x.entry, x.top = n, live, linked, entry, top
	for i := range uint32(linked) {
		if !x.isDead(i) {
			x.linkedLive++
		}
	}
	for c := range chunksOf(n) {
		ir.bytes(x.codes.part(c, n))
	}
	for c := range chunksOf(n) {
		ir.u64s(x.sketches.part(c, n))
	}
	for c := range chunksOf(n) {
		ir.u32s(x.links.part(c, n))
	}
	if ir.err != nil {
		return nil, ir.err
	}
	x.upper = make([]uint32, 0, min(upperLen, 1<<20))
	for len(x.upper) < upperLen && ir.err == nil {
		k := min(upperLen-len(x.upper), 1<<16)
		x.upper = append(x.upper, make([]uint32, k)...)
		ir.u32s(x.upper[len(x.upper)-k:])
	}
	sum := ir.crc
	if stored := ir.u32(); ir.err != nil {
		return nil, ir.err
	} else if stored != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrBadIndexFile)
	}
	if err := x.checkLinks(); err != nil {
		return nil, err
	}
	for i := range uint32(n) {
		nd := x.nodes.at(i)
		if nd.alias {
			continue
		}
		h := codeHash(x.codes.row(i))
		if _, ok := x.byCode[h]; !ok {
			x.byCode[h] = i
		}
		for j := nd.next; j != 0; j = x.nodes.at(j).next {
			x.addAlias(i, alias{id: x.nodes.at(j).id, node: j})
		}
	}
	return x, nil
}

// checkLinks verifies that every link points to a graph node present on its
// layer and that aliases and tail nodes have no links, so that a damaged
// file with a valid checksum cannot make a search index out of range.
func (x *Index) checkLinks() error {
	for i := range uint32(x.n) {
		nd := x.nodes.at(i)
		if nd.alias && x.links.row(i)[0] != 0 || !nd.alias && nd.next > 0 && !x.nodes.at(nd.next).alias {
			return corrupt("alias %d", i)
		}
		for l := range int(nd.level) + 1 {
			list := x.list(i, l)
			if int(list[0]) > len(list)-1 || int(i) >= x.linked && list[0] != 0 {
				return corrupt("node %d has %d links on layer %d", i, list[0], l)
			}
			for _, j := range list[1 : 1+list[0]] {
				if int(j) >= x.linked || int(x.nodes.at(j).level) < l || x.nodes.at(j).alias {
					return corrupt("node %d links to %d on layer %d", i, j, l)
				}
			}
		}
	}
	return nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: inconsistent %s", ErrBadIndexFile, fmt.Sprintf(format, args...))
}

// chunksOf returns the number of slab chunks that hold n rows.
func chunksOf(n int) int { return (n + chunkRows - 1) / chunkRows }

// part returns the rows of chunk c that are below n, as one slice.
func (s *slab[T]) part(c, n int) []T {
	rows := min(chunkRows, n-c*chunkRows)
	return s.chunks[c][:rows*s.width]
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}

// indexWriter writes little-endian values and keeps a running checksum; the
// first error sticks.
type indexWriter struct {
	w   *bufio.Writer
	crc uint32
	buf []byte
	err error
}

func (w *indexWriter) bytes(p []byte) {
	if w.err != nil {
		return
	}
	w.crc = crc32.Update(w.crc, castagnoli, p)
	_, w.err = w.w.Write(p)
}

func (w *indexWriter) u32(v uint32) {
	w.bytes(binary.LittleEndian.AppendUint32(w.buf[:0], v))
}

func (w *indexWriter) u64(v uint64) {
	w.bytes(binary.LittleEndian.AppendUint64(w.buf[:0], v))
}

func (w *indexWriter) u32s(a []uint32) {
	for len(a) > 0 {
		k := min(len(a), len(w.buf)/4)
		b := w.buf[:0]
		for _, v := range a[:k] {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		w.bytes(b)
		a = a[k:]
	}
}

func (w *indexWriter) u64s(a []uint64) {
	for len(a) > 0 {
		k := min(len(a), len(w.buf)/8)
		b := w.buf[:0]
		for _, v := range a[:k] {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		w.bytes(b)
		a = a[k:]
	}
}

// indexReader reads little-endian values and keeps a running checksum; the
// first error sticks, and reading past the end is ErrBadIndexFile.
type indexReader struct {
	r   *bufio.Reader
	crc uint32
	buf []byte
	err error
}

func (r *indexReader) bytes(p []byte) {
	if r.err != nil {
		clear(p)
		return
	}
	if _, err := io.ReadFull(r.r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrBadIndexFile)
		}
		r.err = err
		clear(p)
		return
	}
	r.crc = crc32.Update(r.crc, castagnoli, p)
}

func (r *indexReader) u32() uint32 {
	b := r.buf[:4]
	r.bytes(b)
	return binary.LittleEndian.Uint32(b)
}

func (r *indexReader) u64() uint64 {
	b := r.buf[:8]
	r.bytes(b)
	return binary.LittleEndian.Uint64(b)
}

func (r *indexReader) u32s(a []uint32) {
	for len(a) > 0 && r.err == nil {
		k := min(len(a), len(r.buf)/4)
		b := r.buf[:4*k]
		r.bytes(b)
		for i := range a[:k] {
			a[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		a = a[k:]
	}
}

func (r *indexReader) u64s(a []uint64) {
	for len(a) > 0 && r.err == nil {
		k := min(len(a), len(r.buf)/8)
		b := r.buf[:8*k]
		r.bytes(b)
		for i := range a[:k] {
			a[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
		a = a[k:]
	}
}
