package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
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
	return tx.PutVectors(ctx, []Vector{v})
}

// PutVectors is PutVector for many vectors, a hundred per statement; their
// ids follow their order. Of two for the same item and model, the later
// one is stored.
func (tx *Tx) PutVectors(ctx context.Context, vs []Vector) error {
	return tx.PutVectorBatch(ctx, PrepareVectors(vs))
}

// VectorBatch is vectors made ready for PutVectorBatch: one per item and
// model, packed as stored. Preparing needs no transaction, so a writer does
// it before it takes the write lock.
type VectorBatch struct {
	vectors []Vector
	packed  [][]byte
}

// PrepareVectors makes vs ready for PutVectorBatch.
func PrepareVectors(vs []Vector) VectorBatch {
	type key struct {
		item  int64
		model string
	}
	last := make(map[key]int, len(vs))
	for i, v := range vs {
		last[key{v.ItemID, v.Model}] = i
	}
	if len(last) < len(vs) {
		vs = slices.Clone(vs)
		i := 0
		vs = slices.DeleteFunc(vs, func(v Vector) bool {
			i++
			return last[key{v.ItemID, v.Model}] != i-1
		})
	}
	packed := make([][]byte, len(vs))
	for i, v := range vs {
		packed[i] = packVector(v.Data)
	}
	return VectorBatch{vectors: vs, packed: packed}
}

// PutVectorBatch is PutVectors for vectors prepared beforehand.
func (tx *Tx) PutVectorBatch(ctx context.Context, vb VectorBatch) error {
	vs := vb.vectors
	// Not REPLACE: its implicit delete would skip the tombstone trigger.
	err := chunks(vs, 2, func(part []Vector, values string) error {
		args := make([]any, 0, 2*len(part))
		for _, v := range part {
			args = append(args, v.ItemID, v.Model)
		}
		_, err := tx.exec(ctx, `DELETE FROM vectors WHERE (item_id, model) IN (VALUES `+values+`)`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("replace vectors of %d items: %w", len(vs), err)
	}
	now := T(tx.now)
	start := 0
	err = chunks(vs, 5, func(part []Vector, values string) error {
		args := make([]any, 0, 5*len(part))
		for i, v := range part {
			args = append(args, v.ItemID, v.Model, len(v.Data), vb.packed[start+i], now)
		}
		start += len(part)
		_, err := tx.exec(ctx, `INSERT INTO vectors (item_id, model, dim, data, created_at) VALUES `+values, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("store vectors of %d items: %w", len(vs), err)
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

// encodeVector writes little-endian float32s, the layout of a cluster's
// vector sum, and of a stored vector with few zeros (see packVector).
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// packVector is how the vectors table stores a vector: dense (dim
// little-endian float32s) or, when shorter, sparse: a bitmap of ceil(dim/8)
// bytes whose bit i (bit i%8 of byte i/8, least significant first) says
// component i is not zero, then those components as little-endian float32s
// in order. The lexical embedder's vectors are four-fifths zeros, so most
// take a quarter of the space, and a quarter of the pages a commit writes.
// Both decode to the same bits; the length tells them apart, since a sparse
// blob is only written when it is shorter than 4×dim bytes.
func packVector(v []float32) []byte {
	nonzero := 0
	for _, f := range v {
		if math.Float32bits(f) != 0 {
			nonzero++
		}
	}
	mapLen := (len(v) + 7) / 8
	if mapLen+4*nonzero >= 4*len(v) {
		return encodeVector(v)
	}
	b := make([]byte, mapLen+4*nonzero)
	at := mapLen
	for i, f := range v {
		if u := math.Float32bits(f); u != 0 {
			b[i/8] |= 1 << (i % 8)
			binary.LittleEndian.PutUint32(b[at:], u)
			at += 4
		}
	}
	return b
}

// decodeVector reads a vector of dim components in either of packVector's
// layouts.
func decodeVector(b []byte, dim int) ([]float32, error) {
	v := make([]float32, dim)
	if len(b) == 4*dim {
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return v, nil
	}
	mapLen := (dim + 7) / 8
	if len(b) < mapLen || (len(b)-mapLen)%4 != 0 {
		return nil, fmt.Errorf("%d bytes for %d dimensions", len(b), dim)
	}
	set := 0
	for _, m := range b[:mapLen] {
		set += bits.OnesCount8(m)
	}
	if set != (len(b)-mapLen)/4 || dim%8 != 0 && b[mapLen-1]>>(dim%8) != 0 {
		return nil, fmt.Errorf("%d bytes for %d dimensions: a sparse vector whose bitmap does not match its values", len(b), dim)
	}
	at := mapLen
	for j, m := range b[:mapLen] {
		for m != 0 {
			i := 8*j + bits.TrailingZeros8(m)
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[at:]))
			at += 4
			m &= m - 1
		}
	}
	return v, nil
}
