// Package cluster is the story clustering of newsflow: an online, single
// pass over articles in arrival order that puts each article in the most
// likely active story, or opens a new one.
//
// Model. An article is three sparse vectors: its title terms, its body
// terms (stemmed, stop words out, per language, sublinear TF times IDF,
// the body cut to its MaxBodyTerms heaviest terms) and its canonical
// entity ids weighted by salience times IDF (these find candidates). IDF blends the shipped
// background document frequencies (background.go) with the stream's own,
// so a fresh pipeline already knows that "said" is common and "Euharlee"
// rare. A story keeps the sum of its members' unit vectors per field (the
// centroid), pruned to its heaviest terms. An article and a candidate
// story give a few features (title and body cosines, a time term, the
// inverse story size; see Model), which a logistic model fitted on
// labelled streams turns into the probability that the article reports
// the story's event (after Miranda et al., EMNLP 2018). The article joins the most likely story if that
// probability is at least Threshold, else opens a story. A syndicated
// copy joins its canonical's story without changing the centroid.
//
// Candidates come from postings (term or entity -> active stories): an
// article looks up its heaviest terms and its entities, skipping
// postings longer than MaxPosting (such terms are not rare), and scores
// the stories that share the most of them.
//
// After each join, the story is compared with the other candidates close
// to the article, story to story with the same model; one that has become
// its twin (probability at least MergeThreshold) is merged: the story with
// the earlier first article keeps its id, the other records MergedInto.
//
// State changes only by Apply, in log order, so every replica that applies
// the same log holds the same state; Decide reads the state and proposes
// the Event to append. Stories quiet for longer than Horizon (by the
// stream's clock, the latest article time applied) stop taking members and
// leave memory.
package cluster

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
	"unique"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Params are the clustering's model, thresholds and limits.
type Params struct {
	// Model turns an article-story pair's features into the probability
	// that the article reports the story's event.
	Model Model
	// Threshold is the least probability that joins a story.
	Threshold float64
	// MergeThreshold is the least story-to-story probability (the same
	// model on the two stories' features) that merges twins.
	MergeThreshold float64
	// TimeScale is how fast a story fades: the time feature is
	// exp(-gap/TimeScale).
	TimeScale time.Duration
	// Horizon is how long a story may be quiet and still take members.
	Horizon time.Duration
	// BackgroundWeight scales the shipped document frequencies against
	// the stream's (1: the background corpus counts as its own size).
	BackgroundWeight float64
	// MaxBodyTerms is how many of an article's heaviest body terms it
	// keeps; MaxCentroidTerms how many a story keeps per field.
	MaxBodyTerms, MaxCentroidTerms int
	// CandidateTerms is how many of an article's heaviest terms look up
	// stories; MaxPosting the longest posting list still used;
	// MaxCandidates how many stories are scored.
	CandidateTerms, MaxPosting, MaxCandidates int
	// MaxStories bounds the active stories; the quietest leave first.
	MaxStories int
	// NumberMinIDF is the least stream IDF, ln((docs+1)/(df+1)), of a
	// number that counts in the Numbers feature: only numbers rarer
	// than one document in exp(NumberMinIDF) are evidence (a year, a
	// "10" or a "100" that many reports state is not).
	NumberMinIDF float64
	// MaxTerms bounds the stream's document-frequency table: when it is
	// full, its rarest terms are dropped (pruneDF).
	MaxTerms int
}

// Model is a logistic model over the features of an article and a
// candidate story (after Miranda et al. 2018, whose features are also
// per-field cosines, time terms and the inverse story size): the
// probability is 1/(1+exp(-(Bias + the weighted sum of the features))).
// Each feature is in [0, 1]:
//   - Title, Body: cosine of the article's title (body) vector with the
//     story's title (body) centroid. An article without a body takes its
//     title against the story's bodies for Body; one without a title
//     takes its Body cosine for Title.
//   - Time: exp(-gap/TimeScale). When the article says when it was
//     written (its published time, else the day its URL states: an
//     undated report at .../2014/07/17/... was not written in 2012) and
//     so does a member of the story, the gap is between that time (or
//     day) and the span of the members' such times and days. Otherwise it
//     is the time from the story's first to last article to the article's
//     time (published, else fetched); 0 when the pair is undated.
//   - Undated: 1 when neither the article nor any member of the story
//     has a published time, and they are not both dated by URL days;
//     else 0. Such a pair's gap is only the gap between fetches: its
//     weight stands for what the unknown gap is worth. (A pair with one
//     side dated keeps the time term on the fetch time of the other.)
//   - Outlet: for an undated pair (Undated 1) whose article's outlet
//     already reported in the story, the square of the share of the
//     story's reports that repeat an outlet, (1 - outlets/reports)² (0
//     for a story of one report: two reports of one outlet still pair;
//     outletRepeats); else 0. Its weight is negative. A pair with no
//     time evidence takes the undated weight as if written together,
//     and an archive of one outlet's undated reports (a corpus ingested
//     at one moment) grew topics, many events of one kind, into one
//     story; a story is reports of one event across outlets, so one
//     that keeps taking one outlet's undated reports asks each for
//     closer text. Dated pairs leave it to the time term.
//   - Numbers: cosine of the rare numbers the article states (decimals
//     and thousands whole, no lone digit, none inside a word; weighted
//     by their IDF in the stream, those below NumberMinIDF left out)
//     with the story's number centroid; 0 when either states none.
//     Reports of two events of one kind (two earthquakes, two
//     shootings) share words but rarely their magnitudes, tolls, ages
//     and sums.
//   - Weekdays: 1 when the article names weekdays (Weekdays: "on
//     Sunday"), so does a member of the story, and no weekday the
//     article names is one a member names; else 0. It is scaled by how
//     close in time the pair is: the time term, or 1 for an undated pair
//     (reports of one event written days apart, a trial after a
//     shooting, name other days). Reports of one event name the day it
//     happened; two events of one kind (two earthquakes, two arrests)
//     mostly happened on other days. Its weight is negative.
//   - Headline: 1 when the article has no body (a headline feed), else
//     0. A title alone says less, so the model may ask it for more.
//   - InvSize: 1/min(story size, 100). A positive weight makes the join
//     size-aware: a story of one report takes a slightly less similar
//     article than a story whose centroid is the consensus of many, whose
//     cosines run higher.
//   - Crowd: for an undated pair (Undated 1), how crowded the article's
//     topic is: ln(n/crowdFree) when n, the number of the article's
//     candidates that are undated pairs the model gives a logit of at
//     least crowdLogit without this term, exceeds crowdFree; else 0
//     (crowding). It is the same for every undated candidate of the
//     article and is not bounded by 1 (at most ln(MaxCandidates/3)).
//     Its weight is negative. A pair with no time evidence cannot tell
//     one event from another of its topic; a topic of one or two events
//     (two earthquakes) leaves few stories close to its
//     reports, a topic of many events (a year of a country's politics,
//     a section's economy reports) many, and there the article is asked
//     for closer text. Dated pairs leave it to the time term.
//
// For two stories (the merge pass) the features are the same, centroid
// against centroid, with the larger story's size; the pair is undated
// when neither story has a dated member, and its Outlet counts the
// outlets the two share once; Crowd is 0.
type Model struct {
	Title, Body, Time, InvSize, Undated, Outlet, Crowd, Headline, Numbers, Weekdays, Bias float64
}

