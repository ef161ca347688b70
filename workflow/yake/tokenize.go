package yake

import (
	"html"
	"slices"
	"strings"
	"unicode"
)

// This file ports the tokenizer YAKE 0.4.8 runs on each sentence:
//
//	[w for w in split_contractions(web_tokenizer(s))
//	   if not (w.startswith("'") and len(w) > 1) and len(w) > 0]
//
// from segtok 1.5.11 (MIT, Florian Leitner). segtok's regexes use look-around, which Go's
// regexp lacks, so each one is a hand-written scanner with the regex quoted above it.

// tokenizer holds scratch space reused across sentences.
type tokenizer struct {
	raw  []string
	web  webMatcher
	dots []int
}

// sentenceTokens appends the YAKE tokens of one sentence to dst.
func (tk *tokenizer) sentenceTokens(s string, dst []string) []string {
	tk.raw = tk.webTokens(s, tk.raw[:0])
	for _, w := range tk.raw {
		if pos := contractionAt(w); pos >= 0 {
			dst = appendKept(dst, w[:pos])
			dst = appendKept(dst, w[pos:])
			continue
		}
		dst = appendKept(dst, w)
	}
	return dst
}

// appendKept applies YAKE's filter: no empty tokens and no tokens such as "'s".
func appendKept(dst []string, w string) []string {
	if w == "" || (w[0] == '\'' && len(w) > 1) {
		return dst
	}
	return append(dst, w)
}

// contractionAt is split_contractions for one token: when the token matches
// IS_CONTRACTION, {alnum}+(?:{hyphen}{alnum}+)*{apo}(?:d|ll|m|re|s|t|ve)$, it returns the
// byte index to split at ("Kaggle" + "'s", "do" + "n't"), otherwise -1.
func contractionAt(w string) int {
	i, run := 0, 0
	for i < len(w) {
		r, size := runeAt(w, i)
		if isAlnum(r) {
			i += size
			run++
			continue
		}
		if isHyphen(r) && run > 0 {
			if next, _ := runeAt(w, i+size); next >= 0 && isAlnum(next) {
				i += size
				run = 0
				continue
			}
		}
		break
	}
	if run == 0 {
		return -1
	}
	r, size := runeAt(w, i)
	if r < 0 || !isApos(r) {
		return -1
	}
	switch w[i+size:] {
	case "d", "ll", "m", "re", "s", "ve":
		return i
	case "t":
		if i > 0 && w[i-1] == 'n' && runeLen(w) > 2 {
			return i - 1 // "n't" stays together
		}
		return i
	}
	return -1
}

// webTokens is segtok's web_tokenizer: URLs and e-mail addresses stay whole, the text
// between them is HTML-unescaped and word-tokenized.
func (tk *tokenizer) webTokens(s string, dst []string) []string {
	if !strings.Contains(s, "://") && strings.IndexByte(s, '@') < 0 {
		return tk.wordTokens(unescape(s), dst)
	}
	tk.web.reset()
	last := 0
	for p := 0; p < len(s); {
		if webBorderBefore(s, p) {
			if e := tk.web.matchAt(tk, s, p); e > p {
				dst = tk.wordTokens(unescape(s[last:p]), dst)
				dst = append(dst, s[p:e])
				last, p = e, e
				continue
			}
		}
		_, size := runeAt(s, p)
		p += size
	}
	return tk.wordTokens(unescape(s[last:]), dst)
}

func unescape(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return html.UnescapeString(s)
}

// webBorderBefore is the look-behind (?<=^|[\s<"'(\[{]).
func webBorderBefore(s string, p int) bool {
	if p == 0 {
		return true
	}
	r := runeBefore(s, p)
	switch r {
	case '<', '"', '\'', '(', '[', '{':
		return true
	}
	return isRegexSpace(r)
}

// webAfterOK is the look-ahead (?=[\s>"')\]}]|$).
func webAfterOK(s string, f int) bool {
	if f >= len(s) {
		return true
	}
	r, _ := runeAt(s, f)
	switch r {
	case '>', '"', '\'', ')', ']', '}':
		return true
	}
	return isRegexSpace(r)
}

// runCache remembers the end of the last run scanned, so that scans started from every
// position inside one long run cost linear time in total, not quadratic.
type runCache struct{ from, end int }

func (c *runCache) scan(s string, i int, in func(rune) bool) int {
	if i >= c.from && i <= c.end {
		return c.end
	}
	j := i
	for j < len(s) {
		r, size := runeAt(s, j)
		if !in(r) {
			break
		}
		j += size
	}
	c.from, c.end = i, j
	return j
}

// memo remembers one result keyed by a position.
type memo struct {
	key, val int
	ok       bool
}

