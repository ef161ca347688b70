package clustering

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// The index keeps two compact forms of each vector, both computed with
// integer arithmetic only, so that they are bit-identical on every platform:
//
//   - its code: the vector scaled so that its largest |component| is 127 and
//     rounded to int8. Scores are cosines of codes, computed exactly with
//     integer dot products and integer norms; identical vectors have identical
//     codes and so score exactly 1.
//   - its sketch: the signs of the code after a fixed pseudo-random rotation
//     (random sign flips and Walsh-Hadamard transforms), one bit per rotated
//     dimension. The Hamming distance of two sketches estimates the angle of
//     the vectors. Sketches steer the graph search, which needs many cheap,
//     approximate comparisons.

// minSketchBits is the least sketch length. More bits estimate the cosine
// better, at the cost of memory and time per comparison: with 1024 bits the
// standard error is about 0.035 for cosines near 0.3.
const minSketchBits = 1024

// maxDim bounds the dimension so that integer norms of codes fit in int32.
const maxDim = 1 << 16

// laneMask selects the even bytes of a little-endian word, each in a 16-bit lane.
const laneMask = 0x00FF00FF00FF00FF

// codeLen returns the length of a code row: dim rounded up to a multiple of 8,
// so the dot product can read whole 64-bit words. Padding is a zero component.
func codeLen(dim int) int { return (dim + 7) &^ 7 }

// sketchBits returns the length of a sketch, the rotated dimension: a power
// of two, at least dim and at least minSketchBits.
func sketchBits(dim int) int {
	d := minSketchBits
	for d < dim {
		d <<= 1
	}
	return d
}

// checkVector reports whether v can be indexed: of length dim, finite and not
// all zero.
func checkVector(v []float32, dim int) string {
	if len(v) != dim {
		return "wrong dimension"
	}
	nonzero := false
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return "not finite"
		}
		if x != 0 {
			nonzero = true
		}
	}
	if !nonzero {
		return "zero vector"
	}
	return ""
}

// quantize writes the code of v into dst (len codeLen(dim)) as offset binary,
// byte = component+128. v must have passed checkVector.
func quantize(dst []uint8, v []float32) {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(float64(x)))
	}
	scale := 127 / m
	for i, x := range v {
		c := int64(math.RoundToEven(float64(x) * scale))
		dst[i] = uint8(min(max(c, -127), 127) + 128)
	}
	for i := len(v); i < len(dst); i++ {
		dst[i] = 128
	}
}

// probe is a vector prepared for exact scoring against codes and for sketch
// comparisons: the query of a search, or the vector being added.
type probe struct {
	code   []uint8  // its own code, offset binary
	norm2  int32    // squared norm of code
	sum    int32    // component sum of code
	words  []uint64 // code split for dotCode: 4 words per 8 components
	sketch []uint64 // sign bits of the rotated code
	rot    []int64  // rotated code (scratch)
}

func newProbe(dim int) *probe {
	n := codeLen(dim)
	return &probe{
		code:   make([]uint8, n),
		words:  make([]uint64, n/2),
		sketch: make([]uint64, sketchBits(dim)/64),
		rot:    make([]int64, sketchBits(dim)),
	}
}

// clone returns a copy of q without its scratch space, for scoring and
// sketch comparisons only.
func (q *probe) clone() *probe {
	return &probe{code: slices.Clone(q.code), norm2: q.norm2, sum: q.sum,
		words: slices.Clone(q.words), sketch: slices.Clone(q.sketch)}
}

// setExact prepares q for exact scoring from the code already in q.code.
func (q *probe) setExact() {
	var n2, s int64
	for _, b := range q.code {
		c := int64(b) - 128
		n2 += c * c
		s += c
	}
	q.norm2, q.sum = int32(n2), int32(s)
	splitProbe(q.words, q.code)
}

// set prepares q for exact scoring and for sketch comparisons.
func (q *probe) set(r *rotation) {
	q.setExact()
	r.sketch(q.sketch, q.rot, q.code)
}

// splitProbe lays out a code so that dotCode can multiply it with a stored
// code four components per 64-bit multiplication (SWAR). Each probe byte is
// split into its high and low nibble; for each 8 bytes of code there are four
// words: high nibbles of the even bytes, of the odd bytes, then low nibbles of
// the even and odd bytes, each in 16-bit lanes in reverse order. Multiplying
// stored lanes (a0 a2 a4 a6) by reversed probe lanes (b6 b4 b2 b0) puts
// a0·b0+a2·b2+a4·b4+a6·b6 in the top lane, and no lane overflows because
// 4·255·15 < 1<<16.
func splitProbe(words []uint64, code []uint8) {
	for j := 0; j < len(code); j += 8 {
		var eh, oh, el, ol uint64
		for t := range 4 {
			sh := uint(48 - 16*t)
			e, o := code[j+2*t], code[j+2*t+1]
			eh |= uint64(e>>4) << sh
			oh |= uint64(o>>4) << sh
			el |= uint64(e&15) << sh
			ol |= uint64(o&15) << sh
		}
		w := words[j/2 : j/2+4 : j/2+4]
		w[0], w[1], w[2], w[3] = eh, oh, el, ol
	}
}

