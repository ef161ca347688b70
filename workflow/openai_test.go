package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/store"
	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// oaRequest is one request a fake embeddings server saw.
type oaRequest struct {
	Method, Path string
	Header       http.Header
	Body         embeddingsRequest
	ExtraFields  []string // body fields beyond model, input and encoding_format
}

// oaServer is a fake OpenAI-compatible embeddings server. answer writes
// the response to the call-th request (1-based); nil answers like OpenAI
// with embed's vectors.
type oaServer struct {
	*httptest.Server
	embed  func(text string) []float64
	answer func(w http.ResponseWriter, r *http.Request, in embeddingsRequest, call int)
	// reverse lists the answer's data last index first: clients must
	// match by index, not position.
	reverse bool

	mu       sync.Mutex
	reqs     []oaRequest
	inFlight int
	peak     int
}

func newOAServer(t testing.TB, embed func(string) []float64) *oaServer {
	s := &oaServer{embed: embed}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *oaServer) serve(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	var in embeddingsRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil {
		http.Error(w, `{"error":{"message":"bad json","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	var extra []string
	for k, v := range raw {
		var err error
		switch k {
		case "model":
			err = json.Unmarshal(v, &in.Model)
		case "input":
			err = json.Unmarshal(v, &in.Input)
		case "encoding_format":
			err = json.Unmarshal(v, &in.EncodingFormat)
		default:
			extra = append(extra, k)
		}
		if err != nil {
			http.Error(w, `{"error":{"message":"bad field","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, oaRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: in, ExtraFields: extra})
	call := len(s.reqs)
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.NotFound(w, r)
		return
	}
	if s.answer != nil {
		s.answer(w, r, in, call)
		return
	}
	s.ok(w, in)
}

// oaEmbedding and oaAnswer are OpenAI's answer shape, in full.
type oaEmbedding struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float64 `json:"embedding"`
}

type oaAnswer struct {
	Object string        `json:"object"`
	Data   []oaEmbedding `json:"data"`
	Model  string        `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func (s *oaServer) answerFor(in embeddingsRequest) oaAnswer {
	a := oaAnswer{Object: "list", Model: in.Model}
	for i, text := range in.Input {
		a.Data = append(a.Data, oaEmbedding{Object: "embedding", Index: i, Embedding: s.embed(text)})
		a.Usage.PromptTokens += len(strings.Fields(text))
	}
	a.Usage.TotalTokens = a.Usage.PromptTokens
	if s.reverse {
		slices.Reverse(a.Data)
	}
	return a
}

func (s *oaServer) ok(w http.ResponseWriter, in embeddingsRequest) {
	oaWriteJSON(w, s.answerFor(in))
}

func oaWriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *oaServer) requests() []oaRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// newOpenAIEmbed is the embed action of service "oa" on srv, with a short
// backoff between tries.
func newOpenAIEmbed(t testing.TB, cfg ServiceConfig, srv *oaServer) *openaiEmbed {
	t.Helper()
	cfg.Name, cfg.Kind, cfg.URL = "oa", "openai", srv.URL+"/v1"
	acts, err := RemoteActions(cfg, ActionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := acts["oa.embed"].(*openaiEmbed)
	if !ok {
		t.Fatalf("actions = %v; want oa.embed", acts)
	}
	a.r.backoff = time.Millisecond
	return a
}

func oaItems(texts ...string) []store.Item {
	items := make([]store.Item, len(texts))
	for i, t := range texts {
		items[i] = store.Item{ID: int64(i + 1), Workspace: "ws", RawID: strconv.Itoa(i), RawText: t}
	}
	return items
}

// oaLengthEmbedding is a vector that differs for texts of different lengths,
// far from unit length.
func oaLengthEmbedding(text string) []float64 { return []float64{1, float64(len(text)), -3} }

func oaUnit(v []float64) []float64 {
	var sum float64
	for _, f := range v {
		sum += f * f
	}
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = f / math.Sqrt(sum)
	}
	return out
}

func oaCloseTo(got []float32, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			return false
		}
	}
	return true
}

func oaNorm(v []float32) float64 {
	var sum float64
	for _, f := range v {
		sum += float64(f) * float64(f)
	}
	return math.Sqrt(sum)
}

func TestOpenAIEmbed(t *testing.T) {
	srv := newOAServer(t, oaLengthEmbedding)
	srv.reverse = true
	a := newOpenAIEmbed(t, ServiceConfig{Model: "m", APIKey: "sk-test", Concurrency: 2}, srv)

	var texts []string
	for i := range 10 {
		texts = append(texts, strings.Repeat("x", i+1))
	}
	texts = slices.Insert(texts, 4, " \n ") // nothing to embed: not sent
	items := oaItems(texts...)
	items[2].Text = "normalised text wins" // what models read once there is one

	step := Step{State: "vectorized", Action: "embed", Service: "oa", Params: map[string]any{"batch": int64(3)}}
	results := a.Apply(t.Context(), Batch{Workspace: "ws", Step: step, Items: items})
	if len(results) != len(items) {
		t.Fatalf("%d results for %d items", len(results), len(items))
	}
	var sent []string
	for i, r := range results {
		if i == 4 {
			if !errors.Is(r.Err, ErrUnusable) || retryable(r.Err) {
				t.Errorf("item %d (blank): err = %v; want a permanent ErrUnusable", i, r.Err)
			}
			continue
		}
		text := textOf(items[i])
		sent = append(sent, text)
		if r.Err != nil {
			t.Errorf("item %d: %v", i, r.Err)
			continue
		}
		if len(r.Vectors) != 1 || r.Vectors[0].Model != "m" {
			t.Fatalf("item %d: vectors = %+v; want one by model m", i, r.Vectors)
		}
		v := r.Vectors[0].Data
		if !oaCloseTo(v, oaUnit(oaLengthEmbedding(text))) {
			t.Errorf("item %d: vector %v; want %v, the unit vector of the text's embedding", i, v, oaUnit(oaLengthEmbedding(text)))
		}
		if math.Abs(oaNorm(v)-1) > 1e-6 {
			t.Errorf("item %d: |v| = %v; want 1", i, oaNorm(v))
		}
	}

	reqs := srv.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests for 10 texts in batches of 3; want 4", len(reqs))
	}
	var got []string
	for _, q := range reqs {
		if q.Method != "POST" || q.Path != "/v1/embeddings" {
			t.Errorf("request %s %s; want POST /v1/embeddings", q.Method, q.Path)
		}
		if q.Body.Model != "m" || q.Body.EncodingFormat != "float" || len(q.ExtraFields) > 0 {
			t.Errorf("request body %+v (extra fields %v); want model m, encoding_format float, nothing else", q.Body, q.ExtraFields)
		}
		if n := len(q.Body.Input); n < 1 || n > 3 {
			t.Errorf("request with %d texts; want 1 to 3", n)
		}
		if h := q.Header.Get("Authorization"); h != "Bearer sk-test" {
			t.Errorf("Authorization = %q; want the API key as a bearer token", h)
		}
		if ua := q.Header.Get("User-Agent"); ua != UserAgent {
			t.Errorf("User-Agent = %q; want %q", ua, UserAgent)
		}
		if ct := q.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		got = append(got, q.Body.Input...)
	}
	// Requests go out concurrently, so compare the texts as sets.
	slices.Sort(got)
	slices.Sort(sent)
	if !slices.Equal(got, sent) {
		t.Errorf("texts sent %q; want %q", got, sent)
	}
	if srv.peak > 2 {
		t.Errorf("%d requests in flight at once; the service allows 2", srv.peak)
	}
	h, ok := a.drainHealth()
	if !ok || h.Service != "oa" || h.Kind != "openai" || h.Calls != 4 || h.Failures != 0 {
		t.Errorf("health = %+v, %v; want 4 calls to oa, no failures", h, ok)
	}
	if _, ok := a.drainHealth(); ok {
		t.Error("a second drain reported calls")
	}

	t.Run("step model, no key", func(t *testing.T) {
		srv := newOAServer(t, oaLengthEmbedding)
		a := newOpenAIEmbed(t, ServiceConfig{Model: "m"}, srv)
		step := Step{Action: "embed", Service: "oa", Params: map[string]any{"model": "nomic-embed-text:v1.5"}}
		results := a.Apply(t.Context(), Batch{Step: step, Items: oaItems("one", "two")})
		for i, r := range results {
			if r.Err != nil || r.Vectors[0].Model != "nomic-embed-text:v1.5" {
				t.Errorf("item %d: %+v; want a vector stored under the step's model", i, r)
			}
		}
		reqs := srv.requests()
		if len(reqs) != 1 || reqs[0].Body.Model != "nomic-embed-text:v1.5" || len(reqs[0].Body.Input) != 2 {
			t.Fatalf("requests %+v; want one for both texts with the step's model", reqs)
		}
		if h := reqs[0].Header.Get("Authorization"); h != "" {
			t.Errorf("Authorization = %q without an API key", h)
		}
	})
}

// oaErrKind sorts an item's error the way the runner does.
func oaErrKind(err error) string {
	var se *StepError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrUnusable) && !retryable(err):
		return "unusable"
	case unavailable(err) && retryable(err):
		return "unavailable"
	case errors.As(err, &se) && se.Retryable:
		return "retryable"
	case !retryable(err):
		return "permanent"
	}
	return fmt.Sprintf("unsorted (%T)", err)
}

func TestOpenAIEmbedFailures(t *testing.T) {
	ok := func(s *oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
		return func(w http.ResponseWriter, _ *http.Request, in embeddingsRequest, _ int) { s.ok(w, in) }
	}
	tests := []struct {
		name   string
		cfg    ServiceConfig
		texts  []string
		answer func(s *oaServer) func(w http.ResponseWriter, r *http.Request, in embeddingsRequest, call int)
		closed bool // the server is gone: connections are refused
		want   []string
		calls  int
		// minElapsed is how long Apply must take, e.g. honouring Retry-After.
		minElapsed time.Duration
		mention    string // what the error must say
	}{
		{name: "500 then success", want: []string{"ok", "ok"}, calls: 2,
			answer: func(s *oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
				return func(w http.ResponseWriter, r *http.Request, in embeddingsRequest, call int) {
					if call == 1 {
						http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
						return
					}
					s.ok(w, in)
				}
			}},
		{name: "500 persists", want: []string{"retryable", "retryable"}, calls: 3, mention: "500",
			answer: oaStatus(http.StatusInternalServerError, "")},
		{name: "503 persists", want: []string{"unavailable", "unavailable"}, calls: 3, mention: "503",
			answer: oaStatus(http.StatusServiceUnavailable, "0")},
		{name: "429 honours Retry-After", cfg: ServiceConfig{Retries: 1}, want: []string{"unavailable", "unavailable"},
			calls: 2, minElapsed: time.Second, mention: "429", answer: oaStatus(http.StatusTooManyRequests, "1")},
		{name: "400 is permanent", want: []string{"permanent", "permanent"}, calls: 1, mention: "context length",
			answer: func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
				return func(w http.ResponseWriter, _ *http.Request, _ embeddingsRequest, _ int) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprint(w, `{"error":{"message":"input exceeds the context length","type":"invalid_request_error"}}`)
				}
			}},
		{name: "malformed JSON", want: []string{"retryable", "retryable"}, calls: 3, mention: "not the JSON expected",
			answer: oaRaw(`{"object":"list","data":[{"index":0,"embedding":[0.1,0.2`)},
		{name: "base64 despite encoding_format", want: []string{"retryable", "retryable"}, calls: 3,
			answer: oaRaw(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPwAAAEA="},{"object":"embedding","index":1,"embedding":"AACAPwAAAEA="}]}`)},
		{name: "truncated body", want: []string{"retryable", "retryable"}, calls: 3, mention: "read answer",
			answer: func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
				return func(w http.ResponseWriter, _ *http.Request, _ embeddingsRequest, _ int) {
					w.Header().Set("Content-Length", "1000")
					fmt.Fprint(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,`)
					w.(http.Flusher).Flush()
					panic(http.ErrAbortHandler) // the connection drops mid-body
				}
			}},
		{name: "too few embeddings", want: []string{"retryable", "retryable"}, calls: 1, mention: "1 embeddings for 2 texts",
			answer: oaEdit(func(a *oaAnswer) { a.Data = a.Data[:1] })},
		{name: "index missing", want: []string{"retryable", "retryable"}, calls: 1, mention: "two embeddings for index 0",
			answer: oaEdit(func(a *oaAnswer) { a.Data[1].Index = 0 })},
		{name: "index out of range", want: []string{"retryable", "retryable"}, calls: 1, mention: "index 2 of 2",
			answer: oaEdit(func(a *oaAnswer) { a.Data[1].Index = 2 })},
		{name: "mixed dimensions", want: []string{"retryable", "retryable"}, calls: 1, mention: "3 and 4 dimensions",
			answer: oaEdit(func(a *oaAnswer) { a.Data[1].Embedding = append(a.Data[1].Embedding, 1) })},
		{name: "empty embedding", want: []string{"retryable", "retryable"}, calls: 1, mention: "empty embedding",
			answer: oaEdit(func(a *oaAnswer) { a.Data[0].Embedding, a.Data[1].Embedding = nil, nil })},
		{name: "zero vector", want: []string{"ok", "unusable"}, calls: 1, mention: "zero vector",
			answer: oaEdit(func(a *oaAnswer) { a.Data[1].Embedding = []float64{0, 0, 0} })},
		{name: "slow past timeout", cfg: ServiceConfig{Timeout: 100 * time.Millisecond, Retries: -1},
			want: []string{"unavailable", "unavailable"}, calls: 1, mention: "timed out",
			answer: func(s *oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
				return func(w http.ResponseWriter, r *http.Request, in embeddingsRequest, _ int) {
					select {
					case <-r.Context().Done():
					case <-time.After(5 * time.Second):
					}
					s.ok(w, in)
				}
			}},
		{name: "answer bigger than MaxResponse", cfg: ServiceConfig{MaxResponse: 100},
			want: []string{"permanent", "permanent"}, calls: 1, mention: "larger than 100 bytes", answer: ok},
		{name: "connection refused", closed: true, cfg: ServiceConfig{Retries: -1},
			want: []string{"unavailable", "unavailable"}, mention: "connection refused"},
		{name: "empty text", texts: []string{"", " \t\n"}, want: []string{"unusable", "unusable"}, calls: 0,
			mention: "no text to embed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newOAServer(t, oaLengthEmbedding)
			if tc.answer != nil {
				srv.answer = tc.answer(srv)
			}
			cfg := tc.cfg
			cfg.Model = "m"
			a := newOpenAIEmbed(t, cfg, srv)
			if tc.closed {
				srv.Close()
			}
			texts := tc.texts
			if texts == nil {
				texts = []string{"short", "a longer text"}
			}
			start := time.Now()
			results := a.Apply(t.Context(), Batch{Step: Step{Action: "embed", Service: "oa"}, Items: oaItems(texts...)})
			elapsed := time.Since(start)
			var got []string
			for _, r := range results {
				got = append(got, oaErrKind(r.Err))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("results %v (%+v); want %v", got, results, tc.want)
			}
			if n := len(srv.requests()); n != tc.calls {
				t.Errorf("%d requests; want %d", n, tc.calls)
			}
			if elapsed < tc.minElapsed {
				t.Errorf("Apply took %v; want at least %v", elapsed, tc.minElapsed)
			}
			if tc.mention != "" && !slices.ContainsFunc(results, func(r Result) bool {
				return r.Err != nil && strings.Contains(r.Err.Error(), tc.mention)
			}) {
				t.Errorf("errors %+v; want one to mention %q", results, tc.mention)
			}
			for _, r := range results {
				// An answer that is not what was asked for names the
				// service and where it was asked.
				if oaErrKind(r.Err) == "retryable" && tc.calls == 1 && !strings.HasPrefix(r.Err.Error(), "oa: POST "+srv.URL+"/v1/embeddings: ") {
					t.Errorf("error %q does not name the service and URL", r.Err)
				}
			}
		})
	}
}

func oaStatus(code int, retryAfter string) func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
	return func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
		return func(w http.ResponseWriter, _ *http.Request, _ embeddingsRequest, _ int) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, `{"error":{"message":"try later"}}`, code)
		}
	}
}

func oaRaw(body string) func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
	return func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
		return func(w http.ResponseWriter, _ *http.Request, _ embeddingsRequest, _ int) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}
	}
}

// oaEdit answers like OpenAI, changed by fn.
func oaEdit(fn func(*oaAnswer)) func(*oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
	return func(s *oaServer) func(http.ResponseWriter, *http.Request, embeddingsRequest, int) {
		return func(w http.ResponseWriter, _ *http.Request, in embeddingsRequest, _ int) {
			a := s.answerFor(in)
			fn(&a)
			oaWriteJSON(w, a)
		}
	}
}

func TestOpenAIEmbedStopsWithContext(t *testing.T) {
	srv := newOAServer(t, oaLengthEmbedding)
	srv.answer = func(w http.ResponseWriter, r *http.Request, in embeddingsRequest, _ int) {
		<-r.Context().Done() // hangs until the client gives up
	}
	a := newOpenAIEmbed(t, ServiceConfig{Model: "m"}, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = "text " + strconv.Itoa(i)
	}
	results := a.Apply(ctx, Batch{Step: Step{Action: "embed", Service: "oa"}, Items: oaItems(texts...)})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Apply took %v after its context ended", d)
	}
	for i, r := range results {
		if !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Fatalf("item %d: err = %v; want the context's", i, r.Err)
		}
	}
}

func TestOpenAICheckParams(t *testing.T) {
	srv := newOAServer(t, oaLengthEmbedding)
	withModel := newOpenAIEmbed(t, ServiceConfig{Model: "m"}, srv)
	noModel := newOpenAIEmbed(t, ServiceConfig{}, srv)
	tests := []struct {
		name   string
		a      *openaiEmbed
		params map[string]any
		want   []string // what the error mentions; none: no error
	}{
		{"defaults", withModel, nil, nil},
		{"batch from TOML", withModel, map[string]any{"batch": int64(2048), "model": "x"}, nil},
		{"batch as int", withModel, map[string]any{"batch": 1}, nil},
		{"batch as whole float", withModel, map[string]any{"batch": 16.0}, nil},
		{"model from step", noModel, map[string]any{"model": "x"}, nil},
		{"no model anywhere", noModel, nil, []string{"no model", "model parameter"}},
		{"empty model", withModel, map[string]any{"model": ""}, []string{"model must be"}},
		{"model not a string", withModel, map[string]any{"model": int64(3)}, []string{"model must be"}},
		{"batch zero", withModel, map[string]any{"batch": int64(0)}, []string{"batch must be", "2048"}},
		{"batch too big", withModel, map[string]any{"batch": int64(2049)}, []string{"batch must be"}},
		{"batch fraction", withModel, map[string]any{"batch": 1.5}, []string{"batch must be"}},
		{"batch string", withModel, map[string]any{"batch": "64"}, []string{"batch must be"}},
		{"unknown", withModel, map[string]any{"dimensions": int64(256)}, []string{`"dimensions"`, "known: batch, model"}},
		{"every problem", noModel, map[string]any{"batch": int64(-1), "size": 1}, []string{"batch must be", `"size"`, "no model"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.CheckParams(tc.params)
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("CheckParams = %v; want nil", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("CheckParams = %v; want it to mention %q", err, w)
				}
			}
		})
	}

	// A workflow naming the service is checked before any item moves.
	acts := Actions(ActionOptions{Services: []ServiceConfig{{Name: "oa", Kind: "openai", URL: srv.URL + "/v1"}}})
	def := Definition{Steps: []Step{{State: "vectorized", Action: "embed", Service: "oa", Params: map[string]any{"batch": int64(0)}}}}
	err := def.Validate(acts)
	if err == nil || !strings.Contains(err.Error(), "step 1: embed: batch must be") || !strings.Contains(err.Error(), "step 1: embed: service oa has no model") {
		t.Errorf("Validate = %v; want both problems of step 1", err)
	}
	// Apply refuses bad params too, without a request.
	results := noModel.Apply(t.Context(), Batch{Step: Step{Action: "embed", Service: "oa"}, Items: oaItems("a")})
	if oaErrKind(results[0].Err) != "permanent" || len(srv.requests()) != 0 {
		t.Errorf("Apply without a model: %v after %d requests; want a permanent error and none", results[0].Err, len(srv.requests()))
	}
}

// TestOpenAIWorkflow runs items through embed on an OpenAI-compatible
// service and the cluster step with the real runner and database.
func TestOpenAIWorkflow(t *testing.T) {
	srv := newOAServer(t, func(text string) []float64 {
		v := lexembed.Embed(text)
		out := make([]float64, len(v))
		for i, f := range v {
			out[i] = 3 * float64(f) // not unit length: the client normalises
		}
		return out
	})
	srv.reverse = true
	db := mustDB(t)
	texts := []string{
		"The mayor announced a new bridge over the river",
		"Heavy rain is expected across the north this weekend",
		"The mayor announced a new bridge over the river",
		"Local bakery wins the national bread award",
		"the MAYOR announced a new bridge over the river!!",
		"Heavy rain is expected across the north this weekend",
	}
	var posts []post
	for i, text := range texts {
		posts = append(posts, post{text: text, hour: i})
	}
	ids := addPosts(t, db, "ws", "w", posts...)

	acts := Actions(ActionOptions{DB: db, Services: []ServiceConfig{{Name: "oa", Kind: "openai", URL: srv.URL + "/v1", Model: "m"}}})
	def := Definition{Name: "w", Steps: []Step{
		{State: "vectorized", Action: "embed", Service: "oa", Params: map[string]any{"batch": int64(2)}},
		{State: "clustered", Action: "cluster", Params: map[string]any{"model": "m", "threshold": 0.9}},
	}}
	r := newTestRunner(t, db, def, acts, Options{Workers: 2})
	p, err := r.RunUntilIdle(t.Context(), "ws", "w")
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != len(texts) || p.Failed != 0 {
		t.Errorf("progress = %+v; want %d completed", p, len(texts))
	}
	if got := stateCounts(t, db, "ws"); got[store.Completed] != len(texts) || len(got) != 1 {
		t.Errorf("states = %v; want all completed", got)
	}
	for i, id := range ids {
		v, err := db.Vector(t.Context(), id, "m")
		if err != nil {
			t.Fatalf("item %d: %v", id, err)
		}
		if len(v.Data) != lexembed.Dim || math.Abs(oaNorm(v.Data)-1) > 1e-5 {
			t.Errorf("item %d: vector of %d dimensions, length %v; want %d, 1", id, len(v.Data), oaNorm(v.Data), lexembed.Dim)
		}
		want := lexembed.Embed(texts[i])
		var dot float64
		for j := range want {
			dot += float64(want[j]) * float64(v.Data[j])
		}
		if dot < 0.9999 {
			t.Errorf("item %d: cosine with the served embedding %v; want 1", id, dot)
		}
	}
	clusters, err := db.ItemClusters(t.Context(), "ws")
	if err != nil {
		t.Fatal(err)
	}
	c := func(i int) int64 { return clusters[strconv.Itoa(i)] }
	if len(clusters) != len(texts) {
		t.Fatalf("clusters = %v; want every item clustered", clusters)
	}
	if c(0) != c(2) || c(0) != c(4) || c(1) != c(5) {
		t.Errorf("clusters = %v; want items 0, 2, 4 together and 1, 5 together", clusters)
	}
	if c(0) == c(1) || c(0) == c(3) || c(1) == c(3) {
		t.Errorf("clusters = %v; want the three stories apart", clusters)
	}
	if n := len(srv.requests()); n < 3 {
		t.Errorf("%d requests for 6 texts in batches of 2; want at least 3", n)
	}
}
