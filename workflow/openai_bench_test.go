package workflow

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// instantEmbeddings is an OpenAI-compatible embeddings server that costs
// next to nothing: every text gets the same precomputed vector, as long as
// the built-in embedder's, so what is measured is timpani's side of the
// calls.
func instantEmbeddings(tb testing.TB) *httptest.Server {
	vec := make([]float64, lexembed.Dim)
	for i := range vec {
		vec[i] = float64(i%7) - 3.25
	}
	vecJSON, err := json.Marshal(vec)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var buf bytes.Buffer
		buf.Grow(len(in.Input) * (len(vecJSON) + 48))
		buf.WriteString(`{"object":"list","data":[`)
		for i := range in.Input {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`{"object":"embedding","index":`)
			buf.WriteString(strconv.Itoa(i))
			buf.WriteString(`,"embedding":`)
			buf.Write(vecJSON)
			buf.WriteByte('}')
		}
		buf.WriteString(`],"model":"bench","usage":{"prompt_tokens":0,"total_tokens":0}}`)
		w.Header().Set("Content-Type", "application/json")
		w.Write(buf.Bytes())
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkRemoteEmbed runs 20k items through a one-step workflow, embed,
// with the real engine on a durable database: on an OpenAI-compatible
// service that answers at once (remote), and built in (builtin) for
// comparison. The remote figure is the ceiling the client and engine put
// on any real embeddings server.
func BenchmarkRemoteEmbed(b *testing.B) {
	const items = 20_000
	srv := instantEmbeddings(b)
	services := []ServiceConfig{{Name: "oa", Kind: "openai", URL: srv.URL + "/v1", Model: "bench"}}
	for _, service := range []string{"remote", "builtin"} {
		step := Step{State: "vectorized", Action: "embed"}
		if service == "remote" {
			step.Service = "oa"
		}
		def := Definition{Name: "w", Steps: []Step{step}}
		b.Run(service, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := mustDB(b)
				seedItems(b, db, "ws", "w", items)
				r, err := NewRunner(db, map[string]Definition{"w": def}, Actions(ActionOptions{DB: db, Services: services}), Options{Workers: 2})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				p, err := r.RunUntilIdle(b.Context(), "ws", "w")
				if err != nil {
					b.Fatal(err)
				}
				if p.Completed != items {
					b.Fatalf("progress %+v; want %d completed", p, items)
				}
				b.ReportMetric(float64(p.Completed)/time.Since(start).Seconds(), "items/s")
			}
		})
	}
}
