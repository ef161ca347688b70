package sources

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// newTestJSONL builds a jsonl source through New, as the config does.
func newTestJSONL(tb testing.TB, opts JSONLOptions) Source {
	tb.Helper()
	src, err := New("jsonl", func(v any) error {
		*v.(*JSONLOptions) = opts
		return nil
	})
	if err != nil {
		tb.Fatalf("New(jsonl, %+v) = %v", opts, err)
	}
	return src
}

func intPtr(n int) *int { return &n }

// writeJSONL writes content to a temp file, gzipped when gz is set.
func writeJSONL(tb testing.TB, name, content string, gz bool) string {
	tb.Helper()
	b := []byte(content)
	if gz {
		b = gzipBytes(tb, b)
	}
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// jsonlResult is everything a fetch from some cursor to the end gave.
type jsonlResult struct {
	records  []Record
	problems []string
	cursors  []string // the cursor of each page fetched after the first
	sizes    []int    // records per page
}

// jsonlFetchFrom follows cursors from cursor to the last page. It checks
// the page contract: Total is -1, no page is over the page size, and only
// the last page may be short.
func jsonlFetchFrom(tb testing.TB, src Source, q Query, cursor string, pageSize int) (jsonlResult, error) {
	tb.Helper()
	var res jsonlResult
	for range 1_000_000 {
		p, err := src.Fetch(tb.Context(), q, cursor)
		if err != nil {
			return res, err
		}
		if p.Total != -1 {
			tb.Errorf("Fetch(%q).Total = %d; want -1", cursor, p.Total)
		}
		if len(p.Records) > pageSize || (p.Next != "" && len(p.Records) != pageSize) {
			tb.Errorf("Fetch(%q) gave %d records (next %q); page size %d", cursor, len(p.Records), p.Next, pageSize)
		}
		res.records = append(res.records, p.Records...)
		res.problems = append(res.problems, p.Problems...)
		res.sizes = append(res.sizes, len(p.Records))
		if p.Next == "" {
			return res, nil
		}
		res.cursors = append(res.cursors, p.Next)
		cursor = p.Next
	}
	tb.Fatal("too many pages")
	return res, nil
}

func jsonlFetchAll(tb testing.TB, src Source, path string, pageSize int) jsonlResult {
	tb.Helper()
	res, err := jsonlFetchFrom(tb, src, Query{Name: "q", Value: path}, "", pageSize)
	if err != nil {
		tb.Fatalf("Fetch(%s) = %v", path, err)
	}
	return res
}

func recordIDs(recs []Record) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids
}

func sameRecords(a, b []Record) bool {
	return slices.EqualFunc(a, b, func(x, y Record) bool { return x.ID == y.ID && bytes.Equal(x.Data, y.Data) })
}

func TestJSONLKind(t *testing.T) {
	if got := newTestJSONL(t, JSONLOptions{}).Kind(); got != "jsonl" {
		t.Errorf("Kind() = %q; want jsonl", got)
	}
	if !slices.Contains(Kinds(), "jsonl") {
		t.Errorf("Kinds() = %v; want it to list jsonl", Kinds())
	}
	if _, err := New("jsonl", nil); err != nil {
		t.Errorf("New(jsonl, nil) = %v", err)
	}
	bad := errors.New("page_size: not an integer")
	if _, err := New("jsonl", func(any) error { return bad }); !errors.Is(err, bad) {
		t.Errorf("New(jsonl, failing decode) = %v; want it to wrap %v", err, bad)
	}
}

func TestJSONLOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    JSONLOptions
		check   func(*jsonl) string // "" when right
		wantErr []string
	}{
		{name: "defaults", opts: JSONLOptions{}, check: func(s *jsonl) string {
			if s.idFrom != "field" || s.idField != "id" || len(s.texts) != 1 || s.texts[0].name != "text" ||
				s.timeFormat != "rfc3339" || s.pageSize != 1000 || s.maxLineBytes != 16<<20 || s.maxBadLines != 100 || s.window {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
		{name: "explicit", opts: JSONLOptions{IDField: "data.post.id", TextFields: []string{"title", "body.text"},
			TimeField: "ts", TimeFormat: "unix_ms", PageSize: 5, MaxLineBytes: 64, MaxBadLines: intPtr(0), Window: true},
			check: func(s *jsonl) string {
				if !slices.Equal(s.idPath, []string{"data", "post", "id"}) || len(s.texts) != 2 || s.timeFormat != "unix_ms" ||
					s.pageSize != 5 || s.maxLineBytes != 64 || s.maxBadLines != 0 || !s.window {
					return fmt.Sprintf("%+v", s)
				}
				return ""
			}},
		{name: "id from line", opts: JSONLOptions{IDFrom: "line"}, check: func(s *jsonl) string {
			if s.idFrom != "line" || s.idPath != nil {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
		{name: "go layout", opts: JSONLOptions{TimeField: "t", TimeFormat: "02/01/2006 15:04"}, check: func(s *jsonl) string {
			if s.timeFormat != "02/01/2006 15:04" {
				return s.timeFormat
			}
			return ""
		}},
		{name: "unknown id_from", opts: JSONLOptions{IDFrom: "row"}, wantErr: []string{`jsonl: id_from must be "field", "line" or "hash" (got "row")`}},
		{name: "id_field with id_from", opts: JSONLOptions{IDFrom: "hash", IDField: "id"}, wantErr: []string{`id_field "id" is not used with id_from = "hash"`}},
		{name: "empty segment", opts: JSONLOptions{IDField: "data..id"}, wantErr: []string{`jsonl: id_field "data..id" has an empty segment`}},
		{name: "spaces", opts: JSONLOptions{TextFields: []string{" text"}}, wantErr: []string{`text_fields entry " text" has spaces`}},
		{name: "duplicate text field", opts: JSONLOptions{TextFields: []string{"a", "a"}}, wantErr: []string{`text_fields lists "a" twice`}},
		{name: "bad layout", opts: JSONLOptions{TimeField: "t", TimeFormat: "RFC3339Nano"}, wantErr: []string{`time_format "RFC3339Nano" is not`}},
		{name: "layout without a date", opts: JSONLOptions{TimeField: "t", TimeFormat: "15:04"}, wantErr: []string{`time_format "15:04"`}},
		{name: "format without field", opts: JSONLOptions{TimeFormat: "unix"}, wantErr: []string{`time_format "unix" is set but time_field is not`}},
		{name: "window without time", opts: JSONLOptions{Window: true}, wantErr: []string{"window = true needs time_field"}},
		{name: "page size", opts: JSONLOptions{PageSize: -1}, wantErr: []string{"page_size must be >= 0 and <= 100000 (got -1)"}},
		{name: "line limit", opts: JSONLOptions{MaxLineBytes: -1}, wantErr: []string{"max_line_bytes must be >= 0"}},
		{name: "bad lines", opts: JSONLOptions{MaxBadLines: intPtr(-2)}, wantErr: []string{"max_bad_lines must be >= 0 (got -2)"}},
		{name: "every problem at once", opts: JSONLOptions{IDFrom: "x", TextFields: []string{"."}, URLField: "a.",
			PageSize: -1, Window: true}, wantErr: []string{"id_from", "text_fields", "url_field", "page_size", "window"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := buildJSONL(tt.opts)
			if wantBuildErr(t, fmt.Sprintf("buildJSONL(%+v)", tt.opts), err, tt.wantErr) {
				return
			}
			if msg := tt.check(s); msg != "" {
				t.Errorf("buildJSONL(%+v) = %s", tt.opts, msg)
			}
		})
	}
}

// TestJSONLFiles reads the same records from plain and gzipped files,
// whatever their names say.
func TestJSONLFiles(t *testing.T) {
	content := `{"id":"a","text":"one"}` + "\n" + `{"id":"b","text":"two"}` + "\n"
	want := []Record{{ID: "a", Data: json.RawMessage(`{"id":"a","text":"one"}`)}, {ID: "b", Data: json.RawMessage(`{"id":"b","text":"two"}`)}}
	for _, tt := range []struct {
		name string
		gz   bool
	}{
		{"posts.jsonl", false},
		{"posts.jsonl.gz", true},
		{"posts.ndjson", true}, // gzip without the suffix
		{"posts.gz", false},    // the suffix without gzip
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeJSONL(t, tt.name, content, tt.gz)
			res := jsonlFetchAll(t, newTestJSONL(t, JSONLOptions{}), path, 1000)
			if !sameRecords(res.records, want) || res.problems != nil {
				t.Errorf("Fetch(%s) = %v, problems %q; want %v", tt.name, res.records, res.problems, want)
			}
		})
	}
}

// TestJSONLLines checks how lines become records: ids, bad lines and their
// reasons, line ends, BOMs and blank lines.
func TestJSONLLines(t *testing.T) {
	long := `{"id":"long","text":"` + strings.Repeat("x", 200) + `"}`
	tests := []struct {
		name     string
		opts     JSONLOptions
		content  string
		wantIDs  []string
		wantData []string // when set, each record's Data
		problems []string // substrings of each problem, in order
	}{
		{name: "string ids", content: `{"id":"x1"}` + "\n" + `{"id":"x2"}`, wantIDs: []string{"x1", "x2"}},
		{name: "numeric ids", content: `{"id":12}` + "\n" + `{"id":12345678901234567890}` + "\n" + `{"id":1.5e3}` +
			"\n" + `{"id":1e21}` + "\n" + `{"id":-0.0}` + "\n" + `{"id":2.50}`,
			wantIDs: []string{"12", "12345678901234567890", "1500", "1000000000000000000000", "0", "2.5"}},
		{name: "dotted id", opts: JSONLOptions{IDField: "data.post.id"},
			content: `{"data":{"post":{"id":"p1"}}}` + "\n" + `{"data":{"post":{}}}` + "\n" + `{"data":"flat"}`,
			wantIDs: []string{"p1"}, problems: []string{`:2: no id at id_field "data.post.id"`, `:3: no id at id_field "data.post.id"`}},
		{name: "array index in id path", opts: JSONLOptions{IDField: "ids.1"},
			content: `{"ids":["a","b"]}` + "\n" + `{"ids":["a"]}` + "\n" + `{"ids":{"1":"map"}}`,
			wantIDs: []string{"b", "map"}, problems: []string{":2: no id"}},
		{name: "bad ids", content: `{"id":null}` + "\n" + `{"id":""}` + "\n" + `{"id":{"a":1}}` + "\n" + `{"id":[1]}` +
			"\n" + `{"id":true}` + "\n" + `{"id":1e999}`,
			problems: []string{`:1: no id at id_field "id"`, `:2: blank id`, `:3: id_field "id" is an object, not a string or number`,
				`:4: id_field "id" is an array`, `:5: id_field "id" is a boolean`, `:6: id_field "id": number 1e999 is out of range`}},
		{name: "id from line", opts: JSONLOptions{IDFrom: "line"},
			content: `{"t":1}` + "\n\n" + `{"t":2}` + "\n" + `[1]` + "\n" + `{"t":3}`,
			wantIDs: []string{"1", "3", "5"}, problems: []string{":4: not a JSON object but an array"}},
		{name: "id from hash", opts: JSONLOptions{IDFrom: "hash"},
			content: `{"t":1}` + "\r\n" + `{"t":1}` + "\n" + `{"t":2}`,
			wantIDs: []string{hashID(`{"t":1}`), hashID(`{"t":1}`), hashID(`{"t":2}`)}},
		{name: "bad json", content: `{"id":"a"` + "\n" + `{"id":"b"} x` + "\n" + `"id"` + "\n" + `{"id":"c"}{}` + "\n" + `{"id":"d"}`,
			wantIDs: []string{"d"},
			problems: []string{":1: invalid JSON: unexpected end of JSON input", ":2: invalid JSON: invalid character 'x' after top-level value",
				":3: not a JSON object but a string", ":4: invalid JSON: invalid character '{' after top-level value"}},
		{name: "bad json with line ids", opts: JSONLOptions{IDFrom: "line"},
			content: `{"a":` + "\n" + `nul` + "\n" + ` {"ok":1} `, wantIDs: []string{"3"}, wantData: []string{` {"ok":1} `},
			problems: []string{":1: invalid JSON", ":2: invalid JSON"}},
		{name: "invalid utf-8", content: "{\"id\":\"a\xff\"}\n{\"id\":\"b\"}", wantIDs: []string{"b"}, problems: []string{":1: invalid UTF-8"}},
		{name: "BOM, CRLF, blank lines, no final newline",
			content: "\uFEFF" + `{"id":"a"}` + "\r\n\r\n   \n\t\r\n" + `{"id":"b"}` + "\r\n" + `{"id":"c"}`,
			wantIDs: []string{"a", "b", "c"}, wantData: []string{`{"id":"a"}`, `{"id":"b"}`, `{"id":"c"}`}},
		{name: "BOM hashed without it", opts: JSONLOptions{IDFrom: "hash"}, content: "\uFEFF" + `{"t":1}`,
			wantIDs: []string{hashID(`{"t":1}`)}},
		{name: "oversized line", opts: JSONLOptions{MaxLineBytes: 100},
			content: `{"id":"a"}` + "\n" + long + "\n" + `{"id":"b"}` + "\n" + `{"id":"c","x":"` + strings.Repeat("y", 100-17) + `"}` + "\r\n",
			wantIDs: []string{"a", "b", "c"}, problems: []string{":2: line is longer than max_line_bytes (100)"}},
		{name: "oversized line beyond the read buffer", opts: JSONLOptions{MaxLineBytes: 100 << 10},
			content: `{"id":"a"}` + "\n" + `{"id":"big","x":"` + strings.Repeat("z", 300<<10) + `"}` + "\n" + `{"id":"b"}`,
			wantIDs: []string{"a", "b"}, problems: []string{":2: line is longer than max_line_bytes (102400)"}},
		{name: "long line within the limit", opts: JSONLOptions{MaxLineBytes: 1 << 20},
			content: `{"id":"big","x":"` + strings.Repeat("z", 200<<10) + `"}` + "\n" + `{"id":"b"}`,
			wantIDs: []string{"big", "b"}},
		{name: "empty file", content: "", wantIDs: nil},
		{name: "only blank lines", content: "\n\n\r\n  \n", wantIDs: nil},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/gzip=%v", tt.name, gz), func(t *testing.T) {
				tt.opts.MaxBadLines = intPtr(100)
				path := writeJSONL(t, "f.jsonl", tt.content, gz)
				res := jsonlFetchAll(t, newTestJSONL(t, tt.opts), path, 1000)
				if got := recordIDs(res.records); !slices.Equal(got, tt.wantIDs) {
					t.Errorf("ids = %q; want %q", got, tt.wantIDs)
				}
				if tt.wantData != nil {
					for i, r := range res.records {
						if i < len(tt.wantData) && string(r.Data) != tt.wantData[i] {
							t.Errorf("record %d Data = %q; want %q", i, r.Data, tt.wantData[i])
						}
					}
				}
				if len(res.problems) != len(tt.problems) {
					t.Fatalf("problems = %q; want %d like %q", res.problems, len(tt.problems), tt.problems)
				}
				for i, p := range res.problems {
					if !strings.HasPrefix(p, path+":") || !strings.Contains(p, tt.problems[i]) {
						t.Errorf("problem %d = %q; want %q after the path", i, p, tt.problems[i])
					}
				}
				for _, r := range res.records {
					if !json.Valid(r.Data) {
						t.Errorf("record %s Data %q is not valid JSON", r.ID, r.Data)
					}
				}
			})
		}
	}
}

