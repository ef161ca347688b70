package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Keyword is a term a model attached to an item.
type Keyword struct {
	Text        string  `db:"keyword" json:"keyword"`
	Score       float64 `db:"score" json:"score"`
	Occurrences int     `db:"occurrences" json:"occurrences"`
}

// Keywords returns the keywords attached to an item.
func (db *DB) Keywords(ctx context.Context, itemID int64) ([]Keyword, error) {
	var kws []Keyword
	err := db.x.SelectContext(ctx, &kws, `SELECT keyword, score, occurrences FROM keywords
		WHERE item_id = ? ORDER BY model, score, keyword`, itemID)
	if err != nil {
		return nil, fmt.Errorf("keywords of item %d: %w", itemID, err)
	}
	return kws, nil
}

// KeywordCount is how many items carry a keyword.
type KeywordCount struct {
	Model   string `db:"model" json:"model"`
	Keyword string `db:"keyword" json:"keyword"`
	Items   int    `db:"items" json:"items"`
}

// TopKeywords returns the keywords of a workspace carried by the most
// items, counting the pending counts too. It reads every total of the
// workspace; the viewer's ListKeywords reads only a page.
func (db *DB) TopKeywords(ctx context.Context, workspace, model string, limit int) ([]KeywordCount, error) {
	var out []KeywordCount
	err := db.x.SelectContext(ctx, &out, `SELECT model, keyword, sum(items) AS items FROM (
			SELECT model, keyword, items FROM keyword_totals WHERE workspace = ?1 AND (?2 = '' OR model = ?2)
			UNION ALL
			SELECT model, keyword, items FROM keyword_counts_pending WHERE workspace = ?1 AND (?2 = '' OR model = ?2))
		GROUP BY model, keyword HAVING sum(items) > 0
		ORDER BY items DESC, keyword LIMIT ?3`, workspace, model, limit)
	if err != nil {
		return nil, fmt.Errorf("top keywords of %s: %w", workspace, err)
	}
	return out, nil
}

// KeywordRow is one keyword for one item, for AddKeywordsMany.
type KeywordRow struct {
	ItemID      int64
	Workspace   string
	PublishedAt Time
	Model       string
	Keyword
}

// AddKeywordsMany attaches keywords to items: one list per item and model
// in item_keywords, a hundred lists per statement; it files them in
// keyword_postings and appends their counts to keyword_counts_pending.
// Keywords are attached once: the workflow writes a step's results only
// with the transition that completes it, so attaching a model's keywords
// to an item again is an error (ErrConflict), not a silent double count.
// Repeats within rows are merged first.
func (tx *Tx) AddKeywordsMany(ctx context.Context, rows []KeywordRow) error {
	return tx.AddKeywordBatch(ctx, PrepareKeywords(rows))
}

// KeywordBatch is keyword rows made ready for AddKeywordBatch: merged into
// lists, their postings documents and counts worked out. Preparing needs
// no transaction, so a writer does it before it takes the write lock,
// which is then held only for the statements.
type KeywordBatch struct {
	lists  []keywordList
	counts []keywordCount // summed per keyword and day
	err    error
}

// keywordList is the keywords of an item from one model, as stored in
// item_keywords, with its keyword_postings document.
type keywordList struct {
	item             int64
	workspace, model string
	publishedAt      Time
	list             string // JSON: [[keyword, score, occurrences], ...]
	tokens           []byte // the keywords' tokens, space-separated
}

