// Package raw is the raw archive: every downloaded page, exactly as the
// source gave it plus provenance, as one gzipped JSON Lines file in a
// Hive-style tree (workspace=…/source=…/date_id=…/query=…/) that DuckDB or
// Spark can read directly. Files are written once, atomically, and every path
// is confined to the archive folder by an os.Root.
package raw

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
)

// Limits that keep a corrupt or hostile file from exhausting memory.
const (
	MaxLineBytes  = 16 << 20 // one raw record
	MaxPageBytes  = 1 << 30  // one page, decompressed
	maxNameLength = 100
)

// Line is one line of an archived page: a raw record and where it came from.
type Line struct {
	RunID     int64           `json:"run_id"`
	Workspace string          `json:"workspace"`
	Source    string          `json:"source"`
	Query     string          `json:"query"`
	DateID    int             `json:"date_id"`
	Page      int             `json:"page"`
	FetchedAt string          `json:"fetched_at"`
	RawID     string          `json:"raw_id"`
	Record    json.RawMessage `json:"record"`
}

// Archive is an open archive folder.
type Archive struct {
	dir  string
	root *os.Root
}

// Open opens the archive at dir, creating the folder if needed.
func Open(dir string) (*Archive, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}
	return &Archive{dir: dir, root: root}, nil
}

// Close releases the archive folder.
func (a *Archive) Close() error { return a.root.Close() }

// Dir is the archive's folder.
func (a *Archive) Dir() string { return a.dir }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ValidName reports whether s can be a workspace, source or query name: it
// becomes a path component, so it must not be able to escape or collide.
func ValidName(s string) error {
	switch {
	case s == "":
		return errors.New("empty name")
	case len(s) > maxNameLength:
		return fmt.Errorf("name %.20q… longer than %d characters", s, maxNameLength)
	case !nameRE.MatchString(s):
		return fmt.Errorf("name %q may hold only letters, digits, '_', '-' and '.', and must start with a letter or digit", s)
	case bytes.Contains([]byte(s), []byte("..")):
		return fmt.Errorf("name %q must not contain '..'", s)
	}
	return nil
}

// PagePath is where page number page of a fetch run is archived, relative
// to the archive folder.
func PagePath(workspace, source, query string, dateID int, runID int64, page int) (string, error) {
	for _, n := range []string{workspace, source, query} {
		if err := ValidName(n); err != nil {
			return "", err
		}
	}
	if dateID < 19000101 || dateID > 99991231 {
		return "", fmt.Errorf("date_id %d is not YYYYMMDD", dateID)
	}
	return path.Join("workspace="+workspace, "source="+source, fmt.Sprintf("date_id=%d", dateID),
		"query="+query, fmt.Sprintf("run-%06d-page-%05d.jsonl.gz", runID, page)), nil
}

// Written describes a page once it is durably in place.
type Written struct {
	SHA256 string // of the compressed file
	Bytes  int64  // compressed size
}

