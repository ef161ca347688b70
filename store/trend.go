package store

import (
	"context"
	"fmt"
	"time"
)

// Window is a trend window of whole days: the recent days up to and
// including AsOf, and the baseline days before them.
type Window struct {
	AsOf         time.Time
	RecentDays   int
	BaselineDays int
}

func (w Window) bounds() (baselineStart, recentStart, end string) {
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	return day(w.AsOf.AddDate(0, 0, -(w.RecentDays + w.BaselineDays - 1))),
		day(w.AsOf.AddDate(0, 0, -(w.RecentDays - 1))), day(w.AsOf)
}

// LatestDay is the last published day of workspace's items: trends are
// judged as of it, so an archive of old posts still shows what was rising
// at its end. ok is false when no item has a published time.
func (db *DB) LatestDay(ctx context.Context, workspace string) (day time.Time, ok bool, err error) {
	var s *string
	err = db.x.GetContext(ctx, &s, `SELECT max(day) FROM item_days WHERE workspace = ? AND day != '' AND items > 0`,
		workspace)
	if err != nil || s == nil {
		return time.Time{}, false, err
	}
	day, err = time.Parse(time.DateOnly, *s)
	return day, err == nil, err
}

// Growth is what a trend score is computed from.
type Growth struct {
	ID       int64  `db:"id"`      // a cluster's id (clusters)
	Keyword  string `db:"keyword"` // the keyword (keywords)
	Recent   int    `db:"recent"`
	Baseline int    `db:"baseline"`
}

// UpdateClusterTrends stores score(growth) as the trend of every live
// cluster of workspace active in the window, and 0 for the others.
func (tx *Tx) UpdateClusterTrends(ctx context.Context, workspace string, w Window, score func(Growth) float64) (int, error) {
	from, recent, end := w.bounds()
	var rows []Growth
	err := tx.tx.SelectContext(ctx, &rows, `SELECT d.cluster_id AS id,
			sum(CASE WHEN d.day >= ? THEN d.items ELSE 0 END) AS recent,
			sum(CASE WHEN d.day < ? THEN d.items ELSE 0 END) AS baseline
		FROM cluster_days d JOIN clusters c ON c.id = d.cluster_id
		WHERE d.day BETWEEN ? AND ? AND c.workspace = ? AND c.merged_into IS NULL
		GROUP BY d.cluster_id ORDER BY d.cluster_id`, recent, recent, from, end, workspace)
	if err != nil {
		return 0, fmt.Errorf("cluster growth in %s: %w", workspace, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE clusters SET trend = 0 WHERE workspace = ? AND trend != 0`, workspace); err != nil {
		return 0, fmt.Errorf("reset trends of %s: %w", workspace, err)
	}
	n := 0
	for _, g := range rows {
		s := score(g)
		if s == 0 {
			continue
		}
		n++
		if _, err := tx.exec(ctx, `UPDATE clusters SET trend = ? WHERE id = ?`, s, g.ID); err != nil {
			return 0, fmt.Errorf("store trend of cluster %d: %w", g.ID, err)
		}
	}
	return n, nil
}

// KeywordGrowth returns the recent and baseline item counts of every
// keyword of workspace and model used in the window, pending counts
// included.
func (db *DB) KeywordGrowth(ctx context.Context, workspace, model string, w Window) ([]Growth, error) {
	from, recent, end := w.bounds()
	var rows []Growth
	err := db.x.SelectContext(ctx, &rows, `SELECT keyword,
			sum(CASE WHEN day >= ?1 THEN items ELSE 0 END) AS recent,
			sum(CASE WHEN day < ?1 THEN items ELSE 0 END) AS baseline
		FROM (SELECT keyword, day, items FROM keyword_days WHERE workspace = ?2 AND model = ?3 AND day BETWEEN ?4 AND ?5
			UNION ALL
			SELECT keyword, day, items FROM keyword_counts_pending
			WHERE workspace = ?2 AND model = ?3 AND day BETWEEN ?4 AND ?5)
		GROUP BY keyword HAVING recent + baseline != 0 ORDER BY keyword`, recent, workspace, model, from, end)
	if err != nil {
		return nil, fmt.Errorf("keyword growth in %s: %w", workspace, err)
	}
	return rows, nil
}

// ClusterOrder is how ListClusters sorts.
type ClusterOrder string

// The orders ListClusters knows.
const (
	BySize  ClusterOrder = "size"
	ByTrend ClusterOrder = "trend"
)

// ListClusters returns up to limit live clusters of workspace with at
// least minSize members, largest or fastest-growing first (ties: lower id).
func (db *DB) ListClusters(ctx context.Context, workspace string, order ClusterOrder, minSize, limit int) ([]*Cluster, error) {
	by := "size DESC, id"
	switch order {
	case BySize:
	case ByTrend:
		by = "trend DESC, size DESC, id"
	default:
		return nil, fmt.Errorf("unknown cluster order %q (size, trend)", order)
	}
	var rows []clusterRow
	err := db.x.SelectContext(ctx, &rows, `SELECT `+clusterColumns+` FROM clusters
		WHERE workspace = ? AND merged_into IS NULL AND size >= ? ORDER BY `+by+` LIMIT ?`, workspace, minSize, limit)
	if err != nil {
		return nil, fmt.Errorf("clusters of %s: %w", workspace, err)
	}
	return scanClusters(rows)
}

// ClustersToCheck returns the live clusters of workspace that changed since
// they were last checked for merges, highest priority first.
func (db *DB) ClustersToCheck(ctx context.Context, workspace string, limit int) ([]int64, error) {
	var ids []int64
	err := db.x.SelectContext(ctx, &ids, `SELECT id FROM clusters WHERE workspace = ? AND merged_into IS NULL
		AND priority > 0 ORDER BY priority DESC, id LIMIT ?`, workspace, limit)
	if err != nil {
		return nil, fmt.Errorf("clusters to check in %s: %w", workspace, err)
	}
	return ids, nil
}

// Checked marks a cluster as checked for merges.
func (tx *Tx) Checked(ctx context.Context, clusterID int64) error {
	if _, err := tx.exec(ctx, `UPDATE clusters SET priority = 0 WHERE id = ?`, clusterID); err != nil {
		return fmt.Errorf("mark cluster %d checked: %w", clusterID, err)
	}
	return nil
}
