package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
)

const serveConfig = `
[server]
process_every = "100ms"

[workspaces.news]
workflow = "demo"
[workspaces.news.sources.gen]
kind = "faker"
queries = { posts = "x" }
options = { seed = 11, items_per_day = 120 }
`

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeProcessesWhatIsFetchedAndShowsIt fetches without running, then
// leaves the rest to serve: it must ingest and process in the background,
// show the result, export what the CLI exports, and stop cleanly on SIGTERM.
func TestServeProcessesWhatIsFetchedAndShowsIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(serveConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRunIn(t, dir, "fetch", "--from", "20240301", "--to", "20240303")
	addr := freeAddr(t)
	p := startBinary(t, dir, "serve", "--addr", addr)
	var status struct {
		States []store.StateCount `json:"states"`
	}
	done := waitFor(t, p, func() bool {
		code, body := httpGet(t, "http://"+addr+"/api/w/news/status")
		if code != 200 || json.Unmarshal([]byte(body), &status) != nil {
			return false
		}
		return len(status.States) == 1 && status.States[0].State == store.Completed
	})
	if !done {
		t.Fatalf("serve never completed the fetched items (states %+v): %s", status.States, p.stderr.String())
	}
	if status.States[0].Items < 300 {
		t.Errorf("completed %d items; want the three days fetched", status.States[0].Items)
	}
	for _, page := range []string{"/", "/w/news/", "/w/news/clusters?sort=trend", "/w/news/content?q=the", "/w/news/status"} {
		if code, body := httpGet(t, "http://"+addr+page); code != 200 {
			t.Errorf("GET %s = %d: %.300s", page, code, body)
		}
	}
	code, fromHTTP := httpGet(t, "http://"+addr+"/w/news/export/clusters?format=csv&min_size=2")
	if code != 200 {
		t.Fatalf("export over HTTP = %d", code)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(); err != nil {
		t.Fatalf("serve did not stop cleanly on SIGTERM: %v", err)
	}
	out := filepath.Join(dir, "clusters.csv")
	mustRunIn(t, dir, "export", "clusters", "--min-size", "2", "-o", out)
	fromCLI, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(fromCLI) != fromHTTP {
		t.Errorf("export clusters differs between the CLI and the viewer:\nCLI:\n%.500s\nHTTP:\n%.500s", fromCLI, fromHTTP)
	}
	rows, err := csv.NewReader(bytes.NewReader(fromCLI)).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Errorf("exported %d rows, err %v", len(rows), err)
	}
}

func TestServeRefusesToListenBeyondLoopbackWithoutTokens(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	_, stderr, code := runCLI(t, "serve", "--addr", "0.0.0.0:0", "--no-process")
	if code == 0 || !strings.Contains(stderr, "server.tokens") {
		t.Errorf("serve on 0.0.0.0 without tokens: exit %d, %q", code, stderr)
	}
	cfg := `[[server.tokens]]
env = "TIMPANI_TEST_TOKEN"
workspaces = ["demo"]
`
	if err := os.WriteFile("timpani.toml", []byte(strings.Replace(serveConfig, "[workspaces.news]", cfg+"\n[workspaces.news]", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(t, "serve", "--addr", "0.0.0.0:0", "--no-process")
	if code == 0 || !strings.Contains(stderr, `no workspace "demo" is configured`) {
		t.Errorf("token for an unknown workspace: exit %d, %q", code, stderr)
	}
	os.WriteFile("timpani.toml", []byte(strings.Replace(serveConfig, "[workspaces.news]", strings.Replace(cfg, "demo", "news", 1)+"\n[workspaces.news]", 1)), 0o644)
	t.Setenv("TIMPANI_TEST_TOKEN", "short")
	_, stderr, code = runCLI(t, "serve", "--addr", "0.0.0.0:0", "--no-process")
	if code == 0 || !strings.Contains(stderr, "at least 16 characters") {
		t.Errorf("a short token: exit %d, %q", code, stderr)
	}
}

// TestScheduleFetchesWhenDue runs serve's background loop with a clock
// that moves a minute per look: "* * * * *" is due every round, so fetch
// runs happen, and what they fetch gets processed.
func TestScheduleFetchesWhenDue(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("timpani.toml", []byte(serveConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	app, err := newApp(CLI{Quiet: true}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Config.Server.Schedule = "* * * * *"
	start := time.Date(2024, 3, 2, 10, 0, 30, 0, time.UTC)
	var minutes atomic.Int64
	app.Now = func() time.Time { return start.Add(time.Duration(minutes.Add(1)) * time.Minute) }
	if err := app.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	acts := &viewerActions{app: app}
	finished := make(chan struct{})
	go func() { acts.background(ctx); close(finished) }()
	deadline := time.After(30 * time.Second)
	for {
		runs, err := app.db.Runs(t.Context(), store.RunFilter{Workspace: "news", Kind: store.RunFetch})
		if err != nil {
			t.Fatal(err)
		}
		counts, _ := app.db.StateCounts(t.Context())
		if len(runs) > 0 && len(counts) == 1 && counts[0].State == store.Completed {
			if runs[0].DateID != 20240301 {
				t.Errorf("scheduled fetch was for %d; want yesterday of the clock, 20240301", runs[0].DateID)
			}
			break
		}
		select {
		case <-deadline:
			t.Fatalf("no scheduled fetch was processed: runs %+v, states %+v; log: %s", runs, counts, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	<-finished
}
