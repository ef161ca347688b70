package sources

// The jsonl source reads JSON Lines (NDJSON) files, gzipped or not, one
// record per line, and maps each record's fields to an id and texts through
// dotted paths. It is how exports and research datasets come in.
//
// The query value is the file's path. Without window = true the whole file
// is the content of every query window: each scheduled fetch reads it all
// again, and items are deduplicated by id downstream. With window = true only
// records whose time falls in [Start, End) are yielded.
//
// A line that cannot be used (longer than max_line_bytes, invalid UTF-8,
// invalid JSON, not an object, no id, or, with window = true, no readable
// time) is a bad line: it is skipped, listed in Page.Problems with its file
// and line number, and counted; more than max_bad_lines of them fail Fetch.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// JSONLOptions are the options of the jsonl source kind (its TOML table).
// A zero value means the default.
//
// A path is a dotted list of object keys, e.g. "data.post.id"; a segment of
// digits indexes an array, e.g. "media.0.caption". A key that itself holds a
// dot cannot be addressed. A field that is missing or null is absent.
type JSONLOptions struct {
	// IDFrom says where a record's id comes from:
	//   "field" (default) the value at IDField: a string as is, a number in
	//           decimal without an exponent;
	//   "line"  the 1-based line number, stable for a file that is only
	//           appended to (but not across files: see the note below);
	//   "hash"  the first 16 hex digits of the SHA-256 of the line, so
	//           identical lines share an id and become one item.
	// Items are unique per (workspace, source, id), so two files read by one
	// source with "line" ids collide: give each such file its own source.
	IDFrom string `toml:"id_from"`
	// IDField is the path of the id, used with IDFrom "field". Default "id".
	IDField string `toml:"id_field"`
	// TextFields are the paths of the texts. Each non-empty one yields one
	// Text whose Field is the path, or "" when there is exactly one path.
	// A string is the text; a number or boolean is written as in the JSON;
	// an object or array is an error. Default ["text"].
	TextFields []string `toml:"text_fields"`
	// TimeField is the path of the published time. Default none.
	TimeField string `toml:"time_field"`
	// TimeFormat is how TimeField is written: "rfc3339" (default; fractional
	// seconds allowed), "unix" or "unix_ms" (a number, or a string of one, of
	// seconds or milliseconds since 1970), or a Go layout such as
	// "2006-01-02 15:04:05" (read as UTC unless it has a zone).
	TimeFormat string `toml:"time_format"`
	// URLField, LanguageField and AuthorField are optional paths.
	URLField      string `toml:"url_field"`
	LanguageField string `toml:"language_field"`
	AuthorField   string `toml:"author_field"`
	// PageSize is the number of records per page. Default 1000.
	PageSize int `toml:"page_size"`
	// Window, when true, yields only the records whose time is in the
	// query's window [Start, End) (a zero bound is open); it needs
	// TimeField. When false (default) the whole file is every window's
	// content.
	Window bool `toml:"window"`
	// MaxLineBytes is the longest line accepted, line end excluded; a longer
	// one is a bad line. Default 16 MiB.
	MaxLineBytes int `toml:"max_line_bytes"`
	// MaxBadLines is how many bad lines a file may hold before Fetch fails;
	// 0 fails at the first. Default (unset) 100.
	MaxBadLines *int `toml:"max_bad_lines"`
}

const (
	jsonlDefaultPageSize     = 1000
	jsonlMaxPageSize         = 100_000
	jsonlDefaultMaxLineBytes = 16 << 20
	jsonlMaxMaxLineBytes     = 1 << 30
	jsonlDefaultMaxBadLines  = 100

	jsonlIDField = "field"
	jsonlIDLine  = "line"
	jsonlIDHash  = "hash"

	jsonlTimeRFC3339 = "rfc3339"
	jsonlTimeUnix    = "unix"
	jsonlTimeUnixMS  = "unix_ms"

	// jsonlMaxProblems caps the problems listed on one page; the rest are
	// counted in a final line.
	jsonlMaxProblems = 100
	// jsonlBufSize is the read buffer; most lines fit in it whole and are
	// then not copied until they become records.
	jsonlBufSize = 64 << 10
	// The range of times a unix number may give: years 1 to 9999.
	jsonlMinUnix = -62135596800
	jsonlMaxUnix = 253402300799
)