func hashID(line string) string {
	sum := sha256.Sum256([]byte(line))
	return hex.EncodeToString(sum[:])[:16]
}

// TestJSONLDataIsACopy checks that records do not share the read buffer.
func TestJSONLDataIsACopy(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, `{"id":"%d","text":"%s"}`+"\n", i, strings.Repeat("abc", i%50))
	}
	path := writeJSONL(t, "f.jsonl", b.String(), false)
	res := jsonlFetchAll(t, newTestJSONL(t, JSONLOptions{PageSize: 5000}), path, 5000)
	for i, r := range res.records {
		want := fmt.Sprintf(`{"id":"%d","text":"%s"}`, i, strings.Repeat("abc", i%50))
		if string(r.Data) != want {
			t.Fatalf("record %d Data = %q; want %q", i, r.Data, want)
		}
	}
}

// jsonlPagingFile is a file with good records among blank and bad lines and
// mixed line ends; it returns the content and the ids of its records.
func jsonlPagingFile(n int) (string, []string) {
	var b strings.Builder
	var ids []string
	for i := range n {
		switch i % 7 {
		case 3:
			b.WriteString("\n") // blank
		case 5:
			b.WriteString("{broken\n") // bad
		}
		end := "\n"
		if i%2 == 1 {
			end = "\r\n"
		}
		fmt.Fprintf(&b, `{"id":"r%02d","text":"record %d %s"}%s`, i, i, strings.Repeat("é", i), end)
		ids = append(ids, fmt.Sprintf("r%02d", i))
	}
	return b.String(), ids
}

// TestJSONLPaging reads a file with every page size, then resumes from
// every cursor: each record comes exactly once, in file order, and each bad
// line is reported once.
func TestJSONLPaging(t *testing.T) {
	const n = 23
	content, ids := jsonlPagingFile(n)
	wantBad := strings.Count(content, "{broken")
	for _, gz := range []bool{false, true} {
		path := writeJSONL(t, "p.jsonl", content, gz)
		whole := jsonlFetchAll(t, newTestJSONL(t, JSONLOptions{}), path, 1000)
		if got := recordIDs(whole.records); !slices.Equal(got, ids) {
			t.Fatalf("gzip=%v: one page = %q; want %q", gz, got, ids)
		}
		for size := 1; size <= n+2; size++ {
			t.Run(fmt.Sprintf("gzip=%v/page_size=%d", gz, size), func(t *testing.T) {
				src := newTestJSONL(t, JSONLOptions{PageSize: size})
				res := jsonlFetchAll(t, src, path, size)
				if !sameRecords(res.records, whole.records) {
					t.Fatalf("paged ids = %q; want %q", recordIDs(res.records), ids)
				}
				if len(res.problems) != wantBad {
					t.Errorf("problems = %q; want %d", res.problems, wantBad)
				}
				for i, c := range res.cursors {
					rest, err := jsonlFetchFrom(t, src, Query{Name: "q", Value: path}, c, size)
					if err != nil {
						t.Fatalf("resume at %q = %v", c, err)
					}
					done := (i + 1) * size
					if !sameRecords(rest.records, whole.records[done:]) {
						t.Errorf("resume at %q = %q; want %q", c, recordIDs(rest.records), ids[done:])
					}
				}
			})
		}
	}
}

