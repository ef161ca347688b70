package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

const concurrencyConfig = `
[server]
addr = "%s"
process_every = "200ms"

[workspaces.news]
workflow = "demo"
[workspaces.news.sources.gen]
kind = "faker"
queries = { posts = "x" }
options = { seed = 3, items_per_day = %d, page_size = 200 }
`

// pageLoad reads viewer pages in a loop until stop closes, recording each
// page's latency and every answer that is not 200.
type pageLoad struct {
	mu      sync.Mutex
	times   []time.Duration
	bad     []string
	pending atomic.Int64
}

func (l *pageLoad) run(base string, stop <-chan struct{}, wg *sync.WaitGroup) {
	pages := []string{"/w/news/", "/w/news/clusters", "/w/news/clusters?sort=trend", "/w/news/content?q=the",
		"/w/news/content", "/w/news/keywords", "/w/news/status", "/api/w/news/clusters", "/api/w/news/content?q=water"}
	client := &http.Client{Timeout: 30 * time.Second}
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := pages[i%len(pages)]
			start := time.Now()
			resp, err := client.Get(base + p)
			d := time.Since(start)
			l.mu.Lock()
			switch {
			case err != nil:
				l.bad = append(l.bad, fmt.Sprintf("GET %s: %v", p, err))
			case resp.StatusCode != http.StatusOK:
				l.bad = append(l.bad, fmt.Sprintf("GET %s: %d", p, resp.StatusCode))
			default:
				l.times = append(l.times, d)
			}
			l.mu.Unlock()
			if resp != nil {
				resp.Body.Close()
			}
		}
	})
}

// quantiles returns the 50th, 95th and 100th percentile latencies.
func (l *pageLoad) quantiles() (p50, p95, p100 time.Duration, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := slices.Clone(l.times)
	slices.Sort(ts)
	if len(ts) == 0 {
		return 0, 0, 0, 0
	}
	at := func(q float64) time.Duration { return ts[min(len(ts)-1, int(q*float64(len(ts))))] }
	return at(0.5), at(0.95), ts[len(ts)-1], len(ts)
}

// TestFetchRunAndServeAtOnce runs fetch, two runs and serve (which also
// processes in the background) on one data folder at the same time while
// two readers load the viewer's pages: no process may fail or report a
// locked database, every page must answer, and in the end every item is
// done exactly once. TIMPANI_LOAD_ITEMS sets items per day (default 800,
// three days); the page latencies it logs are the figures in BENCHMARKS.md.
func TestFetchRunAndServeAtOnce(t *testing.T) {
	perDay := 800
	if v := os.Getenv("TIMPANI_LOAD_ITEMS"); v != "" {
		perDay, _ = strconv.Atoi(v)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(fmt.Sprintf(concurrencyConfig, addr, perDay)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A first day, so the viewer has something to show from the start.
	mustRunIn(t, dir, "fetch", "--date", "20240301")
	mustRunIn(t, dir, "run")

	serve := startBinary(t, dir, "serve")
	if !waitFor(t, serve, func() bool { code, _ := httpGet(t, "http://"+addr+"/healthz"); return code == 200 }) {
		t.Fatalf("serve did not start: %s", serve.stderr.String())
	}
	var load pageLoad
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		load.run("http://"+addr, stop, &readers)
	}
	start := time.Now()
	fetch := startBinary(t, dir, "fetch", "--from", "20240302", "--to", "20240304")
	run1 := startBinary(t, dir, "run", "--max-wait", "2s")
	// The second run starts once the fetch has archived something, so
	// that it races the first over the same items.
	time.Sleep(300 * time.Millisecond)
	run2 := startBinary(t, dir, "run", "--max-wait", "2s")
	for name, p := range map[string]*proc{"fetch": fetch, "run": run1, "second run": run2} {
		if err := p.wait(); err != nil {
			t.Errorf("%s failed while the others ran: %v", name, err)
		}
	}
	elapsed := time.Since(start)
	close(stop)
	readers.Wait()
	if err := serve.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.wait(); err != nil {
		t.Errorf("serve: %v", err)
	}
	// Items fetched after the runs finished, or that serve held when it
	// stopped (a run leaves items leased by a live worker to it), the last
	// run settles.
	mustRunIn(t, dir, "run")
	for name, p := range map[string]*proc{"fetch": fetch, "run": run1, "second run": run2, "serve": serve} {
		if s := p.stderr.String(); strings.Contains(s, "locked") || strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "level=ERROR") {
			t.Errorf("%s reported errors:\n%s", name, s)
		}
	}
	if len(load.bad) > 0 {
		t.Errorf("%d page loads failed under load, e.g. %v", len(load.bad), load.bad[:min(5, len(load.bad))])
	}
	db := openData(t, dir)
	items, _, states := count(t, db, "news")
	if states[store.Completed] != items || items < 3*perDay {
		t.Errorf("%d items, states %v; want all completed", items, states)
	}
	checkClusters(t, dir, items)
	mustRunIn(t, dir, "check", "--settled")
	p50, p95, p100, n := load.quantiles()
	t.Logf("%d items (fetch, 2 runs and serve at once) in %s; %d page loads under load: p50 %s, p95 %s, max %s",
		items, elapsed.Round(time.Millisecond), n, p50.Round(time.Millisecond), p95.Round(time.Millisecond), p100.Round(time.Millisecond))
}