// features are one article-story (or story-story) pair's model inputs.
type features struct {
	title, body, time, invSize, undated, outlet, crowd, headline, numbers, weekdays float64
}

// logit is the model's log-odds for features f.
func (m Model) logit(f features) float64 {
	return m.Bias + m.Title*f.title + m.Body*f.body + m.Time*f.time + m.InvSize*f.invSize + m.Undated*f.undated + m.Outlet*f.outlet + m.Crowd*f.crowd + m.Headline*f.headline + m.Numbers*f.numbers + m.Weekdays*f.weekdays
}

// prob is the model's probability for features f.
func (m Model) prob(f features) float64 {
	return 1 / (1 + math.Exp(-m.logit(f)))
}

// crowdLogit is the least logit (p 0.12) at which an undated candidate
// counts as close to the article for the Crowd feature, and crowdFree
// how many close candidates a topic may have before the article is
// asked for closer text.
const (
	crowdLogit = -2
	crowdFree  = 3
)

// crowding is the Crowd feature of an undated pair when near of the
// article's candidates are undated pairs at a logit of at least
// crowdLogit: ln(near/crowdFree), 0 up to crowdFree.
func crowding(near int) float64 {
	if near <= crowdFree {
		return 0
	}
	return math.Log(float64(near) / crowdFree)
}

// maxSize caps the story size in the InvSize feature.
const maxSize = 100

// MinHeadline is the least headline weight the fit may choose (the
// fit's floor on that coordinate): at it, with the shipped weights
// otherwise, headlines without bodies still cluster as the issue asks
// (TestHeadlinesWithEmptyBodiesCluster checks the shipped weights and
// this floor); at -2 two headlines of one event stay apart.
const MinHeadline = -1.0

// DefaultParams are the model and thresholds fitted on the development
// sets (see the service README), and the memory bounds.
func DefaultParams() Params {
	return Params{
		Model:     Model{Title: 4.1, Body: 15.4, Time: 6, InvSize: 2.5, Undated: 6, Outlet: -10, Crowd: -1.25, Headline: -1, Numbers: 3, Weekdays: -1.5, Bias: -11},
		Threshold: 0.5, MergeThreshold: 0.998525,
		TimeScale: 72 * time.Hour, Horizon: 7 * 24 * time.Hour,
		BackgroundWeight: 1,
		MaxBodyTerms:     100, MaxCentroidTerms: 300,
		CandidateTerms: 12, MaxPosting: 2000, MaxCandidates: 64,
		MaxStories: 50000, MaxTerms: 2 << 20,
		NumberMinIDF: math.Log(50),
	}
}

// ErrParams means a parameter is out of range.
var ErrParams = errors.New("invalid story clustering parameters")

// Validate checks every parameter.
func (p Params) Validate() error {
	m := p.Model
	for _, w := range []float64{m.Title, m.Body, m.Time, m.InvSize, m.Undated, m.Outlet, m.Crowd, m.Headline, m.Numbers, m.Weekdays, m.Bias, p.NumberMinIDF} {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("%w: model weight %v is not a number", ErrParams, w)
		}
	}
	switch {
	case m.Title <= 0 && m.Body <= 0:
		return fmt.Errorf("%w: the model weighs no similarity positively", ErrParams)
	case p.Threshold <= 0 || p.Threshold >= 1:
		return fmt.Errorf("%w: threshold %v must be a probability in (0, 1)", ErrParams, p.Threshold)
	case p.MergeThreshold <= 0 || p.MergeThreshold > 1:
		return fmt.Errorf("%w: merge threshold %v must be in (0, 1]", ErrParams, p.MergeThreshold)
	case p.TimeScale <= 0 || p.Horizon <= 0:
		return fmt.Errorf("%w: time scale and horizon must be > 0", ErrParams)
	case p.BackgroundWeight < 0:
		return fmt.Errorf("%w: background weight must be >= 0", ErrParams)
	case p.MaxBodyTerms < 1 || p.MaxCentroidTerms < 1 || p.CandidateTerms < 1 || p.MaxPosting < 1 || p.MaxCandidates < 1 || p.MaxStories < 1 || p.MaxTerms < 1:
		return fmt.Errorf("%w: every limit must be >= 1", ErrParams)
	}
	return nil
}

// Event is one entry of the log: an article joining a story (opening it
// when the story does not exist yet), then the merges it caused.
type Event struct {
	Article *Article `json:"article"`
	// Story is the story the article joins.
	Story string `json:"story"`
	// Merges are applied after the join, in order.
	Merges []Merge `json:"merges,omitempty"`
}

// Merge moves story From into story Into.
type Merge struct {
	From string `json:"from"`
	Into string `json:"into"`
}

// vec is a sparse unit vector, sorted by term.
type vec []weighted

type weighted struct {
	term uint64
	w    float64
}

// centroid is the sum of the member vectors of one field, sorted by
// term: 16 bytes a term, where a map took 24 (two centroids per story, of
// up to MaxBodyTerms terms for a story of one article, the most common).
type centroid struct {
	w    vec
	norm float64 // squared length
}