// TestJSONLParkedReaders checks the gzip readers kept open between pages:
// they are used for the next page, not for a replaced file, and closed when
// unused or too many.
func TestJSONLParkedReaders(t *testing.T) {
	content, ids := jsonlPagingFile(20)
	path := writeJSONL(t, "p.jsonl.gz", content, true)
	src := newTestJSONL(t, JSONLOptions{PageSize: 3}).(*jsonl)
	parked := func() int {
		return src.park.len()
	}
	q := Query{Name: "q", Value: path}

	p1, err := src.Fetch(t.Context(), q, "")
	if err != nil || parked() != 1 {
		t.Fatalf("first page: %v, %d parked; want 1", err, parked())
	}
	p2, err := src.Fetch(t.Context(), q, p1.Next)
	if err != nil || parked() != 1 {
		t.Fatalf("second page: %v, %d parked; want 1", err, parked())
	}
	// The same cursor again, with its reader taken: read afresh, same page.
	again, err := src.Fetch(t.Context(), q, p1.Next)
	if err != nil || !sameRecords(again.Records, p2.Records) || again.Next != p2.Next {
		t.Fatalf("second page again = %q, %v; want %q", recordIDs(again.Records), err, recordIDs(p2.Records))
	}
	if got := recordIDs(append(p1.Records, p2.Records...)); !slices.Equal(got, ids[:6]) {
		t.Errorf("pages = %q; want %q", got, ids[:6])
	}
	rest, err := jsonlFetchFrom(t, src, q, p2.Next, 3)
	if err != nil || !slices.Equal(recordIDs(rest.records), ids[6:]) || parked() != 0 {
		t.Errorf("rest = %q, %v, %d parked; want %q and none parked", recordIDs(rest.records), err, parked(), ids[6:])
	}

	// A file replaced between pages is read afresh.
	p1, _ = src.Fetch(t.Context(), q, "")
	other := strings.ReplaceAll(content, `"id":"r`, `"id":"s`)
	tmp := writeJSONL(t, "other.jsonl.gz", other, true)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	p2, err = src.Fetch(t.Context(), q, p1.Next)
	if err != nil || len(p2.Records) == 0 || p2.Records[0].ID != "s03" {
		t.Errorf("page of the replaced file = %q, %v; want it to start at s03", recordIDs(p2.Records), err)
	}

	// Unused readers expire; no more than parkMax are kept.
	now := time.Now()
	src.now = func() time.Time { return now }
	for i := range parkMax + 3 {
		other := writeJSONL(t, fmt.Sprintf("f%d.jsonl.gz", i), content, true)
		if _, err := src.Fetch(t.Context(), Query{Value: other}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if parked() != parkMax {
		t.Errorf("%d parked; want at most %d", parked(), parkMax)
	}
	now = now.Add(parkTTL + time.Second)
	if _, err := src.Fetch(t.Context(), q, ""); err != nil || parked() != 1 {
		t.Errorf("after the TTL: %v, %d parked; want only the newest", err, parked())
	}
}

// TestJSONLConcurrentFetch pages through one gzip file from several
// goroutines at once (run with -race).
func TestJSONLConcurrentFetch(t *testing.T) {
	content, ids := jsonlPagingFile(40)
	path := writeJSONL(t, "c.jsonl.gz", content, true)
	src := newTestJSONL(t, JSONLOptions{PageSize: 4})
	var wg sync.WaitGroup
	got := make([][]string, 6)
	for i := range got {
		wg.Go(func() {
			res, err := jsonlFetchFrom(t, src, Query{Value: path}, "", 4)
			if err != nil {
				t.Error(err)
			}
			got[i] = recordIDs(res.records)
		})
	}
	wg.Wait()
	for i, g := range got {
		if !slices.Equal(g, ids) {
			t.Errorf("goroutine %d = %q; want %q", i, g, ids)
		}
	}
}

func TestJSONLCursorErrors(t *testing.T) {
	content := `{"id":"a"}` + "\n" + `{"id":"b"}` + "\n" // lines start at 0 and 11; 22 bytes
	for _, gz := range []bool{false, true} {
		path := writeJSONL(t, "c.jsonl", content, gz)
		src := newTestJSONL(t, JSONLOptions{PageSize: 1})
		tests := []struct {
			cursor string
			want   string // "" for success
		}{
			{"11:2:0", ""},
			{"0:1:0", ""},
			{"22:3:0", ""}, // at the end: an empty last page
			{"x", "malformed cursor"},
			{"11:2", "malformed cursor"},
			{"11:2:0:0", "malformed cursor"},
			{"-1:2:0", "malformed cursor"},
			{"+11:2:0", "malformed cursor"},
			{"11:0:0", "malformed cursor"},
			{"11:1:0", "malformed cursor"},
			{"0:2:0", "malformed cursor"},
			{"3:9:0", "malformed cursor"},
			{"99999999999999999999:2:0", "malformed cursor"},
			{"5:2:0", "not at the start of a line"},
			{"23:3:0", "past the end"},
			{"1000:3:0", "past the end"},
		}
		for _, tt := range tests {
			_, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, tt.cursor)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("gzip=%v: Fetch(%q) = %v", gz, tt.cursor, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path)):
				t.Errorf("gzip=%v: Fetch(%q) = %v; want an error naming %s and saying %q", gz, tt.cursor, err, path, tt.want)
			}
		}
	}
}

