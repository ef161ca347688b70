// Package store owns timpani's SQLite database: the schema, its migrations
// and every SQL statement. It knows nothing about workflow semantics: which
// transitions are legal is the workflow package's business.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// SchemaVersion is the name of the newest migration this build knows.
var SchemaVersion = latestMigration()

// DB is an open timpani database.
type DB struct {
	x     *sqlx.DB
	stmts sync.Map // query text -> *sqlx.Stmt, prepared once per DB
	// writeMu queues this process's writers in Go: SQLite's busy handler
	// would otherwise make them poll for the lock with sleeps.
	writeMu sync.Mutex
	// writer is the one connection every write transaction of this process
	// uses, held under writeMu. In WAL mode a connection drops its whole
	// page cache when another one has committed since its last transaction:
	// writes spread over the pool found their cache cold every few commits,
	// and a million-item run spent 40 s of CPU re-reading pages.
	writer *sqlx.Conn
	// Now is the clock every write uses; tests replace it.
	Now func() time.Time

	// wrote wakes the checkpointer after a commit; stop and stopped end it.
	wrote   chan struct{}
	stop    context.CancelFunc
	stopped chan struct{}
}

// Options tune how the database is opened.
type Options struct {
	// ReadOnly opens the file for reading only (the viewer's connection).
	ReadOnly bool
	// AppVersion is recorded in the meta table when the schema is migrated.
	AppVersion string
}

