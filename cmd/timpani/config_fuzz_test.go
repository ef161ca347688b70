package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// badConfigSeeds are the broken configs of config_test.go (and a few more
// shapes the decoder handles specially), so the fuzzer starts from the
// errors LoadConfig is known to explain.
var badConfigSeeds = []string{
	"data_dir = \"x\"\n[workspaces.demo\n",
	"data_dir = \"x\"\ntypo_key = 1\n[engine]\nwrokers = 2\n[workspaces.demo]\nworkflow = \"demo\"\n[workspaces.demo.sources.gen]\nkind = \"faker\"\nqueries = { q = \"x\" }\noptions = { seed = 1, itmes_per_day = 5 }\n",
	"[server]\naddr = \"nonsense\"\n[engine]\nworkers = 0\n[workspaces.\"../etc\"]\nworkflow = \"nope\"\nlanguages = [\"English\"]\n[workspaces.\"../etc\".sources.gen]\nkind = \"fakr\"\n[workflows.mine]\nsteps = [{ state = \"ready\", action = \"missing\" }]\n[services.gpu]\nkind = \"tensorflow\"\napi_key_env = \"sk-live-1234\"\n",
	"[engine]\nbackoff = \"soon\"\n",
	"[server]\npublic_url = \"presto.local:8080\"\n[services.presto]\nkind = \"presto\"\nurl = \"http://127.0.0.1:8000\"\n[services.oa]\nkind = \"openai\"\nurl = \"ftp://nowhere\"\n[workflows.remote]\nsteps = [\n\t{ state = \"keyworded\", action = \"keywords\", service = \"presto\", params = { modle = \"x\" } },\n\t{ state = \"clustered\", action = \"cluster\", service = \"presto\" },\n\t{ state = \"vectorized\", action = \"embed\", service = \"gpu\" },\n]\n[workspaces.demo]\nworkflow = \"remote\"\n[workspaces.demo.sources.gen]\nkind = \"faker\"\nqueries = { q = \"x\" }\n",
	"[workflows.near]\nsteps = [{ state = \"clustered\", action = \"cluster\" }]\n[workflows.loose]\nsteps = [{ state = \"vectorized\", action = \"embed\" }, { state = \"clustered\", action = \"cluster\", params = { threshold = 1.5, radius = 2 } }]\n",
	"[workspaces.demo]\nworkflow = \"demo\"\n[workspaces.demo.sources.gen]\nkind = \"faker\"\nqueries = { q = \"x\" }\noptions = { items_per_day = -3 }\n",
	"[engine]\nworkers = -1\n",
	// Empty tables where the config holds pointers.
	"[workspaces.a]\n[workflows.b]\n[services.c]\n[workspaces.a.sources.d]\n",
	"workspaces = { a = { sources = { b = { kind = \"jsonl\", queries = { q = \"f\" }, options = { max_line_bytes = -1 } } } } }\n",
	"[[server.tokens]]\nenv = \"\"\n",
	"\x00\xff\xfe[\n",
	// Found next to the fuzzer: inline tables nested deep made the TOML
	// decoder take hours, and days that overflow a duration wrapped.
	"x = " + strings.Repeat("{a=", 150) + "1" + strings.Repeat("}", 150) + "\n",
	"[workspaces.demo]\nworkflow = \"demo\"\nretention = \"213600d\"\n[workspaces.demo.sources.gen]\nkind = \"faker\"\nqueries = { q = \"x\" }\n",
	"a = \"\"\"x\n\\\"\"\"\"\"\nb = '''\n{{'''' # [[\nc = \"[{\\\"\"\n",
	"",
}

// FuzzLoadConfig reads arbitrary bytes as timpani.toml: LoadConfig must not
// panic or hang, and must give either a config that validates or an error
// that names the file.
func FuzzLoadConfig(f *testing.F) {
	for _, p := range []string{"../../timpani.toml.example", "starter.toml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range badConfigSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "timpani.toml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var cfg Config
		var err error
		go func() {
			defer close(done)
			cfg, err = LoadConfig(path)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadConfig hangs on %q", data)
		}
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("LoadConfig(%q) error does not name the file:\n%v", data, err)
			}
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("LoadConfig(%q) returned a config that does not validate: %v", data, verr)
		}
		if len(cfg.Workspaces) == 0 {
			t.Fatalf("LoadConfig(%q) returned a config without workspaces", data)
		}
	})
}
