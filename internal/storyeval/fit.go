package storyeval

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/newsflow/newsflow/services/stories"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// The fitting of the stage's model. The weights of cluster.Model and the
// merge threshold are searched by coordinate ascent on the mean of BCubed
// F1 and pairwise F1 (fitScore) of the online clustering itself (Cluster: the stage's Process on an
// in-memory log, exactly as the evaluation runs it), not on article-story
// pairs: decisions change the stories that later articles meet, which a
// pair-level fit does not see. Every fit starts from the shipped weights
// (cluster.DefaultParams) and is guarded: it refuses a move that lowers
// any training file's BCubed F1 by more than a tolerance. Each file is
// held out once (leave one file out): the weights fitted on the other
// files are scored on it, which is the figure to trust for data we do
// not have (the start itself was fitted with every file, so a fold is
// only as held out as its moves). A last fit on every file gives the
// weights to ship.

// coordinate is one fitted parameter: how to read and write it, its first
// step, and its least value.
type coordinate struct {
	name string
	get  func(cluster.Params) float64
	set  func(*cluster.Params, float64)
	step float64
	min  float64
}

// mergeLogit maps the merge threshold to an unbounded coordinate, so that
// steps near 1 stay meaningful; a logit of 20 or more is "never merge".
func mergeLogit(p cluster.Params) float64 {
	if p.MergeThreshold >= 1 {
		return 20
	}
	return math.Log(p.MergeThreshold / (1 - p.MergeThreshold))
}

func setMergeLogit(p *cluster.Params, x float64) {
	if x >= 20 {
		p.MergeThreshold = 1
		return
	}
	p.MergeThreshold = 1 / (1 + math.Exp(-x))
}

// coordinates are the fitted parameters, in search order. The join
// threshold stays at 0.5: the bias moves the boundary instead. The
// undated weight is tied to the time weight: an undated pair is fitted
// as a pair with no gap. Searched apart, the undated weight followed the
// files with few undated articles (fitted without ECB+, whose articles
// are all undated, it fell to 4 and ECB+ held out scored 0.795 / 0.783 /
// 0.802 on seeds 1-3; tied, 0.832 / 0.821 / 0.847), and tied the fit on
// every file ends at the same weights. The headline weight stays at or
// above cluster.MinHeadline, where headline feeds still cluster: unbounded,
// the fit on every file took it to -2 (session 13), where they do not.
// The outlet weight is not searched: of the development files only
// Wikinews has undated reports of one outlet, and none is an archive of
// one outlet's undated reports, the case the weight is for; it is set
// as the service README says (the strongest weight that keeps Wikinews'
// BCubed F1 within the guard's tolerance). Nor is the crowd weight: it
// acts on undated pairs only, so of the development files only ECB+
// (undated throughout, topics of two events) and Wikinews' undated
// reports feel it, and it is for undated sets of crowded topics; it is
// set as the service README says (on the files fed with their dates
// dropped, eval stories --drop-dates, within 0.002 of every dated file
// and ECB+).
var coordinates = []coordinate{
	{"title", func(p cluster.Params) float64 { return p.Model.Title }, func(p *cluster.Params, x float64) { p.Model.Title = x }, 1, 0},
	{"body", func(p cluster.Params) float64 { return p.Model.Body }, func(p *cluster.Params, x float64) { p.Model.Body = x }, 2, 0},
	{"time", func(p cluster.Params) float64 { return p.Model.Time }, func(p *cluster.Params, x float64) { p.Model.Time, p.Model.Undated = x, x }, 1, 0},
	{"inv_size", func(p cluster.Params) float64 { return p.Model.InvSize }, func(p *cluster.Params, x float64) { p.Model.InvSize = x }, 1, 0},
	{"headline", func(p cluster.Params) float64 { return p.Model.Headline }, func(p *cluster.Params, x float64) { p.Model.Headline = x }, 2, cluster.MinHeadline},
	{"numbers", func(p cluster.Params) float64 { return p.Model.Numbers }, func(p *cluster.Params, x float64) { p.Model.Numbers = x }, 2, 0},
	{"weekdays", func(p cluster.Params) float64 { return p.Model.Weekdays }, func(p *cluster.Params, x float64) { p.Model.Weekdays = x }, 1, math.Inf(-1)},
	{"bias", func(p cluster.Params) float64 { return p.Model.Bias }, func(p *cluster.Params, x float64) { p.Model.Bias = x }, 1, math.Inf(-1)},
	{"merge_logit", mergeLogit, setMergeLogit, 1, 0},
}

