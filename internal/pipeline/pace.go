package pipeline

import (
	"context"
	"time"

	"github.com/newsflow/newsflow/pkg/stage"
)

// While the stages before the indexes hold a backlog, documents reach the
// indexes as fast as those stages finish them, and an article's time to
// searchable is mostly its wait in that backlog. The indexes then linger
// sinkBehindLinger instead of sinkLinger for each batch: every batch is a
// Bleve segment that is built and later merged, and segments of a full
// batch (sinkConcurrency documents) cost about a third less CPU per
// document than the few dozen documents a half-second linger gathers
// behind a slow enrich (bench/README.md). Once the backlog is gone, the
// short linger comes back and ends the long one at once.
const (
	// sinkBehindLinger is the indexes' linger while the pipeline is behind.
	sinkBehindLinger = 2 * time.Second
	// paceEvery is how often the backlog is read.
	paceEvery = 500 * time.Millisecond
)

// behind reports whether the stages before the two indexes hold at least
// batch messages, pending or in flight: enough for a full batch of the
// search index.
func behind(lags []Lag, batch int) bool {
	var backlog uint64
	for _, l := range lags {
		if l.Stage == "" || l.Stage == stage.NameIndex || l.Stage == stage.NameStoryIndex {
			continue
		}
		backlog += l.Pending + uint64(l.InFlight)
	}
	return backlog >= uint64(batch)
}

// paceSinks sets the indexes' linger from the backlog every paceEvery
// until ctx ends. A failed reading leaves the linger as it was.
func (p *Pipeline) paceSinks(ctx context.Context) {
	t := time.NewTicker(paceEvery)
	defer t.Stop()
	was := false
	for {
		lags, err := Lags(ctx, p.rt.JetStream())
		if err == nil {
			if now := behind(lags, sinkConcurrency); now != was {
				var linger time.Duration // each index's own
				if now {
					linger = sinkBehindLinger
				}
				p.index.SetLinger(linger)
				p.stories.SetLinger(linger)
				was = now
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
