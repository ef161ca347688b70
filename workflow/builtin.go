package workflow

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/timpani-dev/timpani/clustering"
	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/langid"
	"github.com/timpani-dev/timpani/workflow/lexembed"
	"github.com/timpani-dev/timpani/workflow/text"
	"github.com/timpani-dev/timpani/workflow/yake"
)

// Model names the built-in actions store their results under.
const (
	HashtagModel = "hashtags" // as in the original
	YakeModel    = "yake"
)

// ActionOptions configure the built-in actions.
type ActionOptions struct {
	// Languages narrows language identification per workspace; a workspace
	// without an entry may get any supported language.
	Languages map[string][]string
	// DB and Indexes serve the cluster action; without Indexes it keeps
	// an in-memory index per workspace.
	DB      *store.DB
	Indexes *Indexes
	// Services are the remote model services steps may name; a service
	// whose config does not check out is left out (config validation
	// reports it).
	Services []ServiceConfig
}

// Actions returns the actions built into timpani, by name. They run
// in-process and need no service.
func Actions(opt ActionOptions) map[string]Action {
	if opt.Indexes == nil {
		opt.Indexes = NewIndexes("", clustering.IndexOptions{}, nil)
	}
	acts := map[string]Action{
		"cluster":   &clusterAction{db: opt.DB, indexes: opt.Indexes},
		"noop":      ActionFunc(func(context.Context, store.Item) Result { return Result{} }),
		"normalize": ActionFunc(normalize),
		"language":  &languageAction{languages: opt.Languages, detectors: map[string]*langid.Detector{}},
		"hashtags":  ActionFunc(hashtags),
		"keywords":  ActionFunc(keywords),
		"embed":     embedAction{},
	}
	for _, svc := range opt.Services {
		remote, err := RemoteActions(svc, opt)
		if err != nil {
			continue
		}
		maps.Copy(acts, remote)
	}
	return acts
}

// textOf is what models read: the normalised text once there is one.
func textOf(it store.Item) string {
	if it.Text != "" {
		return it.Text
	}
	return it.RawText
}

func normalize(_ context.Context, it store.Item) Result {
	clean := text.Normalize(it.RawText)
	if clean == "" {
		return Result{Err: fmt.Errorf("nothing left after clean-up: %w", ErrUnusable)}
	}
	return Result{Text: &clean}
}

func hashtags(_ context.Context, it store.Item) Result {
	tags := text.Hashtags(textOf(it))
	var kws []store.Keyword
	seen := map[string]int{}
	for _, t := range tags {
		if i, ok := seen[t]; ok {
			kws[i].Occurrences++
			continue
		}
		seen[t] = len(kws)
		kws = append(kws, store.Keyword{Text: t, Score: 1, Occurrences: 1})
	}
	return Result{Keywords: []KeywordSet{{Model: HashtagModel, Keywords: kws}}}
}

// keywords runs YAKE with Presto's defaults in the item's language (no
// stopwords when it is unknown, as YAKE does). Lower scores are better.
func keywords(_ context.Context, it store.Item) Result {
	found := yake.ExtractPresto(textOf(it), it.Language, yake.Defaults())
	kws := make([]store.Keyword, 0, len(found))
	for _, k := range found {
		kws = append(kws, store.Keyword{Text: k.Text, Score: k.Score, Occurrences: 1})
	}
	return Result{Keywords: []KeywordSet{{Model: YakeModel, Keywords: kws}}}
}

// languageAction identifies each item's language (ISO 639-1) among its
// workspace's languages. A language the source reported wins, as in the
// original; text with no letters to go on gets no language and still
// succeeds, since the steps after it work without one.
type languageAction struct {
	languages map[string][]string
	mu        sync.Mutex
	detectors map[string]*langid.Detector // by workspace
}

func (a *languageAction) detector(workspace string) (*langid.Detector, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if d, ok := a.detectors[workspace]; ok {
		return d, nil
	}
	d, err := langid.New(a.languages[workspace])
	if err != nil {
		return nil, fmt.Errorf("languages of workspace %s: %w", workspace, err)
	}
	a.detectors[workspace] = d
	return d, nil
}

func (a *languageAction) Apply(ctx context.Context, b Batch) []Result {
	out := make([]Result, len(b.Items))
	d, err := a.detector(b.Workspace)
	for i, it := range b.Items {
		switch {
		case err != nil:
			out[i] = Result{Err: Permanent(err)}
		case ctx.Err() != nil:
			out[i] = Result{Err: ctx.Err()}
		default:
			r := d.DetectReported(textOf(it), it.Language)
			out[i] = Result{Language: &Language{Code: r.Lang, Score: r.Confidence}}
		}
	}
	return out
}

// embedAction stores the lexical embedding of each item under the
// embedder's own model name, so its vectors never mix with another model's.
type embedAction struct{}

func (embedAction) Apply(ctx context.Context, b Batch) []Result {
	out := make([]Result, len(b.Items))
	var e lexembed.Embedder
	for i, it := range b.Items {
		if err := ctx.Err(); err != nil {
			out[i] = Result{Err: err}
			continue
		}
		v := make([]float32, lexembed.Dim)
		e.EmbedInto(v, textOf(it))
		if clustering.IsZero(v) {
			out[i] = Result{Err: fmt.Errorf("no text to embed: %w", ErrUnusable)}
			continue
		}
		out[i] = Result{Vectors: []store.Vector{{Model: lexembed.Model, Data: v}}}
	}
	return out
}
