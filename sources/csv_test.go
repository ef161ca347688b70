package sources

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// newTestCSV builds a csv source through its constructor, as New will.
func newTestCSV(tb testing.TB, opts CSVOptions) *csvSource {
	tb.Helper()
	src, err := New("csv", func(v any) error {
		*v.(*CSVOptions) = opts
		return nil
	})
	if err != nil {
		tb.Fatalf("New(csv, %+v) = %v", opts, err)
	}
	return src.(*csvSource)
}

func csvFetchAll(tb testing.TB, src Source, path string, pageSize int) jsonlResult {
	tb.Helper()
	res, err := jsonlFetchFrom(tb, src, Query{Name: "q", Value: path}, "", pageSize)
	if err != nil {
		tb.Fatalf("Fetch(%s) = %v", path, err)
	}
	return res
}

func csvData(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Data)
	}
	return out
}

func TestCSVKind(t *testing.T) {
	if got := newTestCSV(t, CSVOptions{}).Kind(); got != "csv" {
		t.Errorf("Kind() = %q; want csv", got)
	}
	if _, err := New("csv", nil); err != nil {
		t.Errorf("New(csv, nil) = %v", err)
	}
	bad := errors.New("page_size: not an integer")
	if _, err := New("csv", func(any) error { return bad }); !errors.Is(err, bad) {
		t.Errorf("New(csv, failing decode) = %v; want it to wrap %v", err, bad)
	}
}

func TestCSVOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    CSVOptions
		check   func(*csvSource) string // "" when right
		wantErr []string
	}{
		{name: "defaults", opts: CSVOptions{}, check: func(s *csvSource) string {
			if s.idFrom != "column" || s.idColumn != "id" || !slices.Equal(s.texts, []string{"text"}) || s.comma != ',' ||
				s.timeFormat != "rfc3339" || s.pageSize != 1000 || s.maxBadRows != 100 || s.maxRowBytes != 16<<20 ||
				s.window || s.lazyQuotes || s.dl.timeout != time.Minute || s.dl.maxBytes != 64<<20 || s.dl.userAgent == "" {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
		{name: "explicit", opts: CSVOptions{IDColumn: "tweet_id", TextColumns: []string{"title", "body"}, TimeColumn: "ts",
			TimeFormat: "unix", Delimiter: ";", PageSize: 5, MaxBadRows: intPtr(0), Window: true, MaxRowBytes: 99,
			SkipRows: map[string]any{"is_retweet": "t", "lang": []any{"und", "zxx"}}, KeepRows: map[string]any{"kind": []string{"text"}},
			Timeout: time.Second, MaxDownloadBytes: 10, UserAgent: "ua"},
			check: func(s *csvSource) string {
				if s.idColumn != "tweet_id" || len(s.texts) != 2 || s.timeFormat != "unix" || s.comma != ';' || s.pageSize != 5 ||
					s.maxBadRows != 0 || !s.window || s.maxRowBytes != 99 || s.dl.timeout != time.Second || s.dl.maxBytes != 10 ||
					s.dl.userAgent != "ua" || len(s.skip) != 2 || s.skip[0].column != "is_retweet" ||
					!slices.Equal(s.skip[1].values, []string{"und", "zxx"}) || len(s.keep) != 1 {
					return fmt.Sprintf("%+v", s)
				}
				return ""
			}},
		{name: "tab as an escape", opts: CSVOptions{Delimiter: `\t`}, check: func(s *csvSource) string { return csvCheckComma(s, '\t') }},
		{name: "tab as a word", opts: CSVOptions{Delimiter: "tab"}, check: func(s *csvSource) string { return csvCheckComma(s, '\t') }},
		{name: "tab", opts: CSVOptions{Delimiter: "\t"}, check: func(s *csvSource) string { return csvCheckComma(s, '\t') }},
		{name: "pipe", opts: CSVOptions{Delimiter: "|"}, check: func(s *csvSource) string { return csvCheckComma(s, '|') }},
		{name: "id from hash", opts: CSVOptions{IDFrom: "HASH"}, check: func(s *csvSource) string {
			if s.idFrom != "hash" || s.idColumn != "" {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
		{name: "unknown id_from", opts: CSVOptions{IDFrom: "row"}, wantErr: []string{`csv: id_from must be "column", "line" or "hash" (got "row")`}},
		{name: "id_column with id_from", opts: CSVOptions{IDFrom: "line", IDColumn: "id"}, wantErr: []string{`id_column "id" is not used with id_from = "line"`}},
		{name: "duplicate text column", opts: CSVOptions{TextColumns: []string{"a", "a"}}, wantErr: []string{`text_columns lists "a" twice`}},
		{name: "blank text column", opts: CSVOptions{TextColumns: []string{" "}}, wantErr: []string{`text_columns has a blank entry`}},
		{name: "blank column", opts: CSVOptions{URLColumn: " "}, wantErr: []string{`url_column is blank`}},
		{name: "bad layout", opts: CSVOptions{TimeColumn: "t", TimeFormat: "RFC3339Nano"}, wantErr: []string{`time_format "RFC3339Nano" is not`}},
		{name: "format without column", opts: CSVOptions{TimeFormat: "unix"}, wantErr: []string{`time_format "unix" is set but time_column is not`}},
		{name: "window without time", opts: CSVOptions{Window: true}, wantErr: []string{"window = true needs time_column"}},
		{name: "long delimiter", opts: CSVOptions{Delimiter: ";;"}, wantErr: []string{`delimiter must be one character`, `(got ";;")`}},
		{name: "quote delimiter", opts: CSVOptions{Delimiter: `"`}, wantErr: []string{`delimiter must be one character`}},
		{name: "newline delimiter", opts: CSVOptions{Delimiter: "\n"}, wantErr: []string{`delimiter must be one character`}},
		{name: "filter value", opts: CSVOptions{SkipRows: map[string]any{"a": 1}}, wantErr: []string{`skip_rows.a must be a string or a list of strings`}},
		{name: "filter list", opts: CSVOptions{KeepRows: map[string]any{"a": []any{"x", 2}}}, wantErr: []string{`keep_rows.a must be a string or a list of strings`}},
		{name: "empty filter", opts: CSVOptions{KeepRows: map[string]any{"a": []any{}}}, wantErr: []string{`keep_rows.a lists no values`}},
		{name: "page size", opts: CSVOptions{PageSize: -1}, wantErr: []string{"page_size must be >= 0 and <= 100000 (got -1)"}},
		{name: "bad rows", opts: CSVOptions{MaxBadRows: intPtr(-2)}, wantErr: []string{"max_bad_rows must be >= 0 (got -2)"}},
		{name: "row bytes", opts: CSVOptions{MaxRowBytes: -1}, wantErr: []string{"max_row_bytes must be >= 0"}},
		{name: "timeout", opts: CSVOptions{Timeout: -time.Second}, wantErr: []string{"timeout must be >= 0"}},
		{name: "download", opts: CSVOptions{MaxDownloadBytes: 2 << 30}, wantErr: []string{"max_download_bytes must be >= 0 and <= 1073741824"}},
		{name: "every problem at once", opts: CSVOptions{IDFrom: "x", TextColumns: []string{""}, Delimiter: "ab",
			PageSize: -1, Window: true}, wantErr: []string{"id_from", "text_columns", "delimiter", "page_size", "window"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := buildCSV(tt.opts)
			if wantBuildErr(t, fmt.Sprintf("buildCSV(%+v)", tt.opts), err, tt.wantErr) {
				return
			}
			if msg := tt.check(s); msg != "" {
				t.Errorf("buildCSV(%+v) = %s", tt.opts, msg)
			}
		})
	}
}

func csvCheckComma(s *csvSource, want rune) string {
	if s.comma != want {
		return fmt.Sprintf("comma %q; want %q", s.comma, want)
	}
	return ""
}

// TestCSVRows checks how rows become records and bad rows: BOMs, quoting,
// delimiters, line ends, header names, and the line numbers of bad rows.
func TestCSVRows(t *testing.T) {
	tests := []struct {
		name     string
		opts     CSVOptions
		content  string
		want     []string // Data of each record
		wantIDs  []string // nil: not checked
		problems []string // after "path:"
	}{
		{name: "plain", content: "id,text\n1,hello\n2,world\n",
			want: []string{`{"id":"1","text":"hello"}`, `{"id":"2","text":"world"}`}, wantIDs: []string{"1", "2"}},
		{name: "BOM", content: "\uFEFFid,text\n1,hello\n", want: []string{`{"id":"1","text":"hello"}`}},
		{name: "no final line end", content: "id,text\n1,a\n2,b", want: []string{`{"id":"1","text":"a"}`, `{"id":"2","text":"b"}`}},
		{name: "header only", content: "id,text\n", want: nil},
		{name: "header only, no line end", content: "id,text", want: nil},
		{name: "quoting", content: "id,text\n" +
			`1,"a, ""quoted"" word"` + "\n" +
			`2,"two` + "\n" + `lines, and ""more"""` + "\n" +
			`"3",""` + "\n",
			want: []string{`{"id":"1","text":"a, \"quoted\" word"}`, `{"id":"2","text":"two\nlines, and \"more\""}`, `{"id":"3","text":""}`}},
		{name: "CRLF", content: "id,text\r\n1,a\r\n2,\"x\r\ny\"\r\n",
			// encoding/csv reads a CRLF inside a quoted field as LF.
			want: []string{`{"id":"1","text":"a"}`, `{"id":"2","text":"x\ny"}`}},
		{name: "tab", opts: CSVOptions{Delimiter: "\t"}, content: "id\ttext\n1\ta, b; c\n2\t\"tab\there\"\n",
			want: []string{`{"id":"1","text":"a, b; c"}`, `{"id":"2","text":"tab\there"}`}},
		{name: "semicolon", opts: CSVOptions{Delimiter: ";"}, content: "id;text\n1;\"a;b\"\n2;c,d\n",
			want: []string{`{"id":"1","text":"a;b"}`, `{"id":"2","text":"c,d"}`}},
		{name: "pipe", opts: CSVOptions{Delimiter: "|"}, content: "id|text\n1|x|\n2|y\n",
			want: []string{`{"id":"2","text":"y"}`}, problems: []string{"2: has 3 fields; the header has 2"}},
		{name: "blank lines", content: "id,text\n\n1,a\n\n\n2,b\n\n",
			want: []string{`{"id":"1","text":"a"}`, `{"id":"2","text":"b"}`}},
		{name: "html and unicode kept as is", content: "id,text\n1,<b>Привет</b> & 🌍\n",
			want: []string{`{"id":"1","text":"<b>Привет</b> & 🌍"}`}},
		{name: "blank and repeated header names", opts: CSVOptions{TextColumns: []string{"body", "x_5"}},
			content: "id,,body,x,x\n1,a,b,c,d\n",
			want:    []string{`{"id":"1","column_2":"a","body":"b","x":"c","x_5":"d"}`}},
		{name: "bad rows with their lines", content: "id,text\n" +
			"1,ok\n" + // line 2
			"2,too,many\n" + // 3
			"3,\"multi\nline\nfield\"\n" + // 4-6
			"4\n" + // 7: too few
			",no id\n" + // 8
			"  ,blank id\n" + // 9
			"6,bad \xff utf8\n" + // 10
			"7,a \"bare\" quote\n" + // 11
			"8,\"x\"y\n" + // 12: stray quote after a quoted field
			"9,\"spans\ntwo\" lines\"\n" + // 13-14
			"10,last\n", // 15
			want: []string{`{"id":"1","text":"ok"}`, `{"id":"3","text":"multi\nline\nfield"}`, `{"id":"10","text":"last"}`},
			problems: []string{
				"3: has 3 fields; the header has 2",
				"7: has 1 fields; the header has 2",
				`8: empty id in column "id"`,
				`9: empty id in column "id"`,
				`10: column "text" is not valid UTF-8`,
				`11: bare " in non-quoted-field (line 11, column 5) (quote the field`,
				`12: extraneous or missing " in quoted-field (line 12, column 5)`,
				`13: extraneous or missing " in quoted-field (line 14, column 4); the row runs from line 13: an unclosed or stray quote?`,
			}},
		{name: "unclosed quote runs to the end", content: "id,text\n1,a\n2,\"open\n3,b\n4,c\n",
			want:     []string{`{"id":"1","text":"a"}`},
			problems: []string{`3: extraneous or missing " in quoted-field (line 5, column 5); the row runs from line 3`}},
		{name: "lazy quotes", opts: CSVOptions{LazyQuotes: true}, content: "id,text\n1,a \"bare\" quote\n2,\"x\"y\"\n",
			want: []string{`{"id":"1","text":"a \"bare\" quote"}`, `{"id":"2","text":"x\"y"}`}},
		{name: "id from line", opts: CSVOptions{IDFrom: "line"}, content: "text\n\"a\nb\"\nc\n\nd\n",
			want: []string{`{"text":"a\nb"}`, `{"text":"c"}`, `{"text":"d"}`}, wantIDs: []string{"2", "4", "6"}},
		{name: "id from hash", opts: CSVOptions{IDFrom: "hash"}, content: "text\nsame\nsame\nother\n",
			want:    []string{`{"text":"same"}`, `{"text":"same"}`, `{"text":"other"}`},
			wantIDs: []string{csvRowHash(`{"text":"same"}`), csvRowHash(`{"text":"same"}`), csvRowHash(`{"text":"other"}`)}},
		{name: "skip and keep", opts: CSVOptions{SkipRows: map[string]any{"rt": "t"}, KeepRows: map[string]any{"kind": []any{"text", "link"}}},
			content: "id,kind,rt,text\n1,text,f,a\n2,text,t,b\n3,image,f,\n4,link,f,d\n5,image,t,\n6,text,f,f\n",
			want: []string{`{"id":"1","kind":"text","rt":"f","text":"a"}`, `{"id":"4","kind":"link","rt":"f","text":"d"}`,
				`{"id":"6","kind":"text","rt":"f","text":"f"}`}},
		{name: "filters are not checked on bad rows", opts: CSVOptions{SkipRows: map[string]any{"rt": "t"}},
			content: "id,rt,text\n1,t\n", problems: []string{"2: has 2 fields; the header has 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeJSONL(t, "rows.csv", tt.content, false)
			opts := tt.opts
			opts.MaxBadRows = intPtr(1000)
			res := csvFetchAll(t, newTestCSV(t, opts), path, 1000)
			if got := csvData(res.records); !slices.Equal(got, tt.want) {
				t.Errorf("records =\n%q\nwant\n%q", got, tt.want)
			}
			if tt.wantIDs != nil && !slices.Equal(recordIDs(res.records), tt.wantIDs) {
				t.Errorf("ids = %q; want %q", recordIDs(res.records), tt.wantIDs)
			}
			if len(res.problems) != len(tt.problems) {
				t.Fatalf("problems = %q; want %q", res.problems, tt.problems)
			}
			for i, p := range res.problems {
				if want := path + ":" + tt.problems[i]; !strings.HasPrefix(p, want) {
					t.Errorf("problem %d = %q; want %q...", i, p, want)
				}
			}
			for _, r := range res.records {
				if !json.Valid(r.Data) || !utf8.Valid(r.Data) {
					t.Errorf("record %q: Data %q is not valid UTF-8 JSON", r.ID, r.Data)
				}
			}
		})
	}
}

func csvRowHash(s string) string { return hashID(s) }

// TestCSVHeaderErrors checks that a header the options cannot use fails
// Fetch with the file, the missing columns and the header in the message.
func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    CSVOptions
		content string
		want    []string
	}{
		{name: "missing columns", opts: CSVOptions{TimeColumn: "created_at"}, content: "tweet_id,body\n1,a\n",
			want: []string{`the header has no column "id" (id_column), "text" (text_columns), "created_at" (time_column)`,
				`the header (delimiter ',') is "tweet_id", "body"`}},
		{name: "near miss", content: "ID, text\n1,a\n",
			want: []string{`no column "id" (id_column) (did you mean "ID"?), "text" (text_columns) (did you mean " text"?)`}},
		{name: "wrong delimiter", content: "id;text\n1;a\n",
			want: []string{`the header (delimiter ',') is "id;text" (one column holding ";": set delimiter = ";"?)`}},
		{name: "filter column", opts: CSVOptions{SkipRows: map[string]any{"is_retweet": "t"}}, content: "id,text\n",
			want: []string{`no column "is_retweet" (skip_rows)`}},
		{name: "repeated mapped column", content: "id,text,text\n1,a,b\n",
			want: []string{`"text" (text_columns) names 2 columns; the later ones are "text_3" in records`}},
		{name: "names that collide after renaming", content: "id,text,a,a,a_4\n",
			want: []string{`header columns 4 and 5 are both named "a_4"`}},
		{name: "empty", content: "", want: []string{"is empty: it has no header row"}},
		{name: "blank lines only", content: "\n\n", want: []string{"is empty: it has no header row"}},
		{name: "UTF-16", content: "\xff\xfei\x00d\x00", want: []string{"is UTF-16", "save it as CSV UTF-8"}},
		{name: "not UTF-8", content: "id,t\xe9xt\n", want: []string{"header column 2 is not valid UTF-8"}},
		{name: "bad header row", content: "id,\"text\n", want: []string{`header row: extraneous or missing " in quoted-field`}},
		{name: "CR line ends", content: "id,text\r1,a\r2,b\r", want: []string{"bare CR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				path := writeJSONL(t, "h.csv", tt.content, gz)
				_, err := newTestCSV(t, tt.opts).Fetch(t.Context(), Query{Name: "q", Value: path}, "")
				if err == nil {
					t.Fatalf("gzip=%v: Fetch = nil error; want %q", gz, tt.want)
				}
				for _, w := range append(tt.want, "csv: "+path+": ") {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("gzip=%v: Fetch = %q; want it to contain %q", gz, err, w)
					}
				}
			}
		})
	}
}

// csvPagingFile has n good rows with quoted multi-line fields, CRLF and LF
// line ends, blank lines and bad rows between them.
func csvPagingFile(n int) (string, []string) {
	var b strings.Builder
	b.WriteString("\uFEFFid,text,n\n")
	var ids []string
	for i := range n {
		switch i % 7 {
		case 3:
			b.WriteString("\n") // blank
		case 5:
			b.WriteString("bad,\"row\nwith\",too,many\n") // bad, two lines
		}
		end := "\n"
		if i%2 == 1 {
			end = "\r\n"
		}
		text := fmt.Sprintf("row %d %s", i, strings.Repeat("é", i))
		if i%3 == 0 {
			text = fmt.Sprintf(`"row %d, ""quoted""%s%s"`, i, end, strings.Repeat("\n", i%4))
		}
		fmt.Fprintf(&b, "r%02d,%s,%d%s", i, text, i, end)
		ids = append(ids, fmt.Sprintf("r%02d", i))
	}
	return b.String(), ids
}

// TestCSVPaging reads a file with every page size, then resumes from every
// cursor with a new source (so nothing is parked): each record comes
// exactly once, in file order, and each bad row is reported once, at the
// same line.
func TestCSVPaging(t *testing.T) {
	const n = 23
	content, ids := csvPagingFile(n)
	for _, gz := range []bool{false, true} {
		path := writeJSONL(t, "p.csv", content, gz)
		whole := csvFetchAll(t, newTestCSV(t, CSVOptions{}), path, 1000)
		if got := recordIDs(whole.records); !slices.Equal(got, ids) {
			t.Fatalf("gzip=%v: one page = %q; want %q", gz, got, ids)
		}
		if len(whole.problems) != 3 {
			t.Fatalf("gzip=%v: problems = %q; want 3", gz, whole.problems)
		}
		for size := 1; size <= n+2; size++ {
			t.Run(fmt.Sprintf("gzip=%v/page_size=%d", gz, size), func(t *testing.T) {
				opts := CSVOptions{PageSize: size}
				res := csvFetchAll(t, newTestCSV(t, opts), path, size)
				if !sameRecords(res.records, whole.records) {
					t.Fatalf("paged ids = %q; want %q", recordIDs(res.records), ids)
				}
				if !slices.Equal(res.problems, whole.problems) {
					t.Errorf("problems = %q; want %q", res.problems, whole.problems)
				}
				var problems []string
				for i, c := range res.cursors {
					rest, err := jsonlFetchFrom(t, newTestCSV(t, opts), Query{Name: "q", Value: path}, c, size)
					if err != nil {
						t.Fatalf("resume at %q = %v", c, err)
					}
					done := (i + 1) * size
					if !sameRecords(rest.records, whole.records[done:]) {
						t.Errorf("resume at %q = %q; want %q", c, recordIDs(rest.records), ids[done:])
					}
					if i == 0 {
						problems = rest.problems
					}
				}
				// The problems after the first page, read from its cursor,
				// name the same lines as in one page.
				if len(res.cursors) > 0 && !slices.Equal(problems, whole.problems[len(whole.problems)-len(problems):]) {
					t.Errorf("problems resumed = %q; want the tail of %q", problems, whole.problems)
				}
			})
		}
	}
}

// TestCSVParkedReaders checks that gzip readers are kept between pages and
// that a replaced file is read afresh.
func TestCSVParkedReaders(t *testing.T) {
	content, ids := csvPagingFile(20)
	path := writeJSONL(t, "p.csv.gz", content, true)
	src := newTestCSV(t, CSVOptions{PageSize: 3})
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
	again, err := src.Fetch(t.Context(), q, p1.Next) // its reader taken: read afresh
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

	p1, _ = src.Fetch(t.Context(), q, "")
	tmp := writeJSONL(t, "other.csv.gz", strings.ReplaceAll(content, "\nr", "\ns"), true)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	p2, err = src.Fetch(t.Context(), q, p1.Next)
	if err != nil || len(p2.Records) == 0 || p2.Records[0].ID != "s03" {
		t.Errorf("page of the replaced file = %q, %v; want it to start at s03", recordIDs(p2.Records), err)
	}

	now := time.Now()
	src.now = func() time.Time { return now }
	for i := range parkMax + 3 {
		other := writeJSONL(t, fmt.Sprintf("f%d.csv", i), content, true)
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

// TestCSVConcurrentFetch pages through one gzip file from several
// goroutines at once (run with -race).
func TestCSVConcurrentFetch(t *testing.T) {
	content, ids := csvPagingFile(40)
	path := writeJSONL(t, "c.csv.gz", content, true)
	src := newTestCSV(t, CSVOptions{PageSize: 4})
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

func TestCSVCursorErrors(t *testing.T) {
	// The header ends at byte 8 (line 2); row "1,a" at 8, row "2,b" at 12;
	// 16 bytes in all.
	content := "id,text\n1,a\n2,b\n"
	for _, gz := range []bool{false, true} {
		path := writeJSONL(t, "c.csv", content, gz)
		src := newTestCSV(t, CSVOptions{PageSize: 1})
		tests := []struct {
			cursor string
			want   string // "" for success
		}{
			{"8:2:0", ""},
			{"12:3:0", ""},
			{"16:4:0", ""}, // at the end: an empty last page
			{"x", "malformed cursor"},
			{"12:3", "malformed cursor"},
			{"12:3:0:abcdefabcdefabcd", "malformed cursor"},
			{"-1:2:0", "malformed cursor"},
			{"+12:3:0", "malformed cursor"},
			{"12:1:0", "malformed cursor"},
			{"0:1:0", "malformed cursor"},
			{"3:9:0", "malformed cursor"},
			{"99999999999999999999:2:0", "malformed cursor"},
			{"10:2:0", "not at the start of a row"},
			{"4:2:0", ""}, // plain: "outside the file's rows"; gzip: "not at the start"
			{"17:4:0", ""},
		}
		for _, tt := range tests {
			want := tt.want
			switch {
			case tt.cursor == "4:2:0" && gz:
				want = "not at the start of a row"
			case tt.cursor == "4:2:0":
				want = "outside the file's rows"
			case tt.cursor == "17:4:0" && gz:
				want = "past the end"
			case tt.cursor == "17:4:0":
				want = "outside the file's rows"
			case tt.cursor == "12:3:0" && gz:
				// A gzip cursor's line is checked too.
				if _, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, "12:4:0"); err == nil || !strings.Contains(err.Error(), "not at the start of a row") {
					t.Errorf("gzip: Fetch(12:4:0) = %v; want a stale cursor", err)
				}
			}
			_, err := src.Fetch(t.Context(), Query{Name: "q", Value: path}, tt.cursor)
			switch {
			case want == "" && err != nil:
				t.Errorf("gzip=%v: Fetch(%q) = %v", gz, tt.cursor, err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path)):
				t.Errorf("gzip=%v: Fetch(%q) = %v; want an error naming %s and saying %q", gz, tt.cursor, err, path, want)
			}
		}
	}
}

func TestCSVTooManyBadRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text\n")
	for i := 2; i <= 31; i++ { // lines 2 to 31; every third is bad
		if i%3 == 0 {
			fmt.Fprintf(&b, "%d,bad,row\n", i) // lines 3, 6, ..., 30: 10 bad
		} else {
			fmt.Fprintf(&b, "%d,ok\n", i)
		}
	}
	path := writeJSONL(t, "bad.csv", b.String(), false)
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
			wantErr: []string{"csv: " + path + ": too many bad lines (10 bad rows, more than max_bad_rows = 9)",
				"line 3: has 3 fields; the header has 2", "line 15: has 3", "and 5 more", `(is the delimiter ',' right?)`}},
		{name: "one over, counted across pages", max: intPtr(9), pageSize: 4,
			wantErr: []string{path, "(10 bad rows, more than max_bad_rows = 9)", "line 30"}},
		{name: "zero tolerance", max: intPtr(0), pageSize: 1000,
			wantErr: []string{path, "(1 bad rows, more than max_bad_rows = 0)", "line 3: has 3 fields"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newTestCSV(t, CSVOptions{MaxBadRows: tt.max, PageSize: tt.pageSize})
			res, err := jsonlFetchFrom(t, src, q, "", tt.pageSize)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch = %v", err)
				}
				if len(res.records) != 20 || len(res.problems) != 10 {
					t.Errorf("Fetch = %d records, problems %q; want 20 and 10", len(res.records), res.problems)
				}
				for i, p := range res.problems {
					if want := fmt.Sprintf("%s:%d: has 3 fields", path, 3*(i+1)); !strings.HasPrefix(p, want) {
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

func TestCSVProblemsCapped(t *testing.T) {
	path := writeJSONL(t, "bad.csv", "id,text\n"+strings.Repeat("x\n", 250)+"1,a\n", false)
	res := csvFetchAll(t, newTestCSV(t, CSVOptions{MaxBadRows: intPtr(1000)}), path, 1000)
	if len(res.records) != 1 || len(res.problems) != jsonlMaxProblems+1 ||
		res.problems[jsonlMaxProblems] != path+": 150 more bad rows on this page" {
		t.Errorf("Fetch = %d records, %d problems, last %q", len(res.records), len(res.problems), res.problems[len(res.problems)-1])
	}
}

// TestCSVFileErrors checks the errors that stop a file: each names it.
func TestCSVFileErrors(t *testing.T) {
	dir := t.TempDir()
	badgz := filepath.Join(dir, "bad.csv.gz")
	os.WriteFile(badgz, []byte("\x1f\x8bnot really gzip"), 0o644)
	var rows strings.Builder
	rows.WriteString("id,text\n")
	for i := range 3000 {
		fmt.Fprintf(&rows, "%d,some text for row %d\n", i, i)
	}
	full := gzipBytes(t, []byte(rows.String()))
	truncated := filepath.Join(dir, "truncated.csv.gz")
	os.WriteFile(truncated, full[:len(full)/2], 0o644)
	long := writeJSONL(t, "long.csv", "id,text\n1,a\n2,\"never closed "+strings.Repeat("x", 20000)+"\n3,b\n", false)

	tests := []struct {
		name string
		path string
		opts CSVOptions
		want []string
	}{
		{name: "missing", path: filepath.Join(dir, "nope.csv"), want: []string{"nope.csv", "no such file"}},
		{name: "directory", path: dir, want: []string{dir, "is a directory"}},
		{name: "corrupt gzip", path: badgz, want: []string{badgz, "corrupt gzip header"}},
		{name: "truncated gzip", path: truncated, want: []string{truncated, "gzip stream is truncated at line"}},
		{name: "row too long", path: long, opts: CSVOptions{MaxRowBytes: 1000},
			want: []string{long, "the row at line 3 is longer than max_row_bytes (1000): an unclosed quote?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jsonlFetchFrom(t, newTestCSV(t, tt.opts), Query{Name: "q", Value: tt.path}, "", 1000)
			if err == nil {
				t.Fatalf("Fetch(%s) = nil error; want %q", tt.path, tt.want)
			}
			for _, w := range append(tt.want, "csv: ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Fetch(%s) = %q; want it to contain %q", tt.path, err, w)
				}
			}
		})
	}
	if _, err := newTestCSV(t, CSVOptions{}).Fetch(t.Context(), Query{Name: "posts"}, ""); err == nil ||
		!strings.Contains(err.Error(), `query "posts" has no file path or URL`) {
		t.Errorf("Fetch(no path) = %v", err)
	}
}

func TestCSVWindow(t *testing.T) {
	content := "id,ts,text\n" +
		"a,2024-12-03T23:59:59Z,before\n" +
		"b,2024-12-04T00:00:00Z,first in\n" +
		"c,2024-12-04T12:00:00+02:00,in\n" +
		"d,2024-12-05T00:00:00Z,end is exclusive\n" +
		"e,,no time\n" +
		"f,yesterday,unreadable\n" +
		"g, 2024-12-04T23:00:00Z ,spaces around\n"
	path := writeJSONL(t, "w.csv", content, false)
	day := Query{Name: "q", Value: path, Start: time.Date(2024, 12, 4, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 5, 0, 0, 0, 0, time.UTC)}
	src := newTestCSV(t, CSVOptions{TimeColumn: "ts", Window: true, PageSize: 2})
	res, err := jsonlFetchFrom(t, src, day, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := recordIDs(res.records); !slices.Equal(got, []string{"b", "c", "g"}) {
		t.Errorf("window ids = %q; want b c g", got)
	}
	wantProblems := []string{path + `:6: no time in time_column "ts" (window = true needs one)`,
		path + `:7: time_column "ts": cannot read "yesterday" as RFC 3339`}
	if len(res.problems) != 2 || res.problems[0] != wantProblems[0] || !strings.HasPrefix(res.problems[1], wantProblems[1]) {
		t.Errorf("problems = %q; want %q", res.problems, wantProblems)
	}
	open := csvFetchAll(t, src, path, 2) // zero bounds are open
	if got := recordIDs(open.records); !slices.Equal(got, []string{"a", "b", "c", "d", "g"}) {
		t.Errorf("open window ids = %q", got)
	}
	all := csvFetchAll(t, newTestCSV(t, CSVOptions{TimeColumn: "ts"}), path, 1000) // no window: every row
	if len(all.records) != 7 || all.problems != nil {
		t.Errorf("without window: %d records, problems %q; want 7 and none", len(all.records), all.problems)
	}
}

func TestCSVCancelled(t *testing.T) {
	path := writeJSONL(t, "c.csv", "id,text\n1,a\n", false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := newTestCSV(t, CSVOptions{}).Fetch(ctx, Query{Value: path}, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled) = %v; want context.Canceled", err)
	}
}

func TestCSVExtract(t *testing.T) {
	at := time.Date(2024, 12, 4, 9, 0, 28, 0, time.UTC)
	full := CSVOptions{TextColumns: []string{"title", "body"}, TimeColumn: "ts", URLColumn: "url", LanguageColumn: "lang", AuthorColumn: "who"}
	tests := []struct {
		name    string
		opts    CSVOptions
		data    string
		want    []Text
		wantErr string
	}{
		{name: "one text", data: `{"id":"1","text":"hello"}`, want: []Text{{Text: "hello"}}},
		{name: "blank text", data: `{"id":"1","text":"  \n"}`, want: nil},
		{name: "missing text", data: `{"id":"1"}`, want: nil},
		{name: "every field", opts: full,
			data: `{"title":"T","body":"B <b>x</b>","ts":"2024-12-04T11:00:28+02:00","url":"https://x/1","lang":"ru","who":"Анна"}`,
			want: []Text{
				{Field: "title", Text: "T", PublishedAt: at, URL: "https://x/1", Language: "ru", Author: "Анна"},
				{Field: "body", Text: "B <b>x</b>", PublishedAt: at, URL: "https://x/1", Language: "ru", Author: "Анна"},
			}},
		{name: "one of two texts", opts: full, data: `{"title":"","body":"B","ts":""}`, want: []Text{{Field: "body", Text: "B"}}},
		{name: "unix", opts: CSVOptions{TimeColumn: "ts", TimeFormat: "unix"}, data: `{"text":"x","ts":" 1733302828 "}`,
			want: []Text{{Text: "x", PublishedAt: at}}},
		{name: "layout", opts: CSVOptions{TimeColumn: "ts", TimeFormat: "02/01/2006 15:04:05"}, data: `{"text":"x","ts":"04/12/2024 09:00:28"}`,
			want: []Text{{Text: "x", PublishedAt: at}}},
		{name: "unreadable time", opts: CSVOptions{TimeColumn: "ts"}, data: `{"text":"x","ts":"soon"}`,
			wantErr: `csv: time_column "ts": cannot read "soon" as RFC 3339`},
		{name: "no column named empty", data: `{"":"x","text":"y"}`, want: []Text{{Text: "y"}}},
		{name: "not an object", data: `["x"]`, wantErr: "csv: record is not a JSON object of strings"},
		{name: "not strings", data: `{"text":1}`, wantErr: "csv: record is not a JSON object of strings"},
		{name: "not JSON", data: `{`, wantErr: "csv: record is not a JSON object of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newTestCSV(t, tt.opts).Extract(json.RawMessage(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Extract(%s) = %v; want %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s) = %v", tt.data, err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b Text) bool {
				return a.Field == b.Field && a.Text == b.Text && a.PublishedAt.Equal(b.PublishedAt) && a.URL == b.URL &&
					a.Language == b.Language && a.Author == b.Author
			}) {
				t.Errorf("Extract(%s) = %+v; want %+v", tt.data, got, tt.want)
			}
		})
	}
}