// PrepareKeywords makes rows ready for AddKeywordBatch.
func PrepareKeywords(rows []KeywordRow) KeywordBatch {
	type key struct {
		item        int64
		model, text string
	}
	seen := make(map[key]bool, len(rows))
	unique := make([]KeywordRow, 0, len(rows))
	for _, r := range rows {
		// The lists are JSON, which holds only UTF-8: the rows and the
		// counts take the text the lists will hold.
		r.Text = strings.ToValidUTF8(r.Text, "\uFFFD")
		k := key{r.ItemID, r.Model, r.Text}
		if seen[k] {
			continue
		}
		seen[k] = true
		unique = append(unique, r)
	}
	lists, err := keywordLists(unique)
	sums := make(map[keywordCount]int, len(unique))
	var counts []keywordCount
	day := ""
	for i, r := range unique {
		// An item's rows are together: its day is formatted once.
		if i == 0 || !r.PublishedAt.Equal(unique[i-1].PublishedAt.Time) {
			day = ""
			if !r.PublishedAt.IsZero() {
				day = r.PublishedAt.UTC().Format("2006-01-02")
			}
		}
		k := keywordCount{r.Workspace, r.Model, r.Text, day, 0}
		if _, ok := sums[k]; !ok {
			counts = append(counts, k)
		}
		sums[k]++
	}
	for i, c := range counts {
		counts[i].items = sums[c]
	}
	return KeywordBatch{lists: lists, counts: counts, err: err}
}

// keywordLists gathers unique rows into one list per item and model.
func keywordLists(rows []KeywordRow) ([]keywordList, error) {
	type key struct {
		item             int64
		workspace, model string
	}
	var lists []keywordList
	var texts [][]byte // lists[i].list as it is written
	at := map[key]int{}
	for _, r := range rows {
		if math.IsNaN(r.Score) {
			return nil, fmt.Errorf("keyword %q of item %d by %s: score is not a number", r.Text, r.ItemID, r.Model)
		}
		k := key{r.ItemID, r.Workspace, r.Model}
		i, ok := at[k]
		if !ok {
			i = len(lists)
			at[k] = i
			lists = append(lists, keywordList{item: r.ItemID, workspace: r.Workspace, model: r.Model,
				publishedAt: r.PublishedAt})
			texts = append(texts, []byte{'['})
		} else {
			if !r.PublishedAt.Equal(lists[i].publishedAt.Time) {
				return nil, fmt.Errorf("keywords of item %d by %s: published at both %s and %s", r.ItemID, r.Model,
					lists[i].publishedAt, r.PublishedAt)
			}
			texts[i] = append(texts[i], ',')
			lists[i].tokens = append(lists[i].tokens, ' ')
		}
		b := appendKeywordStart(texts[i], r.Text)
		switch {
		// JSON has no infinity; SQLite reads 9e999 as one.
		case math.IsInf(r.Score, 1):
			b = append(b, "9e999"...)
		case math.IsInf(r.Score, -1):
			b = append(b, "-9e999"...)
		default:
			b = strconv.AppendFloat(b, r.Score, 'g', -1, 64)
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(max(r.Occurrences, 1)), 10)
		texts[i] = append(b, ']')
		lists[i].tokens = append(lists[i].tokens, keywordToken(r.Workspace, r.Text)...)
	}
	for i := range lists {
		lists[i].list = string(append(texts[i], ']'))
	}
	return lists, nil
}

