package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Keyword is a term a model attached to an item.
type Keyword struct {
	Text        string  `db:"keyword" json:"keyword"`
	Score       float64 `db:"score" json:"score"`
	Occurrences int     `db:"occurrences" json:"occurrences"`
}

// AddKeywords attaches kws from model to an item; see AddKeywordsMany.
func (tx *Tx) AddKeywords(ctx context.Context, it Item, model string, kws []Keyword) error {
	rows := make([]KeywordRow, len(kws))
	for i, k := range kws {
		rows[i] = KeywordRow{ItemID: it.ID, Workspace: it.Workspace, PublishedAt: it.PublishedAt, Model: model, Keyword: k}
	}
	return tx.AddKeywordsMany(ctx, rows)
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

// AddKeywordsMany is AddKeywords for many items at once, a hundred rows
// per statement. A keyword a model already attached to an item is left as
// it is, and only new attachments count in the daily totals.
func (tx *Tx) AddKeywordsMany(ctx context.Context, rows []KeywordRow) error {
	type added struct {
		Workspace string         `db:"workspace"`
		Model     string         `db:"model"`
		Keyword   string         `db:"keyword"`
		Day       sql.NullString `db:"day"`
	}
	var all []added
	now := T(tx.now)
	err := chunks(rows, 8, func(part []KeywordRow, values string) error {
		args := make([]any, 0, 8*len(part))
		for _, r := range part {
			args = append(args, r.ItemID, r.Workspace, r.Model, r.Text, r.Score, max(r.Occurrences, 1), r.PublishedAt, now)
		}
		var got []added
		err := tx.selectRows(ctx, &got, `INSERT INTO keywords (item_id, workspace, model, keyword, score, occurrences,
			published_at, created_at) VALUES `+values+` ON CONFLICT (item_id, model, keyword) DO NOTHING
			RETURNING workspace, model, keyword, substr(published_at, 1, 10) AS day`, args...)
		all = append(all, got...)
		return err
	})
	if err != nil {
		return fmt.Errorf("add keywords: %w", err)
	}
	type dayKey struct{ ws, model, kw, day string }
	counts := map[dayKey]int{}
	var order []dayKey
	for _, a := range all {
		if !a.Day.Valid {
			continue
		}
		k := dayKey{a.Workspace, a.Model, a.Keyword, a.Day.String}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
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
	return nil
}
