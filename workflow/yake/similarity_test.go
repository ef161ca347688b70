package yake

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLevenshteinRatio(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"love meedan", "meedan", 6.0 / 11},
		{"love meedan", "love", 4.0 / 11},
		{"kitten", "sitting", 1 - 3.0/7},
		{"same", "same", 1},
		{"abc", "", 0},
		{"哈里斯", "特朗普", 0},
		{"data science", "acquiring data science", 1 - 10.0/22},
	}
	var lev levenshtein
	for _, tt := range tests {
		got := levenshteinRatio([]rune(tt.a), []rune(tt.b), &lev)
		if math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("levenshteinRatio(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// The bit-parallel distance must equal the plain dynamic programme, including for
// non-ASCII runes and for patterns of exactly 64 characters.
func TestLevenshteinBitParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcé哈 -жяЖΩ") // the pattern's first non-ASCII rune picks the page it tables
	random := func(n int) []rune {
		s := make([]rune, n)
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return s
	}
	var lev levenshtein
	for i := range 3000 {
		a, b := random(rng.IntN(66)), random(rng.IntN(80))
		if i%100 == 0 {
			a = random(64)
		}
		want := lev.dp(a, b)
		if len(a) > len(b) {
			want = lev.dp(b, a)
		}
		if got := lev.distance(a, b); got != want {
			t.Fatalf("distance(%q, %q) = %d; want %d", string(a), string(b), got, want)
		}
	}
}

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"MARTHA", "MARHTA", 0.9611111111111111},
		{"DWAYNE", "DUANE", 0.84},
		{"DIXON", "DICKSONX", 0.8133333333333333},
		{"abc", "xyz", 0},
		{"", "abc", 0},
	}
	for _, tt := range tests {
		if got := jaroWinkler([]rune(tt.a), []rune(tt.b)); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("jaroWinkler(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestKeepLargest(t *testing.T) {
	tests := []struct {
		name string
		in   []Keyword
		want []Keyword
	}{
		{"contained at start", kws("love", 0.1, "love Meedan", 0.01), kws("love Meedan", 0.01)},
		{"contained at end", kws("Meedan", 0.1, "love Meedan", 0.01), kws("love Meedan", 0.01)},
		// Presto tests substrings, so a keyword that ends a longer word is dropped too.
		{"substring, not whole word", kws("data", 0.1, "metadata store", 0.2), kws("metadata store", 0.2)},
		{"no space next to it", kws("data", 0.1, "metadatas", 0.2), kws("data", 0.1, "metadatas", 0.2)},
		{"case-sensitive", kws("google", 0.1, "Google Cloud", 0.2), kws("google", 0.1, "Google Cloud", 0.2)},
		{"equal length kept", kws("ab cd", 0.1, "cd ef", 0.2), kws("ab cd", 0.1, "cd ef", 0.2)},
		{"order kept", kws("c", 0.3, "a b", 0.1, "b", 0.2), kws("c", 0.3, "a b", 0.1)},
		{"empty", nil, []Keyword{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := KeepLargest(tt.in)
			if maxAbsError(got, tt.want) != 0 {
				t.Errorf("KeepLargest(%s) = %s; want %s", formatKeywords(tt.in), formatKeywords(got), formatKeywords(tt.want))
			}
		})
	}
}
