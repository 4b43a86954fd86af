package pipeline

import (
	"context"
	"time"

	"go.uber.org/zap"

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
//
// The stories stage, meanwhile, publishes the stories that changed every
// behindSnapshotInterval instead of every second: behind a backlog, a
// story takes articles for as long as the backlog lasts, and each
// snapshot of it is a message to store, deliver, decode and index. Once
// the backlog is gone, the stories that changed are published a second
// later, and every second again (a batch run's last ones when it ends).
const (
	// sinkBehindLinger is the indexes' linger while the pipeline is behind.
	sinkBehindLinger = 2 * time.Second
	// behindSnapshotInterval is the stories stage's snapshot interval
	// while the pipeline is behind: the most a story document lags its
	// articles in the index then.
	behindSnapshotInterval = 30 * time.Second
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

// paceSinks sets the indexes' linger and the snapshot interval from the
// backlog every paceEvery until ctx ends, and logs each change. A failed
// reading leaves them as they were.
func (p *Pipeline) paceSinks(ctx context.Context) {
	t := time.NewTicker(paceEvery)
	defer t.Stop()
	was := false
	for {
		lags, err := Lags(ctx, p.rt.JetStream())
		if err == nil {
			if now := behind(lags, sinkConcurrency); now != was {
				var linger, snapshots time.Duration // each one's own
				if now {
					linger, snapshots = sinkBehindLinger, behindSnapshotInterval
				}
				p.index.SetLinger(linger)
				p.stories.SetLinger(linger)
				if p.opts.storyStage != nil {
					p.opts.storyStage.SetSnapshotInterval(snapshots)
				}
				if now {
					p.log.Info("pipeline behind: the indexes linger longer and story snapshots are published less often",
						zap.Duration("linger", sinkBehindLinger), zap.Duration("snapshot_interval", behindSnapshotInterval))
				} else {
					p.log.Info("pipeline caught up: the indexes' linger and the snapshot interval are their own again")
				}
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
