package sources

// Hostile input (issue 7): huge lines and fields, broken encodings, deep
// nesting, decompression bombs, path-like ids, XML entity attacks and
// pathological CSV. Each case ends in a clear error that names the file (and
// line where there is one), or in correct handling, without unbounded memory
// or time. The slow variants run with TIMPANI_HOSTILE_LONG=1.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostileLong reports whether the slow variants should run.
func hostileLong() bool { return os.Getenv("TIMPANI_HOSTILE_LONG") == "1" }

// repeatReader yields b over and over.
type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

// newRepeatReader repeats fill, copying at least 64 KiB at a time.
func newRepeatReader(fill string) *repeatReader {
	return &repeatReader{b: []byte(strings.Repeat(fill, (64<<10)/len(fill)+1))}
}

// writeHostileFile writes head, then n bytes of fill repeated, then tail,
// through a buffer (never the whole file in memory).
func writeHostileFile(tb testing.TB, name, head string, fill string, n int64, tail string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(head)
	if _, err := io.CopyN(w, newRepeatReader(fill), n); err != nil {
		tb.Fatal(err)
	}
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// allocated runs fn and returns the bytes it allocated on the heap, which
// bounds how much its peak heap grew.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func wantContains(tb testing.TB, what, got string, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			tb.Errorf("%s = %.600q; want it to contain %q", what, got, w)
		}
	}
}

func TestHostileJSONLLongLines(t *testing.T) {
	const mb = 1 << 20
	good := `{"id":"g1","text":"before"}` + "\n"
	after := "\n" + `{"id":"g3","text":"after"}` + "\n"
	// Line 2 is 50 MB: one JSON object whose text never ends before the limit.
	path := writeHostileFile(t, "long.jsonl", good+`{"id":"huge","text":"`, "x", 50*mb, `"}`+after)

	t.Run("skipped as a bad line with its number", func(t *testing.T) {
		src := newTestJSONL(t, JSONLOptions{})
		var res jsonlResult
		alloc := allocated(func() { res = jsonlFetchAll(t, src, path, 1000) })
		if got := recordIDs(res.records); !slicesEqual(got, []string{"g1", "g3"}) {
			t.Errorf("records = %q; want the good lines around the long one", got)
		}
		if len(res.problems) != 1 {
			t.Fatalf("problems = %q; want one", res.problems)
		}
		wantContains(t, "problem", res.problems[0], path+":2:", "longer than max_line_bytes")
		// The reader keeps at most max_line_bytes (16 MiB) of the line.
		if alloc > 100*mb {
			t.Errorf("fetching a 50 MB line allocated %d MB; want it bounded by max_line_bytes", alloc/mb)
		}
	})
	t.Run("fails with max_bad_lines = 0, naming file and line", func(t *testing.T) {
		src := newTestJSONL(t, JSONLOptions{MaxBadLines: intPtr(0), MaxLineBytes: mb})
		_, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, "")
		if err == nil {
			t.Fatal("Fetch succeeded")
		}
		wantContains(t, "error", err.Error(), path, "line 2", "max_line_bytes (1048576)")
	})
	t.Run("5 MB text goes through", func(t *testing.T) {
		text := strings.Repeat("héllo wörld ", 5*mb/13)
		p := writeJSONL(t, "5mb.jsonl", good+`{"id":"big","text":"`+text+`","author":"a"}`+after, false)
		src := newTestJSONL(t, JSONLOptions{AuthorField: "author"})
		var res jsonlResult
		var texts []Text
		alloc := allocated(func() {
			res = jsonlFetchAll(t, src, p, 1000)
			if len(res.records) == 3 {
				var err error
				if texts, err = src.Extract(res.records[1].Data); err != nil {
					t.Fatalf("Extract(big) = %v", err)
				}
			}
		})
		if got := recordIDs(res.records); !slicesEqual(got, []string{"g1", "big", "g3"}) || len(res.problems) != 0 {
			t.Fatalf("records = %q, problems %q; want all three lines", got, res.problems)
		}
		if len(texts) != 1 || texts[0].Text != text || texts[0].Author != "a" {
			t.Fatalf("Extract(big) gave %d texts; want the 5 MB text back", len(texts))
		}
		// A few copies of the line (read, record, decode) is fine; a
		// blow-up is not.
		if alloc > 60*mb {
			t.Errorf("fetching and extracting a 5 MB text allocated %d MB", alloc/mb)
		}
	})
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHostileCSVLongField(t *testing.T) {
	const mb = 1 << 20
	head := "id,text\n1,before\n2,\""
	path := writeHostileFile(t, "long.csv", head, "y", 50*mb, "\"\n3,after\n")
	src := newTestCSV(t, CSVOptions{})
	var err error
	alloc := allocated(func() { _, err = src.Fetch(t.Context(), Query{Name: "q", Value: path}, "") })
	if err == nil {
		t.Fatal("Fetch of a 50 MB field succeeded; want it refused by max_row_bytes")
	}
	wantContains(t, "error", err.Error(), path, "line 3", "max_row_bytes")
	if alloc > 200*mb {
		t.Errorf("reading a 50 MB field allocated %d MB; want it bounded by max_row_bytes", alloc/mb)
	}

	// A 5 MB field within the limit goes through whole.
	text := strings.Repeat("z", 5*mb)
	p := filepath.Join(t.TempDir(), "5mb.csv")
	os.WriteFile(p, []byte("id,text\n1,before\n2,\""+text+"\"\n3,after\n"), 0o644)
	res := csvFetchAll(t, newTestCSV(t, CSVOptions{}), p, 1000)
	if got := recordIDs(res.records); !slicesEqual(got, []string{"1", "2", "3"}) {
		t.Fatalf("records = %q; want 1, 2, 3", got)
	}
	texts, err := src.Extract(res.records[1].Data)
	if err != nil || len(texts) != 1 || texts[0].Text != text {
		t.Fatalf("Extract(5 MB row) = %d texts, %v; want the text back", len(texts), err)
	}
}

