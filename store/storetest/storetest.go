// Package storetest opens fresh test databases quickly. Migrating a new
// database costs a third of a second under -race, and the packages' tests
// open hundreds, so each test binary migrates one template per app version
// and every new test database starts as a copy of it.
package storetest

import (
	"context"
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
	return os.WriteFile(path, b, 0o644)
}
