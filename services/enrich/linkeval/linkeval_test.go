package linkeval

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
	"github.com/newsflow/newsflow/services/enrich/ner"
)

func TestParseChecksSpans(t *testing.T) {
	bad := `{"id": 1, "text": "Paris is big.", "mentions": [{"start": 0, "end": 4, "surface": "Lyon", "qid": "Q90", "type": "Q27096213"}]}`
	if _, err := Parse(strings.NewReader(bad)); !errors.Is(err, ErrBadData) {
		t.Errorf("surface that is not the span: err = %v, want ErrBadData", err)
	}
	if _, err := Parse(strings.NewReader("{not json")); !errors.Is(err, ErrBadData) {
		t.Errorf("bad JSON: err = %v, want ErrBadData", err)
	}
}

func TestEvaluate(t *testing.T) {
	f, err := os.Open("testdata/small.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	docs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	tagger, err := ner.Load()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gazetteer.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), docs, tagger, g)
	if err != nil {
		t.Fatal(err)
	}
	// Gold with a QID: Microsoft, London, Iraqi (the NIL and the
	// unmapped mention are left out), and a person the knowledge base
	// does not have.
	if res.All.Gold != 4 || res.All.InKB != 3 {
		t.Errorf("gold %d, in KB %d; want 4, 3", res.All.Gold, res.All.InKB)
	}
	// Given the spans, the three known ones link ("Iraqi" to its
	// country).
	if res.All.CorrectKB != 3 || res.All.InKBAccuracy() != 1 {
		t.Errorf("in-KB correct %d (%.3f), want 3 (1.0); wrong: %v", res.All.CorrectKB, res.All.InKBAccuracy(), res.Wrong)
	}
	if got := res.ByType["place"].Gold; got != 2 {
		t.Errorf("place gold %d, want 2", got)
	}
	// End to end, enrich finds Microsoft and London with their QIDs but
	// not the nationality word.
	if res.All.TP != 2 {
		t.Errorf("end-to-end TP %d, want 2", res.All.TP)
	}
	var buf bytes.Buffer
	Report(&buf, res)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "inkb_accuracy=1.000 accuracy=0.750 coverage=0.750 f1=") {
		t.Errorf("last line %q", last)
	}
}
