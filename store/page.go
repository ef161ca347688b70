package store

import (
	"context"
	"fmt"
)

// Page is one archived page of raw records.
type Page struct {
	ID          int64  `db:"id" json:"id"`
	RunID       int64  `db:"run_id" json:"run_id"`
	Page        int    `db:"page" json:"page"`
	Workspace   string `db:"workspace" json:"workspace"`
	Source      string `db:"source" json:"source"`
	Query       string `db:"query" json:"query"`
	DateID      int    `db:"date_id" json:"date_id"`
	Path        string `db:"path" json:"path"`
	SHA256      string `db:"sha256" json:"sha256"`
	Records     int    `db:"records" json:"records"`
	Bytes       int64  `db:"bytes" json:"bytes"`
	CreatedAt   Time   `db:"created_at" json:"created_at"`
	IngestedAt  Time   `db:"ingested_at" json:"ingested_at"`
	IngestError string `db:"ingest_error" json:"ingest_error,omitempty"`
}

const pageColumns = `id, run_id, page, workspace, source, query, date_id, path, sha256, records, bytes,
	created_at, ingested_at, ingest_error`

// InsertPage records an archived page and sets its ID. Call it only once the
// file is durably in place.
func (tx *Tx) InsertPage(ctx context.Context, p *Page) error {
	p.CreatedAt = T(tx.now)
	err := tx.tx.QueryRowxContext(ctx, `INSERT INTO raw_pages (run_id, page, workspace, source, query, date_id,
		path, sha256, records, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.RunID, p.Page, p.Workspace, p.Source, p.Query, p.DateID, p.Path, p.SHA256, p.Records, p.Bytes,
		p.CreatedAt).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("record page %s: %w", p.Path, err)
	}
	return nil
}

// PageFilter selects archived pages; zero fields match everything.
type PageFilter struct {
	Workspace string
	Source    string
	DateID    int
	// All includes pages already ingested (a forced re-ingest).
	All bool
}

// Pages returns the pages matching f in archive order.
func (db *DB) Pages(ctx context.Context, f PageFilter) ([]Page, error) {
	var ps []Page
	err := db.x.SelectContext(ctx, &ps, `SELECT `+pageColumns+` FROM raw_pages
		WHERE (? = '' OR workspace = ?) AND (? = '' OR source = ?) AND (? = 0 OR date_id = ?)
		AND (? OR ingested_at IS NULL) ORDER BY id`,
		f.Workspace, f.Workspace, f.Source, f.Source, f.DateID, f.DateID, f.All)
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	return ps, nil
}

// MarkPageIngested records that a page's records are items, with the
// problem that stopped part of it from being read, if any.
func (tx *Tx) MarkPageIngested(ctx context.Context, id int64, problem string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE raw_pages SET ingested_at = ?, ingest_error = ? WHERE id = ?`,
		T(tx.now), problem, id)
	if err != nil {
		return fmt.Errorf("mark page %d ingested: %w", id, err)
	}
	return nil
}

// Page returns the archived page with id.
func (db *DB) Page(ctx context.Context, id int64) (Page, error) {
	var p Page
	err := db.x.GetContext(ctx, &p, `SELECT `+pageColumns+` FROM raw_pages WHERE id = ?`, id)
	if err != nil {
		return Page{}, fmt.Errorf("page %d: %w", id, notFound(err))
	}
	return p, nil
}
