package main

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/timpani-dev/timpani/sources"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/raw"
	"github.com/timpani-dev/timpani/workflow"
	"github.com/timpani-dev/timpani/workflow/langid"
)

// Config is everything timpani.toml can set.
type Config struct {
	DataDir    string                      `toml:"data_dir"`
	Log        LogConfig                   `toml:"log"`
	Server     ServerConfig                `toml:"server"`
	Engine     EngineConfig                `toml:"engine"`
	Workspaces map[string]*WorkspaceConfig `toml:"workspaces"`
	Workflows  map[string]*WorkflowConfig  `toml:"workflows"`
	Services   map[string]*ServiceConfig   `toml:"services"`

	// File is the config file this came from; "" for the embedded default.
	File string `toml:"-"`
	// meta is what decoding the file saw; each source kind decodes its own
	// options table from it.
	meta toml.MetaData
}

// LogConfig sets the log level and format.
type LogConfig struct {
	Level  slog.Level `toml:"level"`
	Format string     `toml:"format"` // text | json
}

// ServerConfig is where `serve` listens.
type ServerConfig struct {
	Addr      string `toml:"addr"`
	PublicURL string `toml:"public_url"` // how model services reach the callbacks; derived from addr when empty
	// Schedule is a cron expression on which serve runs fetch (then run).
	Schedule string `toml:"schedule"`
	// ProcessEvery is how often serve ingests and processes what is waiting.
	ProcessEvery Duration `toml:"process_every"`
	// Embeds lets item cards load the platforms' embed scripts.
	Embeds bool          `toml:"embeds"`
	Tokens []TokenConfig `toml:"tokens"`
}

// TokenConfig opens workspaces to whoever holds a token. The token itself
// lives in the environment variable Env, never in the file.
type TokenConfig struct {
	Env        string   `toml:"env"`
	Workspaces []string `toml:"workspaces"` // "*" for all
}

// EngineConfig tunes the workflow engine.
type EngineConfig struct {
	Workers    int      `toml:"workers"`
	LeaseSlack Duration `toml:"lease_slack"`
	Backoff    Duration `toml:"backoff"`
	MaxBackoff Duration `toml:"max_backoff"`
	MaxWait    Duration `toml:"max_wait"`
}

// WorkspaceConfig is one workspace: its sources, workflow and retention.
type WorkspaceConfig struct {
	Title     string                   `toml:"title"`
	Workflow  string                   `toml:"workflow"`
	Retention Duration                 `toml:"retention"`
	Languages []string                 `toml:"languages"`
	Sources   map[string]*SourceConfig `toml:"sources"`
}

// SourceConfig is one configured source of a workspace.
type SourceConfig struct {
	Kind    string            `toml:"kind"`
	Queries map[string]string `toml:"queries"`
	Options toml.Primitive    `toml:"options"`
}

// WorkflowConfig defines or replaces a workflow.
type WorkflowConfig struct {
	Description string       `toml:"description"`
	Steps       []StepConfig `toml:"steps"`
}

// StepConfig is one step of a configured workflow.
type StepConfig struct {
	State       string         `toml:"state"`
	Action      string         `toml:"action"`
	Service     string         `toml:"service"`
	Params      map[string]any `toml:"params"`
	BatchSize   int            `toml:"batch_size"`
	Timeout     Duration       `toml:"timeout"`
	MaxAttempts int            `toml:"max_attempts"`
}

// ServiceConfig is a model service a workflow step can name.
type ServiceConfig struct {
	Kind        string   `toml:"kind"` // presto | alegre | openai
	URL         string   `toml:"url"`
	Model       string   `toml:"model"`
	APIKeyEnv   string   `toml:"api_key_env"` // the environment variable holding the key; never the key itself
	Timeout     Duration `toml:"timeout"`
	Concurrency int      `toml:"concurrency"`
	Retries     int      `toml:"retries"` // extra tries of a failed request; -1 for none
	// CallbackDeadline is how long Presto may take to call back before an
	// item is submitted again.
	CallbackDeadline Duration `toml:"callback_deadline"`
}

// Duration is a time.Duration written as "90s", "15m", "36h" or, for
// retention, "14d".
type Duration time.Duration

