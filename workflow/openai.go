package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/timpani-dev/timpani/store"
)

// openaiActions are what an OpenAI-compatible embeddings service runs:
// Ollama, llama.cpp, vLLM and text-embeddings-inference all serve
// POST <base>/embeddings the way OpenAI does.
func openaiActions(r *remote) map[string]Action {
	return map[string]Action{"embed": &openaiEmbed{r: r}}
}

// Embed step parameters.
const (
	openaiDefaultBatch = 64
	openaiMaxBatch     = 2048 // what OpenAI itself accepts in one request
)

// openaiEmbed stores each item's embedding from the service, L2-normalised,
// under the model name the step or service names. A batch of items goes out
// in requests of the step's batch texts at once, sent concurrently; the
// remote bounds how many are in flight.
type openaiEmbed struct {
	r *remote
}

type openaiEmbedParams struct {
	model string
	batch int
}

func (a *openaiEmbed) params(p map[string]any) (openaiEmbedParams, error) {
	out := openaiEmbedParams{model: a.r.cfg.Model, batch: openaiDefaultBatch}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(p)) {
		v := p[k]
		switch k {
		case "model":
			s, ok := v.(string)
			if !ok || s == "" {
				errs = append(errs, fmt.Errorf("embed: model must be a non-empty model name, not %v", v))
				continue
			}
			out.model = s
		case "batch":
			n, ok := batchNumber(v)
			if !ok || n < 1 || n > openaiMaxBatch {
				errs = append(errs, fmt.Errorf("embed: batch must be a whole number of texts per request from 1 to %d, not %v", openaiMaxBatch, v))
				continue
			}
			out.batch = int(n)
		default:
			errs = append(errs, fmt.Errorf("embed: unknown parameter %q (known: batch, model)", k))
		}
	}
	if _, set := p["model"]; !set && out.model == "" {
		errs = append(errs, fmt.Errorf("embed: service %s has no model: set the service's model or the step's model parameter", a.r.cfg.Name))
	}
	return out, errors.Join(errs...)
}

// batchNumber reads an integer parameter: TOML decodes integers as int64,
// and a float with no fraction is taken too.
func batchNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func (a *openaiEmbed) CheckParams(p map[string]any) error {
	_, err := a.params(p)
	return err
}

func (a *openaiEmbed) drainHealth() (store.ServiceHealth, bool) { return a.r.drainHealth() }

// Apply embeds the items with text, in requests of the step's batch size
// sent concurrently, and waits for all of them.
func (a *openaiEmbed) Apply(ctx context.Context, b Batch) []Result {
	out := make([]Result, len(b.Items))
	p, err := a.params(b.Step.Params)
	if err != nil {
		err = Permanent(fmt.Errorf("%s: %w", a.r.cfg.Name, err))
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	var idx []int // which items are sent, in order
	var texts []string
	for i, it := range b.Items {
		t := textOf(it)
		if strings.TrimSpace(t) == "" {
			out[i].Err = fmt.Errorf("no text to embed: %w", ErrUnusable)
			continue
		}
		idx = append(idx, i)
		texts = append(texts, t)
	}
	var wg sync.WaitGroup
	for start := 0; start < len(idx); start += p.batch {
		end := min(start+p.batch, len(idx))
		wg.Go(func() {
			vecs, err := a.embed(ctx, p.model, texts[start:end])
			for j, i := range idx[start:end] {
				switch {
				case err != nil:
					out[i].Err = err
				case vecs[j] == nil:
					out[i].Err = fmt.Errorf("%s: %s gave a zero vector: %w", a.r.cfg.Name, p.model, ErrUnusable)
				default:
					out[i].Vectors = []store.Vector{{Model: p.model, Data: vecs[j]}}
				}
			}
		})
	}
	wg.Wait()
	return out
}

// embeddingsRequest and embeddingsResponse are OpenAI's
// /embeddings shapes, as far as timpani uses them.
type embeddingsRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
}

type embeddingsResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	} `json:"data"`
}

// embed asks for the embeddings of texts and returns them in the same
// order, L2-normalised; a nil vector means the service gave a zero vector
// for that text. An answer that does not give each text exactly one finite
// vector of one common dimension is a retryable error for all of them.
func (a *openaiEmbed) embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	var resp embeddingsResponse
	req := embeddingsRequest{Model: model, Input: texts, EncodingFormat: "float"}
	if err := a.r.call(ctx, "POST", "/embeddings", req, &resp); err != nil {
		return nil, err
	}
	vecs, err := readEmbeddings(resp, len(texts))
	if err != nil {
		return nil, &StepError{Retryable: true, Err: fmt.Errorf("%s: POST %s/embeddings: %w", a.r.cfg.Name, a.r.cfg.URL, err)}
	}
	return vecs, nil
}

// readEmbeddings checks an answer for n texts and returns its vectors by
// index, normalised.
func readEmbeddings(resp embeddingsResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, fmt.Errorf("answer has %d embeddings for %d texts", len(resp.Data), n)
	}
	out := make([][]float32, n)
	seen := make([]bool, n)
	dim := len(resp.Data[0].Embedding)
	for _, d := range resp.Data {
		switch {
		case d.Index < 0 || d.Index >= n:
			return nil, fmt.Errorf("answer has an embedding for index %d of %d texts", d.Index, n)
		case seen[d.Index]:
			return nil, fmt.Errorf("answer has two embeddings for index %d", d.Index)
		case len(d.Embedding) == 0:
			return nil, fmt.Errorf("answer has an empty embedding for index %d", d.Index)
		case len(d.Embedding) != dim:
			return nil, fmt.Errorf("answer mixes embeddings of %d and %d dimensions", dim, len(d.Embedding))
		}
		seen[d.Index] = true
		v, err := unitVector(d.Embedding)
		if err != nil {
			return nil, fmt.Errorf("embedding for index %d: %w", d.Index, err)
		}
		out[d.Index] = v
	}
	return out, nil
}

// unitVector returns v scaled to unit length as float32, or nil when v is
// all zeros. It scales by the largest component first, so huge components
// do not overflow the norm.
func unitVector(v []float64) ([]float32, error) {
	var peak float64
	for _, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("not a finite number: %v", f)
		}
		peak = max(peak, math.Abs(f))
	}
	if peak == 0 {
		return nil, nil
	}
	var sum float64
	for _, f := range v {
		f /= peak
		sum += f * f
	}
	norm := math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = float32(f / peak / norm)
	}
	return out, nil
}
