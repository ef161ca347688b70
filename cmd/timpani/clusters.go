package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow"
)

// clusterStep is the cluster step of a workspace's workflow.
func (a *App) clusterStep(workspace string) (model string, threshold float64, err error) {
	name := a.Config.Workspaces[workspace].Workflow
	d, ok := a.Config.Definitions()[name]
	if !ok {
		return "", 0, fmt.Errorf("workspace %s: unknown workflow %q", workspace, name)
	}
	for _, s := range d.Steps {
		if s.Action == "cluster" {
			return workflow.ClusterThreshold(s)
		}
	}
	return "", 0, fmt.Errorf("workspace %s: workflow %s has no cluster step", workspace, name)
}

// expireAll expires every selected workspace that has a retention.
func expireAll(ctx context.Context, app *App, workspaces []string) error {
	for _, ws := range workspaces {
		keep := time.Duration(app.Config.Workspaces[ws].Retention)
		if keep <= 0 {
			continue
		}
		cutoff := app.now().UTC().Add(-keep)
		opt, err := app.actionOptions()
		if err != nil {
			return err
		}
		// Services that keep copies (Alegre) forget the expired items too.
		def := app.Config.Definitions()[app.Config.Workspaces[ws].Workflow]
		n, err := workflow.Expire(ctx, app.db, ws, cutoff, workflow.Forgetters(workflow.Actions(opt), def)...)
		if errors.Is(err, workflow.ErrNotForgotten) {
			// The items are gone here; the service's copies will be
			// skipped by searches. Worth saying, not worth failing for.
			app.Log.Warn("expired items not deleted from a model service", "workspace", ws, "err", err)
			app.printf("expire %s: warning: %v\n", ws, err)
			err = nil
		}
		if err != nil {
			return fmt.Errorf("expire %s: %w", ws, err)
		}
		if n > 0 {
			app.printf("expire %s: %d items older than %s deleted\n", ws, n, cutoff.Format(time.DateOnly))
		}
	}
	return nil
}

// openWorkspaces is workspaces, then Open.
func (a *App) openWorkspaces(ctx context.Context, name string) ([]string, error) {
	ws, err := a.workspaces(name)
	if err != nil {
		return nil, err
	}
	return ws, a.Open(ctx)
}

// ExpireCmd deletes items past their workspace's retention.
type ExpireCmd struct {
	Workspace string `short:"w" help:"Only this workspace."`
}

// Run expires every workspace with a retention.
func (c *ExpireCmd) Run(ctx context.Context, app *App) error {
	workspaces, err := app.openWorkspaces(ctx, c.Workspace)
	if err != nil {
		return err
	}
	if err := expireAll(ctx, app, workspaces); err != nil {
		return err
	}
	return app.indexes.Save(ctx, app.db)
}

// ClustersCmd groups the cluster commands.
type ClustersCmd struct {
	Merge ClustersMergeCmd `cmd:"" help:"Re-check clusters that grew and merge those that belong together."`
	List  ClustersListCmd  `cmd:"" help:"List clusters, largest or fastest-growing first."`
}

// ClustersMergeCmd runs the merge maintenance.
type ClustersMergeCmd struct {
	Workspace string `short:"w" help:"Only this workspace."`
	Limit     int    `default:"100000" help:"Check at most this many clusters per workspace."`
}

// Run merges clusters in every selected workspace with a cluster step, at
// the same threshold the step adds items with.
func (c *ClustersMergeCmd) Run(ctx context.Context, app *App) error {
	workspaces, err := app.openWorkspaces(ctx, c.Workspace)
	if err != nil {
		return err
	}
	for _, ws := range workspaces {
		_, threshold, err := app.clusterStep(ws)
		if err != nil {
			if c.Workspace == "" {
				continue // workspaces without clustering have nothing to merge
			}
			return err
		}
		sum, err := workflow.MergeClusters(ctx, app.db, app.indexes, ws, threshold, c.Limit)
		if err != nil {
			return fmt.Errorf("merge clusters of %s: %w", ws, err)
		}
		app.printf("clusters %s: %d checked, %d merged (threshold %.2f)\n", ws, sum.Checked, sum.Merged, threshold)
	}
	return app.indexes.Save(ctx, app.db)
}

// ClustersListCmd lists clusters.
type ClustersListCmd struct {
	Workspace string `short:"w" required:"" help:"The workspace."`
	Sort      string `default:"size" enum:"size,trend" help:"size or trend."`
	MinSize   int    `default:"2" help:"Only clusters with at least this many items."`
	Limit     int    `default:"20" help:"How many."`
	JSON      bool   `help:"Print JSON lines."`
}

// Run prints the clusters with their exemplars.
func (c *ClustersListCmd) Run(ctx context.Context, app *App) error {
	if _, err := app.workspaces(c.Workspace); err != nil {
		return err
	}
	if err := app.Open(ctx); err != nil {
		return err
	}
	list, err := app.db.ListClusters(ctx, c.Workspace, store.ClusterOrder(c.Sort), c.MinSize, c.Limit)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(app.Stdout)
	for _, cl := range list {
		ex, err := app.db.Item(ctx, cl.ExemplarItemID)
		if err != nil {
			return err
		}
		if c.JSON {
			if err := enc.Encode(struct {
				*store.Cluster
				Exemplar string `json:"exemplar"`
			}{cl, textOf(ex)}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(app.Stdout, "%8d  size %5d  unique %5d  added %5d  cohesion %.2f  trend %6.2f  %s → %s  %s\n",
			cl.ID, cl.Size, cl.UniqueTexts, cl.AddedTotal, cl.Cohesion, cl.Trend,
			cl.FirstPublishedAt.Format(time.DateOnly), cl.LastPublishedAt.Format(time.DateOnly), clip(textOf(ex), 80))
	}
	return nil
}

func textOf(it store.Item) string {
	if it.Text != "" {
		return it.Text
	}
	return it.RawText
}

// SimilarCmd answers "any similar items for this text?".
type SimilarCmd struct {
	Text      string  `arg:"" help:"The text to look for."`
	Workspace string  `short:"w" help:"The workspace (default: the only one)."`
	Limit     int     `default:"10" help:"At most this many items."`
	Threshold float64 `default:"-1" help:"Minimum similarity (default: the workspace's cluster threshold)."`
	JSON      bool    `help:"Print JSON lines."`
}

// Run embeds the text with the workspace's model and searches its index.
func (c *SimilarCmd) Run(ctx context.Context, app *App) error {
	ws, err := app.workspaceOrOnly(c.Workspace)
	if err != nil {
		return err
	}
	matches, err := app.similar(ctx, ws, c.Text, c.Limit, c.Threshold)
	if err != nil {
		return err
	}
	threshold := c.Threshold
	if threshold < 0 {
		_, threshold, _ = app.clusterStep(ws)
	}
	if len(matches) == 0 && !c.JSON {
		fmt.Fprintf(app.Stdout, "no item of %s scores %.2f or more\n", ws, threshold)
	}
	enc := json.NewEncoder(app.Stdout)
	for _, m := range matches {
		it, err := app.db.Item(ctx, m.ID)
		if err != nil {
			return err
		}
		if c.JSON {
			if err := enc.Encode(map[string]any{"item_id": it.ID, "score": m.Score, "cluster_id": it.ClusterID.Int64,
				"published_at": it.PublishedAt, "url": it.URL, "text": textOf(it)}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(app.Stdout, "%.3f  item %d  cluster %d  %s\n", m.Score, it.ID, it.ClusterID.Int64, clip(textOf(it), 90))
	}
	return nil
}
