package clustering

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// The shared datasets are never copied into the repository.
const datasetDir = "../../shared/datasets/"

// raceEnabled reports whether the test binary was built with -race, whose
// slowdown the heavy tests scale down for.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// size returns n, or small under -race or -short.
func size(n, small int) int {
	if raceEnabled() || testing.Short() {
		return small
	}
	return n
}

// small are options for the tests of the graph's structure, cheaper than
// the defaults.
var small = IndexOptions{M: 6, EfConstruction: 24, EfSearch: 40, ExactBelow: 1}

// exactCosine is the reference score: the float64 cosine of the float32
// vectors.
func exactCosine(a, b []float32) float64 {
	return dot64(a, b) / math.Sqrt(dot64(a, a)*dot64(b, b))
}

// dot64 is the dot product of float32 vectors in float64.
func dot64(a, b []float32) float64 {
	return blas32.DDot(blas32.Vector{N: len(a), Inc: 1, Data: a}, blas32.Vector{N: len(b), Inc: 1, Data: b})
}

// exactTop returns the ids (positions in base) and exact cosines of the k
// vectors most similar to q, by score descending then id; norms are those
// of base.
func exactTop(base [][]float32, norms []float64, q []float32, k int) []Match {
	qn := math.Sqrt(dot64(q, q))
	var top []Match
	for i, v := range base {
		s := dot64(q, v) / (qn * norms[i])
		if len(top) == k && s < top[k-1].Score {
			continue
		}
		top = append(top, Match{ID: int64(i), Score: s})
		sortMatches(top)
		top = top[:min(len(top), k)]
	}
	return top
}

// recallAt returns how many of the ids in want are in got.
func recallAt(got, want []Match) (hits int) {
	for _, w := range want {
		if slices.ContainsFunc(got, func(m Match) bool { return m.ID == w.ID }) {
			hits++
		}
	}
	return hits
}

// measureRecall indexes base under ids 0..n-1 and returns recall@10 of the
// queries against exact search, with the default options but no exact scan.
func measureRecall(t *testing.T, base, queries [][]float32) float64 {
	t.Helper()
	x := NewIndex(len(base[0]), IndexOptions{ExactBelow: 1})
	for i, v := range base {
		if err := x.Add(int64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	norms := make([]float64, len(base))
	for i, v := range base {
		norms[i] = math.Sqrt(dot64(v, v))
	}
	want := make([][]Match, len(queries))
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < len(queries); i += 2 {
				want[i] = exactTop(base, norms, queries[i], 10)
			}
		})
	}
	wg.Wait()
	hits, total := 0, 0
	for i, q := range queries {
		hits += recallAt(x.Search(q, 10, -1), want[i])
		total += len(want[i])
	}
	return float64(hits) / float64(total)
}