// TestHostileEncodings: invalid UTF-8 bytes and NULs in the text, author and
// id. Raw invalid UTF-8 makes the line (row) bad, named with its line, as
// both sources document: guessing what the bytes meant would store
// garbage. JSON escapes are read as JSON says: a lone surrogate becomes
// U+FFFD and \u0000 a NUL, so what a record yields is always valid UTF-8.
func TestHostileEncodings(t *testing.T) {
	t.Run("jsonl", func(t *testing.T) {
		lines := []string{
			`{"id":"ok","text":"fine","author":"a"}`,                           // 1
			"{\"id\":\"t\",\"text\":\"bad \xff\xfe byte\"}",                    // 2 invalid UTF-8 in text
			"{\"id\":\"u\",\"text\":\"x\",\"author\":\"\xc3\x28\"}",            // 3 in author
			"{\"id\":\"\xed\xa0\x80\",\"text\":\"x\"}",                         // 4 in id (an encoded surrogate)
			"{\"id\":\"n\",\"text\":\"raw \x00 nul\"}",                         // 5 a raw NUL: not JSON
			`{"id":"e","text":"esc \u0000 nul \ud800 lone","author":"\u0000"}`, // 6 escapes: valid
			`{"id":"z\u0000z","text":"nul in id"}`,                             // 7
			`{"id":"ok2","text":"fine"}`,                                       // 8
		}
		path := writeJSONL(t, "enc.jsonl", strings.Join(lines, "\n")+"\n", false)
		src := newTestJSONL(t, JSONLOptions{AuthorField: "author"})
		res := jsonlFetchAll(t, src, path, 1000)
		if got := recordIDs(res.records); !slicesEqual(got, []string{"ok", "e", "z\x00z", "ok2"}) {
			t.Errorf("records = %q; want ok, e, z\\x00z, ok2", got)
		}
		wantProblems := []string{path + ":2: invalid UTF-8", path + ":3: invalid UTF-8", path + ":4: invalid UTF-8", path + ":5: invalid JSON"}
		if len(res.problems) != len(wantProblems) {
			t.Fatalf("problems = %q; want %d", res.problems, len(wantProblems))
		}
		for i, w := range wantProblems {
			wantContains(t, "problem", res.problems[i], w)
		}
		for _, r := range res.records {
			texts, err := src.Extract(r.Data)
			if err != nil {
				t.Fatalf("Extract(%s) = %v", r.Data, err)
			}
			for _, tx := range texts {
				if !utf8.ValidString(tx.Text) || !utf8.ValidString(tx.Author) || !utf8.ValidString(r.ID) {
					t.Errorf("Extract(%s) = %+v; not valid UTF-8", r.Data, tx)
				}
			}
			if r.ID == "e" && (len(texts) != 1 || texts[0].Text != "esc \x00 nul \uFFFD lone" || texts[0].Author != "\x00") {
				t.Errorf("Extract(%s) = %+v; want the NUL kept and the lone surrogate replaced", r.Data, texts)
			}
		}
	})
	t.Run("csv", func(t *testing.T) {
		content := "id,text,author\n" +
			"ok,fine,a\n" + // 2
			"t,bad \xff\xfe byte,a\n" + // 3
			"u,x,\xc3\x28\n" + // 4
			"\xed\xa0\x80,x,a\n" + // 5
			"n,raw \x00 nul,\x00\n" + // 6: NUL is valid UTF-8
			"z\x00z,nul in id,a\n" + // 7
			"ok2,fine,a\n" // 8
		path := filepath.Join(t.TempDir(), "enc.csv")
		os.WriteFile(path, []byte(content), 0o644)
		src := newTestCSV(t, CSVOptions{AuthorColumn: "author"})
		res := csvFetchAll(t, src, path, 1000)
		if got := recordIDs(res.records); !slicesEqual(got, []string{"ok", "n", "z\x00z", "ok2"}) {
			t.Errorf("records = %q; want ok, n, z\\x00z, ok2", got)
		}
		wantProblems := []string{path + `:3: column "text" is not valid UTF-8`, path + `:4: column "author" is not valid UTF-8`,
			path + `:5: column "id" is not valid UTF-8`}
		if len(res.problems) != len(wantProblems) {
			t.Fatalf("problems = %q; want %d", res.problems, len(wantProblems))
		}
		for i, w := range wantProblems {
			wantContains(t, "problem", res.problems[i], w)
		}
		for _, r := range res.records {
			if !json.Valid(r.Data) {
				t.Errorf("record %q: data %q is not valid JSON", r.ID, r.Data)
			}
			texts, err := src.Extract(r.Data)
			if err != nil {
				t.Fatalf("Extract(%s) = %v", r.Data, err)
			}
			if r.ID == "n" && (len(texts) != 1 || texts[0].Text != "raw \x00 nul" || texts[0].Author != "\x00") {
				t.Errorf("Extract(%s) = %+v; want the NULs kept", r.Data, texts)
			}
		}
	})
}

