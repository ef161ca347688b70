package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Cluster is a group of items a similarity threshold put together, with the
// bookkeeping the cluster step keeps as items join.
type Cluster struct {
	ID               int64   `db:"id" json:"id"`
	Workspace        string  `db:"workspace" json:"workspace"`
	Model            string  `db:"model" json:"model"`
	Size             int     `db:"size" json:"size"`               // current members
	AddedTotal       int     `db:"added_total" json:"added_total"` // every add ever
	UniqueTexts      int     `db:"unique_texts" json:"unique_texts"`
	ExemplarItemID   int64   `db:"exemplar_item_id" json:"exemplar_item_id"`
	FirstPublishedAt Time    `db:"first_published_at" json:"first_published_at"`
	LastPublishedAt  Time    `db:"last_published_at" json:"last_published_at"`
	Cohesion         float64 `db:"cohesion" json:"cohesion"`
	Priority         float64 `db:"priority" json:"-"`
	Trend            float64 `db:"trend" json:"trend"`
	MergedInto       int64   `db:"merged_into" json:"merged_into,omitempty"`
	MergedAt         Time    `db:"merged_at" json:"merged_at,omitempty"`
	// VectorSum is the sum of the members' unit vectors; nil while the
	// cluster has one member.
	VectorSum     []float32 `db:"-" json:"-"`
	ExemplarScore float64   `db:"exemplar_score" json:"-"`
	CreatedAt     Time      `db:"created_at" json:"created_at"`
	UpdatedAt     Time      `db:"updated_at" json:"updated_at"`
}

type clusterRow struct {
	Cluster
	Sum []byte `db:"vector_sum"`
}

const clusterColumns = `id, workspace, model, size, added_total, unique_texts, coalesce(exemplar_item_id, 0) AS exemplar_item_id,
	first_published_at, last_published_at, cohesion, priority, trend, coalesce(merged_into, 0) AS merged_into, merged_at,
	vector_sum, exemplar_score, created_at, updated_at`

func (r clusterRow) cluster() (*Cluster, error) {
	c := r.Cluster
	if r.Sum != nil {
		v, err := decodeVector(r.Sum, len(r.Sum)/4)
		if err != nil {
			return nil, fmt.Errorf("vector sum of cluster %d: %w", c.ID, err)
		}
		c.VectorSum = v
	}
	return &c, nil
}

