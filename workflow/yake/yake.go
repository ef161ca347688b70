package yake

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Options are YAKE's parameters under the names Presto's yake_keywords model uses
// (max_ngram_size, deduplication_threshold, deduplication_algo, window_size,
// num_of_keywords).
type Options struct {
	// MaxNgram is the longest keyword in words (YAKE's n). Values below 1 mean 1, values
	// above 10 mean 10, which bounds the work on long sentences.
	MaxNgram int
	// DedupLim drops a candidate whose similarity to a keyword already chosen is greater
	// than it. 1 or more keeps everything.
	DedupLim float64
	// DedupFunc is "seqm" or "sequencematcher" (Levenshtein ratio, case-insensitive),
	// "jaro" or "jaro_winkler" (Jaro-Winkler, case-sensitive as in YAKE); anything else
	// is YAKE's "levs", which is also the Levenshtein ratio.
	DedupFunc string
	// WindowSize is the co-occurrence window. Presto uses 0, which leaves the graph
	// empty; the YAKE library's default is 1. Negative means 0; above 10 means 10.
	WindowSize int
	// Top is the number of keywords returned; 0 or less means no limit.
	Top int
}

// Defaults returns the parameters Presto applies when Timpani sends `parameters: {}`:
// max_ngram_size 3, deduplication_threshold 0.25 with "seqm", window_size 0 and
// num_of_keywords 10.
func Defaults() Options {
	return Options{MaxNgram: 3, DedupLim: 0.25, DedupFunc: "seqm", WindowSize: 0, Top: 10}
}

// Keyword is one extracted keyword. A lower Score means a more relevant keyword.
type Keyword struct {
	Text  string
	Score float64
}

// MaxInputBytes is how much of a text is read: Timpani refuses to send Presto a payload
// of 256,000 bytes or more, so longer texts are cut to their first 256,000 bytes (at a
// character boundary) rather than processed whole.
const MaxInputBytes = 256000

// maxTokenRunes bounds the words that may form keywords: a longer token is still counted
// as a term but is tagged unusable, like a token mixing digits and letters. Real words
// and hashtags are far shorter; the bound keeps deduplication cheap on junk input.
const maxTokenRunes = 100

const (
	maxNgramLimit  = 10
	maxWindowLimit = 10
	stopwordMinLen = 3   // YAKE: every term shorter than this is a stopword
	tagUnusable    = 'u' // digits mixed with letters, no letters or digits, or much punctuation
	tagDigit       = 'd' // a number
	tagAcronym     = 'a' // all capitals
	tagProperNoun  = 'n' // capitalised inside a sentence
	tagPlain       = 'p'
)

// Extract runs YAKE 0.4.8's KeywordExtractor.extract_keywords on text with the stopword
// list of lang (ISO 639-1; unknown languages get none). It does not apply Presto's
// keep-largest post-processing, its quote folding or any CJK segmentation: use
// ExtractPresto for what Presto's yake_keywords model returns.
func Extract(text, lang string, opt Options) []Keyword {
	return extractWith(text, stopwordsFor(lang), opt)
}

// extractWith is Extract with an explicit stopword set.
func extractWith(text string, stop map[string]struct{}, opt Options) []Keyword {
	text = clampInput(text)
	if text == "" {
		return nil
	}
	x := extractors.Get().(*extractor)
	defer x.release()
	return x.extract(text, stop, opt)
}

// ExtractPresto is Presto's yake_keywords model: it folds typographic quotes (` ‘ ’ to '
// and “ ” to "), stands in for Presto's jieba step by separating CJK script runs (see the
// package documentation), runs Extract, and then applies KeepLargest.
func ExtractPresto(text, lang string, opt Options) []Keyword {
	text = clampInput(text)
	if strings.IndexByte(text, '`') >= 0 || strings.Contains(text, "\u2018") || strings.Contains(text, "\u2019") ||
		strings.Contains(text, "\u201C") || strings.Contains(text, "\u201D") {
		text = prestoQuotes.Replace(text)
	}
	text = segmentCJK(text)
	return KeepLargest(Extract(text, lang, opt))
}