// ErrTooManyBadLines is wrapped by Fetch's error when a file holds more bad
// lines than max_bad_lines.
var ErrTooManyBadLines = errors.New("too many bad lines")

// jsonl is the jsonl source. Its options are immutable once built and its
// cache of open readers is guarded, so one value may serve concurrent
// fetches.
type jsonl struct {
	idFrom       string
	idField      string
	idPath       []string
	texts        []jsonlField
	timeField    jsonlField
	timeFormat   string // jsonlTimeRFC3339, jsonlTimeUnix, jsonlTimeUnixMS or a Go layout
	url          jsonlField
	language     jsonlField
	author       jsonlField
	pageSize     int
	window       bool
	maxLineBytes int
	maxBadLines  int

	now  func() time.Time
	park readerPark[*jsonlReader] // gzip readers left open at a page's Next cursor
}

// jsonlField is a configured path: name as written, for messages and
// Text.Field, and its segments; a nil path means not configured.
type jsonlField struct {
	name string
	path []string
}

func buildJSONL(opts JSONLOptions) (*jsonl, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("jsonl: "+format, args...))
	}
	path := func(key, p string) jsonlField {
		segs, err := parseJSONLPath(p)
		if err != nil {
			bad("%s %q %v", key, p, err)
			return jsonlField{}
		}
		return jsonlField{name: p, path: segs}
	}
	optional := func(key, p string) jsonlField {
		if p == "" {
			return jsonlField{}
		}
		return path(key, p)
	}

	s := &jsonl{pageSize: opts.PageSize, window: opts.Window, maxLineBytes: opts.MaxLineBytes, now: time.Now}
	s.park = readerPark[*jsonlReader]{now: func() time.Time { return s.now() }, close: func(lr *jsonlReader) { lr.f.Close() }}

	switch strings.ToLower(opts.IDFrom) {
	case "", jsonlIDField:
		s.idFrom = jsonlIDField
		s.idField = opts.IDField
		if s.idField == "" {
			s.idField = "id"
		}
		s.idPath = path("id_field", s.idField).path
	case jsonlIDLine, jsonlIDHash:
		s.idFrom = strings.ToLower(opts.IDFrom)
		if opts.IDField != "" {
			bad("id_field %q is not used with id_from = %q; remove one of them", opts.IDField, opts.IDFrom)
		}
	default:
		bad("id_from must be %q, %q or %q (got %q)", jsonlIDField, jsonlIDLine, jsonlIDHash, opts.IDFrom)
	}

	textFields := opts.TextFields
	if len(textFields) == 0 {
		textFields = []string{"text"}
	}
	seen := make(map[string]bool, len(textFields))
	for _, p := range textFields {
		if seen[p] {
			bad("text_fields lists %q twice", p)
			continue
		}
		seen[p] = true
		if f := path("text_fields entry", p); f.path != nil {
			s.texts = append(s.texts, f)
		}
	}

	s.timeField = optional("time_field", opts.TimeField)
	s.url = optional("url_field", opts.URLField)
	s.language = optional("language_field", opts.LanguageField)
	s.author = optional("author_field", opts.AuthorField)

	switch strings.ToLower(opts.TimeFormat) {
	case "", jsonlTimeRFC3339:
		s.timeFormat = jsonlTimeRFC3339
	case jsonlTimeUnix, jsonlTimeUnixMS:
		s.timeFormat = strings.ToLower(opts.TimeFormat)
	default:
		// A Go layout must read back the date it writes; this catches
		// names that are not layouts, like "RFC3339Nano", and layouts
		// without a date, which would put every post in year 0.
		ref := time.Date(2024, 12, 4, 9, 0, 28, 0, time.UTC)
		back, err := time.Parse(opts.TimeFormat, ref.Format(opts.TimeFormat))
		if err != nil || back.Year() != ref.Year() || back.YearDay() != ref.YearDay() {
			bad("time_format %q is not %q, %q, %q or a Go layout with a date such as \"2006-01-02 15:04:05\"",
				opts.TimeFormat, jsonlTimeRFC3339, jsonlTimeUnix, jsonlTimeUnixMS)
		}
		s.timeFormat = opts.TimeFormat
	}
	if opts.TimeFormat != "" && opts.TimeField == "" {
		bad("time_format %q is set but time_field is not", opts.TimeFormat)
	}
	if opts.Window && opts.TimeField == "" {
		bad("window = true needs time_field")
	}

	if opts.PageSize < 0 || opts.PageSize > jsonlMaxPageSize {
		bad("page_size must be >= 0 and <= %d (got %d)", jsonlMaxPageSize, opts.PageSize)
	}
	if s.pageSize == 0 {
		s.pageSize = jsonlDefaultPageSize
	}
	if opts.MaxLineBytes < 0 || opts.MaxLineBytes > jsonlMaxMaxLineBytes {
		bad("max_line_bytes must be >= 0 and <= %d (got %d)", jsonlMaxMaxLineBytes, opts.MaxLineBytes)
	}
	if s.maxLineBytes == 0 {
		s.maxLineBytes = jsonlDefaultMaxLineBytes
	}
	s.maxBadLines = jsonlDefaultMaxBadLines
	if opts.MaxBadLines != nil {
		if *opts.MaxBadLines < 0 {
			bad("max_bad_lines must be >= 0 (got %d)", *opts.MaxBadLines)
		}
		s.maxBadLines = *opts.MaxBadLines
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// parseJSONLPath splits a dotted path into its segments.
func parseJSONLPath(p string) ([]string, error) {
	if p == "" {
		return nil, errors.New("is empty")
	}
	if strings.TrimSpace(p) != p {
		return nil, errors.New("has spaces around it")
	}
	segs := strings.Split(p, ".")
	for _, s := range segs {
		if s == "" {
			return nil, errors.New(`has an empty segment (write paths like "data.post.id")`)
		}
	}
	return segs, nil
}

func (s *jsonl) Kind() string { return "jsonl" }

// jsonlCursor is where a page starts: the byte offset of its first line in
// the (decompressed) file, that line's number, and the bad lines met before
// it, so that max_bad_lines counts the whole file across pages.
type jsonlCursor struct {
	off  int64
	line int
	bad  int
}

func (c jsonlCursor) String() string { return fmt.Sprintf("%d:%d:%d", c.off, c.line, c.bad) }

func parseJSONLCursor(s string) (jsonlCursor, error) {
	if s == "" {
		return jsonlCursor{line: 1}, nil
	}
	malformed := fmt.Errorf("malformed cursor %q (want offset:line:bad_lines as an earlier page returned)", s)
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return jsonlCursor{}, malformed
	}
	var n [3]int64
	for i, p := range parts {
		// Digits only: ParseInt alone would take "+3".
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return jsonlCursor{}, malformed
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || (i > 0 && v > math.MaxInt32) {
			return jsonlCursor{}, malformed
		}
		n[i] = v
	}
	c := jsonlCursor{off: n[0], line: int(n[1]), bad: int(n[2])}
	// Every line before the cursor takes at least one byte, and only the
	// start of the file is line 1.
	if c.line < 1 || (c.off == 0) != (c.line == 1) || int64(c.line-1) > c.off {
		return jsonlCursor{}, malformed
	}
	return c, nil
}

