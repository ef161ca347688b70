package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ServiceHealth is how calls to one remote model service went. As an
// argument to AddServiceHealth, Calls and Failures are increments.
type ServiceHealth struct {
	Service   string `db:"service" json:"service"`
	Kind      string `db:"kind" json:"kind"`
	Calls     int64  `db:"calls" json:"calls"`
	Failures  int64  `db:"failures" json:"failures"`
	LastOK    Time   `db:"last_ok_at" json:"last_ok_at"`
	LastError Time   `db:"last_error_at" json:"last_error_at"`
	Error     string `db:"last_error" json:"last_error"`
}

// Failing reports whether the service's latest call failed.
func (h ServiceHealth) Failing() bool {
	return !h.LastError.IsZero() && h.LastError.After(h.LastOK.Time)
}

// AddServiceHealth adds calls and failures to each service's record and
// keeps the latest success and error.
func (tx *Tx) AddServiceHealth(ctx context.Context, hs []ServiceHealth) error {
	for _, h := range hs {
		_, err := tx.exec(ctx, `INSERT INTO service_health (service, kind, calls, failures, last_ok_at,
			last_error_at, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (service) DO UPDATE SET kind = excluded.kind,
				calls = calls + excluded.calls, failures = failures + excluded.failures,
				last_ok_at = max(coalesce(last_ok_at, ''), coalesce(excluded.last_ok_at, '')),
				last_error = CASE WHEN coalesce(excluded.last_error_at, '') > coalesce(last_error_at, '')
					THEN excluded.last_error ELSE last_error END,
				last_error_at = max(coalesce(last_error_at, ''), coalesce(excluded.last_error_at, '')),
				updated_at = excluded.updated_at`,
			h.Service, h.Kind, h.Calls, h.Failures, T(h.LastOK.Time), T(h.LastError.Time), h.Error, T(tx.now))
		if err != nil {
			return fmt.Errorf("service health of %s: %w", h.Service, err)
		}
	}
	return nil
}

// ServiceHealths lists every service's record by name.
func (db *DB) ServiceHealths(ctx context.Context) ([]ServiceHealth, error) {
	var out []ServiceHealth
	err := db.x.SelectContext(ctx, &out, `SELECT service, kind, calls, failures,
		nullif(last_ok_at, '') AS last_ok_at, nullif(last_error_at, '') AS last_error_at, last_error
		FROM service_health ORDER BY service`)
	if err != nil {
		return nil, fmt.Errorf("service health: %w", err)
	}
	return out, nil
}

// Secret returns the random secret recorded under name, creating it on
// first use. Every process on the data folder sees the same one, so a
// callback signed by `run` verifies in `serve`.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret:" + name
	var v string
	err := db.Update(ctx, func(tx *Tx) error {
		err := tx.tx.GetContext(ctx, &v, `SELECT value FROM meta WHERE key = ?`, key)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		v = hex.EncodeToString(b)
		_, err = tx.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, key, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return hex.DecodeString(v)
}

// Await is a claimed item handed to an asynchronous service: it stays in
// its state, leased to Owner (not a worker, so no runner takes it) until
// Until, when it becomes claimable again and is resubmitted.
type Await struct {
	ItemID int64
	State  State
	Owner  string // e.g. "await:presto"
	Until  time.Time
	Note   string // why it would be resubmitted, kept as its last error
}

// AwaitMany hands claimed items to their services as a compare-and-set on
// (state, lease owner) and returns the ids that moved.
func (tx *Tx) AwaitMany(ctx context.Context, owner string, aws []Await) ([]int64, error) {
	var moved []int64
	for _, a := range aws {
		res, err := tx.exec(ctx, `UPDATE items SET lease_owner = ?, lease_until = ?, last_error = ?, updated_at = ?
			WHERE id = ? AND state = ? AND lease_owner = ?`, a.Owner, T(a.Until), a.Note, T(tx.now), a.ItemID, a.State, owner)
		if err != nil {
			return nil, fmt.Errorf("await item %d: %w", a.ItemID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			moved = append(moved, a.ItemID)
		}
	}
	return moved, nil
}
