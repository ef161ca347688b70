package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// faults decides, per request, whether a flaky server misbehaves and how,
// from a seeded generator so that a failure can be replayed.
type faults struct {
	mu   sync.Mutex
	rng  *rand.Rand
	rate float64
	seen map[string]int // fault -> times injected
}

var faultKinds = []string{"500", "429", "garbage", "truncated", "slow"}

func newFaults(seed uint64, rate float64) *faults {
	return &faults{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), rate: rate, seen: map[string]int{}}
}

// next returns the fault for one request, or "" to answer properly.
func (f *faults) next() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rng.Float64() >= f.rate {
		return ""
	}
	k := faultKinds[f.rng.IntN(len(faultKinds))]
	f.seen[k]++
	return k
}

func (f *faults) float() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64()
}

// misbehave answers r with fault k and reports whether it did; slow waits
// past the clients' timeouts (set to 500 ms in the config below).
func misbehave(w http.ResponseWriter, r *http.Request, k string) bool {
	switch k {
	case "500":
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	case "429":
		w.Header().Set("Retry-After", "0")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case "garbage":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`<html><body>502 Bad Gateway (nginx)</body></html>`))
	case "truncated":
		// Promise more than is sent: the client sees the body end early.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		w.Write([]byte(`{"data": [{"id": `))
	case "slow":
		select {
		case <-r.Context().Done():
		case <-time.After(900 * time.Millisecond):
		}
		http.Error(w, "too late", http.StatusGatewayTimeout)
	default:
		return false
	}
	return true
}

// flakyJunkipedia pages through posts fifty at a time, misbehaving at
// random.
func flakyJunkipedia(t *testing.T, f *faults, posts []json.RawMessage) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if misbehave(w, r, f.next()) {
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		const per = 50
		from, to := min((page-1)*per, len(posts)), min(page*per, len(posts))
		body := map[string]any{"data": posts[from:to], "meta": map[string]any{"total_posts": len(posts)}, "links": map[string]any{"next": nil}}
		if to < len(posts) {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(page+1))
			body["links"] = map[string]any{"next": "http://" + r.Host + r.URL.Path + "?" + q.Encode()}
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// flakyPresto accepts submissions (or misbehaves), then calls back late,
// twice, with an error result, or never.
func flakyPresto(t *testing.T, f *faults) (*httptest.Server, *callbackTally) {
	tally := &callbackTally{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if misbehave(w, r, f.next()) {
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.Write([]byte(`{"message": "Message pushed successfully"}`))
		words := strings.Fields(fmt.Sprint(body["text"]))
		result := map[string]any{"keywords": [][2]any{{strings.Join(words[:min(2, len(words))], " "), 0.01}}}
		sends := 1
		switch p := f.float(); {
		case p < 0.15:
			sends = 0 // lost: the item is submitted again after its deadline
			tally.add("dropped")
		case p < 0.30:
			sends = 2
			tally.add("duplicated")
		case p < 0.40:
			result = map[string]any{"error": "worker timed out", "error_code": 500}
			tally.add("error result")
		}
		delay := time.Duration(f.float() * float64(200*time.Millisecond))
		body["result"] = result
		payload, _ := json.Marshal(map[string]any{"body": body, "model_name": "yake_keywords.Model", "retry_count": 0})
		url := fmt.Sprint(body["callback_url"])
		for range sends {
			wg.Go(func() {
				select {
				case <-ctx.Done():
					return
				case <-time.After(delay):
				}
				resp, err := http.Post(url, "application/json", bytes.NewReader(payload))
				if err == nil {
					resp.Body.Close()
				}
			})
		}
	}))
	t.Cleanup(func() { srv.Close(); cancel(); wg.Wait() })
	return srv, tally
}

type callbackTally struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callbackTally) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}

// flakyOpenAI embeds with the built-in embedder, or misbehaves.
func flakyOpenAI(t *testing.T, f *faults) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if misbehave(w, r, f.next()) {
			return
		}
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var data []map[string]any
		for i, in := range req.Input {
			data = append(data, map[string]any{"index": i, "embedding": lexembed.Embed(in)})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(srv.Close)
	return srv
}