// UnmarshalText parses a Go duration or a whole number of days ("14d").
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return fmt.Errorf("invalid duration %q: want e.g. \"14d\", \"36h\" or \"90s\"", s)
		}
		if n > int(math.MaxInt64/int64(24*time.Hour)) {
			// n days would overflow, and wrap to a negative or a wrong
			// positive duration.
			return fmt.Errorf("invalid duration %q: at most %dd", s, math.MaxInt64/int64(24*time.Hour))
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: want e.g. \"14d\", \"36h\" or \"90s\"", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d back in Go's notation.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// DefaultConfig is what applies before any file, and alone when there is
// none: one demo workspace on the built-in generator and built-in actions.
func DefaultConfig() Config {
	return Config{
		DataDir: "data",
		Log:     LogConfig{Level: slog.LevelWarn, Format: "text"},
		Server:  ServerConfig{Addr: "127.0.0.1:8080", ProcessEvery: Duration(30 * time.Second)},
		Engine: EngineConfig{Workers: 2, LeaseSlack: Duration(30 * time.Second), Backoff: Duration(2 * time.Second),
			MaxBackoff: Duration(5 * time.Minute), MaxWait: Duration(15 * time.Minute)},
	}
}

// demoWorkspace is the workspace the embedded default has.
func demoWorkspace() map[string]*WorkspaceConfig {
	return map[string]*WorkspaceConfig{
		"demo": {
			Title:     "Demo: generated multilingual posts",
			Workflow:  "demo",
			Retention: Duration(90 * 24 * time.Hour),
			Sources: map[string]*SourceConfig{
				"generator": {Kind: "faker", Queries: map[string]string{"posts": "mixed"}},
			},
		},
	}
}

// LoadConfig reads the config at path on top of the defaults and validates
// it. With path "" (no file), the embedded default applies.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	if path == "" {
		cfg.Workspaces = demoWorkspace()
		return cfg, cfg.Validate()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := checkNesting(data); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.File, cfg.meta = path, md
	var errs []error
	// Each source kind decodes its own options so that their keys are
	// checked too; what is left undecoded after that is a typo.
	for _, wsName := range slices.Sorted(maps.Keys(cfg.Workspaces)) {
		for _, srcName := range slices.Sorted(maps.Keys(cfg.Workspaces[wsName].Sources)) {
			kind := cfg.Workspaces[wsName].Sources[srcName].Kind
			if !slices.Contains(sources.Kinds(), kind) {
				continue // Validate reports it
			}
			if _, err := cfg.source(wsName, srcName); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, k := range md.Undecoded() {
		errs = append(errs, fmt.Errorf("%s: unknown key", k))
	}
	if !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(filepath.Dir(path), cfg.DataDir)
	}
	if err := errors.Join(append(errs, cfg.Validate())...); err != nil {
		return cfg, fmt.Errorf("config %s:\n%w", path, err)
	}
	return cfg, nil
}

// configMaxDepth bounds how deeply arrays and inline tables nest in a
// config file. BurntSushi/toml takes time that grows faster than the square
// of the nesting of inline tables (8,000 levels take seconds, 100,000 hours),
// and no real config nests more than a few levels.
const configMaxDepth = 100

// checkNesting refuses a file whose arrays and inline tables nest deeper
// than configMaxDepth, before the TOML decoder sees it. It skips strings and
// comments; anything else malformed is left for the decoder to explain.
func checkNesting(data []byte) error {
	depth, line := 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			multi := i+2 < len(data) && data[i+1] == c && data[i+2] == c
			if multi {
				i += 2
			}
			for i++; i < len(data); i++ {
				d := data[i]
				if d == '\n' {
					line++
					if !multi {
						break // an unclosed string: the decoder says so
					}
				}
				if d == '\\' && c == '"' {
					i++
					if i < len(data) && data[i] == '\n' {
						line++
					}
					continue
				}
				if d != c {
					continue
				}
				if !multi {
					break
				}
				if i+2 < len(data) && data[i+1] == c && data[i+2] == c {
					i += 2
					// A closing """ may follow up to two quotes of the content.
					for k := 0; k < 2 && i+1 < len(data) && data[i+1] == c; k++ {
						i++
					}
					break
				}
			}
		case '[', '{':
			if depth++; depth > configMaxDepth {
				return fmt.Errorf("line %d: arrays and inline tables nest more than %d levels deep", line, configMaxDepth)
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return nil
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports every problem in the config at once, each with its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Server.Addr); err != nil {
		bad("server.addr", "%q is not host:port", c.Server.Addr)
	}
	if c.Server.Schedule != "" {
		if _, err := workflow.ParseSchedule(c.Server.Schedule); err != nil {
			bad("server.schedule", "%v", err)
		}
	}
	if u := c.Server.PublicURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			bad("server.public_url", "%q must be an absolute http or https URL that model services can reach", u)
		}
	}
	if c.Server.ProcessEvery <= 0 {
		bad("server.process_every", "must be positive")
	}
	for i, t := range c.Server.Tokens {
		key := fmt.Sprintf("server.tokens[%d]", i)
		if !envNameRE.MatchString(t.Env) {
			bad(key+".env", "%q is not an environment variable name: put the token in the environment and name the variable here", t.Env)
		}
		if len(t.Workspaces) == 0 {
			bad(key+".workspaces", "name the workspaces this token opens, or \"*\" for all")
		}
		for _, w := range t.Workspaces {
			if _, ok := c.Workspaces[w]; !ok && w != "*" {
				bad(key+".workspaces", "no workspace %q is configured", w)
			}
		}
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q must be \"text\" or \"json\"", c.Log.Format)
	}
	if c.Engine.Workers < 1 || c.Engine.Workers > 64 {
		bad("engine.workers", "%d must be between 1 and 64", c.Engine.Workers)
	}
	for key, d := range map[string]Duration{"engine.lease_slack": c.Engine.LeaseSlack, "engine.backoff": c.Engine.Backoff,
		"engine.max_backoff": c.Engine.MaxBackoff, "engine.max_wait": c.Engine.MaxWait} {
		if d <= 0 {
			bad(key, "must be positive")
		}
	}
	if len(c.Workspaces) == 0 {
		bad("workspaces", "at least one workspace is needed")
	}
	defs := c.Definitions()
	actions := workflow.Actions(c.actionOptions())
	for _, name := range slices.Sorted(maps.Keys(c.Workflows)) {
		key := "workflows." + name
		if err := raw.ValidName(name); err != nil {
			bad(key, "%v", err)
		}
		if err := defs[name].Validate(actions); err != nil {
			// Validate reports every problem; each gets the key.
			for _, line := range strings.Split(err.Error(), "\n") {
				bad(key, "%s", line)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Workspaces)) {
		ws, key := c.Workspaces[name], "workspaces."+name
		if err := raw.ValidName(name); err != nil {
			bad(key, "%v", err)
		}
		if ws == nil {
			continue
		}
		if ws.Workflow == "" {
			bad(key+".workflow", "must name a workflow (built in: %s)", strings.Join(slices.Sorted(maps.Keys(workflow.Builtins())), ", "))
		} else if _, ok := defs[ws.Workflow]; !ok {
			bad(key+".workflow", "unknown workflow %q (known: %s)", ws.Workflow, strings.Join(slices.Sorted(maps.Keys(defs)), ", "))
		}
		if ws.Retention < 0 {
			bad(key+".retention", "must not be negative")
		}
		for _, l := range ws.Languages {
			if len(l) != 2 || strings.ToLower(l) != l {
				bad(key+".languages", "%q is not a lower-case ISO 639-1 code", l)
			} else if !slices.Contains(langid.Supported(), l) {
				bad(key+".languages", "%q is not a language the built-in identifier knows (it knows: %s)", l, strings.Join(langid.Supported(), ", "))
			}
		}
		if len(ws.Sources) == 0 {
			bad(key+".sources", "at least one source is needed")
		}
		for _, sname := range slices.Sorted(maps.Keys(ws.Sources)) {
			s, skey := ws.Sources[sname], key+".sources."+sname
			if err := raw.ValidName(sname); err != nil {
				bad(skey, "%v", err)
			}
			if !slices.Contains(sources.Kinds(), s.Kind) {
				bad(skey+".kind", "unknown source kind %q (known: %s)", s.Kind, strings.Join(sources.Kinds(), ", "))
			}
			if len(s.Queries) == 0 {
				bad(skey+".queries", "at least one query is needed")
			}
			for q := range s.Queries {
				if err := raw.ValidName(q); err != nil {
					bad(skey+".queries."+q, "%v", err)
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Services)) {
		s, key := c.Services[name], "services."+name
		if name == workflow.BuiltinService {
			bad(key, "%q is the in-process service and cannot be configured", name)
		}
		if err := c.serviceConfig(name, "").Check(); err != nil {
			for _, e := range strings.Split(err.Error(), "\n") {
				bad(key, "%s", e)
			}
		}
		if s.Timeout < 0 || s.CallbackDeadline < 0 {
			bad(key, "timeout and callback_deadline must not be negative")
		}
		if s.APIKeyEnv != "" && !envNameRE.MatchString(s.APIKeyEnv) {
			bad(key+".api_key_env", "%q is not an environment variable name: put the key in the environment and name the variable here", s.APIKeyEnv)
		}
	}
	return errors.Join(errs...)
}

// Definitions returns the built-in workflows with the config's added or
// replaced by name.
func (c *Config) Definitions() map[string]workflow.Definition {
	defs := workflow.Builtins()
	for name, wc := range c.Workflows {
		d := workflow.Definition{Name: name, Description: wc.Description}
		for _, s := range wc.Steps {
			d.Steps = append(d.Steps, workflow.Step{State: store.State(s.State), Action: s.Action, Service: s.Service,
				Params: s.Params, BatchSize: s.BatchSize, Timeout: time.Duration(s.Timeout), MaxAttempts: s.MaxAttempts})
		}
		defs[name] = d
	}
	return defs
}

// source builds the named source of a workspace, decoding its options.
func (c *Config) source(workspace, name string) (sources.Source, error) {
	ws, ok := c.Workspaces[workspace]
	if !ok || ws == nil {
		return nil, fmt.Errorf("no workspace %q is configured", workspace)
	}
	sc, ok := ws.Sources[name]
	if !ok || sc == nil {
		return nil, fmt.Errorf("workspace %s has no source %q (it may have been removed from the config)", workspace, name)
	}
	decode := func(v any) error {
		if c.meta.Keys() == nil {
			return nil // the embedded default sets no options
		}
		return c.meta.PrimitiveDecode(sc.Options, v)
	}
	src, err := sources.New(sc.Kind, decode)
	if err != nil {
		return nil, fmt.Errorf("workspaces.%s.sources.%s: %w", workspace, name, err)
	}
	return src, nil
}

// actionOptions hands the built-in actions what they need from the config.
func (c *Config) actionOptions() workflow.ActionOptions {
	langs := map[string][]string{}
	for name, ws := range c.Workspaces {
		if ws != nil && len(ws.Languages) > 0 {
			langs[name] = ws.Languages
		}
	}
	opt := workflow.ActionOptions{Languages: langs}
	for _, name := range slices.Sorted(maps.Keys(c.Services)) {
		opt.Services = append(opt.Services, c.serviceConfig(name, ""))
	}
	return opt
}

// serviceConfig is the named service as the workflow package takes it,
// with apiKey (read from the environment by the caller) filled in.
func (c *Config) serviceConfig(name, apiKey string) workflow.ServiceConfig {
	s := c.Services[name]
	if s == nil {
		return workflow.ServiceConfig{Name: name}
	}
	return workflow.ServiceConfig{Name: name, Kind: s.Kind, URL: s.URL, Model: s.Model, APIKey: apiKey,
		Timeout: time.Duration(s.Timeout), Concurrency: s.Concurrency, Retries: s.Retries,
		CallbackDeadline: time.Duration(s.CallbackDeadline)}
}

// callbackBase is where asynchronous services reach this timpani's
// callbacks: server.public_url, or the viewer's own address.
func (c *Config) callbackBase() string {
	if c.Server.PublicURL != "" {
		return strings.TrimRight(c.Server.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Server.Addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// fileKinds are the source kinds whose query values may be file paths; a
// relative one is relative to the config file, like data_dir. URLs pass.
var fileKinds = map[string]bool{"jsonl": true, "csv": true, "rss": true}

// queryValue is a query's value as its source should see it.
func (c *Config) queryValue(workspace, source, query string) string {
	sc := c.Workspaces[workspace].Sources[source]
	v := sc.Queries[query]
	isURL := strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")
	if fileKinds[sc.Kind] && c.File != "" && !isURL && !filepath.IsAbs(v) {
		return filepath.Join(filepath.Dir(c.File), v)
	}
	return v
}
