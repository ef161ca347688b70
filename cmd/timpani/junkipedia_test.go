package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/timpani-dev/timpani/store"
)

// TestJunkipediaFetchReportsCompleteness fetches the five real Junkipedia
// post objects from a loopback fake of the API that pages two at a time and
// fails twice (a 429, then a 500), and checks what `status` reports: the
// total the API announced, the records archived, the retries and waits, and
// one item per non-empty text field.
func TestJunkipediaFetchReportsCompleteness(t *testing.T) {
	var posts []json.RawMessage
	for _, f := range []string{"1.json", "Telegram.json", "TikTok.json", "Twitter.json", "YT.json"} {
		b, err := os.ReadFile(filepath.Join("../../../shared/fixtures/junkipedia", f))
		if err != nil {
			t.Skipf("shared fixtures not beside the checkout: %v", err)
		}
		posts = append(posts, b)
	}
	var requests atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			http.Error(w, `{"errors":["unauthorized"]}`, http.StatusUnauthorized)
			return
		}
		switch n {
		case 2:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		case 3:
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		const per = 2
		from, to := (page-1)*per, min(page*per, len(posts))
		body := map[string]any{"data": posts[from:to], "meta": map[string]any{"total_posts": len(posts)},
			"links": map[string]any{"next": nil}}
		if to < len(posts) {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(page+1))
			body["links"] = map[string]any{"next": "http://" + r.Host + r.URL.Path + "?" + q.Encode()}
		}
		json.NewEncoder(w).Encode(body)
	}))
	defer api.Close()

	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("JUNKIPEDIA_TOKEN", "secret-token")
	os.WriteFile("timpani.toml", []byte(fmt.Sprintf(`
[workspaces.meedan]
workflow = "meedan"
[workspaces.meedan.sources.junkipedia]
kind = "junkipedia"
queries = { gendered_disinfo = "/posts?lists=5835,5836" }
options = { base_url = "%s/api/v1", token_env = "JUNKIPEDIA_TOKEN", per_page = 2, requests_per_second = 1000 }
`, api.URL)), 0o644)

	out := mustRun(t, "fetch", "--date", "20240301", "--publish-start", "20230101", "--publish-end", "20241231", "--ingest")
	t.Log(out)
	var rep statusReport
	if err := json.Unmarshal([]byte(mustRun(t, "status", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	var fetch store.Run
	for _, r := range rep.Runs {
		if r.Kind == store.RunFetch {
			fetch = r
		}
	}
	if fetch.Status != store.RunCompleted || fetch.ReportedTotal != 5 || fetch.Records != 5 || fetch.Pages != 3 ||
		fetch.Retries < 1 || fetch.RateLimitWaits < 1 || fetch.DateID != 20240301 {
		t.Errorf("fetch run = %+v; want completed, 5 of 5 records in 3 pages, a retry and a rate-limit wait, partition 20240301", fetch)
	}
	// YouTube and the first sample have description, title and transcript;
	// TikTok description and transcript; Telegram and Twitter a description.
	if got := rep.Workspaces[0].Total; got != 10 {
		t.Errorf("items = %d; want 10 (one per non-empty text field)", got)
	}
	mustRun(t, "run")
	json.Unmarshal([]byte(mustRun(t, "status", "--json")), &rep)
	if ws := rep.Workspaces[0]; ws.States["completed"] != ws.Total {
		t.Errorf("after run: %v; want all completed", ws.States)
	}
	// The key lives only in the environment: not in the database, its WAL, or the archive.
	files, _ := filepath.Glob(filepath.Join(dir, "data", "timpani.db*"))
	pages, _ := filepath.Glob(filepath.Join(dir, "data", "raw", "*", "*", "*", "*", "*.jsonl.gz"))
	for _, f := range append(files, pages...) {
		if b, _ := os.ReadFile(f); bytes.Contains(b, []byte("secret-token")) {
			t.Errorf("the API key was written to %s", f)
		}
	}
}