// dot is the centroid's dot product with v. Both are sorted by term, so
// the common terms are found in one pass: a walk of both in step when
// the centroid has fewer than mergeRatio times v's terms (a body's
// hundred against a story's hundreds), else each of v's terms looked up
// after the previous one's place, probing 1, 2, 4, ... terms ahead and
// then searching within the last step (a title's ten terms against a body
// centroid's hundreds skip far). Terms the centroid lacks add nothing,
// so either way the sum is, bit for bit, the sum over v in its order of
// x.w times the centroid's weight. A v out of order (a malformed log
// event) restarts the search from the centroid's first term.
func (c *centroid) dot(v vec) float64 {
	if len(c.w) < mergeRatio*len(v) {
		return c.walk(v)
	}
	s, w := 0.0, c.w
	var prev uint64
	for _, x := range v {
		if x.term < prev {
			w = c.w
		}
		prev = x.term
		step := 1
		for step < len(w) && w[step].term < x.term {
			w = w[step:]
			step *= 2
		}
		// the first of w[:step+1] not below x.term
		lo, hi := 0, min(step+1, len(w))
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if w[m].term < x.term {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < len(w) && w[lo].term == x.term {
			s += x.w * w[lo].w
		}
		w = w[lo:]
	}
	return s
}

// mergeRatio is the length ratio below which dot walks the centroid and
// v in step rather than looking v's terms up: a walk costs a step per
// term of either, a lookup a few probes per term of v.
const mergeRatio = 12

// walk is dot by walking c.w and v in step.
func (c *centroid) walk(v vec) float64 {
	s, w := 0.0, c.w
	j := 0
	var prev uint64
	for _, x := range v {
		if x.term < prev {
			j = 0
		}
		prev = x.term
		for j < len(w) && w[j].term < x.term {
			j++
		}
		if j < len(w) && w[j].term == x.term {
			s += x.w * w[j].w
		}
	}
	return s
}

// cos is the cosine of a unit vector with the centroid.
func (c *centroid) cos(v vec) float64 {
	if c.norm <= 0 || len(v) == 0 {
		return 0
	}
	return c.dot(v) / math.Sqrt(c.norm)
}

func (c *centroid) add(v vec, limit int) {
	if len(v) == 0 {
		return
	}
	c.norm += 2*c.dot(v) + 1
	c.w = sum(c.w, v)
	if len(c.w) > 2*limit {
		c.prune(limit)
	}
}

// sum returns a new vector, sorted by term, with the weights of a and b
// (both sorted by term) added term by term.
func sum(a, b vec) vec {
	out := make(vec, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].term < b[j].term:
			out = append(out, a[i])
			i++
		case a[i].term > b[j].term:
			out = append(out, b[j])
			j++
		default:
			out = append(out, weighted{a[i].term, a[i].w + b[j].w})
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	out = append(out, b[j:]...)
	return slices.Clip(out)
}

// prune keeps the limit heaviest terms (ties by term, so every replica
// keeps the same).
func (c *centroid) prune(limit int) {
	all := slices.Clone(c.w)
	slices.SortFunc(all, func(a, b weighted) int {
		if a.w != b.w {
			return cmp.Compare(b.w, a.w)
		}
		return cmp.Compare(a.term, b.term)
	})
	all = all[:min(limit, len(all))]
	slices.SortFunc(all, func(a, b weighted) int { return cmp.Compare(a.term, b.term) })
	c.w = slices.Clip(all)
	c.recomputeNorm()
}

func (c *centroid) recomputeNorm() {
	c.norm = 0
	for _, x := range c.w {
		c.norm += x.w * x.w
	}
}

func (c *centroid) merge(o *centroid, limit int) {
	if len(o.w) == 0 {
		return
	}
	c.w = sum(c.w, o.w)
	if len(c.w) > 2*limit {
		c.prune(limit)
	} else {
		c.recomputeNorm()
	}
}

// cosCentroids is the cosine of two centroids.
func cosCentroids(a, b *centroid) float64 {
	if a.norm <= 0 || b.norm <= 0 {
		return 0
	}
	if len(a.w) > len(b.w) {
		a, b = b, a
	}
	return a.w.dotSorted(b.w) / math.Sqrt(a.norm*b.norm)
}

// dotSorted is the dot product of two vectors sorted by term.
func (v vec) dotSorted(o vec) float64 {
	s := 0.0
	for i, j := 0, 0; i < len(v) && j < len(o); {
		switch {
		case v[i].term < o[j].term:
			i++
		case v[i].term > o[j].term:
			j++
		default:
			s += v[i].w * o[j].w
			i++
			j++
		}
	}
	return s
}

// storyEntity is an entity of a story, as its first member named it, and
// its salience summed over the members: 80 bytes in the story's slice and
// the member's strings, where a map entry and its tally took about 150.
// (Interning entities with unique.Make held each once, 16 bytes a story,
// but its table cost about 330 bytes an entity: more than it saved when
// most entities are named by one story, as in make load.)
type storyEntity struct {
	id, name, country string
	kind              byte
	hasPoint          bool
	mentions          int32 // summed over the members; beside kind and hasPoint it costs no byte
	lat, lon          float64
	salience          float64
}

// story is one story's state.
type story struct {
	id      string
	created uint64 // position of its first event: log sequence << 16 | index in the message
	first   int64  // ms
	last    int64
	title   string
	repID   string
	repTime int64
	count   int
	// originals counts the members that moved the centroid, dated those
	// of them with a published time. known counts the members (copies
	// too, as first and last do) with a published time or a URL day, and
	// knownFirst and knownLast (ms) span those times and days.
	originals, dated, known int
	knownFirst, knownLast   int64
	// sources and langs are the distinct outlets and languages of the
	// members, interned, in order of arrival.
	sources, langs []unique.Handle[string]
	// ents are sorted by entity id.
	ents   []storyEntity
	titles centroid
	bodies centroid
	// numbers is the sum of the members' number vectors (at most
	// maxStoryNumbers terms once pruned).
	numbers centroid
	// weekdays are the weekdays its members name (Article.Weekdays).
	weekdays uint8
	// postings are the terms that post the story, sorted.
	postings []uint64
	revision uint64
	merged   string
	closed   bool
}

// State is the clustering state one replica holds: the active stories,
// their postings, the stream's document frequencies and the articles
// seen within the horizon.
type State struct {
	p   Params
	bg  *Background
	seq uint64
	// index is the last event applied of the message at seq.
	index int
	// clock is the latest article time applied (ms).
	clock    int64
	stories  map[string]*story
	postings postingIndex
	// saturated postings are no longer extended nor read.
	saturated map[uint64]bool
	df        dfTable
	docs      uint64
	articles  map[string]string // article id -> story id
	arrivals  []arrival         // for expiring articles, in apply order
	merged    map[string]string // merged story -> the story it went into
	dirty     map[string]struct{}
	evicted   uint64
	// undo is the open tentative batch's journal (undo.go), nil outside one.
	undo *journal
}

type arrival struct {
	id   string
	time int64
}

// NewState returns an empty state with background document frequencies
// bg (nil for none).
func NewState(p Params, bg *Background) (*State, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &State{
		p: p, bg: bg,
		stories:   map[string]*story{},
		postings:  newPostingIndex(),
		saturated: map[uint64]bool{},
		articles:  map[string]string{},
		merged:    map[string]string{},
		dirty:     map[string]struct{}{},
	}, nil
}

// Seq is the log sequence of the last event applied.
func (s *State) Seq() uint64 { return s.seq }

// idf blends the background and stream document frequencies of a term.
func (s *State) idf(t uint64) float64 {
	n := float64(s.docs) + 1
	df := float64(s.df.get(t))
	if s.bg != nil {
		n += s.p.BackgroundWeight * float64(s.bg.Docs)
		df += s.p.BackgroundWeight * float64(s.bg.DF(t))
	}
	return math.Log((n + 1) / (df + 1))
}

// weigh turns term counts into a unit TF-IDF vector of at most limit
// terms (0: all).
func (s *State) weigh(tcs []TermCount, limit int) vec {
	if len(tcs) == 0 {
		return nil
	}
	v := make(vec, 0, len(tcs))
	for _, tc := range tcs {
		if w := (1 + math.Log(float64(tc.Count))) * s.idf(tc.Term); w > 0 {
			v = append(v, weighted{tc.Term, w})
		}
	}
	if limit > 0 && len(v) > limit {
		selectFirst(v, limit, heavierFirst)
		v = v[:limit]
		slices.SortFunc(v, func(a, b weighted) int { return cmp.Compare(a.term, b.term) })
	}
	return normalize(v)
}

func normalize(v vec) vec {
	n := 0.0
	for _, x := range v {
		n += x.w * x.w
	}
	if n == 0 {
		return nil
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i].w /= n
	}
	return v
}

