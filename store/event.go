package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
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
	// Via are the states passed through between From and To in one commit
	// (a leg of several steps). Only writers set it: readers get one Event
	// per transition.
	Via []State `db:"-" json:"-"`
}

// viaText is how item_events.via stores states: separated by spaces, which
// state names never hold.
func viaText(via []State) string {
	var b strings.Builder
	for i, s := range via {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// eventRow is an item_events row: an event, or several transitions made
// in one commit.
type eventRow struct {
	Event
	ViaText string `db:"via"`
}

// transitions spreads a row into its transitions, oldest first. Each has
// the row's id, time, attempt and worker; the error belongs to the last.
func (r eventRow) transitions() []Event {
	if r.ViaText == "" {
		return []Event{r.Event}
	}
	via := strings.Split(r.ViaText, " ")
	out := make([]Event, 0, len(via)+1)
	from := r.From
	for _, s := range via {
		e := r.Event
		e.From, e.To, e.Error = from, State(s), ""
		out = append(out, e)
		from = State(s)
	}
	e := r.Event
	e.From = from
	return append(out, e)
}

func (tx *Tx) logEvent(ctx context.Context, e Event) error {
	_, err := tx.exec(ctx, `INSERT INTO item_events (item_id, from_state, to_state, at, attempt, worker, error, via)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ItemID, e.From, e.To, T(tx.now), e.Attempt, e.Worker, e.Error, viaText(e.Via))
	if err != nil {
		return fmt.Errorf("log event of item %d: %w", e.ItemID, err)
	}
	return nil
}

// logEvents appends many events, a hundred rows per statement.
func (tx *Tx) logEvents(ctx context.Context, evs []Event) error {
	err := chunks(evs, 8, func(part []Event, values string) error {
		args := make([]any, 0, 8*len(part))
		at := T(tx.now)
		for _, e := range part {
			args = append(args, e.ItemID, e.From, e.To, at, e.Attempt, e.Worker, e.Error, viaText(e.Via))
		}
		_, err := tx.exec(ctx, `INSERT INTO item_events (item_id, from_state, to_state, at, attempt, worker, error, via)
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
	var rows []eventRow
	err := db.x.SelectContext(ctx, &rows, `SELECT id, item_id, from_state, to_state, at, attempt, worker, error, via
		FROM item_events WHERE item_id = ? ORDER BY id`, itemID)
	if err != nil {
		return nil, fmt.Errorf("events of item %d: %w", itemID, err)
	}
	var evs []Event
	for _, r := range rows {
		evs = append(evs, r.transitions()...)
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
	rows, err := db.x.QueryxContext(ctx, `SELECT e.item_id, e.from_state, e.to_state, e.via
		FROM item_events e JOIN items i ON i.id = e.item_id
		WHERE i.workspace = ? AND (e.from_state != e.to_state OR e.via != '')`, workspace)
	if err != nil {
		return nil, fmt.Errorf("edge counts of %s: %w", workspace, err)
	}
	defer rows.Close()
	type edge struct{ from, to State }
	type itemEdge struct {
		edge
		item int64
	}
	counts := map[edge]*EdgeCount{}
	seen := map[itemEdge]bool{}
	for rows.Next() {
		var r eventRow
		if err := rows.StructScan(&r); err != nil {
			return nil, fmt.Errorf("edge counts of %s: %w", workspace, err)
		}
		for _, e := range r.transitions() {
			k := edge{e.From, e.To}
			c := counts[k]
			if c == nil {
				c = &EdgeCount{From: e.From, To: e.To}
				counts[k] = c
			}
			c.Times++
			if !seen[itemEdge{k, e.ItemID}] {
				seen[itemEdge{k, e.ItemID}] = true
				c.Items++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("edge counts of %s: %w", workspace, err)
	}
	out := make([]EdgeCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b EdgeCount) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out, nil
}
