package webui_test

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/search/searchbench"
	"github.com/newsflow/newsflow/internal/webui"
)

var (
	benchDocs  = flag.Int("bench-docs", 100_000, "documents in the index BenchmarkPages reads")
	benchIndex = flag.String("bench-index", "", "keep BenchmarkPages' index in this folder and reuse it when it exists (building 100,000 documents takes minutes)")
)

// BenchmarkPages measures each page as a browser asks for it (gzip), from
// request to last byte, on searchbench's index of -bench-docs documents,
// with the CPU time of the process (server and client) per page as
// cpu-ms/op, after a first search that reads what searches keep of the
// index (its time is logged); `make bench` runs it (benchrun's webui section):
//
//	go test -run '^$' -bench BenchmarkPages -benchtime 20x ./internal/webui -bench-index /tmp/nf-webui-bench
func BenchmarkPages(b *testing.B) {
	ix := searchbench.Open(b, *benchIndex, *benchDocs)
	ui, err := webui.New(webui.Options{Index: ix, Log: zap.NewNop(), Pipeline: &fixedPipeline{
		readings: [][]pipeline.Lag{{{Stage: "ingest"}, {Stage: "dedupe"}, {Stage: "enrich"}, {Stage: "indexer"}}}}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	defer srv.Close()
	defer ui.Stop()
	// The first search reads the columns of every segment (see
	// internal/search/columns.go), once per index: reported apart.
	started := time.Now()
	if res, err := http.Get(srv.URL + "/"); err != nil {
		b.Fatal(err)
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	b.Logf("first search page after opening the index: %v", time.Since(started).Round(time.Millisecond))
	for _, p := range []struct{ name, path string }{
		{"search/everything", "/"},
		{"search/one word", "/?q=election"},
		{"search/two words and a place", "/?q=oil+prices&place=Moscow"},
		{"search/dates", "/?since=2025-03-01&until=2025-03-31"},
		{"article", "/articles/doc-000042"},
		{"map/everything", "/map"},
		{"map/one word", "/map?q=election"},
		{"pipeline", "/pipeline"},
	} {
		b.Run(p.name, func(b *testing.B) {
			cpu := searchbench.CPUTime(b)
			for b.Loop() {
				req, _ := http.NewRequest("GET", srv.URL+p.path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("GET %s: %s", p.path, res.Status)
				}
			}
			b.ReportMetric(float64(searchbench.CPUTime(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