// appendKeywordStart appends the start of a keyword's entry in a list,
// `["keyword",`. Keywords are quoted exactly as SQLite's json_quote does
// (migration 0009 wrote lists with json_array): readers find an item's
// keyword by this text in the list, see keywordIn.
func appendKeywordStart(b []byte, keyword string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '[', '"')
	for i := 0; i < len(keyword); i++ {
		switch c := keyword[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"', ',')
}

// keywordIn is an SQL condition that the list k.keywords holds the keyword
// given as its argument, keywordStart(keyword). Every entry starts with
// `["`; inside a quoted keyword a quote is escaped, so the text cannot
// match anywhere but at the start of an entry. A plain search of the list
// costs a microsecond where spreading it with json_each took tens.
const keywordIn = `instr(k.keywords, ?) > 0`

// keywordStart is the argument of keywordIn.
func keywordStart(keyword string) string {
	return string(appendKeywordStart(nil, strings.ToValidUTF8(keyword, "\uFFFD")))
}

// decodeKeywordList reads a list as item_keywords stores it:
// [["keyword",score,occurrences],...], as appendKeywordStart and the
// migration's json_array write it, without spaces. It reads that shape
// directly (a cluster page decodes two thousand lists; encoding/json took
// ten times as long) and refuses anything else.
func decodeKeywordList(list string) ([]Keyword, error) {
	bad := func(at int, what string) error {
		return fmt.Errorf("keyword list %.40q: %s at byte %d", list, what, at)
	}
	if len(list) < 2 || list[0] != '[' || list[len(list)-1] != ']' {
		return nil, bad(0, "not a JSON array")
	}
	var kws []Keyword
	i := 1
	for i < len(list)-1 {
		if len(kws) > 0 {
			if list[i] != ',' {
				return nil, bad(i, "expected ,")
			}
			i++
		}
		if !strings.HasPrefix(list[i:], `["`) {
			return nil, bad(i, `expected ["`)
		}
		i++
		// The keyword: a JSON string, quoted as json_quote quotes.
		end := i + 1
		escaped := false
		for end < len(list) && list[end] != '"' {
			if list[end] == '\\' {
				escaped = true
				end++
			}
			end++
		}
		if end >= len(list) {
			return nil, bad(i, "unterminated keyword")
		}
		var k Keyword
		if !escaped {
			k.Text = list[i+1 : end]
		} else if err := json.Unmarshal([]byte(list[i:end+1]), &k.Text); err != nil {
			return nil, bad(i, err.Error())
		}
		i = end + 1
		// ,score,occurrences]
		rest := list[i:]
		closing := strings.IndexByte(rest, ']')
		if len(rest) == 0 || rest[0] != ',' || closing < 0 {
			return nil, bad(i, "expected ,score,occurrences]")
		}
		score, occurrences, ok := strings.Cut(rest[1:closing], ",")
		if !ok {
			return nil, bad(i, "expected ,score,occurrences]")
		}
		var err error
		// 9e999 is an infinite score: ParseFloat returns it with a range error.
		if k.Score, err = strconv.ParseFloat(score, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, bad(i, err.Error())
		}
		if k.Occurrences, err = strconv.Atoi(occurrences); err != nil {
			return nil, bad(i, err.Error())
		}
		kws = append(kws, k)
		i += closing + 1
	}
	if i != len(list)-1 {
		return nil, bad(i, "expected ]")
	}
	return kws, nil
}

// AddKeywordBatch is AddKeywordsMany for rows prepared beforehand.
func (tx *Tx) AddKeywordBatch(ctx context.Context, kb KeywordBatch) error {
	if kb.err != nil {
		return fmt.Errorf("add keywords: %w", kb.err)
	}
	if len(kb.lists) == 0 {
		return nil
	}
	now := T(tx.now)
	err := chunks(kb.lists, 6, func(part []keywordList, values string) error {
		args := make([]any, 0, 6*len(part))
		for _, l := range part {
			args = append(args, l.item, l.model, l.workspace, l.publishedAt, now, l.list)
		}
		_, err := tx.exec(ctx, `INSERT INTO item_keywords (item_id, model, workspace, published_at, created_at,
			keywords) VALUES `+values, args...)
		return err
	})
	if err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("add keywords: already attached: %w", ErrConflict)
		}
		return fmt.Errorf("add keywords: %w", err)
	}
	if err := tx.insertPostings(ctx, tx.exec, kb.lists); err != nil {
		return err
	}
	return tx.addKeywordCounts(ctx, kb.counts)
}

// keywordToken is the term under which keyword_postings files a keyword of
// workspace: 64 bits of FNV-1a over both, in hex, so that any keyword
// (several words, any script) is one term of the ascii tokenizer. Two
// keywords may share a token, however unlikely: readers confirm every match
// against the keyword rows.
func keywordToken(workspace, keyword string) string {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(workspace); i++ {
		h = (h ^ uint64(workspace[i])) * prime
	}
	h *= prime // the separator, a zero byte
	for i := 0; i < len(keyword); i++ {
		h = (h ^ uint64(keyword[i])) * prime
	}
	return "k" + strconv.FormatUint(h, 16)
}

// postingID is the keyword_postings rowid of an item's keywords from the
// model in slot.
func postingID(itemID int64, slot int) int64 { return itemID<<8 | int64(slot) }