func TestJSONLTooManyBadLines(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		if i%3 == 0 {
			b.WriteString("not json\n") // lines 3, 6, ..., 30: 10 bad
		} else {
			fmt.Fprintf(&b, `{"id":"%d"}`+"\n", i)
		}
	}
	path := writeJSONL(t, "bad.jsonl", b.String(), false)
	q := Query{Name: "q", Value: path}
	tests := []struct {
		name     string
		max      *int
		pageSize int
		wantErr  []string // nil: success
	}{
		{name: "default allows 100", max: nil, pageSize: 1000},
		{name: "exactly at the limit", max: intPtr(10), pageSize: 4},
		{name: "one over, one page", max: intPtr(9), pageSize: 1000,
			wantErr: []string{path, "too many bad lines (10, more than max_bad_lines = 9)", "line 3: invalid JSON", "line 15: invalid JSON", "and 5 more"}},
		{name: "one over, counted across pages", max: intPtr(9), pageSize: 4,
			wantErr: []string{path, "too many bad lines (10, more than max_bad_lines = 9)", "line 30"}},
		{name: "zero tolerance", max: intPtr(0), pageSize: 1000,
			wantErr: []string{path, "(1, more than max_bad_lines = 0)", "line 3: invalid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newTestJSONL(t, JSONLOptions{MaxBadLines: tt.max, PageSize: tt.pageSize})
			res, err := jsonlFetchFrom(t, src, q, "", tt.pageSize)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch = %v", err)
				}
				if len(res.records) != 20 || len(res.problems) != 10 {
					t.Errorf("Fetch = %d records, problems %q; want 20 and 10", len(res.records), res.problems)
				}
				for i, p := range res.problems {
					if want := fmt.Sprintf("%s:%d: invalid JSON", path, 3*(i+1)); !strings.HasPrefix(p, want) {
						t.Errorf("problem %d = %q; want %q...", i, p, want)
					}
				}
				return
			}
			if !errors.Is(err, ErrTooManyBadLines) {
				t.Fatalf("Fetch = %v; want ErrTooManyBadLines", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Fetch = %q; want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestJSONLProblemsCapped checks that a page lists at most jsonlMaxProblems
// bad lines and counts the rest.
func TestJSONLProblemsCapped(t *testing.T) {
	path := writeJSONL(t, "bad.jsonl", strings.Repeat("x\n", 250)+`{"id":"a"}`, false)
	res := jsonlFetchAll(t, newTestJSONL(t, JSONLOptions{MaxBadLines: intPtr(1000)}), path, 1000)
	if len(res.records) != 1 || len(res.problems) != jsonlMaxProblems+1 ||
		res.problems[jsonlMaxProblems] != path+": 150 more bad lines on this page" {
		t.Errorf("Fetch = %d records, %d problems, last %q", len(res.records), len(res.problems), res.problems[len(res.problems)-1])
	}
}

func TestJSONLFileErrors(t *testing.T) {
	dir := t.TempDir()
	utf16 := filepath.Join(dir, "utf16.jsonl")
	os.WriteFile(utf16, []byte("\xff\xfe{\x00}\x00"), 0o644)
	badgz := filepath.Join(dir, "bad.jsonl.gz")
	os.WriteFile(badgz, []byte("\x1f\x8bnot really gzip"), 0o644)
	src := newTestJSONL(t, JSONLOptions{})
	tests := []struct {
		name, path string
		want       []string
	}{
		{"missing", filepath.Join(dir, "nope.jsonl"), []string{"nope.jsonl", "no such file"}},
		{"directory", dir, []string{dir, "is a directory"}},
		{"utf-16", utf16, []string{utf16, "UTF-16"}},
		{"corrupt gzip header", badgz, []string{badgz, "corrupt gzip header"}},
		{"no path", "", []string{`query "q" has no file path`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := src.Fetch(t.Context(), Query{Name: "q", Value: tt.path}, "")
			if err == nil {
				t.Fatalf("Fetch(%q) = nil error", tt.path)
			}
			for _, w := range append(tt.want, "jsonl: ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Fetch(%q) = %q; want it to contain %q", tt.path, err, w)
				}
			}
		})
	}
}

// TestJSONLTruncatedGzip cuts a gzip file in half: the pages before the cut
// come back whole, then Fetch fails naming the file and the line reached.
func TestJSONLTruncatedGzip(t *testing.T) {
	var b strings.Builder
	var ids []string
	var offsets []int // of each line
	for i := range 3000 {
		// Hex digests compress poorly, so the cut lands mid-file.
		offsets = append(offsets, b.Len())
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		fmt.Fprintf(&b, `{"id":"%d","text":"%x"}`+"\n", i, sum)
		ids = append(ids, strconv.Itoa(i))
	}
	full := gzipBytes(t, []byte(b.String()))
	path := filepath.Join(t.TempDir(), "cut.jsonl.gz")
	if err := os.WriteFile(path, full[:len(full)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	src := newTestJSONL(t, JSONLOptions{PageSize: 100})
	res, err := jsonlFetchFrom(t, src, Query{Name: "q", Value: path}, "", 100)
	if err == nil {
		t.Fatal("Fetch of a truncated gzip file = nil error")
	}
	for _, w := range []string{path, "gzip stream is truncated at line ", "unexpected EOF"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Fetch = %q; want it to contain %q", err, w)
		}
	}
	if got := recordIDs(res.records); len(got) < 1000 || !slices.Equal(got, ids[:len(got)]) {
		t.Errorf("before the error: %d records; want a prefix of at least 1000 of the file's", len(got))
	}
	// Resuming after the last good page fails the same way.
	if len(res.cursors) > 0 {
		if _, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, res.cursors[len(res.cursors)-1]); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("resume = %v; want the truncation error", err)
		}
	}
	// A cursor beyond the cut cannot be reached.
	past := fmt.Sprintf("%d:%d:0", offsets[2900], 2901)
	if _, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, past); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("Fetch(%q) = %v; want the truncation error", past, err)
	}
}

