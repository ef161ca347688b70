package workflow

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/sources"
	"github.com/timpani-dev/timpani/store"
)

func target(src sources.Source) FetchTarget {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return FetchTarget{Workspace: "ws", SourceName: "mem", Source: src, Query: "q", Value: "v", DateID: 20240301,
		Start: day, End: day.AddDate(0, 0, 1)}
}

func TestFetchResumesAfterAFailureWithoutArchivingAPageTwice(t *testing.T) {
	db, arc := mustDB(t), mustArchive(t)
	src := &memSource{pages: [][]string{{"a", "b"}, {"c"}, {"d", "e"}, {"f"}}, failAt: 2}
	f := &Fetcher{DB: db, Archive: arc, Owner: NewOwner(), Log: testLog(t)}
	run, err := f.Fetch(t.Context(), target(src))
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("first fetch: err = %v; want the page failure", err)
	}
	if run.Status != store.RunFailed || run.Pages != 2 || run.Cursor != "2" {
		t.Fatalf("after failure: %+v; want failed with 2 pages and cursor 2", run)
	}
	calls := src.calls
	run, err = f.Fetch(t.Context(), target(src))
	if err != nil {
		t.Fatal(err)
	}
	if src.calls-calls != 2 {
		t.Errorf("resume fetched %d pages; want the 2 missing ones", src.calls-calls)
	}
	if run.Status != store.RunCompleted || run.Pages != 4 || run.Records != 6 || run.ReportedTotal != 6 {
		t.Errorf("resumed run = %+v; want completed, 4 pages, 6 records of 6 reported", run)
	}
	pages, _ := db.Pages(t.Context(), store.PageFilter{})
	if len(pages) != 4 {
		t.Fatalf("archived %d pages; want 4", len(pages))
	}
	for i, p := range pages {
		if p.Page != i || p.RunID != run.ID {
			t.Errorf("page %d = %+v", i, p)
		}
		if _, err := os.Stat(filepath.Join(arc.Dir(), p.Path)); err != nil {
			t.Errorf("page file: %v", err)
		}
	}
	if _, err := f.Fetch(t.Context(), target(src)); !errors.Is(err, ErrAlreadyFetched) {
		t.Errorf("third fetch: err = %v; want ErrAlreadyFetched", err)
	}
	forced := target(src)
	forced.Force, forced.Limit = true, 3
	run, err = f.Fetch(t.Context(), forced)
	if err != nil || run.Records != 3 {
		t.Errorf("forced fetch with limit 3: %d records, %v", run.Records, err)
	}
}

func TestFetchOfAWindowHeldByALiveProcessIsRefused(t *testing.T) {
	db, arc := mustDB(t), mustArchive(t)
	src := &memSource{pages: [][]string{{"a"}, {"b"}}, failAt: 1}
	other := &Fetcher{DB: db, Archive: arc, Owner: "otherhost:1:x", Log: testLog(t)}
	other.Fetch(t.Context(), target(src))
	// Simulate the other process still holding its run (it died mid-page on another host).
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		r, err := db.LatestFetchRun(t.Context(), store.FetchKey{Workspace: "ws", Source: "mem", Query: "q", DateID: 20240301,
			Start: target(src).Start, End: target(src).End})
		if err != nil {
			return err
		}
		return tx.TakeRun(t.Context(), r.ID, "otherhost:1:x", tx.Now().Add(time.Hour), false)
	})
	if err != nil {
		t.Fatal(err)
	}
	me := &Fetcher{DB: db, Archive: arc, Owner: NewOwner(), Log: testLog(t)}
	if _, err := me.Fetch(t.Context(), target(src)); !errors.Is(err, ErrBusy) {
		t.Errorf("err = %v; want ErrBusy", err)
	}
}

func TestIngestIsIdempotentAndKeepsBadRecordsAsFailedItems(t *testing.T) {
	db, arc := mustDB(t), mustArchive(t)
	src := &memSource{pages: [][]string{{"a", "b"}, {"c"}}, failAt: -1}
	f := &Fetcher{DB: db, Archive: arc, Owner: NewOwner(), Log: testLog(t)}
	if _, err := f.Fetch(t.Context(), target(src)); err != nil {
		t.Fatal(err)
	}
	// A third page, written by hand: a good line, a malformed line, a record
	// the source cannot read, and then the file is cut short.
	body := `{"run_id":1,"raw_id":"d","record":{"id":"d","text":"fine","published_at":"2024-03-01T10:00:00Z"}}` + "\n" +
		"{broken json\n" +
		`{"run_id":1,"raw_id":"e","record":{"id":"e","text":"bad date","published_at":"yesterday"}}` + "\n" +
		strings.Repeat(`{"run_id":1,"raw_id":"f","record":{"id":"f","text":"x","published_at":"2024-03-01T10:00:00Z"}}`+"\n", 50)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(body))
	zw.Close()
	cut := buf.Bytes()[:buf.Len()-20]
	rel := "workspace=ws/source=mem/date_id=20240301/query=q/run-000001-page-00002.jsonl.gz"
	if err := os.WriteFile(filepath.Join(arc.Dir(), rel), cut, 0o644); err != nil {
		t.Fatal(err)
	}
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.InsertPage(t.Context(), &store.Page{RunID: 1, Page: 2, Workspace: "ws", Source: "mem", Query: "q",
			DateID: 20240301, Path: rel, SHA256: "x", Records: 53, Bytes: int64(len(cut))})
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &Ingester{DB: db, Archive: arc, Log: testLog(t),
		Resolve: func(ws, s string) (sources.Source, string, error) { return src, "demo", nil }}
	sum, err := in.Ingest(t.Context(), IngestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pages != 3 || sum.Items != 7 || sum.Failed != 2 || len(sum.Problems) != 1 {
		t.Fatalf("summary = %+v; want 3 pages, 7 items (a b c d f + 2 unreadable), 1 problem", sum)
	}
	if !strings.Contains(sum.Problems[0], rel) || !strings.Contains(sum.Problems[0], "truncated") {
		t.Errorf("problem = %q; want the file named and 'truncated'", sum.Problems[0])
	}
	counts := stateCounts(t, db, "ws")
	if counts[store.Ready] != 5 || counts[store.Failed] != 2 {
		t.Errorf("states = %v; want 5 ready, 2 failed", counts)
	}
	fails, _ := db.Failures(t.Context(), 10)
	var reasons []string
	for _, f := range fails {
		reasons = append(reasons, f.Reason)
	}
	joined := strings.Join(reasons, "\n")
	if !strings.Contains(joined, rel+":2:") || !strings.Contains(joined, rel+":3: published_at") {
		t.Errorf("failure reasons = %q; want file:line for the broken line and the bad date", joined)
	}
	again, err := in.Ingest(t.Context(), IngestFilter{})
	if err != nil || again.Pages != 0 {
		t.Errorf("second ingest read %d pages, %v; want nothing to do", again.Pages, err)
	}
	forced, err := in.Ingest(t.Context(), IngestFilter{Force: true})
	if err != nil || forced.Pages != 3 || forced.Items != 7 {
		t.Errorf("forced ingest = %+v, %v; want the 7 items reset", forced, err)
	}
	if counts := stateCounts(t, db, "ws"); counts[store.Ready] != 5 || counts[store.Failed] != 2 {
		t.Errorf("after forced ingest states = %v; want still 5 ready, 2 failed (nothing doubled)", counts)
	}
}
