package yake

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the character classes the port needs. Each one names the Python or
// regex construct it stands for, because small differences (which spaces count, what is a
// digit) change tokens and therefore scores.

// The classes of the code points below U+0800 (Latin, Greek, Cyrillic,
// Armenian, Hebrew, Arabic, Syriac) are computed once into a table:
// searching the unicode package's range tables for every character of a
// Russian or Arabic text was a third of YAKE's time. The functions below the
// table are the definitions; the is* ones answer from it when they can.
const classTableSize = 0x800

type charClass uint16

const (
	classRegexSpace charClass = 1 << iota
	classSegLetter
	classSegNumber
	classWord
	classDigitNd
	classLu
	classLl
	classLuLt
	classLm
	classLetter
	classPyUpper
	classCased
	classCaseIgnorable
)

var charClasses = func() (t [classTableSize]charClass) {
	defs := []struct {
		class charClass
		test  func(rune) bool
	}{
		{classRegexSpace, regexSpace}, {classSegLetter, segLetter}, {classSegNumber, segNumber},
		{classWord, wordChar}, {classDigitNd, digitNd}, {classLu, lu}, {classLl, ll}, {classLuLt, luLt},
		{classLm, lm}, {classLetter, unicode.IsLetter}, {classPyUpper, pyUpper}, {classCased, cased},
		{classCaseIgnorable, caseIgnorable},
	}
	for r := range t {
		for _, d := range defs {
			if d.test(rune(r)) {
				t[r] |= d.class
			}
		}
	}
	return t
}()

// lowerRunes is unicode.ToLower below classTableSize.
var lowerRunes = func() (t [classTableSize]rune) {
	for r := range t {
		t[r] = unicode.ToLower(rune(r))
	}
	return t
}()

// hasClass answers from the table for the code points it holds, else with
// the class's definition.
func hasClass(r rune, c charClass, def func(rune) bool) bool {
	if uint32(r) < classTableSize {
		return charClasses[r]&c != 0
	}
	return def(r)
}

func isRegexSpace(r rune) bool    { return hasClass(r, classRegexSpace, regexSpace) }
func isSegLetter(r rune) bool     { return hasClass(r, classSegLetter, segLetter) }
func isSegNumber(r rune) bool     { return hasClass(r, classSegNumber, segNumber) }
func isWord(r rune) bool          { return hasClass(r, classWord, wordChar) }
func isDigitNd(r rune) bool       { return hasClass(r, classDigitNd, digitNd) }
func isLu(r rune) bool            { return hasClass(r, classLu, lu) }
func isLl(r rune) bool            { return hasClass(r, classLl, ll) }
func isLuLt(r rune) bool          { return hasClass(r, classLuLt, luLt) }
func isLm(r rune) bool            { return hasClass(r, classLm, lm) }
func isPyUpper(r rune) bool       { return hasClass(r, classPyUpper, pyUpper) }
func isCased(r rune) bool         { return hasClass(r, classCased, cased) }
func isCaseIgnorable(r rune) bool { return hasClass(r, classCaseIgnorable, caseIgnorable) }

func toLower(r rune) rune {
	if uint32(r) < classTableSize {
		return lowerRunes[r]
	}
	return unicode.ToLower(r)
}

// regexSpace is \s of the `regex` module that segtok uses: the Unicode White_Space set.
func regexSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.IsSpace(r)
}

// isPySpace is str.isspace() and what str.strip() removes: White_Space plus the ASCII
// information separators 0x1c-0x1f, which Python also treats as whitespace.
func isPySpace(r rune) bool {
	return isRegexSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// segLetter is segtok's LETTER, [\p{Ll}\p{Lm}\p{Lt}\p{Lu}]. It leaves out Lo, so Han,
// Arabic or Devanagari letters are not "alphanumeric" to the tokenizer.
func segLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.In(r, unicode.Ll, unicode.Lu, unicode.Lt, unicode.Lm)
}