// entityVec weighs entity ids by salience times IDF.
func (s *State) entityVec(ents []EntityRef) vec {
	if len(ents) == 0 {
		return nil
	}
	v := make(vec, 0, len(ents))
	for _, e := range ents {
		h := EntityHash(e.ID)
		if w := math.Max(e.Salience, 0.05) * s.idf(h); w > 0 {
			v = append(v, weighted{h, w})
		}
	}
	slices.SortFunc(v, func(a, b weighted) int { return cmp.Compare(a.term, b.term) })
	v = slices.CompactFunc(v, func(a, b weighted) bool { return a.term == b.term })
	return normalize(v)
}

// vectors are an article's four weighted fields.
type vectors struct {
	title, body, ents, numbers vec
}

// maxStoryNumbers is how many numbers a story keeps (pruned at twice
// as many).
const maxStoryNumbers = 64

// weighNumbers turns an article's numbers into a unit vector weighted
// by their IDF in the stream (the background counts words, not
// numbers), leaving out those below NumberMinIDF.
func (s *State) weighNumbers(tcs []TermCount) vec {
	if len(tcs) == 0 {
		return nil
	}
	v := make(vec, 0, len(tcs))
	n := float64(s.docs) + 1
	for _, tc := range tcs {
		idf := math.Log(n / (float64(s.df.get(tc.Term)) + 1))
		if idf > 0 && idf >= s.p.NumberMinIDF {
			v = append(v, weighted{tc.Term, (1 + math.Log(float64(tc.Count))) * idf})
		}
	}
	return normalize(v)
}

func (s *State) vectorize(a *Article) vectors {
	return vectors{
		title:   s.weigh(a.Titles, 0),
		body:    s.weigh(a.Bodies, s.p.MaxBodyTerms),
		ents:    s.entityVec(a.Entities),
		numbers: s.weighNumbers(a.Numbers),
	}
}

// articleFeatures are the model's inputs for article vectors v at time t
// against story st.
func (s *State) articleFeatures(v vectors, a *Article, st *story) features {
	f := features{
		title:   st.titles.cos(v.title),
		invSize: 1 / float64(min(max(st.originals, 1), maxSize)),
	}
	if lo, hi, ok := a.knownSpan(); ok && st.known > 0 {
		f.time = s.fade(gapBetween(lo, hi, st.knownFirst, st.knownLast))
	} else if a.Undated && st.dated == 0 {
		f.undated = 1
		if a.Source != "" && slices.Contains(st.sources, unique.Make(a.Source)) {
			f.outlet = outletRepeats(len(st.sources), st.originals)
		}
	} else {
		f.time = s.fade(spanGap(a.Time, a.Time, st))
	}
	if len(v.body) > 0 {
		f.body = st.bodies.cos(v.body)
	} else {
		f.body = st.bodies.cos(v.title) // a headline without a body
		f.headline = 1
	}
	if len(v.title) == 0 {
		f.title = f.body
	}
	f.numbers = st.numbers.cos(v.numbers)
	f.weekdays = otherWeekdays(a.Weekdays, st.weekdays) * max(f.time, f.undated)
	return f
}

// otherWeekdays is 1 when both sets of weekdays are known and share none.
func otherWeekdays(a, b uint8) float64 {
	if a == 0 || b == 0 || a&b != 0 {
		return 0
	}
	return 1
}

// spanGap is the time between the span [first, last] and a story's span
// (0 when they overlap).
func spanGap(first, last int64, st *story) int64 {
	return gapBetween(first, last, st.first, st.last)
}

// gapBetween is the time between the spans [first, last] and [from, to]
// (0 when they overlap).
func gapBetween(first, last, from, to int64) int64 {
	switch {
	case last < from:
		return from - last
	case first > to:
		return first - to
	}
	return 0
}

// knownSpan is when an article was written, as far as it says: its
// published time, else the day its URL states (ok false: neither).
func (a *Article) knownSpan() (lo, hi int64, ok bool) {
	switch {
	case !a.Undated:
		return a.Time, a.Time, true
	case a.URLDay != 0:
		return a.URLDay, a.URLDay + day - 1, true
	}
	return 0, 0, false
}

// day is a URL day's length in ms.
const day = 24 * 60 * 60 * 1000

// fade is the time feature of a gap.
func (s *State) fade(gap int64) float64 {
	return math.Exp(-float64(gap) / float64(s.p.TimeScale.Milliseconds()))
}

