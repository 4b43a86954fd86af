package cluster

import (
	"math"
	"strings"
	"testing"
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
		}
		return st
	}
	r := quake[1]
	v := s.vectorize(FromDocument(doc("r", r.source, r.title, r.body, t0)))
	fs, fb := s.articleFeatures(v, t0.UnixMilli(), storyOf(1)), s.articleFeatures(v, t0.UnixMilli(), storyOf(30))
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