// jsonlBad is one bad line.
type jsonlBad struct {
	line   int
	reason string
}

// Fetch returns the page of up to page_size records starting at cursor.
// The cursor is "offset:line:bad_lines". A gzipped file cannot seek: its
// reader is kept open for the Next cursor (see park), and resuming without
// it decompresses and discards everything before offset. Total is -1:
// counting the records would mean reading the whole file.
func (s *jsonl) Fetch(ctx context.Context, q Query, cursor string) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("jsonl: %w", err)
	}
	path := q.Value
	if path == "" {
		return Page{}, fmt.Errorf("jsonl: query %q has no file path", q.Name)
	}
	start, err := parseJSONLCursor(cursor)
	if err != nil {
		return Page{}, fmt.Errorf("jsonl: %s: %w", path, err)
	}
	lr := s.unpark(path, cursor)
	if lr == nil {
		if lr, err = openJSONLReader(path, start, s.maxLineBytes); err != nil {
			return Page{}, fmt.Errorf("jsonl: %w", err)
		}
	}
	parked := false
	defer func() {
		if !parked {
			lr.f.Close()
		}
	}()

	page := Page{Total: -1}
	badCount := start.bad
	var bads []jsonlBad // this page's
	for i := 0; len(page.Records) < s.pageSize; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Page{}, fmt.Errorf("jsonl: %s: %w", path, err)
			}
		}
		data, num, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Page{}, fmt.Errorf("jsonl: %s: %w", path, lr.readError(num, err))
		}
		var rec Record
		var reason string
		switch {
		case tooLong:
			reason = fmt.Sprintf("line is longer than max_line_bytes (%d)", s.maxLineBytes)
		case len(bytes.Trim(data, " \t\r")) == 0:
			continue // blank lines separate nothing; skip them quietly
		default:
			rec, reason = s.record(data, num, q)
		}
		if reason != "" {
			badCount++
			bads = append(bads, jsonlBad{num, reason})
			if badCount > s.maxBadLines {
				return Page{}, s.tooManyBad(path, badCount, bads)
			}
			continue
		}
		if rec.ID != "" {
			page.Records = append(page.Records, rec)
		}
	}
	if len(page.Records) == s.pageSize && lr.more() {
		page.Next = jsonlCursor{off: lr.off, line: lr.line, bad: badCount}.String()
		parked = s.parkAt(path, page.Next, lr)
	}
	for i, b := range bads {
		if i == jsonlMaxProblems {
			page.Problems = append(page.Problems, fmt.Sprintf("%s: %d more bad lines on this page", path, len(bads)-i))
			break
		}
		page.Problems = append(page.Problems, fmt.Sprintf("%s:%d: %s", path, b.line, b.reason))
	}
	return page, nil
}

