package yake

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestGetTag(t *testing.T) {
	tests := []struct {
		word string
		pos  int
		want byte
	}{
		{"2010", 3, 'd'}, {"12.5", 0, 'd'}, {"100,000", 2, 'd'}, {"1_000", 1, 'd'}, {"nan", 1, 'd'},
		{"Infinity", 1, 'd'}, {"1e-5", 1, 'd'}, {"١٢٣", 1, 'd'},
		{"COVID19", 1, 'u'}, {"$$100", 1, 'u'}, {"--", 1, 'u'}, {"a.b.c", 1, 'u'},
		{"$100", 1, 'p'}, {"²", 1, 'p'}, // one punctuation mark is allowed; ² is a digit to isdigit, not to float
		{"CEO", 1, 'a'}, {"I", 0, 'a'}, {"Kaggle", 1, 'n'}, {"Kaggle", 0, 'p'}, {"co-founder", 1, 'p'},
		{"DrivenData", 1, 'p'}, {"data", 1, 'p'}, {"哈里斯", 1, 'p'}, {"Ελλάδα", 2, 'n'},
	}
	for _, tt := range tests {
		if got := getTag(tt.word, tt.pos); got != tt.want {
			t.Errorf("getTag(%q, %d) = %c; want %c", tt.word, tt.pos, got, tt.want)
		}
	}
}

func TestIsPyFloat(t *testing.T) {
	for s, want := range map[string]bool{
		"1": true, "-1.5": true, "+.5": true, "5.": true, "1e10": true, "1E+3": true, "1_0": true,
		"inf": true, "İnf": false, "ınf": false, "Nan1": false, "-INF": true, "nAn": true, "infinity": true, "": false, ".": false, "1_": false,
		"_1": false, "1__0": false, "0x10": false, "1e": false, "e5": false, "1.2.3": false, "--1": false,
	} {
		if got := isPyFloat(s); got != want {
			t.Errorf("isPyFloat(%q) = %v; want %v", s, got, want)
		}
	}
}

func TestPyLower(t *testing.T) {
	for in, want := range map[string]string{
		"Google":   "google",
		"İstanbul": "i\u0307stanbul",                              // Python lowers İ to i + combining dot
		"ΟΔΟΣ":     "\u03bf\u03b4\u03bf\u03c2",                    // word-final sigma is ς
		"ΟΔΟΣ ΣΑΣ": "\u03bf\u03b4\u03bf\u03c2 \u03c3\u03b1\u03c2", // but σ inside a word
		"Σ":        "\u03c3",
		"Ünïcödé":  "ünïcödé",
	} {
		if got := pyLower(in); got != want {
			t.Errorf("pyLower(%q) = %q; want %q", in, got, want)
		}
	}
}

// The table answers exactly as the definitions do, below and above its end.
func TestCharClassTableMatchesTheDefinitions(t *testing.T) {
	pairs := []struct {
		name      string
		fast, def func(rune) bool
	}{
		{"regexSpace", isRegexSpace, regexSpace}, {"segLetter", isSegLetter, segLetter},
		{"segNumber", isSegNumber, segNumber}, {"word", isWord, wordChar}, {"digitNd", isDigitNd, digitNd},
		{"lu", isLu, lu}, {"ll", isLl, ll}, {"luLt", isLuLt, luLt}, {"lm", isLm, lm},
		{"letter", isPyAlpha, unicode.IsLetter}, {"pyUpper", isPyUpper, pyUpper}, {"cased", isCased, cased},
		{"caseIgnorable", isCaseIgnorable, caseIgnorable},
	}
	for r := rune(-2); r < 0x3100; r++ {
		for _, p := range pairs {
			if p.fast(r) != p.def(r) {
				t.Fatalf("%s(%U) = %v; its definition says %v", p.name, r, p.fast(r), p.def(r))
			}
		}
		if r >= 0 && toLower(r) != unicode.ToLower(r) {
			t.Fatalf("toLower(%U) = %U; want %U", r, toLower(r), unicode.ToLower(r))
		}
	}
}

// Without İ or Σ, pyLower is strings.ToLower, invalid UTF-8 included.
func TestPyLowerIsToLowerElsewhere(t *testing.T) {
	for _, s := range []string{"Москва И Питер", "Ἀθῆναι ΑΘΗΝΑ", "ÀÉÎ\xffõ\xc3", "ԱՐՄ", "שלום", "Straße ǅ", "\u2126 \u212a K"} {
		if got, want := pyLower(s), strings.ToLower(s); got != want {
			t.Errorf("pyLower(%q) = %q; want %q", s, got, want)
		}
	}
}

func TestRuneAtDecodesAsUTF8Does(t *testing.T) {
	for _, s := range []string{"aé", "Жж", "\xc2", "\xc2A", "\xc1\x81", "\xdf\xbf", "\xe0\xa0\x80", "\xed\xa0\x80", "€", "\U0001F600", "\xc3\xc3"} {
		for i := 0; i < len(s); i++ {
			r, n := runeAt(s, i)
			wr, wn := utf8.DecodeRuneInString(s[i:])
			if r != wr || n != wn {
				t.Errorf("runeAt(%q, %d) = %U, %d; want %U, %d", s, i, r, n, wr, wn)
			}
		}
	}
}
