package pipeline

import (
	"fmt"
	"testing"

	"github.com/newsflow/newsflow/services/stories/cluster"
)

// The stories stage's document-frequency table stays within 2^20 slots
// under newsflow run however many distinct terms a stream brings: 4,000
// articles of 300 new terms each (1.2 million) never leave it holding
// more than the 917,504 terms 2^20 slots take before they double. With
// the service's bound (2,097,152) it would hold all 1.2 million.
func TestEmbeddedTermsStayInOneTableSize(t *testing.T) {
	const slots = 1 << 20
	s, err := cluster.NewState(DefaultOptions(t.TempDir()).Stories.Params, nil)
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	next := uint64(1)
	for i := range 4000 {
		a := &cluster.Article{ID: fmt.Sprintf("a%d", i), Time: int64(i) * 60_000}
		for range 300 {
			a.Bodies = append(a.Bodies, cluster.TermCount{Term: next * 0x9E3779B97F4A7C15, Count: 1})
			next++
		}
		if _, err := s.Apply(uint64(i+1), s.Decide(a)); err != nil {
			t.Fatal(err)
		}
		_, _, _, terms := s.Size()
		most = max(most, terms)
	}
	if most > slots*7/8 {
		t.Fatalf("the table held up to %d terms, more than the %d its 2^20 slots take", most, slots*7/8)
	}
	t.Logf("at most %d terms", most)
}