// record turns one non-blank line into a record. It returns the reason when
// the line is bad, and a record with no ID when the line is good but outside
// the window.
func (s *jsonl) record(data []byte, num int, q Query) (Record, string) {
	if !utf8.Valid(data) {
		return Record{}, "invalid UTF-8"
	}
	var obj jsonlObject
	if s.idFrom == jsonlIDField || s.window {
		var err error
		if obj, err = parseJSONLObject(data); err != nil {
			return Record{}, err.Error()
		}
	} else if b := bytes.TrimLeft(data, " \t\r\n"); !json.Valid(data) || len(b) == 0 || b[0] != '{' {
		// Validating is cheaper than decoding; only decoding says what is
		// wrong, so the bad case pays for both.
		if _, err := parseJSONLObject(data); err != nil {
			return Record{}, err.Error()
		}
	}

	var id string
	switch s.idFrom {
	case jsonlIDLine:
		id = strconv.Itoa(num)
	case jsonlIDHash:
		sum := sha256.Sum256(data)
		id = hex.EncodeToString(sum[:8])
	default:
		var reason string
		if id, reason = s.recordID(obj); reason != "" {
			return Record{}, reason
		}
	}

	if s.window {
		t, err := s.recordTime(obj)
		if err != nil {
			return Record{}, err.Error()
		}
		if t.IsZero() {
			return Record{}, fmt.Sprintf("no time at time_field %q (window = true needs one)", s.timeField.name)
		}
		if (!q.Start.IsZero() && t.Before(q.Start)) || (!q.End.IsZero() && !t.Before(q.End)) {
			return Record{}, ""
		}
	}
	return Record{ID: id, Data: bytes.Clone(data)}, ""
}

// park keeps a gzip reader open for the page at next (see readerPark).
func (s *jsonl) parkAt(path, next string, lr *jsonlReader) bool {
	if !lr.gz {
		return false // a plain file seeks
	}
	if cap(lr.buf) > 1<<20 {
		lr.buf = nil // don't hold on to one long line's buffer
	}
	s.park.put(path, next, lr)
	return true
}

// unpark takes the reader parked at cursor, or nil. A reader whose file was
// replaced or changed since is closed, not used.
func (s *jsonl) unpark(path, cursor string) *jsonlReader {
	if cursor == "" {
		return nil
	}
	lr, ok := s.park.take(path, cursor)
	if !ok {
		return nil
	}
	if !unchanged(path, lr.info) {
		lr.f.Close()
		return nil
	}
	return lr
}

// recordID reads the id at id_field, or says why it cannot.
func (s *jsonl) recordID(obj jsonlObject) (string, string) {
	switch v := obj.lookup(s.idPath).(type) {
	case nil:
		return "", fmt.Sprintf("no id at id_field %q", s.idField)
	case string:
		if strings.TrimSpace(v) == "" {
			return "", fmt.Sprintf("blank id at id_field %q", s.idField)
		}
		return v, ""
	case json.Number:
		id, err := jsonlNumber(v)
		if err != nil {
			return "", fmt.Sprintf("id_field %q: %v", s.idField, err)
		}
		return id, ""
	default:
		return "", fmt.Sprintf("id_field %q is %s, not a string or number", s.idField, jsonlKind(v))
	}
}

