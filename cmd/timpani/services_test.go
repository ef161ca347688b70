package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// fakeOpenAI answers /v1/embeddings the way OpenAI-compatible servers do,
// with the built-in lexical embedder's vectors, so that clusters are real.
func fakeOpenAI(t *testing.T, key string) (*httptest.Server, *atomic.Int64) {
	var texts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/embeddings" || r.Header.Get("Authorization") != "Bearer "+key {
			http.Error(w, `{"error": {"message": "not found or unauthorised"}}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type datum struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []datum
		for i, in := range req.Input {
			data = append(data, datum{Object: "embedding", Index: i, Embedding: lexembed.Embed(in)})
		}
		texts.Add(int64(len(req.Input)))
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}})
	}))
	t.Cleanup(srv.Close)
	return srv, &texts
}

const remoteConfig = `
[server]
addr = "%s"
process_every = "100ms"

[engine]
backoff = "200ms"

[services.presto]
kind = "presto"
url = "http://%s"
callback_deadline = "1m"

[services.embedder]
kind = "openai"
url = "%s/v1"
model = "lex-remote"
api_key_env = "TIMPANI_TEST_EMBEDDER_KEY"

[workflows.meedan-remote]
description = "the meedan workflow on remote services"
steps = [
	{ state = "keyworded", action = "keywords", service = "presto" },
	{ state = "vectorized", action = "embed", service = "embedder" },
	{ state = "clustered", action = "cluster", params = { model = "lex-remote", threshold = 0.6 } },
	{ state = "hashtagged", action = "hashtags" },
]

[workspaces.news]
workflow = "meedan-remote"
[workspaces.news.sources.gen]
kind = "faker"
queries = { posts = "x" }
options = { seed = 5, items_per_day = 60 }
`

// startModelServer starts `timpani models serve` on a free port and waits
// until it answers. Between freeAddr closing its probe and the binary
// binding, another test's process can take the port: then it tries another.
func startModelServer(t *testing.T, dir string) (string, *proc) {
	t.Helper()
	for range 5 {
		addr := freeAddr(t)
		p := startBinary(t, dir, "models", "serve", "--addr", addr)
		if waitFor(t, p, func() bool { code, _ := httpGet(t, "http://"+addr+"/ping"); return code == 200 }) {
			return addr, p
		}
		if !strings.Contains(p.stderr.String(), "address already in use") {
			t.Fatalf("models serve on %s: %s", addr, p.stderr.String())
		}
	}
	t.Fatal("models serve found no free port in five tries")
	return "", nil
}

// TestRemoteServicesEndToEnd runs the meedan workflow with its keywords
// from a Presto-protocol server (`timpani models serve`, real HTTP both
// ways) and its vectors from an OpenAI-protocol server: first `fetch` and
// `run` alone (run listens for the callbacks itself), then `serve`, then
// `run` while serve holds the callback address.
func TestRemoteServicesEndToEnd(t *testing.T) {
	const key = "sk-test-0123456789"
	t.Setenv("TIMPANI_TEST_EMBEDDER_KEY", key)
	dir := t.TempDir()
	prestoAddr, _ := startModelServer(t, dir)
	addr := freeAddr(t)
	oa, embedded := fakeOpenAI(t, key)
	cfg := fmt.Sprintf(remoteConfig, addr, prestoAddr, oa.URL)
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	// fetch && run, nothing else running: run takes the callbacks.
	mustRunIn(t, dir, "fetch", "--date", "20240301")
	mustRunIn(t, dir, "run")
	db := openData(t, dir)
	items, _, states := count(t, db, "news")
	if items < 50 || states[store.Completed] != items {
		fails, _ := db.FailuresIn(t.Context(), "news", 5)
		t.Fatalf("after run: %d items, states %v; want all completed; failures: %+v", items, states, fails)
	}
	checkRemoteResults(t, dir, items)
	if got := embedded.Load(); got != int64(items) {
		t.Errorf("the embedder got %d texts for %d items; want each once", got, items)
	}

	// serve processes the next day, its callbacks on the viewer's address.
	mustRunIn(t, dir, "fetch", "--date", "20240302")
	serve := startBinary(t, dir, "serve")
	if !waitFor(t, serve, func() bool {
		n, _, s := count(t, db, "news")
		return n > items && s[store.Completed] == n
	}) {
		t.Fatalf("serve never completed the second day: %s", serve.stderr.String())
	}
	items, _, _ = count(t, db, "news")

	// run while serve holds the address: the callbacks go to serve, and
	// run still waits for them and finishes the work.
	mustRunIn(t, dir, "fetch", "--date", "20240303")
	cmd := exec.Command(binary, "run")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run beside serve: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "is in use (by timpani serve?)") {
		t.Errorf("run beside serve did not say where the callbacks go:\n%s", out)
	}
	// Items serve claimed while run worked are serve's to finish.
	if !waitFor(t, serve, func() bool { n, _, s := count(t, db, "news"); return s[store.Completed] == n }) {
		t.Fatalf("serve stopped before finishing its items: %s", serve.stderr.String())
	}
	if err := serve.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.wait(); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	n, _, states := count(t, db, "news")
	if n <= items || states[store.Completed] != n {
		t.Fatalf("after the third day: %d items, states %v; want all completed", n, states)
	}
	checkRemoteResults(t, dir, n)

	status := mustRun(t, "--config", filepath.Join(dir, "timpani.toml"), "status")
	for _, want := range []string{`MODEL SERVICES`, `(?m)^presto +presto +ok +last success`, `(?m)^embedder +openai +ok +last success`} {
		if !regexp.MustCompile(want).MatchString(status) {
			t.Errorf("status does not show %q:\n%s", want, status)
		}
	}
	if strings.Contains(status, "failing") {
		t.Errorf("status shows a failing service:\n%s", status)
	}

	// similar embeds the query with the same remote embedder.
	var text string
	var cluster int64
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "data", "timpani.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	if err := sqldb.QueryRowContext(t.Context(), `SELECT i.raw_text, c.id FROM clusters c JOIN items i ON i.id = c.exemplar_item_id
		ORDER BY c.size DESC, c.id LIMIT 1`).Scan(&text, &cluster); err != nil {
		t.Fatal(err)
	}
	before := embedded.Load()
	out = []byte(mustRun(t, "--config", filepath.Join(dir, "timpani.toml"), "similar", text, "--json", "--limit", "3"))
	var match struct {
		Score     float64 `json:"score"`
		ClusterID int64   `json:"cluster_id"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(string(out), "\n", 2)[0]), &match); err != nil {
		t.Fatalf("similar printed %q: %v", out, err)
	}
	if match.ClusterID != cluster || match.Score < 0.99 || embedded.Load() != before+1 {
		t.Errorf("similar to the biggest cluster's exemplar = %+v (embedder asked %d times); want cluster %d at about 1, one remote embedding",
			match, embedded.Load()-before, cluster)
	}
}

