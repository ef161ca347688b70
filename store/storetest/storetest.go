// Package storetest opens fresh test databases quickly. Migrating a new
// database costs a third of a second under -race, and the packages' tests
// open hundreds, so each test binary migrates one template per app version
// and every new test database starts as a copy of it.
package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/timpani-dev/timpani/store"
)

var templates struct {
	mu    sync.Mutex
	dir   string
	paths map[string]string // app version -> migrated template
}

// Main runs a package's tests and removes the templates afterwards; call
// it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	templates.mu.Lock()
	if templates.dir != "" {
		os.RemoveAll(templates.dir)
	}
	templates.mu.Unlock()
	os.Exit(code)
}

// Open opens the database at path, closed when the test ends. A file that
// does not exist yet starts as a copy of a migrated template, which is
// what store.Open would have made of it.
func Open(tb testing.TB, path string, opt store.Options) *store.DB {
	tb.Helper()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !opt.ReadOnly {
		if err := copyTemplate(path, opt.AppVersion); err != nil {
			tb.Fatal(err)
		}
	}
	db, err := store.Open(tb.Context(), path, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func copyTemplate(path, version string) error {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if templates.dir == "" {
		dir, err := os.MkdirTemp("", "timpani-migrated-")
		if err != nil {
			return err
		}
		templates.dir, templates.paths = dir, map[string]string{}
	}
	tmpl, ok := templates.paths[version]
	if !ok {
		tmpl = filepath.Join(templates.dir, fmt.Sprintf("%d.db", len(templates.paths)))
		db, err := store.Open(context.Background(), tmpl, store.Options{AppVersion: version})
		if err != nil {
			return fmt.Errorf("migrate a template database: %w", err)
		}
		if err := db.Close(); err != nil { // checkpoints the log into the file
			return err
		}
		templates.paths[version] = tmpl
	}
	b, err := os.ReadFile(tmpl)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	return renewDatabaseID(path)
}

// renewDatabaseID gives a copy the identity of its own, as migrating it
// would have: files derived from a database (saved indexes) carry its id,
// and tests rely on another database's files being refused.
func renewDatabaseID(path string) error {
	x, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer x.Close()
	if _, err := x.Exec(`UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'database_id'`); err != nil {
		return fmt.Errorf("new database id for %s: %w", path, err)
	}
	return x.Close()
}
