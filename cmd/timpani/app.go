package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/sources"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/store/raw"
	"github.com/timpani-dev/timpani/workflow"
)

// App is what every command works with: the config, the log, and (once
// opened) the database and the raw archive.
type App struct {
	Config Config
	Log    *slog.Logger
	Stdout io.Writer
	Stderr io.Writer
	Quiet  bool
	// Now is the clock; tests replace it.
	Now func() time.Time

	db      *store.DB
	archive *raw.Archive
	owner   string
	indexes *workflow.Indexes

	// queryActions embed similarity queries; built once, so that remote
	// services' connections are reused across the viewer's requests.
	queryOnce    sync.Once
	queryActions map[string]workflow.Action
	queryErr     error
}

// Open opens the data folder: the database (migrated) and the archive.
func (a *App) Open(ctx context.Context) error {
	if a.db != nil {
		return nil
	}
	if err := os.MkdirAll(a.Config.DataDir, 0o755); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	db, err := store.Open(ctx, filepath.Join(a.Config.DataDir, "timpani.db"), store.Options{AppVersion: version()})
	if err != nil {
		return err
	}
	if a.Now != nil {
		db.Now = a.Now
	}
	arc, err := raw.Open(filepath.Join(a.Config.DataDir, "raw"))
	if err != nil {
		db.Close()
		return err
	}
	a.db, a.archive, a.owner = db, arc, workflow.NewOwner()
	a.indexes = workflow.NewIndexes(filepath.Join(a.Config.DataDir, "index"), clustering.IndexOptions{}, a.Log)
	return nil
}

// Close closes what Open opened.
func (a *App) Close() error {
	var errs []error
	if a.archive != nil {
		errs = append(errs, a.archive.Close())
	}
	if a.db != nil {
		errs = append(errs, a.db.Close())
	}
	return errors.Join(errs...)
}

func (a *App) runner(progress func(workflow.Progress)) (*workflow.Runner, error) {
	e := a.Config.Engine
	opt, err := a.actionOptions()
	if err != nil {
		return nil, err
	}
	return workflow.NewRunner(a.db, a.Config.Definitions(), workflow.Actions(opt), workflow.Options{
		Owner: a.owner, Workers: e.Workers, LeaseSlack: time.Duration(e.LeaseSlack), Backoff: time.Duration(e.Backoff),
		MaxBackoff: time.Duration(e.MaxBackoff), MaxWait: time.Duration(e.MaxWait), Log: a.Log, Progress: progress,
		CallbackBase: a.Config.callbackBase(),
	})
}

// actionOptions are the config's, plus the database, the indexes and the
// services' API keys from the environment.
func (a *App) actionOptions() (workflow.ActionOptions, error) {
	opt := a.Config.actionOptions()
	opt.DB, opt.Indexes = a.db, a.indexes
	for i, svc := range opt.Services {
		env := a.Config.Services[svc.Name].APIKeyEnv
		if env == "" {
			continue
		}
		key := os.Getenv(env)
		if key == "" {
			return opt, fmt.Errorf("services.%s.api_key_env: the environment variable %s is empty or unset", svc.Name, env)
		}
		opt.Services[i].APIKey = key
	}
	return opt, nil
}

func (a *App) ingester(progress func(workflow.IngestSummary)) *workflow.Ingester {
	built := map[string]sources.Source{}
	return &workflow.Ingester{DB: a.db, Archive: a.archive, Log: a.Log, Progress: progress,
		Resolve: func(workspace, source string) (sources.Source, string, error) {
			key := workspace + "/" + source
			src, ok := built[key]
			if !ok {
				var err error
				if src, err = a.Config.source(workspace, source); err != nil {
					return nil, "", err
				}
				built[key] = src
			}
			return src, a.Config.Workspaces[workspace].Workflow, nil
		}}
}

// workspaces returns the named workspace, or all of them in order for "".
func (a *App) workspaces(name string) ([]string, error) {
	if name == "" {
		return slices.Sorted(maps.Keys(a.Config.Workspaces)), nil
	}
	if _, ok := a.Config.Workspaces[name]; !ok {
		return nil, fmt.Errorf("no workspace %q in the config (have: %v)", name, slices.Sorted(maps.Keys(a.Config.Workspaces)))
	}
	return []string{name}, nil
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// version is the module version the binary was built from, or "devel".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "devel"
	}
	return bi.Main.Version
}
