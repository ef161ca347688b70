// Package text cleans up the text of collected posts before models see it,
// and extracts hashtags. It is pure: no I/O, no logging, no state.
//
// # Normalize
//
// Similarity models and keyword extractors are easily fooled by text that is
// not really content: t.co links, @handles, "RT @user:" prefixes, walls of
// emoji and HTML markup. Clusters then form around the boilerplate instead of
// the message. Normalize removes that noise and otherwise leaves the text
// alone: it keeps case, punctuation, hashtags, single emoji and every script
// (Arabic, Devanagari with its combining marks, CJK, Thai, ...). It does not
// apply Unicode normalization forms (NFC/NFKC), fold case or translate.
//
// It reproduces the Twitter clean-up of the original Timpani,
// timpani/conductor/transforms/twitter.py (TwitterTextTransforms.transform_content,
// repository meedan/timpani-public), whose steps were: unescape HTML entities,
// remove @mentions, remove URLs, remove a leading "RT", remove runs of two or
// more emoji, trim, and treat an empty result as unusable content. The cases
// of its test, timpani/conductor/test/test_text_transform.py, are in
// text_test.go. On top of that Normalize strips HTML tags (Telegram and
// Junkipedia descriptions carry <a href>, <br> and <p>), drops invisible
// characters and collapses whitespace, so that the same post collected from two
// sources gives the same text. The steps, in order:
//
//  1. Invalid UTF-8 becomes U+FFFD.
//  2. Markup: HTML comments and tags with a known HTML element name are
//     removed (block tags such as <br> and <p> become a line break, inline
//     tags such as <a> and <b> become nothing); then character references
//     that end in ';' are decoded (&amp; &lt; &#39; &#x1F600; &nbsp; ...);
//     then invisible characters are dropped (C0/C1 controls other than
//     whitespace, soft hyphen, zero-width space, word joiner, BOM, bidi
//     marks and overrides). ZWJ and ZWNJ are kept: Persian, Indic scripts
//     and emoji sequences need them. This step repeats until nothing changes
//     (at most 8 rounds), so double-escaped text (&amp;amp; or &lt;br&gt;)
//     is fully cleaned.
//  3. Runs of two or more emoji with nothing between them are replaced by a
//     space. An emoji with its modifiers (skin tone, variation selector, ZWJ
//     sequence, flag pair, keycap, tag sequence) counts as one, so a single
//     👍🏽, 👨‍👩‍👧 or 🇺🇸 is kept.
//  4. URLs (http://, https://, www., t.co/, t.me/, pic.twitter.com/) are
//     replaced by a space. A URL does not swallow trailing sentence punctuation
//     or the CJK/Thai text written straight after it without a space.
//  5. "RT" (any case) directly before a @mention, as in "RT @user: text", is
//     removed with the mention and its colon; chains "RT @a: RT @b:" too.
//     "RT" elsewhere ("RT-PCR", "RT reports") is text and is kept.
//  6. @mentions (@ followed by ASCII letters, digits or _, the handle
//     alphabet of Twitter and Telegram) are replaced by a space, with the
//     colon straight after them. An @ preceded by a letter or digit, as in an
//     e-mail address, is not a mention (Twitter's own rule).
//  7. Whitespace runs become one space, or one newline if the run contains a
//     line break; the ends are trimmed.
//
// An empty result means nothing usable was left, as in the original, where it
// raised UnuseableContentException and the item went to the failed state.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s). The one
// exception is text that nests entities and tags more than 8 levels deep.
//
// # Hashtags
//
// Hashtags follows the original's rule (timpani/conductor/actions/hashtag_keywords.py,
// BasicKeywordsExtrator.get_hashtags): the regular expression (?:^|\s)#(\w+)
// with a Unicode \w, all-digit tags dropped, "#" put back in front, duplicates
// and order kept. Go's \w is ASCII-only, so the scan is written by hand with
// Unicode classes; it also fixes the original's known bug where Python's \w
// stopped at Devanagari vowel signs.
package text

import (
	"strings"
	"unicode/utf8"
)

// Options turns off parts of the Twitter clean-up. The zero value does
// everything, as the original did; Normalize(s) is Options{}.Normalize(s).
type Options struct {
	// KeepMentions keeps @handles. An "RT" right before a mention is still removed.
	KeepMentions bool
	// KeepURLs keeps URLs; mentions inside a kept URL are kept too.
	KeepURLs bool
	// KeepEmojiRuns keeps runs of emoji.
	KeepEmojiRuns bool
}

// Normalize returns s cleaned up for models with the default Options. An empty
// result means the item has no usable text. See the package documentation for
// the rules.
func Normalize(s string) string {
	return Options{}.Normalize(s)
}

// Normalize returns s cleaned up for models. See the package documentation.
func (o Options) Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = cleanMarkup(s)
	if !o.KeepEmojiRuns {
		s = removeEmojiRuns(s)
	}
	s = removeTwitterTokens(s, o)
	return collapseSpace(s)
}

// collapseSpace turns every run of whitespace into one space, or into one
// newline when the run holds a line break, and trims both ends. Line breaks
// are kept because posts use them as sentence breaks (headlines without a
// full stop) and keyword extraction splits sentences on them.
func collapseSpace(s string) string {
	if isCollapsed(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	var pending byte // whitespace seen since the last non-space: 0, ' ' or '\n'
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if c := s[i]; c >= utf8.RuneSelf {
			// Non-ASCII white space starts with one of these bytes.
			if c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 {
				r, size = utf8.DecodeRuneInString(s[i:])
			} else {
				r, size = 'x', runeLen(c)
			}
		}
		if isSpace(r) {
			if isLineBreak(r) {
				pending = '\n'
			} else if pending == 0 {
				pending = ' '
			}
			i += size
			continue
		}
		if pending != 0 && len(b) > 0 {
			b = append(b, pending)
		}
		pending = 0
		b = append(b, s[i:i+size]...)
		i += size
	}
	return string(b)
}

// isCollapsed reports whether collapseSpace would return s unchanged: no
// white space at the ends, and only single ' ' or '\n' between words. It
// answers false for any non-ASCII white space, which is rare.
func isCollapsed(s string) bool {
	if s == "" {
		return true
	}
	prevSpace := true // so leading white space fails
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\n':
			if prevSpace {
				return false
			}
			prevSpace = true
		case '\t' <= c && c <= '\r':
			return false
		case c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3:
			// possibly non-ASCII white space
			if r, _ := utf8.DecodeRuneInString(s[i:]); isSpace(r) {
				return false
			}
			prevSpace = false
		default:
			prevSpace = false
		}
	}
	return !prevSpace
}

// isSpace reports whether r is Unicode white space (unicode.IsSpace, with an
// ASCII fast path).
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || '\t' <= r && r <= '\r'
	}
	switch r {
	case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}

func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\v', '\f', '\r', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isASCIIDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || isASCIIDigit(c) }

// isHandleByte reports whether c can be part of an @handle.
func isHandleByte(c byte) bool { return isASCIIAlnum(c) || c == '_' }

// lastRune returns the last rune of b, or -1 if b is empty.
func lastRune(b []byte) rune {
	if len(b) == 0 {
		return -1
	}
	if c := b[len(b)-1]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeLastRune(b)
	return r
}

// lastRuneString is lastRune for a string.
func lastRuneString(s string) rune {
	if len(s) == 0 {
		return -1
	}
	if c := s[len(s)-1]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