const flakyConfig = `
[server]
addr = "%s"

[engine]
backoff = "50ms"
max_backoff = "400ms"

[services.presto]
kind = "presto"
url = "%s"
timeout = "500ms"
callback_deadline = "700ms"

[services.embedder]
kind = "openai"
url = "%s/v1"
model = "lex-remote"
timeout = "500ms"

[workflows.flaky]
steps = [
	{ state = "keyworded", action = "keywords", service = "presto", max_attempts = 30 },
	{ state = "vectorized", action = "embed", service = "embedder", max_attempts = 30 },
	{ state = "clustered", action = "cluster", params = { model = "lex-remote", threshold = 0.6 } },
	{ state = "hashtagged", action = "hashtags" },
]

[workspaces.watch]
workflow = "flaky"
[workspaces.watch.sources.jp]
kind = "junkipedia"
queries = { lists = "/posts?lists=1" }
options = { base_url = "%s", token_env = "TIMPANI_TEST_JP_TOKEN", timeout = "500ms", max_retries = 3, requests_per_second = 200 }
`

// TestFlakyServicesLoseNothing fetches from a Junkipedia API and runs a
// workflow on Presto and OpenAI-compatible services that all fail a
// quarter of their requests at random (500, 429, garbage, truncated
// bodies, answers past the timeout), with Presto also losing, repeating
// and failing callbacks. Rerunning fetch and run until they succeed must
// end with every post archived once, every item completed once, and
// status telling what happened. TIMPANI_FLAKY_SEED replays a seed.
func TestFlakyServicesLoseNothing(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TIMPANI_FLAKY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (TIMPANI_FLAKY_SEED replays it)", seed)
	t.Setenv("TIMPANI_TEST_JP_TOKEN", "jp-token")
	const posts = 240
	var data []json.RawMessage
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	stories := []string{"The dam upstream has collapsed, evacuate the valley now", "Vaccines are being handed out at the market square today",
		"Fuel prices will double next week, the minister said", "The bridge on the coast road is closed after the storm"}
	for i := range posts {
		text := fmt.Sprintf("%s (report %d from #region%d)", stories[i%len(stories)], i/len(stories), i%5)
		p, _ := json.Marshal(map[string]any{"id": strconv.Itoa(1000 + i), "type": "post", "attributes": map[string]any{
			"published_at": day.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"search_data_fields": map[string]any{"description": text, "language_code": "en",
				"url": fmt.Sprintf("https://example.org/p/%d", i)}}})
		data = append(data, p)
	}
	f := newFaults(seed, 0.25)
	jp := flakyJunkipedia(t, f, data)
	presto, tally := flakyPresto(t, f)
	oa := flakyOpenAI(t, f)
	dir := t.TempDir()
	cfg := fmt.Sprintf(flakyConfig, freeAddr(t), presto.URL, oa.URL, jp.URL)
	if err := os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	try := func(args ...string) bool {
		cmd := exec.Command(binary, append([]string{"--quiet"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("timpani %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return err == nil
	}
	fetches := 1
	for !try("fetch", "--date", "20240301") {
		if fetches++; fetches > 20 {
			t.Fatal("fetch never got through the flaky API")
		}
	}
	db := openData(t, dir)
	runs := 0
	for {
		runs++
		try("run", "--max-wait", "5s")
		items, _, states := count(t, db, "watch")
		if items == posts && states[store.Completed] == posts {
			break
		}
		if runs == 10 {
			t.Fatalf("after %d runs: %d items, states %v", runs, items, states)
		}
	}
	t.Logf("faults injected %v; callbacks %v; %d fetches, %d runs", f.seen, tally.n, fetches, runs)
	checkClusters(t, dir, posts)
	mustRunIn(t, dir, "check", "--settled")
	checkSQL(t, dir, []sqlCheck{
		{"records archived", `SELECT sum(records) FROM raw_pages`, posts},
		{"items with Presto's keywords", `SELECT count(DISTINCT item_id) FROM keywords WHERE model = 'yake_keywords.Model'`, posts},
		{"keyword rows per item", `SELECT count(*) FROM keywords WHERE model = 'yake_keywords.Model'`, posts},
		{"items with remote vectors", `SELECT count(*) FROM vectors WHERE model = 'lex-remote'`, posts},
	})

	status := mustRun(t, "--config", filepath.Join(dir, "timpani.toml"), "status")
	for _, want := range []string{
		`(?m)^presto +presto +ok +last success .*; \d+ calls, [1-9]\d* failed`,
		`(?m)^embedder +openai +ok +last success .*; \d+ calls, [1-9]\d* failed`,
		`jp/lists 20240301 +completed .*source reported 240`,
	} {
		if !regexp.MustCompile(want).MatchString(status) {
			t.Errorf("status does not show %q:\n%s", want, status)
		}
	}
}