// storyFeatures are the model's inputs for two stories: the same fields,
// centroid against centroid, and the inverse size of the larger story.
func (s *State) storyFeatures(a, b *story) features {
	f := features{
		title:   cosCentroids(&a.titles, &b.titles),
		body:    cosCentroids(&a.bodies, &b.bodies),
		invSize: 1 / float64(min(max(a.originals, b.originals, 1), maxSize)),
		numbers: cosCentroids(&a.numbers, &b.numbers),
	}
	switch {
	case a.known > 0 && b.known > 0:
		f.time = s.fade(gapBetween(a.knownFirst, a.knownLast, b.knownFirst, b.knownLast))
	case a.dated == 0 && b.dated == 0:
		f.undated = 1
		if shared := sharedNames(a.sources, b.sources); shared > 0 {
			outlets := len(a.sources) + len(b.sources) - shared
			f.outlet = outletRepeats(outlets, a.originals+b.originals)
		}
	default:
		f.time = s.fade(spanGap(a.first, a.last, b))
	}
	f.weekdays = otherWeekdays(a.weekdays, b.weekdays) * max(f.time, f.undated)
	return f
}

// sharedNames counts the names two sets share.
func sharedNames(a, b []unique.Handle[string]) int {
	n := 0
	for _, h := range a {
		if slices.Contains(b, h) {
			n++
		}
	}
	return n
}

// outletRepeats is the Outlet feature of a story of originals reports
// by outlets distinct outlets: the square of the share of its reports
// that repeat an outlet (0 for a story of one report, or of as many
// outlets as reports; 0.25 for two reports of one outlet, near 1 for
// many). Squared, a story of several outlets that one of them reported
// twice asks little more; a story of one outlet's reports asks more
// with every report.
func outletRepeats(outlets, originals int) float64 {
	if originals <= outlets {
		return 0
	}
	r := 1 - float64(outlets)/float64(originals)
	return r * r
}

// StoryIDFor is the id of the story an article opens.
func StoryIDFor(articleID string) string { return "story-" + articleID }

// Decide proposes the event for article a: the story it joins (an
// existing one, or its own new story) and any merges that follow.
func (s *State) Decide(a *Article) Event { return s.Propose(a).Event }

// Proposal is an event Decide proposes, with the article's vectors it
// computed on the way, which ApplyProposal reuses.
type Proposal struct {
	Event
	v *vectors // nil when the article was not weighed (a redelivery, a copy)
}

// Propose is Decide for a replica that applies the event at once: the
// Proposal keeps the article's vectors, so it is weighed once.
func (s *State) Propose(a *Article) Proposal {
	if id, ok := s.articles[a.ID]; ok {
		// Seen before (a redelivery, a dedupe revision): same story.
		return Proposal{Event: Event{Article: a, Story: s.resolve(id)}}
	}
	if a.CopyOf != "" {
		if id, ok := s.articles[a.CopyOf]; ok {
			if st := s.stories[s.resolve(id)]; st != nil && !st.closed {
				return Proposal{Event: Event{Article: a, Story: st.id}}
			}
		}
	}
	v := s.vectorize(a)
	p := Proposal{v: &v}
	sc := scratchPool.Get().(*candidateScratch)
	defer scratchPool.Put(sc)
	cands := s.candidates(v, sc)
	var best *story
	bestScore := 0.0
	scores := append(sc.scores[:0], make([]float64, len(cands))...)
	sc.scores = scores
	feats := append(sc.feats[:0], make([]features, len(cands))...)
	sc.feats = feats
	near := 0 // undated candidates close to the article (Crowd)
	for i, st := range cands {
		feats[i] = s.articleFeatures(v, a, st)
		if feats[i].undated == 1 && s.p.Model.logit(feats[i]) >= crowdLogit {
			near++
		}
	}
	crowd := crowding(near)
	for i, st := range cands {
		f := feats[i]
		f.crowd = crowd * f.undated
		sc := s.p.Model.prob(f)
		scores[i] = sc
		if sc > bestScore || sc == bestScore && best != nil && st.created < best.created {
			best, bestScore = st, sc
		}
	}
	if best == nil || bestScore < s.p.Threshold {
		p.Event = Event{Article: a, Story: StoryIDFor(a.ID)}
		return p
	}
	ev := Event{Article: a, Story: best.id}
	// Twins: other candidates close to this article may be the same story.
	for i, st := range cands {
		if st == best || scores[i] < s.p.Threshold*0.75 {
			continue
		}
		if s.p.Model.prob(s.storyFeatures(best, st)) >= s.p.MergeThreshold {
			into, from := best, st
			if older(st, best) {
				into, from = st, best
			}
			ev.Merges = append(ev.Merges, Merge{From: from.id, Into: into.id})
			if from == best {
				best = into // later merges go into the survivor
			}
		}
	}
	p.Event = ev
	return p
}

func older(a, b *story) bool {
	if a.first != b.first {
		return a.first < b.first
	}
	return a.created < b.created
}

// candidates are the active stories sharing the most of an article's
// heaviest terms and its entities, best first, at most MaxCandidates of
// them: the stories with the highest sum of the weights of the looked-up
// terms that post them, ties to the older story. They are in sc, which
// holds them until sc goes back to the pool.
func (s *State) candidates(v vectors, sc *candidateScratch) []*story {
	keys := append(sc.keys[:0], v.title...)
	keys = append(keys, v.body...)
	n := min(len(keys), s.p.CandidateTerms)
	selectFirst(keys, n, heavierFirst)
	keys = keys[:n]
	slices.SortFunc(keys, heavierFirst)
	keys = append(keys, v.ents...)
	sc.keys = keys
	hits := sc.hits[:0]
	for _, k := range keys {
		if s.saturated[k.term] {
			continue
		}
		s.postings.stories(k.term, func(st *story) {
			i, ok := sc.index[st]
			if !ok {
				i = len(hits)
				sc.index[st] = i
				hits = append(hits, hit{st: st})
			}
			hits[i].w += k.w
		})
	}
	clear(sc.index)
	sc.hits = hits
	best := min(len(hits), s.p.MaxCandidates)
	selectFirst(hits, best, compareHits)
	hits = hits[:best]
	slices.SortFunc(hits, compareHits)
	out := sc.out[:0]
	for _, h := range hits {
		out = append(out, h.st)
	}
	sc.out = out
	return out
}

// hit is a candidate story and the weight of the article's looked-up
// terms that post it.
type hit struct {
	st *story
	w  float64
}

