package yake

import (
	"strings"
)

// This file ports the sentence splitter YAKE 0.4.8 uses: segtok 1.5.11 split_multi
// (MIT, Florian Leitner), preceded by YAKE's pre_filter. segtok is written with regular
// expressions that need look-behind and backtracking; each one is hand-written here as a
// scan, with the regex it replaces quoted above it. All scans look at a bounded end of a
// span, so splitting stays linear in the text length.

// preFilter is YAKE's pre_filter: every line that starts (after spaces) with an ASCII
// capital begins a new paragraph ("\n\n"), every other line is joined with a space, and
// tabs become spaces.
func preFilter(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 8)
	for part := range strings.SplitSeq(text, "\n") {
		if startsWithCapital(part) {
			b.WriteString("\n\n")
		} else {
			b.WriteByte(' ')
		}
		if strings.IndexByte(part, '\t') >= 0 {
			part = strings.ReplaceAll(part, "\t", " ")
		}
		b.WriteString(part)
	}
	return b.String()
}

// startsWithCapital is re.match(r"^(\s*([A-Z]))", part).
func startsWithCapital(s string) bool {
	for i := 0; i < len(s); {
		r, size := runeAt(s, i)
		if isPySpace(r) {
			i += size
			continue
		}
		return r >= 'A' && r <= 'Z'
	}
	return false
}

// splitSentences is segtok's split_multi followed by YAKE's filter: it appends the
// stripped, non-empty sentences of text to out.
func splitSentences(text string, out []string) []string {
	bounds := splitAtTerminals(text, nil)
	segs := joinAbbreviations(text, bounds, nil)
	return joinSentences(text, segs, out)
}

// splitAtTerminals is MAY_CROSS_ONE_LINE.split(text) for the pattern
//
//	([.!?‼‽⁇⁈⁉。﹒﹗！．？｡]['’"”]?[\])]*\s+|\n{2,})
//
// It returns offsets b such that span k is text[b[k]:b[k+1]]; even spans are text and
// odd spans are the separators, as in Python's re.split with a capturing group.
func splitAtTerminals(text string, b []int) []int {
	b = append(b[:0], 0)
	for i := 0; i < len(text); {
		r, size := runeAt(text, i)
		if end := separatorAt(text, i, r, size); end > i {
			b = append(b, i, end)
			i = end
			continue
		}
		i += size
	}
	return append(b, len(text))
}

// separatorAt returns the end of a separator starting at byte i, or i if none starts there.
// No backtracking is needed: a shorter quote or bracket run could not be followed by \s.
func separatorAt(text string, i int, r rune, size int) int {
	if isTerminal(r) {
		j := i + size
		if q, qs := runeAt(text, j); q == '\'' || q == '\u2019' || q == '"' || q == '\u201D' {
			j += qs
		}
		for j < len(text) && (text[j] == ']' || text[j] == ')') {
			j++
		}
		k := skipRegexSpace(text, j)
		if k > j {
			return k
		}
		return i
	}
	if r == '\n' && i+1 < len(text) && text[i+1] == '\n' {
		k := i + 2
		for k < len(text) && text[k] == '\n' {
			k++
		}
		return k
	}
	return i
}

func skipRegexSpace(s string, i int) int {
	for i < len(s) {
		r, size := runeAt(s, i)
		if !isRegexSpace(r) {
			break
		}
		i += size
	}
	return i
}

