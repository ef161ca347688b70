package sources

// The csv source reads a CSV (or TSV) file, gzipped or not, whose first row
// is a header, and maps each further row to a record through column names.
// It is how spreadsheets and research exports come in, like the original's
// S3 CSV sources (the TSE tipline and AAPI tweets).
//
// The query value is the file's path, or an http(s) URL: the file is then
// downloaded whole (with a timeout, a size limit and a User-Agent), kept in
// memory while its pages are read, and parsed the same way.
//
// As with jsonl, without window = true the whole file is the content of
// every query window and items are deduplicated by id downstream; with
// window = true only rows whose time falls in [Start, End) are yielded.
//
// A row that cannot be used (a broken quote, the wrong number of fields,
// invalid UTF-8, an empty id, or, with window = true, no readable time) is a
// bad row: it is skipped, listed in Page.Problems with its file and line
// number (the line the row starts on, counting the lines inside quoted
// fields), and counted; more than max_bad_rows of them fail Fetch with an
// error wrapping ErrTooManyBadLines. Rows that skip_rows or keep_rows filter
// out are not bad: they are meant to be left out, and are not reported.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// CSVOptions are the options of the csv source kind (its TOML table). A
// zero value means the default. Columns are named as in the header row,
// exactly (case and spaces count); a blank header name is "column_N" and a
// repeated one "name_N", N being the column's 1-based position, and these
// are also the keys of the records.
type CSVOptions struct {
	// IDFrom says where a row's id comes from:
	//   "column" (default) the cell in IDColumn, as written; a blank one
	//            makes the row bad;
	//   "line"   the line the row starts on (the header is line 1), stable
	//            for a file that is only appended to;
	//   "hash"   the first 16 hex digits of the SHA-256 of the row's record
	//            (its JSON object), so identical rows share an id.
	IDFrom string `toml:"id_from"`
	// IDColumn is the id's column, used with IDFrom "column". Default "id".
	IDColumn string `toml:"id_column"`
	// TextColumns are the text columns. Each non-blank cell yields one Text
	// whose Field is the column name, or "" when there is exactly one
	// column. Default ["text"].
	TextColumns []string `toml:"text_columns"`
	// TimeColumn is the published time's column. Default none.
	TimeColumn string `toml:"time_column"`
	// TimeFormat is how TimeColumn is written, as in jsonl: "rfc3339"
	// (default), "unix", "unix_ms", or a Go layout such as
	// "2006-01-02 15:04:05" (read as UTC unless it has a zone). Spaces
	// around the cell are ignored; a blank cell is no time.
	TimeFormat string `toml:"time_format"`
	// URLColumn, LanguageColumn and AuthorColumn are optional columns.
	URLColumn      string `toml:"url_column"`
	LanguageColumn string `toml:"language_column"`
	AuthorColumn   string `toml:"author_column"`
	// Delimiter separates fields: one character, e.g. ";", "|" or "\t"
	// (also written "tab"). Default ",".
	Delimiter string `toml:"delimiter"`
	// LazyQuotes accepts a bare " inside an unquoted field and a lone " in
	// a quoted one, as spreadsheet exports sometimes hold, instead of
	// making the row bad. Its risk: an unbalanced quote then runs on into
	// the following rows without complaint. Default false.
	LazyQuotes bool `toml:"lazy_quotes"`
	// SkipRows leaves out a row when any listed column holds one of the
	// listed values, compared exactly, e.g.
	//   skip_rows = { is_retweet = "t", lang = ["und", "zxx"] }
	// KeepRows keeps a row only when every listed column holds one of its
	// values, e.g. keep_rows = { request_type = "text" }. A value is a
	// string or a list of strings. Filtered rows are not bad rows.
	SkipRows map[string]any `toml:"skip_rows"`
	KeepRows map[string]any `toml:"keep_rows"`
	// PageSize is the number of records per page. Default 1000.
	PageSize int `toml:"page_size"`
	// Window, when true, yields only the rows whose time is in the query's
	// window [Start, End) (a zero bound is open); it needs TimeColumn.
	// When false (default) the whole file is every window's content.
	Window bool `toml:"window"`
	// MaxBadRows is how many bad rows a file may hold before Fetch fails;
	// 0 fails at the first. Default (unset) 100.
	MaxBadRows *int `toml:"max_bad_rows"`
	// MaxRowBytes is the longest row read; a longer one (usually an
	// unclosed quote swallowing the rest of the file) fails Fetch, since
	// the rows after it cannot be found. Default 16 MiB.
	MaxRowBytes int `toml:"max_row_bytes"`
	// Timeout, MaxDownloadBytes and UserAgent apply when the query value is
	// a URL: the timeout of one download attempt (default 60s; 5xx answers,
	// 429 and network errors are retried up to 3 times), the largest file
	// downloaded (default 64 MiB, at most 1 GiB; it is held in memory), and
	// the User-Agent header.
	Timeout          time.Duration `toml:"timeout"`
	MaxDownloadBytes int64         `toml:"max_download_bytes"`
	UserAgent        string        `toml:"user_agent"`
}