func (s *jsonl) tooManyBad(path string, count int, bads []jsonlBad) error {
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
	if s.idFrom == jsonlIDField && strings.HasPrefix(bads[0].reason, "no id at") {
		b.WriteString(` (if the file has no id field, set id_from = "line" or "hash")`)
	}
	return fmt.Errorf("jsonl: %s: %w (%d, more than max_bad_lines = %d); on this page: %s",
		path, ErrTooManyBadLines, count, s.maxBadLines, b.String())
}

// Extract maps one record to a Text per non-empty text field, each with the
// record's time, URL, language and author. A missing field is fine; a record
// that is not an object, a time that cannot be read, or an object or array
// where text is expected is an error.
func (s *jsonl) Extract(data json.RawMessage) ([]Text, error) {
	obj, err := parseJSONLObject(data)
	if err != nil {
		return nil, fmt.Errorf("jsonl: record: %w", err)
	}
	var base Text
	if base.PublishedAt, err = s.recordTime(obj); err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	for _, f := range []struct {
		key   string
		field jsonlField
		dst   *string
	}{
		{"url_field", s.url, &base.URL},
		{"language_field", s.language, &base.Language},
		{"author_field", s.author, &base.Author},
	} {
		if *f.dst, err = jsonlText(f.key, f.field, obj); err != nil {
			return nil, fmt.Errorf("jsonl: %w", err)
		}
	}
	var texts []Text
	for _, f := range s.texts {
		str, err := jsonlText("text field", f, obj)
		if err != nil {
			return nil, fmt.Errorf("jsonl: %w", err)
		}
		if strings.TrimSpace(str) == "" {
			continue
		}
		t := base
		t.Text = str
		if len(s.texts) > 1 {
			t.Field = f.name
		}
		texts = append(texts, t)
	}
	return texts, nil
}

// recordTime reads the time at time_field; zero when there is none.
func (s *jsonl) recordTime(obj jsonlObject) (time.Time, error) {
	if s.timeField.path == nil {
		return time.Time{}, nil
	}
	v := obj.lookup(s.timeField.path)
	fail := func(format string, args ...any) (time.Time, error) {
		return time.Time{}, fmt.Errorf("time_field %q: "+format, append([]any{s.timeField.name}, args...)...)
	}
	var lit string
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case string:
		if v == "" {
			return time.Time{}, nil
		}
		lit = v
	case json.Number:
		if s.timeFormat != jsonlTimeUnix && s.timeFormat != jsonlTimeUnixMS {
			return fail("%s is a number; set time_format = \"unix\" or \"unix_ms\" for numbers", v)
		}
		lit = string(v)
	default:
		return time.Time{}, fmt.Errorf("time_field %q is %s, not a time", s.timeField.name, jsonlKind(v))
	}
	switch s.timeFormat {
	case jsonlTimeRFC3339:
		t, err := time.Parse(time.RFC3339, lit)
		if err != nil {
			return fail("cannot read %q as RFC 3339 (e.g. 2024-12-04T09:00:28Z)", jsonlClip(lit))
		}
		return t.UTC(), nil
	case jsonlTimeUnix, jsonlTimeUnixMS:
		t, err := jsonlUnix(lit, s.timeFormat == jsonlTimeUnixMS)
		if err != nil {
			return fail("cannot read %q as time_format %q: %v", jsonlClip(lit), s.timeFormat, err)
		}
		return t, nil
	default:
		t, err := time.Parse(s.timeFormat, lit)
		if err != nil {
			return fail("cannot read %q with layout %q", jsonlClip(lit), s.timeFormat)
		}
		return t.UTC(), nil
	}
}

// jsonlUnix reads seconds (or milliseconds) since 1970, whole numbers
// exactly and fractions to the nanosecond float64 allows.
func jsonlUnix(lit string, ms bool) (time.Time, error) {
	scale := int64(1)
	if ms {
		scale = 1000
	}
	if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
		sec, rem := i/scale, i%scale
		if rem < 0 {
			sec, rem = sec-1, rem+scale
		}
		if sec < jsonlMinUnix || sec > jsonlMaxUnix {
			return time.Time{}, errors.New("out of range (years 1 to 9999)")
		}
		return time.Unix(sec, rem*(int64(time.Second)/scale)).UTC(), nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return time.Time{}, errors.New("not a number, or out of range")
	}
	f /= float64(scale)
	if math.IsNaN(f) || f < jsonlMinUnix || f > jsonlMaxUnix {
		return time.Time{}, errors.New("out of range (years 1 to 9999)")
	}
	sec := math.Floor(f)
	nsec := math.Round((f - sec) * 1e9)
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

