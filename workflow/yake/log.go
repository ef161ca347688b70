package yake

import (
	"math"
	"math/big"
	"sync"
)

// Python's math.log is the C library's log, which glibc rounds correctly; Go's math.Log
// can be one unit in the last place away (Go gives ln 3 = 1.0986122886681096, glibc
// 1.0986122886681098). YAKE's scores are full of exact ties, so one ulp reorders
// keywords. logCR computes the correctly rounded logarithm with math/big instead. Its
// arguments are few and repeat (term frequencies, 3 + the median sentence index, and the
// logarithms of those), so results are cached.

const logPrec = 160 // bits; far more than the 53 a float64 needs to round correctly

var (
	logCache     sync.Map // float64 → float64
	logCacheSize int64
	logCacheMu   sync.Mutex
	ln2          = sync.OnceValue(func() *big.Float {
		return atanhSeries(new(big.Float).SetPrec(logPrec).Quo(one(), big.NewFloat(3).SetPrec(logPrec)))
	})
)

const logCacheMax = 1 << 16

// logCR returns the natural logarithm of x rounded to the nearest float64.
func logCR(x float64) float64 {
	if x <= 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return math.Log(x) // -Inf, NaN or +Inf, as in C
	}
	if x == 1 {
		return 0
	}
	if v, ok := logCache.Load(x); ok {
		return v.(float64)
	}
	v := bigLog(x)
	logCacheMu.Lock()
	if logCacheSize < logCacheMax {
		logCacheSize++
		logCache.Store(x, v)
	}
	logCacheMu.Unlock()
	return v
}

// bigLog computes ln x = e·ln 2 + 2·atanh((m-1)/(m+1)) with x = m·2^e, m in [√½, √2).
func bigLog(x float64) float64 {
	frac, exp := math.Frexp(x) // x = frac · 2^exp, frac in [0.5, 1)
	m := frac * 2
	exp--
	if m > math.Sqrt2 {
		m /= 2
		exp++
	}
	bm := new(big.Float).SetPrec(logPrec).SetFloat64(m)
	num := new(big.Float).SetPrec(logPrec).Sub(bm, one())
	den := new(big.Float).SetPrec(logPrec).Add(bm, one())
	z := new(big.Float).SetPrec(logPrec).Quo(num, den)
	r := atanhSeries(z)
	if exp != 0 {
		e := new(big.Float).SetPrec(logPrec).SetInt64(int64(exp))
		r.Add(r, e.Mul(e, ln2()))
	}
	f, _ := r.Float64() // rounds to nearest, ties to even
	return f
}

// atanhSeries returns 2·atanh(z) = 2·(z + z³/3 + z⁵/5 + …) for |z| ≤ 1/3.
func atanhSeries(z *big.Float) *big.Float {
	sum := new(big.Float).SetPrec(logPrec).Set(z)
	z2 := new(big.Float).SetPrec(logPrec).Mul(z, z)
	pow := new(big.Float).SetPrec(logPrec).Set(z)
	term := new(big.Float).SetPrec(logPrec)
	div := new(big.Float).SetPrec(logPrec)
	for k := int64(3); ; k += 2 {
		pow.Mul(pow, z2)
		term.Quo(pow, div.SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -logPrec {
			break
		}
		sum.Add(sum, term)
	}
	return sum.Mul(sum, big.NewFloat(2).SetPrec(logPrec))
}

func one() *big.Float { return big.NewFloat(1).SetPrec(logPrec) }