// postKeywords files rows, which are unique and whose (item, model) pairs
// have no keywords yet, in keyword_postings: one document per item and
// model. Migrations pass tx's own ExecContext as exec, since the statement
// cache prepares on other connections, which do not see their tables yet.
func (tx *Tx) postKeywords(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), rows []KeywordRow) error {
	lists, err := keywordLists(rows)
	if err != nil {
		return err
	}
	return tx.insertPostings(ctx, exec, lists)
}

func (tx *Tx) insertPostings(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), docs []keywordList) error {
	slots := map[[2]string]int{}
	for _, d := range docs {
		if _, ok := slots[[2]string{d.workspace, d.model}]; ok {
			continue
		}
		slot, err := tx.keywordSlot(ctx, d.workspace, d.model)
		if err != nil {
			return err
		}
		slots[[2]string{d.workspace, d.model}] = slot
	}
	err := chunks(docs, 2, func(part []keywordList, values string) error {
		args := make([]any, 0, 2*len(part))
		for _, d := range part {
			args = append(args, postingID(d.item, slots[[2]string{d.workspace, d.model}]), string(d.tokens))
		}
		_, err := exec(ctx, `INSERT INTO keyword_postings (rowid, tokens) VALUES `+values, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("file keywords: %w", err)
	}
	return nil
}

// keywordSlot returns the slot of model among workspace's keyword models,
// numbering a new model with the next free one.
func (tx *Tx) keywordSlot(ctx context.Context, workspace, model string) (int, error) {
	var slots []int
	if err := tx.tx.SelectContext(ctx, &slots, `SELECT slot FROM keyword_models WHERE workspace = ? AND model = ?`,
		workspace, model); err != nil {
		return 0, fmt.Errorf("keyword model %s of %s: %w", model, workspace, err)
	}
	if len(slots) > 0 {
		return slots[0], nil
	}
	var slot int
	err := tx.tx.GetContext(ctx, &slot, `INSERT INTO keyword_models (workspace, model, slot)
		SELECT ?, ?, coalesce(max(slot) + 1, 0) FROM keyword_models WHERE workspace = ? RETURNING slot`,
		workspace, model, workspace)
	if err != nil {
		return 0, fmt.Errorf("number keyword model %s of %s (a workspace holds at most 256 keyword models): %w",
			model, workspace, err)
	}
	return slot, nil
}

// keywordCount is a change to the count of items carrying a keyword, on a
// published day ("" for none).
type keywordCount struct {
	workspace, model, keyword, day string
	items                          int
}

// keywordFoldRows is how many pending counts make addKeywordCounts fold
// them: enough that a fold brings many counts to each page of the totals it
// writes, few enough (a few MB) that reads adding them to the totals stay
// quick.
var keywordFoldRows = 100_000

// addKeywordCounts appends counts, each for a different keyword and day, to
// keyword_counts_pending, and folds those into the totals once there are
// keywordFoldRows of them.
func (tx *Tx) addKeywordCounts(ctx context.Context, counts []keywordCount) error {
	err := chunks(counts, 5, func(part []keywordCount, values string) error {
		args := make([]any, 0, 5*len(part))
		for _, k := range part {
			args = append(args, k.workspace, k.model, k.keyword, k.day, k.items)
		}
		_, err := tx.exec(ctx, `INSERT INTO keyword_counts_pending (workspace, model, keyword, day, items) VALUES `+values, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("count keywords: %w", err)
	}
	var pending int
	if err := tx.tx.GetContext(ctx, &pending, `SELECT coalesce(max(rowid), 0) FROM keyword_counts_pending`); err != nil {
		return fmt.Errorf("count pending keyword counts: %w", err)
	}
	if pending < keywordFoldRows {
		return nil
	}
	return tx.FoldKeywordCounts(ctx)
}

// FoldKeywordCounts adds the pending keyword counts into keyword_totals and
// keyword_days, in key order so that each page of those is written once,
// and empties the pending ones. Day counts that reach zero are deleted.
func (tx *Tx) FoldKeywordCounts(ctx context.Context) error {
	for _, q := range []string{
		`INSERT INTO keyword_totals (workspace, model, keyword, items)
			SELECT workspace, model, keyword, sum(items) FROM keyword_counts_pending WHERE true
			GROUP BY workspace, model, keyword
			ON CONFLICT DO UPDATE SET items = items + excluded.items`,
		`INSERT INTO keyword_days (workspace, model, keyword, day, items)
			SELECT workspace, model, keyword, day, sum(items) FROM keyword_counts_pending WHERE day != ''
			GROUP BY workspace, model, keyword, day
			ON CONFLICT DO UPDATE SET items = items + excluded.items`,
		`DELETE FROM keyword_days WHERE items <= 0 AND (workspace, model, keyword, day) IN (
			SELECT workspace, model, keyword, day FROM keyword_counts_pending WHERE items < 0)`,
		`DELETE FROM keyword_counts_pending`,
	} {
		if _, err := tx.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("fold keyword counts: %w", err)
		}
	}
	return nil
}

// UpdateKeywordTrends folds the pending keyword counts, then stores
// score(growth) as the trend of every keyword of workspace used in the
// window, and 0 for the others.
func (tx *Tx) UpdateKeywordTrends(ctx context.Context, workspace string, w Window, score func(model string, g Growth) float64) (int, error) {
	if err := tx.FoldKeywordCounts(ctx); err != nil {
		return 0, err
	}
	from, recent, end := w.bounds()
	var rows []struct {
		Model string `db:"model"`
		Growth
	}
	err := tx.tx.SelectContext(ctx, &rows, `SELECT model, keyword,
			sum(CASE WHEN day >= ? THEN items ELSE 0 END) AS recent,
			sum(CASE WHEN day < ? THEN items ELSE 0 END) AS baseline
		FROM keyword_days WHERE workspace = ? AND day BETWEEN ? AND ?
		GROUP BY model, keyword`, recent, recent, workspace, from, end)
	if err != nil {
		return 0, fmt.Errorf("keyword growth in %s: %w", workspace, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE keyword_totals SET trend = 0 WHERE workspace = ? AND trend > 0`, workspace); err != nil {
		return 0, fmt.Errorf("reset keyword trends of %s: %w", workspace, err)
	}
	n := 0
	for _, r := range rows {
		s := score(r.Model, r.Growth)
		if s <= 0 {
			continue
		}
		n++
		if _, err := tx.exec(ctx, `UPDATE keyword_totals SET trend = ? WHERE workspace = ? AND model = ? AND keyword = ?`,
			s, workspace, r.Model, r.Keyword); err != nil {
			return 0, fmt.Errorf("store trend of keyword %s: %w", r.Keyword, err)
		}
	}
	return n, nil
}

// keywordBackfillRows is about how many keyword rows the migration's Go
// step files at a time.
var keywordBackfillRows = 5000

// backfillKeywordPostings files the keywords stored before migration 0007
// in keyword_postings, a few thousand rows at a time in item order.
func backfillKeywordPostings(ctx context.Context, tx *Tx) error {
	batch := keywordBackfillRows
	var after int64
	for {
		var rows []struct {
			ItemID    int64  `db:"item_id"`
			Workspace string `db:"workspace"`
			Model     string `db:"model"`
			Keyword   string `db:"keyword"`
		}
		// Whole items: every row up to the item of the batch-th row.
		err := tx.tx.SelectContext(ctx, &rows, `SELECT item_id, workspace, model, keyword FROM keywords
			WHERE item_id > ?1 AND item_id <= (SELECT max(item_id) FROM
				(SELECT item_id FROM keywords WHERE item_id > ?1 ORDER BY item_id LIMIT ?2))
			ORDER BY item_id, model, keyword`, after, batch)
		if err != nil {
			return fmt.Errorf("read keywords to file: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		kws := make([]KeywordRow, len(rows))
		for i, r := range rows {
			kws[i] = KeywordRow{ItemID: r.ItemID, Workspace: r.Workspace, Model: r.Model, Keyword: Keyword{Text: r.Keyword}}
		}
		if err := tx.postKeywords(ctx, tx.tx.ExecContext, kws); err != nil {
			return err
		}
		after = rows[len(rows)-1].ItemID
	}
}
