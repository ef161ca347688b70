package store

import (
	"database/sql"
	"errors"
)

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a compare-and-set found the row changed underneath:
	// another worker moved the item, or the lease was lost.
	ErrConflict = errors.New("conflict")
)

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
