package stage_test

import (
	"context"
	"testing"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// A process that starts its stages in any order (newsflow run starts them
// all at once) lists them, and so drains them at shutdown, in pipeline
// order; stages of other subjects follow in start order.
func TestConsumersAreInPipelineOrderWhateverTheStartOrder(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	ctx := context.Background()
	keep := func(context.Context, *schema.Document) (*schema.Document, error) { return nil, nil }
	starts := []stage.Stage[*schema.Document, *schema.Document]{
		passthrough("other", "other.input", "", keep),
		passthrough(stage.NameIndex, stage.SubjectStoried, "", keep),
		passthrough(stage.NameEnrich, stage.SubjectDeduped, stage.SubjectEnriched, keep),
		passthrough("another", "another.input", "", keep),
		passthrough(stage.NameIngest, stage.SubjectRaw, stage.SubjectCleaned, keep),
		passthrough(stage.NameStories, stage.SubjectEnriched, stage.SubjectStoried, keep),
		passthrough(stage.NameDedupe, stage.SubjectCleaned, stage.SubjectDeduped, keep),
	}
	for _, st := range starts {
		if _, err := stage.Start(ctx, rt, st); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, c := range rt.Consumers() {
		got = append(got, c.Name())
	}
	want := []string{stage.NameIngest, stage.NameDedupe, stage.NameEnrich, stage.NameStories, stage.NameIndex, "other", "another"}
	if len(got) != len(want) {
		t.Fatalf("consumers = %q; want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("consumers = %q; want %q", got, want)
		}
	}
}
