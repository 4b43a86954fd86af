package bleveindex

import (
	"sync/atomic"
	"time"
)

// Both writers of this package (articles and stories) do group commit:
// callers queue requests, one goroutine takes what has queued up, commits
// it as one Bleve batch, and answers each caller.

// pace is a writer's linger, which may change while the writer runs
// (SetLinger), and the signal that ends the linger of the batch being
// gathered (CommitNow).
type pace struct {
	base   time.Duration
	linger atomic.Int64
	hurry  chan struct{}
}

func newPace(linger time.Duration) *pace {
	p := &pace{base: linger, hurry: make(chan struct{}, 1)}
	p.linger.Store(int64(linger))
	return p
}

// current is the linger of the next batch.
func (p *pace) current() time.Duration { return time.Duration(p.linger.Load()) }

// set makes d the linger of the batches gathered from now on (0: the
// writer's option again). A shorter linger than before also ends the
// linger of the batch being gathered: it has waited long enough.
func (p *pace) set(d time.Duration) {
	if d == 0 {
		d = p.base
	}
	if old := time.Duration(p.linger.Swap(int64(d))); d < old {
		p.commitNow()
	}
}

// commitNow ends the linger of the batch being gathered or, when none is,
// of the next one.
func (p *pace) commitNow() {
	select {
	case p.hurry <- struct{}{}:
	default: // already asked
	}
}

// gather returns the next batch from reqs, appended to batch: it waits
// for a first request, then up to linger for more (a full batch returns
// at once; a negative linger takes only what is already queued), or until
// hurry fires (nil: never). ok is false when stop was closed before any
// request came. linger reuses *t across calls.
func gather[R any](reqs <-chan R, stop, hurry <-chan struct{}, size int, linger time.Duration, t **time.Timer, batch []R) (_ []R, ok bool) {
	select {
	case r := <-reqs:
		batch = append(batch, r)
	case <-stop:
		return batch, false
	}
	switch {
	case len(batch) == size:
	case linger < 0:
	drain:
		for len(batch) < size {
			select {
			case r := <-reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
	default:
		if *t == nil {
			*t = time.NewTimer(linger)
		} else {
			(*t).Reset(linger)
		}
	collect:
		for len(batch) < size {
			select {
			case r := <-reqs:
				batch = append(batch, r)
			case <-(*t).C:
				break collect
			case <-hurry:
				break collect
			case <-stop:
				break collect
			}
		}
		(*t).Stop() // Go >= 1.23: no stale tick after Stop
	}
	return batch, true
}

// drainQueued commits, in batches of size, the requests that were already
// queued when the writer was told to stop, so that no caller that got its
// request in is left without an answer.
func drainQueued[R any](reqs <-chan R, size int, commit func([]R)) {
	var batch []R
	for {
		select {
		case r := <-reqs:
			batch = append(batch, r)
			if len(batch) == size {
				commit(batch)
				batch = nil
			}
		default:
			if len(batch) > 0 {
				commit(batch)
			}
			return
		}
	}
}