// segNumber is segtok's NUMBER, [\p{Nd}\p{Nl}].
func segNumber(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	return unicode.In(r, unicode.Nd, unicode.Nl)
}

// isAlnum is segtok's ALNUM: LETTER or NUMBER.
func isAlnum(r rune) bool { return isSegLetter(r) || isSegNumber(r) }

// wordChar is \w of the regex module (used by \b and \W): letters, marks, digits,
// letter numbers and connector punctuation such as '_'.
func wordChar(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || (r >= '0' && r <= '9') || ((r|0x20) >= 'a' && (r|0x20) <= 'z')
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.In(r, unicode.Nd, unicode.Nl, unicode.Pc)
}

// digitNd is \d of the regex module: decimal digits of any script.
func digitNd(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	return unicode.Is(unicode.Nd, r)
}

func lu(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.Is(unicode.Lu, r)
}

func ll(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z'
	}
	return unicode.Is(unicode.Ll, r)
}

func luLt(r rune) bool { return lu(r) || (r >= utf8.RuneSelf && unicode.Is(unicode.Lt, r)) }

func lm(r rune) bool { return r >= utf8.RuneSelf && unicode.Is(unicode.Lm, r) }

// isHyphen is segtok's HYPHENS: word-breaking hyphens, not every dash.
func isHyphen(r rune) bool {
	switch r {
	case '-', '\u00AD', '\u058A', '\u05BE', '\u0F0C', '\u1400', '\u1806', '\u2010', '\u2011', '\u2012', '\u2E17', '\u30A0':
		return true
	}
	return false
}

// isTerminal is segtok's SENTENCE_TERMINALS.
func isTerminal(r rune) bool {
	switch r {
	case '.', '!', '?', '\u203C', '\u203D', '\u2047', '\u2048', '\u2049', '\u3002',
		'\uFE52', '\uFE57', '\uFF01', '\uFF0E', '\uFF1F', '\uFF61':
		return true
	}
	return false
}

// isApo is segtok's APOSTROPHE: apostrophe-like marks other than the ASCII quote.
func isApo(r rune) bool {
	switch r {
	case '\u00B4', '\u02B9', '\u02BC', '\u2019', '\u2032':
		return true
	}
	return false
}

// isApos is segtok's APOSTROPHES: isApo plus the ASCII single quote.
func isApos(r rune) bool { return r == '\'' || isApo(r) }

// isASCIIPunct is membership in Python's string.punctuation, which YAKE uses to find
// punctuation tokens and to count punctuation in a word.
func isASCIIPunct(r rune) bool {
	return (r >= '!' && r <= '/') || (r >= ':' && r <= '@') || (r >= '[' && r <= '`') || (r >= '{' && r <= '~')
}

// isPyDigit is str.isdigit(): decimal digits plus superscript, subscript and circled digits.
func isPyDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	if unicode.Is(unicode.Nd, r) {
		return true
	}
	switch {
	case r == 0xB2 || r == 0xB3 || r == 0xB9 || r == 0x2070 || r == 0x19DA:
		return true
	case r >= 0x2074 && r <= 0x2079, r >= 0x2080 && r <= 0x2089,
		r >= 0x2460 && r <= 0x2468, r >= 0x2474 && r <= 0x247C, r >= 0x2488 && r <= 0x2490,
		r == 0x24EA, r >= 0x24F5 && r <= 0x24FD, r == 0x24FF,
		r >= 0x2776 && r <= 0x277E, r >= 0x2780 && r <= 0x2788, r >= 0x278A && r <= 0x2792,
		r >= 0x1369 && r <= 0x1371, r >= 0x10A40 && r <= 0x10A43, r >= 0x1F100 && r <= 0x1F10A:
		return true
	}
	return false
}

// isPyAlpha is str.isalpha() for one character: any letter, including Lo (Han, Arabic...).
func isPyAlpha(r rune) bool { return hasClass(r, classLetter, unicode.IsLetter) }