// compareHits orders candidates best first: the higher weight, then the
// older story (created is unique, so the order is total).
func compareHits(a, b hit) int {
	if a.w != b.w {
		return cmp.Compare(b.w, a.w)
	}
	return cmp.Compare(a.st.created, b.st.created)
}

// heavierFirst orders weighted terms by weight, heaviest first, then by
// term.
func heavierFirst(a, b weighted) int {
	if a.w != b.w {
		return cmp.Compare(b.w, a.w)
	}
	return cmp.Compare(a.term, b.term)
}

// selectFirst moves the k first of xs by compare to the front of xs, in
// no particular order, partitioning around one element at a time
// (quickselect): an article's body has hundreds of terms of which the
// heaviest hundred count, and a common term's postings can name thousands
// of stories of which the best MaxCandidates are scored, so sorting them
// all is not needed. Where compare orders every two elements that differ
// (it ties only equal ones), the k first are the first k of xs sorted.
func selectFirst[T any](xs []T, k int, compare func(a, b T) int) {
	lo, hi := 0, len(xs)
	for hi-lo > 1 && k > lo && k < hi {
		m := lo + (hi-lo)/2
		xs[m], xs[hi-1] = xs[hi-1], xs[m]
		pivot, i := xs[hi-1], lo
		for j := lo; j < hi-1; j++ {
			if compare(xs[j], pivot) < 0 {
				xs[i], xs[j] = xs[j], xs[i]
				i++
			}
		}
		xs[i], xs[hi-1] = xs[hi-1], xs[i]
		// xs[lo:i] come before the pivot, now at i, xs[i+1:hi] after it
		switch {
		case k < i:
			hi = i
		case k > i+1:
			lo = i + 1
		default:
			return
		}
	}
}

// candidateScratch is what finding one article's candidates uses and
// throws away; Propose takes one from scratchPool, so a stage deciding
// article after article does not allocate them each time.
type candidateScratch struct {
	keys   vec
	index  map[*story]int // story -> its place in hits, cleared after use
	hits   []hit
	out    []*story
	scores []float64
	feats  []features
}

var scratchPool = sync.Pool{New: func() any { return &candidateScratch{index: map[*story]int{}} }}

func (s *State) resolve(id string) string {
	for range 64 {
		into, ok := s.merged[id]
		if !ok {
			return id
		}
		id = into
	}
	return id
}

// Skip moves past a log message that cannot be applied (or the rest of
// it).
func (s *State) Skip(seq uint64) {
	if seq >= s.seq {
		s.seq, s.index = seq, MaxBatch
	}
}

// MaxBatch is the most events one log message may hold.
const MaxBatch = 1 << 16

// ErrEvent means an event cannot be applied.
var ErrEvent = errors.New("invalid story event")

// Apply applies the event at log sequence seq (a message of one event)
// and returns the story the article ended in (after the event's merges).
func (s *State) Apply(seq uint64, ev Event) (string, error) { return s.ApplyAt(seq, 0, ev) }

// ApplyAt applies event i of the log message at seq; a message's events
// are applied in order, and the first one (i = 0) of every 256th message
// expires old stories and articles.
func (s *State) ApplyAt(seq uint64, i int, ev Event) (string, error) { return s.apply(seq, i, ev, nil) }

// ApplyProposal is ApplyAt for a Proposal made on the state as it still
// is (nothing applied, rolled back or skipped since): the article's
// vectors are those ApplyAt would compute, so they are not computed again.
func (s *State) ApplyProposal(seq uint64, i int, p Proposal) (string, error) {
	return s.apply(seq, i, p.Event, p.v)
}

// apply is ApplyAt with the article's vectors, if they are known (v).
func (s *State) apply(seq uint64, i int, ev Event, v *vectors) (string, error) {
	if seq < s.seq || seq == s.seq && i <= s.index || i < 0 || i >= MaxBatch {
		return "", fmt.Errorf("%w: position %d.%d after %d.%d", ErrEvent, seq, i, s.seq, s.index)
	}
	a := ev.Article
	if a == nil || a.ID == "" || ev.Story == "" {
		return "", fmt.Errorf("%w: no article or story", ErrEvent)
	}
	s.seq, s.index = seq, i
	if id, ok := s.articles[a.ID]; ok {
		return s.resolve(id), nil // idempotent: the article is already in a story
	}
	s.clock = max(s.clock, a.Time)
	target := s.resolve(ev.Story)
	st := s.stories[target]
	if st == nil || st.closed {
		st = &story{
			id: target, created: seq<<16 | uint64(i), first: a.Time, last: a.Time,
		}
		s.touchID(target)
		s.stories[target] = st
	}
	s.touch(st)
	copyJoin := a.CopyOf != "" && st.count > 0
	if !copyJoin {
		if v == nil {
			vs := s.vectorize(a)
			v = &vs
		}
		s.countDocument(a)
		st.titles.add(v.title, s.p.MaxCentroidTerms)
		st.bodies.add(v.body, s.p.MaxCentroidTerms)
		st.numbers.add(v.numbers, maxStoryNumbers)
		st.weekdays |= a.Weekdays
		s.post(st, *v)
		st.originals++
		if !a.Undated {
			st.dated++
		}
		if st.repID == "" || a.Time < st.repTime {
			st.repID, st.repTime, st.title = a.ID, a.Time, a.Title
		}
	}
	if st.repID == "" {
		st.title = a.Title // a copy whose canonical was never seen
	}
	st.count++
	st.first, st.last = min(st.first, a.Time), max(st.last, a.Time)
	if lo, hi, ok := a.knownSpan(); ok {
		if st.known == 0 {
			st.knownFirst, st.knownLast = lo, hi
		}
		st.known++
		st.knownFirst, st.knownLast = min(st.knownFirst, lo), max(st.knownLast, hi)
	}
	if a.Source != "" {
		st.sources = addName(st.sources, unique.Make(a.Source))
	}
	if a.Lang != "" {
		st.langs = addName(st.langs, unique.Make(a.Lang))
	}
	grown := false
	for _, e := range a.Entities {
		if e.ID == "" {
			continue
		}
		i, found := st.findEntity(e.ID)
		if !found {
			st.ents = slices.Insert(st.ents, i, storyEntity{id: e.ID, name: e.Name, country: e.Country, kind: e.Kind, hasPoint: e.HasPoint, lat: e.Lat, lon: e.Lon})
			grown = true
		}
		st.ents[i].salience += e.Salience
		st.ents[i].mentions += int32(e.Mentions)
	}
	if grown {
		st.ents = slices.Clone(st.ents) // growing by insertion left up to half of it spare
	}
	st.revision = seq
	s.touchDirty(st.id)
	s.dirty[st.id] = struct{}{}
	s.touchArticle(a.ID)
	s.articles[a.ID] = st.id
	s.arrivals = append(s.arrivals, arrival{a.ID, a.Time})
	for _, m := range ev.Merges {
		s.merge(seq, m)
	}
	if i == 0 && seq%256 == 0 {
		s.expire()
	}
	return s.resolve(st.id), nil
}