// trimRegexSpaceRight returns the index where the trailing run of \s in s begins.
func trimRegexSpaceRight(s string) int {
	i := len(s)
	for i > 0 {
		r, size := lastRune(s[:i])
		if !isRegexSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// joinAbbreviations is segtok's _abbreviation_joiner: it glues a span to the next one when
// the separator between them does not really end a sentence, and returns the segments.
func joinAbbreviations(text string, b []int, segs []span) []span {
	total := len(b) - 1
	seg := -1
	for pos := 0; pos < total; pos++ {
		if pos%2 == 0 {
			if seg < 0 {
				seg = pos
			}
			continue
		}
		prev := text[b[pos-1]:b[pos]]
		marker := text[b[pos]:b[pos+1]]
		next := text[b[pos+1]:b[pos+2]] // total is odd, so a text span always follows
		if joinAtSeparator(prev, marker, next) {
			continue
		}
		segs = append(segs, span{b[seg], b[pos+1]})
		seg = -1
	}
	if seg >= 0 {
		segs = append(segs, span{b[seg], b[total]})
	}
	return segs
}

type span struct{ start, end int }

func joinAtSeparator(prev, marker, next string) bool {
	if r, _ := lastRune(prev); prev != "" && isPySpace(r) {
		return true // "Arquivo.pt . Nesta": a terminal after a space ends nothing
	}
	if marker[0] != '.' {
		return false
	}
	if abbreviationEnd(prev) {
		return true
	}
	if next == "" {
		return false
	}
	return loneWord(next) ||
		(endsInDateDigits(prev) && startsWithMonth(next)) ||
		(middleInitialEnd(prev) && upperWordStart(next))
}

// abbreviations are segtok's ABBREVIATIONS with the optional dots expanded and the
// capitalised forms of the lower-case ones added, as segtok does with str.capitalize().
var abbreviations = []string{
	"approx", "Approx", "Capt", "cf", "Cf", "Col", "Dr", "fe", "f.e", "Fe", "F.e",
	"fig", "figs", "Fig", "Figs", "Gen", "eg", "e.g", "Eg", "E.g", "ie", "i.e", "Ie", "I.e",
	"iv", "i.v", "Iv", "I.v", "Mag", "med", "Med", "Mr", "Mrs", "Mt", "nat", "Nat", "No",
	"nr", "Nr", "p.e", "P.e", "phil", "Phil", "prof", "Prof", "rer", "Rer", "sci", "Sci",
	"Sgt", "Sr", "Sra", "Srta", "St", "univ", "Univ", "vol", "Vol", "vs", "Vs", "z.B", "Z.b",
	"Jän", "Jan", "Ene", "Feb", "Mär", "Mar", "Apr", "Abr", "May", "Jun", "Jul", "Aug",
	"Sep", "Sept", "Oct", "Okt", "Nov", "Dic", "Dez", "Dec", "E.U", "U.K", "U.S",
}

// initialTitles are the words of rule 4.a that make a following capital a first-name initial.
var initialTitles = []string{
	"By", "by", "Captain", "captain", "Commander", "commander", "Doctor", "doctor",
	"Doktor", "doktor", "General", "general", "Mister", "mister", "Miss", "miss",
	"Magister", "magister", "Magiss", "magiss", "Professor", "professor", "Señor", "señor", "Señora", "señora",
	"Señorit", "señorit", "Señorita", "señorita",
}

// abbreviationEnd is ABBREVIATIONS.search(prev): prev ends in
//  1. a known abbreviation after a word boundary,
//  2. is a single non-space character, or 3. only digits, or
//  4. ends in initials (A, A.A, A.-A) after a title, an author-list comma or "and", or a
//     bracket.
func abbreviationEnd(s string) bool {
	if s == "" {
		return false
	}
	if r, size := firstRune(s); size == len(s) && !isRegexSpace(r) {
		return true
	}
	if allDigits(s) {
		return true
	}
	for _, a := range abbreviations {
		if strings.HasSuffix(s, a) && !isWord(runeBefore(s, len(s)-len(a))) {
			return true
		}
	}
	return initialsEnd(s)
}

func allDigits(s string) bool {
	for _, r := range s {
		if !isDigitNd(r) {
			return false
		}
	}
	return s != ""
}

// initialsEnd is rule 4: (?:G4)(?:[Lu Lt]Lm?\.HYPHEN?)?[Lu Lt]Lm?$ where G4 is a title word
// and a space, an author-list separator, or an opening bracket.
func initialsEnd(s string) bool {
	end := len(s)
	r, size := lastRune(s)
	if isLm(r) {
		end -= size
		r, size = lastRune(s[:end])
	}
	if end == 0 || !isLuLt(r) {
		return false
	}
	p1 := end - size
	// The regex tries the optional "A." prefix first, then without it; any success matches.
	for _, withHyphen := range [2]bool{true, false} {
		q := p1
		if withHyphen {
			h, hs := lastRune(s[:q])
			if q == 0 || !isHyphen(h) {
				continue
			}
			q -= hs
		}
		if q == 0 || s[q-1] != '.' {
			continue
		}
		q--
		x, xs := lastRune(s[:q])
		if q > 0 && isLm(x) {
			q -= xs
			x, xs = lastRune(s[:q])
		}
		if q > 0 && isLuLt(x) && g4End(s, q-xs) {
			return true
		}
	}
	return g4End(s, p1)
}

// g4End reports whether s[:q] ends with rule 4's prefix group:
//
//	\b(?:[Bb]y|[Cc](?:aptain|ommander)|[Dd]o[ck]tor|[Gg]eneral|[Mm](?:ag)?is(?:ter|s)|[Ss]eñor(?:it)?a?)\s
//	| (?:(?<!\b\p{Lu}\p{Lm}?),(?:\sand)?|(?<!\b[\p{Lu},]\p{Lm}?)\sand)\s
//	| [\[\(]
func g4End(s string, q int) bool {
	if q <= 0 {
		return false
	}
	r, size := lastRune(s[:q])
	if r == '[' || r == '(' {
		return true
	}
	if !isRegexSpace(r) {
		return false
	}
	t := s[:q-size]
	for _, w := range initialTitles {
		if strings.HasSuffix(t, w) && !isWord(runeBefore(t, len(t)-len(w))) {
			return true
		}
	}
	if strings.HasSuffix(t, ",") && !capitalEnd(t[:len(t)-1], false) {
		return true
	}
	if !strings.HasSuffix(t, "and") {
		return false
	}
	u := t[:len(t)-3]
	sp, ss := lastRune(u)
	if u == "" || !isRegexSpace(sp) {
		return false
	}
	v := u[:len(u)-ss]
	if strings.HasSuffix(v, ",") && !capitalEnd(v[:len(v)-1], false) {
		return true // ", and "
	}
	return !capitalEnd(v, true) // " and "
}

// capitalEnd is the look-behind \b\p{Lu}\p{Lm}?$ (or \b[\p{Lu},]\p{Lm}?$ with comma):
// s ends in a one-letter capital word (or, with comma, in a comma right after a word).
func capitalEnd(s string, comma bool) bool {
	if s == "" {
		return false
	}
	j := len(s)
	r, size := lastRune(s)
	if isLm(r) {
		j -= size
		if j == 0 {
			return false
		}
		r, size = lastRune(s[:j])
	}
	if isLu(r) {
		return !isWord(runeBefore(s, j-size))
	}
	if comma && r == ',' {
		return isWord(runeBefore(s, j-size))
	}
	return false
}

// loneWord is LONE_WORD.match(next): ^\p{Ll}+[\p{Ll}\p{Nd}HYPHENS]*$ (where $ may also
// match before a final newline).
func loneWord(s string) bool {
	s = strings.TrimSuffix(s, "\n")
	for i, r := range s {
		if i == 0 && !isLl(r) {
			return false
		}
		if !isLl(r) && !isDigitNd(r) && !isHyphen(r) {
			return false
		}
	}
	return s != ""
}

// endsInDateDigits is \b[0123]?[0-9]$.
func endsInDateDigits(s string) bool {
	n := len(s)
	if n == 0 || s[n-1] < '0' || s[n-1] > '9' {
		return false
	}
	if n >= 2 && s[n-2] >= '0' && s[n-2] <= '3' && !isWord(runeBefore(s, n-2)) {
		return true
	}
	return !isWord(runeBefore(s, n-1))
}

var monthPrefixes = []string{
	"Jän", "Jan", "Ene", "Feb", "Mär", "Mar", "Apr", "Abr", "May", "Jun", "Jul", "Aug",
	"Sep", "Oct", "Okt", "Nov", "Dec", "Dez", "Dic", "Diz",
}

// startsWithMonth is MONTH.match(next): a month abbreviation or a month number.
func startsWithMonth(s string) bool {
	if s == "" {
		return false
	}
	if s[0] >= '1' && s[0] <= '9' {
		return true
	}
	if s[0] == '0' && len(s) > 1 && s[1] >= '1' && s[1] <= '9' {
		return true
	}
	for _, m := range monthPrefixes {
		if strings.HasPrefix(s, m) {
			return true
		}
	}
	return false
}

// middleInitialEnd is \b\p{Lu}\p{Ll}+\W+\p{Lu}$ ("John F").
func middleInitialEnd(s string) bool {
	r, size := lastRune(s)
	if s == "" || !isLu(r) {
		return false
	}
	i := len(s) - size
	j := i
	for j > 0 {
		w, ws := lastRune(s[:j])
		if isWord(w) {
			break
		}
		j -= ws
	}
	if j == i {
		return false
	}
	k := j
	for k > 0 {
		w, ws := lastRune(s[:k])
		if !isLl(w) {
			break
		}
		k -= ws
	}
	if k == j || k == 0 {
		return false
	}
	u, us := lastRune(s[:k])
	if !isLu(u) {
		return false
	}
	return !isWord(runeBefore(s, k-us))
}

// upperWordStart is ^\p{Lu}\p{Ll}+\b.
func upperWordStart(s string) bool {
	r, size := firstRune(s)
	if s == "" || !isLu(r) {
		return false
	}
	i := size
	n := 0
	for {
		l, ls := runeAt(s, i)
		if l < 0 || !isLl(l) {
			return n > 0 && (l < 0 || !isWord(l))
		}
		i += ls
		n++
	}
}

// nesting summarises the brackets of a segment so that _is_open can be answered for a
// growing concatenation in constant time (segtok rescans the whole joined string).
type nesting struct {
	opens, closes int
	hasOpen       bool
	net           int // opens minus closes, counted from the first opener on
}

func bracketNesting(s string, open, close byte) nesting {
	var n nesting
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			n.opens++
			n.hasOpen = true
			n.net++
		case close:
			n.closes++
			if n.hasOpen {
				n.net--
			}
		}
	}
	return n
}

