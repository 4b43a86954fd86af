package storyeval

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

func TestScoreCountsMergesAndSplits(t *testing.T) {
	// gold: A A A B B C; predicted: one story holds A A B (a false merge),
	// A is also split off, B and C alone.
	gold := []string{"A", "A", "A", "B", "B", "C"}
	pred := []string{"x", "x", "y", "x", "z", "w"}
	s := Score(pred, gold)
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	// BCubed precision per article: x members 2/3, 2/3, 1/3; y 1; z 1; w 1.
	if want := (2.0/3 + 2.0/3 + 1 + 1.0/3 + 1 + 1) / 6; !near(s.BCubedP, want) {
		t.Errorf("BCubed P = %v, want %v", s.BCubedP, want)
	}
	// recall: A members 2/3, 2/3, 1/3; B 1/2, 1/2; C 1.
	if want := (2.0/3 + 2.0/3 + 1.0/3 + 0.5 + 0.5 + 1) / 6; !near(s.BCubedR, want) {
		t.Errorf("BCubed R = %v, want %v", s.BCubedR, want)
	}
	// pairs: predicted 3 (all in x), 1 of them true; gold 3 + 1 = 4.
	if !near(s.PairP, 1.0/3) || !near(s.PairR, 1.0/4) {
		t.Errorf("pairwise P, R = %v, %v; want 1/3, 1/4", s.PairP, s.PairR)
	}
	if s.Stories != 4 || s.Gold != 3 {
		t.Errorf("stories = %d predicted, %d gold; want 4, 3", s.Stories, s.Gold)
	}
	if s.Mixed != 1 || s.Multi != 1 || s.Largest != 3 || s.LargestGold != 2 {
		t.Errorf("mixed %d of %d, largest %d from %d gold; want 1 of 1, 3 from 2", s.Mixed, s.Multi, s.Largest, s.LargestGold)
	}
}

func TestUndatedItemsStartAtTheEarliestDate(t *testing.T) {
	d := func(s string) *string { return &s }
	items := []Item{{ID: "a"}, {ID: "b", PublishedAt: d("2014-07-13")}, {ID: "c", PublishedAt: d("2012-11-15")}, {ID: "e", PublishedAt: d("not a date")}}
	if got, want := startClock(items).Format("2006-01-02"), "2012-11-15"; got != want {
		t.Errorf("start clock %s, want the earliest date %s", got, want)
	}
	if got := startClock([]Item{{ID: "a"}}); !got.Equal(epoch) {
		t.Errorf("start clock of an undated file %s, want %s", got, epoch)
	}
}

