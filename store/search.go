package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Full-text search: the item_search table (migration 0003) indexes each
// item's raw_text, with the text of scripts written without spaces between
// words cut into one token per character. A word of those scripts is then
// found as the phrase of its characters, wherever it stands in a sentence.

// spacelessScripts are the scripts written without spaces between words.
// Hangul is written with spaces and is not among them.
var spacelessScripts = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan,
}

// spaceless reports whether r is a character of a spaceless script, or the
// Japanese prolonged sound mark (ー), which belongs to no script of its own.
func spaceless(r rune) bool {
	if r < 0x0E00 { // below Thai: Latin, Greek, Cyrillic, Arabic, Indic...
		return false
	}
	return r == 'ー' || unicode.IsOneOf(spacelessScripts, r)
}

// isMark reports whether r is a combining mark: it belongs to the character
// before it (a Thai vowel or tone mark, an accent in decomposed text).
func isMark(r rune) bool { return unicode.Is(unicode.M, r) }

// searchBody is text as it is indexed: every character of a spaceless
// script stands between spaces, with the marks that combine with it, so the
// tokenizer makes it a token of its own. Other text is unchanged.
func searchBody(text string) string {
	i := strings.IndexFunc(text, spaceless)
	if i < 0 {
		return text // the common case costs no copy
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/2)
	b.WriteString(text[:i])
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	space := i == 0 || unicode.IsSpace(prev) // no space is needed before the next character
	after := false                           // the last character was spaceless: a new token starts
	for _, r := range text[i:] {
		mark, isSpace := isMark(r), unicode.IsSpace(r)
		if !mark && !isSpace && !space && (after || spaceless(r)) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		after = spaceless(r) || (mark && after)
		space = isSpace
	}
	return b.String()
}

// searchRow is one row of item_search.
type searchRow struct {
	ID   int64
	Text string // the item's raw_text, before searchBody
}

// indexForSearch adds rows to item_search.
func (tx *Tx) indexForSearch(ctx context.Context, rows []searchRow) error {
	return indexSearchRows(ctx, tx.exec, rows)
}

// indexSearchRows is indexForSearch with the statements run by exec: the
// migration that creates item_search cannot use the statement cache, which
// prepares outside the transaction, where the table does not exist yet.
//
// All rows go in one statement, as a JSON array: FTS5 keeps what it indexes
// in memory until the next statement of the transaction begins, then writes
// it out as a segment it must later merge. A hundred rows per statement made
// a segment per hundred items, and merging them was a third of ingest.
func indexSearchRows(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), rows []searchRow) error {
	if len(rows) == 0 {
		return nil
	}
	pairs := make([][2]any, len(rows))
	for i, r := range rows {
		pairs[i] = [2]any{r.ID, searchBody(r.Text)}
	}
	data, err := json.Marshal(pairs)
	if err != nil {
		return fmt.Errorf("index items for search: %w", err)
	}
	if _, err := exec(ctx, `INSERT INTO item_search (rowid, body)
		SELECT value ->> 0, value ->> 1 FROM json_each(?)`, string(data)); err != nil {
		return fmt.Errorf("index items for search: %w", err)
	}
	return nil
}

// backfillSearch indexes every item for search, in batches. It runs once,
// in the transaction of migration 0003, for the items of databases created
// before it.
func backfillSearch(ctx context.Context, tx *Tx) error {
	const batch = 1000
	var after int64
	for {
		var rows []struct {
			ID   int64  `db:"id"`
			Text string `db:"raw_text"`
		}
		if err := tx.tx.SelectContext(ctx, &rows, `SELECT id, raw_text FROM items WHERE id > ? ORDER BY id LIMIT ?`,
			after, batch); err != nil {
			return fmt.Errorf("read items to index for search: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		index := make([]searchRow, len(rows))
		for i, r := range rows {
			index[i] = searchRow{ID: r.ID, Text: r.Text}
		}
		if err := indexSearchRows(ctx, tx.tx.ExecContext, index); err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
	}
}

// queryPart is a term of a search as typed, or an operator between terms.
type queryPart struct {
	op     string // "AND", "OR" or "NOT"; "" for a term
	text   string // the word or phrase, without its quotes or star
	prefix bool   // a trailing *: the last word is a prefix
}

// isQuote reports whether r opens or closes a phrase: phones type curly quotes.
func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' }

// hasWord reports whether s holds anything the index keeps: a letter or a digit.
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// parseQuery reads a search as typed: "phrases", words, a trailing * for a
// prefix, and the operators AND, OR and NOT (upper case) between terms. It
// drops terms with nothing to search for (punctuation alone) and operators
// that have no term on either side, so what it returns alternates term,
// operator, term.
func parseQuery(user string) []queryPart {
	var parts []queryPart
	add := func(p queryPart) {
		if p.op == "" && !hasWord(p.text) {
			return
		}
		if p.op != "" && (len(parts) == 0 || parts[len(parts)-1].op != "") {
			return // "NOT a" or "a OR OR b": NOT and OR join two terms
		}
		parts = append(parts, p)
	}
	s := strings.ReplaceAll(user, "\x00", " ") // FTS5 reads the query up to a NUL
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			break
		}
		r, n := utf8.DecodeRuneInString(s)
		if isQuote(r) {
			s = s[n:]
			var p queryPart
			if end := strings.IndexFunc(s, isQuote); end >= 0 {
				_, m := utf8.DecodeRuneInString(s[end:])
				p.text, s = s[:end], s[end+m:]
			} else {
				p.text, s = s, "" // unbalanced: the rest is the phrase
			}
			if strings.HasPrefix(s, "*") {
				p.prefix, s = true, strings.TrimLeft(s, "*")
			}
			add(p)
			continue
		}
		end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || isQuote(r) })
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		s = s[end:]
		switch word {
		case "AND", "OR", "NOT":
			add(queryPart{op: word})
		default:
			add(queryPart{text: strings.TrimRight(word, "*"), prefix: strings.HasSuffix(word, "*")})
		}
	}
	if len(parts) > 0 && parts[len(parts)-1].op != "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// ErrEmptySearch is returned by SearchQuery for a search with no words in it.