// FitOptions bound the search.
type FitOptions struct {
	// Budget is the most objective evaluations per fit.
	Budget int
	// MinStep ends the search when every step has been halved below it
	// (in units of the first step of the title weight).
	MinStep float64
	// Workers is how many fits (the folds and the fit on every file)
	// run at once.
	Workers int
	// Tolerance is the most a move may lower any training file's BCubed
	// F1 (its mean over the orders) below that file's figure at the
	// start of the fit: a move that gains on the mean by losing one file
	// more than this is refused.
	Tolerance float64
}

// DefaultFitOptions are the budget and precision the shipped weights
// were fitted with.
func DefaultFitOptions() FitOptions {
	return FitOptions{Budget: 60, MinStep: 0.25, Workers: 2, Tolerance: 0.001}
}

// FitSet is one file's prepared streams: one per feeding order (seed).
type FitSet struct {
	File   string
	Orders []*Prepared
}

// fitScore is what a fit maximises for one stream: the mean of BCubed F1
// and pairwise F1. BCubed F1 alone let a fit buy recall with precision:
// a small story swallowed by a big one costs each article little BCubed
// precision, but every cross pair is an article a reader finds in the
// wrong story, and pairwise F1 counts them.
func fitScore(sc Scores) float64 { return (sc.BCubedF1 + sc.PairF1) / 2 }

// objective is the mean fitScore over every order of the given sets,
// and each set's BCubed F1 averaged over its orders (what the guard of
// Fit compares).
func objective(ctx context.Context, sets []FitSet, p cluster.Params) (float64, []float64, error) {
	cfg := stories.DefaultConfig()
	cfg.Params = p
	sum, n := 0.0, 0
	perSet := make([]float64, len(sets))
	for k, set := range sets {
		for _, prep := range set.Orders {
			sc, err := Cluster(ctx, prep, cfg)
			if err != nil {
				return 0, nil, err
			}
			sum += fitScore(sc)
			n++
			perSet[k] += sc.BCubedF1 / float64(len(set.Orders))
		}
	}
	return sum / float64(n), perSet, nil
}

// Fit searches the coordinates by ascent from start, maximising the
// objective on sets: each coordinate in turn moves a step up or down and
// keeps the first move that gains more than 1e-4 and leaves every set's
// BCubed F1 within opt.Tolerance of its figure at start (the guard: the
// mean must not rise by one file's loss, since the files we do not have
// may be like the one that lost); when a whole round gains nothing,
// every step halves. It is deterministic: the same sets, start and
// options give the same parameters.
func Fit(ctx context.Context, sets []FitSet, start cluster.Params, opt FitOptions) (cluster.Params, float64, error) {
	best := start
	bestScore, floor, err := objective(ctx, sets, best)
	if err != nil {
		return best, 0, err
	}
	for k := range floor {
		floor[k] -= opt.Tolerance
	}
	steps := make([]float64, len(coordinates))
	for i, c := range coordinates {
		steps[i] = c.step
	}
	evals := 1
	for evals < opt.Budget && steps[0] >= opt.MinStep {
		improved := false
		for i, c := range coordinates {
			for _, dir := range []float64{1, -1} {
				if evals >= opt.Budget {
					break
				}
				x := c.get(best) + dir*steps[i]
				if x < c.min {
					continue
				}
				if err := ctx.Err(); err != nil {
					return best, 0, err
				}
				cand := best
				c.set(&cand, x)
				if cand.Validate() != nil {
					continue
				}
				score, perSet, err := objective(ctx, sets, cand)
				if err != nil {
					return best, 0, err
				}
				evals++
				if score > bestScore+1e-4 && !below(perSet, floor) {
					best, bestScore, improved = cand, score, true
					break
				}
			}
		}
		if !improved {
			for i := range steps {
				steps[i] /= 2
			}
		}
	}
	return best, bestScore, nil
}

// below reports whether any set's figure is under its floor.
func below(perSet, floor []float64) bool {
	for k := range perSet {
		if perSet[k] < floor[k] {
			return true
		}
	}
	return false
}

// FitReport is the result of FitAll.
type FitReport struct {
	// HeldOut are each file's scores (its first order) under the
	// parameters fitted on the other files, and those parameters.
	HeldOut       []Scores
	HeldOutParams []cluster.Params
	// All are the parameters fitted on every file, and each file's
	// scores (its first order) under them.
	All       cluster.Params
	AllScores []Scores
}

