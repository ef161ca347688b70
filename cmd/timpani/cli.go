package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/alecthomas/kong"
)

// CLI is timpani's command line.
type CLI struct {
	Config string `short:"c" type:"path" placeholder:"FILE" help:"Config file (default: ./timpani.toml if it exists, else the embedded demo config)."`
	Data   string `type:"path" placeholder:"DIR" help:"Data folder, overriding the config's data_dir."`
	Quiet  bool   `short:"q" help:"Print no progress and no summaries, only errors."`
	// CPUProfile is for performance work on real data folders, where a
	// benchmark cannot go (a run over a million items).
	CPUProfile string `name:"cpuprofile" type:"path" placeholder:"FILE" help:"Write a CPU profile of the command to FILE (for go tool pprof)."`

	Init     InitCmd     `cmd:"" help:"Write a commented starter timpani.toml."`
	Demo     DemoCmd     `cmd:"" help:"Fetch two weeks of the demo workspace and process them."`
	Fetch    FetchCmd    `cmd:"" help:"Acquire new content from every configured source into the raw archive."`
	Ingest   IngestCmd   `cmd:"" help:"Turn archived pages into content items."`
	Run      RunCmd      `cmd:"" help:"Ingest what is new, then process every item through its workflow until idle."`
	Status   StatusCmd   `cmd:"" help:"Item counts by workspace and state, recent runs and failures."`
	Check    CheckCmd    `cmd:"" help:"Verify the database's invariants and the raw archive; exit 1 on any problem."`
	Retry    RetryCmd    `cmd:"" help:"Send failed items back to the state they failed from."`
	Expire   ExpireCmd   `cmd:"" help:"Delete items older than their workspace's retention, with everything derived from them."`
	Clusters ClustersCmd `cmd:"" help:"Cluster maintenance and listing."`
	Similar  SimilarCmd  `cmd:"" help:"Find items similar to a text."`
	Serve    ServeCmd    `cmd:"" help:"Serve the viewer and its JSON API; keep ingesting, processing and (on a schedule) fetching."`
	Export   ExportCmd   `cmd:"" help:"Write a list (items, clusters, keywords, a cluster's members) as CSV or JSON."`
	Workflow WorkflowCmd `cmd:"" help:"Inspect workflows."`
	Models   ModelsCmd   `cmd:"" help:"The built-in models as HTTP services."`
	Version  VersionCmd  `cmd:"" help:"Print the version."`
}

// run is main without the exit, so tests can call it.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runMain(ctx, args, os.Stdout, os.Stderr)
}

// exitError carries a specific exit code out of a command.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var cli CLI
	exited := false
	parser, err := kong.New(&cli,
		kong.Name("timpani"),
		kong.Description("Collect posts, archive every download, run text models, and see what is trending."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { exited, code = true, c; panic(exitError{c}) }),
		kong.BindTo(ctx, (*context.Context)(nil)),
	)
	if err != nil {
		fmt.Fprintf(stderr, "timpani: %v\n", err)
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitError); ok && exited {
				return
			}
			panic(r)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "timpani: %v\n", err)
		return 2
	}
	if kctx.Command() == "init" || kctx.Command() == "version" {
		if err := kctx.Run(&App{Stdout: stdout, Stderr: stderr, Quiet: cli.Quiet}); err != nil {
			fmt.Fprintf(stderr, "timpani: %v\n", err)
			return 1
		}
		return 0
	}
	app, err := newApp(cli, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "timpani: %v\n", err)
		return 1
	}
	defer app.Close()
	if cli.CPUProfile != "" {
		stopProfile, err := startCPUProfile(cli.CPUProfile)
		if err != nil {
			fmt.Fprintf(stderr, "timpani: %v\n", err)
			return 1
		}
		defer stopProfile()
	}
	if err := kctx.Run(app); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintf(stderr, "timpani: %v\n", err)
		return 1
	}
	return 0
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func newApp(cli CLI, stdout, stderr io.Writer) (*App, error) {
	path := cli.Config
	if path == "" {
		if _, err := os.Stat("timpani.toml"); err == nil {
			path = "timpani.toml"
		}
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if cli.Data != "" {
		cfg.DataDir = cli.Data
	}
	opts := &slog.HandlerOptions{Level: cfg.Log.Level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	if cli.Quiet && cfg.Log.Level < slog.LevelWarn {
		opts.Level = slog.LevelWarn
	}
	return &App{Config: cfg, Log: slog.New(h), Stdout: stdout, Stderr: stderr, Quiet: cli.Quiet}, nil
}

//go:embed starter.toml
var starterConfig []byte

// InitCmd writes a starter config.
type InitCmd struct {
	Path  string `arg:"" optional:"" default:"timpani.toml" type:"path" help:"Where to write it."`
	Force bool   `help:"Overwrite an existing file."`
}

// Run writes the file.
func (c *InitCmd) Run(app *App) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if c.Force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(c.Path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use --force to overwrite it", c.Path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(starterConfig); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if !app.Quiet {
		fmt.Fprintf(app.Stdout, "wrote %s; edit it, then run: timpani fetch && timpani run\n", c.Path)
	}
	return nil
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints it.
func (VersionCmd) Run(app *App) error {
	fmt.Fprintf(app.Stdout, "timpani %s (schema %s)\n", version(), schemaVersion())
	return nil
}
