package relay

import (
	"context"
	"testing"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Each variant carries every preloaded article through all four hops.
func TestVariantsRelayEveryArticle(t *testing.T) {
	s := Setup{Articles: 300, Concurrency: 4, Batch: 32, Payload: Payload(5000)}
	for _, name := range []string{"raw", "runtime", "watermill"} {
		t.Run(name, func(t *testing.T) {
			r, err := Run(context.Background(), name, s)
			if err != nil {
				t.Fatal(err)
			}
			if r.Articles != s.Articles || r.Elapsed <= 0 {
				t.Errorf("result = %+v; want %d articles in a positive time", r, s.Articles)
			}
		})
	}
}

func TestPayloadIsAValidDocument(t *testing.T) {
	p := Payload(5000)(7)
	if len(p) < 5000 || len(p) > 6000 {
		t.Errorf("payload is %d bytes; want about 5 KB", len(p))
	}
	d, err := schema.DecodeDocument(p)
	if err != nil {
		t.Fatal(err)
	}
	if other, _ := schema.DecodeDocument(Payload(5000)(8)); other == nil || other.ID == d.ID {
		t.Error("two articles share an id: the runtime would drop one as a duplicate publish")
	}
}
