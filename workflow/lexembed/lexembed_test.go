package lexembed

import (
	"errors"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSameVector lists texts that the clean-up must make identical.
func TestSameVector(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"retweet", "RT @someone: Masks work, says WHO", "Masks work, says WHO"},
		{"retweet lower-case colon", "rt: Masks work", "Masks work"},
		{"url appended", "Masks work https://t.co/AbC123", "Masks work"},
		{"bare short link", "Masks work bit.ly/3xYz", "Masks work"},
		{"www link in brackets", "Masks work (www.who.int/masks)", "Masks work"},
		{"markdown link", "Masks work [read more](https://who.int/x)", "Masks work read more"},
		{"glued link", "Masks work, source:https://who.int/x", "Masks work source"},
		{"mentions", "@nypost @JoshM masks work .@cdc", "masks work"},
		{"case and punctuation", "MASKS... WORK!!!", "masks work"},
		{"hashtag", "#masks work", "masks work"},
		{"apostrophe", "don’t panic", "dont panic"},
		{"zero-width space", "co\u200bvid", "covid"},
		{"fullwidth", "ＣＯＶＩＤ　１９", "covid 19"},
		{"math bold", "𝐁𝐑𝐄𝐀𝐊𝐈𝐍𝐆 𝟐𝟎𝟐𝟎", "breaking 2020"},
		{"circled", "Ⓝⓔⓦⓢ", "news"},
		{"yo", "Ёлка всё ещё", "елка все еще"},
		{"arabic harakat and tatweel", "مَرْحَبـــا", "مرحبا"},
		{"final sigma", "ΛΟΓΟΣ", "λογοσ"},
		{"emoji dropped", "masks 😷 work 👍", "masks work"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Embed(tt.a), Embed(tt.b)
			if isZero(b) {
				t.Fatalf("Embed(%q) is the zero vector", tt.b)
			}
			if !slices.Equal(a, b) {
				t.Errorf("Embed(%q) != Embed(%q); cosine %.4f", tt.a, tt.b, Cosine(a, b))
			}
		})
	}
}

// TestDifferentVector guards against over-folding.
func TestDifferentVector(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"rt after a word is a word", "masks rt work", "masks work"},
		{"number ratio is not a url", "rated 1.5/10 today", "rated today"},
		{"hyphen splits words", "covid-19", "covid19"},
		{"cyrillic vs latin", "сова", "cobа"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Embed(tt.a), Embed(tt.b)
			if slices.Equal(a, b) {
				t.Errorf("Embed(%q) == Embed(%q), want different", tt.a, tt.b)
			}
		})
	}
}

func TestZeroVector(t *testing.T) {
	for _, text := range []string{"", "   \n\t\u3000", "\u200b"} {
		v := Embed(text)
		if !isZero(v) {
			t.Errorf("Embed(%q) is not the zero vector", text)
		}
		if c := Cosine(v, Embed("masks work")); c != 0 {
			t.Errorf("Cosine(Embed(%q), x) = %v; want 0", text, c)
		}
	}
}

// TestNoWords checks the fallback for texts that have no words left.
func TestNoWords(t *testing.T) {
	tests := []struct {
		name, a, b string
		min, max   float64
	}{
		{"same link", "https://t.co/x1", "https://t.co/x1", 1, 1},
		{"same link, other case", "HTTPS://T.CO/X1", "https://t.co/x1", 1, 1},
		{"other link", "https://t.co/x1", "https://t.co/y2", -0.2, 0.2},
		{"same mentions", "@a @b", "@a @b", 1, 1},
		{"mentions share one", "@a @b", "@a @c", 0.3, 0.7},
		{"emoji", "😷 😷", "😷 😷", 1, 1},
		{"retweet of nothing", "RT @x:", "RT @y:", 0.3, 0.7},
		{"link vs words", "https://t.co/x1", "masks work", -0.2, 0.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Embed(tt.a), Embed(tt.b)
			if isZero(a) || isZero(b) {
				t.Fatalf("Embed(%q) or Embed(%q) is the zero vector", tt.a, tt.b)
			}
			if c := Cosine(a, b); c < tt.min-1e-6 || c > tt.max+1e-6 {
				t.Errorf("Cosine(%q, %q) = %.3f; want in [%.2f, %.2f]", tt.a, tt.b, c, tt.min, tt.max)
			}
		})
	}
}

