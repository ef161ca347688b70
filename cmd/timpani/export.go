package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/timpani-dev/timpani/ui"
)

// ExportCmd writes what the viewer's export links write.
type ExportCmd struct {
	What      string `arg:"" enum:"items,clusters,keywords,members" help:"items, clusters, keywords, or members (of --cluster)."`
	Workspace string `short:"w" help:"The workspace (default: the only one)."`
	Format    string `default:"csv" enum:"csv,json" help:"csv or json."`
	Output    string `short:"o" type:"path" placeholder:"FILE" help:"Write here instead of standard output."`

	Search    string `name:"search" help:"Full-text search (items, members)."`
	From      string `help:"Published on or after this day (YYYY-MM-DD)."`
	To        string `help:"Published on or before this day (YYYY-MM-DD)."`
	Language  string `help:"Only this language."`
	Source    string `help:"Only this source."`
	Query     string `help:"Only this query."`
	Keyword   string `help:"Only items (or clusters with members) carrying this keyword."`
	Model     string `help:"The keyword model (keywords: only this model)."`
	State     string `help:"Only items in this state."`
	Cluster   int64  `help:"Only this cluster's members."`
	Sort      string `help:"Clusters: size, added, trend, recent, unique; keywords: items, trend; items: newest, oldest."`
	MinSize   int    `help:"Clusters with at least this many members."`
	MinUnique int    `help:"Clusters with at least this many unique texts."`
	Prefix    string `help:"Keywords starting with this."`
}

// Run streams the list.
func (c *ExportCmd) Run(ctx context.Context, app *App) error {
	ws, err := app.workspaceOrOnly(c.Workspace)
	if err != nil {
		return err
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("q", c.Search)
	set("from", c.From)
	set("to", c.To)
	set("language", c.Language)
	set("source", c.Source)
	set("query", c.Query)
	set("keyword", c.Keyword)
	set("model", c.Model)
	set("state", c.State)
	set("prefix", c.Prefix)
	if c.Cluster != 0 {
		q.Set("cluster", strconv.FormatInt(c.Cluster, 10))
	}
	if c.Sort != "" {
		if c.What == "items" || c.What == "members" {
			q.Set("order", c.Sort)
		} else {
			q.Set("sort", c.Sort)
		}
	}
	if c.MinSize > 0 {
		q.Set("min_size", strconv.Itoa(c.MinSize))
	}
	if c.MinUnique > 0 {
		q.Set("min_unique", strconv.Itoa(c.MinUnique))
	}
	var w io.Writer = app.Stdout
	var f *os.File
	if c.Output != "" {
		// Write beside the target and rename, so a failed export never
		// leaves a file that looks complete.
		var err error
		if f, err = os.CreateTemp(dirOf(c.Output), ".export-*"); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	n, err := ui.Export(ctx, app.db, w, ws, c.What, c.Format, q)
	if err != nil {
		return fmt.Errorf("export %s of %s: %w", c.What, ws, err)
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.Rename(f.Name(), c.Output); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(app.Stderr, "export: %d %s of %s written to %s\n", n, c.What, ws, c.Output)
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}
