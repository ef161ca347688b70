package modelserver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestQueueFull(t *testing.T) {
	// No workers: the queue of one fills with the first job.
	ts := startServer(t, Options{QueueSize: 1}, true)
	rc := newReceiver(t, nil)
	url := ts.url + "/process_item/yake_keywords__Model"
	if status, body := call(t, http.MethodPost, url, prestoBody("a", rc.url, "x")); status != http.StatusOK {
		t.Fatalf("first POST = %d %s; want 200", status, body)
	}
	status, body, hdr := callHeader(t, http.MethodPost, url, prestoBody("b", rc.url, "x"))
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Fatalf("second POST = %d (Retry-After %q); want 503 with Retry-After", status, hdr.Get("Retry-After"))
	}
	jsonEqual(t, "503 body", body, `{"detail":"queue full, retry later"}`)

	// A body without callback_url takes no queue slot: nothing could get its result.
	if status, body := call(t, http.MethodPost, url, `{"id":"c","text":"x"}`); status != http.StatusOK {
		t.Errorf("POST without callback_url = %d %s; want 200", status, body)
	}
}

// TestShutdown: at the end of Run's context the in-flight callback is
// abandoned, queued jobs are dropped with one log line, and new jobs are
// refused.
func TestShutdown(t *testing.T) {
	started := make(chan struct{}, 1)
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done() // hang until the server abandons the call
	})
	ts := startServer(t, Options{Workers: 1}, false)
	url := ts.url + "/process_item/yake_keywords__Model"
	call(t, http.MethodPost, url, prestoBody("in-flight", rc.url, "x"))
	select {
	case <-started:
	case <-time.After(waitTimeout):
		t.Fatal("the first callback never arrived")
	}
	call(t, http.MethodPost, url, prestoBody("queued-1", rc.url, "x"))
	call(t, http.MethodPost, url, prestoBody("queued-2", rc.url, "x"))

	ts.stop() // returns only once Run has returned
	if rec := ts.logs.wait(t, "callback dropped at shutdown"); attr(rec, "id").String() != "in-flight" {
		t.Errorf("dropped callback id = %v; want in-flight", attr(rec, "id"))
	}
	if rec := ts.logs.wait(t, "pending jobs dropped at shutdown"); attr(rec, "count").Int64() != 2 {
		t.Errorf("pending jobs dropped count = %v; want 2", attr(rec, "count"))
	}

	status, body := call(t, http.MethodPost, url, prestoBody("late", rc.url, "x"))
	if status != http.StatusServiceUnavailable {
		t.Errorf("POST after shutdown = %d %s; want 503", status, body)
	}
	if status, _ := call(t, http.MethodGet, ts.url+"/healthcheck", ""); status != http.StatusInternalServerError {
		t.Errorf("GET /healthcheck after shutdown = %d; want 500", status)
	}
	if err := ts.Run(t.Context()); err == nil {
		t.Error("Run after Run = nil; want an error")
	}
}

type pingStore struct {
	*MemoryStore
	err error
}

func (p pingStore) Ping(context.Context) error { return p.err }

func TestHealthcheck(t *testing.T) {
	tests := []struct {
		name   string
		opt    Options
		noRun  bool
		status int
		want   string
	}{
		{"running", Options{}, false, 200, `{"result":{"QUEUE":true,"VECTOR_STORE":true}}`},
		{"store pings", Options{Vectors: pingStore{NewMemoryStore(), nil}}, false, 200, `{"result":{"QUEUE":true,"VECTOR_STORE":true}}`},
		{"store down", Options{Vectors: pingStore{NewMemoryStore(), errors.New("disk gone")}}, false, 500,
			`{"result":{"QUEUE":true,"VECTOR_STORE":"vector store unavailable"}}`},
		{"workers not started", Options{}, true, 500, `{"result":{"QUEUE":"job workers are not running","VECTOR_STORE":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.opt, tt.noRun)
			for _, path := range []string{"/healthcheck", "/healthcheck/"} {
				status, body := call(t, http.MethodGet, ts.url+path, "")
				if status != tt.status {
					t.Errorf("GET %s = %d %s; want %d", path, status, body, tt.status)
				}
				jsonEqual(t, "GET "+path, body, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	low := func(int64) int64 { return 0 }
	high := func(k int64) int64 { return k - 1 }
	base := 100 * time.Millisecond
	tests := []struct {
		retry int
		rnd   func(int64) int64
		want  time.Duration
	}{
		{retry: 1, rnd: low, want: 50 * time.Millisecond},
		{retry: 1, rnd: high, want: 100 * time.Millisecond},
		{retry: 2, rnd: low, want: 100 * time.Millisecond},
		{retry: 3, rnd: high, want: 400 * time.Millisecond},
		{retry: 6, rnd: high, want: 3200 * time.Millisecond},
		{retry: 7, rnd: high, want: 3200 * time.Millisecond}, // capped at 32x
		{retry: 50, rnd: low, want: 1600 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := backoff(base, tt.retry, tt.rnd); got != tt.want {
			t.Errorf("backoff(%v, %d) = %v; want %v", base, tt.retry, got, tt.want)
		}
	}
}
