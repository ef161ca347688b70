package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestViewerInARealBrowser serves the viewer on demo data, follows every
// same-origin link it shows, then loads one page of each kind in headless
// Chromium and fails on anything the browser complains about: a console
// message, a Content-Security-Policy violation, an uncaught error, or a
// request that did not succeed. The screenshots are kept in
// $TIMPANI_ARTIFACTS (default: a temporary folder).
//
// It skips when no Chromium is installed, unless TIMPANI_BROWSER_TEST=1
// (as CI sets it), where a missing browser fails.
func TestViewerInARealBrowser(t *testing.T) {
	chrome := findChromium(t)
	artifacts := os.Getenv("TIMPANI_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", artifacts)

	t.Run("detector", func(t *testing.T) {
		t.Parallel()
		testBrowserDetector(t, chrome, artifacts)
	})

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "--quiet", "--data", data, "demo", "--no-serve", "--days", "3")
	base := startViewer(t, data)

	pages := crawl(t, base, "/", 150)

	kinds := pageKinds(t, base, pages)
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			// Each page gets its own recording proxy, so every request
			// the browser makes is attributed to the page that made it.
			proxy := httputil.NewSingleHostReverseProxy(base)
			rec := &recorder{next: proxy}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			problems := browse(t, chrome, srv.URL+k.path, filepath.Join(artifacts, k.name+".png"), rec)
			for _, p := range problems {
				t.Errorf("%s: %s", k.path, p)
			}
		})
	}
}

// findChromium returns the browser's path, or skips (fails under
// TIMPANI_BROWSER_TEST=1) when there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TIMPANI_BROWSER_TEST") == "1" {
		t.Fatal("TIMPANI_BROWSER_TEST=1 but neither chromium nor chromium-browser is on PATH (Debian: apt-get install chromium)")
	}
	t.Skip("no chromium or chromium-browser on PATH; install Debian's chromium, or set TIMPANI_BROWSER_TEST=1 to make this a failure")
	return ""
}

// startViewer serves the viewer on the data folder in-process, without
// background processing, until the test ends, and returns its base URL.
func startViewer(t *testing.T, data string) *url.URL {
	t.Helper()
	app, err := newApp(CLI{Data: data, Quiet: true}, io.Discard, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, app, ln, false) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		app.Close()
	})
	base := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(base.String() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the viewer stopped before it answered /healthz: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the viewer did not answer /healthz within 20s: %v", err)
		}
		select {
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		}
	}
}