func (a nesting) concat(b nesting) nesting {
	c := nesting{opens: a.opens + b.opens, closes: a.closes + b.closes}
	switch {
	case a.hasOpen:
		c.hasOpen, c.net = true, a.net+b.opens-b.closes
	case b.hasOpen:
		c.hasOpen, c.net = true, b.net
	}
	return c
}

// isOpen is segtok's _is_open: the span ends with an unclosed bracket.
func (a nesting) isOpen() bool { return a.hasOpen && a.net > 0 }

// isNotOpened is segtok's _is_not_opened: counting back from the last closer, more
// closers than openers.
func isNotOpened(s string, open, close byte) bool {
	last := strings.LastIndexByte(s, close)
	if last < 0 {
		return false
	}
	n := 1
	for i := last - 1; i >= 0; i-- {
		switch s[i] {
		case close:
			n++
		case open:
			n--
		}
	}
	return n > 0
}

type segment struct {
	start, end int
	runes      int
	paren      nesting
	square     nesting
}

// shortSentence is segtok's SHORT_SENTENCE_LENGTH.
const shortSentence = 55

// joinSentences is segtok's _sentences: it joins segments that continue a sentence (a
// lower-case word after an abbreviation, the inside of an open bracket, a continuation
// word) and appends each stripped, non-empty sentence to out.
func joinSentences(text string, segs []span, out []string) []string {
	var last segment
	have := false
	emit := func(s segment) {
		t := strings.TrimFunc(text[s.start:s.end], isPySpace)
		if t != "" {
			out = append(out, t)
		}
	}
	for _, sp := range segs {
		cur := text[sp.start:sp.end]
		cs := segment{
			start: sp.start, end: sp.end, runes: runeLen(cur),
			paren:  bracketNesting(cur, '(', ')'),
			square: bracketNesting(cur, '[', ']'),
		}
		if !have {
			last, have = cs, true
			continue
		}
		prev := text[last.start:last.end]
		short := cs.runes < shortSentence || last.runes < shortSentence
		join := false
		switch {
		case beforeLower(prev) && lowerWord(cur):
			join = true
		case short && last.paren.isOpen() && (isNotOpened(cur, '(', ')') || strings.HasSuffix(prev, " et al. ") ||
			(upperCaseEnd(prev) && upperCaseStart(cur))):
			join = true
		case short && last.square.isOpen() && (isNotOpened(cur, '[', ']') || strings.HasSuffix(prev, " et al. ") ||
			(upperCaseEnd(prev) && upperCaseStart(cur))):
			join = true
		case continuation(cur):
			join = true
		}
		if join {
			last.end = cs.end
			last.runes += cs.runes
			last.paren = last.paren.concat(cs.paren)
			last.square = last.square.concat(cs.square)
			continue
		}
		emit(last)
		last = cs
	}
	if have {
		emit(last)
	}
	return out
}