const (
	csvDefaultPageSize    = 1000
	csvMaxPageSize        = 100_000
	csvDefaultMaxBadRows  = 100
	csvDefaultMaxRowBytes = 16 << 20
	csvMaxMaxRowBytes     = 1 << 30
	csvDefaultMaxDownload = 64 << 20
	csvMaxMaxDownload     = 1 << 30
	csvDefaultTimeout     = 60 * time.Second
	csvDefaultRetries     = 3

	csvIDColumn = "column"
	csvIDLine   = "line"
	csvIDHash   = "hash"

	// csvBufSize is the read buffer under the csv.Reader.
	csvBufSize = 64 << 10
	// csvGuardSlack is how far the csv.Reader may read ahead of the row it
	// is parsing (its own buffer is 4 KiB).
	csvGuardSlack = 8 << 10
	// A gzip reader kept open for the next page is closed after this long
	// unused, or when more are kept (as in jsonl).
	// A downloaded file is kept this long after its last page was read,
	// and at most this many at once, so that its pages are one download.
	csvBodyTTL       = 10 * time.Minute
	csvMaxBodies     = 2
	csvUserAgent     = "timpani (+https://github.com/timpani-dev/timpani)"
	csvAccept        = "text/csv, text/tab-separated-values;q=0.9, text/plain;q=0.8, */*;q=0.5"
	csvHashCursorLen = 16
)

// csvSource is the csv source. Its options are immutable once built and its
// caches are guarded, so one value may serve concurrent fetches.
type csvSource struct {
	idFrom      string
	idColumn    string
	texts       []string
	timeColumn  string
	timeFormat  string // jsonlTimeRFC3339, jsonlTimeUnix, jsonlTimeUnixMS or a Go layout
	urlColumn   string
	langColumn  string
	authColumn  string
	comma       rune
	lazyQuotes  bool
	skip, keep  []csvFilter
	pageSize    int
	window      bool
	maxBadRows  int
	maxRowBytes int
	dl          *rssDownloader

	now    func() time.Time
	mu     sync.Mutex
	park   readerPark[*csvReader] // gzip readers left open at a page's Next cursor
	bodies map[string]csvBody     // downloaded files, by URL
}

// csvFilter is one column of skip_rows or keep_rows and its values.
type csvFilter struct {
	column string
	values []string
}

// csvBody is a downloaded file and its SHA-256 prefix, which the cursors of
// its pages carry so that a file that changes between pages is noticed.
type csvBody struct {
	data  []byte
	sum   string
	since time.Time
}