// webMatcher matches segtok's URL and e-mail pattern at a position:
//
//	(?<=^|[\s<"'(\[{])
//	( [A-z]+://(?:[^@]+@)?(?:[\w-]+\.)+\w+(?::\d+)?(?:/[^?\#\s'">)\]}]*)?(?:\?[^\#\s'">)\]}]+)?(?:\#[^\s'">)\]}]+)?
//	| [\w.#$%&'*+/=!?^`{|}~-]+@(?:[\w-]+\.)+\w+ )
//	(?=[\s>"')\]}]|$)
//
// The optional URL parts never need backtracking: skipping an available part leaves a
// character the look-ahead rejects. Only the host has alternatives, tried in the order the
// regex engine would try them. Results are cached per "://" and "@" so that failed
// attempts at many start positions stay linear.
type webMatcher struct {
	scheme, local, path, query, frag runCache
	at                               runCache // next '@' at or after a position
	uri, userHost, mailHost          memo
}

func (m *webMatcher) reset() {
	*m = webMatcher{scheme: runCache{-1, -1}, local: runCache{-1, -1}, path: runCache{-1, -1}, query: runCache{-1, -1}, frag: runCache{-1, -1}, at: runCache{-1, -1}}
}

func (m *webMatcher) matchAt(tk *tokenizer, s string, p int) int {
	if j := m.scheme.scan(s, p, isSchemeRune); j > p && strings.HasPrefix(s[j:], "://") {
		a := j + 3
		if !m.uri.ok || m.uri.key != a {
			m.uri = memo{key: a, val: m.uriTail(tk, s, a), ok: true}
		}
		if m.uri.val >= 0 {
			return m.uri.val
		}
	}
	if j := m.local.scan(s, p, isLocalPartRune); j > p && j < len(s) && s[j] == '@' {
		if !m.mailHost.ok || m.mailHost.key != j {
			m.mailHost = memo{key: j, val: tk.host(s, j+1, nil), ok: true}
		}
		return m.mailHost.val
	}
	return -1
}

// uriTail matches everything after "://": first with a user part up to the first '@',
// then without.
func (m *webMatcher) uriTail(tk *tokenizer, s string, a int) int {
	if at := m.at.scan(s, a, func(r rune) bool { return r != '@' }); at > a && at < len(s) {
		if !m.userHost.ok || m.userHost.key != at {
			m.userHost = memo{key: at, val: tk.host(s, at+1, m), ok: true}
		}
		if m.userHost.val >= 0 {
			return m.userHost.val
		}
	}
	return tk.host(s, a, m)
}

// host matches (?:[\w-]+\.)+\w+ at h and then, for a URI (m != nil), the port, path,
// query and fragment, and the look-ahead. It returns the end of the match or -1.
func (tk *tokenizer) host(s string, h int, m *webMatcher) int {
	tk.dots = tk.dots[:0]
	for i := h; ; {
		j := i
		for j < len(s) {
			r, size := runeAt(s, j)
			if !isWord(r) && r != '-' {
				break
			}
			j += size
		}
		if j == i || j >= len(s) || s[j] != '.' {
			break
		}
		i = j + 1
		tk.dots = append(tk.dots, i)
	}
	// Most label repetitions first; \w+ shorter than its run always fails the look-ahead.
	for k := len(tk.dots) - 1; k >= 0; k-- {
		q := tk.dots[k]
		e := q
		for e < len(s) {
			r, size := runeAt(s, e)
			if !isWord(r) {
				break
			}
			e += size
		}
		if e == q {
			continue
		}
		if m != nil {
			e = m.uriRest(s, e)
		}
		if webAfterOK(s, e) {
			return e
		}
	}
	return -1
}

// uriRest consumes the optional port, path, query and fragment greedily.
func (m *webMatcher) uriRest(s string, f int) int {
	if f < len(s) && s[f] == ':' {
		g := f + 1
		for g < len(s) {
			r, size := runeAt(s, g)
			if !isDigitNd(r) {
				break
			}
			g += size
		}
		if g > f+1 {
			f = g
		}
	}
	if f < len(s) && s[f] == '/' {
		f = m.path.scan(s, f+1, func(r rune) bool { return !strings.ContainsRune("?#'\">)]}", r) && !isRegexSpace(r) })
	}
	if f < len(s) && s[f] == '?' {
		if g := m.query.scan(s, f+1, func(r rune) bool { return !strings.ContainsRune("#'\">)]}", r) && !isRegexSpace(r) }); g > f+1 {
			f = g
		}
	}
	if f < len(s) && s[f] == '#' {
		if g := m.frag.scan(s, f+1, func(r rune) bool { return !strings.ContainsRune("'\">)]}", r) && !isRegexSpace(r) }); g > f+1 {
			f = g
		}
	}
	return f
}

// isSchemeRune is [A-z], which also admits [\]^_` between the two letter ranges.
func isSchemeRune(r rune) bool { return r >= 'A' && r <= 'z' }