var ErrEmptySearch = errors.New("search has no words to look for")

// SearchQuery turns a search as a user typed it into an FTS5 MATCH
// expression for item_search that SQLite always accepts. "Quoted phrases"
// stay phrases (an unbalanced quote makes the rest of the input one); every
// bare word is quoted, so punctuation is never syntax; a trailing * makes a
// word a prefix ("climat" *); AND, OR and NOT in upper case are operators,
// and terms side by side must all match. Words of spaceless scripts become
// the phrase of their characters, as they are indexed: 中国 is "中 国". A
// search with no words, or only operators, returns ErrEmptySearch.
func SearchQuery(user string) (string, error) {
	parts := parseQuery(user)
	if len(parts) == 0 {
		return "", fmt.Errorf("search %q: %w", user, ErrEmptySearch)
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.op != "" {
			out = append(out, p.op)
			continue
		}
		t := `"` + strings.ReplaceAll(searchBody(p.text), `"`, `""`) + `"`
		if p.prefix {
			t += " *"
		}
		out = append(out, t)
	}
	return strings.Join(out, " "), nil
}

// Fragment is a piece of a text: Match marks where the search matched.
type Fragment struct {
	Text  string
	Match bool
}

// span is a byte range [start, end) of a text.
type span struct{ start, end int }

// textToken is a word of a text as the index sees it, located in the text.
// Its key is folded the way the index folds it: lower case, no diacritics.
type textToken struct {
	span
	key string
}

// textTokens cuts text into words the way searchBody and the index do:
// runs of letters and digits, with each character of a spaceless script a
// word of its own; combining marks stay with their character.
func textTokens(text string) []textToken {
	var toks []textToken
	var key strings.Builder
	start := -1     // where the current token starts; -1 between tokens
	single := false // the current token is one spaceless character
	end := func(at int) {
		if start >= 0 {
			toks = append(toks, textToken{span{start, at}, key.String()})
			key.Reset()
			start = -1
		}
	}
	for i, r := range text {
		switch {
		case isMark(r):
			// part of the token of the character it modifies, not of its key
		case spaceless(r):
			end(i)
			start, single = i, true
			key.WriteRune(fold(r))
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if single {
				end(i)
			}
			if start < 0 {
				start, single = i, false
			}
			key.WriteRune(fold(r))
		default:
			end(i)
		}
	}
	end(len(text))
	return toks
}

// Latin letters with diacritics, U+00C0-U+024F and U+1E00-U+1EFF, mapped to
// their base letter in lower case; '.' marks a letter without one.
const (
	latinBase    = "aaaaaa.ceeeeiiii.nooooo..uuuuy..aaaaaa.ceeeeiiii.nooooo..uuuuy.yaaaaaaccccccccdd..eeeeeeeeeegggggggghh..iiiiiiiii...jjkk.llllll....nnnnnn...oooooo..rrrrrrsssssssstttt..uuuuuuuuuuuuwwyyyzzzzzz.................................oo.............uu............................aaiioouuuuuuuuuu.aaaa....ggkkoooo..j...gg..nnaa....aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............................"
	latinExtBase = "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy......aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......"
)

