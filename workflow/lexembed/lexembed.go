// Package lexembed is timpani's built-in, offline text embedder: hashed word
// and character n-grams, L2-normalised, in Dim dimensions.
//
// It catches exact copies, retweets and near-copies (a word or two changed).
// It has no semantic or cross-lingual matching: two posts about the same story
// in different words score low. Use a real sentence-embedding service for that.
//
// Vectors are stored under the model name Model and must never be compared with
// vectors of another model, including an older version of this one: the name
// changes whenever the vectors would change (a golden test pins them).
//
// The pipeline, per text:
//
//  1. Only the first MaxTextBytes bytes are read.
//  2. Whitespace-separated chunks that are URLs or @mentions are dropped, and so
//     is an "RT" before the first word; a link glued to text ("[more](https://…)")
//     is cut off. (A text left with no word at all is embedded from its folded
//     chunks as whole words instead.)
//  3. Runes are folded: unicode.ToLower plus the cheap compatibility forms seen on
//     social media (fullwidth ASCII, mathematical bold/italic letters and digits,
//     circled letters), ё→е and ς→σ. Apostrophes, zero-width characters, Arabic
//     tatweel and harakat are deleted, so "don't"="dont".
//  4. Runs of letters, digits and marks are words. Scripts written without spaces
//     (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) form their own runs,
//     whose "words" are overlapping character bigrams.
//  5. Features: each word, and the character 3-, 4- and 5-grams of the word
//     padded with one space on each side ("cat" → " ca", "cat", "at ", " cat",
//     "cat ", " cat ").
//  6. Each distinct feature is hashed (FNV-1a over code points, then a 64-bit
//     finaliser) to one of Dim dimensions with a sign, weighted 1+ln(tf); the sum
//     is L2-normalised.
//
// Every step uses integer arithmetic or correctly rounded IEEE operations, so the
// vectors are bit-identical on every platform and Go version.
package lexembed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

const (
	// Model is the model key stored with every vector. Change the version
	// whenever any change would alter a vector (TestGolden fails then).
	Model = "hashed-ngrams-768-v1"

	// Dim is the vector length, the same as Alegre's and Presto's models, so
	// their storage schema is kept.
	Dim = 768

	// DefaultThreshold is the cosine at or above which two posts are treated as
	// the same (near-)copy. It was calibrated on the shared datasets; the figures
	// are in README.md and come from `go test -run Calibrate -v`.
	DefaultThreshold = 0.70

	// MaxTextBytes bounds the work per text: bytes beyond it are ignored (cut
	// at a rune boundary). Telegram posts are at most 4096 characters, tweets 280.
	MaxTextBytes = 64 << 10
)

// ErrLength is returned (wrapped) by Decode for a byte slice whose length is not
// a multiple of 4.
var ErrLength = errors.New("length is not a multiple of 4")

// Feature kinds, kept in the two low bits of a feature key so that the weight
// of a feature is known after counting.
const (
	kindWord   = 0
	kindBigram = 1
	kindNgram  = 2
)

// config holds the feature choices. Only defaultConfig is used outside tests;
// the calibration test compares alternatives with it.
type config struct {
	minN, maxN int        // character n-gram lengths
	bigrams    bool       // add word bigrams
	weight     [3]float64 // per kind: word, bigram, n-gram
}

var defaultConfig = config{minN: 3, maxN: 5, weight: [3]float64{1, 1, 1}}

// Embedder embeds texts reusing its buffers, so that steady-state use does not
// allocate. The zero value is ready to use. An Embedder is not safe for
// concurrent use; give each goroutine its own.
type Embedder struct {
	cfg *config // nil: defaultConfig

	run     []rune // current run, with a leading pad space while being filled
	runCJK  bool   // the run is in a script written without spaces
	prev    uint64 // hash of the previous word, for bigrams; 0 = none
	started bool   // a word has been emitted (an "RT" after it is a word)

	feats []uint64 // feature keys of the current text, repeats included
	slots []slot   // tf counting table, all counts zero between calls
	seen  []uint32 // used slots in first-seen order
	acc   [Dim]float64
}

type slot struct {
	key uint64
	n   uint32
}

// Embed returns the vector of text. It allocates; use an Embedder in loops.
func Embed(text string) []float32 {
	// Latin text gives about 3 features per byte: size the buffer once.
	e := Embedder{feats: make([]uint64, 0, 4*min(len(text), MaxTextBytes)+16)}
	v := make([]float32, Dim)
	e.EmbedInto(v, text)
	return v
}