func TestJSONLWindow(t *testing.T) {
	content := strings.Join([]string{
		`{"id":"before","ts":"2024-03-01T23:59:59Z"}`,
		`{"id":"start","ts":"2024-03-02T00:00:00Z"}`,
		`{"id":"offset","ts":"2024-03-02T01:00:00+02:00"}`, // 2024-03-01T23:00Z: before
		`{"id":"late","ts":"2024-03-02T23:59:59.999Z"}`,
		`{"id":"end","ts":"2024-03-03T00:00:00Z"}`,
		`{"id":"none"}`,
		`{"id":"garbled","ts":"yesterday"}`,
	}, "\n")
	path := writeJSONL(t, "w.jsonl", content, false)
	day := Query{Name: "q", Value: path, Start: mustTime(t, "2024-03-02T00:00:00Z"), End: mustTime(t, "2024-03-03T00:00:00Z")}
	tests := []struct {
		name     string
		opts     JSONLOptions
		q        Query
		want     []string
		problems []string
	}{
		{name: "window", opts: JSONLOptions{TimeField: "ts", Window: true}, q: day, want: []string{"start", "late"},
			problems: []string{`:6: no time at time_field "ts"`, `:7: time_field "ts": cannot read "yesterday" as RFC 3339`}},
		{name: "open start", opts: JSONLOptions{TimeField: "ts", Window: true}, q: Query{Value: path, End: day.End},
			want: []string{"before", "start", "offset", "late"}, problems: []string{":6:", ":7:"}},
		{name: "no window: whole file", opts: JSONLOptions{TimeField: "ts"}, q: day,
			want: []string{"before", "start", "offset", "late", "end", "none", "garbled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := jsonlFetchFrom(t, newTestJSONL(t, tt.opts), tt.q, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			if got := recordIDs(res.records); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %q; want %q", got, tt.want)
			}
			if len(res.problems) != len(tt.problems) {
				t.Fatalf("problems = %q; want %q", res.problems, tt.problems)
			}
			for i, p := range res.problems {
				if !strings.Contains(p, tt.problems[i]) {
					t.Errorf("problem %d = %q; want %q", i, p, tt.problems[i])
				}
			}
		})
	}
	// Paging under a window yields full pages of records in the window.
	src := newTestJSONL(t, JSONLOptions{TimeField: "ts", Window: true, PageSize: 1})
	res, err := jsonlFetchFrom(t, src, day, "", 1)
	if err != nil || !slices.Equal(recordIDs(res.records), []string{"start", "late"}) {
		t.Errorf("paged window = %q, %v; want start, late", recordIDs(res.records), err)
	}
}

func TestJSONLCancelled(t *testing.T) {
	path := writeJSONL(t, "f.jsonl", `{"id":"a"}`, false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newTestJSONL(t, JSONLOptions{}).Fetch(ctx, Query{Name: "q", Value: path}, "")
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Fetch(cancelled) = %v; want context canceled", err)
	}
}

