package yake

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileInputs are texts that once made ports of YAKE panic or run in quadratic time.
func hostileInputs() map[string]string {
	words := strings.Repeat("Pandemic vaccine rollout stalls as lawmakers argue. ", 20000) // 1 MB
	return map[string]string{
		"empty":                "",
		"spaces":               " \t\n\r\n  ",
		"only punctuation":     "!!! ... ??? ,,, ;;; --- ((( ))) \"\"\"",
		"invalid utf8":         "caf\xe9 \xff\xfe r\xc3sum\xc3 \xed\xa0\x80 ok Word",
		"nul and controls":     "a\x00b\x01c\x1cD\x1fe\u2028F\u0085g",
		"one megabyte":         words,
		"one long word":        strings.Repeat("a", 300000),
		"two long words":       strings.Repeat("b", 120000) + " " + strings.Repeat("c", 120000),
		"url prefixes":         strings.Repeat("(a://b.c/", 30000) + "?#",
		"apostrophes":          strings.Repeat("'", 200000) + "@x.y",
		"brackets":             strings.Repeat("[", 100000) + "http://x.y",
		"at signs":             strings.Repeat("a://x.y @", 20000),
		"open parenthesis":     "(" + strings.Repeat("A. B. ", 40000),
		"paragraphs":           strings.Repeat("\n\nA\n", 50000),
		"dots":                 strings.Repeat(". ", 100000),
		"hyphen linebreaks":    strings.Repeat("a-\n", 80000),
		"cjk":                  strings.Repeat("哈里斯同意与特朗普再进行一次美大选辩论。東京都で新型コロナの感染者。", 3000),
		"mixed scripts":        "Ελλάδα İstanbul ΟΔΟΣ مرحبا بالعالم नमस्ते दुनिया 東京 Привет мир 😀🎉 #COVID19 @WHO https://t.co/x",
		"numbers only":         strings.Repeat("12 3.5 1e9 ", 1000),
		"combining marks":      strings.Repeat("e\u0301\u0301\u0301 ", 1000),
		"lone surrogate runes": string([]rune{0xD800, 'a', 0xDFFF}),
	}
}

func TestNoPanicOnHostileInput(t *testing.T) {
	opts := []Options{Defaults(), libOptions(3), {MaxNgram: 1000, DedupLim: 2, DedupFunc: "jaro", WindowSize: 1000, Top: -1},
		{MaxNgram: -5, DedupLim: math.NaN(), WindowSize: -3, Top: 0}}
	for name, text := range hostileInputs() {
		t.Run(name, func(t *testing.T) {
			for _, opt := range opts {
				for _, kw := range ExtractPresto(text, "en", opt) {
					if !utf8.ValidString(kw.Text) || kw.Text == "" || math.IsNaN(kw.Score) {
						t.Errorf("ExtractPresto(%.30q) returned keyword %q %v", text, kw.Text, kw.Score)
					}
				}
			}
		})
	}
}

func TestOptions(t *testing.T) {
	text := readTestdata(t, "kaggle_n1.txt")
	tests := []struct {
		name    string
		opt     Options
		wantLen int
		maxWord int
	}{
		{"top 3", Options{MaxNgram: 3, DedupLim: 0.25, DedupFunc: "seqm", Top: 3}, 3, 3},
		{"unigrams", Options{MaxNgram: 1, DedupLim: 0.9, DedupFunc: "seqm", Top: 5}, 5, 1},
		{"n below 1 means unigrams", Options{MaxNgram: 0, DedupLim: 0.9, Top: 5}, 5, 1},
		{"no limit", Options{MaxNgram: 2, DedupLim: 1, Top: 0}, -1, 2},
		{"jaro", Options{MaxNgram: 3, DedupLim: 0.8, DedupFunc: "jaro", Top: 10}, 10, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(text, "en", tt.opt)
			if tt.wantLen >= 0 && len(got) != tt.wantLen {
				t.Fatalf("Extract(kaggle, %+v) = %d keywords; want %d", tt.opt, len(got), tt.wantLen)
			}
			if tt.wantLen < 0 && len(got) < 100 {
				t.Fatalf("Extract(kaggle, %+v) = %d keywords; want every candidate", tt.opt, len(got))
			}
			for i, k := range got {
				if n := len(strings.Fields(k.Text)); n > tt.maxWord {
					t.Errorf("keyword %q has %d words; want at most %d", k.Text, n, tt.maxWord)
				}
				if i > 0 && got[i-1].Score > k.Score {
					t.Errorf("keywords out of order at %d: %v > %v", i, got[i-1].Score, k.Score)
				}
			}
		})
	}
}

