package gumeval

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

func TestParse(t *testing.T) {
	f, err := os.Open("testdata/tiny.conllu")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	docs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("got %d docs, want 1", len(docs))
	}
	d := docs[0]
	if d.Title != "Kuleba visits Paris" || d.Body != "Foreign minister Dmytro Kuleba met the mayor." {
		t.Errorf("title %q body %q", d.Title, d.Body)
	}
	if len(d.Entities) != 3 {
		t.Fatalf("got %d entities, want 3", len(d.Entities))
	}
	kuleba := d.Entities[0]
	if want := []string{"Kuleba", "Foreign minister Dmytro Kuleba"}; !slices.Equal(kuleba.Mentions, want) {
		t.Errorf("mentions %q, want %q", kuleba.Mentions, want)
	}
	if !kuleba.Proper || !kuleba.Salient || kuleba.Type != "person" {
		t.Errorf("kuleba = %+v", kuleba)
	}
	if p := d.Entities[1]; p.Identity != "Paris" || p.Salient {
		t.Errorf("paris = %+v", p)
	}
	if m := d.Entities[2]; m.Proper {
		t.Errorf("the mayor is not a proper name: %+v", m)
	}
}

func TestEvaluate(t *testing.T) {
	g, err := gazetteer.Load()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open("testdata/tiny.conllu")
	defer f.Close()
	docs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	out := schema.Entities{
		Persons: []schema.Entity{{Name: "Dmytro Kuleba", ID: "local:person:dmytro-kuleba", Mentions: 2, Salience: 0.9}},
		Places: []schema.Place{
			{Entity: schema.Entity{Name: "Paris", ID: "geonames:2988507", Mentions: 1, Salience: 0.5}},
			{Entity: schema.Entity{Name: "Atlantis", ID: "local:place:atlantis", Mentions: 1, Salience: 0.1}},
		},
	}
	s := Evaluate(docs[0], out, g)
	if s.Gold != 2 || s.Found != 2 || s.Output != 3 || s.Supported != 2 {
		t.Errorf("gold/found/output/supported = %d/%d/%d/%d, want 2/2/3/2", s.Gold, s.Found, s.Output, s.Supported)
	}
	if s.KBFound != 1 || s.KBCorrect != 1 {
		t.Errorf("inKB %d/%d, want 1/1", s.KBCorrect, s.KBFound)
	}
	out.Places[0].ID = "geonames:4717560" // Paris, Texas
	if s := Evaluate(docs[0], out, g); s.KBCorrect != 0 {
		t.Errorf("wrong Paris counted as linked")
	}
}

func TestRun(t *testing.T) {
	var buf strings.Builder
	if err := Run(context.Background(), "testdata", &buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "recall=") {
		t.Errorf("last line %q, want recall=...", last)
	}
	// The tiny document's Kuleba and Paris are both found by the real enricher.
	if !strings.Contains(buf.String(), "gold=2 found=2") {
		t.Errorf("output:\n%s\nwant gold=2 found=2", buf.String())
	}
	if err := Run(context.Background(), t.TempDir(), &buf); !errors.Is(err, ErrNoDocuments) {
		t.Errorf("Run(empty dir) error = %v, want ErrNoDocuments", err)
	}
}

// TestGUMNews runs the evaluation on the real corpus when
// NEWSFLOW_GUM_DIR names it (e.g. ../shared/data/ner/gum-news); the
// corpus is not part of the repository.
func TestGUMNews(t *testing.T) {
	dir := os.Getenv("NEWSFLOW_GUM_DIR")
	if dir == "" {
		t.Skip("set NEWSFLOW_GUM_DIR to the gum-news directory to run the evaluation")
	}
	var buf strings.Builder
	if err := Run(context.Background(), dir, &buf); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
}

// TestEvaluateKnowledgeBaseName checks that an organisation the article
// names by an acronym and the enricher shows by the knowledge base's name
// is found through the gold's Wikipedia title, and that its gold id comes
// from the knowledge base.
func TestEvaluateKnowledgeBaseName(t *testing.T) {
	g, err := gazetteer.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := Doc{ID: "kb", Entities: []*Entity{{Type: "organization", Identity: "Kurdistan_Democratic_Party", Mentions: []string{"KDP 's"}, Proper: true}}}
	out := schema.Entities{Organizations: []schema.Entity{{Name: "Kurdistan Democratic Party", ID: "Q781221", Mentions: 1}}}
	s := Evaluate(d, out, g)
	if s.Found != 1 || s.KBFound != 1 || s.KBCorrect != 1 {
		t.Errorf("found %d, inKB %d/%d, want 1, 1/1", s.Found, s.KBCorrect, s.KBFound)
	}
	out.Organizations[0].ID = "local:org:kurdistan-democratic-party"
	if s := Evaluate(d, out, g); s.KBCorrect != 0 || s.NILCorrect != 0 {
		t.Errorf("a local id for a party the knowledge base has counted as right: %+v", s)
	}
}