// checkRemoteResults checks that every item got Presto's keywords and the
// remote vectors, and that the clusters are sound.
func checkRemoteResults(t *testing.T, dir string, items int) {
	t.Helper()
	checkClusters(t, dir, items)
	checkSQL(t, dir, []sqlCheck{
		{"items with Presto's keywords", `SELECT count(DISTINCT item_id) FROM keywords WHERE model = 'yake_keywords.Model'`, items},
		{"items with remote vectors", `SELECT count(*) FROM vectors WHERE model = 'lex-remote'`, items},
		{"clusters of another model", `SELECT count(*) FROM clusters WHERE model != 'lex-remote'`, 0},
		{"items waiting for a callback", `SELECT count(*) FROM items WHERE lease_owner LIKE 'await:%'`, 0},
		{"clusters of more than one", `SELECT min(count(*), 1) FROM clusters WHERE size > 1`, 1},
	})
}

// TestADownServiceLeavesItemsWaitingAndStatusSaysWhy: nothing is lost
// while a model service is down, run says what is left, status names the
// failing service, and a later run after it comes back finishes the work.
func TestADownServiceLeavesItemsWaitingAndStatusSaysWhy(t *testing.T) {
	const key = "sk-test-0123456789"
	t.Setenv("TIMPANI_TEST_EMBEDDER_KEY", key)
	dir := t.TempDir()
	prestoAddr, addr := freeAddr(t), freeAddr(t) // nothing listens on prestoAddr yet
	oa, _ := fakeOpenAI(t, key)
	cfg := fmt.Sprintf(remoteConfig, addr, prestoAddr, oa.URL)
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRunIn(t, dir, "fetch", "--date", "20240301")
	cmd := exec.Command(binary, "run", "--max-wait", "1s")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run with presto down: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`stopped waiting after 1s without progress: \d+ items wait to be tried again`).Match(out) {
		t.Errorf("run did not say what is left:\n%s", out)
	}
	db := openData(t, dir)
	items, _, states := count(t, db, "news")
	if states[store.Ready] != items || items == 0 {
		t.Errorf("states %v; want all %d items still ready, none failed", states, items)
	}
	status := mustRun(t, "--config", filepath.Join(dir, "timpani.toml"), "status")
	if !regexp.MustCompile(`(?m)^presto +presto +failing +last error .*connection refused`).MatchString(status) {
		t.Errorf("status does not say presto is failing and why:\n%s", status)
	}

	models := startBinary(t, dir, "models", "serve", "--addr", prestoAddr)
	if !waitFor(t, models, func() bool { code, _ := httpGet(t, "http://"+prestoAddr+"/ping"); return code == 200 }) {
		t.Fatalf("models serve on %s: %s", prestoAddr, models.stderr.String())
	}
	mustRunIn(t, dir, "run")
	n, _, states := count(t, db, "news")
	if n != items || states[store.Completed] != n {
		t.Errorf("after presto came back: %d items, states %v; want all completed", n, states)
	}
	status = mustRun(t, "--config", filepath.Join(dir, "timpani.toml"), "status")
	if !regexp.MustCompile(`(?m)^presto +presto +ok +last success`).MatchString(status) {
		t.Errorf("status does not say presto is back:\n%s", status)
	}
}