// fileURI is path as an SQLite URI filename. Its '?' would start the
// parameters and its '#' a fragment, so a folder named "run#2" would open
// (or create) the database "run"; '%' starts an escape.
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Open opens (creating if needed) the database at path and applies every
// pending migration. Commits are durable: WAL with synchronous=FULL.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	// Statement journals (multi-row inserts and upserts write one) stay in
	// memory instead of a temporary file, and a 64 MiB page cache instead of
	// 2 MiB keeps the keyword and vector indexes' hot pages: together a
	// quarter off the workflow's commits. The cache fills only as pages are read.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_txlock", "immediate")
	if opt.ReadOnly {
		q.Add("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		// Writers never copy the log into the database themselves: the
		// checkpointer does, beside them (see checkpoints).
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	x, err := sqlx.Open("sqlite", fileURI(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer at a time is all SQLite allows; a small pool of readers
	// lets the viewer answer while a run commits.
	x.SetMaxOpenConns(8)
	x.SetConnMaxIdleTime(time.Minute)
	db := &DB{x: x, Now: time.Now}
	if err := db.ping(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !opt.ReadOnly {
		if err := db.migrate(ctx, opt.AppVersion); err != nil {
			x.Close()
			return nil, fmt.Errorf("migrate %s: %w", path, err)
		}
		var cctx context.Context
		cctx, db.stop = context.WithCancel(context.Background())
		db.wrote, db.stopped = make(chan struct{}, 1), make(chan struct{})
		go db.checkpoints(cctx)
	}
	return db, nil
}

// checkpointPause is the least time between checkpoints: the commits of
// that time are copied together, a page written by several of them once.
const checkpointPause = 250 * time.Millisecond

// checkpoints copies committed pages from the write-ahead log into the
// database file after commits, at most every checkpointPause, until Close.
// SQLite would otherwise make the committing writer do it every 4 MB of
// log, holding the write lock: at a million items that was 8% of a
// workflow's time, which a checkpoint on the other core takes off the
// writer. A passive checkpoint never waits for readers or writers; what it
// cannot copy yet (pages a reader still needs) the next one does, and the
// log restarts from its beginning once all of it is copied. A failed
// checkpoint only leaves the log longer until the next.
func (db *DB) checkpoints(ctx context.Context) {
	defer close(db.stopped)
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.wrote:
		}
		db.x.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		select {
		case <-ctx.Done():
			return
		case <-time.After(checkpointPause):
		}
	}
}

// Close closes the database. The last connection to close copies what is
// left of the log into the database file.
func (db *DB) Close() error {
	if db.stop != nil {
		db.stop()
		<-db.stopped
	}
	db.writeMu.Lock()
	if db.writer != nil {
		db.writer.Close()
		db.writer = nil
	}
	db.writeMu.Unlock()
	db.stmts.Range(func(_, v any) bool {
		v.(*sqlx.Stmt).Close()
		return true
	})
	return db.x.Close()
}

// Tx is a write transaction. Its methods are the only way rows change.
type Tx struct {
	tx  *sqlx.Tx
	db  *DB
	now time.Time
	// committed run after a successful commit, in order, and rolledBack
	// after a rollback, in reverse, still holding this process's write
	// lock: in-memory state that mirrors the rows (the clustering index)
	// stays in step with them.
	committed  []func()
	rolledBack []func()
}

// AfterCommit registers fn to run once the transaction has committed. It
// never runs if the transaction rolls back.
func (tx *Tx) AfterCommit(fn func()) { tx.committed = append(tx.committed, fn) }

// AfterRollback registers fn to run if the transaction rolls back, to undo
// in-memory changes made in step with its rows.
func (tx *Tx) AfterRollback(fn func()) { tx.rolledBack = append(tx.rolledBack, fn) }

// Now is the time the transaction stamps on what it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// Update runs fn in one immediate (write-locked) transaction and commits it
// when fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	t := &Tx{tx: tx, db: db, now: db.Now().UTC()}
	undo := func() {
		for i := len(t.rolledBack) - 1; i >= 0; i-- {
			t.rolledBack[i]()
		}
	}
	if err := fn(t); err != nil {
		undo()
		return err
	}
	if err := tx.Commit(); err != nil {
		undo()
		return fmt.Errorf("commit: %w", err)
	}
	select {
	case db.wrote <- struct{}{}:
	default: // a checkpoint is due already
	}
	for _, f := range t.committed {
		f()
	}
	return nil
}

// lockPatience is how long a writer keeps asking for the write lock while
// other processes hold it in turn, before it reports the database busy.
const lockPatience = 2 * time.Minute

// begin starts a write transaction on the writer connection; the caller
// holds writeMu. SQLite's busy handler waits up to busy_timeout for the
// lock, polling with sleeps, and under steady load from another process it
// can lose every race for that long; asking again keeps a second `run` on
// the same file working instead of failing.
func (db *DB) begin(ctx context.Context) (*sqlx.Tx, error) {
	deadline := time.Now().Add(lockPatience)
	pause := 5 * time.Millisecond
	for {
		fresh := db.writer == nil
		if fresh {
			c, err := db.x.Connx(ctx)
			if err != nil {
				return nil, err
			}
			db.writer = c
		}
		tx, err := db.writer.BeginTxx(ctx, nil)
		if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
			db.writer.Close() // it broke: the next try takes a new one
			db.writer = nil
			if !fresh {
				continue
			}
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause + time.Duration(rand.Int64N(int64(pause)))):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// ping opens the first connection. Setting up a connection (its pragmas:
// switching a new file to WAL) can meet SQLITE_BUSY without SQLite's busy
// handler waiting, when another process is opening or migrating the same
// file at that moment; it asks again, as begin does.
func (db *DB) ping(ctx context.Context) error {
	deadline := time.Now().Add(lockPatience)
	pause := 5 * time.Millisecond
	for {
		err := db.x.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause + time.Duration(rand.Int64N(int64(pause)))):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// stmt returns query prepared within tx, preparing it once per database:
// parsing SQL is a large share of the cost of the engine's small, frequent
// statements.
func (tx *Tx) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	v, ok := tx.db.stmts.Load(query)
	if !ok {
		s, err := tx.db.x.PreparexContext(ctx, query)
		if err != nil {
			return nil, err
		}
		if v, ok = tx.db.stmts.LoadOrStore(query, s); ok {
			s.Close()
		}
	}
	return tx.tx.StmtxContext(ctx, v.(*sqlx.Stmt)), nil
}

// exec runs a hot statement through the prepared-statement cache.
func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (db *DB) migrate(ctx context.Context, appVersion string) error {
	names, err := migrationNames()
	if err != nil {
		return err
	}
	if _, err := db.x.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`); err != nil {
		return err
	}
	var applied []string
	if err := db.x.SelectContext(ctx, &applied, `SELECT name FROM schema_migrations`); err != nil {
		return err
	}
	// after holds the Go steps that run right after a migration's SQL, in
	// its transaction: what SQL alone cannot do, such as indexing the
	// existing items for search.
	after := map[string]func(context.Context, *Tx) error{
		"0003_search.sql":           backfillSearch,
		"0007_keyword_postings.sql": backfillKeywordPostings,
	}
	done := make(map[string]bool, len(applied))
	for _, n := range applied {
		done[n] = true
	}
	for _, n := range applied {
		if !slices.Contains(names, n) {
			return fmt.Errorf("database has migration %s that this build does not know: it was written by a newer timpani", n)
		}
	}
	for _, name := range names {
		if done[name] {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return err
		}
		err = db.Update(ctx, func(tx *Tx) error {
			// Another process may have applied it since we looked.
			var n int
			if err := tx.tx.GetContext(ctx, &n, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name); err != nil || n > 0 {
				return err
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if step := after[name]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
				name, fmtTime(tx.now))
			return err
		})
		if err != nil {
			return err
		}
	}
	return db.Update(ctx, func(tx *Tx) error {
		for k, v := range map[string]string{"schema_version": SchemaVersion, "app_version": appVersion} {
			if _, err := tx.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Meta returns a value recorded in the meta table (schema_version, app_version).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.x.GetContext(ctx, &v, `SELECT value FROM meta WHERE key = ?`, key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("meta %s: %w", key, ErrNotFound)
	}
	return v, err
}

func migrationNames() ([]string, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func latestMigration() string {
	names, err := migrationNames()
	if err != nil || len(names) == 0 {
		panic("store: no embedded migrations")
	}
	return strings.TrimSuffix(names[len(names)-1], ".sql")
}
