package store

import (
	"context"
	"strings"
)

// rowsPerStatement bounds multi-row statements: large enough that the
// per-statement cost vanishes, small enough to stay far below SQLite's
// limit on bound parameters.
const rowsPerStatement = 100

// valuesList is "(?, ?), (?, ?)" for n rows of width columns.
func valuesList(n, width int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// chunks calls fn with the rows in groups of at most rowsPerStatement and
// the statement's VALUES list for that group. Statements are cached per
// text, so a few shapes are prepared once and reused.
func chunks[T any](rows []T, width int, fn func(part []T, values string) error) error {
	for i := 0; i < len(rows); i += rowsPerStatement {
		part := rows[i:min(i+rowsPerStatement, len(rows))]
		if err := fn(part, valuesList(len(part), width)); err != nil {
			return err
		}
	}
	return nil
}

// selectRows runs a cached statement and scans its rows into dest.
func (tx *Tx) selectRows(ctx context.Context, dest any, query string, args ...any) error {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return err
	}
	return s.SelectContext(ctx, dest, args...)
}