// TestCSVFetchThenExtract checks that a row read by Fetch extracts to its
// cells, quotes, commas and newlines included.
func TestCSVFetchThenExtract(t *testing.T) {
	path := writeJSONL(t, "e.csv", "id;text;who\n1;\"a \"\"b\"\";\nc\";Ёж\n", false)
	src := newTestCSV(t, CSVOptions{Delimiter: ";", AuthorColumn: "who"})
	res := csvFetchAll(t, src, path, 1000)
	if len(res.records) != 1 {
		t.Fatalf("Fetch = %d records", len(res.records))
	}
	texts, err := src.Extract(res.records[0].Data)
	if err != nil || len(texts) != 1 || texts[0].Text != "a \"b\";\nc" || texts[0].Author != "Ёж" {
		t.Errorf("Extract(%s) = %+v, %v", res.records[0].Data, texts, err)
	}
}

// TestCSVURL reads a CSV over HTTP: one download for all pages, the
// User-Agent sent, a changed file noticed between pages, errors naming the
// URL.
func TestCSVURL(t *testing.T) {
	content, ids := csvPagingFile(10)
	var body atomic.Value
	body.Store(content)
	var gets atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/data.csv", func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		if r.Method != http.MethodGet || r.Header.Get("User-Agent") != "timpani-test/1" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, body.Load().(string))
	})
	mux.HandleFunc("/data.csv.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Write(gzipBytes(t, []byte(content)))
	})
	mux.HandleFunc("/big.csv", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "id,text\n"+strings.Repeat("1,a\n", 1000))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	src := newTestCSV(t, CSVOptions{PageSize: 3, UserAgent: "timpani-test/1"})
	res := csvFetchAll(t, src, srv.URL+"/data.csv", 3)
	if !slices.Equal(recordIDs(res.records), ids) || gets.Load() != 1 {
		t.Errorf("Fetch(url) = %q in %d downloads; want %q in 1", recordIDs(res.records), gets.Load(), ids)
	}
	for _, c := range res.cursors {
		if strings.Count(c, ":") != 3 {
			t.Errorf("cursor %q: want offset:line:bad:hash", c)
		}
	}
	// Without the cached download (a new process), the cursor still works
	// while the file is the same...
	rest, err := jsonlFetchFrom(t, newTestCSV(t, CSVOptions{PageSize: 3, UserAgent: "timpani-test/1"}),
		Query{Value: srv.URL + "/data.csv"}, res.cursors[1], 3)
	if err != nil || !sameRecords(rest.records, res.records[6:]) {
		t.Errorf("resume at %q = %q, %v; want %q", res.cursors[1], recordIDs(rest.records), err, ids[6:])
	}
	// ... and fails clearly once it changed.
	body.Store(strings.Replace(content, "r00", "x00", 1))
	_, err = newTestCSV(t, CSVOptions{PageSize: 3, UserAgent: "timpani-test/1"}).Fetch(t.Context(), Query{Value: srv.URL + "/data.csv"}, res.cursors[1])
	if err == nil || !strings.Contains(err.Error(), "the file changed since the first page was read") {
		t.Errorf("resume after a change = %v; want a clear error", err)
	}

	gz := csvFetchAll(t, newTestCSV(t, CSVOptions{PageSize: 4}), srv.URL+"/data.csv.gz", 4)
	if !slices.Equal(recordIDs(gz.records), ids) {
		t.Errorf("Fetch(gzip url) = %q; want %q", recordIDs(gz.records), ids)
	}

	for _, tt := range []struct {
		name, url string
		opts      CSVOptions
		want      string
	}{
		{"not found", srv.URL + "/nope.csv", CSVOptions{}, "csv: GET " + srv.URL + "/nope.csv: 404 Not Found"},
		{"user agent refused", srv.URL + "/data.csv", CSVOptions{}, "400 Bad Request"},
		{"too large", srv.URL + "/big.csv", CSVOptions{MaxDownloadBytes: 100}, "the response is larger than max_download_bytes (100 bytes)"},
		{"bad cursor", srv.URL + "/data.csv", CSVOptions{}, "malformed cursor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cursor := ""
			if tt.name == "bad cursor" {
				cursor = "8:2:0" // a file's cursor: no hash
			}
			_, err := newTestCSV(t, tt.opts).Fetch(t.Context(), Query{Value: tt.url}, cursor)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.url) {
				t.Errorf("Fetch(%s) = %v; want %q naming the URL", tt.url, err, tt.want)
			}
		})
	}
}

