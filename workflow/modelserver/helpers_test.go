package modelserver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// waitTimeout bounds every wait for something the server does in the
// background; reaching it is a test failure, never a way to pass time.
const waitTimeout = 10 * time.Second

// logRecorder tees log records to the test output and to a channel, so tests
// can wait for "callback failed" and the like instead of sleeping.
type logRecorder struct {
	out   slog.Handler
	ch    chan slog.Record
	attrs []slog.Attr
}

func newLogRecorder(tb testing.TB) *logRecorder {
	return &logRecorder{
		out: slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}),
		ch:  make(chan slog.Record, 10000),
	}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(ctx context.Context, r slog.Record) error {
	c := r.Clone()
	c.AddAttrs(h.attrs...)
	select {
	case h.ch <- c:
	default: // a test that logs this much is not waiting for records
	}
	return h.out.Handle(ctx, r)
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logRecorder{out: h.out.WithAttrs(as), ch: h.ch, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], as...)}
}

func (h *logRecorder) WithGroup(name string) slog.Handler {
	return &logRecorder{out: h.out.WithGroup(name), ch: h.ch, attrs: h.attrs}
}

// wait returns the next record with message msg, failing the test after waitTimeout.
func (h *logRecorder) wait(tb testing.TB, msg string) slog.Record {
	tb.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case r := <-h.ch:
			if r.Message == msg {
				return r
			}
		case <-timeout:
			tb.Fatalf("no log record %q within %v", msg, waitTimeout)
		}
	}
}

// attr returns the value of a record's attribute.
func attr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// testServer is a Server behind a real HTTP listener, with its workers running.
type testServer struct {
	*Server
	url  string
	logs *logRecorder
	stop func() // cancels Run and waits for it; also registered as cleanup
}

// startServer starts a Server with opt (Log is replaced) and, unless noRun,
// its workers. Everything stops at test cleanup.
func startServer(tb testing.TB, opt Options, noRun bool) *testServer {
	tb.Helper()
	logs := newLogRecorder(tb)
	opt.Log = slog.New(logs)
	s := New(opt)
	hs := httptest.NewServer(s.Handler())
	tb.Cleanup(hs.Close)
	ts := &testServer{Server: s, url: hs.URL, logs: logs, stop: func() {}}
	if noRun {
		return ts
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("Run() = %v; want nil", err)
			}
		})
	}
	tb.Cleanup(ts.stop)
	logs.wait(tb, "model server workers started")
	return ts
}

// call sends a request with a JSON body and returns the status and body.
func call(tb testing.TB, method, url, body string) (int, []byte) {
	tb.Helper()
	status, b, _ := callHeader(tb, method, url, body)
	return status, b
}

func callHeader(tb testing.TB, method, url, body string) (int, []byte, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, b, resp.Header
}

// received is one request a receiver got.
type received struct {
	method, path string
	header       http.Header
	body         []byte
}

// receiver is a fake callback endpoint. respond, if set, answers attempt n
// (1-based); otherwise every request gets 200.
type receiver struct {
	url   string
	calls chan received
	mu    sync.Mutex
	n     int
}

func newReceiver(tb testing.TB, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	tb.Helper()
	rc := &receiver{calls: make(chan received, 10000)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.n++
		n := rc.n
		rc.mu.Unlock()
		rc.calls <- received{r.Method, r.URL.Path, r.Header.Clone(), body}
		if respond != nil {
			respond(n, w, r)
			return
		}
		io.WriteString(w, "Added 0 keywords from presto response")
	}))
	tb.Cleanup(hs.Close)
	rc.url = hs.URL + "/presto_model"
	return rc
}

// next returns the next callback, failing after waitTimeout.
func (rc *receiver) next(tb testing.TB) received {
	tb.Helper()
	select {
	case c := <-rc.calls:
		return c
	case <-time.After(waitTimeout):
		tb.Fatalf("no callback within %v", waitTimeout)
		return received{}
	}
}

// jsonEqual fails unless got and want hold the same JSON value.
func jsonEqual(tb testing.TB, what string, got []byte, want string) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("%s: invalid JSON %q: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		tb.Fatalf("%s: invalid wanted JSON %q: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		tb.Errorf("%s = %s; want %s", what, got, want)
	}
}

// fixURL replaces a receiver's URL, whose port changes every run, with the
// original Timpani's callback URL, so golden files stay put.
func fixURL(b []byte, url string) []byte {
	return bytes.ReplaceAll(b, []byte(url), []byte("http://conductor:3101/presto_model"))
}

// golden compares got, indented, with testdata/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		tb.Fatalf("%s: invalid JSON %q: %v", name, got, err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		tb.Errorf("%s differs from %s:\n%s\nwant:\n%s", name, path, buf.Bytes(), want)
	}
}

// detector is a LanguageDetector answering from a function.
type detector func(string) (string, float64)

func (d detector) Detect(s string) (string, float64) { return d(s) }