func buildCSV(opts CSVOptions) (*csvSource, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("csv: "+format, args...))
	}
	column := func(key, name string) string {
		if name != "" && strings.TrimSpace(name) == "" {
			bad("%s is blank", key)
		}
		return name
	}
	s := &csvSource{
		pageSize: opts.PageSize, window: opts.Window, lazyQuotes: opts.LazyQuotes,
		maxRowBytes: opts.MaxRowBytes, now: time.Now,
	}
	s.park = readerPark[*csvReader]{now: func() time.Time { return s.now() }, close: func(r *csvReader) { r.in.close() }}

	switch strings.ToLower(opts.IDFrom) {
	case "", csvIDColumn:
		s.idFrom = csvIDColumn
		s.idColumn = column("id_column", opts.IDColumn)
		if s.idColumn == "" {
			s.idColumn = "id"
		}
	case csvIDLine, csvIDHash:
		s.idFrom = strings.ToLower(opts.IDFrom)
		if opts.IDColumn != "" {
			bad("id_column %q is not used with id_from = %q; remove one of them", opts.IDColumn, opts.IDFrom)
		}
	default:
		bad("id_from must be %q, %q or %q (got %q)", csvIDColumn, csvIDLine, csvIDHash, opts.IDFrom)
	}

	texts := opts.TextColumns
	if len(texts) == 0 {
		texts = []string{"text"}
	}
	for _, c := range texts {
		switch {
		case slices.Contains(s.texts, c):
			bad("text_columns lists %q twice", c)
		case strings.TrimSpace(c) == "":
			bad("text_columns has a blank entry")
		default:
			s.texts = append(s.texts, c)
		}
	}
	s.timeColumn = column("time_column", opts.TimeColumn)
	s.urlColumn = column("url_column", opts.URLColumn)
	s.langColumn = column("language_column", opts.LanguageColumn)
	s.authColumn = column("author_column", opts.AuthorColumn)

	var err error
	if s.timeFormat, err = csvTimeFormat(opts.TimeFormat); err != nil {
		bad("%v", err)
	}
	if opts.TimeFormat != "" && opts.TimeColumn == "" {
		bad("time_format %q is set but time_column is not", opts.TimeFormat)
	}
	if opts.Window && opts.TimeColumn == "" {
		bad("window = true needs time_column")
	}

	switch d := opts.Delimiter; {
	case d == "":
		s.comma = ','
	case strings.EqualFold(d, "tab") || d == `\t`:
		s.comma = '\t'
	default:
		r, n := utf8.DecodeRuneInString(d)
		if n != len(d) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == ' ' {
			bad(`delimiter must be one character other than a quote, a space or a line end, e.g. ",", ";", "|" or "\t" (got %q)`, d)
		}
		s.comma = r
	}

	if s.skip, err = csvFilters("skip_rows", opts.SkipRows); err != nil {
		errs = append(errs, err)
	}
	if s.keep, err = csvFilters("keep_rows", opts.KeepRows); err != nil {
		errs = append(errs, err)
	}

	if opts.PageSize < 0 || opts.PageSize > csvMaxPageSize {
		bad("page_size must be >= 0 and <= %d (got %d)", csvMaxPageSize, opts.PageSize)
	}
	if s.pageSize == 0 {
		s.pageSize = csvDefaultPageSize
	}
	s.maxBadRows = csvDefaultMaxBadRows
	if opts.MaxBadRows != nil {
		if *opts.MaxBadRows < 0 {
			bad("max_bad_rows must be >= 0 (got %d)", *opts.MaxBadRows)
		}
		s.maxBadRows = *opts.MaxBadRows
	}
	if opts.MaxRowBytes < 0 || opts.MaxRowBytes > csvMaxMaxRowBytes {
		bad("max_row_bytes must be >= 0 and <= %d (got %d)", csvMaxMaxRowBytes, opts.MaxRowBytes)
	}
	if s.maxRowBytes == 0 {
		s.maxRowBytes = csvDefaultMaxRowBytes
	}

	timeout, maxDownload, ua := opts.Timeout, opts.MaxDownloadBytes, opts.UserAgent
	if timeout < 0 {
		bad("timeout must be >= 0 (got %s)", timeout)
	}
	if timeout == 0 {
		timeout = csvDefaultTimeout
	}
	if maxDownload < 0 || maxDownload > csvMaxMaxDownload {
		bad("max_download_bytes must be >= 0 and <= %d (got %d)", csvMaxMaxDownload, maxDownload)
	}
	if maxDownload == 0 {
		maxDownload = csvDefaultMaxDownload
	}
	if ua == "" {
		ua = csvUserAgent
	}
	s.dl = newRSSDownloader("max_download_bytes", csvAccept, ua, timeout, maxDownload, csvDefaultRetries)

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// csvTimeFormat checks time_format as jsonl does (its check is inline in
// buildJSONL, so it is repeated here): a Go layout must read back the date
// it writes, which catches names that are not layouts and layouts without a
// date.
func csvTimeFormat(format string) (string, error) {
	switch strings.ToLower(format) {
	case "", jsonlTimeRFC3339:
		return jsonlTimeRFC3339, nil
	case jsonlTimeUnix, jsonlTimeUnixMS:
		return strings.ToLower(format), nil
	}
	ref := time.Date(2024, 12, 4, 9, 0, 28, 0, time.UTC)
	back, err := time.Parse(format, ref.Format(format))
	if err != nil || back.Year() != ref.Year() || back.YearDay() != ref.YearDay() {
		return format, fmt.Errorf("time_format %q is not %q, %q, %q or a Go layout with a date such as \"2006-01-02 15:04:05\"",
			format, jsonlTimeRFC3339, jsonlTimeUnix, jsonlTimeUnixMS)
	}
	return format, nil
}

// csvParseTime reads a time cell; zero for a blank one.
func csvParseTime(format, cell string) (time.Time, error) {
	lit := strings.TrimSpace(cell)
	if lit == "" {
		return time.Time{}, nil
	}
	switch format {
	case jsonlTimeRFC3339:
		t, err := time.Parse(time.RFC3339, lit)
		if err != nil {
			return time.Time{}, fmt.Errorf("cannot read %q as RFC 3339 (e.g. 2024-12-04T09:00:28Z)", jsonlClip(lit))
		}
		return t.UTC(), nil
	case jsonlTimeUnix, jsonlTimeUnixMS:
		t, err := jsonlUnix(lit, format == jsonlTimeUnixMS)
		if err != nil {
			return time.Time{}, fmt.Errorf("cannot read %q as time_format %q: %v", jsonlClip(lit), format, err)
		}
		return t, nil
	default:
		t, err := time.Parse(format, lit)
		if err != nil {
			return time.Time{}, fmt.Errorf("cannot read %q with layout %q", jsonlClip(lit), format)
		}
		return t.UTC(), nil
	}
}

// csvFilters reads skip_rows or keep_rows: column → a string or a list of
// strings (TOML gives []any; Go callers may give []string).
func csvFilters(key string, m map[string]any) ([]csvFilter, error) {
	var fs []csvFilter
	var errs []error
	for _, col := range slices.Sorted(maps.Keys(m)) {
		f := csvFilter{column: col}
		ok := true
		switch v := m[col].(type) {
		case string:
			f.values = []string{v}
		case []string:
			f.values = v
		case []any:
			for _, e := range v {
				str, isString := e.(string)
				ok = ok && isString
				f.values = append(f.values, str)
			}
		default:
			ok = false
		}
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("csv: %s.%s must be a string or a list of strings (got %v)", key, col, m[col]))
		case strings.TrimSpace(col) == "":
			errs = append(errs, fmt.Errorf("csv: %s has a blank column name", key))
		case len(f.values) == 0:
			errs = append(errs, fmt.Errorf("csv: %s.%s lists no values", key, col))
		default:
			fs = append(fs, f)
		}
	}
	return fs, errors.Join(errs...)
}

func (s *csvSource) Kind() string { return "csv" }

