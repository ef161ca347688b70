package langid

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// wordBreak separates words in the normalised letter buffer.
const wordBreak rune = 0

// maxLetters bounds the work spent on one text: a few hundred letters decide
// the language, and the bound keeps long documents cheap.
const maxLetters = 2000

// letters appends the lower-cased letters of text to buf, with wordBreak
// between words, and returns it. It drops what says nothing about the
// language of a post: URLs, @mentions, HTML entities and, unless withTags,
// #hashtags. Runs of three or more equal letters are cut to two
// ("sooooo" → "soo"), Arabic presentation forms are mapped to plain letters,
// and Arabic diacritics and tatweel are dropped.
func letters(text string, withTags bool, buf []rune) []rune {
	brk := func() {
		if n := len(buf); n > 0 && buf[n-1] != wordBreak {
			buf = append(buf, wordBreak)
		}
	}
	for i := 0; i < len(text) && len(buf) < maxLetters; {
		c := text[i]
		switch {
		case c == 'h' && isURLStart(text[i:]):
			brk()
			i = skipToSpace(text, i)
			continue
		case c == 'w' && strings.HasPrefix(text[i:], "www.") && (i == 0 || isSpaceByte(text[i-1])):
			brk()
			i = skipToSpace(text, i)
			continue
		case c == '@' || (c == '#' && !withTags):
			brk()
			i = skipWordChars(text, i+1)
			continue
		case c == '&':
			if j := entityEnd(text, i); j > 0 {
				brk()
				i = j
				continue
			}
		}
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z':
				buf = appendLetter(buf, rune(c))
			case 'A' <= c && c <= 'Z':
				buf = appendLetter(buf, rune(c+'a'-'A'))
			default:
				brk()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r >= 0xFE70 && r <= 0xFEFC:
			// Arabic Presentation Forms-B: harakat forms vanish, letters
			// become their plain form (lam-alef ligatures become two letters).
			if a, b := arabicForm(r); a != 0 {
				buf = appendLetter(buf, a)
				if b != 0 {
					buf = appendLetter(buf, b)
				}
			}
		case r == 0x640 || (r >= 0x610 && r <= 0x61A) || (r >= 0x64B && r <= 0x65F) || r == 0x670 || (r >= 0x6D6 && r <= 0x6ED):
			// tatweel and Arabic diacritics: drop without breaking the word
		case unicode.IsLetter(r):
			buf = appendLetter(buf, unicode.ToLower(r))
		default:
			// Everything else, combining marks included, ends a word: the
			// n-gram models were trained on \p{L}+ runs.
			brk()
		}
	}
	brk()
	return buf
}

// appendLetter appends r unless it would be the third equal letter in a row.
func appendLetter(buf []rune, r rune) []rune {
	if n := len(buf); n >= 2 && buf[n-1] == r && buf[n-2] == r {
		return buf
	}
	return append(buf, r)
}

// isURLStart reports whether s starts with http:// or https://, or is a bare
// "http"/"https" token (research datasets often replace every URL by "http").
func isURLStart(s string) bool {
	if !strings.HasPrefix(s, "http") {
		return false
	}
	rest := s[4:]
	if strings.HasPrefix(rest, "s") {
		rest = rest[1:]
	}
	return rest == "" || strings.HasPrefix(rest, "://") || !isWordByte(rest[0])
}

func skipToSpace(s string, i int) int {
	for i < len(s) && !isSpaceByte(s[i]) {
		i++
	}
	return i
}

// skipWordChars skips the letters, digits and underscores of a mention or hashtag.
func skipWordChars(s string, i int) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !isWordByte(c) {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) {
			return i
		}
		i += size
	}
	return i
}

// entityEnd returns the index after an HTML entity such as "&amp;" or
// "&#39;" starting at s[i], or 0 when there is none.
func entityEnd(s string, i int) int {
	for j := i + 1; j < len(s) && j <= i+9; j++ {
		c := s[j]
		if c == ';' {
			if j > i+1 {
				return j + 1
			}
			return 0
		}
		if !(isWordByte(c) || c == '#') {
			return 0
		}
	}
	return 0
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r'
}

// arabicPlain lists the plain letter of each block of presentation forms
// from U+FE80 on, with how many forms it has (isolated, final, initial, medial).
var arabicPlain = [...]struct {
	r rune
	n int
}{
	{'ء', 1}, {'آ', 2}, {'أ', 2}, {'ؤ', 2}, {'إ', 2}, {'ئ', 4}, {'ا', 2}, {'ب', 4},
	{'ة', 2}, {'ت', 4}, {'ث', 4}, {'ج', 4}, {'ح', 4}, {'خ', 4}, {'د', 2}, {'ذ', 2},
	{'ر', 2}, {'ز', 2}, {'س', 4}, {'ش', 4}, {'ص', 4}, {'ض', 4}, {'ط', 4}, {'ظ', 4},
	{'ع', 4}, {'غ', 4}, {'ف', 4}, {'ق', 4}, {'ك', 4}, {'ل', 4}, {'م', 4}, {'ن', 4},
	{'ه', 4}, {'و', 2}, {'ى', 2}, {'ي', 4},
}

// arabicForm maps a rune in U+FE70..U+FEFC to one or two plain Arabic
// letters (0 when absent).
func arabicForm(r rune) (rune, rune) {
	if r < 0xFE80 {
		return 0, 0 // harakat forms and reserved points
	}
	if r >= 0xFEF5 {
		return 'ل', [...]rune{'آ', 'أ', 'إ', 'ا'}[(r-0xFEF5)/2]
	}
	off := int(r - 0xFE80)
	for _, p := range arabicPlain {
		if off < p.n {
			return p.r, 0
		}
		off -= p.n
	}
	return 0, 0
}
