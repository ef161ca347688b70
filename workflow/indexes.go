package workflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
)

// Indexes keeps one nearest-neighbour index per (workspace, vector model),
// mirroring the stored vectors. Each is loaded from its saved file (or
// rebuilt from the database) on first use and caught up with whatever other
// processes added or deleted since, inside the transaction that uses it, so
// it never lags the rows it is compared with. Only committed vectors enter
// it. It is safe for concurrent use.
type Indexes struct {
	dir string // where indexes are saved; "" keeps them in memory only
	opt clustering.IndexOptions
	log *slog.Logger

	mu   sync.Mutex
	byWS map[indexKey]*liveIndex
}

type indexKey struct{ workspace, model string }

type liveIndex struct {
	idx           *clustering.Index
	lastVector    int64 // vectors up to this id are applied (or skipped as duplicates)
	lastTombstone int64 // tombstones up to this seq are applied
	dirty         bool  // changed since it was loaded or saved
}

// searchEf is the search beam clustering uses unless told otherwise: the
// index's default buys recall@10 of 0.95 for any query, but the cluster
// step and similar only want neighbours above a threshold, which a beam
// of 200 finds 98-99.5% of the time at half the cost (BENCHMARKS.md).
const searchEf = 200

// NewIndexes returns indexes saved under dir (none when dir is "").
func NewIndexes(dir string, opt clustering.IndexOptions, log *slog.Logger) *Indexes {
	if opt.EfSearch == 0 {
		opt.EfSearch = searchEf
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Indexes{dir: dir, opt: opt, log: log, byWS: map[indexKey]*liveIndex{}}
}

// catchUpBatch bounds the rows read per query while catching up.
const catchUpBatch = 2000

// current returns the index of workspace and model, loaded and caught up
// with everything committed before tx, except the vectors of skip (the
// items tx is clustering, which enter one by one). It must be called with
// tx holding the write lock, which is what keeps the index and the rows in
// step.
func (x *Indexes) current(ctx context.Context, tx *store.Tx, db *store.DB, workspace, model string, dim int, skip map[int64]bool) (*liveIndex, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := indexKey{workspace, model}
	li := x.byWS[k]
	if li == nil {
		li = x.load(ctx, db, k, dim)
		x.byWS[k] = li
	}
	if err := x.catchUp(ctx, tx, k, li, skip); err != nil {
		return nil, err
	}
	return li, nil
}

func (x *Indexes) catchUp(ctx context.Context, tx *store.Tx, k indexKey, li *liveIndex, skip map[int64]bool) error {
	for {
		ts, err := tx.TombstonesSince(ctx, k.model, li.lastTombstone, catchUpBatch)
		if err != nil {
			return err
		}
		for _, t := range ts {
			li.lastTombstone = t.Seq
			if !li.idx.Remove(t.ItemID) {
				continue
			}
			li.dirty = true
			// The item stood for its text; let a surviving copy stand in.
			if !t.TextHash.Valid || t.Workspace.String != k.workspace {
				continue
			}
			r, ok, err := tx.TextStandIn(ctx, k.workspace, k.model, t.TextHash.Int64)
			if err != nil {
				return err
			}
			if ok && !li.idx.Has(r.ItemID) && r.ID <= li.lastVector {
				if err := li.idx.Add(r.ItemID, r.Data); err != nil {
					return fmt.Errorf("index of %s: %w", k.workspace, err)
				}
			}
		}
		if len(ts) < catchUpBatch {
			break
		}
	}
	// The vectors this transaction wrote come last; its items enter the
	// index one by one as they are placed.
	before := int64(0)
	if len(skip) > 0 {
		var err error
		if before, err = tx.FirstVector(ctx, k.model, slices.Collect(maps.Keys(skip))); err != nil {
			return err
		}
	}
	for {
		rows, err := tx.VectorsSince(ctx, k.workspace, k.model, li.lastVector, before, catchUpBatch)
		if err != nil {
			return err
		}
		for _, r := range rows {
			li.lastVector = r.ID
			if skip[r.ItemID] || r.Dup || li.idx.Has(r.ItemID) || clustering.IsZero(r.Data) {
				continue
			}
			if len(r.Data) != li.idx.Dim() {
				return fmt.Errorf("vector of item %d by %s has %d dimensions, the index %d", r.ItemID, k.model, len(r.Data), li.idx.Dim())
			}
			if err := li.idx.Add(r.ItemID, r.Data); err != nil {
				return fmt.Errorf("index of %s: %w", k.workspace, err)
			}
			li.dirty = true
		}
		if len(rows) < catchUpBatch {
			return nil
		}
	}
}

// indexFile is where the index of k is saved.
func (x *Indexes) indexFile(k indexKey) string {
	return filepath.Join(x.dir, "workspace="+k.workspace, fileSafe(k.model)+".idx")
}

// fileSafe keeps letters, digits, '-', '_' and '.', replacing the rest.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// load reads the saved index of k, or starts an empty one that catching up
// fills from the database. A saved index of another database, or one that
// cannot be read, is ignored with a warning: it is only a cache.
func (x *Indexes) load(ctx context.Context, db *store.DB, k indexKey, dim int) *liveIndex {
	fresh := &liveIndex{idx: clustering.NewIndex(dim, x.opt)}
	if x.dir == "" {
		return fresh
	}
	path := x.indexFile(k)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fresh
	}
	if err != nil {
		x.log.WarnContext(ctx, "ignoring saved index", "file", path, "err", err)
		return fresh
	}
	defer f.Close()
	li, err := readSaved(ctx, bufio.NewReaderSize(f, 1<<20), db)
	if err != nil {
		x.log.WarnContext(ctx, "ignoring saved index; rebuilding it from the database", "file", path, "err", err)
		return fresh
	}
	if li.idx.Dim() != dim {
		x.log.WarnContext(ctx, "ignoring saved index of another dimension", "file", path, "dim", li.idx.Dim(), "want", dim)
		return fresh
	}
	return li
}