// csvCursor is where a page starts: the byte offset of its first row in the
// (decompressed) file, that row's line, the bad rows met before it (so that
// max_bad_rows counts the whole file across pages) and, for a downloaded
// file, the hash of its content.
type csvCursor struct {
	off  int64
	line int
	bad  int
	sum  string
}

func (c csvCursor) String() string {
	if c.sum != "" {
		return fmt.Sprintf("%d:%d:%d:%s", c.off, c.line, c.bad, c.sum)
	}
	return fmt.Sprintf("%d:%d:%d", c.off, c.line, c.bad)
}

func parseCSVCursor(s string, url bool) (csvCursor, error) {
	if s == "" {
		return csvCursor{}, nil
	}
	want := "offset:line:bad_rows"
	if url {
		want += ":hash"
	}
	malformed := fmt.Errorf("malformed cursor %q (want %s as an earlier page returned)", s, want)
	parts := strings.Split(s, ":")
	if (url && len(parts) != 4) || (!url && len(parts) != 3) {
		return csvCursor{}, malformed
	}
	var n [3]int64
	for i, p := range parts[:3] {
		if p == "" || strings.Trim(p, "0123456789") != "" { // ParseInt alone takes "+3"
			return csvCursor{}, malformed
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || (i > 0 && v > math.MaxInt32) {
			return csvCursor{}, malformed
		}
		n[i] = v
	}
	c := csvCursor{off: n[0], line: int(n[1]), bad: int(n[2])}
	if url {
		c.sum = parts[3]
		if len(c.sum) != csvHashCursorLen || strings.Trim(c.sum, "0123456789abcdef") != "" {
			return csvCursor{}, malformed
		}
	}
	// A page never starts at the header (line 1), and every line before it
	// takes at least one byte.
	if c.line < 2 || c.off < 1 || int64(c.line-1) > c.off {
		return csvCursor{}, malformed
	}
	return c, nil
}

// csvIsURL tells a URL query value from a path.
func csvIsURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// csvBad is one bad row.
type csvBad struct {
	line   int
	reason string
}

// Fetch returns the page of up to page_size records starting at cursor.
// The cursor is "offset:line:bad_rows", with ":hash" for a downloaded
// file. A plain file seeks to the offset (after reading the header again);
// a gzipped one keeps its reader open for the Next cursor, and resuming
// without it decompresses and parses everything before. Total is -1.
func (s *csvSource) Fetch(ctx context.Context, q Query, cursor string) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("csv: %w", err)
	}
	name := q.Value
	if name == "" {
		return Page{}, fmt.Errorf("csv: query %q has no file path or URL", q.Name)
	}
	isURL := csvIsURL(name)
	at, err := parseCSVCursor(cursor, isURL)
	if err != nil {
		return Page{}, fmt.Errorf("csv: %s: %w", name, err)
	}
	var page Page
	r := s.unpark(name, cursor)
	if r == nil {
		in, stats, err := s.input(ctx, name, at)
		page.Stats = stats
		if err != nil {
			return Page{}, fmt.Errorf("csv: %w", err)
		}
		if r, err = s.open(in, at); err != nil {
			in.close()
			return Page{}, fmt.Errorf("csv: %s: %w", name, err)
		}
	}
	parked := false
	defer func() {
		if !parked {
			r.in.close()
		}
	}()

	page.Total = -1
	badCount := at.bad
	var bads []csvBad // this page's
	for i := 0; len(page.Records) < s.pageSize; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Page{}, fmt.Errorf("csv: %s: %w", name, err)
			}
		}
		row, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Page{}, fmt.Errorf("csv: %s: %w", name, err)
		}
		rec, reason := s.record(r.h, row, q)
		if reason != "" {
			badCount++
			bads = append(bads, csvBad{row.line, reason})
			if badCount > s.maxBadRows {
				return Page{}, s.tooManyBad(name, badCount, bads)
			}
			continue
		}
		if rec.ID != "" {
			page.Records = append(page.Records, rec)
		}
	}
	if len(page.Records) == s.pageSize && r.more() {
		page.Next = csvCursor{off: r.off, line: r.line, bad: badCount, sum: r.in.sum}.String()
		parked = s.parkAt(name, page.Next, r)
	}
	for i, b := range bads {
		if i == jsonlMaxProblems {
			page.Problems = append(page.Problems, fmt.Sprintf("%s: %d more bad rows on this page", name, len(bads)-i))
			break
		}
		page.Problems = append(page.Problems, fmt.Sprintf("%s:%d: %s", name, b.line, b.reason))
	}
	return page, nil
}