// dotCode returns the exact dot product of a stored code (sum its component
// sum) with the probe.
func (q *probe) dotCode(code []uint8, sum int32) int64 {
	words := q.words[:len(code)/2]
	var hi, lo uint64
	for j := 0; j+8 <= len(code); j += 8 {
		w := binary.LittleEndian.Uint64(code[j:])
		e, o := w&laneMask, w>>8&laneMask
		qw := words[j/2 : j/2+4 : j/2+4]
		hi += e*qw[0]>>48 + o*qw[1]>>48
		lo += e*qw[2]>>48 + o*qw[3]>>48
	}
	// Σ(a+128)(b+128) = Σab + 128(Σa + Σb) + n·128².
	raw := int64(hi<<4 + lo)
	return raw - 128*(int64(sum)+int64(q.sum)) - int64(len(code))*128*128
}

// codeCosine returns the cosine of two codes from their dot product and squared
// norms. sqrt(x·x) == x exactly in float64, so a code scores exactly 1 with
// itself.
func codeCosine(dot int64, n2a, n2b int32) float64 {
	if n2a == 0 || n2b == 0 {
		return 0
	}
	c := float64(dot) / math.Sqrt(float64(n2a)*float64(n2b))
	return min(max(c, -1), 1)
}

// rotation is the fixed pseudo-random rotation behind sketches: twice a
// random sign flip of each component followed by an unnormalised
// Walsh-Hadamard transform, on the code zero-padded to a power of two. Each
// rotated component is then a combination of all components with
// pseudo-random weights, so its sign is a pseudo-random hyperplane test and
// two vectors' signs differ with probability about angle/π. (One round alone
// leaves the rows of the transform too regular: recall was lower.) It uses
// int64 arithmetic, exact for dim ≤ maxDim.
type rotation struct {
	signs [2][]int64 // per round, ±1 per rotated dimension
}

// rotationSeed fixes the rotation. Changing it changes every sketch and so
// needs a new file format version.
const rotationSeed = 0x7469_6d70_616e_6931 // "timpani1"

func newRotation(dim int) *rotation {
	d := sketchBits(dim)
	r := &rotation{}
	state := uint64(rotationSeed)
	for k := range r.signs {
		r.signs[k] = make([]int64, d)
		for i := range d {
			state += splitmixGamma
			r.signs[k][i] = int64(splitmix64(state)>>63)*2 - 1
		}
	}
	return r
}

// sketch writes the sign bits of the rotated code into dst, using buf
// (len sketchBits) as scratch.
func (r *rotation) sketch(dst []uint64, buf []int64, code []uint8) {
	clear(buf)
	for i, b := range code {
		buf[i] = int64(b) - 128
	}
	for _, signs := range r.signs {
		signs = signs[:len(buf)]
		for i := range buf {
			buf[i] *= signs[i]
		}
		hadamard(buf)
	}
	for w := range dst {
		var word uint64
		for i, x := range buf[64*w : 64*w+64] {
			word |= uint64(-x) >> 63 << i // 1 if x > 0, without a branch
		}
		dst[w] = word
	}
}

// hadamard applies the unnormalised fast Walsh-Hadamard transform in place;
// len(a) must be a power of two. It does two radix-2 stages per pass (radix
// 4), which halves the passes over a.
func hadamard(a []int64) {
	n := len(a)
	h := 1
	for ; 4*h <= n; h *= 4 {
		for i := 0; i < n; i += 4 * h {
			a0, a1, a2, a3 := a[i:i+h], a[i+h:i+2*h], a[i+2*h:i+3*h], a[i+3*h:i+4*h]
			for j := range a0 {
				s0, d0 := a0[j]+a1[j], a0[j]-a1[j]
				s1, d1 := a2[j]+a3[j], a2[j]-a3[j]
				a0[j], a1[j], a2[j], a3[j] = s0+s1, d0+d1, s0-s1, d0-d1
			}
		}
	}
	if h < n { // one radix-2 stage left
		x, y := a[:h], a[h:2*h]
		for j := range x {
			x[j], y[j] = x[j]+y[j], x[j]-y[j]
		}
	}
}

// hamming returns the number of differing bits of two sketches.
func hamming(a, b []uint64) int {
	b = b[:len(a)]
	n := 0
	for i := range a {
		n += bits.OnesCount64(a[i] ^ b[i])
	}
	return n
}

// codeHash returns a 64-bit hash of a code, to find identical codes.
func codeHash(code []uint8) uint64 {
	h := uint64(len(code))
	for j := 0; j+8 <= len(code); j += 8 {
		h = splitmix64(h ^ binary.LittleEndian.Uint64(code[j:]))
	}
	return h
}

const splitmixGamma = 0x9e3779b97f4a7c15

// splitmix64 is the finaliser of the SplitMix64 generator: a fixed, well
// mixed hash of x.
func splitmix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