var prestoQuotes = strings.NewReplacer("`", "'", "\u2018", "'", "\u2019", "'", "\u201C", "\"", "\u201D", "\"")

// KeepLargest is Presto's keep_largest_overlapped_keywords: a keyword is dropped when a
// longer keyword of the list contains it followed or preceded by a space (case-sensitive).
// Order is kept.
func KeepLargest(kws []Keyword) []Keyword {
	out := make([]Keyword, 0, len(kws))
	for _, k := range kws {
		n := runeLen(k.Text)
		keep := true
		for _, o := range kws {
			if runeLen(o.Text) > n && containsPhrase(o.Text, k.Text) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, k)
		}
	}
	return out
}

// containsPhrase reports whether s contains sub+" " or " "+sub.
func containsPhrase(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return false
		}
		j += i
		if (j+len(sub) < len(s) && s[j+len(sub)] == ' ') || (j > 0 && s[j-1] == ' ') {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[j:])
		i = j + max(size, 1)
	}
	return false
}

// clampInput makes text valid UTF-8 and at most MaxInputBytes long.
func clampInput(text string) string {
	if len(text) > MaxInputBytes {
		cut := MaxInputBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return text
}

// term is YAKE's single_word: one lower-cased, plural-stripped word.
type term struct {
	stop     bool
	tf       float64
	tfA, tfN float64
	sents    []int32 // distinct sentence indices, ascending
	inDeg    int     // co-occurrence graph, used when WindowSize > 0
	inW      float64
	outDeg   int
	outW     float64
	h        float64
}

// candidate is YAKE's composed_word: one n-gram of words.
type candidate struct {
	kw, key      string // surface form of the first occurrence; lower-cased key
	terms        []int32
	tf           float64
	usable       bool // some occurrence had no u or d tag
	startEndStop bool
	h            float64
}

// word is one entry of the current block of consecutive non-punctuation tokens.
type word struct {
	tag   byte
	text  string
	lower string
	term  int32
}

type extractor struct {
	tok     tokenizer
	sents   []string
	toks    []string
	block   []word
	terms   []term
	termIdx map[string]int32
	cands   []candidate
	candIdx map[string]int32
	arena   []int32
	edges   map[uint64]float64
	keyBuf  []byte
	kwBuf   []byte
	floats  []float64
	squares []float64
	bounds  []int
	segs    []span
	textBuf []byte
	runeBuf []rune
	order   []int32
	chosen  [][]rune
	runes   []rune
	lev     levenshtein
}

var extractors = sync.Pool{New: func() any {
	return &extractor{termIdx: map[string]int32{}, candIdx: map[string]int32{}}
}}

// release returns the extractor to the pool, unless one huge text made it large.
func (x *extractor) release() {
	if len(x.candIdx) > 1<<14 || cap(x.toks) > 1<<16 {
		return
	}
	clear(x.termIdx)
	clear(x.candIdx)
	clear(x.edges)
	// Drop references into the caller's text so the pool does not keep it alive.
	clear(x.sents)
	clear(x.toks)
	clear(x.tok.raw)
	for i := range x.cands {
		x.cands[i] = candidate{}
	}
	clear(x.block[:cap(x.block)])
	extractors.Put(x)
}

func (x *extractor) extract(text string, stop map[string]struct{}, opt Options) []Keyword {
	n := min(max(opt.MaxNgram, 1), maxNgramLimit)
	window := min(max(opt.WindowSize, 0), maxWindowLimit)

	text = strings.ReplaceAll(text, "\n\t", " ")
	text = preFilter(text)
	x.bounds = splitAtTerminals(text, x.bounds)
	x.segs = joinAbbreviations(text, x.bounds, x.segs[:0])
	x.sents = joinSentences(text, x.segs, x.sents[:0])
	x.terms = x.terms[:0]
	x.cands = x.cands[:0]
	x.arena = x.arena[:0]

	for sid, s := range x.sents {
		x.toks = x.tok.sentenceTokens(s, x.toks[:0])
		x.block = x.block[:0]
		for pos, w := range x.toks {
			if allASCIIPunct(w) {
				x.block = x.block[:0] // punctuation ends a block; nothing is counted
				continue
			}
			x.addWord(w, pos, int32(sid), stop, n, window)
		}
	}
	if !x.scoreTerms(len(x.sents)) {
		return nil
	}
	return x.rank(opt)
}

// addWord is the body of DataCore._build for one non-punctuation token.
func (x *extractor) addWord(w string, pos int, sid int32, stop map[string]struct{}, n, window int) {
	tag := getTag(w, pos)
	lower := pyLower(w)
	id := x.termFor(lower, stop)
	t := &x.terms[id]
	t.tf++
	if len(t.sents) == 0 || t.sents[len(t.sents)-1] != sid {
		t.sents = append(t.sents, sid)
	}
	switch tag {
	case tagAcronym:
		t.tfA++
	case tagProperNoun:
		t.tfN++
	}
	if window > 0 && tag != tagUnusable && tag != tagDigit {
		for k := max(0, len(x.block)-window); k < len(x.block); k++ {
			if b := x.block[k]; b.tag != tagUnusable && b.tag != tagDigit {
				x.addEdge(b.term, id)
			}
		}
	}
	cur := word{tag: tag, text: w, lower: lower, term: id}
	x.addCandidate(nil, cur)
	for k := len(x.block) - 1; k >= max(0, len(x.block)-(n-1)); k-- {
		x.addCandidate(x.block[k:], cur)
	}
	x.block = append(x.block, cur)
}

// termFor is DataCore.getTerm: it returns the term of a lower-cased word, creating it on
// first sight. The stopword flag is fixed then: the word or its singular is a stopword,
// or it has fewer than three characters once ASCII punctuation is removed.
func (x *extractor) termFor(lower string, stop map[string]struct{}) int32 {
	_, isStop := stop[lower]
	key := lower
	if strings.HasSuffix(key, "s") && runeLen(key) > 3 {
		key = key[:len(key)-1]
	}
	if id, ok := x.termIdx[key]; ok {
		return id
	}
	if !isStop {
		_, isStop = stop[key]
	}
	if !isStop {
		isStop = runeLenWithoutASCIIPunct(key) < stopwordMinLen
	}
	id := int32(len(x.terms))
	if len(x.terms) < cap(x.terms) {
		x.terms = x.terms[:len(x.terms)+1]
		sents := x.terms[id].sents[:0] // reuse the slice from an earlier text
		x.terms[id] = term{stop: isStop, sents: sents}
	} else {
		x.terms = append(x.terms, term{stop: isStop})
	}
	x.termIdx[key] = id
	return id
}

func (x *extractor) addEdge(from, to int32) {
	if x.edges == nil {
		x.edges = map[uint64]float64{}
	}
	k := uint64(uint32(from))<<32 | uint64(uint32(to))
	if _, ok := x.edges[k]; !ok {
		x.terms[from].outDeg++
		x.terms[to].inDeg++
	}
	x.edges[k]++
	x.terms[from].outW++
	x.terms[to].inW++
}

func (x *extractor) edge(from, to int32) float64 {
	return x.edges[uint64(uint32(from))<<32|uint64(uint32(to))]
}

// addCandidate records the n-gram prefix+cur (YAKE's add_or_update_composedword).
func (x *extractor) addCandidate(prefix []word, cur word) {
	usable := cur.tag != tagUnusable && cur.tag != tagDigit
	var key string
	if len(prefix) == 0 {
		key = cur.lower
	} else {
		b := x.keyBuf[:0]
		for _, p := range prefix {
			b = append(b, p.lower...)
			b = append(b, ' ')
			usable = usable && p.tag != tagUnusable && p.tag != tagDigit
		}
		b = append(b, cur.lower...)
		x.keyBuf = b
	}
	var id int32
	var ok bool
	if len(prefix) == 0 {
		key = cur.lower
		id, ok = x.candIdx[key]
	} else {
		id, ok = x.candIdx[string(x.keyBuf)] // no allocation for the lookup
	}
	if !ok {
		kw := cur.text
		if len(prefix) > 0 {
			// One allocation holds both the key and the surface form.
			b := append(x.kwBuf[:0], x.keyBuf...)
			for _, p := range prefix {
				b = append(b, p.text...)
				b = append(b, ' ')
			}
			b = append(b, cur.text...)
			x.kwBuf = b
			both := string(b)
			key, kw = both[:len(x.keyBuf)], both[len(x.keyBuf):]
		}
		start := len(x.arena)
		for _, p := range prefix {
			x.arena = append(x.arena, p.term)
		}
		x.arena = append(x.arena, cur.term)
		terms := x.arena[start:len(x.arena):len(x.arena)]
		id = int32(len(x.cands))
		x.cands = append(x.cands, candidate{
			kw: kw, key: key, terms: terms,
			startEndStop: x.terms[terms[0]].stop || x.terms[terms[len(terms)-1]].stop,
		})
		x.candIdx[key] = id
	}
	c := &x.cands[id]
	c.tf++
	c.usable = c.usable || usable
}

// scoreTerms is build_single_terms_features: the H score of every term. It reports
// false when no term is a non-stopword, in which case YAKE returns nothing.
func (x *extractor) scoreTerms(sentences int) bool {
	valid := x.floats[:0]
	maxTF := 0.0
	for i := range x.terms {
		t := &x.terms[i]
		if !t.stop {
			valid = append(valid, t.tf)
		}
		maxTF = max(maxTF, t.tf)
	}
	x.floats = valid
	if len(valid) == 0 {
		return false
	}
	// numpy's mean and population std, with its pairwise summation.
	count := float64(len(valid))
	avg := pairwiseSum(valid) / count
	sq := x.squares[:0]
	for _, v := range valid {
		d := v - avg
		sq = append(sq, d*d)
	}
	x.squares = sq
	std := math.Sqrt(pairwiseSum(sq) / count)
	n := float64(sentences)

	for i := range x.terms {
		t := &x.terms[i]
		pwl, pwr := 0.0, 0.0
		if t.inW != 0 {
			pwl = float64(t.inDeg) / t.inW
		}
		if t.outW != 0 {
			pwr = float64(t.outDeg) / t.outW
		}
		wrel := (0.5 + pwl*(t.tf/maxTF)) + (0.5 + pwr*(t.tf/maxTF))
		wfreq := t.tf / (avg + std)
		wspread := float64(len(t.sents)) / n
		wcase := max(t.tfA, t.tfN) / (1 + logCR(t.tf))
		wpos := logCR(logCR(3 + median(t.sents)))
		t.h = (wpos * wrel) / (wcase + wfreq/wrel + wspread/wrel)
	}
	return true
}

// median is numpy's median of ascending integers.
func median(s []int32) float64 {
	k := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[k])
	}
	return (float64(s[k-1]) + float64(s[k])) / 2
}