// FitAll runs the fit on every file (first: it gives the weights to
// ship) and the leave-one-file-out folds, opt.Workers at a time, in that
// order, and writes what each found to w as soon as that fit ends (so a
// stopped run keeps the fits it finished): the fitted parameters, and the
// scores under them.
func FitAll(ctx context.Context, w io.Writer, sets []FitSet, opt FitOptions) (FitReport, error) {
	type job struct {
		held  int // -1: the fit on every file
		train []FitSet
	}
	jobs := []job{{-1, sets}}
	if len(sets) > 1 {
		for k := range sets {
			train := make([]FitSet, 0, len(sets)-1)
			train = append(train, sets[:k]...)
			train = append(train, sets[k+1:]...)
			jobs = append(jobs, job{k, train})
		}
	}
	type result struct {
		p      cluster.Params
		scores []Scores // every file's for the fit on every file, else the held-out file's
		err    error
	}
	results := make([]result, len(jobs))
	var mu sync.Mutex // serialises the writes to w
	run := func(j job) result {
		p, train, err := Fit(ctx, j.train, cluster.DefaultParams(), opt)
		if err != nil {
			return result{err: err}
		}
		score := func(set FitSet) (Scores, error) {
			cfg := stories.DefaultConfig()
			cfg.Params = p
			return Cluster(ctx, set.Orders[0], cfg)
		}
		var b strings.Builder
		r := result{p: p}
		if j.held < 0 {
			fmt.Fprintf(&b, "all files (objective %.4f): %s\n", train, FormatParams(p))
			for _, set := range sets {
				sc, err := score(set)
				if err != nil {
					return result{err: err}
				}
				r.scores = append(r.scores, sc)
				fmt.Fprintf(&b, "  %s: bcubed P %.3f R %.3f F1 %.3f  pairwise P %.3f R %.3f F1 %.3f  stories %d/%d\n", set.File,
					sc.BCubedP, sc.BCubedR, sc.BCubedF1, sc.PairP, sc.PairR, sc.PairF1, sc.Stories, sc.Gold)
			}
		} else {
			held := sets[j.held]
			sc, err := score(held)
			if err != nil {
				return result{err: err}
			}
			cfg := stories.DefaultConfig()
			startSc, err := Cluster(ctx, held.Orders[0], cfg)
			if err != nil {
				return result{err: err}
			}
			r.scores = []Scores{sc}
			fmt.Fprintf(&b, "held out %s: fitted on the others (objective %.4f): %s\n", held.File, train, FormatParams(p))
			fmt.Fprintf(&b, "  at the start (shipped): bcubed P %.3f R %.3f F1 %.3f  pairwise P %.3f R %.3f F1 %.3f  stories %d/%d\n",
				startSc.BCubedP, startSc.BCubedR, startSc.BCubedF1, startSc.PairP, startSc.PairR, startSc.PairF1, startSc.Stories, startSc.Gold)
			fmt.Fprintf(&b, "  held-out bcubed P %.3f R %.3f F1 %.3f  pairwise P %.3f R %.3f F1 %.3f  stories %d/%d\n",
				sc.BCubedP, sc.BCubedR, sc.BCubedF1, sc.PairP, sc.PairR, sc.PairF1, sc.Stories, sc.Gold)
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = io.WriteString(w, b.String())
		r.err = err
		return r
	}
	next := make(chan int) // job indexes, in order
	var wg sync.WaitGroup
	for range max(opt.Workers, 1) {
		wg.Go(func() {
			for i := range next {
				results[i] = run(jobs[i])
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	var rep FitReport
	for i, j := range jobs {
		r := results[i]
		if r.err != nil {
			return rep, r.err
		}
		if j.held < 0 {
			rep.All, rep.AllScores = r.p, r.scores
			continue
		}
		rep.HeldOut = append(rep.HeldOut, r.scores[0])
		rep.HeldOutParams = append(rep.HeldOutParams, r.p)
	}
	return rep, nil
}

// FormatParams writes the fitted parameters as the shipped defaults are
// written (cluster.DefaultParams), to compare or paste.
func FormatParams(p cluster.Params) string {
	var b strings.Builder
	m := p.Model
	fmt.Fprintf(&b, "Model{Title: %.4g, Body: %.4g, Time: %.4g, InvSize: %.4g, Undated: %.4g, Outlet: %.4g, Crowd: %.4g, Headline: %.4g, Numbers: %.4g, Weekdays: %.4g, Bias: %.4g}, Threshold: %.4g, MergeThreshold: %.6g, NumberMinIDF: %.4g",
		m.Title, m.Body, m.Time, m.InvSize, m.Undated, m.Outlet, m.Crowd, m.Headline, m.Numbers, m.Weekdays, m.Bias, p.Threshold, p.MergeThreshold, p.NumberMinIDF)
	return b.String()
}