func TestJSONLExtract(t *testing.T) {
	ts := mustTime(t, "2024-12-04T09:00:28Z")
	tests := []struct {
		name    string
		opts    JSONLOptions
		data    string
		want    []Text
		wantErr []string
	}{
		{name: "single text field has no Field name", data: `{"text":"hello"}`, want: []Text{{Text: "hello"}}},
		{name: "telegram shape", opts: JSONLOptions{TimeField: "ts", AuthorField: "author"},
			data: `{"source":"telegram","id":"-1/2","author":"Naked Science","ts":"2024-12-04T09:00:28+00:00","text":"В Китае"}`,
			want: []Text{{Text: "В Китае", PublishedAt: ts, Author: "Naked Science"}}},
		{name: "multiple text fields, nested", opts: JSONLOptions{TextFields: []string{"title", "body.text", "media.1.caption", "missing.x"},
			URLField: "link", LanguageField: "meta.lang"},
			data: `{"title":"T","body":{"text":"B"},"media":[{"caption":"zero"},{"caption":"one"}],"link":"https://e.x/1","meta":{"lang":"pt"}}`,
			want: []Text{{Field: "title", Text: "T", URL: "https://e.x/1", Language: "pt"},
				{Field: "body.text", Text: "B", URL: "https://e.x/1", Language: "pt"},
				{Field: "media.1.caption", Text: "one", URL: "https://e.x/1", Language: "pt"}}},
		{name: "empty texts skipped", opts: JSONLOptions{TextFields: []string{"a", "b", "c"}},
			data: `{"a":"","b":"  \n","c":null}`, want: nil},
		{name: "number and bool as text", opts: JSONLOptions{TextFields: []string{"n", "b"}, AuthorField: "uid"},
			data: `{"n":1.50,"b":true,"uid":12345678901234567890}`,
			want: []Text{{Field: "n", Text: "1.50", Author: "12345678901234567890"}, {Field: "b", Text: "true", Author: "12345678901234567890"}}},
		{name: "missing optional fields", opts: JSONLOptions{TimeField: "ts", URLField: "u", LanguageField: "l", AuthorField: "a"},
			data: `{"text":"x"}`, want: []Text{{Text: "x"}}},
		{name: "unix seconds", opts: JSONLOptions{TimeField: "t", TimeFormat: "unix"}, data: `{"text":"x","t":1733302828}`,
			want: []Text{{Text: "x", PublishedAt: ts}}},
		{name: "unix seconds as a string with a fraction", opts: JSONLOptions{TimeField: "t", TimeFormat: "unix"},
			data: `{"text":"x","t":"1733302828.5"}`, want: []Text{{Text: "x", PublishedAt: ts.Add(500 * time.Millisecond)}}},
		{name: "unix ms", opts: JSONLOptions{TimeField: "t", TimeFormat: "unix_ms"}, data: `{"text":"x","t":1733302828250}`,
			want: []Text{{Text: "x", PublishedAt: ts.Add(250 * time.Millisecond)}}},
		{name: "unix ms before 1970", opts: JSONLOptions{TimeField: "t", TimeFormat: "unix_ms"}, data: `{"text":"x","t":-1}`,
			want: []Text{{Text: "x", PublishedAt: time.Unix(0, 0).UTC().Add(-time.Millisecond)}}},
		{name: "go layout", opts: JSONLOptions{TimeField: "t", TimeFormat: "2006-01-02 15:04:05"},
			data: `{"text":"x","t":"2024-12-04 09:00:28"}`, want: []Text{{Text: "x", PublishedAt: ts}}},
		{name: "go layout with zone", opts: JSONLOptions{TimeField: "t", TimeFormat: "02/01/2006 15:04 -0700"},
			data: `{"text":"x","t":"04/12/2024 12:00 +0300"}`, want: []Text{{Text: "x", PublishedAt: ts.Add(-28 * time.Second)}}},
		{name: "rfc3339 with fraction and offset", opts: JSONLOptions{TimeField: "t"},
			data: `{"text":"x","t":"2024-12-04T12:00:28.125+03:00"}`, want: []Text{{Text: "x", PublishedAt: ts.Add(125 * time.Millisecond)}}},
		{name: "empty time string", opts: JSONLOptions{TimeField: "t"}, data: `{"text":"x","t":""}`, want: []Text{{Text: "x"}}},
		{name: "bad rfc3339", opts: JSONLOptions{TimeField: "t"}, data: `{"text":"x","t":"2024-12-04 09:00"}`,
			wantErr: []string{`jsonl: time_field "t": cannot read "2024-12-04 09:00" as RFC 3339`}},
		{name: "number without unix", opts: JSONLOptions{TimeField: "t"}, data: `{"text":"x","t":17}`,
			wantErr: []string{`time_field "t": 17 is a number; set time_format = "unix"`}},
		{name: "bad unix", opts: JSONLOptions{TimeField: "t", TimeFormat: "unix"}, data: `{"text":"x","t":"soon"}`,
			wantErr: []string{`time_field "t": cannot read "soon" as time_format "unix": not a number`}},
		{name: "unix out of range", opts: JSONLOptions{TimeField: "t", TimeFormat: "unix"}, data: `{"text":"x","t":1e300}`,
			wantErr: []string{`cannot read "1e300"`, "out of range"}},
		{name: "time is an object", opts: JSONLOptions{TimeField: "t"}, data: `{"text":"x","t":{}}`,
			wantErr: []string{`time_field "t" is an object, not a time`}},
		{name: "bad layout value", opts: JSONLOptions{TimeField: "t", TimeFormat: "2006-01-02"}, data: `{"text":"x","t":"4 Dec"}`,
			wantErr: []string{`cannot read "4 Dec" with layout "2006-01-02"`}},
		{name: "long value clipped", opts: JSONLOptions{TimeField: "t"}, data: `{"t":"` + strings.Repeat("я", 100) + `"}`,
			wantErr: []string{strings.Repeat("я", 40) + "…"}},
		{name: "text is an array", data: `{"text":["a","b"]}`,
			wantErr: []string{`jsonl: text field "text" is an array; address one element with an index, e.g. "text.0"`}},
		{name: "text is an object", data: `{"text":{"a":1}}`, wantErr: []string{`text field "text" is an object, not text`}},
		{name: "url is an object", opts: JSONLOptions{URLField: "u"}, data: `{"text":"x","u":{}}`,
			wantErr: []string{`url_field "u" is an object`}},
		{name: "not an object", data: `["text"]`, wantErr: []string{"jsonl: record: not a JSON object but an array"}},
		{name: "null", data: `null`, wantErr: []string{"not a JSON object but null"}},
		{name: "invalid", data: `{"text":`, wantErr: []string{"jsonl: record: invalid JSON"}},
		{name: "empty", data: ``, wantErr: []string{"jsonl: record: invalid JSON: no value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newTestJSONL(t, tt.opts).Extract(json.RawMessage(tt.data))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Extract(%s) = %+v; want an error", tt.data, got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Extract(%s) = %q; want it to contain %q", tt.data, err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s) = %v", tt.data, err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b Text) bool {
				return a.Field == b.Field && a.Text == b.Text && a.PublishedAt.Equal(b.PublishedAt) &&
					a.PublishedAt.Location() == time.UTC && a.URL == b.URL && a.Language == b.Language && a.Author == b.Author
			}) {
				t.Errorf("Extract(%s) = %+v; want %+v", tt.data, got, tt.want)
			}
		})
	}
}

const jsonlDatasets = "../../shared/datasets"

func datasetPath(tb testing.TB, name string) string {
	tb.Helper()
	path := filepath.Join(jsonlDatasets, name)
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("dataset %s not available: %v", name, err)
	}
	return path
}

// TestJSONLDatasets reads the shared real datasets end to end.
func TestJSONLDatasets(t *testing.T) {
	if raceEnabled {
		t.Skip("parses whole datasets on one goroutine: the plain run checks it, -race would only be slower")
	}
	t.Run("telegram", func(t *testing.T) {
		path := datasetPath(t, "telegram_ru_news.jsonl.gz")
		src := newTestJSONL(t, JSONLOptions{TimeField: "ts", AuthorField: "author"})
		res := jsonlFetchAll(t, src, path, 1000)
		if len(res.records) != 22099 || res.problems != nil {
			t.Fatalf("telegram: %d records, problems %q; want 22099 and none", len(res.records), res.problems)
		}
		seen := make(map[string]bool, len(res.records))
		for _, r := range res.records {
			if seen[r.ID] {
				t.Fatalf("telegram: id %q twice", r.ID)
			}
			seen[r.ID] = true
			texts, err := src.Extract(r.Data)
			if err != nil {
				t.Fatalf("Extract(%s) = %v", r.ID, err)
			}
			for _, tx := range texts {
				if tx.Field != "" || tx.PublishedAt.Year() < 2023 || tx.Author == "" {
					t.Fatalf("Extract(%s) = %+v", r.ID, tx)
				}
			}
		}
	})
	t.Run("covid", func(t *testing.T) {
		path := datasetPath(t, "covid_rumor_replies.jsonl.gz")
		// Without an id field every line is bad: the limit stops it early.
		_, err := jsonlFetchFrom(t, newTestJSONL(t, JSONLOptions{}), Query{Name: "q", Value: path}, "", 1000)
		if !errors.Is(err, ErrTooManyBadLines) || !strings.Contains(err.Error(), `no id at id_field "id"`) {
			t.Errorf("covid with id_field = %v; want too many bad lines for missing ids", err)
		}
		for _, from := range []string{"line", "hash"} {
			src := newTestJSONL(t, JSONLOptions{IDFrom: from, TimeField: "ts"})
			res := jsonlFetchAll(t, src, path, 1000)
			if len(res.records) != 34712 || res.problems != nil {
				t.Fatalf("covid id_from=%s: %d records, problems %q; want 34712 and none", from, len(res.records), res.problems)
			}
			byID := make(map[string]string, len(res.records))
			for _, r := range res.records {
				// Line ids are unique; hash ids repeat only for identical lines.
				if prev, ok := byID[r.ID]; ok && (from == "line" || prev != string(r.Data)) {
					t.Fatalf("covid id_from=%s: id %q for two different lines", from, r.ID)
				}
				byID[r.ID] = string(r.Data)
			}
			if from == "line" && len(byID) != 34712 {
				t.Errorf("covid line ids: %d unique; want 34712", len(byID))
			}
			t.Logf("covid id_from=%s: %d records, %d distinct ids", from, len(res.records), len(byID))
		}
	})
}

