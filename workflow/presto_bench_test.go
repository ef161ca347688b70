package workflow

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// instantPresto accepts /process_item and calls back at once with ten
// keywords, from a pool of workers as Presto's processor does: what is
// measured is timpani's side, submissions and one callback per item.
func instantPresto(tb testing.TB) *httptest.Server {
	type job struct {
		url  string
		body map[string]any
	}
	jobs := make(chan job, 4096)
	result := keywordsResult("river", "market square", "heavy rain", "old market", "three days", "flood", "square", "rain", "days", "market")
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				j.body["result"] = result
				payload, _ := json.Marshal(map[string]any{"body": j.body, "model_name": "yake_keywords.Model", "retry_count": 0})
				resp, err := client.Post(j.url, "application/json", bytes.NewReader(payload))
				if err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		jobs <- job{url: body["callback_url"].(string), body: body}
		w.Write([]byte(`{"message": "Message pushed successfully"}`))
	}))
	tb.Cleanup(func() {
		srv.Close()
		close(jobs)
		wg.Wait()
	})
	return srv
}

// BenchmarkRemoteKeywords runs 5k items through a one-step workflow,
// keywords, on a Presto service that calls back at once, with the real
// engine and callback handler on a durable database. Each callback is its
// own transaction (the protocol sends one item per callback), so this is
// the ceiling timpani puts on any Presto deployment.
func BenchmarkRemoteKeywords(b *testing.B) {
	const items = 5_000
	presto := instantPresto(b)
	for b.Loop() {
		b.StopTimer()
		db := mustDB(b)
		seedItems(b, db, "ws", "p", items)
		cs := newCallbackServer(b)
		acts := Actions(ActionOptions{DB: db, Services: []ServiceConfig{{Name: "presto", Kind: "presto", URL: presto.URL, Concurrency: 16}}})
		r, err := NewRunner(db, map[string]Definition{"p": {Name: "p", Steps: []Step{{State: "keyworded", Action: "keywords", Service: "presto"}}}},
			acts, Options{Workers: 2, CallbackBase: cs.URL})
		if err != nil {
			b.Fatal(err)
		}
		cs.mu.Lock()
		cs.h = r.CallbackHandler()
		cs.mu.Unlock()
		b.StartTimer()
		start := time.Now()
		p, err := r.RunUntilIdle(b.Context(), "ws", "p")
		if err != nil {
			b.Fatal(err)
		}
		if p.Completed != items {
			b.Fatalf("progress %+v; want %d completed", p, items)
		}
		b.ReportMetric(float64(p.Completed)/time.Since(start).Seconds(), "items/s")
	}
}
