package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/timpani-dev/timpani/sources"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/raw"
)

// Fetcher archives what sources yield, page by page, checkpointing each page
// so a killed fetch resumes where it stopped and never archives a page twice.
type Fetcher struct {
	DB      *store.DB
	Archive *raw.Archive
	Owner   string
	Log     *slog.Logger
	// Lease is how long a fetch run is held between pages before another
	// process may resume it.
	Lease time.Duration
	// Progress is called after every archived page; may be nil.
	Progress func(FetchTarget, store.Run)
}

// FetchTarget is one query of one source for one day's window.
type FetchTarget struct {
	Workspace  string
	SourceName string // the source's name in the workspace config
	Source     sources.Source
	Query      string // the query's name
	Value      string // the query's value
	DateID     int    // YYYYMMDD partition
	Start, End time.Time
	Limit      int  // records; 0 for all
	Force      bool // fetch again even if the window was fetched
}

// ErrAlreadyFetched is returned when a window was fetched before and Force
// is not set.
var ErrAlreadyFetched = errors.New("already fetched")

// ErrBusy is returned when another live process is fetching the same window.
var ErrBusy = errors.New("being fetched by another process")

// Fetch runs or resumes the fetch of t and returns its run.
func (f *Fetcher) Fetch(ctx context.Context, t FetchTarget) (store.Run, error) {
	log := f.logger().With("workspace", t.Workspace, "source", t.SourceName, "query", t.Query, "date_id", t.DateID)
	lease := f.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	run, err := f.startOrResume(ctx, t, lease)
	if err != nil {
		return run, err
	}
	q := sources.Query{Name: t.Query, Value: t.Value, Start: t.Start, End: t.End, Limit: t.Limit}
	for {
		if t.Limit > 0 && run.Records >= t.Limit {
			break
		}
		page, err := t.Source.Fetch(ctx, q, run.Cursor)
		if err != nil {
			return run, f.fail(ctx, &run, fmt.Errorf("fetch page %d: %w", run.Pages, err))
		}
		if t.Limit > 0 && run.Records+len(page.Records) >= t.Limit {
			page.Records = page.Records[:t.Limit-run.Records]
			page.Next = ""
		}
		run.Retries += page.Stats.Retries
		run.RateLimitWaits += page.Stats.RateLimitWaits
		run.WindowsSplit += page.Stats.WindowsSplit
		if len(page.Problems) > 0 {
			// Records the source skipped (bad lines): counted on the run and
			// named in the log, never dropped silently.
			run.Skipped += len(page.Problems)
			log.WarnContext(ctx, "source skipped bad records", "records", len(page.Problems), "first", page.Problems[0])
		}
		if len(page.Records) > 0 {
			if err := f.archivePage(ctx, t, &run, page, lease); err != nil {
				return run, f.fail(ctx, &run, err)
			}
		}
		run.ReportedTotal = page.Total
		if page.Next == "" {
			break
		}
		if len(page.Records) == 0 {
			// A page with nothing on it but a next link still moves the cursor.
			run.Cursor = page.Next
		}
	}
	run.Status, run.LeaseOwner, run.LeaseUntil, run.Cursor = store.RunCompleted, "", store.Time{}, ""
	if err := f.DB.Update(ctx, func(tx *store.Tx) error { return tx.SaveRun(ctx, &run) }); err != nil {
		return run, err
	}
	log.InfoContext(ctx, "fetch finished", "run_id", run.ID, "pages", run.Pages, "records", run.Records, "reported_total", run.ReportedTotal)
	return run, nil
}

func (f *Fetcher) startOrResume(ctx context.Context, t FetchTarget, lease time.Duration) (store.Run, error) {
	key := store.FetchKey{Workspace: t.Workspace, Source: t.SourceName, Query: t.Query, DateID: t.DateID, Start: t.Start, End: t.End}
	prev, err := f.DB.LatestFetchRun(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return store.Run{}, err
	case prev.Status == store.RunCompleted && !t.Force:
		return prev, ErrAlreadyFetched
	case prev.Status != store.RunCompleted:
		// Resume an interrupted or failed run from its cursor.
		err := f.DB.Update(ctx, func(tx *store.Tx) error {
			return tx.TakeRun(ctx, prev.ID, f.Owner, tx.Now().Add(lease), ownerDead(prev.LeaseOwner, f.Owner))
		})
		if errors.Is(err, store.ErrConflict) {
			return prev, ErrBusy
		}
		if err != nil {
			return prev, err
		}
		prev.Status, prev.Error, prev.LeaseOwner = store.RunRunning, "", f.Owner
		prev.EndedAt = store.Time{}
		f.logger().InfoContext(ctx, "resuming fetch", "run_id", prev.ID, "pages", prev.Pages, "records", prev.Records)
		return prev, nil
	}
	run := store.Run{Kind: store.RunFetch, Workspace: t.Workspace, Source: t.SourceName, Query: t.Query,
		DateID: t.DateID, WindowStart: store.T(t.Start), WindowEnd: store.T(t.End), LeaseOwner: f.Owner, ReportedTotal: -1}
	err = f.DB.Update(ctx, func(tx *store.Tx) error {
		run.LeaseUntil = store.T(tx.Now().Add(lease))
		return tx.StartRun(ctx, &run)
	})
	return run, err
}

// archivePage writes the page file, then records it and the run's new
// cursor in one transaction: a crash between the two leaves an unrecorded
// file that the resumed run overwrites, never a row without its file.
func (f *Fetcher) archivePage(ctx context.Context, t FetchTarget, run *store.Run, page sources.Page, lease time.Duration) error {
	rel, err := raw.PagePath(t.Workspace, t.SourceName, t.Query, t.DateID, run.ID, run.Pages)
	if err != nil {
		return err
	}
	fetched := f.DB.Now().UTC().Format(store.TimeFormat)
	lines := make([]raw.Line, len(page.Records))
	for i, rec := range page.Records {
		if rec.ID == "" {
			return fmt.Errorf("page %d record %d: the source gave no id", run.Pages, i)
		}
		lines[i] = raw.Line{RunID: run.ID, Workspace: t.Workspace, Source: t.SourceName, Query: t.Query,
			DateID: t.DateID, Page: run.Pages, FetchedAt: fetched, RawID: rec.ID, Record: rec.Data}
	}
	w, err := f.Archive.WritePage(rel, lines)
	if err != nil {
		return err
	}
	next := *run
	next.Pages++
	next.Records += len(lines)
	next.Cursor = page.Next
	next.ReportedTotal = page.Total
	err = f.DB.Update(ctx, func(tx *store.Tx) error {
		p := store.Page{RunID: run.ID, Page: run.Pages, Workspace: t.Workspace, Source: t.SourceName, Query: t.Query,
			DateID: t.DateID, Path: rel, SHA256: w.SHA256, Records: len(lines), Bytes: w.Bytes}
		if err := tx.InsertPage(ctx, &p); err != nil {
			return err
		}
		next.LeaseUntil = store.T(tx.Now().Add(lease))
		return tx.SaveRun(ctx, &next)
	})
	if err != nil {
		return err
	}
	*run = next
	if f.Progress != nil {
		f.Progress(t, next)
	}
	return nil
}

func (f *Fetcher) fail(ctx context.Context, run *store.Run, cause error) error {
	run.Status, run.Error, run.LeaseOwner, run.LeaseUntil = store.RunFailed, cause.Error(), "", store.Time{}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := f.DB.Update(cctx, func(tx *store.Tx) error { return tx.SaveRun(cctx, run) }); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func (f *Fetcher) logger() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log.With("component", "fetch")
}
