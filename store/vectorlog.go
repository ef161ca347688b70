package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
)

// VectorRow is a stored vector as an in-memory index catches up with it.
type VectorRow struct {
	ID     int64 `db:"id"`
	ItemID int64 `db:"item_id"`
	Data   []float32
	// Dup is set when an earlier clustered item of the workspace has the
	// same text: an index holds one vector per text.
	Dup bool `db:"dup"`
}

type vectorRow struct {
	VectorRow
	Dim  int    `db:"dim"`
	Blob []byte `db:"data"`
}

func decodeRows(rows []vectorRow) ([]VectorRow, error) {
	out := make([]VectorRow, len(rows))
	for i, r := range rows {
		v, err := decodeVector(r.Blob, r.Dim)
		if err != nil {
			return nil, fmt.Errorf("vector %d of item %d: %w", r.ID, r.ItemID, err)
		}
		out[i] = r.VectorRow
		out[i].Data = v
	}
	return out, nil
}

// vectorsSinceQuery reads the vectors after an id. CROSS JOIN keeps the
// vectors' id range the outer loop: left to choose, SQLite walked every item
// of the workspace by its index instead, on every call: at a million items a
// second for each batch the cluster step committed, two thirds of a run.
const vectorsSinceQuery = `SELECT v.id, v.item_id, v.dim, v.data,
			i.text_hash IS NOT NULL AND EXISTS (SELECT 1 FROM items j WHERE j.workspace = i.workspace
				AND j.text_hash = i.text_hash AND j.id < i.id AND j.cluster_id IS NOT NULL) AS dup
		FROM vectors v CROSS JOIN items i ON i.id = v.item_id
		WHERE v.id > ? AND v.id < ? AND v.model = ? AND i.workspace = ? ORDER BY v.id LIMIT ?`

// VectorsSince returns up to limit vectors of model for the items of
// workspace whose vector ids come after since and before before (0: no
// bound), in id order.
func (tx *Tx) VectorsSince(ctx context.Context, workspace, model string, since, before int64, limit int) ([]VectorRow, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	var rows []vectorRow
	err := tx.selectRows(ctx, &rows, vectorsSinceQuery, since, before, model, workspace, limit)
	if err != nil {
		return nil, fmt.Errorf("vectors of %s by %s since %d: %w", workspace, model, since, err)
	}
	return decodeRows(rows)
}

// FirstVector returns the smallest id of the vectors of model of the items,
// or 0 if they have none.
func (tx *Tx) FirstVector(ctx context.Context, model string, itemIDs []int64) (int64, error) {
	first := int64(0)
	err := chunks(itemIDs, 1, func(part []int64, _ string) error {
		args := []any{model}
		for _, id := range part {
			args = append(args, id)
		}
		var n int64
		s, err := tx.stmt(ctx, `SELECT coalesce(min(id), 0) FROM vectors WHERE model = ? AND item_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`)
		if err != nil {
			return err
		}
		if err := s.GetContext(ctx, &n, args...); err != nil {
			return err
		}
		if n > 0 && (first == 0 || n < first) {
			first = n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("first vector of %d items: %w", len(itemIDs), err)
	}
	return first, nil
}

// Tombstone records a deleted vector.
type Tombstone struct {
	Seq       int64          `db:"seq"`
	ItemID    int64          `db:"item_id"`
	Workspace sql.NullString `db:"workspace"`
	TextHash  sql.NullInt64  `db:"text_hash"`
}

// TombstonesSince returns up to limit deletions of vectors of model after
// seq, in order.
func (tx *Tx) TombstonesSince(ctx context.Context, model string, since int64, limit int) ([]Tombstone, error) {
	var out []Tombstone
	err := tx.selectRows(ctx, &out, `SELECT seq, item_id, workspace, text_hash FROM vector_tombstones
		WHERE seq > ? AND model = ? ORDER BY seq LIMIT ?`, since, model, limit)
	if err != nil {
		return nil, fmt.Errorf("deleted vectors by %s since %d: %w", model, since, err)
	}
	return out, nil
}

// TextStandIn returns the vector of the earliest clustered item of
// workspace with the text hash, to take the place in an index of a deleted
// item with the same text.
func (tx *Tx) TextStandIn(ctx context.Context, workspace, model string, hash int64) (VectorRow, bool, error) {
	var rows []vectorRow
	err := tx.selectRows(ctx, &rows, `SELECT v.id, v.item_id, v.dim, v.data, false AS dup
		FROM items i JOIN vectors v ON v.item_id = i.id AND v.model = ?
		WHERE i.workspace = ? AND i.text_hash = ? AND i.cluster_id IS NOT NULL ORDER BY i.id LIMIT 1`, model, workspace, hash)
	if err != nil {
		return VectorRow{}, false, fmt.Errorf("stand-in for text %d in %s: %w", hash, workspace, err)
	}
	out, err := decodeRows(rows)
	if err != nil || len(out) == 0 {
		return VectorRow{}, false, err
	}
	return out[0], true, nil
}

// VectorMarks are the newest vector id and tombstone seq: an index that has
// applied everything up to them is current.
func (tx *Tx) VectorMarks(ctx context.Context) (lastVector, lastTombstone int64, err error) {
	// sqlite_sequence holds the largest id ever given, even if that row is gone.
	err = tx.tx.QueryRowxContext(ctx, `SELECT
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'vectors'), 0),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'vector_tombstones'), 0)`).Scan(&lastVector, &lastTombstone)
	if err != nil {
		return 0, 0, fmt.Errorf("vector marks: %w", err)
	}
	return lastVector, lastTombstone, nil
}

// DatabaseID names this database; files derived from it carry it.
func (db *DB) DatabaseID(ctx context.Context) (string, error) { return db.Meta(ctx, "database_id") }

// Item is DB.Item inside the transaction, seeing its own writes.
func (tx *Tx) Item(ctx context.Context, id int64) (Item, error) {
	var it Item
	s, err := tx.stmt(ctx, `SELECT `+itemColumns+` FROM items WHERE id = ?`)
	if err != nil {
		return Item{}, err
	}
	err = s.GetContext(ctx, &it, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, fmt.Errorf("item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Item{}, fmt.Errorf("item %d: %w", id, err)
	}
	return it, nil
}
