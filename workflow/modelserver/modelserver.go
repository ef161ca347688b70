// Package modelserver is `timpani models serve`: the built-in models over HTTP,
// speaking Presto's asynchronous protocol and Alegre's text-similarity API, so
// that clients written for those services (timpani's own, or the original
// Timpani's) run against a laptop with no network. It follows
// reference/model-services.md §1 (Presto), §2 (Alegre) and §7.
//
// # Presto surface (§1.2-§1.5, §7)
//
//	POST /process_item/{model}__Model  body {id, callback_url, text, raw, parameters, ...}
//	  200 {"message":"Message pushed successfully","queue":"<model>__Model","body":<request echoed>}
//	  then POST callback_url {"body":{id, content_hash, callback_url, url, text, raw, parameters, result},
//	                          "model_name":"<model>.Model","retry_count":0}
//	GET|HEAD /ping  {"pong":1}
//
// Models: yake_keywords ({"keywords":[[text,score],...]}, lower is better, Presto's
// defaults merged with body.parameters), fasttext ({"language","script","score"},
// needs Options.Language), hashed_ngrams (the lexembed vector as a bare JSON
// array, the shape of Presto's vector models: there is no key). Presto's models
// that need weights, libraries or services this binary does not have
// (paraphrase_multilingual, mean_tokens, indian_sbert, fptg, classycat*, image,
// audio, video) are accepted and answer with an error result
// {"error":"model not available offline","error_details":{...},"error_code":501}:
// never with substitute vectors. Any other model is 404.
//
// Differences from Presto, all in the direction of failing early and clearly:
// request errors are 400 (malformed JSON), 413 (body over Options.MaxBodyBytes)
// or 422 (not an object, id missing or not a string/number, a field of the wrong
// type, callback_url not an absolute http(s) URL) with {"detail": message},
// where Presto answers 500; a full queue is 503 with Retry-After; model errors
// for bad input (missing text, bad parameters) carry error_code 422, where
// Presto's assertions give 500. A callback is retried on network errors, 429
// and 5xx (Presto tries once); retry_count stays 0, because it counts model
// re-runs in Presto, and a re-delivered callback is byte-for-byte the same.
// A body without callback_url is acknowledged and dropped, as nothing could
// receive its result.
//
// # Alegre surface (§2.1-§2.2, §7)
//
//	POST   /text/similarity/         {text, doc_id, context, model|models, language}  → {"success":true}
//	POST   /text/similarity/search/  {text | doc_id, context, model|models, threshold, per_model_threshold, limit}
//	                                 → {"result":[hit, ...]}
//	DELETE /text/similarity/         {doc_id, context, quiet} → {"_index","_id","result":"deleted"|"updated"}
//	                                 or 404 {"message":"Doc Not Found for id <id>! No Deletion Occurred."}
//	GET    /healthcheck              {"result":{"QUEUE":true,"VECTOR_STORE":true}}, 200 or 500
//
// The only model key is lexembed.Model; Alegre's transformer keys
// (paraphrase-multilingual-mpnet-base-v2, ...), openai-* and elasticsearch
// answer 501, other keys 400, and a request naming no model 400 (Alegre would
// fall back to BM25, which this server does not have). A search hit carries
// the stored fields both flattened, as Alegre returns them and Timpani reads
// them (id, score), and under _source, as raw OpenSearch hits did:
// {content, created_at, language, models, context, contexts, model,
// "model_<key>":1, _id, id, index, _score, score, _source}. score is cosine+1,
// at least threshold+1 (threshold defaults to 0.9, limit to 200), best first.
// Contexts filter exactly (see VectorStore), where Alegre runs analysed
// full-text matches. A search with neither text nor doc_id returns no result,
// as Alegre does; with doc_id and no text it uses the stored vector. DELETE
// without context removes the document from every context; with one, only from
// the matching contexts, and 404 when it has none (Alegre would delete it
// anyway). Paths work with and without the trailing slash.
//
// # Workers
//
// Run owns a fixed pool of Options.Workers goroutines fed by a queue of
// Options.QueueSize jobs. When Run's context ends, jobs still queued are
// dropped (and counted in one log line), an in-flight callback is abandoned,
// and /process_item answers 503 from then on: the queue lives in memory, and a
// Presto client must resubmit after its own deadline anyway (§1.7).
//
// # Speed
//
// BenchmarkYakeRoundTrip posts the reference texts from parallel clients
// through loopback HTTP and counts callbacks received:
//
//	go test ./workflow/modelserver/ -run XXX -bench RoundTrip -benchtime 3s
//
// On the project's 2-core machine (AMD EPYC, shared with other work, load
// 2.3-2.7) it ran at 2,000-4,000 items/s; the profile is dominated by the
// two HTTP exchanges per item (syscalls), not by YAKE.
package modelserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"runtime"
	"sync"
	"time"
)

