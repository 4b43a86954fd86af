package resolve

import (
	"testing"

	"github.com/newsflow/newsflow/services/enrich/ner"
)

// TestLinkSpansAcronymOfDefinition checks that a given span that the
// article's acronym definition replaces keeps the definition's id.
func TestLinkSpansAcronymOfDefinition(t *testing.T) {
	r := resolver(t)
	d := NewDoc("", "Faik Nerweyi of the Kurdistan Democratic Party (KDP) spoke from Ankara. KDP fighters withdrew from Iraq.", 0, true)
	sents := ner.Sentences(d.Text)
	tags := tag(d.Text, sents, []span{{"ORG", "Kurdistan Democratic Party"}, {"ORG", "KDP"}, {"LOC", "Ankara"}, {"LOC", "Iraq"}})
	var spans [][2]int
	for _, w := range []string{"Kurdistan Democratic Party", "KDP"} {
		for k := 0; k+len(w) <= len(d.Text); k++ {
			if d.Text[k:k+len(w)] == w {
				spans = append(spans, [2]int{k, k + len(w)})
			}
		}
	}
	ids := r.LinkSpans(d, sents, tags, spans)
	for i, sp := range spans {
		if ids[i] != "Q781221" {
			t.Errorf("%q at %d: id %q, want Q781221 (all %v)", d.Text[sp[0]:sp[1]], sp[0], ids[i], ids)
		}
	}
}