func scanClusters(rows []clusterRow) ([]*Cluster, error) {
	out := make([]*Cluster, 0, len(rows))
	for _, r := range rows {
		c, err := r.cluster()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Cluster returns the cluster with id, merged or not.
func (tx *Tx) Cluster(ctx context.Context, id int64) (*Cluster, error) {
	var r clusterRow
	s, err := tx.stmt(ctx, `SELECT `+clusterColumns+` FROM clusters WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	if err := s.GetContext(ctx, &r, id); err != nil {
		return nil, fmt.Errorf("cluster %d: %w", id, notFound(err))
	}
	return r.cluster()
}

// Cluster returns the cluster with id, merged or not.
func (db *DB) Cluster(ctx context.Context, id int64) (*Cluster, error) {
	var r clusterRow
	if err := db.x.GetContext(ctx, &r, `SELECT `+clusterColumns+` FROM clusters WHERE id = ?`, id); err != nil {
		return nil, fmt.Errorf("cluster %d: %w", id, notFound(err))
	}
	return r.cluster()
}

// ResolveCluster follows merges from id to the cluster that holds its
// members now.
func (db *DB) ResolveCluster(ctx context.Context, id int64) (*Cluster, error) {
	for range 1000 {
		c, err := db.Cluster(ctx, id)
		if err != nil || c.MergedInto == 0 {
			return c, err
		}
		id = c.MergedInto
	}
	return nil, fmt.Errorf("cluster %d: merge chain too long", id)
}

// CreateCluster inserts c and sets its ID and times.
func (tx *Tx) CreateCluster(ctx context.Context, c *Cluster) error {
	c.CreatedAt, c.UpdatedAt = T(tx.now), T(tx.now)
	s, err := tx.stmt(ctx, `INSERT INTO clusters (workspace, model, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return fmt.Errorf("create cluster: %w", err)
	}
	if err := s.QueryRowxContext(ctx, c.Workspace, c.Model, c.CreatedAt, c.UpdatedAt).Scan(&c.ID); err != nil {
		return fmt.Errorf("create cluster in %s: %w", c.Workspace, err)
	}
	return nil
}

// SaveCluster writes c's bookkeeping. Cohesion is derived from the vector
// sum here, so it can never disagree with it.
func (tx *Tx) SaveCluster(ctx context.Context, c *Cluster) error {
	c.UpdatedAt = T(tx.now)
	c.Cohesion = Cohesion(c.VectorSum, c.Size)
	var sum, exemplar any
	if c.VectorSum != nil {
		sum = encodeVector(c.VectorSum)
	}
	if c.ExemplarItemID != 0 {
		exemplar = c.ExemplarItemID
	}
	_, err := tx.exec(ctx, `UPDATE clusters SET size = ?, added_total = ?, unique_texts = ?, exemplar_item_id = ?,
		first_published_at = ?, last_published_at = ?, cohesion = ?, priority = ?, vector_sum = ?, exemplar_score = ?,
		updated_at = ? WHERE id = ?`,
		c.Size, c.AddedTotal, c.UniqueTexts, exemplar, c.FirstPublishedAt, c.LastPublishedAt, c.Cohesion, c.Priority,
		sum, c.ExemplarScore, c.UpdatedAt, c.ID)
	if err != nil {
		return fmt.Errorf("save cluster %d: %w", c.ID, err)
	}
	return nil
}

// Cohesion is the mean cosine similarity of a cluster's members to their
// centroid: |sum of unit vectors| / size. One member, or none, is 1.
func Cohesion(sum []float32, size int) float64 {
	if sum == nil || size <= 1 {
		return 1
	}
	var ss float64
	for _, x := range sum {
		ss += float64(x) * float64(x)
	}
	return math.Min(1, math.Sqrt(ss)/float64(size))
}

// Membership is an item's cluster as the cluster step sees it.
type Membership struct {
	ItemID      int64 `db:"id"`
	ClusterID   int64 `db:"cluster_id"` // 0: not clustered
	ClusterSize int   `db:"size"`
}

// Membership returns an item's cluster and its size; ok is false when the
// item no longer exists.
func (tx *Tx) Membership(ctx context.Context, itemID int64) (m Membership, ok bool, err error) {
	s, err := tx.stmt(ctx, `SELECT coalesce(i.cluster_id, 0), coalesce(c.size, 0)
		FROM items i LEFT JOIN clusters c ON c.id = i.cluster_id WHERE i.id = ?`)
	if err != nil {
		return m, false, err
	}
	err = s.QueryRowxContext(ctx, itemID).Scan(&m.ClusterID, &m.ClusterSize)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("cluster of item %d: %w", itemID, err)
	}
	m.ItemID = itemID
	return m, true, nil
}

// Memberships returns the cluster of each of ids that still exists.
func (tx *Tx) Memberships(ctx context.Context, ids []int64) (map[int64]Membership, error) {
	out := make(map[int64]Membership, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := chunks(ids, 1, func(part []int64, _ string) error {
		var rows []Membership
		q := `SELECT i.id, coalesce(i.cluster_id, 0) AS cluster_id, coalesce(c.size, 0) AS size
			FROM items i LEFT JOIN clusters c ON c.id = i.cluster_id
			WHERE i.id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + `)`
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := tx.selectRows(ctx, &rows, q, args...); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.ItemID] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("clusters of candidate items: %w", err)
	}
	return out, nil
}

// TextTwin is the earliest clustered item of a workspace whose text has the
// given hash: the exact-duplicate fast path. Callers compare the text, since
// hashes can collide.
func (tx *Tx) TextTwin(ctx context.Context, workspace string, hash int64) (id, clusterID int64, text string, ok bool, err error) {
	var r struct {
		ID        int64  `db:"id"`
		ClusterID int64  `db:"cluster_id"`
		Text      string `db:"text"`
	}
	s, err := tx.stmt(ctx, `SELECT id, cluster_id, CASE WHEN text = '' THEN raw_text ELSE text END AS text
		FROM items WHERE workspace = ? AND text_hash = ? AND cluster_id IS NOT NULL ORDER BY id LIMIT 1`)
	if err != nil {
		return 0, 0, "", false, err
	}
	err = s.GetContext(ctx, &r, workspace, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, "", false, nil
	}
	if err != nil {
		return 0, 0, "", false, fmt.Errorf("find text twin in %s: %w", workspace, err)
	}
	return r.ID, r.ClusterID, r.Text, true, nil
}

// ClusterHasText reports whether a member of the cluster, in workspace,
// has a text with the given hash. Copies of a text share a cluster, so the
// first copy the hash index yields usually answers.
func (tx *Tx) ClusterHasText(ctx context.Context, workspace string, clusterID, hash int64) (bool, error) {
	var n int
	s, err := tx.stmt(ctx, `SELECT EXISTS (SELECT 1 FROM items WHERE workspace = ? AND text_hash = ? AND cluster_id = ?)`)
	if err != nil {
		return false, err
	}
	if err := s.GetContext(ctx, &n, workspace, hash, clusterID); err != nil {
		return false, fmt.Errorf("texts of cluster %d: %w", clusterID, err)
	}
	return n == 1, nil
}

// ItemCluster is the cluster an item joined and the hash of the text it
// was compared by.
type ItemCluster struct {
	ItemID, ClusterID, TextHash int64
}

// SetItemClusters records the clusters items joined.
func (tx *Tx) SetItemClusters(ctx context.Context, rows []ItemCluster) error {
	err := chunks(rows, 3, func(part []ItemCluster, values string) error {
		args := make([]any, 0, 3*len(part))
		for _, r := range part {
			args = append(args, r.ItemID, r.ClusterID, r.TextHash)
		}
		_, err := tx.exec(ctx, `UPDATE items SET cluster_id = v.column2, text_hash = v.column3
			FROM (VALUES `+values+`) AS v WHERE items.id = v.column1`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("set clusters of items: %w", err)
	}
	return nil
}

// ClusterSize is a cluster's current size.
func (tx *Tx) ClusterSize(ctx context.Context, id int64) (int, error) {
	s, err := tx.stmt(ctx, `SELECT size FROM clusters WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.GetContext(ctx, &n, id); err != nil {
		return 0, fmt.Errorf("size of cluster %d: %w", id, notFound(err))
	}
	return n, nil
}

// ClusterDay is a change to the number of a cluster's items published on a
// day (YYYY-MM-DD).
type ClusterDay struct {
	ClusterID int64
	Day       string
	Items     int
}

// AddClusterDays applies daily count changes, dropping days that reach zero.
func (tx *Tx) AddClusterDays(ctx context.Context, days []ClusterDay) error {
	if len(days) == 0 {
		return nil
	}
	err := chunks(days, 3, func(part []ClusterDay, values string) error {
		args := make([]any, 0, 3*len(part))
		for _, d := range part {
			args = append(args, d.ClusterID, d.Day, d.Items)
		}
		_, err := tx.exec(ctx, `INSERT INTO cluster_days (cluster_id, day, items) VALUES `+values+`
			ON CONFLICT (cluster_id, day) DO UPDATE SET items = items + excluded.items`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("count cluster days: %w", err)
	}
	// Only a decrement can empty a day; look at just those rows, never
	// scan the table (it has a row per cluster and day).
	for _, d := range days {
		if d.Items >= 0 {
			continue
		}
		if _, err := tx.exec(ctx, `DELETE FROM cluster_days WHERE cluster_id = ? AND day = ? AND items <= 0`,
			d.ClusterID, d.Day); err != nil {
			return fmt.Errorf("count cluster days: %w", err)
		}
	}
	return nil
}

// DayOf is the day an item counts on in daily counts: its published day,
// or the day it was downloaded when the source gave no time.
func DayOf(it Item) string {
	if !it.PublishedAt.IsZero() {
		return it.PublishedAt.UTC().Format(time.DateOnly)
	}
	return it.RawCreatedAt.UTC().Format(time.DateOnly)
}

// ClusterVectors returns the vectors of a cluster's members for its model,
// by item id.
func (tx *Tx) ClusterVectors(ctx context.Context, clusterID int64, model string) (map[int64][]float32, error) {
	var rows []struct {
		ItemID int64  `db:"item_id"`
		Dim    int    `db:"dim"`
		Data   []byte `db:"data"`
	}
	err := tx.tx.SelectContext(ctx, &rows, `SELECT v.item_id, v.dim, v.data FROM items i
		JOIN vectors v ON v.item_id = i.id AND v.model = ? WHERE i.cluster_id = ?`, model, clusterID)
	if err != nil {
		return nil, fmt.Errorf("vectors of cluster %d: %w", clusterID, err)
	}
	out := make(map[int64][]float32, len(rows))
	for _, r := range rows {
		v, err := decodeVector(r.Data, r.Dim)
		if err != nil {
			return nil, fmt.Errorf("vector of item %d: %w", r.ItemID, err)
		}
		out[r.ItemID] = v
	}
	return out, nil
}

// Vector is DB.Vector inside the transaction, seeing its own writes.
func (tx *Tx) Vector(ctx context.Context, itemID int64, model string) (Vector, error) {
	var row struct {
		Dim  int    `db:"dim"`
		Data []byte `db:"data"`
	}
	s, err := tx.stmt(ctx, `SELECT dim, data FROM vectors WHERE item_id = ? AND model = ?`)
	if err != nil {
		return Vector{}, err
	}
	if err := s.GetContext(ctx, &row, itemID, model); err != nil {
		return Vector{}, fmt.Errorf("vector of item %d by %s: %w", itemID, model, notFound(err))
	}
	data, err := decodeVector(row.Data, row.Dim)
	if err != nil {
		return Vector{}, fmt.Errorf("vector of item %d by %s: %w", itemID, model, err)
	}
	return Vector{ItemID: itemID, Model: model, Data: data}, nil
}

// clusterVector is a cluster's vector sum, or its only member's vector.
func (tx *Tx) clusterVector(ctx context.Context, c *Cluster) ([]float32, error) {
	if c.VectorSum != nil {
		return c.VectorSum, nil
	}
	if c.ExemplarItemID == 0 {
		return nil, nil
	}
	v, err := tx.Vector(ctx, c.ExemplarItemID, c.Model)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return v.Data, err
}

// leaveCluster takes an item out of its cluster, if it has one, keeping the
// cluster's bookkeeping right: size, unique texts, daily counts, vector sum,
// first and last published time, and a new exemplar when it was the
// exemplar. A cluster left empty is deleted with the clusters merged into it.
// All-time adds never go down. Call it before the item's vectors go.
func (tx *Tx) leaveCluster(ctx context.Context, itemID int64) error {
	var it struct {
		Item
		TextHash sql.NullInt64 `db:"text_hash"`
	}
	if err := tx.tx.GetContext(ctx, &it, `SELECT `+itemColumns+`, text_hash FROM items WHERE id = ?`, itemID); err != nil {
		return fmt.Errorf("item %d: %w", itemID, notFound(err))
	}
	if !it.ClusterID.Valid {
		return nil
	}
	c, err := tx.Cluster(ctx, it.ClusterID.Int64)
	if err != nil {
		return err
	}
	// text_hash stays: it describes the text, and the vector tombstones copy it.
	if _, err := tx.tx.ExecContext(ctx, `UPDATE items SET cluster_id = NULL WHERE id = ?`, itemID); err != nil {
		return fmt.Errorf("take item %d out of cluster %d: %w", itemID, c.ID, err)
	}
	c.Size--
	if c.Size <= 0 {
		return tx.deleteClusters(ctx, c.ID)
	}
	if err := tx.AddClusterDays(ctx, []ClusterDay{{ClusterID: c.ID, Day: DayOf(it.Item), Items: -1}}); err != nil {
		return err
	}
	if it.TextHash.Valid {
		has, err := tx.ClusterHasText(ctx, it.Workspace, c.ID, it.TextHash.Int64)
		if err != nil {
			return err
		}
		if !has {
			c.UniqueTexts--
		}
	}
	if !it.PublishedAt.IsZero() && (!it.PublishedAt.After(c.FirstPublishedAt.Time) || !it.PublishedAt.Before(c.LastPublishedAt.Time)) {
		var span struct {
			First Time `db:"first"`
			Last  Time `db:"last"`
		}
		if err := tx.tx.GetContext(ctx, &span, `SELECT min(published_at) AS first, max(published_at) AS last
			FROM items WHERE cluster_id = ?`, c.ID); err != nil {
			return fmt.Errorf("published span of cluster %d: %w", c.ID, err)
		}
		c.FirstPublishedAt, c.LastPublishedAt = span.First, span.Last
	}
	v, err := tx.Vector(ctx, itemID, c.Model)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := tx.shrinkVectors(ctx, c, itemID, v.Data); err != nil {
		return err
	}
	return tx.SaveCluster(ctx, c)
}

// shrinkVectors takes a removed member's vector out of c's sum and re-picks
// the exemplar when the removed member was it.
func (tx *Tx) shrinkVectors(ctx context.Context, c *Cluster, removed int64, v []float32) error {
	if c.Size == 1 {
		c.VectorSum = nil
	} else if c.VectorSum != nil && v != nil {
		for i := range c.VectorSum {
			c.VectorSum[i] -= v[i]
		}
	}
	if c.ExemplarItemID == removed {
		return tx.repickExemplar(ctx, c)
	}
	if c.Size == 1 {
		c.ExemplarScore = 1
		return nil
	}
	if v != nil {
		ex, err := tx.Vector(ctx, c.ExemplarItemID, c.Model)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if ex.Data != nil {
			c.ExemplarScore -= Dot(ex.Data, v)
		}
	}
	return nil
}

// repickExemplar makes the member most aligned with the vector sum the
// exemplar (ties: the lowest id), recomputing the sum from the members.
func (tx *Tx) repickExemplar(ctx context.Context, c *Cluster) error {
	vecs, err := tx.ClusterVectors(ctx, c.ID, c.Model)
	if err != nil {
		return err
	}
	var sum []float32
	for _, v := range vecs {
		if sum == nil {
			sum = make([]float32, len(v))
		}
		for i := range v {
			sum[i] += v[i]
		}
	}
	best, bestScore := int64(0), math.Inf(-1)
	for id, v := range vecs {
		s := Dot(v, sum)
		if s > bestScore || (s == bestScore && id < best) {
			best, bestScore = id, s
		}
	}
	if best == 0 { // members without vectors: the earliest member stands in
		if err := tx.tx.GetContext(ctx, &best, `SELECT min(id) FROM items WHERE cluster_id = ?`, c.ID); err != nil {
			return fmt.Errorf("exemplar of cluster %d: %w", c.ID, err)
		}
		bestScore = 1
	}
	c.ExemplarItemID, c.ExemplarScore = best, bestScore
	if c.Size > 1 {
		c.VectorSum = sum
	} else {
		c.VectorSum = nil
	}
	return nil
}

// deleteClusters deletes an emptied cluster, the clusters merged into it
// (they have no members either) and their merge records.
func (tx *Tx) deleteClusters(ctx context.Context, id int64) error {
	const tree = `WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT c.id FROM clusters c JOIN t ON c.merged_into = t.id)`
	for _, q := range []string{
		tree + ` DELETE FROM cluster_merges WHERE survivor IN (SELECT id FROM t) OR absorbed IN (SELECT id FROM t)`,
		tree + ` DELETE FROM clusters WHERE id IN (SELECT id FROM t)`,
	} {
		if _, err := tx.tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("delete empty cluster %d: %w", id, err)
		}
	}
	return nil
}

// Merge moves every member of the absorbed cluster into the survivor in one
// statement, combines their bookkeeping, and records the merge. The
// absorbed cluster keeps its row, pointing at the survivor, so its id still
// resolves. score is the similarity that justified the merge.
func (tx *Tx) Merge(ctx context.Context, absorbedID, survivorID int64, score float64) (*Cluster, error) {
	if absorbedID == survivorID {
		return nil, fmt.Errorf("merge cluster %d into itself", absorbedID)
	}
	a, err := tx.Cluster(ctx, absorbedID)
	if err != nil {
		return nil, err
	}
	b, err := tx.Cluster(ctx, survivorID)
	if err != nil {
		return nil, err
	}
	switch {
	case a.MergedInto != 0 || b.MergedInto != 0:
		return nil, fmt.Errorf("merge cluster %d into %d: one of them was merged already", a.ID, b.ID)
	case a.Workspace != b.Workspace || a.Model != b.Model:
		return nil, fmt.Errorf("merge cluster %d into %d: different workspaces or models", a.ID, b.ID)
	}
	sa, err := tx.clusterVector(ctx, a)
	if err != nil {
		return nil, err
	}
	sb, err := tx.clusterVector(ctx, b)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{
		`UPDATE items SET cluster_id = ?2 WHERE cluster_id = ?1`,
		`INSERT INTO cluster_days (cluster_id, day, items) SELECT ?2, day, items FROM cluster_days WHERE cluster_id = ?1 AND true
			ON CONFLICT (cluster_id, day) DO UPDATE SET items = cluster_days.items + excluded.items`,
		`DELETE FROM cluster_days WHERE cluster_id = ?1`,
	} {
		if _, err := tx.tx.ExecContext(ctx, q, a.ID, b.ID); err != nil {
			return nil, fmt.Errorf("merge cluster %d into %d: %w", a.ID, b.ID, err)
		}
	}
	if err := tx.tx.GetContext(ctx, &b.UniqueTexts, `SELECT count(DISTINCT text_hash) FROM items WHERE cluster_id = ?`, b.ID); err != nil {
		return nil, fmt.Errorf("texts of cluster %d: %w", b.ID, err)
	}
	moved := a.Size
	b.Size += a.Size
	b.AddedTotal += a.Size
	b.Priority = 1 // it changed: worth checking again
	if b.FirstPublishedAt.IsZero() || (!a.FirstPublishedAt.IsZero() && a.FirstPublishedAt.Before(b.FirstPublishedAt.Time)) {
		b.FirstPublishedAt = a.FirstPublishedAt
	}
	if a.LastPublishedAt.After(b.LastPublishedAt.Time) {
		b.LastPublishedAt = a.LastPublishedAt
	}
	if sa != nil && sb != nil {
		sum := make([]float32, len(sb))
		for i := range sum {
			sum[i] = sa[i] + sb[i]
		}
		b.VectorSum = sum
		// The more central of the two exemplars leads the merged cluster.
		bestID, best := b.ExemplarItemID, math.Inf(-1)
		for _, id := range []int64{b.ExemplarItemID, a.ExemplarItemID} {
			v, err := tx.Vector(ctx, id, b.Model)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if s := Dot(v.Data, sum); s > best {
				bestID, best = id, s
			}
		}
		b.ExemplarItemID, b.ExemplarScore = bestID, best
	} else if err := tx.repickExemplar(ctx, b); err != nil {
		return nil, err
	}
	if err := tx.SaveCluster(ctx, b); err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE clusters SET size = 0, unique_texts = 0, exemplar_item_id = NULL,
		vector_sum = NULL, priority = 0, merged_into = ?, merged_at = ?, updated_at = ? WHERE id = ?`,
		b.ID, T(tx.now), T(tx.now), a.ID); err != nil {
		return nil, fmt.Errorf("mark cluster %d merged: %w", a.ID, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO cluster_merges (workspace, absorbed, survivor, items, score, at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.Workspace, a.ID, b.ID, moved, score, T(tx.now)); err != nil {
		return nil, fmt.Errorf("record merge of cluster %d into %d: %w", a.ID, b.ID, err)
	}
	return b, nil
}

// Dot is the dot product of two vectors of the same length.
func Dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// ClusterMembers returns the ids of up to limit members of a cluster, in id
// order.
func (db *DB) ClusterMembers(ctx context.Context, clusterID int64, limit int) ([]int64, error) {
	var ids []int64
	if err := db.x.SelectContext(ctx, &ids, `SELECT id FROM items WHERE cluster_id = ? ORDER BY id LIMIT ?`, clusterID, limit); err != nil {
		return nil, fmt.Errorf("members of cluster %d: %w", clusterID, err)
	}
	return ids, nil
}

// ClusterDays returns a cluster's item counts by day.
func (db *DB) ClusterDays(ctx context.Context, clusterID int64) (map[string]int, error) {
	var rows []struct {
		Day   string `db:"day"`
		Items int    `db:"items"`
	}
	if err := db.x.SelectContext(ctx, &rows, `SELECT day, items FROM cluster_days WHERE cluster_id = ? ORDER BY day`, clusterID); err != nil {
		return nil, fmt.Errorf("days of cluster %d: %w", clusterID, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Day] = r.Items
	}
	return out, nil
}

// ItemClusters maps the raw id of every clustered item of workspace to its
// cluster.
func (db *DB) ItemClusters(ctx context.Context, workspace string) (map[string]int64, error) {
	var rows []struct {
		RawID     string `db:"raw_id"`
		Field     string `db:"source_field"`
		ClusterID int64  `db:"cluster_id"`
	}
	if err := db.x.SelectContext(ctx, &rows, `SELECT raw_id, source_field, cluster_id FROM items
		WHERE workspace = ? AND cluster_id IS NOT NULL`, workspace); err != nil {
		return nil, fmt.Errorf("clusters of items in %s: %w", workspace, err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		key := r.RawID
		if r.Field != "" {
			key += "#" + r.Field
		}
		out[key] = r.ClusterID
	}
	return out, nil
}

// MergeRecord is one recorded merge.
type MergeRecord struct {
	ID        int64   `db:"id" json:"id"`
	Workspace string  `db:"workspace" json:"workspace"`
	Absorbed  int64   `db:"absorbed" json:"absorbed"`
	Survivor  int64   `db:"survivor" json:"survivor"`
	Items     int     `db:"items" json:"items"`
	Score     float64 `db:"score" json:"score"`
	At        Time    `db:"at" json:"at"`
}

// Merges returns the merges recorded in workspace, oldest first.
func (db *DB) Merges(ctx context.Context, workspace string) ([]MergeRecord, error) {
	var out []MergeRecord
	if err := db.x.SelectContext(ctx, &out, `SELECT id, workspace, absorbed, survivor, items, score, at
		FROM cluster_merges WHERE workspace = ? ORDER BY id`, workspace); err != nil {
		return nil, fmt.Errorf("merges in %s: %w", workspace, err)
	}
	return out, nil
}