// record turns one row into a record. It returns the reason when the row is
// bad, and a record with no ID when the row is good but filtered out or
// outside the window.
func (s *csvSource) record(h *csvHeader, row csvRow, q Query) (Record, string) {
	if row.err != nil {
		return Record{}, csvParseReason(row.err)
	}
	if len(row.fields) != len(h.names) {
		return Record{}, fmt.Sprintf("has %d fields; the header has %d", len(row.fields), len(h.names))
	}
	for i, f := range row.fields {
		if !utf8.ValidString(f) {
			return Record{}, fmt.Sprintf("column %q is not valid UTF-8", h.names[i])
		}
	}
	if h.filtered(row.fields) {
		return Record{}, ""
	}
	var id string
	switch s.idFrom {
	case csvIDLine:
		id = strconv.Itoa(row.line)
	case csvIDColumn:
		if id = row.fields[h.id]; strings.TrimSpace(id) == "" {
			return Record{}, fmt.Sprintf("empty id in column %q", s.idColumn)
		}
	}
	if s.window {
		t, err := csvParseTime(s.timeFormat, row.fields[h.time])
		if err != nil {
			return Record{}, fmt.Sprintf("time_column %q: %v", s.timeColumn, err)
		}
		if t.IsZero() {
			return Record{}, fmt.Sprintf("no time in time_column %q (window = true needs one)", s.timeColumn)
		}
		if (!q.Start.IsZero() && t.Before(q.Start)) || (!q.End.IsZero() && !t.Before(q.End)) {
			return Record{}, ""
		}
	}
	data := h.appendJSON(make([]byte, 0, h.size(row.fields)), row.fields)
	if s.idFrom == csvIDHash {
		sum := sha256.Sum256(data)
		id = hex.EncodeToString(sum[:8])
	}
	return Record{ID: id, Data: data}, ""
}

// csvParseReason says what is wrong with a row encoding/csv could not split.
func csvParseReason(err error) string {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	reason := fmt.Sprintf("%v (line %d, column %d)", pe.Err, pe.Line, pe.Column)
	if pe.Line > pe.StartLine {
		reason += fmt.Sprintf("; the row runs from line %d: an unclosed or stray quote?", pe.StartLine)
	}
	if errors.Is(pe.Err, csv.ErrBareQuote) {
		reason += ` (quote the field and double its quotes, or set lazy_quotes = true)`
	}
	return reason
}

func (s *csvSource) tooManyBad(name string, count int, bads []csvBad) error {
	const show = 5
	var b strings.Builder
	for i, bl := range bads[:min(show, len(bads))] {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "line %d: %s", bl.line, bl.reason)
	}
	if len(bads) > show {
		fmt.Fprintf(&b, "; and %d more", len(bads)-show)
	}
	if strings.HasPrefix(bads[0].reason, "has ") && strings.Contains(bads[0].reason, " fields; the header has ") {
		fmt.Fprintf(&b, " (is the delimiter %q right?)", s.comma)
	}
	return fmt.Errorf("csv: %s: %w (%d bad rows, more than max_bad_rows = %d); on this page: %s",
		name, ErrTooManyBadLines, count, s.maxBadRows, b.String())
}

// Extract maps one record (the row as a JSON object of column → cell) to a
// Text per non-blank text column, each with the row's time, URL, language
// and author. A missing column is fine; a record that is not an object of
// strings, or a time that cannot be read, is an error.
func (s *csvSource) Extract(data json.RawMessage) ([]Text, error) {
	var row map[string]string
	if err := json.Unmarshal(data, &row); err != nil {
		return nil, fmt.Errorf("csv: record is not a JSON object of strings: %w", err)
	}
	var base Text
	if s.timeColumn != "" {
		t, err := csvParseTime(s.timeFormat, row[s.timeColumn])
		if err != nil {
			return nil, fmt.Errorf("csv: time_column %q: %w", s.timeColumn, err)
		}
		base.PublishedAt = t
	}
	for _, f := range []struct {
		column string
		dst    *string
	}{{s.urlColumn, &base.URL}, {s.langColumn, &base.Language}, {s.authColumn, &base.Author}} {
		if f.column != "" {
			*f.dst = row[f.column]
		}
	}
	var texts []Text
	for _, c := range s.texts {
		str := row[c]
		if strings.TrimSpace(str) == "" {
			continue
		}
		t := base
		t.Text = str
		if len(s.texts) > 1 {
			t.Field = c
		}
		texts = append(texts, t)
	}
	return texts, nil
}

// csvHeader is a file's header row mapped to the configured columns.
type csvHeader struct {
	names []string // the records' keys: the header, blank and repeated names made unique
	keys  [][]byte // names as JSON strings with their colon, for appendJSON
	id    int      // column indexes; -1 when not configured
	time  int
	skip  []csvColFilter
	keep  []csvColFilter
}

type csvColFilter struct {
	col    int
	values []string
}

