package text

import (
	"html"
	"strings"
	"unicode/utf8"
)

// maxMarkupRounds bounds how often the markup step repeats. Real data is at
// most double-escaped; the bound keeps crafted input linear.
const maxMarkupRounds = 8

// cleanMarkup strips tags, decodes character references and drops invisible
// characters, repeating until the text stops changing, because decoding can
// reveal more markup (&lt;br&gt;) and a second pass must not find any.
func cleanMarkup(s string) string {
	for range maxMarkupRounds {
		t := dropInvisible(decodeEntities(stripTags(s)))
		if t == s {
			return s
		}
		s = t
		// Only '<' and '&' can start more work: the last round dropped
		// every invisible character already.
		if !strings.ContainsAny(s, "<&") {
			return s
		}
	}
	return s
}

// htmlTags maps the HTML element names stripTags removes to whether the
// element breaks the line (block) or not (inline). Only known names count as
// tags, so "x<y and y>z" and "I <3 you" stay as they are.
var htmlTags = map[string]bool{
	// inline: removed without a trace, as a browser would render them
	"a": false, "abbr": false, "b": false, "bdi": false, "bdo": false, "big": false,
	"button": false, "cite": false, "code": false, "data": false, "del": false,
	"dfn": false, "em": false, "emoji": false, "font": false, "i": false,
	"iframe": false, "img": false, "input": false, "ins": false, "kbd": false,
	"label": false, "mark": false, "q": false, "s": false, "samp": false,
	"small": false, "source": false, "span": false, "strike": false,
	"strong": false, "sub": false, "sup": false, "svg": false, "time": false,
	"tt": false, "u": false, "var": false, "video": false, "audio": false,
	"picture": false, "wbr": false,
	"tg-spoiler": false, "tg-emoji": false, // Telegram's HTML
	// block: become a line break
	"address": true, "article": true, "aside": true, "blockquote": true,
	"body": true, "br": true, "caption": true, "center": true, "dd": true,
	"details": true, "div": true, "dl": true, "dt": true, "figcaption": true,
	"figure": true, "footer": true, "form": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "head": true,
	"header": true, "hr": true, "html": true, "li": true, "main": true,
	"meta": true, "nav": true, "ol": true, "p": true, "pre": true,
	"section": true, "summary": true, "table": true, "tbody": true, "td": true,
	"tfoot": true, "th": true, "thead": true, "title": true, "tr": true,
	"ul": true,
}

