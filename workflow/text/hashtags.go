package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hashtags returns the hashtags in s, each with its leading '#', in order of
// appearance and with duplicates kept (the original stored one keyword row per
// occurrence). It returns nil if there are none.
//
// The rule is the original's regular expression (?:^|\s)#(\w+) with a
// Unicode \w, from timpani/conductor/actions/hashtag_keywords.py: the '#' must
// start the text or follow white space, so "link#anchor", "^&@#@!" and a '#'
// glued to CJK text are not hashtags. Tags made only of digits ("#42",
// "#٢٠٢٤") are counters, not hashtags, and are dropped. The word characters
// are letters, numbers and connector punctuation (_), then also combining marks
// once the tag has started, so Devanagari and Thai vowel signs no longer cut
// a tag short (a known bug of the original), and ZWNJ/ZWJ inside a tag
// (Persian "#می‌خواهم"). Only the ASCII '#' counts, as in the original.
//
// Run it on Normalize's output: Normalize decodes &#35; and turns <br> and
// <p> into white space, which a '#' may then follow.
func Hashtags(s string) []string {
	var tags []string
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '#')
		if j < 0 {
			return tags
		}
		hash := i + j
		i = hash + 1
		if hash > 0 {
			if r, _ := utf8.DecodeLastRuneInString(s[:hash]); !isHashtagSpace(r) {
				continue
			}
		}
		end, k := i, i // end: after the last word rune; k: scan position
		for k < len(s) {
			r, size := utf8.DecodeRuneInString(s[k:])
			switch {
			case isWordStart(r), k > i && unicode.IsMark(r):
				k += size
				end = k
				continue
			case k > i && (r == 0x200C || r == 0x200D):
				k += size // a joiner counts only if a word rune follows it
				continue
			}
			break
		}
		if end > i && !allDigits(s[i:end]) {
			tags = append(tags, s[hash:end])
			i = end
		}
	}
}

// isWordStart reports whether r is a letter, a number or connector
// punctuation: Python's \w, plus connectors other than '_'.
func isWordStart(r rune) bool {
	if r < utf8.RuneSelf {
		return isHandleByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Pc, r)
}

// isHashtagSpace reports whether r matches Python's \s: Unicode white space
// and the information separators U+001C to U+001F.
func isHashtagSpace(r rune) bool {
	return isSpace(r) || 0x1C <= r && r <= 0x1F
}

// allDigits reports whether the tag is a number: decimal digits of any
// script, ignoring combining marks such as the keycap in "4️⃣".
func allDigits(tag string) bool {
	digits := false
	for _, r := range tag {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsMark(r):
		default:
			return false
		}
	}
	return digits
}