// The eval decodes an item as the intake decodes the same line: an id
// that is an absolute http(s) URL is the document's URL (its URL days
// date it for the stage), a url field wins, and any other id gives no URL.
func TestTheEvalTakesTheURLAsTheIntakeDoes(t *testing.T) {
	ctx := context.Background()
	p, err := NewPipeline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := "Firefighters in Pisa evacuated two hundred residents overnight after the river Arno burst its banks and flooded the streets near the leaning tower, the city's mayor said on Thursday morning."
	for _, tc := range []struct {
		it   Item
		want string
	}{
		{Item{ID: "http://www.example.com/news/2014/07/13/pisa-floods"}, "http://www.example.com/news/2014/07/13/pisa-floods"},
		{Item{ID: "10_1ecb"}, ""},
		{Item{ID: "5607-center", URL: "https://example.com/2021/05/06/a"}, "https://example.com/2021/05/06/a"},
		{Item{ID: "ftp://example.com/2021/05/06/a"}, ""},
	} {
		tc.it.Title, tc.it.Text = "Arno floods Pisa", text
		doc, err := p.Document(ctx, tc.it, time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || doc == nil {
			t.Fatalf("%s: document %v, error %v", tc.it.ID, doc, err)
		}
		if doc.URL != tc.want {
			t.Errorf("%s: the stage is fed url %q, want %q", tc.it.ID, doc.URL, tc.want)
		}
		line, err := json.Marshal(tc.it)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := schema.DecodeRaw(line)
		if err != nil {
			t.Fatal(err)
		}
		if raw.URL != doc.URL {
			t.Errorf("%s: the intake reads url %q, the eval feeds %q", tc.it.ID, raw.URL, doc.URL)
		}
	}
}

// The stage sees the dates the pipeline gives it: an item without
// published_at whose text opens with a date (cleanup takes it) is fed
// with that date, as the pipeline feeds it; an item's own date wins over
// its body's. The clock is the stream's either way.
func TestTheStageSeesTheDateCleanupFindsInTheBody(t *testing.T) {
	ctx := context.Background()
	p, err := NewPipeline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)
	text := "Published: 10 March 2022\n\nFirefighters in Pisa evacuated two hundred residents overnight after the river Arno burst its banks and flooded the streets near the leaning tower, the city's mayor said on Thursday morning."
	own := "2022-03-11"
	for _, tc := range []struct {
		published *string
		want      string
	}{{nil, "2022-03-10"}, {&own, "2022-03-11"}} {
		doc, err := p.Document(ctx, Item{ID: "pisa", Title: "Arno floods Pisa", Text: text, PublishedAt: tc.published}, clock)
		if err != nil || doc == nil {
			t.Fatalf("published_at %v: document %v, error %v", tc.published, doc, err)
		}
		if doc.PublishedAt == nil || doc.PublishedAt.Format(time.DateOnly) != tc.want {
			t.Errorf("published_at %v: the stage is fed published_at %v, want %s", tc.published, doc.PublishedAt, tc.want)
		}
		if !doc.IngestedAt.Equal(clock) {
			t.Errorf("published_at %v: ingested at %v, want the stream's clock %v", tc.published, doc.IngestedAt, clock)
		}
	}
}

// With DropDates a dated set reaches the stage as an undated archive
// ingested at one moment: no article has a published time, and they
// come in the seeded order of undated items, not by date.
func TestDropDatesFeedsTheSetUndated(t *testing.T) {
	ctx := context.Background()
	text := "Firefighters in Pisa evacuated two hundred residents overnight after the river Arno burst its banks and flooded the streets near the leaning tower, the city's mayor said."
	path := filepath.Join(t.TempDir(), "set.jsonl")
	var lines []byte
	for i, day := range []string{"2014-07-13", "2012-11-15", "2014-07-14", "2013-01-02", "2012-11-16", "2014-07-15"} {
		it := Item{ID: fmt.Sprintf("a%d", i), Story: "s", Title: "Arno floods Pisa", Text: text, PublishedAt: &day}
		line, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, line...), '\n')
	}
	if err := os.WriteFile(path, lines, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := NewPipeline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dated, err := Prepare(ctx, p, path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if a := dated.Articles()[0]; a.Undated || dated.IDs[0] != "a1" {
		t.Fatalf("without DropDates the first article is %s, undated %v; want a1 (the earliest), dated", dated.IDs[0], a.Undated)
	}
	p.DropDates = true
	prep, err := Prepare(ctx, p, path, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range prep.Articles() {
		if prep.Docs[i].PublishedAt != nil || !a.Undated {
			t.Errorf("%s: published_at %v, undated %v; want none, undated", prep.IDs[i], prep.Docs[i].PublishedAt, a.Undated)
		}
	}
	read, err := Read(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range read {
		read[i].PublishedAt = nil
	}
	var want []string
	for _, it := range Order(read, 3) {
		want = append(want, it.ID)
	}
	if !slices.Equal(prep.IDs, want) || slices.Equal(prep.IDs, dated.IDs) {
		t.Errorf("order %v, want the seeded order of undated items %v, not the dates' %v", prep.IDs, want, dated.IDs)
	}
	if prep.File != "set.jsonl (dates dropped)" {
		t.Errorf("file %q, want it named as measured without dates", prep.File)
	}
}