// jsonlObject is a record's top level with its values still raw: only the
// values a path reaches are decoded, which saves unquoting long texts that
// Fetch does not need.
type jsonlObject map[string]json.RawMessage

// parseJSONLObject checks that data is one JSON object and splits its top
// level.
func parseJSONLObject(data []byte) (jsonlObject, error) {
	b := bytes.TrimLeft(data, " \t\r\n")
	if len(b) == 0 {
		return nil, errors.New("invalid JSON: no value")
	}
	if b[0] != '{' {
		// Say what it is when it is JSON, or why it is not.
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return nil, fmt.Errorf("not a JSON object but %s", jsonlKind(v))
	}
	var obj jsonlObject
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return obj, nil
}

// lookup follows a path and decodes the value there: a string, a
// json.Number, a bool, or for an object or array an empty map[string]any or
// []any (callers only name their kind). It is nil when any step is missing
// or the value is null.
func (o jsonlObject) lookup(path []string) any {
	raw, ok := o[path[0]]
	if !ok {
		return nil
	}
	// parseJSONLObject validated the whole record, so decoding a part of it
	// cannot fail; a failure would read as absent.
	for _, seg := range path[1:] {
		raw = bytes.TrimLeft(raw, " \t\r\n")
		switch {
		case len(raw) > 0 && raw[0] == '{':
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				return nil
			}
			if raw, ok = m[seg]; !ok {
				return nil
			}
		case len(raw) > 0 && raw[0] == '[':
			i, err := strconv.Atoi(seg)
			if err != nil || seg[0] < '0' || seg[0] > '9' {
				return nil
			}
			var a []json.RawMessage
			if json.Unmarshal(raw, &a) != nil || i >= len(a) {
				return nil
			}
			raw = a[i]
		default:
			return nil
		}
	}
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		return s
	case '{':
		return map[string]any{}
	case '[':
		return []any{}
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	}
	return json.Number(bytes.TrimRight(raw, " \t\r\n"))
}

// jsonlText reads a scalar field as text: a string as is, a number or
// boolean as written; "" when the field is unset or absent.
func jsonlText(key string, f jsonlField, obj jsonlObject) (string, error) {
	if f.path == nil {
		return "", nil
	}
	switch v := obj.lookup(f.path).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return string(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		return "", fmt.Errorf("%s %q is an array; address one element with an index, e.g. %q", key, f.name, f.name+".0")
	default:
		return "", fmt.Errorf("%s %q is %s, not text", key, f.name, jsonlKind(v))
	}
}

// jsonlNumber writes a JSON number as an id: an integer literal exactly as
// written, anything else in plain decimal (1.5e3 → "1500").
func jsonlNumber(n json.Number) (string, error) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return s, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", fmt.Errorf("number %s is out of range", jsonlClip(s))
	}
	if f == 0 {
		return "0", nil // not "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// jsonlKind names a decoded JSON value's type for messages.
func jsonlKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// jsonlClip shortens a value quoted in a message, on a rune boundary.
func jsonlClip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// jsonlReader reads a file line by line, tracking each line's byte offset
// in the decompressed stream and its number.
type jsonlReader struct {
	f    *os.File
	info os.FileInfo // when opened, to tell whether a parked reader is stale
	br   *bufio.Reader
	gz   bool
	off  int64 // offset of the next line
	line int   // number of the next line, from 1
	max  int
	buf  []byte // a line that did not fit the read buffer
}

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// openJSONLReader opens the file at path and positions a reader at the
// cursor. A gzip file is recognised by its magic bytes whatever its name.
func openJSONLReader(path string, at jsonlCursor, maxLine int) (*jsonlReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // names the path
	}
	lr, err := positionJSONLReader(f, at, maxLine)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lr, nil
}

