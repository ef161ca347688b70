package modelserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkYakeRoundTrip measures Presto round trips through real HTTP on
// loopback: POST /process_item/yake_keywords__Model from parallel clients,
// YAKE on a worker, and the callback POST to a receiver. items/s counts
// completed callbacks.
//
//	go test ./workflow/modelserver/ -run XXX -bench RoundTrip -benchtime 3s
func BenchmarkYakeRoundTrip(b *testing.B) {
	texts := []string{
		vector2Text,
		"Google is acquiring data science community Kaggle. Sources tell us that Google is acquiring Kaggle, a platform that hosts data science and machine learning competitions.",
		"The Prime Minister of India announced new farm laws. Farmers protest the farm laws in Delhi.",
		"RT @someone: Vaccines cause autism, a new study claims https://t.co/abc #health",
	}
	var got atomic.Int64
	all := make(chan struct{}) // closed by the b.N-th callback
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if got.Add(1) == int64(b.N) {
			close(all)
		}
	}))
	b.Cleanup(recv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	// Not startServer: its per-job debug logging would be most of the cost.
	s := New(Options{Client: client, QueueSize: 4096})
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-stopped })
	url := srv.URL + "/process_item/yake_keywords__Model"

	var n atomic.Int64
	b.SetParallelism(4) // clients per GOMAXPROCS, to keep the workers busy
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := prestoBody(fmt.Sprint(i), recv.URL, texts[i%int64(len(texts))])
			for {
				resp, err := client.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusServiceUnavailable {
					break
				}
				runtime.Gosched() // queue full: let the workers catch up
			}
		}
	})
	<-all
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "items/s")
}
