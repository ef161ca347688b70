package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestModelsServeSpeaksPrestoAndAlegre runs `models serve` on a loopback port
// and talks to it as Timpani's conductor would: a YAKE job answered by a
// callback, and an Alegre store then search.
func TestModelsServeSpeaksPrestoAndAlegre(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	app := &App{Log: slog.New(slog.NewTextHandler(t.Output(), nil)), Stdout: &out, Stderr: io.Discard, Quiet: true}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := serveModels(ctx, app, ln, 2); err != nil {
			t.Errorf("serveModels: %v", err)
		}
	})
	defer func() { cancel(); wg.Wait() }()
	base := "http://" + ln.Addr().String()

	callbacks := make(chan map[string]any, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		callbacks <- body
	}))
	defer receiver.Close()
	post := func(path string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		resp, err := http.Post(base+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got map[string]any
		json.NewDecoder(resp.Body).Decode(&got)
		return resp.StatusCode, got
	}

	code, got := post("/process_item/yake_keywords__Model", map[string]any{
		"id": "timpani_1", "text": "I love Meedan. Meedan builds open source tools for fact-checkers.",
		"callback_url": receiver.URL + "/presto_model", "raw": map[string]any{"content_item_id": 1}})
	if code != http.StatusOK || got["message"] != "Message pushed successfully" {
		t.Fatalf("push: %d %v", code, got)
	}
	select {
	case cb := <-callbacks:
		result, _ := cb["body"].(map[string]any)["result"].(map[string]any)
		kws, _ := result["keywords"].([]any)
		if cb["model_name"] != "yake_keywords.Model" || len(kws) == 0 || !strings.Contains(strings.ToLower(toJSON(kws)), "meedan") {
			t.Errorf("callback = %v; want yake keywords naming Meedan", cb)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no callback")
	}
	if code, _ := post("/process_item/no_such__Model", map[string]any{"id": "x", "text": "x"}); code != http.StatusNotFound {
		t.Errorf("unknown model: %d; want 404", code)
	}

	model := "hashed-ngrams-768-v1"
	for i, text := range []string{"The dam upstream has collapsed, evacuate now", "Lovely weather for a picnic today"} {
		code, _ := post("/text/similarity/", map[string]any{"doc_id": string(rune('a' + i)), "text": text,
			"model": model, "context": map[string]any{"type": "timpani", "workspace_id": "demo"}})
		if code != http.StatusOK {
			t.Fatalf("store: %d", code)
		}
	}
	code, got = post("/text/similarity/search/", map[string]any{"text": "RT @x: The dam upstream has collapsed, evacuate now",
		"model": model, "threshold": 0.7, "context": map[string]any{"type": "timpani", "workspace_id": "demo"}})
	hits, _ := got["result"].([]any)
	if code != http.StatusOK || len(hits) != 1 {
		t.Fatalf("search: %d %v; want the one dam post", code, got)
	}
	if score := hits[0].(map[string]any)["score"].(float64); score < 1.7 || score > 2.0001 {
		t.Errorf("score = %v; want cosine+1 near 2", score)
	}
	_, got = post("/text/similarity/search/", map[string]any{"text": "The dam upstream has collapsed, evacuate now",
		"model": model, "context": map[string]any{"type": "timpani", "workspace_id": "other"}})
	if hits, _ := got["result"].([]any); len(hits) != 0 {
		t.Errorf("search in another workspace found %v", hits)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