func TestNormalised(t *testing.T) {
	for _, text := range []string{"a", "masks work", "Привет, мир", "新型冠状病毒疫情", "ไวรัสโคโรนา", "مرحبا بالعالم",
		"नमस्ते दुनिया", "コーヒーを飲みます", strings.Repeat("ha", 5000)} {
		v := Embed(text)
		if n := norm(v); math.Abs(n-1) > 1e-6 {
			t.Errorf("|Embed(%q)| = %v; want 1", text, n)
		}
		if c := Cosine(v, v); math.Abs(c-1) > 1e-6 {
			t.Errorf("Cosine(v, v) for %q = %v; want 1", text, c)
		}
	}
}

// TestScripts checks that scripts without spaces still give graded similarity:
// one changed character must not make the texts unrelated.
func TestScripts(t *testing.T) {
	tests := []struct {
		name, a, b string
		min, max   float64
	}{
		{"chinese two chars changed", "新型冠状病毒疫情在武汉爆发", "新型冠状病毒疫情在北京爆发", 0.6, 0.95},
		{"chinese unrelated", "新型冠状病毒疫情在武汉爆发", "今天天气很好我们去公园", -0.2, 0.2},
		{"japanese one word changed", "東京でコーヒーを飲みました", "東京でお茶を飲みました", 0.4, 0.95},
		{"thai", "ไวรัสโคโรนาระบาดในประเทศไทย", "ไวรัสโคโรนาระบาดในประเทศจีน", 0.5, 0.95},
		{"russian one word changed", "В Москве открыли новую станцию метро на западе", "В Москве открыли новую станцию метро на востоке", 0.6, 0.95},
		{"arabic one word changed", "أعلنت وزارة الصحة عن حالات جديدة اليوم", "أعلنت وزارة الصحة عن حالات جديدة أمس", 0.6, 0.95},
		{"english vs russian", "The ministry of health announced new cases", "Министерство здравоохранения сообщило о новых случаях", -0.15, 0.15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Cosine(Embed(tt.a), Embed(tt.b))
			t.Logf("cosine %.3f", c)
			if c < tt.min || c > tt.max {
				t.Errorf("Cosine(%q, %q) = %.3f; want in [%.2f, %.2f]", tt.a, tt.b, c, tt.min, tt.max)
			}
		})
	}
}

// TestGolden pins the vectors: if it fails, the vectors changed, so Model must
// get a new version (and stored vectors of the old one must be recomputed).
func TestGolden(t *testing.T) {
	texts := []string{
		"RT @who: Wash your hands often https://t.co/x",
		"В Москве открыли новую станцию метро",
		"新型冠状病毒疫情在武汉爆发",
		"مرحبا بالعالم نمستے दुनिया 𝐁𝐑𝐄𝐀𝐊𝐈𝐍𝐆",
		strings.Repeat("spam ", 100), // tf beyond the cached weights
		"Подробнее [тут](https://t.me/x) ТАСС",
		"https://t.co/only @a", // no words: the whole-chunk fallback
	}
	h := fnv.New64a()
	for _, text := range texts {
		h.Write(Encode(Embed(text)))
	}
	const want = 0xdac9630691a1b277
	if got := h.Sum64(); got != want || Model != "hashed-ngrams-768-v1" {
		t.Errorf("vectors hash to %#x, want %#x: the vectors changed, so bump Model (%s) and update want", got, uint64(want), Model)
	}
}