// TestHostileDeepNesting: 100,000 levels of [ or { are an error (encoding/json
// stops at 10,000), quickly and without a stack overflow.
func TestHostileDeepNesting(t *testing.T) {
	const depth = 100_000
	deepArray := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	deepInText := `{"id":"d","text":` + strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + "}"
	unclosed := strings.Repeat("[", depth)

	t.Run("jsonl", func(t *testing.T) {
		for _, idFrom := range []string{"", "hash"} {
			lines := []string{`{"id":"ok","text":"a"}`, deepArray, deepInText, unclosed, `{"id":"ok2","text":"b"}`}
			path := writeJSONL(t, "deep.jsonl", strings.Join(lines, "\n")+"\n", false)
			src := newTestJSONL(t, JSONLOptions{IDFrom: idFrom})
			start := time.Now()
			res := jsonlFetchAll(t, src, path, 1000)
			if len(res.records) != 2 || len(res.problems) != 3 {
				t.Fatalf("id_from %q: records %q, problems %q; want the two good lines and three bad", idFrom, recordIDs(res.records), res.problems)
			}
			for i, p := range res.problems {
				wantContains(t, "problem", p, fmt.Sprintf("%s:%d: ", path, i+2), "invalid JSON")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("id_from %q: took %s", idFrom, d)
			}
		}
		// Extract on an archived record that is deeply nested (an archive
		// is never trusted either).
		if _, err := newTestJSONL(t, JSONLOptions{}).Extract(json.RawMessage(deepInText)); err == nil {
			t.Error("Extract(deep) succeeded")
		}
	})

	t.Run("junkipedia", func(t *testing.T) {
		for name, body := range map[string]string{
			"deep body": deepArray,
			"deep data": `{"data":[` + deepArray + `],"links":{"next":null}}`,
			"deep post": `{"data":[{"id":"1","attributes":` + strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + `}],"links":{}}`,
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := parseJunkipediaResponse([]byte(body)); err == nil {
					t.Fatal("parseJunkipediaResponse succeeded")
				}
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, body)
				}))
				defer srv.Close()
				s, _ := newTestJunkipedia(t, nil, JunkipediaOptions{BaseURL: srv.URL + "/api/v1"})
				q := junkipediaQuery(junkipediaT0, time.Hour)
				_, err := s.Fetch(t.Context(), q, "")
				if err == nil {
					t.Fatal("Fetch succeeded")
				}
				wantContains(t, "error", err.Error(), srv.URL, "not valid JSON", "exceeded max depth")
			})
		}
		if _, err := extractJunkipedia(json.RawMessage(`{"id":"1","attributes":` + strings.Repeat("[", depth) + `}`)); err == nil {
			t.Error("Extract(deep) succeeded")
		}
	})
}