func positionJSONLReader(f *os.File, at jsonlCursor, maxLine int) (*jsonlReader, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, errors.New("is a directory, not a JSON Lines file")
	}
	lr := &jsonlReader{f: f, info: info, off: at.off, line: at.line, max: maxLine}
	magic := make([]byte, 2)
	n, err := f.ReadAt(magic, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	lr.gz = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b

	if !lr.gz {
		if at.off > info.Size() {
			return nil, fmt.Errorf("cursor %s is past the end of the file (%d bytes)", at, info.Size())
		}
		if at.off > 0 {
			var prev [1]byte
			if _, err := f.ReadAt(prev[:], at.off-1); err != nil {
				return nil, err
			}
			if prev[0] != '\n' {
				return nil, fmt.Errorf("cursor %s is not at the start of a line (was the file rewritten?)", at)
			}
		}
		if _, err := f.Seek(at.off, io.SeekStart); err != nil {
			return nil, err
		}
		lr.br = bufio.NewReaderSize(f, jsonlBufSize)
	} else {
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, jsonlBufSize))
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w", err)
		}
		lr.br = bufio.NewReaderSize(zr, jsonlBufSize)
		if at.off > 0 {
			// gzip cannot seek: decompress and drop what comes before.
			if _, err := lr.br.Discard(int(at.off - 1)); err != nil {
				if err == io.EOF {
					return nil, fmt.Errorf("cursor %s is past the end of the decompressed file", at)
				}
				return nil, lr.readError(at.line, err)
			}
			prev, err := lr.br.ReadByte()
			if err == io.EOF {
				return nil, fmt.Errorf("cursor %s is past the end of the decompressed file", at)
			}
			if err != nil {
				return nil, lr.readError(at.line, err)
			}
			if prev != '\n' {
				return nil, fmt.Errorf("cursor %s is not at the start of a line (was the file rewritten?)", at)
			}
		}
	}

	if at.off == 0 {
		head, err := lr.br.Peek(3)
		if err != nil && err != io.EOF {
			return nil, lr.readError(1, err)
		}
		switch {
		case bytes.HasPrefix(head, utf8BOM):
			// Windows tools write a BOM; it is not part of the first record.
			lr.br.Discard(len(utf8BOM))
			lr.off = int64(len(utf8BOM))
		case bytes.HasPrefix(head, utf16LEBOM), bytes.HasPrefix(head, utf16BEBOM):
			return nil, errors.New("is UTF-16 (it starts with a UTF-16 byte-order mark); JSON Lines must be UTF-8")
		}
	}
	return lr, nil
}

// next returns the next line, its number, and whether it was longer than
// the limit (its bytes are then dropped). The line excludes its line end
// (LF or CRLF) and is valid until the next call. A last line without a line
// end counts. At the end of input it returns io.EOF.
func (lr *jsonlReader) next() (data []byte, num int, tooLong bool, err error) {
	num = lr.line
	chunk, err := lr.br.ReadSlice('\n')
	n := len(chunk)
	if err == bufio.ErrBufferFull {
		// A long line: gather it, or only count it once over the limit.
		lr.buf = append(lr.buf[:0], chunk...)
		for err == bufio.ErrBufferFull {
			chunk, err = lr.br.ReadSlice('\n')
			n += len(chunk)
			if !tooLong && len(lr.buf)+len(chunk) > lr.max+2 { // +2: room for CRLF
				tooLong, lr.buf = true, lr.buf[:0]
			}
			if !tooLong {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		chunk = lr.buf
	}
	if err == io.EOF && n > 0 {
		err = nil
	}
	if err != nil {
		return nil, num, false, err
	}
	lr.off += int64(n)
	lr.line++
	if tooLong {
		return nil, num, true, nil
	}
	chunk = bytes.TrimSuffix(chunk, []byte("\n"))
	chunk = bytes.TrimSuffix(chunk, []byte("\r"))
	if len(chunk) > lr.max {
		return nil, num, true, nil
	}
	return chunk, num, false, nil
}

// more reports whether anything follows; a read error counts as more, so
// that the next page reports it rather than this one ending quietly.
func (lr *jsonlReader) more() bool {
	_, err := lr.br.Peek(1)
	return err != io.EOF
}

// readError explains a failed read at line num.
func (lr *jsonlReader) readError(num int, err error) error {
	if !lr.gz {
		return fmt.Errorf("read line %d: %w", num, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("gzip stream is truncated at line %d (the file was cut short): %w", num, err)
	}
	return fmt.Errorf("corrupt gzip data at line %d: %w", num, err)
}
