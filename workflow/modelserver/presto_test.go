package modelserver

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// The reference's YAKE vectors 1 and 2 (§4.8), through Presto's defaults.
const (
	vector1Text = "I love Meedan"
	vector2Text = "This is a test of the presto wrapper for model access"
)

// prestoBody is the body the original Timpani sends (§3.2).
func prestoBody(id, callback, text string) string {
	return fmt.Sprintf(`{"id": %q, "content_hash": null, "callback_url": %q, "url": null, "text": %q,
		"raw": {"content_item_id": 1, "target_state": "keyworded", "workspace_id": "meedan_test_presto_wrapper"},
		"parameters": {}}`, id, callback, text)
}

func TestPing(t *testing.T) {
	ts := startServer(t, Options{}, true)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		t.Run(method, func(t *testing.T) {
			status, body := call(t, method, ts.url+"/ping", "")
			if status != http.StatusOK {
				t.Fatalf("%s /ping = %d; want 200", method, status)
			}
			if method == http.MethodGet {
				jsonEqual(t, "GET /ping", body, `{"pong":1}`)
			}
		})
	}
}

func TestProcessItemResponse(t *testing.T) {
	ts := startServer(t, Options{}, false)
	rc := newReceiver(t, nil)
	// Unknown keys are echoed in the answer (Presto echoes the request) but
	// dropped from the callback (pydantic drops them).
	body := `{"id": 7, "text": "timpani", "callback_url": "` + rc.url + `", "extra": {"kept": [1, 2]}}`
	status, got := call(t, http.MethodPost, ts.url+"/process_item/yake_keywords__Model", body)
	if status != http.StatusOK {
		t.Fatalf("POST /process_item = %d %s; want 200", status, got)
	}
	jsonEqual(t, "push response", got, `{"message":"Message pushed successfully","queue":"yake_keywords__Model",
		"body":{"id":7,"text":"timpani","callback_url":"`+rc.url+`","extra":{"kept":[1,2]}}}`)

	c := rc.next(t)
	jsonEqual(t, "callback", c.body, `{"body":{"id":7,"content_hash":null,"callback_url":"`+rc.url+`","url":null,
		"text":"timpani","raw":{},"parameters":{},"result":{"keywords":[["timpani",0.04491197687864554]]}},
		"model_name":"yake_keywords.Model","retry_count":0}`)
}