// writeGzipBomb writes a .jsonl.gz holding one good line, then one line of
// n bytes of 'a' with no end: gzip members of 1 MiB each (about 1 KiB
// compressed) concatenated, which gzip.Reader reads as one stream.
func writeGzipBomb(tb testing.TB, n int64) string {
	tb.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	io.CopyN(zw, newRepeatReader("a"), 1<<20)
	zw.Close()
	path := filepath.Join(tb.TempDir(), "bomb.jsonl.gz")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.Write(gzipBytes(tb, []byte(`{"id":"first","text":"ok"}`+"\n")))
	for range n >> 20 {
		w.Write(member.Bytes())
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return path
}

// TestHostileGzipBomb: a small .jsonl.gz that expands to one endless line is
// read through with bounded memory, the line reported as too long with its
// number, and the good line before it kept.
func TestHostileGzipBomb(t *testing.T) {
	n := int64(128 << 20) // under -race gzip runs at ~100 MB/s
	if hostileLong() {
		n = 4<<30 + 1<<20
	}
	path := writeGzipBomb(t, n)
	info, _ := os.Stat(path)
	t.Logf("%s: %d bytes expanding to %d", path, info.Size(), n)
	src := newTestJSONL(t, JSONLOptions{MaxLineBytes: 1 << 20})
	var res jsonlResult
	alloc := allocated(func() { res = jsonlFetchAll(t, src, path, 1000) })
	if got := recordIDs(res.records); !slicesEqual(got, []string{"first"}) {
		t.Errorf("records = %q; want the line before the bomb", got)
	}
	if len(res.problems) != 1 {
		t.Fatalf("problems = %q; want one", res.problems)
	}
	wantContains(t, "problem", res.problems[0], path+":2:", "longer than max_line_bytes")
	if alloc > 64<<20 {
		t.Errorf("reading a bomb of %d MB allocated %d MB; want it bounded", n>>20, alloc>>20)
	}
}

// TestHostileIDs: ids that look like paths are only ids; a source passes
// them on unchanged (the archive names files by run and page, never by id).
func TestHostileIDs(t *testing.T) {
	ids := []string{"../../etc/passwd", "/etc/passwd", `..\..\windows`, "a/../../b", ".", "..", "con", strings.Repeat("../", 200)}
	var jl, cv strings.Builder
	cv.WriteString("id,text\n")
	for i, id := range ids {
		b, _ := json.Marshal(id)
		fmt.Fprintf(&jl, `{"id":%s,"text":"t%d"}`+"\n", b, i)
		fmt.Fprintf(&cv, "%s,t%d\n", id, i)
	}
	jpath := writeJSONL(t, "ids.jsonl", jl.String(), false)
	cpath := filepath.Join(t.TempDir(), "ids.csv")
	os.WriteFile(cpath, []byte(cv.String()), 0o644)
	for name, got := range map[string]jsonlResult{
		"jsonl": jsonlFetchAll(t, newTestJSONL(t, JSONLOptions{}), jpath, 1000),
		"csv":   csvFetchAll(t, newTestCSV(t, CSVOptions{}), cpath, 1000),
	} {
		if ids2 := recordIDs(got.records); !slicesEqual(ids2, ids) || len(got.problems) != 0 {
			t.Errorf("%s: ids = %q, problems %q; want %q unchanged", name, ids2, got.problems, ids)
		}
	}
}

// TestHostileRSSEntities: a billion-laughs feed and an external entity
// (XXE) are refused: encoding/xml never expands an entity a DOCTYPE
// declares, and never reads a file or URL one names.
func TestHostileRSSEntities(t *testing.T) {
	var laughs strings.Builder
	laughs.WriteString(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE rss [` + "\n" + `<!ENTITY lol "lol">` + "\n")
	for i := 1; i <= 9; i++ {
		prev := "lol"
		if i > 1 {
			prev = fmt.Sprintf("lol%d", i-1)
		}
		fmt.Fprintf(&laughs, `<!ENTITY lol%d "%s">`+"\n", i, strings.Repeat("&"+prev+";", 10))
	}
	laughs.WriteString("]>\n<rss version=\"2.0\"><channel><title>t</title>\n<item><guid>1</guid><title>&lol9;</title></item>\n</channel></rss>\n")

	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("TOP-SECRET-CONTENT"), 0o644)
	xxe := func(target string) string {
		return `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE rss [<!ENTITY xxe SYSTEM "` + target + `">]>` + "\n" +
			"<rss version=\"2.0\"><channel><title>t</title>\n<item><guid>1</guid><description>&xxe;</description></item>\n</channel></rss>\n"
	}
	// Declared but unused entities are harmless: the feed reads.
	unused := `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://` + secret + `">]>` + "\n" +
		"<rss version=\"2.0\"><channel><title>t</title>\n<item><guid>1</guid><description>plain</description></item>\n</channel></rss>\n"

	tests := []struct {
		name, feed string
		want       []string // error substrings; nil: the feed reads
	}{
		{"billion laughs", laughs.String(), []string{"lol9", "line 15"}},
		{"xxe file", xxe("file://" + secret), []string{"xxe", "line 4"}},
		{"xxe passwd", xxe("file:///etc/passwd"), []string{"xxe"}},
		{"unused entity", unused, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "feed.xml")
			os.WriteFile(path, []byte(tc.feed), 0o644)
			s, _ := newTestRSS(t, RSSOptions{Window: boolPtr(false)})
			var page Page
			var err error
			alloc := allocated(func() { page, err = s.Fetch(t.Context(), Query{Name: "q", Value: path}, "") })
			if alloc > 16<<20 {
				t.Errorf("Fetch allocated %d MB; want no expansion", alloc>>20)
			}
			for _, r := range page.Records {
				if bytes.Contains(r.Data, []byte("TOP-SECRET")) || bytes.Contains(r.Data, []byte("root:")) {
					t.Errorf("record %q holds a file's content: %s", r.ID, r.Data)
				}
			}
			if tc.want == nil {
				if err != nil || len(page.Records) != 1 {
					t.Fatalf("Fetch = %d records, %v; want the one item", len(page.Records), err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Fetch = %d records, no error; want the entity refused", len(page.Records))
			}
			wantContains(t, "error", err.Error(), append([]string{path}, tc.want...)...)
			if strings.Contains(err.Error(), "TOP-SECRET") || strings.Contains(err.Error(), "root:") {
				t.Errorf("error holds a file's content: %v", err)
			}
		})
	}
}

// TestHostileCSVShapes: a header of a million columns, and quotes that never
// balance.
func TestHostileCSVShapes(t *testing.T) {
	// A million columns take seconds under -race (maps of a million
	// names): the long variant only; the fast one has 200,000.
	cols := 200_000
	if hostileLong() {
		cols = 1_000_000
	}
	wide := make([]byte, 0, 8*cols)
	for i := range cols {
		wide = append(strconv.AppendInt(append(wide, 'c'), int64(i), 10), ',')
	}
	header := string(wide)

	t.Run("very wide header without the configured ones", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "wide.csv")
		os.WriteFile(path, []byte(strings.TrimSuffix(header, ",")+"\n1,2\n"), 0o644)
		start := time.Now()
		_, err := newTestCSV(t, CSVOptions{}).Fetch(t.Context(), Query{Name: "q", Value: path}, "")
		if err == nil {
			t.Fatal("Fetch succeeded")
		}
		wantContains(t, "error", err.Error(), path, `no column "id"`, `"c0"`)
		if len(err.Error()) > 4096 {
			t.Errorf("error is %d bytes long; want a message a person can read", len(err.Error()))
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("many columns with the configured ones", func(t *testing.T) {
		n := cols / 2
		path := filepath.Join(t.TempDir(), "wide.csv")
		row := strings.Repeat(",", n) + "1,hello\n"
		os.WriteFile(path, []byte(header[:strings.Index(header, fmt.Sprintf(",c%d,", n))+1]+"id,text\n"+row+"short,row\n"), 0o644)
		src := newTestCSV(t, CSVOptions{})
		res := csvFetchAll(t, src, path, 1000)
		if got := recordIDs(res.records); !slicesEqual(got, []string{"1"}) {
			t.Fatalf("records = %q; want 1", got)
		}
		if len(res.problems) != 1 {
			t.Fatalf("problems = %q", res.problems)
		}
		wantContains(t, "problem", res.problems[0], path+":3:", fmt.Sprintf("has 2 fields; the header has %d", n+2))
		texts, err := src.Extract(res.records[0].Data)
		if err != nil || len(texts) != 1 || texts[0].Text != "hello" {
			t.Errorf("Extract = %+v, %v", texts, err)
		}
	})
	t.Run("unbalanced quote to the end of the file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "quote.csv")
		var b strings.Builder
		b.WriteString("id,text\n1,good\n2,\"opens here\n")
		for i := 3; i < 1000; i++ {
			fmt.Fprintf(&b, "%d,row %d\n", i, i)
		}
		os.WriteFile(path, []byte(b.String()), 0o644)
		res := csvFetchAll(t, newTestCSV(t, CSVOptions{}), path, 1000)
		if got := recordIDs(res.records); !slicesEqual(got, []string{"1"}) {
			t.Errorf("records = %q; want the row before the quote", got)
		}
		if len(res.problems) != 1 {
			t.Fatalf("problems = %q; want one", res.problems)
		}
		wantContains(t, "problem", res.problems[0], path+":3:", "the row runs from line 3", "unclosed or stray quote")
	})
	t.Run("unbalanced quote longer than max_row_bytes", func(t *testing.T) {
		path := writeHostileFile(t, "quote.csv", "id,text\n1,good\n2,\"opens here\n", "9,row\n", 4<<20, "")
		_, err := newTestCSV(t, CSVOptions{MaxRowBytes: 1 << 20}).Fetch(t.Context(), Query{Name: "q", Value: path}, "")
		if err == nil {
			t.Fatal("Fetch succeeded")
		}
		wantContains(t, "error", err.Error(), path, "line 3", "max_row_bytes", "unclosed quote")
	})
	t.Run("lazy quotes", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lazy.csv")
		os.WriteFile(path, []byte("id,text\n1,good\n2,\"opens here\n3,x\n4,y\n"), 0o644)
		res := csvFetchAll(t, newTestCSV(t, CSVOptions{LazyQuotes: true}), path, 1000)
		// The quote swallows the rest: one record whose text runs to the end
		// (lazy_quotes' documented risk), never a hang or a crash.
		if got := recordIDs(res.records); len(got) == 0 || got[0] != "1" {
			t.Errorf("records = %q, problems %q", got, res.problems)
		}
	})
}