func TestLanguages(t *testing.T) {
	text := "The data of the data science community"
	tests := []struct {
		lang string
		want string // first keyword
	}{
		{"en", "data science community"},
		{"EN-GB", "data science community"},
		{"xx", "the data science"}, // no stopwords: "the" has three letters, so it is a term
	}
	for _, tt := range tests {
		got := Extract(text, tt.lang, Defaults())
		if len(got) == 0 || got[0].Text != tt.want {
			t.Errorf("Extract(%q, %q, Defaults()) = %s; want first %q", text, tt.lang, formatKeywords(got), tt.want)
		}
	}
	if !HasStopwords("pt-BR") || HasStopwords("zz") {
		t.Errorf("HasStopwords(pt-BR), HasStopwords(zz) = %v, %v; want true, false", HasStopwords("pt-BR"), HasStopwords("zz"))
	}
}

func TestSegmentCJK(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain English text", "plain English text"},
		{"東京都で新型コロナの感染者", "東京都 で 新型 コロナ の 感染者"},
		{"我爱Python和Go。", "我爱 Python 和 Go. "},
		{"他说：「你好」，再见！", "他说: \" 你好 \" , 再见! "},
		{"ドナルド・トランプ氏", "ドナルド・トランプ 氏"},
		{"ＡＢＣ１２３ニュース", "ABC123 ニュース"},
		{"東京　大阪", "東京 大阪"},
	}
	for _, tt := range tests {
		if got := segmentCJK(tt.in); got != tt.want {
			t.Errorf("segmentCJK(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// Vector 3 without jieba: the Han clause stays one token, so the only keyword is the whole
// clause. This is the documented limit of the pure-Go build.
func TestChineseWithoutJieba(t *testing.T) {
	got := ExtractPresto("哈里斯同意与特朗普再进行一次美大选辩论", "zh", Defaults())
	want := kws("哈里斯同意与特朗普再进行一次美大选辩论", 0.04491197687864554)
	if e := maxAbsError(got, want); e < 0 || e > 1e-12 {
		t.Errorf("ExtractPresto(vector 3) = %s; want %s", formatKeywords(got), formatKeywords(want))
	}
	got = ExtractPresto("東京都で新型コロナの感染者が確認された。", "ja", Defaults())
	if len(got) == 0 || !strings.Contains(got[0].Text, "コロナ") && !strings.Contains(got[0].Text, "感染者") && !strings.Contains(got[0].Text, "東京都") {
		t.Errorf("ExtractPresto(japanese) = %s; want script-run words such as コロナ", formatKeywords(got))
	}
}

func TestClampInput(t *testing.T) {
	long := strings.Repeat("é", MaxInputBytes) // 2 bytes each
	got := clampInput(long)
	if len(got) > MaxInputBytes || !utf8.ValidString(got) {
		t.Errorf("clampInput(%d bytes) = %d bytes, valid %v; want at most %d valid bytes", len(long), len(got), utf8.ValidString(got), MaxInputBytes)
	}
	if got := clampInput("a\xffb"); got != "a\uFFFDb" {
		t.Errorf("clampInput(%q) = %q; want %q", "a\xffb", got, "a\uFFFDb")
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range hostileInputs() {
		if len(s) < 2000 {
			f.Add(s, "en")
		}
	}
	f.Add("I love Meedan", "en")
	f.Add("Conta-me Histórias. Xutos inspiram projeto premiado.", "pt")
	f.Add("哈里斯同意与特朗普再进行一次美大选辩论", "zh")
	f.Add("see https://t.co/x?y=1#z and mail a.b@c.d (by J. R. Smith, Jr.) on 12. Mar", "xx")
	f.Fuzz(func(t *testing.T, text, lang string) {
		for _, opt := range []Options{Defaults(), {MaxNgram: 4, DedupLim: 0.8, DedupFunc: "jaro", WindowSize: 2, Top: 30}} {
			got := ExtractPresto(text, lang, opt)
			for i, kw := range got {
				if kw.Text == "" || !utf8.ValidString(kw.Text) || math.IsNaN(kw.Score) || math.IsInf(kw.Score, 0) {
					t.Fatalf("ExtractPresto(%q, %q) keyword %d = %q %v", text, lang, i, kw.Text, kw.Score)
				}
			}
			if len(got) > opt.Top {
				t.Fatalf("ExtractPresto(%q, %q) = %d keywords; want at most %d", text, lang, len(got), opt.Top)
			}
		}
	})
}
