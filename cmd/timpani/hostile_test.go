package main

// Hostile input through the CLI (issue 7): a good day is fetched and
// processed first, then hostile files; each must end in a clear error (or be
// handled), and the good data must still be there afterwards.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func hostileLong() bool { return os.Getenv("TIMPANI_HOSTILE_LONG") == "1" }

// hostileFill writes n bytes of fill repeated to w.
func hostileFill(tb testing.TB, w io.Writer, fill string, n int64) {
	tb.Helper()
	chunk := []byte(strings.Repeat(fill, (64<<10)/len(fill)+1))
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := w.Write(chunk[:k]); err != nil {
			tb.Fatal(err)
		}
		n -= k
	}
}

// writeHostile writes head, n bytes of fill, then tail to dir/name.
func writeHostile(tb testing.TB, dir, name, head, fill string, n int64, tail string) {
	tb.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(head)
	hostileFill(tb, w, fill, n)
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

const hostileGood = `{"id":"g1","text":"the river flooded the old town overnight","author":"ana"}
{"id":"g2","text":"volunteers are handing out water near the station","author":"ben"}
{"id":"g3","text":"officials say the bridge will reopen next week","author":"cai"}
`

// hostileConfig has a good source and one per hostile file; the bad-line
// limits are 0 where a bad line must fail the fetch.
const hostileConfig = `
[workspaces.w]
workflow = "demo"
[workspaces.w.sources.good]
kind = "jsonl"
queries = { day = "good.jsonl" }
options = { author_field = "author" }
[workspaces.w.sources.strict]
kind = "jsonl"
queries = { long_line = "long.jsonl", deep = "deep.jsonl" }
options = { max_bad_lines = 0 }
[workspaces.w.sources.lenient]
kind = "jsonl"
queries = { encodings = "enc.jsonl", ids = "ids.jsonl", big = "big.jsonl" }
options = { author_field = "author" }
[workspaces.w.sources.sheet]
kind = "csv"
queries = { long_field = "long.csv", quotes = "quotes.csv", wide = "wide.csv" }
[workspaces.w.sources.sheet2]
kind = "csv"
queries = { encodings = "enc.csv" }
options = { author_column = "author" }
[workspaces.w.sources.feed]
kind = "rss"
queries = { laughs = "laughs.xml", xxe = "xxe.xml" }
options = { window = false }
`

// runBin runs the built binary in dir (not in-process: the binary is built
// without -race, and the hostile files are large) and returns its output
// and exit code.
func runBin(tb testing.TB, dir string, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		tb.Fatalf("timpani %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// mustRunBin is runBin that fails the test on a non-zero exit.
func mustRunBin(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, errOut, code := runBin(tb, dir, args...)
	if code != 0 {
		tb.Fatalf("timpani %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// statusTotal is the item count of workspace w as status --json says.
func statusTotal(tb testing.TB, dir string) (int, map[string]int) {
	tb.Helper()
	var rep statusReport
	if err := json.Unmarshal([]byte(mustRunBin(tb, dir, "status", "--json")), &rep); err != nil {
		tb.Fatal(err)
	}
	for _, ws := range rep.Workspaces {
		if ws.Workspace == "w" {
			return ws.Total, ws.States
		}
	}
	return 0, nil
}

// archiveFiles lists the files under the data folder's raw archive.
func archiveFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var files []string
	root := filepath.Join(dir, "data")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

func TestHostileFetchKeepsWhatIsStored(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("timpani.toml", hostileConfig)
	write("good.jsonl", hostileGood)

	// The good day, fetched and processed.
	mustRunBin(t, dir, "--quiet", "fetch", "--date", "20240101", "--source", "good")
	mustRunBin(t, dir, "--quiet", "run")
	goodTotal, goodStates := statusTotal(t, dir)
	if goodTotal != 3 || goodStates["completed"] != 3 {
		t.Fatalf("after the good day: %d items %v; want 3 completed", goodTotal, goodStates)
	}

	// The hostile files.
	const mb = 1 << 20
	writeHostile(t, dir, "long.jsonl", `{"id":"ok","text":"fine"}`+"\n"+`{"id":"huge","text":"`, "x", 50*mb, "\"}\n")
	writeHostile(t, dir, "long.csv", "id,text\n1,fine\n2,\"", "y", 50*mb, "\"\n")
	write("deep.jsonl", `{"id":"ok","text":"fine"}`+"\n"+strings.Repeat("[", 100_000)+"\n")
	write("enc.jsonl", strings.Join([]string{
		"{\"id\":\"bad-utf8\",\"text\":\"caf\xe9\",\"author\":\"x\"}",
		"{\"id\":\"bad-author\",\"text\":\"fine\",\"author\":\"\xc3\x28\"}",
		"{\"id\":\"raw-nul\",\"text\":\"a\x00b\"}",
		`{"id":"esc-nul","text":"nul \u0000 here and a lone \ud800 surrogate","author":"\u0000"}`,
		`{"id":"nul\u0000id","text":"a nul in the id"}`,
	}, "\n")+"\n")
	write("enc.csv", "id,text,author\n"+
		"csv-ok,fine,a\n"+
		"csv-bad,caf\xe9,a\n"+
		"csv-bad-author,fine,\xc3\x28\n"+
		"csv-nul,raw \x00 nul,\x00\n")
	big := strings.Repeat("words of a very long post ", 5*mb/26)
	write("big.jsonl", fmt.Sprintf(`{"id":"big","text":%q}`+"\n", big))
	pathIDs := []string{"../../etc/passwd", "/etc/passwd", "..", "a/../../../b", `..\..\x`, "x/" + strings.Repeat("../", 100) + "tmp/evil"}
	var ids strings.Builder
	for i, id := range pathIDs {
		b, _ := json.Marshal(id)
		fmt.Fprintf(&ids, `{"id":%s,"text":"post number %d about the flood"}`+"\n", b, i)
	}
	write("ids.jsonl", ids.String())
	var quotes strings.Builder
	quotes.WriteString("id,text\n1,fine\n2,\"opens and never closes\n")
	for i := 3; i < 500; i++ {
		fmt.Fprintf(&quotes, "%d,row %d\n", i, i)
	}
	write("quotes.csv", quotes.String())
	var wide strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&wide, "c%d,", i)
	}
	write("wide.csv", wide.String()+"x\n1,2\n")
	write("laughs.xml", `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>&i;</title></item>
</channel></rss>
`)
	write("xxe.xml", `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><description>&xxe;</description></item>
</channel></rss>
`)

	tests := []struct {
		source, query string
		fails         bool     // the fetch exits non-zero
		want          []string // in stderr (or stdout when it does not fail)
	}{
		{"strict", "long_line", true, []string{"long.jsonl", "line 2", "max_line_bytes"}},
		{"strict", "deep", true, []string{"deep.jsonl", "line 2", "invalid JSON"}},
		{"sheet", "long_field", true, []string{"long.csv", "line 3", "max_row_bytes"}},
		{"sheet", "quotes", false, nil},
		{"sheet", "wide", true, []string{"wide.csv", `no column "id"`}},
		{"feed", "laughs", true, []string{"laughs.xml", "line 4", "&i;"}},
		{"feed", "xxe", true, []string{"xxe.xml", "line 4", "&xxe;"}},
		{"lenient", "encodings", false, []string{"enc.jsonl:1: invalid UTF-8", "records=3"}},
		{"sheet2", "encodings", false, []string{"enc.csv:3: column", "is not valid UTF-8", "records=2"}},
		{"lenient", "ids", false, nil},
		{"lenient", "big", false, nil},
	}
	for _, tc := range tests {
		out, errOut, code := runBin(t, dir, "--quiet", "fetch", "--date", "20240102", "--source", tc.source, "--query", tc.query)
		if (code != 0) != tc.fails {
			t.Errorf("fetch %s/%s: exit %d; want failure %v\nstdout: %.500s\nstderr: %.500s", tc.source, tc.query, code, tc.fails, out, errOut)
			continue
		}
		t.Logf("fetch %s/%s: exit %d\n%.1000s", tc.source, tc.query, code, errOut)
		msg := errOut
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("fetch %s/%s: stderr %.800q; want it to name %q", tc.source, tc.query, msg, w)
			}
		}
		if tc.fails && strings.Count(strings.TrimSpace(errOut), "\n") > 5 {
			t.Errorf("fetch %s/%s: stderr is %d lines; want a short error", tc.source, tc.query, strings.Count(errOut, "\n"))
		}
		if strings.Contains(out+errOut, "root:x:0:0") {
			t.Errorf("fetch %s/%s printed /etc/passwd", tc.source, tc.query)
		}
		// Nothing stored before is lost.
		if total, states := statusTotal(t, dir); total < goodTotal || states["completed"] < goodStates["completed"] {
			t.Fatalf("after fetch %s/%s: %d items %v; want at least the good day's %d completed", tc.source, tc.query, total, states, goodTotal)
		}
	}

	mustRunBin(t, dir, "--quiet", "run")
	db := openData(t, dir)
	items, _, states := count(t, db, "w")
	// good 3 + quotes.csv's row 1 + enc.jsonl's esc-nul and nul\0id + enc.csv's
	// csv-ok and csv-nul + 6 path ids + big.
	if want := 3 + 1 + 2 + 2 + len(pathIDs) + 1; items != want || states["completed"] != want {
		t.Errorf("after run: %d items %v; want %d completed", items, states, want)
	}
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "data", "timpani.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	rows, err := sqldb.QueryContext(t.Context(), "SELECT raw_id, raw_text FROM items WHERE workspace = 'w'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var id, text string
		if err := rows.Scan(&id, &text); err != nil {
			t.Fatal(err)
		}
		got[id] = text
		if !utf8.ValidString(text) || !utf8.ValidString(id) {
			t.Errorf("item %q: text %.80q is not valid UTF-8", id, text)
		}
	}
	for _, id := range append([]string{"g1", "g2", "g3", "1", "esc-nul", "nul\x00id", "csv-ok", "csv-nul", "big"}, pathIDs...) {
		if _, ok := got[id]; !ok {
			t.Errorf("no item %q stored; have %d items", id, len(got))
		}
	}
	if want := "nul \x00 here and a lone \uFFFD surrogate"; got["esc-nul"] != want {
		t.Errorf("item esc-nul = %q; want %q (the NUL kept, the lone surrogate replaced)", got["esc-nul"], want)
	}
	if got["csv-nul"] != "raw \x00 nul" {
		t.Errorf("item csv-nul = %q; want the NUL kept", got["csv-nul"])
	}
	if got["big"] != big {
		t.Errorf("the 5 MB text was stored as %d bytes; want %d", len(got["big"]), len(big))
	}

	// Ids never become paths: the data folder holds the database and the
	// archive's partition tree, nothing else.
	for _, f := range archiveFiles(t, dir) {
		ok := strings.HasPrefix(f, "timpani.db") || (strings.HasPrefix(f, "index/workspace=w/") && strings.HasSuffix(f, ".idx")) ||
			(strings.HasPrefix(f, "raw/workspace=w/source=") && strings.Contains(f, "/date_id=2024010") && strings.HasSuffix(f, ".jsonl.gz"))
		if !ok || strings.Contains(f, "..") || strings.Contains(f, "passwd") || strings.Contains(f, "evil") {
			t.Errorf("unexpected file in the data folder: %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tmp", "evil")); err == nil {
		t.Error("a record id became a file outside the data folder")
	}
}

// TestHostileNamesAreRefused: workspace, source, query and workflow names
// that could become paths are config errors naming the file and the key.
func TestHostileNamesAreRefused(t *testing.T) {
	names := []struct{ name, toml string }{
		{"dot dot", `".."`},
		{"dot dot slash", `"../etc"`},
		{"slash", `"a/b"`},
		{"absolute", `"/etc"`},
		{"backslash", `"a\\b"`},
		{"nul", `"a\u0000b"`},
		{"dot", `"."`},
		{"empty", `""`},
		{"newline", `"a\nb"`},
	}
	for _, n := range names {
		for _, place := range []struct{ where, body string }{
			{"workspace", "[workspaces.%s]\nworkflow = \"noop\"\n[workspaces.%[1]s.sources.s]\nkind = \"faker\"\nqueries = { q = \"x\" }\n"},
			{"source", "[workspaces.w]\nworkflow = \"noop\"\n[workspaces.w.sources.%s]\nkind = \"faker\"\nqueries = { q = \"x\" }\n"},
			{"query", "[workspaces.w]\nworkflow = \"noop\"\n[workspaces.w.sources.s]\nkind = \"faker\"\nqueries = { %s = \"x\" }\n"},
			{"workflow", "[workflows.%s]\nsteps = []\n[workspaces.w]\nworkflow = \"noop\"\n[workspaces.w.sources.s]\nkind = \"faker\"\nqueries = { q = \"x\" }\n"},
		} {
			t.Run(place.where+" "+n.name, func(t *testing.T) {
				path := writeConfig(t, fmt.Sprintf(place.body, n.toml))
				_, err := LoadConfig(path)
				if err == nil {
					t.Fatalf("LoadConfig accepted a %s named %s", place.where, n.toml)
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "name") {
					t.Errorf("LoadConfig = %v; want the file and the bad name", err)
				}
			})
		}
	}
	// Through the CLI: nothing is created for a refused config.
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("timpani.toml", []byte("[workspaces.\"../../x\"]\nworkflow = \"noop\"\n[workspaces.\"../../x\".sources.s]\nkind = \"faker\"\nqueries = { q = \"x\" }\n"), 0o644)
	_, errOut, code := runCLI(t, "fetch", "--date", "20240101")
	if code == 0 || !strings.Contains(errOut, "timpani.toml") || !strings.Contains(errOut, `"../../x"`) {
		t.Errorf("fetch with a workspace named ../../x: exit %d, stderr %q; want the file and the name", code, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) > 1 {
		for _, e := range entries {
			if e.Name() == "x" {
				t.Errorf("a folder %s was created outside the data folder", e.Name())
			}
		}
	}
	if _, err := os.Stat("data"); err == nil {
		t.Error("a refused config still created the data folder")
	}
}

// writeGzipBombFile writes a .jsonl.gz with one good line, then one line of
// n bytes of 'a' with no end (1 MiB gzip members, concatenated).
func writeGzipBombFile(tb testing.TB, path string, n int64) {
	tb.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	hostileFill(tb, zw, "a", 1<<20)
	zw.Close()
	var first bytes.Buffer
	zw = gzip.NewWriter(&first)
	io.WriteString(zw, `{"id":"first","text":"the line before the bomb"}`+"\n")
	zw.Close()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.Write(first.Bytes())
	for range n >> 20 {
		w.Write(member.Bytes())
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// TestHostileGzipBombThroughTheBinary fetches a .jsonl.gz of about 1 MB
// that expands to 1 GiB (4 GiB with TIMPANI_HOSTILE_LONG=1) with the real
// binary, and reads its peak resident memory from the kernel.
func TestHostileGzipBombThroughTheBinary(t *testing.T) {
	n := int64(1 << 30)
	if hostileLong() {
		n = 4<<30 + 1<<20
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.jsonl"), []byte(hostileGood), 0o644)
	writeGzipBombFile(t, filepath.Join(dir, "bomb.jsonl.gz"), n)
	os.WriteFile(filepath.Join(dir, "timpani.toml"), []byte(`
[workspaces.w]
workflow = "noop"
[workspaces.w.sources.good]
kind = "jsonl"
queries = { day = "good.jsonl" }
[workspaces.w.sources.bomb]
kind = "jsonl"
queries = { bomb = "bomb.jsonl.gz" }
`), 0o644)
	mustRunIn(t, dir, "fetch", "--date", "20240101", "--source", "good")
	mustRunIn(t, dir, "run")

	cmd := exec.Command(binary, "fetch", "--date", "20240102", "--source", "bomb")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The kernel's high-water mark of the process's resident memory, read
	// until it exits (rusage's maxrss would count the test process, which
	// the child starts as a copy of).
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var err error
poll:
	for {
		if b, rerr := os.ReadFile(status); rerr == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					var v int64
					fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &v)
					peak = max(peak, v<<10)
				}
			}
		}
		select {
		case err = <-done:
			break poll
		case <-tick.C:
		}
	}
	if err != nil {
		t.Fatalf("fetch of the bomb: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "bomb.jsonl.gz:2: line is longer than max_line_bytes") {
		t.Errorf("fetch of the bomb printed %q; want the long line named", out.String())
	}
	if peak == 0 {
		t.Skip("no /proc/<pid>/status VmHWM on this system")
	}
	t.Logf("expanding %d MiB: peak RSS %d MiB", n>>20, peak>>20)
	if peak > 256<<20 {
		t.Errorf("fetching a gzip bomb of %d MiB peaked at %d MiB resident; want it bounded by max_line_bytes", n>>20, peak>>20)
	}

	mustRunIn(t, dir, "run")
	db := openData(t, dir)
	if items, _, states := count(t, db, "w"); items != 4 || states["completed"] != 4 {
		t.Errorf("after the bomb: %d items %v; want the 3 good ones and the line before the bomb", items, states)
	}
}

// TestHostileConfigValues: values that overflow, nest deeply or are huge
// are config errors naming the file, quickly.
func TestHostileConfigValues(t *testing.T) {
	const depth = 100_000
	tests := []struct {
		name, body string
		want       string
	}{
		{"retention that overflows", "[workspaces.demo]\nworkflow = \"demo\"\nretention = \"300000d\"\n[workspaces.demo.sources.gen]\nkind = \"faker\"\nqueries = { q = \"x\" }\n", `invalid duration "300000d"`},
		{"retention that wraps to positive", "[workspaces.demo]\nworkflow = \"demo\"\nretention = \"213600d\"\n[workspaces.demo.sources.gen]\nkind = \"faker\"\nqueries = { q = \"x\" }\n", `invalid duration "213600d"`},
		{"huge integer", "[engine]\nworkers = 99999999999999999999999\n", "workers"},
		{"nested arrays", "[workspaces.demo]\nlanguages = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n",
			"line 2: arrays and inline tables nest more than 100 levels deep"},
		// Without the depth check the TOML decoder takes hours on this one.
		{"nested inline tables", "\n\nx = " + strings.Repeat("{a=", depth) + "1" + strings.Repeat("}", depth) + "\n",
			"line 3: arrays and inline tables nest more than 100 levels deep"},
		{"nested inline tables after strings", "a = \"[[[{{{\\\"[[[\"\nb = '''\n{{{{\n'''\nc = \"\"\"x\n\\\"\"\"\"\"\n# {{{{{{\nx = " +
			strings.Repeat("{a=", 101) + "1" + strings.Repeat("}", 101) + "\n", "line 8: arrays"},
		{"long key", strings.Repeat("k", 1<<20) + " = 1\n", "unknown key"},
		{"nul in a string", "data_dir = \"a\\u0000b\"\n", "config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			start := time.Now()
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatal("LoadConfig succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) {
				t.Errorf("LoadConfig = %.300q; want the file and %q", msg, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("LoadConfig took %s", d)
			}
		})
	}
}

// TestConfigNestingCheckLeavesStringsAlone: brackets inside strings and
// comments do not count toward the nesting limit.
func TestConfigNestingCheckLeavesStringsAlone(t *testing.T) {
	deep := strings.Repeat("[{", 200)
	path := writeConfig(t, `# `+deep+`
[workspaces.demo] # `+deep+`
workflow = "demo"
title = "`+deep+` \" `+deep+`"
[workspaces.demo.sources.gen]
kind = "faker"
queries = { q = '`+deep+`', r = """
`+deep+`
\"""
""", s = '''
`+deep+`'''' }
`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig = %v", err)
	}
	q := cfg.Workspaces["demo"].Sources["gen"].Queries
	if q["r"] != deep+"\n\"\"\"\n" || q["s"] != deep+"'" || q["q"] != deep {
		t.Errorf("queries = %q", q)
	}
}
