package lexembed

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hash constants: FNV-1a 64-bit, with a different start per feature kind so a
// word and an n-gram with the same letters are different features.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211

	seedWord   = fnvOffset
	seedBigram = fnvOffset ^ 0x9e3779b97f4a7c15
	seedNgram  = fnvOffset ^ 0xc2b2ae3d27d4eb4f
)

// extract appends the feature keys of text to e.feats.
func (e *Embedder) extract(cfg *config, text string) {
	e.prev = 0
	e.started = false
	e.resetRun()
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r, size = utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		e.chunk(cfg, text[i:j])
		i = j
	}
}

// extractChunks appends one word feature per whitespace-separated chunk,
// folded: the fallback for texts with no words.
func (e *Embedder) extractChunks(text string) {
	for c := range strings.FieldsSeq(text) {
		h := uint64(seedWord)
		for _, r := range c {
			if r = fold(r); !isDeleted(r) {
				h = (h ^ uint64(r)) * fnvPrime
			}
		}
		if h != seedWord {
			e.add(h, kindWord)
		}
	}
}

// chunk handles one whitespace-separated chunk.
func (e *Embedder) chunk(cfg *config, c string) {
	// Leading punctuation must not hide a mention or URL: ".@user", "(https://".
	t := strings.TrimLeftFunc(c, func(r rune) bool {
		r = fold(r) // circled letters are symbols until folded
		return r != '@' && r != '＠' && !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	if t == "" {
		return // punctuation or emoji only
	}
	if t[0] == '@' || strings.HasPrefix(t, "＠") || isURL(t) {
		return
	}
	if !e.started && isRT(t) {
		return
	}
	// A link glued to text, as in Markdown "[Подписаться](https://t.me/x)"
	// or "source:https://...": keep the text before it.
	if i := urlStart(c); i >= 0 {
		c = c[:i]
	}
	for _, r := range c {
		r = fold(r)
		switch {
		case isDeleted(r):
			// Not a separator: "don't" → "dont", "co\u200bvid" → "covid".
		case isNoSpace(r):
			if !e.runCJK {
				e.flush(cfg)
				e.runCJK = true
			}
			e.run = append(e.run, r)
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if e.runCJK {
				e.flush(cfg)
			}
			e.run = append(e.run, r)
		case unicode.IsMark(r):
			// A combining mark belongs to the run it follows; alone it is dropped.
			if len(e.run) > 1 {
				e.run = append(e.run, r)
			}
		default:
			e.flush(cfg)
		}
	}
	e.flush(cfg)
}

func (e *Embedder) resetRun() {
	e.run = append(e.run[:0], ' ')
	e.runCJK = false
}

// flush emits the features of the current run and starts a new one.
func (e *Embedder) flush(cfg *config) {
	if len(e.run) <= 1 {
		e.resetRun()
		return
	}
	e.started = true
	word := e.run[1:]
	if e.runCJK {
		// No spaces between words: overlapping character bigrams stand in
		// for words (as in Lucene's CJK analysis); a lone character is a word.
		if len(word) == 1 {
			e.add(hashRunes(seedWord, word), kindWord)
		}
		for i := 0; i+1 < len(word); i++ {
			e.add(hashRunes(seedWord, word[i:i+2]), kindWord)
		}
		e.prev = 0
	} else {
		h := hashRunes(seedWord, word)
		e.add(h, kindWord)
		if cfg.bigrams && e.prev != 0 {
			e.add((e.prev^seedBigram)*fnvPrime^h, kindBigram)
		}
		e.prev = h
	}

	// Character n-grams of the run padded with a space on each side.
	p := append(e.run, ' ')
	for s := 0; s+cfg.minN <= len(p); s++ {
		h := uint64(seedNgram)
		for k := 0; k < cfg.maxN && s+k < len(p); k++ {
			h = (h ^ uint64(p[s+k])) * fnvPrime
			if k+1 >= cfg.minN {
				e.add(h, kindNgram)
			}
		}
	}
	e.run = p // keep the grown buffer
	e.resetRun()
}

// add records a feature: the mixed hash with the kind in its two low bits.
func (e *Embedder) add(h uint64, kind uint64) {
	e.feats = append(e.feats, mix(h)&^3|kind)
}

func hashRunes(h uint64, rs []rune) uint64 {
	for _, r := range rs {
		h = (h ^ uint64(r)) * fnvPrime
	}
	return h
}

// mix is MurmurHash3's 64-bit finaliser: FNV's high bits depend weakly on the
// last runes, and the index is taken from the high bits.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// fold maps a rune to its lower-case, compatibility-folded form: a cheap part
// of NFKC without golang.org/x/text.
func fold(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r == 'ё' || r == 'Ё':
		// Russian writes ё as е more often than not; copies differ by it.
		return 'е'
	case r == 'ς':
		return 'σ'
	case 0xFF01 <= r && r <= 0xFF5E: // fullwidth ASCII
		r -= 0xFEE0
	case 0x24B6 <= r && r <= 0x24E9: // circled Latin letters Ⓐ..ⓩ
		return 'a' + (r-0x24B6)%26
	case 0x1D400 <= r && r <= 0x1D6A3:
		// Mathematical bold, italic, script, fraktur, double-struck,
		// sans-serif and monospace Latin: 13 alphabets of 52 letters, used
		// as "fonts" on social media. Unassigned holes never occur in text.
		return 'a' + (r-0x1D400)%52%26
	case 0x1D7CE <= r && r <= 0x1D7FF: // mathematical digits, 5 styles
		return '0' + (r-0x1D7CE)%10
	}
	return unicode.ToLower(r)
}

// isDeleted reports runes removed without splitting a word.
func isDeleted(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '`', // apostrophes
		'\u00AD',                               // soft hyphen
		'\u200B', '\u200C', '\u200D', '\u2060', // zero-width space, (non-)joiner, word joiner
		'\uFEFF', // BOM / zero-width no-break space
		'\u0640': // Arabic tatweel (elongation)
		return true
	}
	return '\u064B' <= r && r <= '\u0652' // Arabic harakat (vowel marks)
}