// LanguageDetector identifies the language of a text. It must be safe for
// concurrent use.
type LanguageDetector interface {
	// Detect returns an ISO 639-1 code (639-3 when the language has none),
	// followed by "-" and an ISO 15924 script when the script is not the
	// language's default ("zh-Hans", "sr-Latn"), and a confidence in [0, 1].
	// An empty lang means undetermined.
	Detect(text string) (lang string, confidence float64)
}

// Options configure a Server. The zero value works: every field has a default.
type Options struct {
	Log *slog.Logger // default: discard

	// Client posts callbacks; default a new http.Client. Each attempt is also
	// bounded by CallbackTimeout.
	Client *http.Client

	Workers   int // job goroutines; default GOMAXPROCS
	QueueSize int // jobs waiting for a worker before /process_item answers 503; default 1024

	Vectors  VectorStore      // Alegre documents; default NewMemoryStore()
	Language LanguageDetector // for fasttext and yake's "auto"; nil: fasttext answers an error

	UserAgent    string // sent with callbacks; default "timpani-modelserver"
	MaxBodyBytes int64  // request body limit, default 256 KiB (Presto's SQS message limit)

	CallbackTimeout time.Duration // per attempt; default 30 s (Presto's)
	CallbackRetries int           // attempts after the first; 0 means 3, negative none
	CallbackBackoff time.Duration // wait before the first retry, doubled per retry (max 32x) with jitter; default 1 s

	// DefaultLanguage is yake's stopword language when language is "auto" and
	// detection is unavailable or unsure; default "en" (§4.9).
	DefaultLanguage string
	// MinLanguageConfidence is the confidence below which yake's "auto" uses
	// DefaultLanguage; default 0.5, negative accepts any detection.
	MinLanguageConfidence float64

	Now func() time.Time // Alegre's created_at; default time.Now
}

// Server serves the built-in models. Create it with New, mount Handler, and
// call Run to process Presto jobs.
type Server struct {
	opt     Options
	log     *slog.Logger
	vectors VectorStore
	mux     *http.ServeMux

	mu    sync.RWMutex // guards state; held for reading while a handler enqueues
	state runState
	jobs  chan job
}

type runState int

const (
	idle runState = iota
	running
	stopped
)