// EmbedInto writes the vector of text into dst, which must have length Dim.
//
// A text with no words left after the clean-up (only URLs, mentions, emoji or
// punctuation) is embedded from its whole whitespace-separated chunks instead:
// copies of it score 1, other such texts about 0. An empty text, or one of only
// spaces and zero-width characters, gives the zero vector, whose cosine with
// any vector is 0, so it never joins a cluster by similarity.
func (e *Embedder) EmbedInto(dst []float32, text string) {
	if len(dst) != Dim {
		panic(fmt.Sprintf("lexembed: EmbedInto: len(dst) = %d, want %d", len(dst), Dim))
	}
	cfg := e.cfg
	if cfg == nil {
		cfg = &defaultConfig
	}
	text = truncate(text, MaxTextBytes)
	e.feats = e.feats[:0]
	e.extract(cfg, text)
	if len(e.feats) == 0 {
		// Nothing but links, mentions, emoji or punctuation: fall back to
		// whole chunks, so identical posts still match and different links
		// do not (no n-grams, which "https://t.co/..." would share).
		e.extractChunks(text)
	}

	// Count each distinct feature (tf) in an open-addressing table, then add
	// them in first-seen order: a fixed order, so the float sums reproduce.
	size := 64
	for size < 2*len(e.feats) {
		size <<= 1
	}
	if len(e.slots) < size {
		e.slots = make([]slot, size)
	}
	slots, mask := e.slots[:size], uint64(size-1)
	e.seen = e.seen[:0]
	for _, key := range e.feats {
		i := key >> 2 & mask // the low two bits are the kind
		for slots[i].n != 0 && slots[i].key != key {
			i = (i + 1) & mask
		}
		if slots[i].n == 0 {
			slots[i].key = key
			e.seen = append(e.seen, uint32(i))
		}
		slots[i].n++
	}
	clear(e.acc[:])
	for _, i := range e.seen {
		key, tf := slots[i].key, slots[i].n
		slots[i].n = 0 // leave the table empty for the next text
		w := tfWeight(int(tf)) * cfg.weight[key&3]
		// Index from the high 32 bits (multiply-shift, no modulo bias to
		// speak of), sign from bit 31: independent bits of the mixed hash.
		idx := ((key >> 32) * Dim) >> 32
		if key&(1<<31) != 0 {
			e.acc[idx] -= w
		} else {
			e.acc[idx] += w
		}
	}

	var sum float64
	for _, x := range e.acc {
		sum += float64(x * x) // the conversion forbids fusing into an FMA
	}
	if sum == 0 {
		clear(dst)
		return
	}
	norm := math.Sqrt(sum)
	for i, x := range e.acc {
		dst[i] = float32(x / norm)
	}
}

// Cosine returns the cosine similarity of two L2-normalised vectors (their dot
// product), in [-1, 1]; it is 0 when either is the zero vector. It panics if
// the lengths differ, which means vectors of different models were mixed.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("lexembed: Cosine of vectors of lengths %d and %d", len(a), len(b)))
	}
	// float32×float32 is exact in float64; four sums break the dependency chain.
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(a[i]) * float64(b[i])
		s1 += float64(a[i+1]) * float64(b[i+1])
		s2 += float64(a[i+2]) * float64(b[i+2])
		s3 += float64(a[i+3]) * float64(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// Encode returns v as little-endian IEEE-754 float32s, 4 bytes per value.
func Encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Decode is the inverse of Encode. It accepts any whole number of float32s;
// callers check the length against their model's dimension.
func Decode(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("decode vector of %d bytes: %w", len(b), ErrLength)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Back up over at most 3 continuation bytes (10xxxxxx).
	for i := n; i > n-4 && i > 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return s[:i]
		}
	}
	return s[:n]
}

// tfWeights caches 1+ln(tf) for small tf.
var tfWeights = func() [64]float64 {
	var t [64]float64
	for i := 1; i < len(t); i++ {
		t[i] = 1 + lnInt(i)
	}
	return t
}()

func tfWeight(tf int) float64 {
	if tf < len(tfWeights) {
		return tfWeights[tf]
	}
	return 1 + lnInt(tf)
}

// lnInt returns ln(n) for n >= 1 using only correctly rounded operations
// (math.Log has assembly on amd64 and s390x that may differ in the last bit
// from the portable code, and the vectors must not).
func lnInt(n int) float64 {
	m, k := math.Frexp(float64(n)) // n = m·2^k, m in [0.5, 1)
	m *= 2
	k--
	// ln(m) = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + ...), s = (m-1)/(m+1) < 1/3.
	s := (m - 1) / (m + 1)
	s2 := float64(s * s)
	term := s
	sum := s
	for i := 3; i < 60; i += 2 {
		term = float64(term * s2)
		add := term / float64(i)
		if add < 1e-18 {
			break
		}
		sum += add
	}
	return float64(float64(k)*math.Ln2) + 2*sum
}
