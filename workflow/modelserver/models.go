package modelserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/timpani-dev/timpani/workflow/lexembed"
	"github.com/timpani-dev/timpani/workflow/text"
	"github.com/timpani-dev/timpani/workflow/yake"
)

// model is one Presto model: name is its module (the queue is name+"__Model",
// the callback's model_name name+".Model"), run computes body.result.
type model struct {
	name string
	run  func(s *Server, wk *worker, it *item) any
}

// errorResult is Presto's ErrorResponse (§1.3), sent as body.result.
type errorResult struct {
	Error        string         `json:"error"`
	ErrorDetails map[string]any `json:"error_details"`
	ErrorCode    int            `json:"error_code"`
}

// offline lists Presto's models this binary cannot run, and why (§1.5, §5).
var offline = map[string]string{
	"paraphrase_multilingual": "needs the sentence-transformers/paraphrase-multilingual-mpnet-base-v2 weights, which are not shipped; hashed_ngrams__Model is the built-in lexical embedder (other vectors, its own model key)",
	"mean_tokens":             "needs the xlm-r-bert-base-nli-stsb-mean-tokens weights, which are not shipped; hashed_ngrams__Model is the built-in lexical embedder (other vectors, its own model key)",
	"indian_sbert":            "needs the meedan/indian-sbert weights, which are not shipped",
	"fptg":                    "needs the meedan/paraphrase-filipino-mpnet-base-v2 weights, which are not shipped",
	"classycat":               "needs an external LLM API",
	"classycat_classify":      "needs an external LLM API",
	"classycat_schema_create": "needs an external LLM API",
	"classycat_schema_lookup": "needs an external LLM API",
	"image":                   "needs PDQ image hashing, which is not built in",
	"audio":                   "needs chromaprint audio fingerprinting, which is not built in",
	"video":                   "needs TMK video hashing, which is not built in",
}

// models is the fixed registry, by Presto module name.
var models = func() map[string]*model {
	m := map[string]*model{
		"yake_keywords": {name: "yake_keywords", run: runYake},
		"fasttext":      {name: "fasttext", run: runLanguage},
		"hashed_ngrams": {name: "hashed_ngrams", run: runHashedNgrams},
	}
	for name, reason := range offline {
		m[name] = &model{name: name, run: func(*Server, *worker, *item) any {
			return errorResult{
				Error:        "model not available offline",
				ErrorDetails: map[string]any{"model_name": name + ".Model", "reason": reason},
				ErrorCode:    http.StatusNotImplemented,
			}
		}}
	}
	return m
}()

// lookupModel returns the model of a queue name such as "yake_keywords__Model",
// or nil.
func lookupModel(queue string) *model {
	name, ok := strings.CutSuffix(queue, "__Model")
	if !ok {
		return nil
	}
	return models[name]
}

// modelQueues lists the queue names, for error messages.
func modelQueues() []string {
	var qs []string
	for _, name := range slices.Sorted(maps.Keys(models)) {
		qs = append(qs, name+"__Model")
	}
	return qs
}

// inputError is a model's answer to unusable input (Presto answers 500 for
// its assertion failures; 422 tells the client a retry will not help).
func inputError(msg string, details map[string]any) errorResult {
	return errorResult{Error: msg, ErrorDetails: details, ErrorCode: http.StatusUnprocessableEntity}
}

func errNoText() errorResult {
	return inputError("text is required", map[string]any{"field": "text"})
}

// keyword marshals as Presto's [text, score] pair.
type keyword struct {
	Text  string
	Score float64
}

func (k keyword) MarshalJSON() ([]byte, error) { return json.Marshal([2]any{k.Text, k.Score}) }

type keywordsResult struct {
	Keywords []keyword `json:"keywords"`
}

// runYake is Presto's yake_keywords (§1.6): Presto's defaults, overridden by
// body.parameters, and language "auto" resolved by the detector.
func runYake(s *Server, _ *worker, it *item) any {
	if it.Text == nil {
		return errNoText()
	}
	lang, opt, perr := yakeParams(it.Parameters)
	if perr != nil {
		return *perr
	}
	if lang == "" || lang == "auto" {
		lang = s.autoLanguage(*it.Text)
	}
	kws := yake.ExtractPresto(*it.Text, lang, opt)
	out := make([]keyword, len(kws)) // never null: Presto sends [] for no keywords
	for i, k := range kws {
		out[i] = keyword{k.Text, k.Score}
	}
	return keywordsResult{Keywords: out}
}

