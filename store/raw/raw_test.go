package raw_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/timpani-dev/timpani/store/raw"
)

func mustArchive(tb testing.TB) *raw.Archive {
	tb.Helper()
	a, err := raw.Open(filepath.Join(tb.TempDir(), "raw"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

func readAll(tb testing.TB, a *raw.Archive, rel string) (lines []raw.Line, lineErrs []*raw.LineError, err error) {
	tb.Helper()
	r, err := a.OpenPage(rel)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	for {
		l, _, err := r.Next()
		var le *raw.LineError
		switch {
		case errors.Is(err, io.EOF):
			return lines, lineErrs, nil
		case errors.As(err, &le):
			lineErrs = append(lineErrs, le)
		case err != nil:
			return lines, lineErrs, err
		default:
			lines = append(lines, l)
		}
	}
}

func TestPagePathIsHiveStyleAndConfined(t *testing.T) {
	got, err := raw.PagePath("meedan", "junkipedia", "gendered_disinfo", 20240120, 7, 3)
	want := "workspace=meedan/source=junkipedia/date_id=20240120/query=gendered_disinfo/run-000007-page-00003.jsonl.gz"
	if err != nil || got != want {
		t.Errorf("PagePath = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"", "..", "../../etc", "a/b", `a\b`, ".hidden", "a..b", "x y", strings.Repeat("a", 101)} {
		if _, err := raw.PagePath(bad, "s", "q", 20240120, 1, 0); err == nil {
			t.Errorf("PagePath(workspace %q) accepted", bad)
		}
		if _, err := raw.PagePath("w", "s", bad, 20240120, 1, 0); err == nil {
			t.Errorf("PagePath(query %q) accepted", bad)
		}
	}
	if _, err := raw.PagePath("w", "s", "q", 2024012, 1, 0); err == nil {
		t.Error("PagePath accepted a date_id that is not YYYYMMDD")
	}
}

func TestWriteThenReadPage(t *testing.T) {
	a := mustArchive(t)
	rel, _ := raw.PagePath("ws", "src", "q", 20240120, 1, 0)
	in := []raw.Line{
		{RunID: 1, Workspace: "ws", Source: "src", Query: "q", DateID: 20240120, RawID: "a", Record: json.RawMessage(`{"id":"a","text":"<b>hi</b> &amp; bye"}`)},
		{RunID: 1, Workspace: "ws", Source: "src", Query: "q", DateID: 20240120, RawID: "b", Record: json.RawMessage(`{"id":"b","text":"日本語"}`)},
	}
	w, err := a.WritePage(rel, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.SHA256) != 64 || w.Bytes <= 0 {
		t.Errorf("Written = %+v", w)
	}
	entries, _ := os.ReadDir(filepath.Join(a.Dir(), filepath.Dir(rel)))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files; want only the page (no temp files)", len(entries))
	}
	got, lineErrs, err := readAll(t, a, rel)
	if err != nil || len(lineErrs) != 0 {
		t.Fatalf("read: %v, %v", err, lineErrs)
	}
	if len(got) != 2 || got[1].RawID != "b" || !bytes.Equal(got[0].Record, in[0].Record) {
		t.Errorf("read back %+v", got)
	}
	if _, err := a.OpenPage("../outside.jsonl.gz"); err == nil {
		t.Error("OpenPage outside the archive succeeded")
	}
}

// A writer killed mid-page leaves a temporary file; the page's next writer
// (the resumed fetch) removes it, and leaves other pages' alone.
func TestRewritingAPageRemovesItsLeftoverTemporaryFile(t *testing.T) {
	a := mustArchive(t)
	rel, _ := raw.PagePath("ws", "src", "q", 20240120, 1, 0)
	other, _ := raw.PagePath("ws", "src", "q", 20240120, 1, 1)
	dir := filepath.Join(a.Dir(), filepath.Dir(rel))
	os.MkdirAll(dir, 0o755)
	left := filepath.Join(dir, ".tmp-"+filepath.Base(rel)+"-killed")
	otherLeft := filepath.Join(dir, ".tmp-"+filepath.Base(other)+"-writing")
	for _, p := range []string{left, otherLeft} {
		if err := os.WriteFile(p, []byte("half a page"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.WritePage(rel, []raw.Line{{RunID: 1, Workspace: "ws", Source: "src", Query: "q", DateID: 20240120, RawID: "a", Record: json.RawMessage(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the page's leftover temporary file is still there (%v)", err)
	}
	if _, err := os.Stat(otherLeft); err != nil {
		t.Errorf("another page's temporary file was touched: %v", err)
	}
}

// writeGzip writes a gzip file of body at rel inside the archive, bypassing
// WritePage, to build broken pages.
func writeGzip(tb testing.TB, a *raw.Archive, rel string, body string, truncate int) {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(body))
	zw.Close()
	b := buf.Bytes()
	if truncate > 0 {
		b = b[:len(b)-truncate]
	}
	p := filepath.Join(a.Dir(), rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestBrokenPagesGiveClearErrors(t *testing.T) {
	good := `{"raw_id":"a","record":{"id":"a"}}` + "\n"
	tests := []struct {
		name     string
		body     string
		truncate int
		lines    int
		lineErrs int
		errHas   string
	}{
		{"malformed lines are skipped with their number", good + "{not json\n" + `{"raw_id":"c"}` + "\n" + good, 0, 2, 2, ""},
		{"truncated gzip keeps what was read", strings.Repeat(good, 200), 30, -1, 0, "truncated"},
		{"last line without newline", good + strings.TrimSuffix(good, "\n"), 0, 2, 0, ""},
		{"oversized line", good + `{"raw_id":"` + strings.Repeat("x", raw.MaxLineBytes+10) + "\"}\n" + good, 0, 2, 1, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustArchive(t)
			rel := "p" + string(rune('a'+i)) + ".jsonl.gz"
			writeGzip(t, a, rel, tc.body, tc.truncate)
			lines, lineErrs, err := readAll(t, a, rel)
			if tc.errHas == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), rel)) {
				t.Fatalf("err = %v; want one naming %s and saying %q", err, rel, tc.errHas)
			}
			if tc.lines >= 0 && len(lines) != tc.lines {
				t.Errorf("lines = %d; want %d", len(lines), tc.lines)
			}
			if tc.lines < 0 && len(lines) == 0 {
				t.Error("nothing read before the truncation")
			}
			if len(lineErrs) != tc.lineErrs {
				t.Errorf("line errors = %d (%v); want %d", len(lineErrs), lineErrs, tc.lineErrs)
			}
			for _, le := range lineErrs {
				if !strings.HasPrefix(le.Error(), rel+":") || le.Line < 2 {
					t.Errorf("line error %q does not name the file and line", le.Error())
				}
			}
		})
	}
	a := mustArchive(t)
	os.WriteFile(filepath.Join(a.Dir(), "plain.jsonl.gz"), []byte("not gzip"), 0o644)
	if _, err := a.OpenPage("plain.jsonl.gz"); err == nil || !strings.Contains(err.Error(), "plain.jsonl.gz") {
		t.Errorf("OpenPage(not gzip) = %v; want an error naming the file", err)
	}
}