// header maps the header row. A blank name becomes "column_N" and a repeated
// one "name_N", N being its 1-based position, so every record is an object
// with distinct keys; a configured column must name exactly one column.
func (s *csvSource) header(fields []string) (*csvHeader, error) {
	for i, f := range fields {
		if !utf8.ValidString(f) {
			return nil, fmt.Errorf("header column %d is not valid UTF-8 (save the file as UTF-8)", i+1)
		}
	}
	if slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(f, "\r") }) {
		return nil, errors.New(`its lines end in a bare CR (old Mac style); convert them to LF or CRLF`)
	}
	h := &csvHeader{names: make([]string, len(fields)), id: -1, time: -1}
	count := make(map[string]int, len(fields))
	for i, f := range fields {
		count[f]++
		name := f
		switch {
		case strings.TrimSpace(f) == "":
			name = fmt.Sprintf("column_%d", i+1)
		case count[f] > 1:
			name = fmt.Sprintf("%s_%d", f, i+1)
		}
		h.names[i] = name
	}
	index := make(map[string]int, len(fields))
	for i, n := range h.names {
		if j, dup := index[n]; dup {
			return nil, fmt.Errorf("header columns %d and %d are both named %q (after naming blank and repeated columns); rename one", j+1, i+1, n)
		}
		index[n] = i
		h.keys = append(h.keys, append(appendJSONString(nil, n), ':'))
	}

	type want struct{ key, name string }
	var wants []want
	if s.idFrom == csvIDColumn {
		wants = append(wants, want{"id_column", s.idColumn})
	}
	for _, c := range s.texts {
		wants = append(wants, want{"text_columns", c})
	}
	for _, w := range []want{{"time_column", s.timeColumn}, {"url_column", s.urlColumn},
		{"language_column", s.langColumn}, {"author_column", s.authColumn}} {
		if w.name != "" {
			wants = append(wants, w)
		}
	}
	for _, f := range s.skip {
		wants = append(wants, want{"skip_rows", f.column})
	}
	for _, f := range s.keep {
		wants = append(wants, want{"keep_rows", f.column})
	}
	var missing, twice []string
	for _, w := range wants {
		i, ok := index[w.name]
		switch {
		case !ok:
			m := fmt.Sprintf("%q (%s)", w.name, w.key)
			if near := csvNear(w.name, h.names); near != "" {
				m += fmt.Sprintf(" (did you mean %q?)", near)
			}
			missing = append(missing, m)
		case count[w.name] > 1:
			var also []string
			for j, f := range fields {
				if f == w.name && j != i {
					also = append(also, h.names[j])
				}
			}
			twice = append(twice, fmt.Sprintf("%q (%s) names %d columns; the later ones are %s in records: name the one you mean",
				w.name, w.key, count[w.name], csvQuoteList(also)))
		}
	}
	if len(missing) > 0 || len(twice) > 0 {
		var b strings.Builder
		if len(missing) > 0 {
			fmt.Fprintf(&b, "the header has no column %s", strings.Join(missing, ", "))
		}
		if len(twice) > 0 {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(strings.Join(twice, "; "))
		}
		fmt.Fprintf(&b, "; the header (delimiter %q) is %s", s.comma, csvQuoteList(fields))
		if len(fields) == 1 {
			for _, d := range []string{";", "\t", "|", ","} {
				if strings.Contains(fields[0], d) && d != string(s.comma) {
					fmt.Fprintf(&b, ` (one column holding %q: set delimiter = %q?)`, d, d)
					break
				}
			}
		}
		return nil, errors.New(b.String())
	}
	if s.idFrom == csvIDColumn {
		h.id = index[s.idColumn]
	}
	if s.timeColumn != "" {
		h.time = index[s.timeColumn]
	}
	for _, f := range s.skip {
		h.skip = append(h.skip, csvColFilter{index[f.column], f.values})
	}
	for _, f := range s.keep {
		h.keep = append(h.keep, csvColFilter{index[f.column], f.values})
	}
	return h, nil
}

// csvQuoteList quotes names for a message, each clipped, and at most
// csvListMax of them: a header of a million columns must not make a
// message of megabytes.
func csvQuoteList(names []string) string {
	const csvListMax = 20
	quoted := make([]string, 0, min(len(names), csvListMax)+1)
	for _, n := range names[:min(len(names), csvListMax)] {
		quoted = append(quoted, strconv.Quote(jsonlClip(n)))
	}
	if len(names) > csvListMax {
		quoted = append(quoted, fmt.Sprintf("… and %d more (%d in all)", len(names)-csvListMax, len(names)))
	}
	return strings.Join(quoted, ", ")
}

// csvNear finds a header name that differs from name only in case or
// surrounding spaces, for a hint.
func csvNear(name string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(name)) {
			return n
		}
	}
	return ""
}

// filtered reports whether skip_rows or keep_rows leave the row out.
func (h *csvHeader) filtered(fields []string) bool {
	for _, f := range h.skip {
		if slices.Contains(f.values, fields[f.col]) {
			return true
		}
	}
	for _, f := range h.keep {
		if !slices.Contains(f.values, fields[f.col]) {
			return true
		}
	}
	return false
}

// size estimates a row's JSON length, to allocate once.
func (h *csvHeader) size(fields []string) int {
	n := 2
	for i, f := range fields {
		n += len(h.keys[i]) + len(f) + 3
	}
	return n + n/16
}

// appendJSON writes the row as a JSON object in header order. Cells are
// valid UTF-8 (checked before); appendJSONString leaves <, > and & alone.
func (h *csvHeader) appendJSON(b []byte, fields []string) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, h.keys[i]...)
		b = appendJSONString(b, f)
	}
	return append(b, '}')
}

// csvInput is an open file or a downloaded body.
type csvInput struct {
	name string // path or URL, for messages
	r    interface {
		io.ReadSeeker
		io.ReaderAt
	}
	size int64
	f    *os.File    // nil for a download
	info os.FileInfo // when opened, to tell whether a parked reader is stale
	sum  string      // a download's hash, for its cursors
}

func (in csvInput) close() {
	if in.f != nil {
		in.f.Close()
	}
}

