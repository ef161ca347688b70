// Package workflow moves content through timpani: it archives what sources
// fetch, ingests archived pages into items, and runs every item through its
// workspace's workflow of steps, one compare-and-set transition at a time.
package workflow

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/timpani-dev/timpani/store"
)

// Step is one step of a workflow: the action that runs on items in the
// previous state, and the state items reach when it succeeds.
type Step struct {
	State       store.State    // the state the step reaches, e.g. "hashtagged"
	Action      string         // the action's name, e.g. "hashtags"
	Service     string         // where the action runs; "builtin" in-process
	Params      map[string]any // the action's parameters
	BatchSize   int            // items claimed and committed together
	Timeout     time.Duration  // one batch's compute time before it counts as failed
	MaxAttempts int            // claims before the item fails for good
}

// Definition is a named, ordered list of steps. Items start in ready, pass
// through each step's state in order and end in completed; failed is
// terminal until retried.
type Definition struct {
	Name        string
	Description string
	Steps       []Step
}

// Defaults for steps that leave these unset.
const (
	DefaultBatchSize   = 500
	DefaultTimeout     = time.Minute
	DefaultMaxAttempts = 5
	BuiltinService     = "builtin"
)

// WithDefaults returns d with unset step fields filled in.
func (d Definition) WithDefaults() Definition {
	steps := slices.Clone(d.Steps)
	for i := range steps {
		s := &steps[i]
		if s.Service == "" {
			s.Service = BuiltinService
		}
		if s.BatchSize <= 0 {
			s.BatchSize = DefaultBatchSize
		}
		if s.Timeout <= 0 {
			s.Timeout = DefaultTimeout
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = DefaultMaxAttempts
		}
	}
	d.Steps = steps
	return d
}

// Builtins are the workflows every timpani knows; a config may add more or
// replace these by name.
func Builtins() map[string]Definition {
	normalize := Step{State: "normalized", Action: "normalize"}
	language := Step{State: "language_identified", Action: "language"}
	keywords := Step{State: "keyworded", Action: "keywords"}
	hashtags := Step{State: "hashtagged", Action: "hashtags"}
	embed := Step{State: "vectorized", Action: "embed"}
	cluster := Step{State: "clustered", Action: "cluster"}
	return map[string]Definition{
		"noop": {Name: "noop", Description: "moves every item straight to completed"},
		"default": {Name: "default", Description: "the original's default workflow: lexical embedding, similarity clustering",
			Steps: []Step{embed, cluster}},
		"meedan": {Name: "meedan", Description: "the original's meedan workflow: YAKE keywords, lexical embedding, clustering, hashtags",
			Steps: []Step{keywords, embed, cluster, hashtags}},
		"text-transform": {Name: "text-transform", Description: "like the original's TSE/AAPI workflows: clean the text, then embed and cluster it",
			Steps: []Step{normalize, embed, cluster}},
		"demo": {Name: "demo", Description: "cleans each post's text, identifies its language, then keywords, hashtags, embedding and clustering",
			Steps: []Step{normalize, language, keywords, hashtags, embed, cluster}},
		"hashtags": {Name: "hashtags", Description: "collects hashtags from the text as fetched",
			Steps: []Step{hashtags}},
	}
}

var stateRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks d against the actions the build knows: step states are
// unique lower_snake names that are not system states, and every action
// exists. It reports every problem at once.
func (d Definition) Validate(actions map[string]Action) error {
	var errs []error
	seen := map[store.State]bool{}
	for i, s := range d.Steps {
		at := fmt.Sprintf("step %d", i+1)
		switch {
		case !stateRE.MatchString(string(s.State)):
			errs = append(errs, fmt.Errorf("%s: state %q must be lower_snake_case", at, s.State))
		case s.State == store.Ready || s.State == store.Completed || s.State == store.Failed:
			errs = append(errs, fmt.Errorf("%s: state %q is a system state", at, s.State))
		case seen[s.State]:
			errs = append(errs, fmt.Errorf("%s: state %q is reached by an earlier step", at, s.State))
		}
		seen[s.State] = true
		act, known := actions[actionKey(s)]
		switch {
		case known:
		case s.Service != "" && s.Service != BuiltinService:
			runs := servicesActions(actions, s.Service)
			if len(runs) == 0 {
				errs = append(errs, fmt.Errorf("%s: no service %q is configured", at, s.Service))
			} else {
				errs = append(errs, fmt.Errorf("%s: service %q does not run action %q (it runs: %s)", at, s.Service, s.Action, strings.Join(runs, ", ")))
			}
		default:
			var builtin []string
			for _, k := range slices.Sorted(maps.Keys(actions)) {
				if !strings.Contains(k, ".") {
					builtin = append(builtin, k)
				}
			}
			errs = append(errs, fmt.Errorf("%s: unknown action %q (known: %s)", at, s.Action, strings.Join(builtin, ", ")))
		}
		if s.Action == "cluster" && !slices.ContainsFunc(d.Steps[:i], func(e Step) bool { return e.Action == "embed" }) {
			errs = append(errs, fmt.Errorf("%s: cluster needs an embed step before it", at))
		}
		if pc, ok := act.(ParamChecker); ok {
			if err := pc.CheckParams(s.Params); err != nil {
				for _, e := range unjoin(err) {
					errs = append(errs, fmt.Errorf("%s: %w", at, e))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// unjoin splits an errors.Join into its errors, so each gets its prefix.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// States lists the states of d in order: ready, each step's state, completed.
func (d Definition) States() []store.State {
	out := []store.State{store.Ready}
	for _, s := range d.Steps {
		out = append(out, s.State)
	}
	return append(out, store.Completed)
}

// Next lists the legal transitions of d from each state. Every non-terminal
// state may also fail; failed may go back to any state a step starts from
// (retry resumes where the item failed).
func (d Definition) Next() map[store.State][]store.State {
	states := d.States()
	next := map[store.State][]store.State{}
	for i := 0; i < len(states)-1; i++ {
		next[states[i]] = []store.State{states[i+1], store.Failed}
	}
	next[store.Failed] = slices.Clone(states[:len(states)-1])
	return next
}

// Allowed reports whether d lets an item move from one state to another.
// Creation (from "") may land in ready or, for unreadable records, failed.
func (d Definition) Allowed(from, to store.State) bool { return allowed(d.Next(), from, to) }

// allowed is Allowed with d.Next() worked out once, for checking many
// transitions.
func allowed(next map[store.State][]store.State, from, to store.State) bool {
	if from == "" {
		return to == store.Ready || to == store.Failed
	}
	return slices.Contains(next[from], to)
}

// Mermaid renders d's states and transitions as a Mermaid state diagram.
func (d Definition) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	states := d.States()
	fmt.Fprintf(&b, "    [*] --> %s\n", states[0])
	for i := 0; i < len(states)-1; i++ {
		label := "done"
		if i < len(d.Steps) {
			label = d.Steps[i].Action
			if svc := d.Steps[i].Service; svc != "" && svc != BuiltinService {
				label += " on " + svc
			}
		}
		fmt.Fprintf(&b, "    %s --> %s: %s\n", states[i], states[i+1], label)
		fmt.Fprintf(&b, "    %s --> failed: error\n", states[i])
	}
	b.WriteString("    failed --> ready: retry\n")
	fmt.Fprintf(&b, "    %s --> [*]\n", store.Completed)
	return b.String()
}