// pyUpper is str.isupper() for one character: the Unicode Uppercase property.
func pyUpper(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.IsUpper(r) || unicode.Is(unicode.Other_Uppercase, r)
}

// cased and caseIgnorable approximate the Unicode properties Python's final-sigma rule uses.
func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xAD, 0xB7, 0x2018, 0x2019, 0x2024, 0x2027:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// pyLower is str.lower(). It differs from strings.ToLower in two places that Python
// implements: İ (U+0130) lowers to "i̇" and a word-final Σ lowers to ς.
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	// strings.ToLower, with the table, and Python's two differences.
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range s {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3A3:
			if finalSigma(s, i) {
				b.WriteRune(0x3C2)
			} else {
				b.WriteRune(0x3C3)
			}
		default:
			b.WriteRune(toLower(r))
		}
	}
	return b.String()
}

// finalSigma reports whether the Σ at byte i ends a word: a cased letter before it and
// none after it, skipping case-ignorable characters (Unicode's Final_Sigma condition).
func finalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if isCaseIgnorable(r) {
			continue
		}
		before = isCased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + 2; j < len(s); { // Σ is two bytes in UTF-8
		r, size := utf8.DecodeRuneInString(s[j:])
		j += size
		if isCaseIgnorable(r) {
			continue
		}
		return !isCased(r)
	}
	return true
}

// runeLen counts code points, which is what Python's len() does on str.
func runeLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf || s[i] >= 0xC0 {
			n++
		}
	}
	return n
}

// isPyFloat reports whether Python's float() accepts s (YAKE tags such words "d"):
// optional sign, then digits with single underscores between them, an optional fraction
// and exponent, or inf/infinity/nan in any case. Digits of any script count, as in Python.
func isPyFloat(s string) bool {
	s = strings.TrimFunc(s, isPySpace)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if asciiFold(s, "inf") || asciiFold(s, "infinity") || asciiFold(s, "nan") {
		return true
	}
	i := 0
	intDigits, i := scanPyDigits(s, i)
	if i < 0 {
		return false
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		fracDigits, i = scanPyDigits(s, i+1)
		if i < 0 {
			return false
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		var expDigits int
		expDigits, i = scanPyDigits(s, i)
		if i < 0 || expDigits == 0 {
			return false
		}
	}
	return i == len(s)
}

// asciiFold reports whether s is lower, an ASCII word in lower case, in any
// case. (Lowering every word to compare it cost a tenth of YAKE's time; no
// other character lowers to these letters.)
func asciiFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// scanPyDigits reads digits with optional single underscores between them, starting at i.
// It returns the digit count and the index after them, or -1 for a misplaced underscore.
func scanPyDigits(s string, i int) (int, int) {
	n := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isDigitNd(r) {
			n++
			i += size
			continue
		}
		if r == '_' {
			if n == 0 || i+1 >= len(s) {
				return 0, -1
			}
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if !isDigitNd(next) {
				return 0, -1
			}
			i += size
			continue
		}
		break
	}
	return n, i
}

// lastRune and firstRune decode at the ends of s; they return utf8.RuneError, 0 for "".
func lastRune(s string) (rune, int) { return utf8.DecodeLastRuneInString(s) }

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// runeBefore returns the rune ending at byte i, or -1 at the start of s.
func runeBefore(s string, i int) rune {
	if i <= 0 {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

// runeAt returns the rune starting at byte i and its size, or -1, 0 at the end of s.
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	// Two-byte sequences (Latin accents, Greek, Cyrillic, Hebrew, Arabic)
	// decoded here: the general decoder's slow path cost a twentieth of YAKE.
	if c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
		return rune(c&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	}
	return utf8.DecodeRuneInString(s[i:])
}

// wordBoundaryBefore is \b at byte i: exactly one side of i is a word character.
func wordBoundaryBefore(s string, i int) bool {
	before := i > 0 && isWord(runeBefore(s, i))
	r, _ := runeAt(s, i)
	after := r >= 0 && isWord(r)
	return before != after
}