// input opens the file, or downloads the URL (or takes it from the cache
// of downloads when the cursor's hash matches).
func (s *csvSource) input(ctx context.Context, name string, at csvCursor) (csvInput, FetchStats, error) {
	if !csvIsURL(name) {
		f, err := os.Open(name)
		if err != nil {
			return csvInput{}, FetchStats{}, err // names the path
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return csvInput{}, FetchStats{}, err
		}
		if info.IsDir() {
			f.Close()
			return csvInput{}, FetchStats{}, fmt.Errorf("%s: is a directory, not a CSV file", name)
		}
		return csvInput{name: name, r: f, size: info.Size(), f: f, info: info}, FetchStats{}, nil
	}
	var stats FetchStats
	s.mu.Lock()
	s.expireBodies(s.now())
	b, ok := s.bodies[name]
	s.mu.Unlock()
	if !ok || at.sum == "" || b.sum != at.sum {
		res, err := s.dl.get(ctx, name, "", "")
		stats = res.stats
		if err != nil {
			return csvInput{}, stats, err
		}
		data := res.body
		sum := sha256.Sum256(data)
		b = csvBody{data: data, sum: hex.EncodeToString(sum[:])[:csvHashCursorLen]}
		if at.sum != "" && b.sum != at.sum {
			return csvInput{}, stats, fmt.Errorf("%s: the file changed since the first page was read (hash %s, now %s); fetch this window again from the start", name, at.sum, b.sum)
		}
	}
	s.mu.Lock()
	b.since = s.now()
	if s.bodies == nil {
		s.bodies = make(map[string]csvBody)
	}
	s.bodies[name] = b
	for len(s.bodies) > csvMaxBodies {
		oldest := ""
		for k, v := range s.bodies {
			if oldest == "" || v.since.Before(s.bodies[oldest].since) {
				oldest = k
			}
		}
		delete(s.bodies, oldest)
	}
	s.mu.Unlock()
	return csvInput{name: name, r: bytes.NewReader(b.data), size: int64(len(b.data)), sum: b.sum}, stats, nil
}

// expireBodies drops downloads unused for csvBodyTTL; s.mu is held.
func (s *csvSource) expireBodies(now time.Time) {
	for k, b := range s.bodies {
		if now.Sub(b.since) > csvBodyTTL {
			delete(s.bodies, k)
		}
	}
}

// csvRow is one row as read: its cells, or the parse error that made it
// bad; the line it starts on; and the offset and line just after it.
type csvRow struct {
	fields   []string
	err      error // a *csv.ParseError
	line     int
	end      int64
	nextLine int
}

// csvReader reads the rows of one input after its header.
type csvReader struct {
	in       csvInput
	gz       bool
	h        *csvHeader
	cr       *csv.Reader
	guard    *csvGuard
	base     int64 // absolute offset where cr started reading
	lineBase int   // lines before cr started
	off      int64 // absolute offset of the next row
	line     int   // line of the next row
	pending  *csvRow
	pendErr  error
	maxRow   int
}

// csvGuard fails reads once the row being parsed is longer than
// max_row_bytes: encoding/csv has no limit of its own, and an unclosed quote
// would otherwise read the rest of the file into memory.
type csvGuard struct {
	r       io.Reader
	n       int64 // bytes given to the csv.Reader
	limit   int64
	tripped bool
}

var errCSVRowTooLong = errors.New("row too long")

func (g *csvGuard) Read(p []byte) (int, error) {
	if g.tripped || g.n > g.limit {
		g.tripped = true
		return 0, errCSVRowTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// newReader starts a csv.Reader on stream, which begins at absolute offset
// base and line lineBase+1.
func (s *csvSource) newReader(r *csvReader, stream io.Reader, base int64, lineBase int) {
	r.guard = &csvGuard{r: stream, limit: int64(s.maxRowBytes) + csvGuardSlack}
	r.cr = csv.NewReader(r.guard)
	r.cr.Comma = s.comma
	r.cr.LazyQuotes = s.lazyQuotes
	r.cr.FieldsPerRecord = -1 // a wrong count is a bad row, checked by record
	r.base, r.lineBase = base, lineBase
}

// open reads the header and positions a reader at the cursor. A gzip file is
// recognised by its magic bytes whatever its name; a UTF-8 byte-order mark
// is skipped.
func (s *csvSource) open(in csvInput, at csvCursor) (*csvReader, error) {
	r := &csvReader{in: in, maxRow: s.maxRowBytes}
	magic := make([]byte, 2)
	n, err := in.r.ReadAt(magic, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	r.gz = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if _, err := in.r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var stream io.Reader = in.r
	if r.gz {
		zr, err := gzip.NewReader(bufio.NewReaderSize(in.r, csvBufSize))
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w", err)
		}
		stream = zr
	}
	br := bufio.NewReaderSize(stream, csvBufSize)
	head, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, r.readError(1, err)
	}
	var bom int64
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		// Excel writes a BOM; it is not part of the first column's name.
		br.Discard(len(utf8BOM))
		bom = int64(len(utf8BOM))
	case bytes.HasPrefix(head, utf16LEBOM), bytes.HasPrefix(head, utf16BEBOM):
		return nil, errors.New("is UTF-16 (it starts with a UTF-16 byte-order mark, as Excel's \"Unicode text\" does); save it as CSV UTF-8")
	}
	s.newReader(r, br, bom, 0)
	r.off, r.line = bom, 1
	hrow, err := r.read()
	if err == io.EOF {
		return nil, errors.New("is empty: it has no header row")
	}
	if err != nil {
		return nil, err
	}
	if hrow.err != nil {
		return nil, fmt.Errorf("header row: %s", csvParseReason(hrow.err))
	}
	if r.h, err = s.header(hrow.fields); err != nil {
		return nil, err
	}
	r.off, r.line = hrow.end, hrow.nextLine
	if at.off == 0 {
		return r, nil
	}

	stale := fmt.Errorf("cursor %s is not at the start of a row (was the file rewritten?)", at)
	if !r.gz {
		// Seek: only the header is read again.
		if at.off < r.off || at.off > in.size {
			return nil, fmt.Errorf("cursor %s is outside the file's rows (bytes %d to %d; was the file rewritten?)", at, r.off, in.size)
		}
		var prev [1]byte
		if _, err := in.r.ReadAt(prev[:], at.off-1); err != nil {
			return nil, err
		}
		if prev[0] != '\n' {
			return nil, stale
		}
		if _, err := in.r.Seek(at.off, io.SeekStart); err != nil {
			return nil, err
		}
		s.newReader(r, bufio.NewReaderSize(in.r, csvBufSize), at.off, at.line-1)
		r.off, r.line = at.off, at.line
		return r, nil
	}
	// gzip cannot seek: parse and drop the rows before the cursor. Rows end
	// where the cursor says, at the line it says, or the file changed.
	for r.off < at.off {
		row, err := r.read()
		if err == io.EOF {
			return nil, fmt.Errorf("cursor %s is past the end of the decompressed file", at)
		}
		if err != nil {
			return nil, err
		}
		r.off, r.line = row.end, row.nextLine
	}
	if r.off != at.off || r.line != at.line {
		return nil, stale
	}
	return r, nil
}

