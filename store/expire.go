package store

import (
	"context"
	"fmt"
	"time"
)

// ExpireItems deletes up to limit items of workspace older than cutoff, with
// their keywords, vectors, events, daily counts and their place in their
// clusters. An item is judged by its published time, or by when it was
// ingested when the source gave none. It returns the ids it deleted, in
// order; call it until there are none, each call in its own transaction.
func (tx *Tx) ExpireItems(ctx context.Context, workspace string, cutoff time.Time, limit int) ([]int64, error) {
	var ids []int64
	c := T(cutoff)
	err := tx.tx.SelectContext(ctx, &ids, `SELECT id FROM items WHERE workspace = ? AND published_at < ?
		UNION ALL SELECT id FROM items WHERE workspace = ? AND published_at IS NULL AND created_at < ?
		ORDER BY id LIMIT ?`, workspace, c, workspace, c, limit)
	if err != nil {
		return nil, fmt.Errorf("find expired items of %s: %w", workspace, err)
	}
	for _, id := range ids {
		if err := tx.deleteDerived(ctx, id); err != nil {
			return nil, err
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("delete expired item %d: %w", id, err)
		}
	}
	return ids, nil
}
