package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// removeTwitterTokens replaces URLs and @mentions by a space and removes the
// "RT" before a mention, in one left-to-right scan. Context checks look at
// the output written so far, not at the input, so that what one removal
// leaves behind is judged the same way a second call would judge it.
func removeTwitterTokens(s string, o Options) string {
	// The output is b followed by s[last:i]; b is only built once something
	// changes, since most text has nothing to remove.
	var b []byte
	last := 0
	flush := func(i int) {
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(b, s[last:i]...)
		last = i
	}
	prev := func(i int) rune {
		if i > last {
			return lastRuneString(s[last:i])
		}
		return lastRune(b)
	}
	var rt rtScanner
	for i := 0; i < len(s); {
		c := s[i]
		if c == '@' {
			if n := handleLen(s[i+1:]); n > 0 {
				flush(i)
				if mentionMayStart(b, &rt) {
					if cut := rt.prefix(b); cut >= 0 {
						b = append(b[:cut], ' ')
					}
					end := i + 1 + n
					if o.KeepMentions {
						b = append(b, s[i:end]...)
					} else {
						// "RT @user: text" and "@channel: news" leave no stray colon.
						if end < len(s) && s[end] == ':' {
							end++
						}
						b = append(b, ' ')
					}
					i, last = end, end
					continue
				}
			}
		} else if mayStartURL(c) && urlMayStart(prev(i)) {
			if n := urlLen(s[i:]); n > 0 {
				if !o.KeepURLs {
					flush(i)
					b = append(b, ' ')
					last = i + n
				}
				i += n
				continue
			}
		}
		i++
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// handleLen returns the length of the @handle at the start of s (after the '@').
func handleLen(s string) int {
	n := 0
	for n < len(s) && isHandleByte(s[n]) {
		n++
	}
	return n
}

// mentionMayStart reports whether an '@' can start a mention after b. As in
// Twitter's own rule (twitter-text), it cannot follow an ASCII letter, digit
// or one of _!#$%&*@, which keeps e-mail addresses, except right after an
// "RT" ("RT@user"). Any other character may precede it, so "感谢@user" counts,
// since Chinese and Japanese are written without spaces.
func mentionMayStart(b []byte, rt *rtScanner) bool {
	r := lastRune(b)
	if r < 0 || r >= utf8.RuneSelf {
		return true
	}
	if !isHandleByte(byte(r)) && !strings.ContainsRune("!#$%&*@", r) {
		return true
	}
	return rt.prefix(b) >= 0
}

// rtScanner finds the "RT" tokens at the end of the output. A token is "RT"
// in any case, optionally followed by ':' and white space, and must not follow
// an ASCII letter, digit or one of _+~.-@# (so "ART" and "#RT" are not
// tokens). Several tokens in a row ("RT @a: RT @b:" once the mentions are
// gone) are cut together.
//
// It remembers the last run of white space it walked over, b[wsFrom:wsTo],
// and jumps over it next time: removed mentions leave spaces behind, and
// without the memo "@a @a @a ..." would walk the same growing run for every
// mention. The memo stays valid because the output only grows, and is only
// cut at or above wsTo.
type rtScanner struct{ wsFrom, wsTo int }

// prefix returns where the RT tokens at the end of b start, or -1.
func (m *rtScanner) prefix(b []byte) int {
	cut := -1
	for j := len(b); ; {
		k := m.skipSpace(b, j)
		if !m.token(b, &k) {
			// Remember only this run, the one below the last token:
			// the runs between tokens are about to be cut.
			m.wsFrom, m.wsTo = k, j
			return cut
		}
		cut, j = k, k
	}
}

// token reports whether an RT token ends at b[:*k] (after its white space
// was skipped), and if so moves *k to its start; otherwise *k is unchanged.
func (m *rtScanner) token(b []byte, k *int) bool {
	i := *k
	if i > 0 && b[i-1] == ':' {
		i--
	}
	if i < 2 || b[i-2]|0x20 != 'r' || b[i-1]|0x20 != 't' {
		return false
	}
	i -= 2
	if r := lastRune(b[:i]); r >= 0 && r < utf8.RuneSelf && (isHandleByte(byte(r)) || strings.ContainsRune("+~.-@#", r)) {
		return false
	}
	*k = i
	return true
}

// skipSpace returns the start of the white space that ends b[:j].
func (m *rtScanner) skipSpace(b []byte, j int) int {
	k := j
	for k > 0 {
		if k == m.wsTo && m.wsFrom < k {
			k = m.wsFrom
			continue
		}
		r, size := utf8.DecodeLastRune(b[:k])
		if !isSpace(r) {
			break
		}
		k -= size
	}
	return k
}

// mayStartURL reports whether c can be the first byte of a URL urlLen knows.
func mayStartURL(c byte) bool {
	switch c | 0x20 {
	case 'h', 'w', 't', 'p':
		return true
	}
	return false
}

// urlMayStart reports whether a URL can start after r (-1 at the start of
// the text): not inside a word, an e-mail address, a domain or a path.
func urlMayStart(r rune) bool {
	return r < 0 || r >= utf8.RuneSelf || !isHandleByte(byte(r)) && !strings.ContainsRune("@./-", r)
}

// urlLen returns the length of the URL at the start of s, or 0. The original
// matched ((https?):((//)|(\\\\))+([\w\d:#@%/;$()~_?\+-=\\\.&](#!)?)*); this
// also knows scheme-less www., t.co/, t.me/ and pic.twitter.com/ links.
func urlLen(s string) int {
	n := schemeLen(s)
	if n > 0 {
		return n + urlBodyLen(s[n:])
	}
	for _, p := range schemelessPrefixes {
		if hasPrefixFold(s, p) {
			n = len(p)
			break
		}
	}
	if n == 0 || n == len(s) || !isURLStartByte(s[n]) {
		return 0
	}
	m := urlBodyLen(s[n:])
	if m == 0 {
		return 0
	}
	return n + m
}

// schemelessPrefixes start links written without http(s)://. Bare domains
// ("example.com") are left alone: too much ordinary text looks like one.
var schemelessPrefixes = []string{"www.", "t.co/", "t.me/", "pic.twitter.com/"}

// schemeLen returns the length of "http:" or "https:" followed by one or
// more "//" or "\\" (the original accepted the backslash form), or 0.
func schemeLen(s string) int {
	var n int
	switch {
	case hasPrefixFold(s, "https:"):
		n = len("https:")
	case hasPrefixFold(s, "http:"):
		n = len("http:")
	default:
		return 0
	}
	m := n
	for strings.HasPrefix(s[m:], "//") || strings.HasPrefix(s[m:], `\\`) {
		m += 2
	}
	if m == n {
		return 0
	}
	return m
}

// isURLStartByte reports whether a scheme-less link may continue with c; it
// must be a letter or digit ("www.example.com", not "www.").
func isURLStartByte(c byte) bool { return isASCIIAlnum(c) || c >= utf8.RuneSelf }

// urlBodyLen returns how much of s belongs to the URL: printable ASCII other
// than space and "<>^`{|}, and letters, marks and digits of scripts written
// with spaces (a Cyrillic or Arabic Wikipedia path). It stops at CJK, Thai and
// the like, which are written straight after a URL without a space. Trailing
// sentence punctuation and an unbalanced ')' or ']' are not part of the URL.
func urlBodyLen(s string) int {
	n, parens, brackets := 0, 0, 0
	for n < len(s) {
		c := s[n]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7F || strings.IndexByte("\"<>^`{|}", c) >= 0 {
				break
			}
			switch c {
			case '(':
				parens++
			case ')':
				parens--
			case '[':
				brackets++
			case ']':
				brackets--
			}
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if !isURLRune(r) {
			break
		}
		n += size
	}
	for n > 0 {
		switch s[n-1] {
		case '.', ',', ':', ';', '!', '?', '\'', '*':
		case ')':
			if parens >= 0 {
				return n
			}
			parens++
		case ']':
			if brackets >= 0 {
				return n
			}
			brackets++
		default:
			return n
		}
		n--
	}
	return n
}

// isURLRune reports whether a non-ASCII rune can be part of a URL.
func isURLRune(r rune) bool {
	if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) {
		return false
	}
	for _, t := range noSpaceScripts {
		if unicode.Is(t, r) {
			return false
		}
	}
	return true
}

// noSpaceScripts are written without spaces between words, so text that
// follows a URL directly is not part of it.
var noSpaceScripts = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is lower case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