// beforeLower is BEFORE_LOWER.match(last): the span ends, before its trailing spaces, in
// a terminal with a closing quote or brackets (."] .)), in "spp.", or in a one- or
// two-letter abbreviation (U.S.A. e.g.).
func beforeLower(s string) bool {
	i := trimRegexSpaceRight(s)
	if i == len(s) {
		return false
	}
	t := s[:i]
	j := len(t)
	for j > 0 && (t[j-1] == ')' || t[j-1] == ']') {
		j--
	}
	if j > 0 {
		r, size := lastRune(t[:j])
		if r == '"' {
			if q := runeBefore(t, j-size); q >= 0 && isTerminal(q) {
				return true
			}
		}
		if j < len(t) && isTerminal(r) {
			return true
		}
	}
	if !strings.HasSuffix(t, ".") {
		return false
	}
	u := t[:len(t)-1]
	if strings.HasSuffix(u, "spp") && !isWord(runeBefore(u, len(u)-3)) {
		return true
	}
	if u == "" {
		return false
	}
	c1, s1 := lastRune(u)
	if isPyAlpha(c1) && !isWord(runeBefore(u, len(u)-s1)) {
		return true
	}
	if isLl(c1) && len(u) > s1 {
		c0, s0 := lastRune(u[:len(u)-s1])
		if isPyAlpha(c0) && !isWord(runeBefore(u, len(u)-s1-s0)) {
			return true
		}
	}
	return false
}

