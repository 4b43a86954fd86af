package dedupe

import (
	"context"
	"errors"
	"sync"

	"github.com/newsflow/newsflow/services/dedupe/kvindex"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// verify compares the candidates' sketches (the first MaxCandidates,
// most shared bands first) and fetches the records of those that pass
// the containment threshold.
func (d *Deduper) verify(ctx context.Context, fp minhash.Fingerprint, cands []kvindex.Candidate) ([]match, error) {
	var passed []match
	for _, c := range cands {
		sim := minhash.CompareFingerprint(fp, c.Sketch())
		if d.isMatch(sim) {
			passed = append(passed, match{id: c.ID, sim: sim})
		}
	}
	type result struct {
		ok  bool
		err error
	}
	results := make([]result, len(passed))
	var wg sync.WaitGroup
	sem := make(chan struct{}, d.cfg.Parallel)
	for i := range passed {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rec, _, err := d.ix.GetRecord(ctx, passed[i].id)
			if errors.Is(err, kvindex.ErrNotFound) {
				return // expired since its bands were written
			}
			if err != nil {
				results[i].err = err
				return
			}
			passed[i].rec = rec
			results[i].ok = true
		}()
	}
	wg.Wait()
	var out []match
	var errs []error
	for i, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		} else if r.ok {
			out = append(out, passed[i])
		}
	}
	return out, errors.Join(errs...)
}
