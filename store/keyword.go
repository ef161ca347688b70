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

// AddKeywords attaches kws from model to an item. A keyword already attached
// by the same model is updated, not doubled, so a repeated delivery changes
// nothing; the daily count of the keyword grows only for new attachments.
func (tx *Tx) AddKeywords(ctx context.Context, it Item, model string, kws []Keyword) error {
	for _, k := range kws {
		occ := max(k.Occurrences, 1)
		var added int
		ins, err := tx.stmt(ctx, `INSERT INTO keywords (item_id, workspace, model, keyword, score,
			occurrences, published_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (item_id, model, keyword) DO UPDATE SET score = excluded.score, occurrences = excluded.occurrences
			RETURNING (created_at = ?)`)
		if err != nil {
			return fmt.Errorf("add keyword: %w", err)
		}
		err = ins.QueryRowxContext(ctx, it.ID, it.Workspace, model, k.Text, k.Score, occ, it.PublishedAt, T(tx.now), T(tx.now)).Scan(&added)
		if err != nil {
			return fmt.Errorf("add keyword %q to item %d: %w", k.Text, it.ID, err)
		}
		if added != 1 || it.PublishedAt.IsZero() {
			continue
		}
		_, err = tx.exec(ctx, `INSERT INTO keyword_days (workspace, model, keyword, day, items)
			VALUES (?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET items = items + 1`,
			it.Workspace, model, k.Text, it.PublishedAt.UTC().Format("2006-01-02"))
		if err != nil {
			return fmt.Errorf("count keyword %q: %w", k.Text, err)
		}
	}
	return nil
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