// addName adds h to the set names unless it is there.
func addName(names []unique.Handle[string], h unique.Handle[string]) []unique.Handle[string] {
	if slices.Contains(names, h) {
		return names
	}
	return append(names, h)
}

// findEntity is the index of the story's entity id, or where it goes.
func (st *story) findEntity(id string) (int, bool) {
	return slices.BinarySearchFunc(st.ents, id, func(e storyEntity, id string) int { return cmp.Compare(e.id, id) })
}

// addPosting adds term t to the story's postings, unless it is there.
func (st *story) addPosting(t uint64) bool {
	i, found := slices.BinarySearch(st.postings, t)
	if found {
		return false
	}
	st.postings = slices.Insert(st.postings, i, t)
	return true
}

// countDocument adds an original article's distinct terms to the
// stream's document frequencies.
func (s *State) countDocument(a *Article) {
	s.docs++
	seen := make(map[uint64]struct{}, len(a.Titles)+len(a.Bodies)+len(a.Numbers)+len(a.Entities))
	for _, tcs := range [][]TermCount{a.Titles, a.Bodies, a.Numbers} {
		for _, tc := range tcs {
			seen[tc.Term] = struct{}{}
		}
	}
	for _, e := range a.Entities {
		seen[EntityHash(e.ID)] = struct{}{}
	}
	for t := range seen {
		s.touchDF(t)
		s.df.inc(t)
	}
	if s.df.len() > s.p.MaxTerms {
		s.pruneDF()
	}
}

// pruneDF drops the stream's rarest terms once its document-frequency
// table holds more than MaxTerms: those seen in one document, and, while
// that leaves more than three quarters of MaxTerms, those seen in two,
// three and so on. Each pruning scans the whole table, so it must leave
// room for many documents before the next: dropping only the terms seen
// once left a long stream, whose terms seen twice or more outgrow the
// bound (the table is never aged), just under it, and every document
// after that scanned the table again (2^20 slots in newsflow run). A
// stream whose terms seen once make up a quarter of the table drops
// only those, as before.
func (s *State) pruneDF() {
	var seen [pruneCounts + 1]int // terms by count, the last for pruneCounts or more
	s.df.each(func(_ uint64, n uint32) { seen[min(n, pruneCounts)]++ })
	left, most := s.df.len(), uint32(0)
	for most < pruneCounts && (most == 0 || left > s.p.MaxTerms/4*3) {
		most++
		left -= seen[most]
	}
	var drop []uint64
	s.df.each(func(t uint64, n uint32) {
		if n <= most {
			drop = append(drop, t)
		}
	})
	for _, t := range drop {
		s.touchDF(t)
		s.df.set(t, 0)
	}
}

// pruneCounts is the highest document count pruneDF drops a term at: a
// table whose terms are nearly all seen this often is not pruned further.
const pruneCounts = 64

// postedBodyTerms is how many of a member's heaviest body terms post its
// story (all of its title terms and entities do).
const postedBodyTerms = 20

func (s *State) post(st *story, v vectors) {
	body := slices.Clone(v.body)
	slices.SortFunc(body, func(a, b weighted) int {
		if a.w != b.w {
			return cmp.Compare(b.w, a.w)
		}
		return cmp.Compare(a.term, b.term)
	})
	body = body[:min(len(body), postedBodyTerms)]
	for _, field := range []vec{v.title, body, v.ents} {
		for _, x := range field {
			if s.saturated[x.term] || !st.addPosting(x.term) {
				continue
			}
			s.touchPosting(x.term)
			if s.postings.add(x.term, st) > s.p.MaxPosting {
				s.touchSaturated(x.term)
				s.saturated[x.term] = true
				s.postings.drop(x.term)
			}
		}
	}
	if cap(st.postings) > len(st.postings) {
		st.postings = slices.Clone(st.postings) // growing by insertion left up to half of it spare
	}
}

func (s *State) unpost(st *story) {
	for _, t := range st.postings {
		s.touchPosting(t)
		s.postings.remove(t, st)
	}
	st.postings = nil
}

func (s *State) merge(seq uint64, m Merge) {
	from, into := s.stories[s.resolve(m.From)], s.stories[s.resolve(m.Into)]
	if from == nil || into == nil || from == into || from.closed || into.closed {
		return
	}
	s.touch(from)
	s.touch(into)
	into.titles.merge(&from.titles, s.p.MaxCentroidTerms)
	into.bodies.merge(&from.bodies, s.p.MaxCentroidTerms)
	into.numbers.merge(&from.numbers, maxStoryNumbers)
	into.weekdays |= from.weekdays
	into.count += from.count
	into.originals += from.originals
	into.dated += from.dated
	if from.known > 0 {
		if into.known == 0 {
			into.knownFirst, into.knownLast = from.knownFirst, from.knownLast
		}
		into.known += from.known
		into.knownFirst, into.knownLast = min(into.knownFirst, from.knownFirst), max(into.knownLast, from.knownLast)
	}
	into.first, into.last = min(into.first, from.first), max(into.last, from.last)
	if from.repID != "" && (into.repID == "" || from.repTime < into.repTime) {
		into.repID, into.repTime, into.title = from.repID, from.repTime, from.title
	}
	for _, h := range from.sources {
		into.sources = addName(into.sources, h)
	}
	for _, h := range from.langs {
		into.langs = addName(into.langs, h)
	}
	grown := false
	for _, e := range from.ents {
		i, found := into.findEntity(e.id)
		if found {
			into.ents[i].salience += e.salience
			into.ents[i].mentions += e.mentions
		} else {
			into.ents = slices.Insert(into.ents, i, e)
			grown = true
		}
	}
	if grown {
		into.ents = slices.Clone(into.ents)
	}
	terms := from.postings
	s.unpost(from)
	for _, t := range terms {
		if s.saturated[t] || !into.addPosting(t) {
			continue
		}
		s.touchPosting(t)
		s.postings.add(t, into)
	}
	from.merged, from.closed = into.id, true
	from.revision, into.revision = seq, seq
	s.touchMerged(from.id)
	s.merged[from.id] = into.id
	s.touchDirty(from.id)
	s.touchDirty(into.id)
	s.dirty[from.id], s.dirty[into.id] = struct{}{}, struct{}{}
}