// pairwiseSum is numpy's pairwise_sum for float64, so that means and deviations round
// exactly as numpy's do.
func pairwiseSum(a []float64) float64 {
	const blockSize = 128
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= blockSize:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range 8 {
				r[j] += a[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// candidateScore is composed_word.updateH: the product of the terms' H over one plus
// their sum, divided by the n-gram's frequency. An inner stopword weighs by how often it
// co-occurs with its neighbours (never, with WindowSize 0).
func (x *extractor) candidateScore(c *candidate) float64 {
	sum, prod := 0.0, 1.0
	for i, id := range c.terms {
		t := &x.terms[id]
		if !t.stop {
			sum += t.h
			prod *= t.h
			continue
		}
		p1, p2 := 0.0, 0.0
		if x.edges != nil {
			prev := c.terms[(i-1+len(c.terms))%len(c.terms)] // Python's terms[-1] at i == 0
			if e := x.edge(prev, id); e != 0 {
				p1 = e / x.terms[prev].tf
			}
			if i+1 < len(c.terms) {
				next := c.terms[i+1]
				if e := x.edge(id, next); e != 0 {
					p2 = e / x.terms[next].tf
				}
			}
		}
		prob := p1 * p2
		prod *= 1 + (1 - prob)
		sum -= 1 - prob
	}
	return prod / ((sum + 1) * c.tf)
}

// rank scores the valid candidates, sorts them (stably, so ties keep first-seen order)
// and keeps the best ones that are not too similar to one already kept.
func (x *extractor) rank(opt Options) []Keyword {
	order := x.order[:0]
	for i := range x.cands {
		c := &x.cands[i]
		if !c.usable || c.startEndStop {
			continue
		}
		c.h = x.candidateScore(c)
		if math.IsInf(c.h, 0) || math.IsNaN(c.h) {
			return nil // Python raises ZeroDivisionError here; Presto then returns nothing
		}
		order = append(order, int32(i))
	}
	x.order = order
	slices.SortStableFunc(order, func(a, b int32) int {
		ha, hb := x.cands[a].h, x.cands[b].h
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return 0
	})

	jaro := opt.DedupFunc == "jaro" || opt.DedupFunc == "jaro_winkler"
	chosen := x.chosen[:0]
	picked := x.order[len(order):len(order)] // the chosen candidates, after order in the same buffer
	x.runeBuf = x.runeBuf[:0]
	for _, id := range order {
		c := &x.cands[id]
		x.runes = appendRunes(x.runes[:0], c.key)
		keep := true
		for _, sel := range chosen {
			var sim float64
			if jaro {
				sim = jaroWinkler(x.runes, sel)
			} else {
				sim = levenshteinRatio(x.runes, sel, &x.lev)
			}
			if sim > opt.DedupLim {
				keep = false
				break
			}
		}
		if keep {
			start := len(x.runeBuf)
			x.runeBuf = append(x.runeBuf, x.runes...)
			// Earlier entries of chosen may point into an older x.runeBuf; they stay valid.
			chosen = append(chosen, x.runeBuf[start:len(x.runeBuf):len(x.runeBuf)])
			picked = append(picked, id)
		}
		if opt.Top > 0 && len(picked) == opt.Top {
			break
		}
	}
	clear(chosen)
	x.chosen = chosen[:0]
	if len(picked) == 0 {
		return nil
	}
	// Copy the keywords out of the caller's text in one allocation.
	b := x.textBuf[:0]
	for _, id := range picked {
		b = append(b, x.cands[id].kw...)
	}
	x.textBuf = b
	texts := string(b)
	out := make([]Keyword, len(picked))
	for i, id := range picked {
		c := &x.cands[id]
		out[i] = Keyword{Text: texts[:len(c.kw)], Score: c.h}
		texts = texts[len(c.kw):]
	}
	return out
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// getTag is DataCore.getTag: "d" for numbers, "u" for unusable tokens (digits mixed with
// letters, no letters or digits at all, more than one punctuation mark), "a" for
// all-capital acronyms, "n" for a capitalised word inside a sentence, "p" otherwise.
func getTag(w string, pos int) byte {
	if isPyFloat(strings.ReplaceAll(w, ",", "")) {
		return tagDigit
	}
	digits, alpha, punct, upper, n := 0, 0, 0, 0, 0
	for _, r := range w {
		n++
		switch {
		case isPyDigit(r):
			digits++
		case isASCIIPunct(r):
			punct++
		}
		if r < utf8.RuneSelf {
			if (r|0x20) >= 'a' && (r|0x20) <= 'z' {
				alpha++
			}
		} else if isPyAlpha(r) {
			alpha++
		}
		if isPyUpper(r) {
			upper++
		}
	}
	if (digits > 0 && alpha > 0) || (digits == 0 && alpha == 0) || punct > 1 || n > maxTokenRunes {
		return tagUnusable
	}
	if upper == n {
		return tagAcronym
	}
	if first, _ := firstRune(w); upper == 1 && n > 1 && isPyUpper(first) && pos > 0 {
		return tagProperNoun
	}
	return tagPlain
}

// allASCIIPunct reports whether every character of w is in string.punctuation.
func allASCIIPunct(w string) bool {
	for i := 0; i < len(w); i++ {
		if !isASCIIPunct(rune(w[i])) {
			return false
		}
	}
	return true
}

func runeLenWithoutASCIIPunct(s string) int {
	n := 0
	for _, r := range s {
		if !isASCIIPunct(r) {
			n++
		}
	}
	return n
}