// csvTelegramFile writes the shared Telegram dataset as a CSV (in a temp
// dir, never committed) and returns its path and the texts by id.
func csvTelegramFile(tb testing.TB) (string, map[string]string) {
	tb.Helper()
	src := datasetPath(tb, "telegram_ru_news.jsonl.gz")
	f, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "telegram.csv")
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	w := csv.NewWriter(out)
	w.Write([]string{"id", "author", "ts", "text", "category"})
	texts := map[string]string{}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var p struct{ ID, Author, TS, Text, Category string }
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatal(err)
		}
		texts[p.ID] = p.Text
		w.Write([]string{p.ID, p.Author, p.TS, p.Text, p.Category})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	return path, texts
}

// TestCSVDataset reads the Telegram dataset back from a CSV: every row,
// every text exactly (commas, quotes and newlines included).
func TestCSVDataset(t *testing.T) {
	if raceEnabled {
		t.Skip("parses whole datasets on one goroutine: the plain run checks it, -race would only be slower")
	}
	path, texts := csvTelegramFile(t)
	if len(texts) != 22099 {
		t.Fatalf("dataset has %d ids; want 22099", len(texts))
	}
	src := newTestCSV(t, CSVOptions{TimeColumn: "ts", AuthorColumn: "author", Window: true})
	res := csvFetchAll(t, src, path, 1000)
	if len(res.records) != 22099 || res.problems != nil {
		t.Fatalf("%d records, problems %q; want 22099 and none", len(res.records), res.problems)
	}
	seen := make(map[string]bool, len(res.records))
	for _, r := range res.records {
		if seen[r.ID] {
			t.Fatalf("id %q twice", r.ID)
		}
		seen[r.ID] = true
		got, err := src.Extract(r.Data)
		if err != nil {
			t.Fatalf("Extract(%s) = %v", r.ID, err)
		}
		want := texts[r.ID]
		if strings.TrimSpace(want) == "" {
			if len(got) != 0 {
				t.Errorf("Extract(%s) = %+v; want no text", r.ID, got)
			}
			continue
		}
		if len(got) != 1 || got[0].Text != want || got[0].PublishedAt.Year() < 2023 || got[0].Author == "" {
			t.Fatalf("Extract(%s) = %+v; want text %q", r.ID, got, want)
		}
	}
}