// fold is r in lower case without its diacritics, as remove_diacritics 2
// folds Latin letters.
func fold(r rune) rune {
	r = unicode.ToLower(r)
	var b byte = '.'
	switch {
	case r >= 0xC0 && r < 0xC0+rune(len(latinBase)):
		b = latinBase[r-0xC0]
	case r >= 0x1E00 && r < 0x1E00+rune(len(latinExtBase)):
		b = latinExtBase[r-0x1E00]
	}
	if b != '.' {
		return rune(b)
	}
	return r
}

// matchSpans returns where the terms of the search user match text, sorted
// and merged: whole words, a prefix matching the start of a word, a phrase
// its words in a row, and a word of a spaceless script anywhere. Terms
// after NOT are not matches.
func matchSpans(text, user string) []span {
	var toks []textToken
	var spans []span
	parts := parseQuery(user)
	for i, p := range parts {
		if p.op != "" || (i > 0 && parts[i-1].op == "NOT") {
			continue
		}
		want := textTokens(p.text)
		if len(want) == 0 {
			continue
		}
		if toks == nil {
			toks = textTokens(text)
		}
		for at := 0; at+len(want) <= len(toks); at++ {
			ok := true
			for j, w := range want {
				k := toks[at+j].key
				if k != w.key && !(p.prefix && j == len(want)-1 && strings.HasPrefix(k, w.key)) {
					ok = false
					break
				}
			}
			if ok {
				spans = append(spans, span{toks[at].start, toks[at+len(want)-1].end})
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// fragments cuts text[from:to] at spans, which are sorted and apart.
func fragments(text string, from, to int, spans []span) []Fragment {
	var out []Fragment
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == match {
			out[n-1].Text += s
			return
		}
		out = append(out, Fragment{Text: s, Match: match})
	}
	at := from
	for _, s := range spans {
		start, end := max(s.start, from), min(s.end, to)
		if start >= end {
			continue
		}
		add(text[at:start], false)
		add(text[start:end], true)
		at = end
	}
	add(text[at:to], false)
	return out
}

// Highlight cuts text into fragments, marking where the terms of query (a
// search as the user typed it, see SearchQuery) occur, ignoring case and
// diacritics: words whole, prefixes at the start of words, phrases, and
// words of spaceless scripts wherever they occur. Concatenated, the
// fragments are text.
func Highlight(text, query string) []Fragment {
	return fragments(text, 0, len(text), matchSpans(text, query))
}

// ellipsis marks where Snippet cut the text.
const ellipsis = "…"

// Snippet is Highlight of at most maxRunes runes of text around the first
// match, cut at a space when one is near, with an ellipsis (not counted)
// where the text was cut. Text of at most maxRunes runes is whole; without
// a match, the snippet is its start. A maxRunes below 1 means no limit.
func Snippet(text, query string, maxRunes int) []Fragment {
	spans := matchSpans(text, query)
	n := utf8.RuneCountInString(text)
	if maxRunes < 1 || n <= maxRunes {
		return fragments(text, 0, len(text), spans)
	}
	// at[i] is the byte offset of rune i; at[n] is len(text).
	at := make([]int, 0, n+1)
	for i := range text {
		at = append(at, i)
	}
	at = append(at, len(text))
	space := func(i int) bool {
		r, _ := utf8.DecodeRuneInString(text[at[i]:])
		return unicode.IsSpace(r)
	}
	// The window [start, end) in runes: the match centred in it, or its
	// start when it is longer; ends moved to a space within near runes,
	// never into the match.
	const near = 15
	start, end := 0, maxRunes
	ms, me := 0, 0
	if len(spans) > 0 {
		ms, _ = slices.BinarySearch(at, spans[0].start)
		me, _ = slices.BinarySearch(at, spans[0].end)
		start = max(min(ms-(maxRunes-min(me-ms, maxRunes))/2, n-maxRunes), 0)
		end = start + maxRunes
	}
	if start > 0 {
		for i := start; i < min(start+near, ms); i++ {
			if space(i) {
				start = i + 1
				break
			}
		}
	}
	if end < n {
		for i := end - 1; i > max(end-near, me, start); i-- {
			if space(i) {
				end = i
				break
			}
		}
	}
	for start < end && space(start) {
		start++
	}
	for end > start && space(end-1) {
		end--
	}
	out := fragments(text, at[start], at[end], spans)
	if start > 0 {
		if len(out) > 0 && !out[0].Match {
			out[0].Text = ellipsis + out[0].Text
		} else {
			out = slices.Insert(out, 0, Fragment{Text: ellipsis})
		}
	}
	if end < n {
		if k := len(out) - 1; k >= 0 && !out[k].Match {
			out[k].Text += ellipsis
		} else {
			out = append(out, Fragment{Text: ellipsis})
		}
	}
	return out
}
