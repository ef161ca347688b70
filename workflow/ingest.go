package workflow

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/timpani-dev/timpani/sources"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/raw"
)

// Ingester turns archived pages into content items.
type Ingester struct {
	DB      *store.DB
	Archive *raw.Archive
	Log     *slog.Logger
	// Resolve returns the configured source that archived a page, for its
	// extraction rules, and the workflow of the page's workspace.
	Resolve func(workspace, source string) (sources.Source, string, error)
	// Progress is called after every commit; may be nil.
	Progress func(IngestSummary)
}

// IngestFilter selects the pages to ingest.
type IngestFilter struct {
	Workspace string
	Source    string
	DateID    int
	// Force re-reads pages already ingested and resets their items to ready.
	Force bool
}

// IngestSummary counts what one Ingest did.
type IngestSummary struct {
	Pages     int      // pages read
	Records   int      // raw lines read
	Items     int      // items created (or reset, with Force)
	Existing  int      // items that were already there
	Failed    int      // items created in failed: unreadable records
	Problems  []string // pages that could not be read whole, with the reason
	PagesLeft int      // pages not yet ingested when it started
}

// commitEvery is how many items are committed together: big enough to
// amortise the durable commit, small enough to keep a kill cheap.
const commitEvery = 2000

// Ingest reads every pending page matching f (every page, with Force) and
// creates its items. A page's items and the mark that it was ingested are
// committed together, so a killed ingest redoes at most the pages it was
// holding and the uniqueness constraint keeps items from doubling. An
// unreadable record becomes a failed item with the reason; a truncated or
// corrupt file keeps what could be read and records the problem.
func (in *Ingester) Ingest(ctx context.Context, f IngestFilter) (IngestSummary, error) {
	var sum IngestSummary
	pages, err := in.DB.Pages(ctx, store.PageFilter{Workspace: f.Workspace, Source: f.Source, DateID: f.DateID, All: f.Force})
	if err != nil {
		return sum, err
	}
	sum.PagesLeft = len(pages)
	if len(pages) == 0 {
		return sum, nil
	}
	byWorkspace := map[string][]store.Page{}
	var order []string
	for _, p := range pages {
		if _, ok := byWorkspace[p.Workspace]; !ok {
			order = append(order, p.Workspace)
		}
		byWorkspace[p.Workspace] = append(byWorkspace[p.Workspace], p)
	}
	for _, ws := range order {
		if err := in.ingestWorkspace(ctx, ws, byWorkspace[ws], f.Force, &sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

type pageItems struct {
	page    store.Page
	items   []store.Item
	problem string
	records int
}

func (in *Ingester) ingestWorkspace(ctx context.Context, ws string, pages []store.Page, force bool, sum *IngestSummary) error {
	run := &store.Run{Kind: store.RunIngest, Workspace: ws, ReportedTotal: -1}
	if err := in.DB.Update(ctx, func(tx *store.Tx) error { return tx.StartRun(ctx, run) }); err != nil {
		return err
	}
	before := *sum
	replaced := map[string]bool{} // with force, each item is reset once even if repeated
	var pending []pageItems
	n := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := in.commit(ctx, pending, force, replaced, sum)
		pending, n = nil, 0
		if err == nil && in.Progress != nil {
			in.Progress(*sum)
		}
		return err
	}
	// Pages are read and parsed in a goroutine while the previous ones are
	// committed: the two halves of ingest cost about the same.
	type read struct {
		pi  pageItems
		err error
	}
	rctx, stop := context.WithCancel(ctx)
	reads := make(chan read, 8)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(reads)
		for _, p := range pages {
			pi, err := in.readPage(p)
			select {
			case reads <- read{pi, err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	})
	var err error
	for r := range reads {
		if err = r.err; err != nil {
			break
		}
		if err = ctx.Err(); err != nil {
			break
		}
		pending = append(pending, r.pi)
		n += len(r.pi.items)
		if n >= commitEvery {
			if err = flush(); err != nil {
				break
			}
		}
	}
	stop()
	wg.Wait()
	if err == nil {
		err = flush()
	}
	run.Pages = sum.Pages - before.Pages
	run.Records = sum.Records - before.Records
	run.Items = sum.Items - before.Items
	run.FailedItems = sum.Failed - before.Failed
	run.Status = store.RunCompleted
	if problems := sum.Problems[len(before.Problems):]; len(problems) > 0 {
		run.Error = strings.Join(problems, "; ")
	}
	if err != nil {
		run.Status, run.Error = store.RunFailed, err.Error()
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := in.DB.Update(cctx, func(tx *store.Tx) error { return tx.SaveRun(cctx, run) }); serr != nil && err == nil {
		err = serr
	}
	return err
}

// readPage reads one archived page into items. Only problems with the
// page's configuration (a source no longer configured) are errors; bad
// content is recorded on the items and the page.
func (in *Ingester) readPage(p store.Page) (pageItems, error) {
	out := pageItems{page: p}
	src, workflowName, err := in.Resolve(p.Workspace, p.Source)
	if err != nil {
		return out, fmt.Errorf("ingest %s: %w", p.Path, err)
	}
	r, err := in.Archive.OpenPage(p.Path)
	if err != nil {
		out.problem = err.Error()
		return out, nil
	}
	defer r.Close()
	base := store.Item{Workspace: p.Workspace, Source: p.Source, Query: p.Query, DateID: p.DateID, RunID: p.RunID,
		PageID: sql.NullInt64{Int64: p.ID, Valid: true}, Workflow: workflowName, State: store.Ready}
	for {
		line, num, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *raw.LineError
		if errors.As(err, &le) {
			out.records++
			out.items = append(out.items, failedItem(base, p, num, le.Raw, le.Err))
			continue
		}
		if err != nil {
			out.problem = err.Error()
			break
		}
		out.records++
		texts, err := src.Extract(line.Record)
		if err != nil {
			it := failedItem(base, p, num, line.Record, err)
			if line.RawID != "" {
				it.RawID = line.RawID
			}
			out.items = append(out.items, it)
			continue
		}
		fetched, err := time.Parse(time.RFC3339Nano, line.FetchedAt)
		if err != nil {
			fetched = p.CreatedAt.Time // the page's archive time is the next best thing
		}
		for _, t := range texts {
			it := base
			it.RawID, it.SourceField, it.RawCreatedAt = line.RawID, t.Field, store.T(fetched)
			it.RawText, it.Author, it.URL, it.Language = t.Text, t.Author, t.URL, t.Language
			it.PublishedAt = store.T(t.PublishedAt)
			out.items = append(out.items, it)
		}
	}
	return out, nil
}

// failedItem is the item an unreadable record becomes: failed from the
// start, with the file and line in its reason and the record as its text,
// identified by the record's hash so a re-ingest finds the same item.
func failedItem(base store.Item, p store.Page, line int, rawBytes []byte, cause error) store.Item {
	sum := sha256.Sum256(rawBytes)
	it := base
	it.RawID = "sha256:" + hex.EncodeToString(sum[:12])
	it.SourceField = "unreadable"
	it.RawText = string(rawBytes)
	it.RawCreatedAt = p.CreatedAt
	it.State = store.Failed
	it.LastError = fmt.Sprintf("%s:%d: %v", p.Path, line, cause)
	return it
}

func (in *Ingester) commit(ctx context.Context, pages []pageItems, force bool, replaced map[string]bool, sum *IngestSummary) error {
	var tally IngestSummary
	err := in.DB.Update(ctx, func(tx *store.Tx) error {
		tally = IngestSummary{}
		var fresh []*store.Item
		for _, pi := range pages {
			for i := range pi.items {
				it := &pi.items[i]
				key := it.Source + "\x00" + it.RawID + "\x00" + it.SourceField
				if force && !replaced[key] {
					replaced[key] = true
					done, err := tx.ReplaceItem(ctx, it)
					if err != nil {
						return err
					}
					if done {
						tally.count(it)
						continue
					}
				}
				fresh = append(fresh, it)
			}
		}
		inserted, err := tx.InsertItems(ctx, fresh)
		if err != nil {
			return err
		}
		for i, ok := range inserted {
			if ok {
				tally.count(fresh[i])
			} else {
				tally.Existing++
			}
		}
		for _, pi := range pages {
			if err := tx.MarkPageIngested(ctx, pi.page.ID, pi.problem); err != nil {
				return err
			}
			tally.Pages++
			tally.Records += pi.records
			if pi.problem != "" {
				tally.Problems = append(tally.Problems, pi.problem)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sum.Pages += tally.Pages
	sum.Records += tally.Records
	sum.Items += tally.Items
	sum.Existing += tally.Existing
	sum.Failed += tally.Failed
	sum.Problems = append(sum.Problems, tally.Problems...)
	for _, p := range tally.Problems {
		in.logger().Warn("page read in part", "err", p)
	}
	return nil
}

// count tallies an item created (or reset) by ingest.
func (s *IngestSummary) count(it *store.Item) {
	s.Items++
	if it.State == store.Failed {
		s.Failed++
	}
}

func (in *Ingester) logger() *slog.Logger {
	if in.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Log.With("component", "ingest")
}
