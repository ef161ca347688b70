package yake

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
)

// covidReplies is the shared dataset of English tweet replies (../../../shared/datasets,
// beside the checkout; never copied into the repository).
const covidReplies = "../../../shared/datasets/covid_rumor_replies.jsonl.gz"

// loadTexts reads up to limit "text" fields from a gzipped JSON Lines file, skipping the
// benchmark when the file is absent.
func loadTexts(b *testing.B, path string, limit int) []string {
	b.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		b.Skipf("%s not found; the benchmark needs the shared datasets", path)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	var texts []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && len(texts) < limit {
		var row struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			b.Fatalf("%s: %v", path, err)
		}
		texts = append(texts, row.Text)
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	return texts
}

// BenchmarkExtractPresto runs Presto's pipeline with Presto's defaults over real tweet
// replies and reports items/s on one goroutine.
func BenchmarkExtractPresto(b *testing.B) {
	texts := loadTexts(b, covidReplies, 5000)
	opt := Defaults()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ExtractPresto(texts[i%len(texts)], "en", opt)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkExtractPrestoParallel is the same on every core (GOMAXPROCS goroutines).
func BenchmarkExtractPrestoParallel(b *testing.B) {
	texts := loadTexts(b, covidReplies, 5000)
	opt := Defaults()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ExtractPresto(texts[i%len(texts)], "en", opt)
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkExtractLongText is the 2,300-character Kaggle article with the library options.
func BenchmarkExtractLongText(b *testing.B) {
	text := readTestdata(b, "kaggle_n3.txt")
	opt := libOptions(3)
	b.ReportAllocs()
	for b.Loop() {
		Extract(text, "en", opt)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