// loadPosts returns the lexembed vectors of the non-empty posts among the
// first limit of a shared dataset, skipping the test if it is not there.
// They are embedded once.
func loadPosts(t *testing.T, name string, limit int) [][]float32 {
	t.Helper()
	postsMu.Lock()
	defer postsMu.Unlock()
	key := fmt.Sprint(name, limit)
	if vs, ok := postsCache[key]; ok {
		return vs
	}
	f, err := os.Open(datasetDir + name)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("dataset %s not present: %v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	var out [][]float32
	var e lexembed.Embedder
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for lines := 0; lines < limit && sc.Scan(); lines++ {
		var p struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v := make([]float32, lexembed.Dim)
		e.EmbedInto(v, p.Text)
		if !IsZero(v) {
			out = append(out, v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	postsCache[key] = out
	return out
}

var (
	postsMu    sync.Mutex
	postsCache = map[string][][]float32{}
)

// TestIndexRecallRealPosts indexes the embeddings of both shared datasets
// (English tweet replies and Russian news posts) but one post in 97, and
// queries with those. Under -race or -short it takes the first 1200 posts of
// each and holds out one in 30.
func TestIndexRecallRealPosts(t *testing.T) {
	t.Parallel()
	limit, every := size(math.MaxInt, 1200), size(97, 30)
	var base, queries [][]float32
	for _, name := range []string{"covid_rumor_replies.jsonl.gz", "telegram_ru_news.jsonl.gz"} {
		for i, v := range loadPosts(t, name, limit) {
			if i%every == every/2 {
				queries = append(queries, v)
			} else {
				base = append(base, v)
			}
		}
	}
	recall := measureRecall(t, base, queries)
	t.Logf("recall@10 %.4f: %d posts indexed, %d queries", recall, len(base), len(queries))
	if recall < 0.95 {
		t.Errorf("recall@10 = %.4f, want ≥ 0.95", recall)
	}
}

// clustered returns n unit vectors around clusters random centres, with
// noise so that a vector's cosine with its centre is about 0.7.
func clustered(n, dim, clusters int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float64, clusters)
	for c := range centres {
		centres[c] = make([]float64, dim)
		for i := range dim {
			centres[c][i] = r.NormFloat64()
		}
	}
	out := make([][]float32, n)
	for k := range out {
		c := centres[r.IntN(clusters)]
		v := make([]float32, dim)
		var norm float64
		for i := range v {
			x := c[i] + r.NormFloat64()
			v[i] = float32(x)
			norm += x * x
		}
		for i := range v {
			v[i] = float32(float64(v[i]) / math.Sqrt(norm))
		}
		out[k] = v
	}
	return out
}

func TestIndexRecallClustered(t *testing.T) {
	t.Parallel()
	n := size(20000, 1200)
	vs := clustered(n+200, 96, n/100, 1)
	recall := measureRecall(t, vs[:n], vs[n:])
	t.Logf("recall@10 %.4f: %d clustered vectors of 96 dimensions", recall, n)
	if recall < 0.95 {
		t.Errorf("recall@10 = %.4f, want ≥ 0.95", recall)
	}
}

func randomUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		x := r.NormFloat64()
		v[i] = float32(x)
		norm += x * x
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(norm))
	}
	return v
}

func TestIndexExactBelowMatchesBruteForce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2, 2))
	x := NewIndex(50, IndexOptions{})
	vs := clustered(800, 50, 30, 3)
	for i, v := range vs {
		if err := x.Add(int64(1000+i), v); err != nil {
			t.Fatal(err)
		}
	}
	for range 30 {
		q := randomUnit(r, 50)
		if r.IntN(2) == 0 {
			q = vs[r.IntN(len(vs))]
		}
		minScore := []float64{-1, 0, 0.3}[r.IntN(3)]
		var want []Match
		for i, v := range vs {
			score, ok := x.Similarity(int64(1000+i), q)
			if !ok {
				t.Fatalf("Similarity(%d) not ok", 1000+i)
			}
			if math.Abs(score-exactCosine(q, v)) > 0.01 {
				t.Fatalf("score %.5f, exact %.5f", score, exactCosine(q, v))
			}
			if score >= minScore {
				want = append(want, Match{ID: int64(1000 + i), Score: score})
			}
		}
		sortMatches(want)
		want = want[:min(len(want), 20)]
		if got := x.Search(q, 20, minScore); !slices.Equal(got, want) {
			t.Fatalf("Search = %v\nbrute force %v", got, want)
		}
	}
}

func TestIndexIdenticalVectorsScoreOne(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 4))
	for _, exactBelow := range []int{0, 1} { // exact scan, then graph search
		x := NewIndex(768, IndexOptions{ExactBelow: exactBelow})
		for i := range 500 {
			if err := x.Add(int64(i), randomUnit(r, 768)); err != nil {
				t.Fatal(err)
			}
		}
		v := randomUnit(r, 768)
		for _, id := range []int64{-7, 99999} {
			if err := x.Add(id, slices.Clone(v)); err != nil {
				t.Fatal(err)
			}
		}
		got := x.Search(v, 3, 1.0)
		if want := []Match{{-7, 1}, {99999, 1}}; !slices.Equal(got, want) {
			t.Errorf("ExactBelow %d: Search(copy, 3, 1.0) = %v, want %v", exactBelow, got, want)
		}
		if s, ok := x.Similarity(99999, v); s != 1 || !ok {
			t.Errorf("Similarity = %v, %v; want exactly 1", s, ok)
		}
	}
}

