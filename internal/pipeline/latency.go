package pipeline

import (
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// latencies keeps a uniform sample of ingest-to-indexed latencies
// (reservoir sampling), so memory stays bounded however long the run.
type latencies struct {
	mu     sync.Mutex
	seen   int
	sample []time.Duration
	rng    *rand.Rand
}

const latencySample = 1 << 16

func newLatencies() *latencies {
	return &latencies{rng: rand.New(rand.NewPCG(1, 2))}
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen++
	if len(l.sample) < latencySample {
		l.sample = append(l.sample, d)
		return
	}
	if i := l.rng.IntN(l.seen); i < latencySample {
		l.sample[i] = d
	}
}

// Quantiles returns the given quantiles (0..1) of the sample; zeros when
// nothing was recorded.
func (l *latencies) quantiles(qs ...float64) []time.Duration {
	l.mu.Lock()
	s := append([]time.Duration(nil), l.sample...)
	l.mu.Unlock()
	out := make([]time.Duration, len(qs))
	if len(s) == 0 {
		return out
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for i, q := range qs {
		out[i] = s[min(len(s)-1, int(q*float64(len(s))))]
	}
	return out
}