func TestLnInt(t *testing.T) {
	for n := 1; n < 100000; n = n*3/2 + 1 {
		if got, want := lnInt(n), math.Log(float64(n)); math.Abs(got-want) > 1e-14*math.Max(1, want) {
			t.Errorf("lnInt(%d) = %v; want %v", n, got, want)
		}
	}
	if lnInt(1) != 0 {
		t.Errorf("lnInt(1) = %v; want 0", lnInt(1))
	}
}

func TestEmbedderReuse(t *testing.T) {
	var e Embedder
	dst := make([]float32, Dim)
	for _, text := range []string{"first text here", "", "второй текст", "first text here"} {
		e.EmbedInto(dst, text)
		if want := Embed(text); !slices.Equal(dst, want) {
			t.Errorf("Embedder.EmbedInto(%q) after reuse differs from Embed", text)
		}
	}
	allocs := testing.AllocsPerRun(100, func() { e.EmbedInto(dst, "RT @x: Masks work, says the WHO https://t.co/abc") })
	if allocs != 0 {
		t.Errorf("EmbedInto allocates %v times per call after warm-up; want 0", allocs)
	}
}

func TestEmbedIntoWrongLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("EmbedInto with a short dst did not panic")
		}
	}()
	var e Embedder
	e.EmbedInto(make([]float32, 10), "x")
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("ж", MaxTextBytes) // 2 bytes each
	got := truncate("a"+s, MaxTextBytes)
	if len(got) > MaxTextBytes || !utf8.ValidString(got) || len(got) < MaxTextBytes-3 {
		t.Errorf("truncate gave %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
	// Text beyond the limit does not change the vector.
	long := strings.Repeat("слово ", MaxTextBytes)
	if !slices.Equal(Embed(long), Embed(long+" хвост")) {
		t.Error("text beyond MaxTextBytes changed the vector")
	}
}

func TestEncodeDecode(t *testing.T) {
	v := Embed("Masks work")
	b := Encode(v)
	if len(b) != 4*Dim {
		t.Fatalf("len(Encode(v)) = %d; want %d", len(b), 4*Dim)
	}
	got, err := Decode(b)
	if err != nil || !slices.Equal(got, v) {
		t.Fatalf("Decode(Encode(v)) = %v, %v; want v", got[:3], err)
	}
	// Little-endian float32: 1.0 is 00 00 80 3f.
	if b := Encode([]float32{1}); string(b) != "\x00\x00\x80\x3f" {
		t.Errorf("Encode([1]) = % x; want 00 00 80 3f", b)
	}
	if _, err := Decode(b[:len(b)-1]); !errors.Is(err, ErrLength) {
		t.Errorf("Decode(%d bytes) error = %v; want ErrLength", len(b)-1, err)
	}
	if v, err := Decode(nil); err != nil || len(v) != 0 {
		t.Errorf("Decode(nil) = %v, %v; want empty, nil", v, err)
	}
}

func TestCosine(t *testing.T) {
	a := []float32{1, 0, 0, 0, 0}
	b := []float32{0.6, 0.8, 0, 0, 0}
	if got := Cosine(a, b); math.Abs(got-0.6) > 1e-7 {
		t.Errorf("Cosine(a, b) = %v; want 0.6", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Cosine of different lengths did not panic")
		}
	}()
	Cosine(a, b[:4])
}

func FuzzEmbed(f *testing.F) {
	for _, s := range []string{"", "RT @x: hi https://t.co/y", "Привет мир", "新型冠状病毒", "\xff\xfe", "a\u0301", "ー々", "ไทย"} {
		f.Add(s)
	}
	var e Embedder
	dst := make([]float32, Dim)
	f.Fuzz(func(t *testing.T, text string) {
		e.EmbedInto(dst, text)
		for i, x := range dst {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("Embed(%q)[%d] = %v", text, i, x)
			}
		}
		if n := norm(dst); n != 0 && math.Abs(n-1) > 1e-5 {
			t.Fatalf("|Embed(%q)| = %v; want 0 or 1", text, n)
		}
		if !slices.Equal(dst, Embed(text)) {
			t.Fatalf("Embed(%q) not deterministic", text)
		}
	})
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