// isLocalPartRune is [\w.#$%&'*+/=!?^`{|}~-].
func isLocalPartRune(r rune) bool {
	return isWord(r) || (r >= 0 && r < 0x80 && strings.IndexByte(".#$%&'*+/=!?^`{|}~-", byte(r)) >= 0)
}

// wordTokens is segtok's word_tokenizer.
func (tk *tokenizer) wordTokens(s string, dst []string) []string {
	if strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 || strings.Contains(s, "\u2028") {
		s = joinHyphenatedLinebreaks(s)
	}
	start := len(dst)
	for i := 0; i < len(s); {
		r, size := runeAt(s, i)
		if isRegexSpace(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(s) {
			r, size := runeAt(s, j)
			if isRegexSpace(r) {
				break
			}
			j += size
		}
		dst = splitWordSpan(s[i:j], dst)
		i = j
	}
	dst = spliceTerminal(dst, start)
	return splitDangling(dst, start)
}

// joinHyphenatedLinebreaks is HYPHENATED_LINEBREAK.sub(r'\1\2', s) for
// ({alnum}{hyphen})[\p{Zs}\t]*?(?:\r\n|\n|\r|\u2028)[\p{Zs}\t]*?({alnum}): "Hel-\n lo" → "Hel-lo".
func joinHyphenatedLinebreaks(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, size := runeAt(s, i)
		if isAlnum(r) {
			h, hs := runeAt(s, i+size)
			if h >= 0 && isHyphen(h) {
				j := skipZsTab(s, i+size+hs)
				if k := linebreakEnd(s, j); k > j {
					k = skipZsTab(s, k)
					if a, as := runeAt(s, k); a >= 0 && isAlnum(a) {
						b.WriteString(s[last : i+size+hs])
						b.WriteString(s[k : k+as])
						last = k + as
						i = last
						continue
					}
				}
			}
		}
		i += size
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func skipZsTab(s string, i int) int {
	for i < len(s) {
		r, size := runeAt(s, i)
		if r != '\t' && !unicode.Is(unicode.Zs, r) {
			break
		}
		i += size
	}
	return i
}

func linebreakEnd(s string, i int) int {
	switch {
	case strings.HasPrefix(s[i:], "\r\n"):
		return i + 2
	case strings.HasPrefix(s[i:], "\n"), strings.HasPrefix(s[i:], "\r"):
		return i + 1
	case strings.HasPrefix(s[i:], "\u2028"):
		return i + 3
	}
	return i
}

// splitWordSpan is word_tokenizer.split(span) without empty parts: the matches of the word
// pattern and the text between them, each as a token.
func splitWordSpan(span string, dst []string) []string {
	last := 0
	for p := 0; p < len(span); {
		if e := wordMatch(span, p); e > p {
			if p > last {
				dst = append(dst, span[last:p])
			}
			dst = append(dst, span[p:e])
			last, p = e, e
			continue
		}
		_, size := runeAt(span, p)
		p += size
	}
	if last < len(span) {
		dst = append(dst, span[last:])
	}
	return dst
}

// wordMatch returns the end of the word pattern ((?:A1|...|A10)+) matched at p, or p.
// The regex takes the first alternative that matches at each step and never needs to
// backtrack, because nothing follows the repetition.
func wordMatch(s string, p int) int {
	i := p
	for i < len(s) {
		n := wordStep(s, i)
		if n == 0 {
			break
		}
		i += n
	}
	return i
}

// wordStep tries the alternatives of segtok's word pattern at i, in order, and returns
// the length of the first that matches, or 0.
func wordStep(s string, i int) int {
	r, size := runeAt(s, i)
	r2, size2 := runeAt(s, i+size)
	alnum := isAlnum(r)
	if alnum {
		// {alnum}\.(?!\.\.): dots, except before an ellipsis
		if r2 == '.' && !strings.HasPrefix(s[i+size+1:], "..") {
			return size + 1
		}
		// {alnum},(?={alnum})
		if r2 == ',' {
			if r3, _ := runeAt(s, i+size+1); r3 >= 0 && isAlnum(r3) {
				return size + 1
			}
		}
	}
	// {number}:(?={number})
	if r2 == ':' && isSegNumber(r) {
		if r3, _ := runeAt(s, i+size+1); r3 >= 0 && isSegNumber(r3) {
			return size + 1
		}
	}
	if alnum && r2 >= 0 {
		// {alnum}{apo}?{hyphen}(?={alnum})
		if isApo(r2) {
			if r3, size3 := runeAt(s, i+size+size2); r3 >= 0 && isHyphen(r3) {
				if r4, _ := runeAt(s, i+size+size2+size3); r4 >= 0 && isAlnum(r4) {
					return size + size2 + size3
				}
			}
		}
		if isHyphen(r2) {
			if r3, _ := runeAt(s, i+size+size2); r3 >= 0 && isAlnum(r3) {
				return size + size2
			}
		}
	}
	// {apo}(?!{apo}): a non-ASCII apostrophe, not repeated
	if isApo(r) && (r2 < 0 || !isApo(r2)) {
		return size
	}
	if r2 == '\'' {
		// {alnum}'(?={alnum})
		if alnum {
			if r3, _ := runeAt(s, i+size+1); r3 >= 0 && isAlnum(r3) {
				return size + 1
			}
		}
		// s'$
		if r == 's' && i+2 == len(s) {
			return 2
		}
	}
	if wordBoundaryBefore(s, i) {
		if n := unitPowerAt(s, i); n > 0 {
			return n
		}
		if n := formulaAt(s, i); n > 0 {
			return n
		}
	}
	if alnum {
		return size
	}
	return 0
}

// unitPowerAt is \b[yzafpnµmcdhkMGTPEZY]?{letter}{1,3}{power}$ without the \b: a unit with
// a superscript power (m², km⁻¹) ending the span.
func unitPowerAt(s string, i int) int {
	j, n := i, 0
	for j < len(s) {
		r, size := runeAt(s, j)
		if !isSegLetter(r) {
			break
		}
		j += size
		n++
	}
	if n == 0 || n > 4 {
		return 0
	}
	if n == 4 {
		if r, _ := runeAt(s, i); !strings.ContainsRune("yzafpnµmcdhkMGTPEZY", r) {
			return 0
		}
	}
	rest := strings.TrimPrefix(s[j:], "\u207B")
	if rest == "\u00B9" || rest == "\u00B2" || rest == "\u00B3" {
		return len(s) - i
	}
	return 0
}

// formulaAt is \b(?:[A-Z][a-z]?|[\)\]])+{subdigit}+(?:[²³]?[⁺⁻])? without the \b: a
// fragment of a chemical formula with subscript counts (H₂O, SO₄²⁻).
func formulaAt(s string, i int) int {
	j, n := i, 0
	for j < len(s) {
		c := s[j]
		if c >= 'A' && c <= 'Z' {
			j++
			if j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			n++
			continue
		}
		if c == ')' || c == ']' {
			j++
			n++
			continue
		}
		break
	}
	if n == 0 {
		return 0
	}
	k := j
	for {
		r, size := runeAt(s, k)
		if r < 0x2080 || r > 0x2089 {
			break
		}
		k += size
	}
	if k == j {
		return 0
	}
	r, size := runeAt(s, k)
	if r == '\u00B2' || r == '\u00B3' {
		if r2, size2 := runeAt(s, k+size); r2 == '\u207A' || r2 == '\u207B' {
			k += size + size2
		}
	} else if r == '\u207A' || r == '\u207B' {
		k += size
	}
	return k - i
}

// spliceTerminal splits the sentence terminal off the last word: of the last three
// tokens (from the end), the first that is a word or holds a terminal loses a final
// terminal ("stuff." → "stuff" ".") or a leading one (".stuff" → "." "stuff").
func spliceTerminal(dst []string, start int) []string {
	toks := dst[start:]
	n := len(toks)
	for idx := 1; idx <= 3 && idx <= n; idx++ {
		w := toks[n-idx]
		fr, fs := firstRune(w)
		if !((wordMatch(w, 0) > 0 && !isApo(fr)) || strings.ContainsFunc(w, isTerminal)) {
			continue
		}
		if fs == len(w) || w == "..." {
			return dst
		}
		at := start + n - idx
		if lr, ls := lastRune(w); isTerminal(lr) {
			dst[at] = w[:len(w)-ls]
			return slices.Insert(dst, at+1, w[len(w)-ls:])
		}
		if isTerminal(fr) {
			dst[at] = w[:fs]
			return slices.Insert(dst, at+1, w[fs:])
		}
		return dst
	}
	return dst
}

// splitDangling splices trailing commas, semicolons and colons off every token longer
// than one character, each as its own token (")," → ")" ",").
func splitDangling(dst []string, start int) []string {
	first := -1
	for i := start; i < len(dst); i++ {
		if w := dst[i]; len(w) > 1 && isDangling(w[len(w)-1]) && runeLen(w) > 1 {
			first = i
			break
		}
	}
	if first < 0 {
		return dst
	}
	tail := slices.Clone(dst[first:])
	dst = dst[:first]
	for _, w := range tail {
		stem := w
		for len(stem) > 1 && isDangling(stem[len(stem)-1]) && runeLen(stem) > 1 {
			stem = stem[:len(stem)-1]
		}
		dst = append(dst, stem)
		for k := len(stem); k < len(w); k++ {
			dst = append(dst, w[k:k+1])
		}
	}
	return dst
}

func isDangling(c byte) bool { return c == ',' || c == ';' || c == ':' }