var (
	// tagRe finds the tags that carry links; html/template escapes '>'
	// inside attribute values, so a tag ends at the first '>'.
	tagRe  = regexp.MustCompile(`(?is)<(a|area|link|img|script|iframe|source|form)\b([^>]*)>`)
	attrRe = regexp.MustCompile(`(?is)([a-z][a-z0-9-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
	cssURL = regexp.MustCompile(`(?i)url\(\s*["']?([^"')]+)["']?\s*\)`)
)

// links returns the URLs an HTML page points to: a[href], link[href],
// img/script/iframe/source[src] and the action of forms that GET.
func links(body string) []string {
	var out []string
	for _, m := range tagRe.FindAllStringSubmatch(body, -1) {
		tag := strings.ToLower(m[1])
		attrs := map[string]string{}
		for _, a := range attrRe.FindAllStringSubmatch(m[2], -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2] + a[3] + a[4])
		}
		switch tag {
		case "a", "area", "link":
			if v, ok := attrs["href"]; ok {
				out = append(out, v)
			}
		case "form":
			if m := strings.ToLower(attrs["method"]); m == "" || m == "get" {
				out = append(out, attrs["action"]) // no action: the page itself
			}
		default:
			if v, ok := attrs["src"]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// crawled is one URL the crawl answered 200 for with HTML.
type crawled struct {
	path string // path and query, as requested
	body string
}

// crawl follows every same-origin link from start, breadth first, up to
// limit URLs, and reports each one that does not answer 2xx (or 3xx to a
// URL that answers 2xx) with the page it was found on. /export/ downloads
// are checked for 200 and not read further. It returns the HTML pages.
func crawl(t *testing.T, base *url.URL, start string, limit int) []crawled {
	t.Helper()
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	get := func(u *url.URL) (*http.Response, string, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		if strings.Contains(u.Path, "/export/") {
			_, err = io.Copy(io.Discard, resp.Body)
			return resp, "", err
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		return resp, string(b), err
	}
	type link struct {
		u    *url.URL
		from string
	}
	startURL := base.ResolveReference(&url.URL{Path: start})
	queue := []link{{startURL, "(start)"}}
	seen := map[string]bool{startURL.String(): true}
	var pages []crawled
	visited, broken := 0, 0
	enqueue := func(ref string, page *url.URL) {
		ref = strings.TrimSpace(ref)
		switch {
		case strings.HasPrefix(strings.ToLower(ref), "javascript:"):
			t.Errorf("%s links to %q: a javascript: URL never runs under the viewer's CSP", page.RequestURI(), ref)
			return
		case strings.HasPrefix(strings.ToLower(ref), "mailto:"), strings.HasPrefix(strings.ToLower(ref), "data:"):
			return
		}
		r, err := url.Parse(ref)
		if err != nil {
			t.Errorf("%s links to %q, which is not a URL: %v", page.RequestURI(), ref, err)
			return
		}
		u := page.ResolveReference(r)
		u.Fragment, u.RawFragment = "", ""
		if u.Scheme != base.Scheme || u.Host != base.Host {
			return // another site: not ours to check
		}
		if !seen[u.String()] {
			seen[u.String()] = true
			queue = append(queue, link{u, page.RequestURI()})
		}
	}
	for len(queue) > 0 && visited < limit {
		l := queue[0]
		queue = queue[1:]
		visited++
		where := fmt.Sprintf("%s (linked from %s)", l.u.RequestURI(), l.from)
		resp, body, err := get(l.u)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			broken++
			continue
		}
		switch {
		case strings.Contains(l.u.Path, "/export/"):
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: download answered %s", where, resp.Status)
				broken++
			}
			continue
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := l.u.Parse(resp.Header.Get("Location"))
			if err != nil || loc.Host != base.Host {
				t.Errorf("%s: %s to %q, not a URL of the viewer", where, resp.Status, resp.Header.Get("Location"))
				broken++
				continue
			}
			r2, _, err := get(loc)
			if err != nil || r2.StatusCode < 200 || r2.StatusCode >= 300 {
				status := "no answer"
				if err == nil {
					status = r2.Status
				}
				t.Errorf("%s: %s to %s, which answers %s", where, resp.Status, loc.RequestURI(), status)
				broken++
				continue
			}
			enqueue(loc.String(), l.u)
			continue
		case resp.StatusCode < 200 || resp.StatusCode >= 300:
			t.Errorf("%s: %s", where, resp.Status)
			broken++
			continue
		}
		ct := resp.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/html"):
			pages = append(pages, crawled{path: l.u.RequestURI(), body: body})
			for _, ref := range links(body) {
				enqueue(ref, l.u)
			}
		case strings.HasPrefix(ct, "text/css"):
			for _, m := range cssURL.FindAllStringSubmatch(body, -1) {
				enqueue(m[1], l.u)
			}
		}
	}
	t.Logf("crawl: %d URLs checked (%d more found beyond the limit), %d HTML pages, %d broken",
		visited, len(queue), len(pages), broken)
	return pages
}

// pageKind is one page the browser loads.
type pageKind struct{ name, path string }

// pageKinds picks one URL of each kind of page from the crawl.
func pageKinds(t *testing.T, base *url.URL, pages []crawled) []pageKind {
	t.Helper()
	first := func(re string) string {
		r := regexp.MustCompile(re)
		for _, p := range pages {
			if r.MatchString(p.path) {
				return p.path
			}
		}
		return ""
	}
	var clusterIDs []string
	clusterRe := regexp.MustCompile(`^/w/demo/clusters/(\d+)$`)
	for _, p := range pages {
		if m := clusterRe.FindStringSubmatch(p.path); m != nil && len(clusterIDs) < 2 {
			clusterIDs = append(clusterIDs, m[1])
		}
	}
	// A word the demo posts contain: the first one-word keyword linked.
	word := ""
	wordRe := regexp.MustCompile(`^/w/demo/keywords/[^/]+/([A-Za-z]{4,})$`)
	for _, p := range pages {
		if m := wordRe.FindStringSubmatch(p.path); m != nil {
			word = m[1]
			break
		}
	}
	// A text to find similar items for: an item's own text.
	text := ""
	itemText := regexp.MustCompile(`<p class="text">([^<]+)</p>`)
	for _, p := range pages {
		if strings.HasPrefix(p.path, "/w/demo/items/") {
			if m := itemText.FindStringSubmatch(p.body); m != nil {
				text = html.UnescapeString(m[1])
				break
			}
		}
	}
	kinds := []pageKind{
		{"overview", "/w/demo/"},
		{"clusters", "/w/demo/clusters"},
		{"cluster", first(`^/w/demo/clusters/\d+$`)},
		{"compare", ""},
		{"content", ""},
		{"item", first(`^/w/demo/items/\d+$`)},
		{"keywords", "/w/demo/keywords"},
		{"keyword", first(`^/w/demo/keywords/[^/?]+/[^/?]+$`)},
		{"similar", ""},
		{"status", "/w/demo/status"},
		{"login", "/login"},
	}
	if len(clusterIDs) == 2 {
		kinds[3].path = "/w/demo/clusters/compare?id=" + clusterIDs[0] + "&id=" + clusterIDs[1]
	}
	if word != "" {
		kinds[4].path = "/w/demo/content?q=" + url.QueryEscape(word)
	}
	if text != "" {
		kinds[8].path = "/w/demo/similar?text=" + url.QueryEscape(text)
	}
	// Both searches must find something, or their screenshots show an
	// empty page that looks fine.
	for _, k := range []pageKind{kinds[4], kinds[8]} {
		if k.path == "" {
			continue
		}
		resp, err := http.Get(base.String() + k.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "/w/demo/items/") {
			t.Errorf("%s: %s, and no item link; want the items it finds", k.path, resp.Status)
		}
	}
	out := kinds[:0]
	for _, k := range kinds {
		if k.path == "" {
			t.Errorf("the crawl found no %s page to load in the browser", k.name)
			continue
		}
		out = append(out, k)
	}
	return out
}

// recorder passes requests on and remembers each one's status.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	seen []string // "GET /path 200"
	bad  []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rec.next.ServeHTTP(sw, r)
	line := fmt.Sprintf("%s %s %d", r.Method, r.URL.RequestURI(), sw.status)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.seen = append(rec.seen, line)
	if sw.status >= 400 {
		rec.bad = append(rec.bad, line)
	}
}

func (rec *recorder) requests() (seen, bad []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...), append([]string(nil), rec.bad...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Lines of Chromium's stderr (--enable-logging=stderr --v=0) that are
// about the page rather than the browser's own plumbing (D-Bus, GPU,
// sandbox warnings, which never name the page). Every console message
// comes out as INFO:CONSOLE whatever its level, CSP violations and
// uncaught errors included; the viewer ships no script of its own, so
// any console message at all is a problem.
var (
	consoleLine = regexp.MustCompile(`:CONSOLE[:(]`)
	errorLine   = regexp.MustCompile(`:(ERROR|FATAL):`)
)

// browse loads pageURL (served through rec) in headless Chromium, saves a
// screenshot to png, and returns what went wrong: console messages, CSP
// refusals, uncaught errors, errors that name the page, and requests that
// failed. Chromium's stderr does not report a failed subresource load, so
// those come from rec.
func browse(t *testing.T, chrome, pageURL, png string, rec *recorder) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	os.Remove(png)
	cmd := exec.CommandContext(ctx, chrome,
		"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600",
		// This machine has no network: without these Chromium keeps
		// trying to reach Google's services.
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-default-apps",
		"--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=0",
		"--screenshot="+png, pageURL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	start := time.Now()
	err := cmd.Run()
	t.Logf("chromium %s: %v", pageURL, time.Since(start).Round(10*time.Millisecond))
	var problems []string
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w: no screenshot within 45s", err)
		}
		problems = append(problems, fmt.Sprintf("chromium: %v\n%s", err, tail(stderr.String(), 40)))
	}
	origin := pageURL
	if u, err := url.Parse(pageURL); err == nil {
		origin = u.Host
	}
	for line := range strings.Lines(stderr.String()) {
		line = strings.TrimSpace(line)
		switch {
		case consoleLine.MatchString(line):
			problems = append(problems, "console: "+line)
		case strings.Contains(line, "Refused to"), strings.Contains(line, "Uncaught"):
			problems = append(problems, "page error: "+line)
		case errorLine.MatchString(line) && strings.Contains(line, origin):
			problems = append(problems, "browser error about the page: "+line)
		}
	}
	if fi, err := os.Stat(png); err != nil || fi.Size() == 0 {
		problems = append(problems, fmt.Sprintf("no screenshot at %s", png))
	}
	seen, bad := rec.requests()
	for _, b := range bad {
		problems = append(problems, "failed request: "+b)
	}
	if u, err := url.Parse(pageURL); err == nil && !containsPrefix(seen, "GET "+u.RequestURI()+" ") {
		problems = append(problems, fmt.Sprintf("the browser never requested the page; it requested %q", seen))
	}
	return problems
}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// testBrowserDetector proves the checks in browse: a page broken in every
// way it looks for is caught on each count, and a clean page under the
// same policy passes, whatever noise Chromium prints about itself.
func testBrowserDetector(t *testing.T, chrome, artifacts string) {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:"
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><html><head><title>t</title></head><body>"+body+"</body></html>")
		}
	}
	mux.HandleFunc("GET /{$}", page(`<h1>A clean page</h1><p>Nothing to see.</p><script src="/ok.js"></script>`))
	mux.HandleFunc("GET /broken", page(`<h1>A broken page</h1>`+
		`<script>document.title = "inline ran"</script>`+ // blocked by the CSP
		`<img src="/missing.png" alt="">`+ // 404
		`<script src="/throws.js"></script>`)) // uncaught error
	mux.HandleFunc("GET /ok.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		io.WriteString(w, "document.body.dataset.ok = '1';\n")
	})
	mux.HandleFunc("GET /throws.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		io.WriteString(w, "null.boom();\n")
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	})

	for _, tc := range []struct {
		path string
		want []string // each must appear in some problem
	}{
		{"/", nil},
		{"/broken", []string{"Content Security Policy", "failed request: GET /missing.png 404", "Uncaught"}},
	} {
		rec := &recorder{next: h}
		srv := httptest.NewServer(rec)
		name := "detector-clean.png"
		if tc.want != nil {
			name = "detector-broken.png"
		}
		problems := browse(t, chrome, srv.URL+tc.path, filepath.Join(artifacts, name), rec)
		srv.Close()
		if tc.want == nil && len(problems) > 0 {
			t.Errorf("a clean page was reported as broken:\n%s", strings.Join(problems, "\n"))
		}
		for _, w := range tc.want {
			found := false
			for _, p := range problems {
				found = found || strings.Contains(p, w)
			}
			if !found {
				t.Errorf("%s: no problem mentions %q; the detector missed it. Problems:\n%s", tc.path, w, strings.Join(problems, "\n"))
			}
		}
		t.Logf("%s: %d problems detected:\n%s", tc.path, len(problems), strings.Join(problems, "\n"))
	}
}