const savedMagic = "timpani-index-v1\n"

func readSaved(ctx context.Context, r io.Reader, db *store.DB) (*liveIndex, error) {
	var magic [len(savedMagic)]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != savedMagic {
		return nil, fmt.Errorf("not a saved timpani index")
	}
	var id string
	var li liveIndex
	if _, err := fmt.Fscanf(r, "%s %d %d\n", &id, &li.lastVector, &li.lastTombstone); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	want, err := db.DatabaseID(ctx)
	if err != nil {
		return nil, err
	}
	if id != want {
		return nil, fmt.Errorf("saved for database %s, not this one (%s)", id, want)
	}
	idx, err := clustering.ReadIndex(r)
	if err != nil {
		return nil, err
	}
	li.idx = idx
	return &li, nil
}

// Save writes every index that changed since it was loaded, each to a
// temporary file renamed into place, so a crash leaves the old one.
func (x *Indexes) Save(ctx context.Context, db *store.DB) error {
	if x.dir == "" {
		return nil
	}
	id, err := db.DatabaseID(ctx)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, li := range x.byWS {
		if !li.dirty {
			continue
		}
		if err := x.save(k, li, id); err != nil {
			return err
		}
		li.dirty = false
	}
	return nil
}

func (x *Indexes) save(k indexKey, li *liveIndex, dbID string) error {
	path := x.indexFile(k)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".index-*")
	if err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "%s%s %d %d\n", savedMagic, dbID, li.lastVector, li.lastTombstone)
	if _, err := li.idx.WriteTo(w); err != nil {
		f.Close()
		return fmt.Errorf("save index %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("save index %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save index %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save index %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	return nil
}

// Similar returns up to k items of workspace whose vectors by model score at
// least minScore against v, best first.
func (x *Indexes) Similar(ctx context.Context, db *store.DB, workspace, model string, v []float32, k int, minScore float64) ([]clustering.Match, error) {
	var out []clustering.Match
	err := db.Update(ctx, func(tx *store.Tx) error {
		li, err := x.current(ctx, tx, db, workspace, model, len(v), nil)
		if err != nil {
			return err
		}
		out = li.idx.Search(v, k, minScore)
		return nil
	})
	return out, err
}
