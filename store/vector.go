package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
)

// Vector is an item's embedding by one model.
type Vector struct {
	ItemID int64
	Model  string
	Data   []float32
}

// PutVector stores an item's vector for a model, replacing an earlier one
// from the same model. A replaced vector is deleted and the new one gets a
// new id, so indexes that follow vector ids and tombstones see the change.
func (tx *Tx) PutVector(ctx context.Context, v Vector) error {
	// Not REPLACE: its implicit delete would skip the tombstone trigger.
	if _, err := tx.exec(ctx, `DELETE FROM vectors WHERE item_id = ? AND model = ?`, v.ItemID, v.Model); err != nil {
		return fmt.Errorf("replace vector of item %d: %w", v.ItemID, err)
	}
	_, err := tx.exec(ctx, `INSERT INTO vectors (item_id, model, dim, data, created_at) VALUES (?, ?, ?, ?, ?)`,
		v.ItemID, v.Model, len(v.Data), encodeVector(v.Data), T(tx.now))
	if err != nil {
		return fmt.Errorf("store vector of item %d: %w", v.ItemID, err)
	}
	return nil
}

// Vector returns an item's vector for a model.
func (db *DB) Vector(ctx context.Context, itemID int64, model string) (Vector, error) {
	var row struct {
		Dim  int    `db:"dim"`
		Data []byte `db:"data"`
	}
	err := db.x.GetContext(ctx, &row, `SELECT dim, data FROM vectors WHERE item_id = ? AND model = ?`, itemID, model)
	if err != nil {
		return Vector{}, fmt.Errorf("vector of item %d by %s: %w", itemID, model, notFound(err))
	}
	data, err := decodeVector(row.Data, row.Dim)
	if err != nil {
		return Vector{}, fmt.Errorf("vector of item %d by %s: %w", itemID, model, err)
	}
	return Vector{ItemID: itemID, Model: model, Data: data}, nil
}

// encodeVector writes little-endian float32s, the layout the schema names.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte, dim int) ([]float32, error) {
	if len(b) != 4*dim {
		return nil, fmt.Errorf("%d bytes for %d dimensions", len(b), dim)
	}
	v := make([]float32, dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
