package store

import (
	"context"
	"fmt"
)

// Event is one line of an item's history: a transition, a creation (From is
// ""), or a failed attempt that stays in its state (From equals To).
type Event struct {
	ID      int64  `db:"id" json:"id"`
	ItemID  int64  `db:"item_id" json:"item_id"`
	From    State  `db:"from_state" json:"from"`
	To      State  `db:"to_state" json:"to"`
	At      Time   `db:"at" json:"at"`
	Attempt int    `db:"attempt" json:"attempt"`
	Worker  string `db:"worker" json:"worker,omitempty"`
	Error   string `db:"error" json:"error,omitempty"`
}

func (tx *Tx) logEvent(ctx context.Context, e Event) error {
	_, err := tx.exec(ctx, `INSERT INTO item_events (item_id, from_state, to_state, at, attempt, worker, error)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ItemID, e.From, e.To, T(tx.now), e.Attempt, e.Worker, e.Error)
	if err != nil {
		return fmt.Errorf("log event of item %d: %w", e.ItemID, err)
	}
	return nil
}

// logEvents appends many events, a hundred rows per statement.
func (tx *Tx) logEvents(ctx context.Context, evs []Event) error {
	err := chunks(evs, 7, func(part []Event, values string) error {
		args := make([]any, 0, 7*len(part))
		at := T(tx.now)
		for _, e := range part {
			args = append(args, e.ItemID, e.From, e.To, at, e.Attempt, e.Worker, e.Error)
		}
		_, err := tx.exec(ctx, `INSERT INTO item_events (item_id, from_state, to_state, at, attempt, worker, error)
			VALUES `+values, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("log events: %w", err)
	}
	return nil
}

// Events returns an item's history, oldest first.
func (db *DB) Events(ctx context.Context, itemID int64) ([]Event, error) {
	var evs []Event
	err := db.x.SelectContext(ctx, &evs, `SELECT id, item_id, from_state, to_state, at, attempt, worker, error
		FROM item_events WHERE item_id = ? ORDER BY id`, itemID)
	if err != nil {
		return nil, fmt.Errorf("events of item %d: %w", itemID, err)
	}
	return evs, nil
}

// EdgeCount is how many times items of a workspace moved along one edge.
type EdgeCount struct {
	From  State `db:"from_state"`
	To    State `db:"to_state"`
	Items int   `db:"items"` // distinct items
	Times int   `db:"times"` // events
}

// EdgeCounts counts the logged transitions of a workspace by edge; tests and
// the kill checks use it to prove nothing ran twice.
func (db *DB) EdgeCounts(ctx context.Context, workspace string) ([]EdgeCount, error) {
	var out []EdgeCount
	err := db.x.SelectContext(ctx, &out, `SELECT e.from_state, e.to_state,
		count(DISTINCT e.item_id) AS items, count(*) AS times
		FROM item_events e JOIN items i ON i.id = e.item_id
		WHERE i.workspace = ? AND e.from_state != e.to_state
		GROUP BY e.from_state, e.to_state ORDER BY e.from_state, e.to_state`, workspace)
	if err != nil {
		return nil, fmt.Errorf("edge counts of %s: %w", workspace, err)
	}
	return out, nil
}