func BenchmarkJSONLFetch(b *testing.B) {
	path := datasetPath(b, "telegram_ru_news.jsonl.gz")
	src := newTestJSONL(b, JSONLOptions{TimeField: "ts", AuthorField: "author"})
	q := Query{Name: "q", Value: path}
	b.Run("fetch", func(b *testing.B) {
		n := 0
		for b.Loop() {
			for cursor := ""; ; {
				p, err := src.Fetch(b.Context(), q, cursor)
				if err != nil {
					b.Fatal(err)
				}
				n += len(p.Records)
				if cursor = p.Next; cursor == "" {
					break
				}
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("extract", func(b *testing.B) {
		res := jsonlFetchAll(b, src, path, 1000)
		n := 0
		for b.Loop() {
			for _, r := range res.records {
				if _, err := src.Extract(r.Data); err != nil {
					b.Fatal(err)
				}
			}
			n += len(res.records)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	})
}

// FuzzJSONLExtract: any bytes give texts or a "jsonl: " error, never a panic.
func FuzzJSONLExtract(f *testing.F) {
	for _, s := range []string{
		`{"text":"hello","ts":"2024-12-04T09:00:28Z","u":"x"}`,
		`{"a":{"b":[{"c":"deep"}]},"text":1e5,"ts":1733302828}`,
		`{"text":["x"]}`, `[]`, `null`, `{"ts":"bad"}`, `{"text":"a\ud800"}`, "{\"text\":\"\xff\"}", `{"ts":-1e308}`,
	} {
		f.Add([]byte(s))
	}
	srcs := []Source{
		newTestJSONL(f, JSONLOptions{TextFields: []string{"text", "a.b.0.c"}, TimeField: "ts", URLField: "u", AuthorField: "a.b"}),
		newTestJSONL(f, JSONLOptions{TimeField: "ts", TimeFormat: "unix_ms", LanguageField: "text.0"}),
		newTestJSONL(f, JSONLOptions{TimeField: "ts", TimeFormat: "2006-01-02"}),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, src := range srcs {
			texts, err := src.Extract(data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "jsonl: ") {
					t.Errorf("Extract(%q) = %q; want a jsonl: error", data, err)
				}
				continue
			}
			for _, tx := range texts {
				if strings.TrimSpace(tx.Text) == "" {
					t.Errorf("Extract(%q) gave a blank text", data)
				}
			}
		}
	})
}

// FuzzJSONLFetch: any file reads without a panic, page by page the same as
// in one page, and every record is a valid UTF-8 JSON object.
func FuzzJSONLFetch(f *testing.F) {
	content, _ := jsonlPagingFile(9)
	for _, s := range []string{content, "\uFEFF{\"id\":1}\r\n\n{\"id\":2}", "{\"id\":\"a\xff\"}\n[]\n{}", "\xff\xfe", "\x1f\x8b", ""} {
		f.Add([]byte(s), uint8(2), false)
		f.Add([]byte(s), uint8(1), true)
	}
	// One file rewritten per input: a worker runs its inputs one at a time.
	path := filepath.Join(f.TempDir(), "f.jsonl")
	f.Fuzz(func(t *testing.T, content []byte, pageSize uint8, gz bool) {
		if gz {
			content = gzipBytes(t, content)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		size := int(pageSize%8) + 1
		for _, from := range []string{"", "hash"} {
			opts := JSONLOptions{IDFrom: from, MaxBadLines: intPtr(1 << 20), MaxLineBytes: 1 << 10}
			whole, err1 := jsonlFetchFrom(t, newTestJSONL(t, opts), Query{Value: path}, "", 1000)
			opts.PageSize = size
			paged, err2 := jsonlFetchFrom(t, newTestJSONL(t, opts), Query{Value: path}, "", size)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("one page: %v; pages of %d: %v", err1, size, err2)
			}
			for _, err := range []error{err1, err2} {
				if err != nil && !strings.HasPrefix(err.Error(), "jsonl: ") {
					t.Errorf("Fetch = %q; want a jsonl: error", err)
				}
			}
			if err1 != nil {
				continue
			}
			if !sameRecords(whole.records, paged.records) || !slices.Equal(whole.problems, paged.problems) {
				t.Errorf("one page: %q, %q; pages of %d: %q, %q", recordIDs(whole.records), whole.problems,
					size, recordIDs(paged.records), paged.problems)
			}
			for _, r := range whole.records {
				if r.ID == "" || !utf8.Valid(r.Data) || !json.Valid(r.Data) {
					t.Errorf("record %q Data %q: want an id and valid UTF-8 JSON", r.ID, r.Data)
				}
				if _, err := parseJSONLObject(r.Data); err != nil {
					t.Errorf("record %q Data %q: %v", r.ID, r.Data, err)
				}
			}
		}
	})
}
