package store

import (
	"context"
	"fmt"
)

// StateCount is how many items of a workspace are in a state.
type StateCount struct {
	Workspace string `db:"workspace" json:"workspace"`
	State     State  `db:"state" json:"state"`
	Items     int    `db:"items" json:"items"`
}

// StateCounts counts items by workspace and state.
func (db *DB) StateCounts(ctx context.Context) ([]StateCount, error) {
	var out []StateCount
	err := db.x.SelectContext(ctx, &out, `SELECT workspace, state, sum(items) AS items FROM item_states
		GROUP BY workspace, state HAVING sum(items) > 0 ORDER BY workspace, state`)
	if err != nil {
		return nil, fmt.Errorf("state counts: %w", err)
	}
	return out, nil
}

// FailureCount groups failed items of a workspace by reason.
type FailureCount struct {
	Workspace string `db:"workspace" json:"workspace"`
	From      State  `db:"failed_from" json:"failed_from"`
	Reason    string `db:"last_error" json:"reason"`
	Items     int    `db:"items" json:"items"`
	Example   int64  `db:"example" json:"example_item_id"`
}

// Failures groups failed items by workspace, failing state and reason,
// most common first.
func (db *DB) Failures(ctx context.Context, limit int) ([]FailureCount, error) {
	var out []FailureCount
	err := db.x.SelectContext(ctx, &out, `SELECT workspace, failed_from, last_error, count(*) AS items,
		min(id) AS example FROM items WHERE state = ? GROUP BY workspace, failed_from, last_error
		ORDER BY items DESC, workspace LIMIT ?`, Failed, limit)
	if err != nil {
		return nil, fmt.Errorf("failures: %w", err)
	}
	return out, nil
}
