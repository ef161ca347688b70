package yake

import (
	"strings"
	"unicode"
)

// Chinese and Japanese are written without spaces, and segtok only splits at spaces and
// around Ll/Lu/Lt/Lm letters and digits, so a Han or kana clause would reach YAKE as one
// token. Presto runs jieba on Chinese first. Without a dictionary (this package uses the
// standard library only) segmentCJK does what script boundaries allow: it puts spaces
// between runs of Han, hiragana and katakana and other text, and turns CJK punctuation
// into its ASCII counterpart so that sentences and blocks break where they should.

type cjkClass uint8

const (
	classOther cjkClass = iota
	classSpace
	classHan
	classHiragana
	classKatakana
)

func classOf(r rune) cjkClass {
	switch {
	case r < 0x2E80:
		if isPySpace(r) {
			return classSpace
		}
		return classOther
	case unicode.Is(unicode.Han, r):
		return classHan
	case unicode.Is(unicode.Hiragana, r):
		return classHiragana
	case r == 0x30FB || r == 0x30FC || r == 0xFF70 || unicode.Is(unicode.Katakana, r):
		// The middle dot and the prolonged sound mark belong to katakana words
		// (ドナルド・トランプ, コロナー), though Unicode puts them in Common.
		return classKatakana
	case isPySpace(r):
		return classSpace
	}
	return classOther
}

// cjkPunct maps CJK punctuation to ASCII. Sentence terminals, commas and colons are
// followed by a space (so segtok splits after them but not before); brackets and quotes
// become a double quote with spaces on both sides, so they stand alone as punctuation.
func cjkPunct(r rune) (repl string, ok bool) {
	switch r {
	case 0x3000: // ideographic space
		return " ", true
	case 0x3002, 0xFF61, 0xFF0E: // 。｡．
		return ". ", true
	case 0x3001, 0xFF64, 0xFF0C: // 、､，
		return ", ", true
	case 0xFF01:
		return "! ", true
	case 0xFF1F:
		return "? ", true
	case 0xFF1A:
		return ": ", true
	case 0xFF1B:
		return "; ", true
	case 0x300C, 0x300D, 0x300E, 0x300F, 0x3008, 0x3009, 0x300A, 0x300B, 0x3010, 0x3011,
		0x3014, 0x3015, 0x3016, 0x3017, 0x301D, 0x301E, 0x301F, 0xFF62, 0xFF63:
		return ` " `, true
	}
	if r >= 0xFF01 && r <= 0xFF5E { // other fullwidth ASCII
		a := r - 0xFEE0
		if isAlnum(a) {
			return string(a), true
		}
		return " " + string(a) + " ", true
	}
	if r >= 0x3000 && r <= 0x303F && !unicode.Is(unicode.Han, r) { // other CJK symbols: 〜 〃 …
		return " ", true
	}
	return "", false
}

// hasCJK reports whether s has any character segmentCJK would change.
func hasCJK(s string) bool {
	for _, r := range s {
		if r < 0x2E80 {
			continue
		}
		if classOf(r) >= classHan {
			return true
		}
		if _, ok := cjkPunct(r); ok {
			return true
		}
	}
	return false
}

// segmentCJK separates Han, hiragana and katakana runs from each other and from other
// text with spaces, and maps CJK punctuation to ASCII. Text without CJK is returned as is.
func segmentCJK(s string) string {
	if !hasCJK(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	prev := classSpace
	for _, r := range s {
		if repl, ok := cjkPunct(r); ok {
			if len(repl) > 1 || repl == " " {
				if prev == classSpace && repl[0] == ' ' {
					repl = repl[1:] // no double spaces
				}
				b.WriteString(repl)
				if repl != "" && repl[len(repl)-1] != ' ' {
					prev = classOther
				} else {
					prev = classSpace
				}
				continue
			}
			r = rune(repl[0]) // a fullwidth letter or digit, now ASCII
		}
		c := classOf(r)
		if c != prev && prev != classSpace && c != classSpace && (c >= classHan || prev >= classHan) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = c
	}
	return b.String()
}
