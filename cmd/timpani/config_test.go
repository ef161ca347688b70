package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(tb testing.TB, body string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "timpani.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestExampleAndStarterConfigsLoad(t *testing.T) {
	for _, path := range []string{"../../timpani.toml.example", "starter.toml"} {
		cfg, err := LoadConfig(path)
		if err != nil {
			t.Fatalf("LoadConfig(%s): %v", path, err)
		}
		if len(cfg.Workspaces) == 0 {
			t.Errorf("%s: no workspaces", path)
		}
		// Every source's options decode through its kind.
		for ws, wc := range cfg.Workspaces {
			for name := range wc.Sources {
				if _, err := cfg.source(ws, name); err != nil {
					t.Errorf("%s: source %s/%s: %v", path, ws, name, err)
				}
			}
		}
	}
	cfg, _ := LoadConfig("../../timpani.toml.example")
	if got := time.Duration(cfg.Workspaces["research"].Retention); got != 14*24*time.Hour {
		t.Errorf("retention \"14d\" = %v; want 336h", got)
	}
	if d := cfg.Definitions()["tags"]; len(d.Steps) != 2 || d.Steps[0].Action != "normalize" {
		t.Errorf("workflow tags = %+v", d)
	}
}

func TestEmbeddedDefaultIsTheDemo(t *testing.T) {
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	ws, ok := cfg.Workspaces["demo"]
	if !ok || ws.Workflow != "demo" || ws.Sources["generator"].Kind != "faker" {
		t.Errorf("default workspaces = %+v; want the demo on the faker source", cfg.Workspaces)
	}
	if cfg.Server.Addr != "127.0.0.1:8080" {
		t.Errorf("default addr = %q; want loopback", cfg.Server.Addr)
	}
}

func TestBadConfigReportsEveryProblemWithItsKey(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"syntax error names the line", "data_dir = \"x\"\n[workspaces.demo\n", []string{"line ", "end table name"}},
		{"unknown keys", `
data_dir = "x"
typo_key = 1
[engine]
wrokers = 2
[workspaces.demo]
workflow = "demo"
[workspaces.demo.sources.gen]
kind = "faker"
queries = { q = "x" }
options = { seed = 1, itmes_per_day = 5 }
`, []string{"typo_key: unknown key", "engine.wrokers: unknown key", "workspaces.demo.sources.gen.options.itmes_per_day: unknown key"}},
		{"many problems at once", `
[server]
addr = "nonsense"
[engine]
workers = 0
[workspaces."../etc"]
workflow = "nope"
languages = ["English"]
[workspaces."../etc".sources.gen]
kind = "fakr"
[workflows.mine]
steps = [{ state = "ready", action = "missing" }]
[services.gpu]
kind = "tensorflow"
api_key_env = "sk-live-1234"
`, []string{
			`server.addr: "nonsense" is not host:port`,
			"engine.workers: 0 must be between 1 and 64",
			`workspaces.../etc: name "../etc"`,
			`workspaces.../etc.workflow: unknown workflow "nope"`,
			`workspaces.../etc.languages: "English" is not`,
			`workspaces.../etc.sources.gen.kind: unknown source kind "fakr"`,
			"workspaces.../etc.sources.gen.queries: at least one query",
			`workflows.mine: step 1: state "ready" is a system state`,
			`unknown action "missing"`,
			`services.gpu: unknown service kind "tensorflow" (known: alegre, openai, presto)`,
			`services.gpu: url "" must be an absolute http or https URL`,
			"services.gpu.api_key_env",
		}},
		{"bad duration", "[engine]\nbackoff = \"soon\"\n", []string{`invalid duration "soon"`}},
		{"steps on services", `
[server]
public_url = "presto.local:8080"
[services.presto]
kind = "presto"
url = "http://127.0.0.1:8000"
[services.oa]
kind = "openai"
url = "ftp://nowhere"
[workflows.remote]
steps = [
	{ state = "keyworded", action = "keywords", service = "presto", params = { modle = "x" } },
	{ state = "clustered", action = "cluster", service = "presto" },
	{ state = "vectorized", action = "embed", service = "gpu" },
]
[workspaces.demo]
workflow = "remote"
[workspaces.demo.sources.gen]
kind = "faker"
queries = { q = "x" }
`, []string{
			`server.public_url: "presto.local:8080" must be an absolute http or https URL`,
			`services.oa: url "ftp://nowhere" must be an absolute http or https URL`,
			`workflows.remote: step 1: presto: unknown parameter "modle" (known: model, parameters)`,
			`workflows.remote: step 2: service "presto" does not run action "cluster" (it runs: embed, keywords, language)`,
			`workflows.remote: step 3: no service "gpu" is configured`,
		}},
		{"bad cluster steps", `
[workflows.near]
steps = [{ state = "clustered", action = "cluster" }]
[workflows.loose]
steps = [{ state = "vectorized", action = "embed" }, { state = "clustered", action = "cluster", params = { threshold = 1.5, radius = 2 } }]
`, []string{"workflows.near: step 1: cluster needs an embed step before it",
			"workflows.loose: step 2: cluster: threshold 1.5 is not in [0, 1]"}},
		{"bad option value", `
[workspaces.demo]
workflow = "demo"
[workspaces.demo.sources.gen]
kind = "faker"
queries = { q = "x" }
options = { items_per_day = -3 }
`, []string{"workspaces.demo.sources.gen", "items_per_day"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatal("LoadConfig succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error does not name the file:\n%s", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestSecretsAreNamesOfEnvironmentVariables(t *testing.T) {
	path := writeConfig(t, `
[workspaces.demo]
workflow = "demo"
[workspaces.demo.sources.gen]
kind = "faker"
queries = { q = "x" }
[services.emb]
kind = "openai"
url = "http://127.0.0.1:1/v1"
api_key_env = "OPENAI_API_KEY"
`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Services["emb"].APIKeyEnv != "OPENAI_API_KEY" {
		t.Errorf("api_key_env = %q", cfg.Services["emb"].APIKeyEnv)
	}
	if got := cfg.DataDir; got != filepath.Join(filepath.Dir(path), "data") {
		t.Errorf("data_dir = %q; want it next to the config file", got)
	}
}