// expire closes stories quiet for longer than the horizon (and the
// quietest beyond MaxStories) and forgets articles older than it.
func (s *State) expire() {
	limit := s.clock - s.p.Horizon.Milliseconds()
	var open []*story
	for _, st := range s.stories {
		if st.closed {
			if _, dirty := s.dirty[st.id]; !dirty {
				s.touchID(st.id)
				delete(s.stories, st.id)
			}
			continue
		}
		if st.last < limit {
			s.close(st)
			continue
		}
		open = append(open, st)
	}
	if over := len(open) - s.p.MaxStories; over > 0 {
		slices.SortFunc(open, func(a, b *story) int {
			if a.last != b.last {
				return cmp.Compare(a.last, b.last)
			}
			return cmp.Compare(a.created, b.created)
		})
		for _, st := range open[:over] {
			s.close(st)
			s.evicted++
		}
	}
	n := 0
	for n < len(s.arrivals) && (s.arrivals[n].time < limit || len(s.arrivals)-n > 4*s.p.MaxStories) {
		s.touchArticle(s.arrivals[n].id)
		delete(s.articles, s.arrivals[n].id)
		n++
	}
	if n > 0 {
		s.touchArrivals()
		s.arrivals = slices.Delete(s.arrivals, 0, n)
	}
	for from, into := range s.merged {
		if _, ok := s.stories[into]; !ok {
			if _, ok := s.stories[from]; !ok {
				s.touchMerged(from)
				delete(s.merged, from)
			}
		}
	}
}

func (s *State) close(st *story) {
	s.touch(st)
	s.unpost(st)
	st.closed = true
	st.titles, st.bodies, st.numbers = centroid{}, centroid{}, centroid{}
	if _, dirty := s.dirty[st.id]; !dirty {
		s.touchID(st.id)
		delete(s.stories, st.id)
	}
}

// StoryOf returns the story an article is in, if it was seen within the
// horizon.
func (s *State) StoryOf(articleID string) (string, bool) {
	id, ok := s.articles[articleID]
	if !ok {
		return "", false
	}
	return s.resolve(id), true
}

// TakeDirty returns the snapshots of the stories changed since the last
// call, in id order, and forgets that they changed.
func (s *State) TakeDirty() []schema.Story {
	changed := s.TakeChanged()
	out := make([]schema.Story, len(changed))
	for i := range changed {
		out[i] = changed[i].Snapshot()
	}
	slices.SortFunc(out, func(a, b schema.Story) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Changed is a copy of a changed story, as TakeChanged took it: what its
// snapshot is made of, sharing nothing the state changes in place.
type Changed struct {
	st story
}

// TakeChanged returns copies of the stories changed since the last call,
// in no particular order, and forgets that they changed. It copies only
// what a snapshot shows (scalars, outlets, languages and entities), so
// a stage holds its lock for the copies and makes the snapshots
// (Changed.Snapshot) after releasing it.
func (s *State) TakeChanged() []Changed {
	out := make([]Changed, 0, len(s.dirty))
	for id := range s.dirty {
		st := s.stories[id]
		if st == nil {
			continue
		}
		out = append(out, Changed{story{
			id: st.id, title: st.title, repID: st.repID, merged: st.merged,
			first: st.first, last: st.last, count: st.count, revision: st.revision,
			sources: slices.Clone(st.sources), langs: slices.Clone(st.langs), ents: slices.Clone(st.ents),
		}})
		if st.closed {
			delete(s.stories, id)
		}
	}
	clear(s.dirty)
	return out
}

// maxStoryEntities is how many persons, organisations and places a story
// document lists.
const maxStoryEntities = 10

// Snapshot is the story's document, as it was when TakeChanged copied it
// (it joins and sorts the copy's entities, which no one else holds: see
// oneNamePerEntity).
func (c *Changed) Snapshot() schema.Story {
	st := &c.st
	out := schema.Story{
		SchemaVersion:    schema.Version,
		ID:               st.id,
		Title:            st.title,
		RepresentativeID: st.repID,
		FirstSeen:        time.UnixMilli(st.first).UTC(),
		LastSeen:         time.UnixMilli(st.last).UTC(),
		ArticleCount:     st.count,
		OutletCount:      len(st.sources),
		Sources:          sortedNames(st.sources),
		Languages:        sortedNames(st.langs),
		MergedInto:       st.merged,
		Revision:         st.revision,
	}
	st.ents = oneNamePerEntity(st.ents)
	slices.SortStableFunc(st.ents, func(a, b storyEntity) int { return cmp.Compare(b.salience, a.salience) }) // ties stay in id order
	for _, e := range st.ents {
		ent := schema.Entity{Name: e.name, ID: e.id, Mentions: int(e.mentions), Salience: min(math.Round(e.salience/float64(st.count)*1000)/1000, 1)}
		switch e.kind {
		case 'p':
			if len(out.Persons) < maxStoryEntities {
				out.Persons = append(out.Persons, ent)
			}
		case 'o':
			if len(out.Organizations) < maxStoryEntities {
				out.Organizations = append(out.Organizations, ent)
			}
		case 'l':
			if len(out.Places) < maxStoryEntities {
				pl := schema.Place{Entity: ent, Country: e.country}
				if e.hasPoint {
					pl.Location = &schema.GeoPoint{Lat: e.lat, Lon: e.lon}
				}
				out.Places = append(out.Places, pl)
			}
		}
	}
	return out
}

func sortedNames(names []unique.Handle[string]) []string {
	out := make([]string, len(names))
	for i, h := range names {
		out[i] = h.Value()
	}
	slices.Sort(out)
	return out
}

// Size reports the active stories, the articles remembered, the posting
// lists and the document-frequency table's terms.
func (s *State) Size() (stories, articles, postings, terms int) {
	for _, st := range s.stories {
		if !st.closed {
			stories++
		}
	}
	return stories, len(s.articles), s.postings.len(), s.df.len()
}

// Evicted counts the stories closed early to stay within MaxStories.
func (s *State) Evicted() uint64 { return s.evicted }