func TestProcessItemErrors(t *testing.T) {
	ts := startServer(t, Options{MaxBodyBytes: 1000}, false)
	const cb = "http://127.0.0.1:1/cb"
	tests := []struct {
		name, path, body string
		want             int
		detail           string // prefix of {"detail": ...}; "" when the body is not checked
	}{
		{"unknown model", "/process_item/nosuch__Model", `{"id":1}`, 404, `unknown model "nosuch__Model"`},
		{"no __Model suffix", "/process_item/yake_keywords", `{"id":1}`, 404, `unknown model "yake_keywords"`},
		{"dotted name", "/process_item/yake_keywords.Model", `{"id":1}`, 404, `unknown model`},
		{"malformed JSON", "/process_item/yake_keywords__Model", `{"id":1,`, 400, "malformed JSON"},
		{"trailing garbage", "/process_item/yake_keywords__Model", `{"id":1} x`, 400, "malformed JSON"},
		{"empty body", "/process_item/yake_keywords__Model", ``, 400, "malformed JSON"},
		{"not an object", "/process_item/yake_keywords__Model", `[1,2]`, 422, "body must be a JSON object"},
		{"missing id", "/process_item/yake_keywords__Model", `{"text":"x"}`, 422, "id is required"},
		{"null id", "/process_item/yake_keywords__Model", `{"id":null}`, 422, "id is required"},
		{"bool id", "/process_item/yake_keywords__Model", `{"id":true}`, 422, "id must be a string or a number"},
		{"object id", "/process_item/yake_keywords__Model", `{"id":{}}`, 422, "id must be a string or a number"},
		{"text not a string", "/process_item/yake_keywords__Model", `{"id":1,"text":5}`, 422, "text must be a string, not JSON number"},
		{"raw not an object", "/process_item/yake_keywords__Model", `{"id":1,"raw":[1]}`, 422, "raw must be an object"},
		{"parameters not an object", "/process_item/yake_keywords__Model", `{"id":1,"parameters":"x"}`, 422, "parameters must be an object"},
		{"relative callback", "/process_item/yake_keywords__Model", `{"id":1,"callback_url":"/cb"}`, 422, "callback_url must be"},
		{"ftp callback", "/process_item/yake_keywords__Model", `{"id":1,"callback_url":"ftp://x/cb"}`, 422, "callback_url must be"},
		{"oversized body", "/process_item/yake_keywords__Model", `{"id":1,"text":"` + strings.Repeat("a", 1000) + `"}`, 413, "body larger than 1000 bytes"},
		{"string id", "/process_item/yake_keywords__Model", `{"id":"timpani_1","callback_url":"` + cb + `"}`, 200, ""},
		{"float id", "/process_item/hashed_ngrams__Model", `{"id":-1.5e3}`, 200, ""},
		{"null raw and parameters", "/process_item/fasttext__Model", `{"id":1,"raw":null,"parameters":null}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, http.MethodPost, ts.url+tt.path, tt.body)
			if status != tt.want {
				t.Fatalf("POST %s %s = %d %s; want %d", tt.path, tt.body, status, body, tt.want)
			}
			if tt.detail == "" {
				return
			}
			var e struct{ Detail string }
			if err := json.Unmarshal(body, &e); err != nil || !strings.HasPrefix(e.Detail, tt.detail) {
				t.Errorf("POST %s %s = %s; want detail starting %q", tt.path, tt.body, body, tt.detail)
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		if status, _ := call(t, http.MethodGet, ts.url+"/process_item/yake_keywords__Model", ""); status != http.StatusMethodNotAllowed {
			t.Errorf("GET /process_item = %d; want 405", status)
		}
	})
}

// TestYakeCallback checks the callback of the reference's vectors 1 and 2:
// keywords and scores bit for bit, and, for vector 2, the whole message
// against the Timpani fixture's shape (golden file).
func TestYakeCallback(t *testing.T) {
	ts := startServer(t, Options{UserAgent: "timpani-test/1"}, false)
	rc := newReceiver(t, nil)
	tests := []struct {
		name, text string
		want       [][2]any
		golden     string
	}{
		{"vector 1", vector1Text, [][2]any{{"love Meedan", 0.0013670273525686505}}, ""},
		{"vector 2", vector2Text, [][2]any{
			{"presto wrapper", 0.0020211625251083634},
			{"model access", 0.0020211625251083634},
			{"test", 0.04491197687864554},
			{"wrapper for model", 0.04702391380834952},
		}, "yake_vector2.callback.golden.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := call(t, http.MethodPost, ts.url+"/process_item/yake_keywords__Model", prestoBody("timpani_1", rc.url, tt.text))
			if status != http.StatusOK {
				t.Fatalf("POST = %d %s; want 200", status, got)
			}
			c := rc.next(t)
			if c.method != http.MethodPost || c.path != "/presto_model" {
				t.Errorf("callback = %s %s; want POST /presto_model", c.method, c.path)
			}
			if ct, ua := c.header.Get("Content-Type"), c.header.Get("User-Agent"); ct != "application/json" || ua != "timpani-test/1" {
				t.Errorf("callback headers Content-Type %q User-Agent %q; want application/json, timpani-test/1", ct, ua)
			}
			var msg struct {
				Body struct {
					Result struct{ Keywords [][2]any }
				}
				ModelName  string `json:"model_name"`
				RetryCount int    `json:"retry_count"`
			}
			if err := json.Unmarshal(c.body, &msg); err != nil {
				t.Fatal(err)
			}
			if msg.ModelName != "yake_keywords.Model" || msg.RetryCount != 0 {
				t.Errorf("model_name %q retry_count %d; want yake_keywords.Model 0", msg.ModelName, msg.RetryCount)
			}
			if !slices.Equal(msg.Body.Result.Keywords, tt.want) {
				t.Errorf("keywords = %v; want %v", msg.Body.Result.Keywords, tt.want)
			}
			if tt.golden != "" {
				golden(t, tt.golden, fixURL(c.body, rc.url))
			}
		})
	}
}

// TestModelResults checks body.result of every model kind.
func TestModelResults(t *testing.T) {
	langs := detector(func(s string) (string, float64) {
		switch {
		case strings.Contains(s, "哈里斯"):
			return "zh-Hans", 0.987654321
		case strings.Contains(s, "bonjour"):
			return "fr", 0.99995
		case strings.Contains(s, "???"):
			return "", 0.1
		}
		return "en", 0.5
	})
	tests := []struct {
		name   string
		lang   LanguageDetector
		model  string
		body   string // fields added to {"id", "callback_url"}
		result string
	}{
		{"yake parameters", nil, "yake_keywords", `"text": "` + vector2Text + `", "parameters": {"num_of_keywords": 1, "max_ngram_size": 2, "unknown": true}`,
			`{"keywords": [["presto wrapper", 0.0020211625251083634]]}`},
		{"yake explicit language", nil, "yake_keywords", `"text": "` + vector1Text + `", "parameters": {"language": "en"}`,
			`{"keywords": [["love Meedan", 0.0013670273525686505]]}`},
		{"yake detected language", langs, "yake_keywords", `"text": "` + vector1Text + `"`,
			`{"keywords": [["love Meedan", 0.0013670273525686505]]}`},
		{"yake empty text", nil, "yake_keywords", `"text": ""`, `{"keywords": []}`},
		{"yake no text", nil, "yake_keywords", ``,
			`{"error": "text is required", "error_details": {"field": "text"}, "error_code": 422}`},
		{"yake bad parameter", nil, "yake_keywords", `"text": "x", "parameters": {"max_ngram_size": "3"}`,
			`{"error": "parameter max_ngram_size must be an integer", "error_details": {"parameter": "max_ngram_size", "value": "3"}, "error_code": 422}`},
		{"yake fractional parameter", nil, "yake_keywords", `"text": "x", "parameters": {"num_of_keywords": 2.5}`,
			`{"error": "parameter num_of_keywords must be an integer", "error_details": {"parameter": "num_of_keywords", "value": 2.5}, "error_code": 422}`},
		{"fasttext script", langs, "fasttext", `"text": "哈里斯同意与特朗普再进行一次美大选辩论 https://t.co/x"`,
			`{"language": "zh", "script": "Hans", "score": 0.9877}`},
		{"fasttext rounding", langs, "fasttext", `"text": "bonjour @someone"`,
			`{"language": "fr", "script": null, "score": 1.0}`},
		{"fasttext undetermined", langs, "fasttext", `"text": "???"`,
			`{"language": "und", "script": null, "score": 0.1}`},
		{"fasttext nothing left", langs, "fasttext", `"text": "https://t.co/abc @user"`,
			`{"language": "und", "script": null, "score": 0}`},
		{"fasttext no text", langs, "fasttext", ``,
			`{"error": "text is required", "error_details": {"field": "text"}, "error_code": 422}`},
		{"fasttext without detector", nil, "fasttext", `"text": "hello"`,
			`{"error": "no language detector configured", "error_details": {"model_name": "fasttext.Model",
			"reason": "this server was started without a language identifier"}, "error_code": 501}`},
		{"hashed_ngrams no text", nil, "hashed_ngrams", ``,
			`{"error": "text is required", "error_details": {"field": "text"}, "error_code": 422}`},
		{"mean_tokens offline", nil, "mean_tokens", `"text": "hello"`,
			`{"error": "model not available offline", "error_details": {"model_name": "mean_tokens.Model",
			"reason": "` + offline["mean_tokens"] + `"}, "error_code": 501}`},
		{"classycat offline", nil, "classycat", `"parameters": {"event_type": "classify"}`,
			`{"error": "model not available offline", "error_details": {"model_name": "classycat.Model",
			"reason": "needs an external LLM API"}, "error_code": 501}`},
		{"image offline", nil, "image", `"url": "http://example.com/a.png"`,
			`{"error": "model not available offline", "error_details": {"model_name": "image.Model",
			"reason": "needs PDQ image hashing, which is not built in"}, "error_code": 501}`},
	}
	servers := map[bool]*testServer{
		false: startServer(t, Options{}, false),
		true:  startServer(t, Options{Language: langs}, false),
	}
	rc := newReceiver(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := servers[tt.lang != nil]
			body := `{"id": "x", "callback_url": "` + rc.url + `"`
			if tt.body != "" {
				body += ", " + tt.body
			}
			body += "}"
			if status, got := call(t, http.MethodPost, ts.url+"/process_item/"+tt.model+"__Model", body); status != http.StatusOK {
				t.Fatalf("POST = %d %s; want 200", status, got)
			}
			c := rc.next(t)
			var msg struct {
				Body      struct{ Result json.RawMessage }
				ModelName string `json:"model_name"`
			}
			if err := json.Unmarshal(c.body, &msg); err != nil {
				t.Fatal(err)
			}
			if msg.ModelName != tt.model+".Model" {
				t.Errorf("model_name = %q; want %q", msg.ModelName, tt.model+".Model")
			}
			jsonEqual(t, "result", msg.Body.Result, tt.result)
		})
	}
}

// TestOfflineModelCallback: Presto's transformer models answer with an error
// result, never with vectors (golden file holds the whole message).
func TestOfflineModelCallback(t *testing.T) {
	ts := startServer(t, Options{}, false)
	rc := newReceiver(t, nil)
	status, got := call(t, http.MethodPost, ts.url+"/process_item/paraphrase_multilingual__Model", prestoBody("timpani_2", rc.url, vector2Text))
	if status != http.StatusOK {
		t.Fatalf("POST = %d %s; want 200", status, got)
	}
	golden(t, "paraphrase_multilingual.callback.golden.json", fixURL(rc.next(t).body, rc.url))
}

func TestHashedNgramsCallback(t *testing.T) {
	ts := startServer(t, Options{}, false)
	rc := newReceiver(t, nil)
	const text = "RT @someone: Vaccines are safe https://t.co/xyz"
	call(t, http.MethodPost, ts.url+"/process_item/hashed_ngrams__Model", prestoBody("timpani_3", rc.url, text))
	var msg struct {
		Body      struct{ Result []float32 }
		ModelName string `json:"model_name"`
	}
	if err := json.Unmarshal(rc.next(t).body, &msg); err != nil {
		t.Fatal(err)
	}
	if want := lexembed.Embed(text); !slices.Equal(msg.Body.Result, want) {
		t.Errorf("result = %d floats, not lexembed.Embed(%q) (%d floats)", len(msg.Body.Result), text, len(want))
	}
	if msg.ModelName != "hashed_ngrams.Model" {
		t.Errorf("model_name = %q; want hashed_ngrams.Model", msg.ModelName)
	}
}

// TestCallbackDelivery covers retries: which answers are retried, how often,
// and that every attempt carries the same bytes.
func TestCallbackDelivery(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int // answer per attempt; 0 = hang until the attempt times out
		retries  int
		attempts int
		logMsg   string
	}{
		{"ok", []int{200}, 2, 1, "callback delivered"},
		{"204 is success", []int{204}, 2, 1, "callback delivered"},
		{"500 then 200", []int{500, 200}, 2, 2, "callback delivered"},
		{"429 then 503 then 200", []int{429, 503, 200}, 2, 3, "callback delivered"},
		{"timeout then 200", []int{0, 200}, 2, 2, "callback delivered"},
		{"always 502", []int{502, 502, 502}, 2, 3, "callback failed"},
		{"no retries", []int{500}, -1, 1, "callback failed"},
		{"400 is not retried", []int{400}, 2, 1, "callback failed"},
		{"404 is not retried", []int{404}, 2, 1, "callback failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if tt.statuses[n-1] == 0 {
					<-r.Context().Done() // the client gives up after CallbackTimeout
					return
				}
				w.WriteHeader(tt.statuses[n-1])
			})
			ts := startServer(t, Options{
				CallbackRetries: tt.retries,
				CallbackBackoff: time.Millisecond,
				CallbackTimeout: 200 * time.Millisecond,
			}, false)
			call(t, http.MethodPost, ts.url+"/process_item/yake_keywords__Model", prestoBody("timpani_9", rc.url, vector1Text))
			rec := ts.logs.wait(t, tt.logMsg)
			if got := attr(rec, "attempts").Int64(); got != int64(tt.attempts) {
				t.Errorf("%q attempts = %d; want %d", tt.logMsg, got, tt.attempts)
			}
			first := rc.next(t)
			for i := 2; i <= tt.attempts; i++ {
				if c := rc.next(t); string(c.body) != string(first.body) {
					t.Errorf("attempt %d body differs from the first:\n%s\n%s", i, c.body, first.body)
				}
			}
			ts.stop()
			if len(rc.calls) != 0 {
				t.Errorf("receiver got %d calls more than the %d wanted", len(rc.calls), tt.attempts)
			}
		})
	}
}

// TestCallbackReceiverDown: nothing listens, so every attempt fails to connect;
// the worker gives up after the bounded retries and logs it as an error.
func TestCallbackReceiverDown(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	down := gone.URL + "/presto_model"
	gone.Close() // its port now refuses connections

	ts := startServer(t, Options{CallbackRetries: 2, CallbackBackoff: time.Millisecond}, false)
	status, body := call(t, http.MethodPost, ts.url+"/process_item/yake_keywords__Model", prestoBody("timpani_4", down, vector1Text))
	if status != http.StatusOK {
		t.Fatalf("POST = %d %s; want 200", status, body)
	}
	rec := ts.logs.wait(t, "callback failed")
	if got := attr(rec, "attempts").Int64(); got != 3 {
		t.Errorf("attempts = %d; want 3", got)
	}
	if rec.Level != slog.LevelError {
		t.Errorf("level = %v; want ERROR", rec.Level)
	}
	if got := attr(rec, "url").String(); got != down {
		t.Errorf("url = %q; want %q", got, down)
	}
}