// TestIndexScorePrecision compares scores with the float64 cosine for real
// posts, dense random vectors and sparse ones, and for vectors with one
// dominant component, the hard case for scaling by the largest component.
func TestIndexScorePrecision(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	var dense, sparse, peaked, posts [][]float32
	for range size(300, 80) {
		dense = append(dense, randomUnit(r, 768))
		v := make([]float32, 768)
		for range 1 + r.IntN(40) {
			v[r.IntN(768)] = float32(r.NormFloat64())
		}
		if !IsZero(v) {
			sparse = append(sparse, v)
		}
		v = randomUnit(r, 768)
		v[r.IntN(768)] = 3 // 90% of the norm
		peaked = append(peaked, v)
	}
	if _, err := os.Stat(datasetDir); err == nil {
		for _, name := range []string{"covid_rumor_replies.jsonl.gz", "telegram_ru_news.jsonl.gz"} {
			all := loadPosts(t, name, size(math.MaxInt, 1200))
			for i := 0; i < len(all); i += size(120, 15) {
				posts = append(posts, all[i])
			}
		}
	}
	for _, c := range []struct {
		name  string
		vs    [][]float32
		limit float64
	}{
		{"real posts", posts, 0.005},
		{"dense", dense, 0.005},
		{"sparse", sparse, 0.005},
		{"peaked", peaked, 0.012},
	} {
		if len(c.vs) == 0 {
			continue
		}
		x := NewIndex(768, IndexOptions{})
		for i, v := range c.vs {
			if err := x.Add(int64(i), v); err != nil {
				t.Fatal(err)
			}
		}
		var worst, sq float64
		n := 0
		for i, q := range c.vs {
			for j := i + 1; j < len(c.vs); j++ {
				score, _ := x.Similarity(int64(j), q)
				e := score - exactCosine(q, c.vs[j])
				worst, sq, n = max(worst, math.Abs(e)), sq+e*e, n+1
			}
		}
		t.Logf("%s: |score - float64 cosine| largest %.5f, rms %.5f over %d pairs", c.name, worst, math.Sqrt(sq/float64(n)), n)
		if worst > c.limit {
			t.Errorf("%s: largest score error %.5f > %g", c.name, worst, c.limit)
		}
	}
}

func TestIndexDotCodeIsExact(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(6, 6))
	for _, dim := range []int{1, 7, 8, 768, 1000} {
		q := newProbe(dim)
		stored := make([]uint8, codeLen(dim))
		for it := range 50 {
			for i := range codeLen(dim) {
				a, b := int64(r.IntN(255))-127, int64(r.IntN(255))-127
				if it == 0 {
					a, b = 127, -127 // extremes
				}
				if i >= dim {
					a, b = 0, 0
				}
				stored[i], q.code[i] = uint8(a+128), uint8(b+128)
			}
			q.setExact()
			var want, sum int64
			for i := range stored {
				a, b := int64(stored[i])-128, int64(q.code[i])-128
				want += a * b
				sum += a
			}
			if got := q.dotCode(stored, int32(sum)); got != want {
				t.Fatalf("dim %d: dotCode = %d, want %d", dim, got, want)
			}
		}
	}
}