// BenchmarkCSVFetch reads the Telegram dataset as a CSV (about 20 MB),
// plain and gzipped.
func BenchmarkCSVFetch(b *testing.B) {
	path, _ := csvTelegramFile(b)
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	gz := filepath.Join(b.TempDir(), "telegram.csv.gz")
	if err := os.WriteFile(gz, gzipBytes(b, raw), 0o644); err != nil {
		b.Fatal(err)
	}
	src := newTestCSV(b, CSVOptions{TimeColumn: "ts", AuthorColumn: "author"})
	for _, file := range []struct{ name, path string }{{"plain", path}, {"gzip", gz}} {
		b.Run("fetch/"+file.name, func(b *testing.B) {
			q := Query{Name: "q", Value: file.path}
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
			b.SetBytes(int64(len(raw)))
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
	b.Run("extract", func(b *testing.B) {
		res := csvFetchAll(b, src, path, 1000)
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

// FuzzCSVFetch: any file reads without a panic, with a "csv: " error or
// records; page by page the same as in one page; every record valid UTF-8
// JSON that Extract reads back.
func FuzzCSVFetch(f *testing.F) {
	content, _ := csvPagingFile(9)
	for _, s := range []string{content, "id,text\n1,a\n", "\uFEFFid,text\r\n1,\"a\r\nb\"\r\n", "id,text\n1,\"x\n2,y\n",
		"id,text\n\"1\"x,a\n2,\"\"\"\"\n", "id\n\n", "\xff\xfe", "\x1f\x8b", "", "id,text\n1,\xff\n", "text,id,text\n,,\n"} {
		f.Add([]byte(s), uint8(2), false, false)
		f.Add([]byte(s), uint8(1), true, true)
	}
	path := filepath.Join(f.TempDir(), "f.csv")
	f.Fuzz(func(t *testing.T, content []byte, pageSize uint8, gz, lazy bool) {
		if gz {
			content = gzipBytes(t, content)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		size := int(pageSize%8) + 1
		for _, from := range []string{"", "line"} {
			opts := CSVOptions{IDFrom: from, MaxBadRows: intPtr(1 << 20), MaxRowBytes: 1 << 10, LazyQuotes: lazy}
			src := newTestCSV(t, opts)
			whole, err1 := jsonlFetchFrom(t, src, Query{Value: path}, "", 1000)
			opts.PageSize = size
			paged, err2 := jsonlFetchFrom(t, newTestCSV(t, opts), Query{Value: path}, "", size)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("one page: %v; pages of %d: %v", err1, size, err2)
			}
			for _, err := range []error{err1, err2} {
				if err != nil && !strings.HasPrefix(err.Error(), "csv: ") {
					t.Errorf("Fetch = %q; want a csv: error", err)
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
				if _, err := src.Extract(r.Data); err != nil {
					t.Errorf("Extract(%q) = %v", r.Data, err)
				}
			}
		}
	})
}

// FuzzCSVExtract: any bytes give texts or a "csv: " error, never a panic.
func FuzzCSVExtract(f *testing.F) {
	for _, s := range []string{`{"id":"1","text":"hello","ts":"2024-12-04T09:00:28Z"}`, `{"text":1}`, `[]`, `null`,
		`{"ts":"bad"}`, `{"text":"a\ud800"}`, "{\"text\":\"\xff\"}", `{"ts":"-1e308"}`, `{"title":"x","body":"y","u":"z"}`} {
		f.Add([]byte(s))
	}
	srcs := []*csvSource{
		newTestCSV(f, CSVOptions{TextColumns: []string{"title", "body"}, TimeColumn: "ts", URLColumn: "u", AuthorColumn: "a"}),
		newTestCSV(f, CSVOptions{TimeColumn: "ts", TimeFormat: "unix_ms", LanguageColumn: "text"}),
		newTestCSV(f, CSVOptions{TimeColumn: "ts", TimeFormat: "2006-01-02"}),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, src := range srcs {
			texts, err := src.Extract(data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "csv: ") {
					t.Errorf("Extract(%q) = %q; want a csv: error", data, err)
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
