package stages

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/bench/corpus"
	"github.com/newsflow/newsflow/pkg/schema"
)

// synthetic returns n made-up articles, the last one a near copy of the
// first, so that dedupe has something to find.
func synthetic(n int) []*schema.RawArticle {
	var raws []*schema.RawArticle
	for i := range n - 1 {
		var b strings.Builder
		fmt.Fprintf(&b, "Council %d approves new harbour plan\n\n", i)
		for p := range 4 {
			fmt.Fprintf(&b, "Officials in Portsmouth said on Tuesday that plan number %d, paragraph %d, would widen the quay "+
				"and add %d berths for ferries sailing to France, after a vote of the council's planning committee.\n\n", i, p, i+p)
		}
		raws = append(raws, &schema.RawArticle{Source: "Example News", Text: b.String()})
	}
	cp := *raws[0]
	cp.Text = "Syndicated copy - " + cp.Text + "\nShare this story"
	return append(raws, &cp)
}

func page(i int) corpus.Page {
	html := fmt.Sprintf(`<!doctype html><html><head><title>Harbour plan %d</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour plan %d approved</h1>
<p>Officials in Portsmouth said on Tuesday that the plan would widen the quay and add berths for ferries.</p>
<p>The council's planning committee voted in favour after a long debate about traffic and noise near the port.</p>
<p>Work is expected to start next spring and to last about two years, the council said in a statement.</p>
</article><footer>Copyright Example News</footer></body></html>`, i, i)
	return corpus.Page{ID: fmt.Sprint(i), URL: fmt.Sprintf("https://news.example.com/harbour-%d", i), HTML: []byte(html)}
}

// Every harness runs end to end on tiny input and measures every item.
// No timing is asserted: the machine is shared.
func TestRunMeasuresEveryStage(t *testing.T) {
	raws := synthetic(12)
	pages := []corpus.Page{page(1), page(2), page(3)}
	res, err := Run(context.Background(), Options{Articles: raws, Pages: pages, PeerArticles: 4, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		stage string
		peer  bool
	}
	got := map[key]int{}
	for _, r := range res {
		got[key{r.Stage, r.Peer}]++
		if r.Items == 0 || r.Wall <= 0 || r.P99 < r.P50 {
			t.Errorf("%s/%s: %d items, wall %v, p50 %v, p99 %v", r.Stage, r.Name, r.Items, r.Wall, r.P50, r.P99)
		}
		if r.Errors != 0 {
			t.Errorf("%s/%s: %d errors, first %s", r.Stage, r.Name, r.Errors, r.FirstError)
		}
		if r.Bytes <= 0 {
			t.Errorf("%s/%s: no input bytes counted", r.Stage, r.Name)
		}
		if r.Stage == Enrich && r.Tokens <= 0 {
			t.Errorf("%s/%s: no tokens counted", r.Stage, r.Name)
		}
	}
	want := map[key]int{
		{Ingest, false}:  4, // clean.Clean, Ingester.Process text, extract.Extract, Ingester.Process html
		{Ingest, true}:   1, // go-readability
		{Dedupe, false}:  1,
		{Enrich, false}:  1,
		{Enrich, true}:   1, // prose
		{Stories, false}: 1,
		{Indexer, false}: 3, // ES double, Bleve at 16 and 256 at once
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d results for %v; want %d (all: %v)", got[k], k, n, got)
		}
	}
	for _, r := range res {
		switch {
		case r.Stage == Ingest && strings.HasPrefix(r.Name, "text"):
			if r.Items != len(raws) {
				t.Errorf("%s measured %d items; want %d", r.Name, r.Items, len(raws))
			}
		case r.Stage == Enrich && r.Peer:
			if r.Items != 4 {
				t.Errorf("%s measured %d items; want PeerArticles = 4", r.Name, r.Items)
			}
		}
	}
}

func TestRunSkips(t *testing.T) {
	res, err := Run(context.Background(), Options{Articles: synthetic(4),
		Skip: map[string]bool{"prose": true, "es": true, "bleve": true}, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Peer || r.Stage == Indexer {
			t.Errorf("%s/%s measured; want it skipped", r.Stage, r.Name)
		}
	}
}