func TestIndexRemove(t *testing.T) {
	t.Parallel()
	const n = 2400
	vs := clustered(n+100, 32, 40, 7)
	x := NewIndex(32, small)
	for i, v := range vs[:n] {
		if err := x.Add(int64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	removed := map[int64]bool{}
	for i := int64(0); i < n; i += 3 {
		if !x.Remove(i) {
			t.Fatalf("Remove(%d) = false", i)
		}
		removed[i] = true
	}
	if x.Remove(0) || x.Has(0) || !x.Has(1) {
		t.Fatal("Remove twice or Has wrong")
	}
	if got, want := x.Len(), n-len(removed); got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	checkNoRemoved := func() {
		t.Helper()
		for i := 0; i < len(vs); i += 37 {
			res := x.Search(vs[i], 50, -1)
			if len(res) != 50 {
				t.Fatalf("Search found %d, want 50", len(res))
			}
			for _, m := range res {
				if removed[m.ID] {
					t.Fatalf("removed id %d returned", m.ID)
				}
			}
		}
	}
	checkNoRemoved()

	// Re-adding a removed id works, with its new vector.
	if err := x.Add(3, vs[n+50]); err != nil {
		t.Fatal(err)
	}
	delete(removed, 3)
	if res := x.Search(vs[n+50], 1, -1); len(res) != 1 || res[0].ID != 3 || res[0].Score != 1 {
		t.Fatalf("re-added id: Search = %v", res)
	}

	// Once 1024 or more are removed, and more than half as many as remain,
	// the graph is rebuilt without them.
	for i := int64(1); i < n; i += 3 {
		x.Remove(i)
		removed[i] = true
		if dead := x.n - x.live; dead >= compactMin && 2*dead > x.live {
			t.Fatalf("%d removed nodes of %d", dead, x.n)
		}
	}
	if x.n > n || x.Len() != n-len(removed) {
		t.Fatalf("no rebuild: %d nodes, Len %d, want %d", x.n, x.Len(), n-len(removed))
	}
	checkNoRemoved()
	for i := int64(2); i < n; i += 3 {
		if res := x.Search(vs[i], 1, -1); len(res) != 1 || res[0].ID != i {
			t.Fatalf("after rebuild, Search(vector %d) = %v", i, res)
		}
	}
}

// TestIndexAliases checks that copies share a node yet each is found,
// removed and restored on its own.
func TestIndexAliases(t *testing.T) {
	t.Parallel()
	vs := clustered(1000, 32, 30, 8)
	x := NewIndex(32, small)
	for i, v := range vs {
		if err := x.Add(int64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	for id := int64(5000); id < 5040; id++ { // 40 copies of vector 10
		if err := x.Add(id, vs[10]); err != nil {
			t.Fatal(err)
		}
	}
	want := []int64{10, 5000, 5001, 5002}
	if got := ids(x.Search(vs[10], 4, 0.99)); !slices.Equal(got, want) {
		t.Fatalf("Search = %v, want %v", got, want)
	}
	x.Remove(10) // the node in the graph: its copies stay findable
	x.Remove(5001)
	want = []int64{5000, 5002, 5003}
	if got := ids(x.Search(vs[10], 3, 0.99)); !slices.Equal(got, want) {
		t.Fatalf("after removals, Search = %v, want %v", got, want)
	}
	for id := int64(4999); id >= 4960; id-- { // more copies, with falling ids
		if err := x.Add(id, vs[10]); err != nil {
			t.Fatal(err)
		}
	}
	want = []int64{4960, 4961, 4962}
	if got := ids(x.Search(vs[10], 3, 0.99)); !slices.Equal(got, want) {
		t.Fatalf("copies with falling ids, Search = %v, want %v", got, want)
	}
	for id := int64(4960); id < 5040; id++ {
		x.Remove(id)
	}
	if got := x.Search(vs[10], 3, 0.99); len(got) != 0 {
		t.Fatalf("all copies removed, Search = %v", got)
	}
	if err := x.Add(10, vs[10]); err != nil {
		t.Fatal(err)
	}
	if got := ids(x.Search(vs[10], 3, 0.99)); !slices.Equal(got, []int64{10}) {
		t.Fatalf("re-added, Search = %v", got)
	}
}

// ids returns the matches' ids, in order.
func ids(ms []Match) (out []int64) {
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// buildSequence applies the same mixed sequence of n Adds and n/5 Removes.
func buildSequence(t *testing.T, n int, opt IndexOptions) *Index {
	t.Helper()
	vs := clustered(n, 48, 30, 9)
	x := NewIndex(48, opt)
	for i, v := range vs {
		if err := x.Add(int64(i*7), v); err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			x.Remove(int64((i - 2) * 7))
		}
	}
	return x
}

func writeIndex(t *testing.T, x *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := x.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	return buf.Bytes()
}

func TestIndexDeterministic(t *testing.T) {
	t.Parallel()
	opt := small
	opt.Seed = 42
	a, b := buildSequence(t, 800, opt), buildSequence(t, 800, opt)
	if !bytes.Equal(writeIndex(t, a), writeIndex(t, b)) {
		t.Fatal("same sequence, different graphs")
	}
	qs := clustered(100, 48, 30, 10)
	for _, q := range qs {
		if ra, rb := a.Search(q, 10, -1), b.Search(q, 10, -1); !slices.Equal(ra, rb) {
			t.Fatalf("different results: %v, %v", ra, rb)
		}
	}
	opt.Seed = 43
	if bytes.Equal(writeIndex(t, a), writeIndex(t, buildSequence(t, 800, opt))) {
		t.Fatal("another seed, same graph")
	}
}

func TestIndexWriteRead(t *testing.T) {
	t.Parallel()
	x := buildSequence(t, 800, IndexOptions{M: 8, EfConstruction: 30, ExactBelow: 1})
	data := writeIndex(t, x)
	y, err := ReadIndex(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if y.Dim() != x.Dim() || y.Len() != x.Len() || y.opt != x.opt {
		t.Fatalf("read %d/%d/%+v, wrote %d/%d/%+v", y.Dim(), y.Len(), y.opt, x.Dim(), x.Len(), x.opt)
	}
	qs := clustered(100, 48, 30, 11)
	for _, q := range qs {
		if rx, ry := x.Search(q, 10, -1), y.Search(q, 10, -1); !slices.Equal(rx, ry) {
			t.Fatalf("different results after reading: %v, %v", rx, ry)
		}
	}
	// Both go on identically, removals and rebuilds included.
	for i, q := range qs {
		for _, z := range []*Index{x, y} {
			if err := z.Add(int64(100000+i), q); err != nil {
				t.Fatal(err)
			}
			z.Remove(int64(i * 7))
		}
	}
	if !bytes.Equal(writeIndex(t, x), writeIndex(t, y)) {
		t.Fatal("written, read and changed alike, the indexes differ")
	}

	empty := writeIndex(t, NewIndex(3, IndexOptions{}))
	if z, err := ReadIndex(bytes.NewReader(empty)); err != nil || z.Len() != 0 || z.Search([]float32{1, 0, 0}, 1, -1) != nil {
		t.Fatalf("empty index: %v", err)
	}
}

// testdata/index-v1.idx was written by the version 1 format's code (commit
// 4ab0b1d) from buildSequence(t, 300, small): every third of five vectors
// removed. It reads into an index whose whole graph is linked, which then
// takes new vectors into its tail as any other.
func TestIndexReadsVersion1(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/index-v1.idx")
	if err != nil {
		t.Fatal(err)
	}
	x, err := ReadIndex(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if x.Len() != 240 || x.linked != 300 || x.opt.LinkEvery != defaultLinkEvery {
		t.Fatalf("read %d vectors, %d linked, LinkEvery %d", x.Len(), x.linked, x.opt.LinkEvery)
	}
	vs := clustered(300, 48, 30, 9)
	more := clustered(300, 48, 30, 77)
	for i, v := range more {
		if err := x.Add(int64(10000+i), v); err != nil {
			t.Fatal(err)
		}
	}
	if x.linked != 556 || x.n != 600 {
		t.Fatalf("after 300 Adds: %d of %d nodes linked", x.linked, x.n)
	}
	for i, v := range slices.Concat(vs, more) {
		id := int64(i * 7)
		if i >= 300 {
			id = int64(10000 + i - 300)
		}
		got := ids(x.Search(v, 3, 0.999))
		if removed := i < 300 && i%5 == 2; removed == slices.Contains(got, id) {
			t.Errorf("vector %d (removed %v): Search = %v", i, removed, got)
		}
	}
	if _, err := ReadIndex(bytes.NewReader(writeIndex(t, x))); err != nil {
		t.Fatalf("written again as version %d: %v", fileVersion, err)
	}
}

func TestIndexReadRejectsBadInput(t *testing.T) {
	t.Parallel()
	data := writeIndex(t, buildSequence(t, 300, small))
	mustFail := func(what string, b []byte) error {
		t.Helper()
		x, err := ReadIndex(bytes.NewReader(b))
		if err == nil || x != nil {
			t.Fatalf("%s: no error", what)
		}
		if !errors.Is(err, ErrBadIndexFile) {
			t.Fatalf("%s: error %v does not wrap ErrBadIndexFile", what, err)
		}
		return err
	}
	bad := slices.Clone(data)
	copy(bad, "NOTANIDX")
	t.Logf("bad magic: %v", mustFail("bad magic", bad))
	bad = slices.Clone(data)
	binary.LittleEndian.PutUint32(bad[8:], 3)
	t.Logf("version 3: %v", mustFail("version 3", bad))
	t.Logf("truncated: %v", mustFail("truncated", data[:len(data)/2]))
	for n := 0; n < len(data); n += 1 + n/3 {
		mustFail("truncated", data[:n])
	}
	t.Logf("one byte changed: %v", mustFail("changed", flip(data, len(data)/3)))
	for i := 0; i < len(data); i += 1 + i/5 {
		mustFail("changed", flip(data, i))
	}

	// Damage that keeps the checksum right must give an error or an index
	// that works, never a panic.
	r := rand.New(rand.NewPCG(12, 12))
	for range size(300, 60) {
		bad := slices.Clone(data)
		for range 1 + r.IntN(3) {
			bad[r.IntN(len(bad)-4)] = uint8(r.IntN(256))
		}
		binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(bad[:len(bad)-4], castagnoli))
		x, err := ReadIndex(bytes.NewReader(bad))
		if err != nil {
			continue
		}
		for _, q := range clustered(5, 48, 30, r.Uint64()) {
			x.Search(q, 10, -1)
			x.Add(r.Int64(), q)
		}
	}

	// Read errors come back wrapped.
	failing := io.MultiReader(bytes.NewReader(data[:100]), iotestErrReader{})
	if _, err := ReadIndex(failing); !errors.Is(err, errBoom) {
		t.Fatalf("read error: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 0x10
	return b
}

var errBoom = errors.New("boom")

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errBoom }

// A search made ahead of time answers exactly as Search does when asked,
// whatever was added meanwhile: the tail half runs at the asking, and once
// the graph changes (a link of the tail, a removal) it searches afresh.
func TestLookaheadAnswersAsSearchDoes(t *testing.T) {
	t.Parallel()
	for _, opt := range []IndexOptions{
		{M: 8, EfConstruction: 40, EfSearch: 60, ExactBelow: 1, LinkEvery: 64},
		{M: 8, EfConstruction: 40, EfSearch: 60, ExactBelow: 700, LinkEvery: 100}, // exact, then graph
		{M: 8, EfConstruction: 40, EfSearch: 60, ExactBelow: 1, LinkEvery: 1},
	} {
		vs := clustered(1600, 48, 40, 21)
		x := NewIndex(48, opt)
		for i, v := range vs[:400] {
			if err := x.Add(int64(i), v); err != nil {
				t.Fatal(err)
			}
		}
		afresh := 0
		for start := 400; start < len(vs); {
			// Look ahead past the headroom too: those answers must still
			// be right, by searching afresh.
			end := min(start+x.Headroom()+7, len(vs))
			epoch := x.epoch
			la := x.Lookahead(vs[start:end], 10, 0.5)
			for i := range end - start {
				if x.epoch != epoch {
					afresh++
				}
				if got, want := la.Search(i), x.Search(vs[start+i], 10, 0.5); !slices.Equal(got, want) {
					t.Fatalf("%+v: query %d: Lookahead %v, Search %v", opt, start+i, got, want)
				}
				if err := x.Add(int64(start+i), vs[start+i]); err != nil {
					t.Fatal(err)
				}
				if (start+i)%97 == 0 {
					x.Remove(int64(start + i - 50))
				}
			}
			start = end
		}
		if afresh == 0 {
			t.Errorf("%+v: no answer came after a change of the graph", opt)
		}
		if x.n-x.linked >= opt.LinkEvery {
			t.Errorf("%+v: %d nodes in the tail", opt, x.n-x.linked)
		}
	}
}

// New vectors are found at once, exactly, while in the tail; linking them
// keeps them found.
func TestIndexTailIsSearchedExactly(t *testing.T) {
	t.Parallel()
	vs := clustered(3000, 48, 40, 5)
	x := NewIndex(48, IndexOptions{M: 8, EfConstruction: 40, EfSearch: 40, ExactBelow: 1, LinkEvery: 500})
	for i, v := range vs {
		if err := x.Add(int64(i), v); err != nil {
			t.Fatal(err)
		}
		if inTail := x.linked <= i; inTail && i%13 == 0 {
			// Everything the tail holds that matches well is there.
			got := x.Search(v, 1000, 0.9)
			for j := x.linked; j <= i; j++ {
				if exactCosine(v, vs[j]) > 0.91 && !slices.Contains(ids(got), int64(j)) {
					t.Fatalf("vector %d: tail vector %d (cosine %.3f) not found", i, j, exactCosine(v, vs[j]))
				}
			}
		}
	}
	if x.linked != 3000 {
		t.Fatalf("%d linked, want all 3000 (6 links of 500)", x.linked)
	}
	for i, v := range vs {
		if got := x.Search(v, 1, 0.999); len(got) == 0 {
			t.Fatalf("vector %d not found after linking", i)
		}
	}
}

func TestIndexConcurrentSearchDuringAdd(t *testing.T) {
	t.Parallel()
	vs := clustered(1500, 32, 30, 13)
	x := NewIndex(32, small)
	for i, v := range vs[:500] {
		if err := x.Add(int64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := g; ; i += 3 {
				select {
				case <-done:
					return
				default:
				}
				q := vs[i%len(vs)]
				if res := x.Search(q, 5, -1); len(res) == 0 {
					t.Error("no result")
					return
				}
				x.Similarity(int64(i%500), q)
				x.Len()
				if i%7 == 0 {
					x.Lookahead(vs[i%len(vs):i%len(vs)+1], 5, -1).Search(0)
				}
			}
		})
	}
	for i, v := range vs[500:] {
		if err := x.Add(int64(500+i), v); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			x.Remove(int64(i))
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	close(done)
	wg.Wait()
}

func TestIndexErrors(t *testing.T) {
	t.Parallel()
	x := NewIndex(4, IndexOptions{})
	if err := x.Add(1, []float32{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		id   int64
		v    []float32
		is   error
	}{
		{"wrong dimension", 2, []float32{1, 0, 0}, nil},
		{"duplicate id", 1, []float32{0, 1, 0, 0}, ErrDuplicateID},
		{"zero vector", 2, []float32{0, 0, 0, 0}, nil},
		{"NaN", 2, []float32{float32(math.NaN()), 1, 0, 0}, nil},
		{"infinity", 2, []float32{float32(math.Inf(1)), 1, 0, 0}, nil},
	} {
		err := x.Add(c.id, c.v)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v is not %v", c.name, err, c.is)
		}
		t.Logf("%s: %v", c.name, err)
	}
	if x.Len() != 1 {
		t.Errorf("Len = %d after failed Adds", x.Len())
	}
	for _, q := range [][]float32{{1, 0, 0}, {0, 0, 0, 0}, {float32(math.NaN()), 0, 0, 0}} {
		if got := x.Search(q, 1, -1); got != nil {
			t.Errorf("Search(%v) = %v", q, got)
		}
		if _, ok := x.Similarity(1, q); ok {
			t.Errorf("Similarity(%v) ok", q)
		}
	}
	if _, ok := x.Similarity(2, []float32{1, 0, 0, 0}); ok {
		t.Error("Similarity of an absent id ok")
	}
	if got := x.Search([]float32{1, 0, 0, 0}, 0, -1); got != nil {
		t.Errorf("Search k=0 = %v", got)
	}
}