// read parses the next row from the csv.Reader. A row encoding/csv cannot
// split comes back with its error; a read error (I/O, gzip, a row over
// max_row_bytes) is returned as the error.
func (r *csvReader) read() (csvRow, error) {
	r.guard.limit = r.guard.n + int64(r.maxRow) + csvGuardSlack
	fields, err := r.cr.Read()
	if r.guard.tripped {
		return csvRow{}, fmt.Errorf("the row at line %d is longer than max_row_bytes (%d): an unclosed quote?", r.line, r.maxRow)
	}
	if err == io.EOF {
		return csvRow{}, io.EOF
	}
	var pe *csv.ParseError
	if err != nil && !errors.As(err, &pe) {
		return csvRow{}, r.readError(r.line, err)
	}
	row := csvRow{fields: fields, end: r.base + r.cr.InputOffset()}
	if pe != nil {
		pe.StartLine += r.lineBase
		pe.Line += r.lineBase
		// encoding/csv drops the rest of the line where it failed.
		row.err, row.line, row.nextLine = pe, pe.StartLine, pe.Line+1
		return row, nil
	}
	first, _ := r.cr.FieldPos(0)
	last, _ := r.cr.FieldPos(len(fields) - 1)
	// The last field's quoted line breaks (CRLF is read as LF) end the row.
	row.line = r.lineBase + first
	row.nextLine = r.lineBase + last + strings.Count(fields[len(fields)-1], "\n") + 1
	return row, nil
}

// next returns the next row, the one more read ahead if any, and moves the
// reader's position past it.
func (r *csvReader) next() (csvRow, error) {
	var row csvRow
	var err error
	if r.pending != nil || r.pendErr != nil {
		row, err = *r.pending, r.pendErr
		r.pending, r.pendErr = nil, nil
		if err != nil {
			return csvRow{}, err
		}
	} else if row, err = r.read(); err != nil {
		return csvRow{}, err
	}
	r.off, r.line = row.end, row.nextLine
	return row, nil
}

// more reports whether another row follows, reading it ahead; a read error
// counts as more, so that the next page reports it rather than this one
// ending quietly.
func (r *csvReader) more() bool {
	if r.pending != nil || r.pendErr != nil {
		return true
	}
	row, err := r.read()
	if err == io.EOF {
		return false
	}
	r.pending, r.pendErr = &row, err
	return true
}

// readError explains a failed read at line num.
func (r *csvReader) readError(num int, err error) error {
	if !r.gz {
		return fmt.Errorf("read line %d: %w", num, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("gzip stream is truncated at line %d (the file was cut short): %w", num, err)
	}
	return fmt.Errorf("corrupt gzip data at line %d: %w", num, err)
}

// parkAt keeps a gzip reader open for the page at next (see readerPark).
// A plain file or a download seeks, so it is not kept.
func (s *csvSource) parkAt(name, next string, r *csvReader) bool {
	if !r.gz {
		return false
	}
	s.park.put(name, next, r)
	return true
}

// unpark takes the reader parked at cursor, or nil. A reader whose file was
// replaced or changed since is closed, not used.
func (s *csvSource) unpark(name, cursor string) *csvReader {
	if cursor == "" {
		return nil
	}
	r, ok := s.park.take(name, cursor)
	if !ok {
		return nil
	}
	if r.in.f != nil && !unchanged(name, r.in.info) {
		r.in.close()
		return nil
	}
	return r
}