// yakeParams merges body.parameters into Presto's defaults. Unknown keys are
// ignored, as Presto reads only the ones it knows.
func yakeParams(raw json.RawMessage) (lang string, opt yake.Options, perr *errorResult) {
	opt = yake.Defaults()
	var params map[string]any
	if err := json.Unmarshal(raw, &params); err != nil { // validated as object or null on push
		e := inputError("parameters must be an object", nil)
		return "", opt, &e
	}
	bad := func(key string, v any, want string) *errorResult {
		e := inputError(fmt.Sprintf("parameter %s must be %s", key, want), map[string]any{"parameter": key, "value": v})
		return &e
	}
	integer := func(key string, dst *int) *errorResult {
		v, ok := params[key]
		if !ok || v == nil {
			return nil
		}
		f, isNum := v.(float64)
		if !isNum || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return bad(key, v, "an integer")
		}
		*dst = int(f)
		return nil
	}
	str := func(key string, dst *string) *errorResult {
		v, ok := params[key]
		if !ok || v == nil {
			return nil
		}
		sv, isStr := v.(string)
		if !isStr {
			return bad(key, v, "a string")
		}
		*dst = sv
		return nil
	}
	for _, e := range []*errorResult{
		str("language", &lang),
		integer("max_ngram_size", &opt.MaxNgram),
		str("deduplication_algo", &opt.DedupFunc),
		integer("window_size", &opt.WindowSize),
		integer("num_of_keywords", &opt.Top),
	} {
		if e != nil {
			return "", opt, e
		}
	}
	if v, ok := params["deduplication_threshold"]; ok && v != nil {
		f, isNum := v.(float64)
		if !isNum {
			return "", opt, bad("deduplication_threshold", v, "a number")
		}
		opt.DedupLim = f
	}
	return lang, opt, nil
}

// autoLanguage picks yake's stopword language for "auto": the detected
// language when the detector is sure enough, else DefaultLanguage (§4.9).
func (s *Server) autoLanguage(t string) string {
	if s.opt.Language == nil {
		return s.opt.DefaultLanguage
	}
	clean := text.Normalize(t)
	if clean == "" {
		return s.opt.DefaultLanguage
	}
	tag, conf := s.opt.Language.Detect(clean)
	if tag == "" || conf < s.opt.MinLanguageConfidence {
		return s.opt.DefaultLanguage
	}
	lang, _ := splitTag(tag)
	return lang
}

// languageResult is Presto's fasttext result (§1.5, §6).
type languageResult struct {
	Language string  `json:"language"`
	Script   *string `json:"script"` // only when not the language's default
	Score    float64 `json:"score"`  // rounded to 4 decimals, as Presto does
}

// runLanguage is Presto's fasttext model, backed by Options.Language. URLs,
// mentions and markup are removed first (text.Normalize): they are not
// language. A text with nothing left is "und" (undetermined) with score 0.
func runLanguage(s *Server, _ *worker, it *item) any {
	if s.opt.Language == nil {
		return errorResult{
			Error:        "no language detector configured",
			ErrorDetails: map[string]any{"model_name": "fasttext.Model", "reason": "this server was started without a language identifier"},
			ErrorCode:    http.StatusNotImplemented,
		}
	}
	if it.Text == nil {
		return errNoText()
	}
	clean := text.Normalize(*it.Text)
	if clean == "" {
		return languageResult{Language: "und"}
	}
	tag, conf := s.opt.Language.Detect(clean)
	if tag == "" {
		return languageResult{Language: "und", Score: round4(conf)}
	}
	lang, script := splitTag(tag)
	r := languageResult{Language: lang, Score: round4(conf)}
	if script != "" {
		r.Script = &script
	}
	return r
}

// splitTag splits "zh-Hans" or "zh_hans_CN" into "zh" and "Hans"; the region
// is dropped, as Presto's result has no place for it.
func splitTag(tag string) (lang, script string) {
	parts := strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return "", ""
	}
	lang = strings.ToLower(parts[0])
	for _, p := range parts[1:] {
		if len(p) == 4 && strings.IndexFunc(p, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) < 0 {
			script = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		}
	}
	return lang, script
}

// round4 is Python's round(x, 4): correctly rounded to 4 decimals.
func round4(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 4, 64), 64)
	return r
}

// runHashedNgrams is the built-in embedder under its own name: the result is
// the bare vector, the shape of Presto's vector models (§1.5).
func runHashedNgrams(_ *Server, wk *worker, it *item) any {
	if it.Text == nil {
		return errNoText()
	}
	v := make([]float32, lexembed.Dim)
	wk.emb.EmbedInto(v, *it.Text)
	return v
}
