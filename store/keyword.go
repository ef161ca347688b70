package store

import (
	"context"
	"fmt"
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

// TopKeywords returns the keywords of a workspace carried by the most items.
func (db *DB) TopKeywords(ctx context.Context, workspace, model string, limit int) ([]KeywordCount, error) {
	var out []KeywordCount
	err := db.x.SelectContext(ctx, &out, `SELECT model, keyword, count(*) AS items FROM keywords
		WHERE workspace = ? AND (? = '' OR model = ?) GROUP BY model, keyword
		ORDER BY items DESC, keyword LIMIT ?`, workspace, model, model, limit)
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

// AddKeywordsMany attaches keywords to items, a hundred rows
// per statement, with the keywords' daily counts. Keywords are attached
// once: the workflow writes a step's results only with the transition that
// completes it, so attaching one again is an error (ErrConflict), not a
// silent double count. Repeats within rows are merged first.
func (tx *Tx) AddKeywordsMany(ctx context.Context, rows []KeywordRow) error {
	type key struct {
		item        int64
		model, text string
	}
	type dayKey struct{ ws, model, kw, day string }
	seen := make(map[key]bool, len(rows))
	unique := make([]KeywordRow, 0, len(rows))
	counts := map[dayKey]int{}
	var order []dayKey
	for _, r := range rows {
		k := key{r.ItemID, r.Model, r.Text}
		if seen[k] {
			continue
		}
		seen[k] = true
		unique = append(unique, r)
		if r.PublishedAt.IsZero() {
			continue
		}
		d := dayKey{r.Workspace, r.Model, r.Text, r.PublishedAt.UTC().Format("2006-01-02")}
		if counts[d] == 0 {
			order = append(order, d)
		}
		counts[d]++
	}
	now := T(tx.now)
	err := chunks(unique, 8, func(part []KeywordRow, values string) error {
		args := make([]any, 0, 8*len(part))
		for _, r := range part {
			args = append(args, r.ItemID, r.Workspace, r.Model, r.Text, r.Score, max(r.Occurrences, 1), r.PublishedAt, now)
		}
		_, err := tx.exec(ctx, `INSERT INTO keywords (item_id, workspace, model, keyword, score, occurrences,
			published_at, created_at) VALUES `+values, args...)
		return err
	})
	if err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("add keywords: already attached: %w", ErrConflict)
		}
		return fmt.Errorf("add keywords: %w", err)
	}
	err = chunks(order, 5, func(part []dayKey, values string) error {
		args := make([]any, 0, 5*len(part))
		for _, k := range part {
			args = append(args, k.ws, k.model, k.kw, k.day, counts[k])
		}
		_, err := tx.exec(ctx, `INSERT INTO keyword_days (workspace, model, keyword, day, items) VALUES `+values+`
			ON CONFLICT DO UPDATE SET items = items + excluded.items`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("count keywords: %w", err)
	}
	return tx.addKeywordTotals(ctx, unique)
}

// addKeywordTotals adds rows to the keywords' all-time totals, one upsert
// per keyword of the batch.
func (tx *Tx) addKeywordTotals(ctx context.Context, rows []KeywordRow) error {
	type totalKey struct{ ws, model, kw string }
	totals := map[totalKey]int{}
	var order []totalKey
	for _, r := range rows {
		k := totalKey{r.Workspace, r.Model, r.Text}
		if totals[k] == 0 {
			order = append(order, k)
		}
		totals[k]++
	}
	err := chunks(order, 4, func(part []totalKey, values string) error {
		args := make([]any, 0, 4*len(part))
		for _, k := range part {
			args = append(args, k.ws, k.model, k.kw, totals[k])
		}
		_, err := tx.exec(ctx, `INSERT INTO keyword_totals (workspace, model, keyword, items) VALUES `+values+`
			ON CONFLICT DO UPDATE SET items = items + excluded.items`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("total keywords: %w", err)
	}
	return nil
}

// UpdateKeywordTrends stores score(growth) as the trend of every keyword of
// workspace used in the window, and 0 for the others.
func (tx *Tx) UpdateKeywordTrends(ctx context.Context, workspace string, w Window, score func(model string, g Growth) float64) (int, error) {
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
