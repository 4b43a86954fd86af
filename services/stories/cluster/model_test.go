package cluster

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// TestBigStoryAsksForACloserReport: a report is scored against a story
// of one article and against a story of 30 articles with the same
// centroid direction, so the cosines are equal: the big story must give
// the lower probability (the size-aware join: a grown story's centroid is
// a consensus, and it must not swallow its neighbours).
func TestBigStoryAsksForACloserReport(t *testing.T) {
	s := newState(t)
	q := quake[0]
	v0 := s.vectorize(FromDocument(doc("q0", q.source, q.title, q.body, t0)))
	storyOf := func(n int) *story {
		st := &story{first: t0.UnixMilli(), last: t0.UnixMilli()}
		for range n {
			st.titles.add(v0.title, s.p.MaxCentroidTerms)
			st.bodies.add(v0.body, s.p.MaxCentroidTerms)
			st.originals++
			st.dated++
		}
		return st
	}
	r := quake[1]
	a := FromDocument(doc("r", r.source, r.title, r.body, t0))
	v := s.vectorize(a)
	fs, fb := s.articleFeatures(v, a, storyOf(1)), s.articleFeatures(v, a, storyOf(30))
	if math.Abs(fs.body-fb.body) > 1e-9 || math.Abs(fs.title-fb.title) > 1e-9 {
		t.Fatalf("fixture: cosines differ (small %+v, big %+v)", fs, fb)
	}
	if ps, pb := s.p.Model.prob(fs), s.p.Model.prob(fb); pb >= ps {
		t.Errorf("p(join the 30-article story) %.3f >= p(join the one-article story) %.3f at equal cosines", pb, ps)
	}
}

func TestDefaultModelFadesWithTimeAndRisesWithSimilarity(t *testing.T) {
	m := DefaultParams().Model
	f := features{title: 0.3, body: 0.3, time: 1, invSize: 1}
	late := f
	late.time = math.Exp(-4)
	if m.prob(late) >= m.prob(f) {
		t.Errorf("p(join a story 4 time scales away) %.3f >= p(join a current one) %.3f", m.prob(late), m.prob(f))
	}
	for name, field := range map[string]func(*features){
		"title": func(f *features) { f.title += 0.2 },
		"body":  func(f *features) { f.body += 0.2 },
	} {
		more := f
		field(&more)
		if m.prob(more) <= m.prob(f) {
			t.Errorf("a closer %s lowers the probability: %.3f <= %.3f", name, m.prob(more), m.prob(f))
		}
	}
}

func TestValidateRejectsUnusableModels(t *testing.T) {
	for name, mod := range map[string]func(*Params){
		"NaN weight":          func(p *Params) { p.Model.Body = math.NaN() },
		"no similarity":       func(p *Params) { p.Model = Model{Time: 1, Bias: -1} },
		"threshold 1":         func(p *Params) { p.Threshold = 1 },
		"merge threshold 1.5": func(p *Params) { p.MergeThreshold = 1.5 },
	} {
		p := DefaultParams()
		mod(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), ErrParams.Error()) {
			t.Errorf("%s: Validate() = %v, want ErrParams", name, err)
		}
	}
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestUndatedPairsHaveNoTimeEvidence: an article without a published
// time (its time is when it was fetched) against a story of such
// articles takes the Undated feature instead of a time term that would
// claim a gap between fetches; a pair with a dated side takes the time
// term; a headline without a body is marked. The flag survives the log.
func TestUndatedPairsHaveNoTimeEvidence(t *testing.T) {
	s := newState(t)
	q := quake[0]
	dated := FromDocument(doc("d", q.source, q.title, q.body, t0))
	e := election[0] // another event, so that it opens its own story
	undatedDoc := doc("u", e.source, e.title, e.body, t0)
	undatedDoc.PublishedAt = nil
	undated := FromDocument(undatedDoc)
	if dated.Undated || !undated.Undated {
		t.Fatalf("Undated: dated %v, without published_at %v; want false, true", dated.Undated, undated.Undated)
	}
	storyOf := func(a *Article) *story {
		st := s.stories[s.resolve(assign(t, s, a))]
		if st == nil {
			t.Fatalf("story of %s not active", a.ID)
		}
		return st
	}
	datedStory, undatedStory := storyOf(dated), storyOf(undated)
	r := quake[1]
	for _, tc := range []struct {
		name        string
		article     *schema.Document
		st          *story
		wantUndated bool
	}{
		{"dated article, dated story", doc("r1", r.source, r.title, r.body, t0.Add(time.Hour)), datedStory, false},
		{"dated article, undated story", doc("r2", r.source, r.title, r.body, t0.Add(time.Hour)), undatedStory, false},
		{"undated article, dated story", func() *schema.Document {
			d := doc("r3", r.source, r.title, r.body, t0.Add(time.Hour))
			d.PublishedAt = nil
			return d
		}(), datedStory, false},
		{"undated article, undated story", func() *schema.Document {
			d := doc("r4", r.source, r.title, r.body, t0.Add(time.Hour))
			d.PublishedAt = nil
			return d
		}(), undatedStory, true},
	} {
		a := FromDocument(tc.article)
		f := s.articleFeatures(s.vectorize(a), a, tc.st)
		switch {
		case tc.wantUndated && (f.undated != 1 || f.time != 0):
			t.Errorf("%s: undated %v, time %v; want 1, 0", tc.name, f.undated, f.time)
		case !tc.wantUndated && (f.undated != 0 || f.time <= 0.9):
			t.Errorf("%s: undated %v, time %v; want 0 and the fade of an hour", tc.name, f.undated, f.time)
		}
		if f.headline != 0 {
			t.Errorf("%s: headline %v for an article with a body", tc.name, f.headline)
		}
	}
	h := FromDocument(doc("h", r.source, r.title, "", t0))
	if f := s.articleFeatures(s.vectorize(h), h, datedStory); f.headline != 1 {
		t.Errorf("headline feature %v for a title without a body, want 1", f.headline)
	}
	data, err := EncodeEvent(Event{Article: undated, Story: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if back, err := DecodeEvents(data); err != nil || !back[0].Article.Undated {
		t.Errorf("the undated flag did not survive the log: %+v, %v", back, err)
	}
}
