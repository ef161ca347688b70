package clustering

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// The benchmarks index lexembed embeddings of generated posts, which look
// like the shared datasets to the index: a post's nearest neighbours score
// about 0.4, its tenth about 0.3, its hundredth about 0.25, as for the real
// replies. Posts are 5 to 43 words drawn from a Zipf vocabulary of 60,000
// made-up words, 30% of them from one of n/40 topics of 25 words; 12% are
// near-copies of an earlier post with one to three words changed.
//
//	go test -run '^$' -bench Index -count 3 ./clustering/
//	TIMPANI_BENCH_1M=1 go test -run '^$' -bench 'Index.*/n=1000000' -timeout 3h ./clustering/
//
// BenchmarkIndexAdd builds an index of n posts and reports the time per Add
// (embedding excluded) and the heap bytes per vector once built.
// BenchmarkIndexSearch searches that index with 100 other posts and reports
// recall@10 against an exact float64 search.

func benchSizes() []int {
	sizes := []int{10_000, 100_000}
	if os.Getenv("TIMPANI_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

type benchIndex struct {
	x              *Index
	nsPerAdd       float64
	bytesPerVector float64
	queries        [][]float32
	want           [][]Match // exact top 10 per query
}

var benchIndexes = map[int]*benchIndex{}

func BenchmarkIndexAdd(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var bi *benchIndex
			for b.Loop() {
				bi = buildBenchIndex(n)
			}
			benchIndexes[n] = bi
			b.ReportMetric(bi.nsPerAdd, "ns/op")
			b.ReportMetric(bi.bytesPerVector, "B/vector")
		})
	}
}

func BenchmarkIndexSearch(b *testing.B) {
	for _, n := range benchSizes() {
		for _, ef := range []int{64, 200, defaultEfSearch} {
			for _, minScore := range []float64{-1, 0.7} {
				b.Run(fmt.Sprintf("n=%d/ef=%d/min=%g", n, ef, minScore), func(b *testing.B) {
					bi := benchIndexes[n]
					if bi == nil {
						bi = buildBenchIndex(n)
						benchIndexes[n] = bi
						b.ResetTimer()
					}
					bi.x.opt.EfSearch = ef
					defer func() { bi.x.opt.EfSearch = defaultEfSearch }()
					i := 0
					for b.Loop() {
						bi.x.Search(bi.queries[i%len(bi.queries)], 10, minScore)
						i++
					}
					if minScore < 0 {
						hits := 0
						for i, q := range bi.queries {
							hits += recallAt(bi.x.Search(q, 10, minScore), bi.want[i])
						}
						b.ReportMetric(float64(hits)/float64(10*len(bi.queries)), "recall@10")
					}
					b.ReportMetric(bi.bytesPerVector, "B/vector")
				})
			}
		}
	}
}

// buildBenchIndex indexes n generated posts and finds the exact top 10 of
// 100 more by a second pass over the regenerated vectors, so that the
// vectors are never all in memory.
func buildBenchIndex(n int) *benchIndex {
	g := newPostGen(n, 7)
	var e lexembed.Embedder
	v := make([]float32, lexembed.Dim)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := NewIndex(lexembed.Dim, IndexOptions{})
	var adding time.Duration
	for i := range n {
		e.EmbedInto(v, g.post(i))
		start := time.Now()
		x.Add(int64(i), v) // an empty post's zero vector is refused, as by callers
		adding += time.Since(start)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	bi := &benchIndex{
		x:              x,
		nsPerAdd:       float64(adding.Nanoseconds()) / float64(n),
		bytesPerVector: float64(after.HeapAlloc-before.HeapAlloc) / float64(n),
	}
	for i := range 100 {
		bi.queries = append(bi.queries, lexembed.Embed(g.post(n+i)))
	}
	bi.want = make([][]Match, len(bi.queries))
	qnorms := make([]float64, len(bi.queries))
	for j, q := range bi.queries {
		qnorms[j] = math.Sqrt(dot64(q, q))
	}
	for i := range n {
		e.EmbedInto(v, g.post(i))
		vn := math.Sqrt(dot64(v, v))
		for j, q := range bi.queries {
			s := dot64(q, v) / (qnorms[j] * vn)
			w := bi.want[j]
			if len(w) == 10 && s < w[9].Score {
				continue
			}
			w = append(w, Match{ID: int64(i), Score: s})
			sortMatches(w)
			bi.want[j] = w[:min(len(w), 10)]
		}
	}
	return bi
}

// postGen generates the benchmark posts; post(i) depends only on i and the
// seed, so posts can be generated again instead of kept.
type postGen struct {
	seed   uint64
	topics int
	words  []string
	cum    []float64 // cumulative Zipf probabilities of words
}

func newPostGen(n int, seed uint64) *postGen {
	g := &postGen{seed: seed, topics: max(n/40, 10)}
	r := rand.New(rand.NewPCG(seed, 0))
	var total float64
	for i := range 60_000 {
		var b strings.Builder
		for range 2 + r.IntN(4) + r.IntN(5) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		g.words = append(g.words, b.String())
		total += 1 / math.Pow(float64(i+1), 1.05)
		g.cum = append(g.cum, total)
	}
	for i := range g.cum {
		g.cum[i] /= total
	}
	return g
}

func (g *postGen) word(r *rand.Rand) string {
	i, _ := slices.BinarySearch(g.cum, r.Float64())
	return g.words[min(i, len(g.words)-1)]
}

func (g *postGen) post(i int) string {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)+1))
	if i > 0 && r.Float64() < 0.12 { // a near-copy of an earlier post
		words := strings.Fields(g.post(r.IntN(i)))
		for range 1 + r.IntN(3) {
			if len(words) > 0 {
				words[r.IntN(len(words))] = g.word(r)
			}
		}
		return strings.Join(words, " ")
	}
	tr := rand.New(rand.NewPCG(g.seed^0xabcdef, uint64(r.IntN(g.topics))))
	topic := make([]string, 25)
	for k := range topic {
		topic[k] = g.words[100+tr.IntN(len(g.words)-100)]
	}
	words := make([]string, 5+r.IntN(20)+r.IntN(20))
	for k := range words {
		if r.Float64() < 0.3 {
			words[k] = topic[min(r.IntN(len(topic)), r.IntN(len(topic)))]
		} else {
			words[k] = g.word(r)
		}
	}
	return strings.Join(words, " ")
}