// stripTags removes HTML comments and tags with a known element name. A tag
// runs from '<' to the next '>'; one without a '>' is left as text.
func stripTags(s string) string {
	var b []byte
	last := 0 // s[last:] has not been copied to b yet
	// Once a search for '>' or "-->" fails, later ones would fail too; these
	// flags keep many unclosed '<' linear.
	noGT, noCommentEnd := false, false
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		start := i + j
		end, repl := tagAt(s, start, &noGT, &noCommentEnd)
		if end < 0 {
			i = start + 1
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(b, s[last:start]...)
		b = append(b, repl...)
		last, i = end, end
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// tagAt reports the end of the comment or tag that starts with the '<' at
// s[i], and what replaces it; end is -1 if there is none.
func tagAt(s string, i int, noGT, noCommentEnd *bool) (end int, repl string) {
	p := i + 1
	if strings.HasPrefix(s[p:], "!--") {
		if *noCommentEnd {
			return -1, ""
		}
		k := strings.Index(s[p+3:], "-->")
		if k < 0 {
			*noCommentEnd = true
			return -1, ""
		}
		return p + 3 + k + 3, ""
	}
	if p < len(s) && s[p] == '/' {
		p++
	}
	n := p
	for n < len(s) && (isASCIIAlnum(s[n]) || n > p && s[n] == '-') {
		n++
	}
	// "figcaption" is the longest name in htmlTags.
	if n == p || n-p > len("figcaption") || !isASCIILetter(s[p]) {
		return -1, ""
	}
	block, ok := htmlTags[strings.ToLower(s[p:n])]
	if !ok || *noGT {
		return -1, ""
	}
	k := strings.IndexByte(s[n:], '>')
	if k < 0 {
		*noGT = true
		return -1, ""
	}
	if block {
		repl = "\n"
	}
	return n + k + 1, repl
}

// decodeEntities decodes character references that end in ';', using the
// HTML5 table of the html package. Python's html.unescape, which the original
// used, also decodes a few names without ';' (&amp, &not, &copy); this does
// not, because once text is decoded repeatedly "AT&amp;Times" would become
// "AT×". A reference that decodes to '&' is decoded again at once with what
// follows, so "&amp;amp;amp;lt;" takes one pass, not four.
func decodeEntities(s string) string {
	i := strings.IndexByte(s, '&')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for i < len(s) {
		if s[i] != '&' {
			j := strings.IndexByte(s[i:], '&')
			if j < 0 {
				j = len(s) - i
			}
			b = append(b, s[i:i+j]...)
			i += j
			continue
		}
		rest := s[i+1:]
		out := "&"
		for {
			n := entityLen(rest)
			if n == 0 {
				break
			}
			ref := "&" + rest[:n]
			d := html.UnescapeString(ref)
			// html also expands a known prefix of an unknown name
			// ("&notit;" → "¬it;"), which leaves 3 or more runes; a real
			// reference gives 1 or 2.
			if d == ref || utf8.RuneCountInString(d) > 2 {
				break
			}
			rest = rest[n:]
			if d != "&" {
				out = d
				break
			}
		}
		b = append(b, out...)
		i = len(s) - len(rest)
	}
	return string(b)
}

// entityLen returns the length of the "name;", "#digits;" or "#xhex;" at the
// start of s (the text after '&'), or 0.
func entityLen(s string) int {
	const maxName = 32 // the longest HTML5 name is 31 letters
	n := 0
	if len(s) > 0 && s[0] == '#' {
		hex := len(s) > 1 && (s[1] == 'x' || s[1] == 'X')
		n = 1
		if hex {
			n = 2
		}
		start := n
		// At most 7 digits, so the value cannot overflow a rune; html
		// turns values above U+10FFFF into U+FFFD.
		for n < len(s) && n-start < 7 && (isASCIIDigit(s[n]) || hex && isHexLetter(s[n])) {
			n++
		}
		if n == start {
			return 0
		}
	} else {
		for n < len(s) && n < maxName && isASCIIAlnum(s[n]) {
			n++
		}
		if n == 0 {
			return 0
		}
	}
	if n < len(s) && s[n] == ';' {
		return n + 1
	}
	return 0
}

func isHexLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'f' }

// dropInvisible removes characters that are invisible and carry no meaning
// for models, but split or glue words when compared byte by byte.
func dropInvisible(s string) string {
	var b []byte
	last := 0 // s[last:] has not been copied to b yet
	for i := 0; i < len(s); {
		if c := s[i]; 0x20 <= c && c < 0x7F {
			i++ // printable ASCII, the common case
			continue
		}
		r, size := nextInvisibleCandidate(s, i)
		if isInvisible(r) {
			if b == nil {
				b = make([]byte, 0, len(s))
			}
			b = append(b, s[last:i]...)
			last = i + size
		}
		i += size
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// nextInvisibleCandidate decodes the rune at s[i] (s is valid UTF-8), but
// only where its first byte allows an invisible character (U+0080-U+00BF,
// U+061C, U+2000-U+206F, U+FEFF); elsewhere it returns 'x' and the length,
// which skips most letters of non-Latin scripts without decoding them.
func nextInvisibleCandidate(s string, i int) (rune, int) {
	c := s[i]
	switch {
	case c < utf8.RuneSelf:
		return rune(c), 1
	case c == 0xC2 || c == 0xD8 || c == 0xE2 || c == 0xEF:
		return utf8.DecodeRuneInString(s[i:])
	}
	return 'x', runeLen(c)
}

// runeLen returns the length of the UTF-8 sequence whose first byte is c, for
// valid UTF-8.
func runeLen(c byte) int {
	switch {
	case c < 0xE0:
		return 2
	case c < 0xF0:
		return 3
	}
	return 4
}

// isInvisible reports whether r is dropped: control characters other than
// white space (U+0085 NEL counts as a line break), soft hyphen, Arabic letter
// mark, zero-width space, LRM/RLM, bidi embeddings, overrides and isolates,
// word joiner and invisible operators, and the BOM. Kept on purpose: ZWNJ and
// ZWJ (Persian, Indic scripts, emoji sequences), variation selectors (emoji
// presentation) and U+FFFD (evidence of broken input).
func isInvisible(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n' && r != '\v' && r != '\f' && r != '\r'
	case r < 0x7F:
		return false
	case r <= 0x9F:
		return r != 0x85
	}
	switch r {
	case 0xAD, 0x061C, 0x200B, 0x200E, 0x200F, 0xFEFF:
		return true
	}
	return 0x202A <= r && r <= 0x202E || 0x2060 <= r && r <= 0x2064 || 0x2066 <= r && r <= 0x2069
}
