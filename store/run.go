package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Run kinds.
const (
	RunFetch    = "fetch"
	RunIngest   = "ingest"
	RunWorkflow = "workflow"
	RunExpire   = "expire"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunCompleted = "completed"
	RunFailed    = "failed"
)

// Run is one fetch, ingest or workflow run with its counts.
type Run struct {
	ID             int64  `db:"id" json:"id"`
	Kind           string `db:"kind" json:"kind"`
	Workspace      string `db:"workspace" json:"workspace"`
	Source         string `db:"source" json:"source,omitempty"`
	Query          string `db:"query" json:"query,omitempty"`
	DateID         int    `db:"date_id" json:"date_id,omitempty"`
	WindowStart    Time   `db:"window_start" json:"window_start"`
	WindowEnd      Time   `db:"window_end" json:"window_end"`
	Status         string `db:"status" json:"status"`
	StartedAt      Time   `db:"started_at" json:"started_at"`
	EndedAt        Time   `db:"ended_at" json:"ended_at"`
	LeaseOwner     string `db:"lease_owner" json:"-"`
	LeaseUntil     Time   `db:"lease_until" json:"-"`
	Cursor         string `db:"cursor" json:"-"`
	Pages          int    `db:"pages" json:"pages"`
	Records        int    `db:"records" json:"records"`
	ReportedTotal  int    `db:"reported_total" json:"reported_total"`
	Items          int    `db:"items" json:"items"`
	FailedItems    int    `db:"failed_items" json:"failed_items"`
	Skipped        int    `db:"skipped" json:"skipped"`
	Retries        int    `db:"retries" json:"retries"`
	RateLimitWaits int    `db:"rate_limit_waits" json:"rate_limit_waits"`
	WindowsSplit   int    `db:"windows_split" json:"windows_split"`
	Error          string `db:"error" json:"error,omitempty"`
}

const runColumns = `id, kind, workspace, source, query, date_id, window_start, window_end, status, started_at,
	ended_at, lease_owner, lease_until, cursor, pages, records, reported_total, items, failed_items, skipped, retries,
	rate_limit_waits, windows_split, error`

// StartRun records r as running now and sets its ID.
func (tx *Tx) StartRun(ctx context.Context, r *Run) error {
	r.Status, r.StartedAt = RunRunning, T(tx.now)
	err := tx.tx.QueryRowxContext(ctx, `INSERT INTO runs (kind, workspace, source, query, date_id, window_start,
		window_end, status, started_at, lease_owner, lease_until, reported_total)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Kind, r.Workspace, r.Source, r.Query, r.DateID, r.WindowStart, r.WindowEnd, r.Status, r.StartedAt,
		r.LeaseOwner, r.LeaseUntil, r.ReportedTotal).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("start %s run: %w", r.Kind, err)
	}
	return nil
}

// SaveRun writes r's progress, counts and status. A run that is no longer
// running gets its end time.
func (tx *Tx) SaveRun(ctx context.Context, r *Run) error {
	if r.Status != RunRunning && r.EndedAt.IsZero() {
		r.EndedAt = T(tx.now)
	}
	_, err := tx.tx.ExecContext(ctx, `UPDATE runs SET status = ?, ended_at = ?, lease_owner = ?, lease_until = ?,
		cursor = ?, pages = ?, records = ?, reported_total = ?, items = ?, failed_items = ?, skipped = ?, retries = ?,
		rate_limit_waits = ?, windows_split = ?, error = ? WHERE id = ?`,
		r.Status, r.EndedAt, r.LeaseOwner, r.LeaseUntil, r.Cursor, r.Pages, r.Records, r.ReportedTotal, r.Items,
		r.FailedItems, r.Skipped, r.Retries, r.RateLimitWaits, r.WindowsSplit, r.Error, r.ID)
	if err != nil {
		return fmt.Errorf("save run %d: %w", r.ID, err)
	}
	return nil
}

// TakeRun leases run id to owner until the given time, if nobody else holds
// a live lease on it or its holder is known to be dead; ErrConflict
// otherwise. It is how interrupted runs are resumed.
func (tx *Tx) TakeRun(ctx context.Context, id int64, owner string, until time.Time, holderDead bool) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE runs SET lease_owner = ?, lease_until = ?, status = ?, ended_at = NULL
		WHERE id = ? AND (? OR lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`,
		owner, T(until), RunRunning, id, holderDead, owner, T(tx.now))
	if err != nil {
		return fmt.Errorf("take run %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("take run %d: %w", id, ErrConflict)
	}
	return nil
}

// FetchKey identifies the fetch of one query for one window.
type FetchKey struct {
	Workspace, Source, Query string
	DateID                   int
	Start, End               time.Time
}

// LatestFetchRun returns the newest fetch run for key, or ErrNotFound.
func (db *DB) LatestFetchRun(ctx context.Context, k FetchKey) (Run, error) {
	var r Run
	err := db.x.GetContext(ctx, &r, `SELECT `+runColumns+` FROM runs WHERE kind = 'fetch'
		AND workspace = ? AND source = ? AND query = ? AND date_id = ? AND window_start = ? AND window_end = ?
		ORDER BY id DESC LIMIT 1`, k.Workspace, k.Source, k.Query, k.DateID, T(k.Start), T(k.End))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("fetch run %s/%s/%s/%d: %w", k.Workspace, k.Source, k.Query, k.DateID, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("fetch run %s/%s/%s/%d: %w", k.Workspace, k.Source, k.Query, k.DateID, err)
	}
	return r, nil
}

// RunFilter selects runs; zero fields match everything.
type RunFilter struct {
	Workspace string
	Kind      string
	Limit     int
}

// Runs returns runs matching f, newest first.
func (db *DB) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	var rs []Run
	err := db.x.SelectContext(ctx, &rs, `SELECT `+runColumns+` FROM runs
		WHERE (? = '' OR workspace = ?) AND (? = '' OR kind = ?) ORDER BY id DESC LIMIT ?`,
		f.Workspace, f.Workspace, f.Kind, f.Kind, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	return rs, nil
}

// Counts says what a run did in words: pages, records and what the source
// reported for a fetch (with its skips, retries, waits and splits), items
// for an ingest, transitions for a workflow run.
func (r Run) Counts() string {
	var parts []string
	switch r.Kind {
	case RunFetch:
		parts = append(parts, fmt.Sprintf("%d pages, %d records", r.Pages, r.Records))
		if r.ReportedTotal >= 0 {
			parts = append(parts, fmt.Sprintf("source reported %d", r.ReportedTotal))
		}
		for _, c := range []struct {
			n    int
			what string
		}{{r.Skipped, "bad records skipped"}, {r.Retries, "retries"}, {r.RateLimitWaits, "rate-limit waits"}, {r.WindowsSplit, "windows split"}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
			}
		}
	case RunIngest:
		parts = append(parts, fmt.Sprintf("%d pages, %d records, %d items, %d unreadable", r.Pages, r.Records, r.Items, r.FailedItems))
	default:
		parts = append(parts, fmt.Sprintf("%d transitions, %d failed", r.Items, r.FailedItems))
	}
	return strings.Join(parts, "; ")
}
