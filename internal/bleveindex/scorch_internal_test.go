package bleveindex

import (
	"encoding/json"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// planSegment is a persisted segment of docs documents, as the merge
// planner sees it.
type planSegment struct{ id, docs uint64 }

func (s planSegment) Id() uint64      { return s.id }
func (s planSegment) FullSize() int64 { return int64(s.docs) }
func (s planSegment) LiveSize() int64 { return int64(s.docs) }
func (s planSegment) HasVector() bool { return false }
func (s planSegment) FileSize() int64 { return int64(s.docs) * 7 << 10 }

// TestMergesReadAtMostTenThousandDocuments: late in a run of about
// 100,000 articles (twenty segments of 4,500 documents, five batches
// after them), the merge plan of this package's scorch configuration
// merges the batches and takes no task of more than 10,000 documents. A
// merge reads its segments whole through memory maps, so what it reads at
// once is resident memory; with the configuration before session 10 the
// plan folded ten of the large segments into one of 45,000 documents
// (about 300 MB read at once).
func TestMergesReadAtMostTenThousandDocuments(t *testing.T) {
	opts := mergeplan.DefaultMergePlanOptions
	raw, err := json.Marshal(scorchConfig(nil)["scorchMergePlanOptions"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &opts); err != nil {
		t.Fatal(err)
	}
	var segs []mergeplan.Segment
	for i := range 20 {
		segs = append(segs, planSegment{uint64(i), 4500})
	}
	for i := range 5 {
		segs = append(segs, planSegment{uint64(100 + i), 256})
	}
	plan, err := mergeplan.Plan(segs, &opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan == nil || len(plan.Tasks) == 0 {
		t.Fatal("no merge planned for 25 segments; the batches should still be merged")
	}
	for _, task := range plan.Tasks {
		var docs int64
		for _, s := range task.Segments {
			docs += s.LiveSize()
		}
		if docs > 10_000 {
			t.Errorf("a merge of %d segments, %d documents: want at most 10,000 read at once", len(task.Segments), docs)
		}
	}
}