// New returns a Server with opt's defaults filled in. It does no I/O.
func New(opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Client == nil {
		opt.Client = &http.Client{}
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.QueueSize <= 0 {
		opt.QueueSize = 1024
	}
	if opt.Vectors == nil {
		opt.Vectors = NewMemoryStore()
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "timpani-modelserver"
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = 256 << 10
	}
	if opt.CallbackTimeout <= 0 {
		opt.CallbackTimeout = 30 * time.Second
	}
	switch {
	case opt.CallbackRetries == 0:
		opt.CallbackRetries = 3
	case opt.CallbackRetries < 0:
		opt.CallbackRetries = 0
	}
	if opt.CallbackBackoff <= 0 {
		opt.CallbackBackoff = time.Second
	}
	if opt.DefaultLanguage == "" {
		opt.DefaultLanguage = "en"
	}
	if opt.MinLanguageConfidence == 0 {
		opt.MinLanguageConfidence = 0.5
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{
		opt:     opt,
		log:     opt.Log.With("component", "modelserver"),
		vectors: opt.Vectors,
		jobs:    make(chan job, opt.QueueSize),
	}
	s.mux = s.routes()
	return s
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// Presto.
	mux.HandleFunc("POST /process_item/{name}", s.handleProcessItem)
	mux.HandleFunc("GET /ping", s.handlePing) // GET patterns also serve HEAD
	// Both.
	mux.HandleFunc("GET /healthcheck", s.handleHealthcheck)
	mux.HandleFunc("GET /healthcheck/{$}", s.handleHealthcheck)
	// Alegre, whose routes end in a slash; clients differ on whether they send it.
	for _, p := range []string{"/text/similarity", "/text/similarity/{$}"} {
		mux.HandleFunc("POST "+p, s.handleStore)
		mux.HandleFunc("DELETE "+p, s.handleDelete)
	}
	mux.HandleFunc("POST /text/similarity/search", s.handleSearch)
	mux.HandleFunc("POST /text/similarity/search/{$}", s.handleSearch)
	return mux
}

// Handler returns the HTTP handler of both surfaces.
func (s *Server) Handler() http.Handler { return s.mux }

// Run processes Presto jobs with Options.Workers goroutines until ctx is done,
// then drops the jobs still queued (logging how many) and returns nil. It
// may be called once.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.state != idle {
		s.mu.Unlock()
		return errors.New("modelserver: Run called twice")
	}
	s.state = running
	s.mu.Unlock()
	s.log.InfoContext(ctx, "model server workers started", "workers", s.opt.Workers, "queue_size", s.opt.QueueSize)

	var wg sync.WaitGroup
	for range s.opt.Workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Wait() // workers return only when ctx is done

	s.mu.Lock()
	s.state = stopped // from here on handlers refuse jobs, so the count below is final
	s.mu.Unlock()
	dropped := len(s.jobs)
	for range dropped {
		<-s.jobs
	}
	if dropped > 0 {
		s.log.Warn("pending jobs dropped at shutdown", "count", dropped)
	}
	s.log.Info("model server workers stopped")
	return nil
}

func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"pong": 1})
}

// handleHealthcheck answers Alegre's shape (a map of checks, 200 only when all
// pass); Presto has no /healthcheck but the original Timpani calls it (§1.2).
func (s *Server) handleHealthcheck(w http.ResponseWriter, r *http.Request) {
	checks := map[string]any{"QUEUE": true, "VECTOR_STORE": true}
	ok := true
	s.mu.RLock()
	state := s.state
	s.mu.RUnlock()
	if state != running {
		checks["QUEUE"] = "job workers are not running"
		ok = false
	}
	if p, isPinger := s.vectors.(interface{ Ping(context.Context) error }); isPinger {
		if err := p.Ping(r.Context()); err != nil {
			s.log.ErrorContext(r.Context(), "vector store unhealthy", "err", err)
			checks["VECTOR_STORE"] = "vector store unavailable"
			ok = false
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]any{"result": checks})
}

// writeJSON encodes v before writing anything, so an encoding error never
// leaves a half-written response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"message":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// requestError is a client error of a request, answered with status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

// decodeBody reads at most maxBytes of r's body and decodes it into dst: 413
// when too large, 400 when it is not JSON, typeStatus when it is JSON of the
// wrong shape.
func decodeBody(w http.ResponseWriter, r *http.Request, maxBytes int64, typeStatus int, dst any) (raw []byte, rerr *requestError) {
	body, err := readLimited(w, r, maxBytes)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn): // also an empty body
			return nil, &requestError{http.StatusBadRequest, "malformed JSON: " + err.Error()}
		case errors.As(err, &typ) && typ.Field == "":
			return nil, &requestError{typeStatus, "body must be a JSON object"}
		case errors.As(err, &typ):
			return nil, &requestError{typeStatus, fmt.Sprintf("%s must be %s, not JSON %s", typ.Field, jsonKind(typ.Type), typ.Value)}
		default:
			return nil, &requestError{typeStatus, err.Error()}
		}
	}
	return body, nil
}

// jsonKind names the JSON value a Go type decodes from, for error messages.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a " + t.String()
}

func readLimited(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, *requestError) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return nil, &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBytes)}
		}
		return nil, &requestError{http.StatusBadRequest, "read body: " + err.Error()}
	}
	return buf.Bytes(), nil
}