// isNoSpace reports runes of scripts written without spaces between words.
func isNoSpace(r rune) bool {
	if r < 0x0E00 {
		return false // fast path: Latin, Cyrillic, Greek, Arabic, Indic...
	}
	switch r {
	case 'ー', 'ｰ', '々', '〆': // Japanese length mark and iteration marks are not script-tagged
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// urlStart returns the index in c where a link with a scheme ("https://",
// "tg://") begins, or -1.
func urlStart(c string) int {
	i := strings.Index(c, "://")
	if i < 0 {
		return -1
	}
	// Back up over the scheme's ASCII letters.
	for i > 0 && ('a' <= c[i-1]|0x20 && c[i-1]|0x20 <= 'z') {
		i--
	}
	return i
}

// isURL reports chunks that are links: with a scheme, "www.", or a bare
// "host.tld/..." such as t.co/x or bit.ly/x.
func isURL(t string) bool {
	if hasPrefixFold(t, "www.") || urlStart(t) == 0 {
		return true
	}
	slash := strings.IndexByte(t, '/')
	if slash <= 0 {
		return false
	}
	host := t[:slash]
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || len(host)-dot-1 < 2 {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := dot + 1; i < len(host); i++ {
		c := host[i] | 0x20
		if c < 'a' || c > 'z' {
			return false // a top-level domain is letters: "1.5/10" is no URL
		}
	}
	return true
}

// isRT reports the retweet marker "RT" (also "rt", "RT:").
func isRT(t string) bool {
	t = strings.TrimRight(t, ":")
	return len(t) == 2 && (t[0]|0x20) == 'r' && (t[1]|0x20) == 't'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