// lowerWord is LOWER_WORD.match(cur): ^\p{Ll}+[HYPHENS]?\p{Ll}*\b, which holds exactly
// when the span starts with lower-case letters followed by a non-word character or the end.
func lowerWord(s string) bool {
	n := 0
	for i := 0; ; {
		r, size := runeAt(s, i)
		if r >= 0 && isLl(r) {
			n++
			i += size
			continue
		}
		return n > 0 && (r < 0 || !isWord(r))
	}
}

// upperCaseEnd is UPPER_CASE_END.search(last): \b[\p{Lu}\p{Lt}]\p{L}*\.\s+$.
func upperCaseEnd(s string) bool {
	i := trimRegexSpaceRight(s)
	if i == len(s) || i == 0 || s[i-1] != '.' {
		return false
	}
	u := s[:i-1]
	k := len(u)
	for k > 0 {
		r, size := lastRune(u[:k])
		if !isPyAlpha(r) {
			break
		}
		k -= size
	}
	if k == len(u) {
		return false
	}
	r, _ := runeAt(u, k)
	return isLuLt(r) && !isWord(runeBefore(u, k))
}

// upperCaseStart is UPPER_CASE_START.match(cur):
// ^(?:(?:\(\d{4}\)\s)?[\p{Lu}\p{Lt}]\p{L}*|\d+)[\.,:]\s+.
func upperCaseStart(s string) bool {
	capitalWord := func(i int) bool {
		r, size := runeAt(s, i)
		if r < 0 || !isLuLt(r) {
			return false
		}
		i += size
		for {
			l, ls := runeAt(s, i)
			if l < 0 || !isPyAlpha(l) {
				break
			}
			i += ls
		}
		return punctThenSpace(s, i)
	}
	if p := yearPrefix(s); p > 0 && capitalWord(p) {
		return true
	}
	if capitalWord(0) {
		return true
	}
	i := 0
	for {
		r, size := runeAt(s, i)
		if r < 0 || !isDigitNd(r) {
			break
		}
		i += size
	}
	return i > 0 && punctThenSpace(s, i)
}

// yearPrefix matches \(\d{4}\)\s at the start of s and returns its length, or 0.
func yearPrefix(s string) int {
	if !strings.HasPrefix(s, "(") {
		return 0
	}
	i := 1
	for range 4 {
		r, size := runeAt(s, i)
		if r < 0 || !isDigitNd(r) {
			return 0
		}
		i += size
	}
	if r, _ := runeAt(s, i); r != ')' {
		return 0
	}
	i++
	r, size := runeAt(s, i)
	if r < 0 || !isRegexSpace(r) {
		return 0
	}
	return i + size
}

func punctThenSpace(s string, i int) bool {
	if i >= len(s) || (s[i] != '.' && s[i] != ',' && s[i] != ':') {
		return false
	}
	r, _ := runeAt(s, i+1)
	return r >= 0 && isRegexSpace(r)
}

var continuations = []string{
	"and", "are", "between", "by", "from", "has", "into", "is", "of", "or",
	"than", "that", "through", "via", "was", "were", "whether", "with",
}

// continuation is CONTINUATIONS.match(cur): a span starting with a word that rarely
// starts a sentence.
func continuation(s string) bool {
	for _, w := range continuations {
		if strings.HasPrefix(s, w) {
			if r, _ := runeAt(s, len(w)); r < 0 || !isWord(r) {
				return true
			}
		}
	}
	return false
}