// WritePage writes lines as the page at rel: to a temporary file first,
// fsynced, then renamed into place and the folder fsynced, so a reader sees
// the whole page or nothing. An existing file at rel (left by a run killed
// before it recorded the page) is replaced.
func (a *Archive) WritePage(rel string, lines []Line) (Written, error) {
	dir := path.Dir(rel)
	if err := a.root.MkdirAll(dir, 0o755); err != nil {
		return Written{}, fmt.Errorf("archive %s: %w", rel, err)
	}
	// The temporary file is named after its page, so that a writer killed
	// mid-page leaves a file the page's next writer (the resumed fetch; one
	// process holds a fetch run at a time) recognises and removes.
	prefix := ".tmp-" + path.Base(rel) + "-"
	if stale, err := fs.Glob(a.root.FS(), path.Join(dir, prefix+"*")); err == nil {
		for _, name := range stale {
			a.root.Remove(name)
		}
	}
	tmp := path.Join(dir, prefix+randomSuffix())
	f, err := a.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return Written{}, fmt.Errorf("archive %s: %w", rel, err)
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			a.root.Remove(tmp)
		}
	}()
	h := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(counter, 64<<10)
	zw := gzip.NewWriter(bw)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for i := range lines {
		if err := enc.Encode(&lines[i]); err != nil {
			return Written{}, fmt.Errorf("archive %s: line %d: %w", rel, i+1, err)
		}
	}
	if err := zw.Close(); err != nil {
		return Written{}, fmt.Errorf("archive %s: %w", rel, err)
	}
	if err := bw.Flush(); err != nil {
		return Written{}, fmt.Errorf("archive %s: %w", rel, err)
	}
	if err := f.Sync(); err != nil {
		return Written{}, fmt.Errorf("archive %s: sync: %w", rel, err)
	}
	if err := f.Close(); err != nil {
		return Written{}, fmt.Errorf("archive %s: %w", rel, err)
	}
	if err := a.root.Rename(tmp, rel); err != nil {
		return Written{}, fmt.Errorf("archive %s: %w", rel, err)
	}
	committed = true
	if err := a.syncDir(dir); err != nil {
		return Written{}, fmt.Errorf("archive %s: sync folder: %w", rel, err)
	}
	return Written{SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: counter.n}, nil
}

func (a *Archive) syncDir(dir string) error {
	d, err := a.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Reader reads an archived page line by line.
type Reader struct {
	rel  string
	f    *os.File
	zr   *gzip.Reader
	br   *bufio.Reader
	line int
}

// OpenPage opens the page at rel for reading.
func (a *Archive) OpenPage(rel string) (*Reader, error) {
	f, err := a.root.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("open page %s: %w", rel, err)
	}
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open page %s: not a gzip file: %w", rel, err)
	}
	zr.Multistream(false)
	lim := io.LimitReader(zr, MaxPageBytes+1)
	return &Reader{rel: rel, f: f, zr: zr, br: bufio.NewReaderSize(lim, 64<<10)}, nil
}

// Close closes the page.
func (r *Reader) Close() error { return r.f.Close() }

// LineError is a line of a page that could not be read as a Line. The
// reader can go on to the next line.
type LineError struct {
	Path string
	Line int
	Raw  []byte // the line's bytes, truncated for very long lines
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Next returns the next line and its 1-based number, io.EOF at the end, a
// *LineError for a malformed line (reading may go on), or another error
// (truncated or corrupt file; reading must stop).
func (r *Reader) Next() (Line, int, error) {
	raw, err := r.readLine()
	if err != nil {
		return Line{}, r.line, err
	}
	var l Line
	if err := json.Unmarshal(raw, &l); err != nil {
		return Line{}, r.line, &LineError{Path: r.rel, Line: r.line, Raw: clip(raw), Err: err}
	}
	if len(l.Record) == 0 {
		return Line{}, r.line, &LineError{Path: r.rel, Line: r.line, Raw: clip(raw), Err: errors.New("no record")}
	}
	return l, r.line, nil
}

func (r *Reader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLineBytes {
			// Skip the rest of the oversized line so the next one can be read.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.br.ReadSlice('\n')
			}
			r.line++
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, r.fileError(err)
			}
			return nil, &LineError{Path: r.rel, Line: r.line, Raw: clip(buf), Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
		}
		switch {
		case err == nil:
			r.line++
			return bytes.TrimRight(buf, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			r.line++
			return buf, nil
		case errors.Is(err, io.EOF):
			var one [1]byte
			if n, _ := io.ReadFull(r.zr, one[:]); n > 0 {
				return nil, fmt.Errorf("%s: larger than %d bytes decompressed", r.rel, MaxPageBytes)
			}
			return nil, io.EOF
		default:
			return nil, r.fileError(err)
		}
	}
}

func (r *Reader) fileError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated after line %d: %w", r.rel, r.line, err)
	}
	return fmt.Errorf("%s: after line %d: %w", r.rel, r.line, err)
}

func clip(b []byte) []byte {
	if len(b) > 4096 {
		b = b[:4096]
	}
	return bytes.Clone(b)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
