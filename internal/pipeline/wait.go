package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/stage"
)

// Lag is one stage's backlog as JetStream reports it.
type Lag struct {
	Stage string
	// Pending counts messages not yet delivered to the stage.
	Pending uint64
	// InFlight counts delivered messages not yet acknowledged, naked
	// messages waiting for redelivery included.
	InFlight int
	// Redelivered counts messages delivered more than once and not yet
	// acknowledged.
	Redelivered int
	// AckFloor is the stream sequence below which all is acknowledged.
	AckFloor uint64
	// Dead counts the stage's messages in the dead-letter stream.
	Dead uint64
}

// stageInputs maps each stage to its input subject, in pipeline order.
var stageInputs = []struct{ name, subject string }{
	{stage.NameIngest, stage.SubjectRaw},
	{stage.NameDedupe, stage.SubjectCleaned},
	{stage.NameEnrich, stage.SubjectDeduped},
	{stage.NameIndex, stage.SubjectEnriched},
}

// Lags reads every stage's backlog from JetStream. A stage whose consumer
// does not exist yet has everything in its input stream pending.
func Lags(ctx context.Context, js jetstream.JetStream) ([]Lag, error) {
	dead := map[string]uint64{}
	ds, err := js.Stream(ctx, stage.StreamDead)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	info, err := ds.Info(ctx, jetstream.WithSubjectFilter(stage.SubjectDeadPrefix+">"))
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	for subject, n := range info.State.Subjects {
		dead[subject[len(stage.SubjectDeadPrefix):]] = n
	}
	lags := make([]Lag, 0, len(stageInputs))
	for _, s := range stageInputs {
		lag := Lag{Stage: s.name, Dead: dead[s.name]}
		cons, err := js.Consumer(ctx, stage.StreamFor(s.subject), s.name)
		switch {
		case err == nil:
			ci, err := cons.Info(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s consumer: %w", s.name, err)
			}
			lag.Pending = ci.NumPending
			lag.InFlight = ci.NumAckPending
			lag.Redelivered = ci.NumRedelivered
			lag.AckFloor = ci.AckFloor.Stream
		case isNotFound(err):
			st, err := js.Stream(ctx, stage.StreamFor(s.subject))
			if err != nil {
				return nil, fmt.Errorf("%s input stream: %w", s.name, err)
			}
			lag.Pending = st.CachedInfo().State.Msgs
		default:
			return nil, fmt.Errorf("%s consumer: %w", s.name, err)
		}
		lags = append(lags, lag)
	}
	return lags, nil
}

func isNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound)
}

// idle reports whether no stage has anything pending or in flight.
func idle(lags []Lag) bool {
	for _, l := range lags {
		if l.Pending != 0 || l.InFlight != 0 {
			return false
		}
	}
	return true
}

// WaitIdle returns once every stage has drained its input: each article
// is then indexed or dead-lettered. It needs two idle readings in a row
// with nothing acknowledged in between, so work handed from one stage to
// the next between two consumer reads is not missed. progress, if not
// nil, is called with each reading.
func (p *Pipeline) WaitIdle(ctx context.Context, progress func([]Lag)) error {
	js := p.rt.JetStream()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var prev []Lag
	var failingSince time.Time
	for {
		lags, err := Lags(ctx, js)
		switch {
		case err != nil && ctx.Err() == nil && (failingSince.IsZero() || time.Since(failingSince) < maxLagOutage):
			// A busy server can miss the API timeout now and then; the
			// stages retry their own calls, and so does the wait.
			if failingSince.IsZero() {
				failingSince = time.Now()
				p.log.Warn("reading stage lags; retrying", zap.Error(err))
			}
			prev = nil
		case err != nil:
			return err
		default:
			failingSince = time.Time{}
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
			continue
		}
		if progress != nil {
			progress(lags)
		}
		if idle(lags) && prev != nil && idle(prev) && sameFloors(prev, lags) {
			return nil
		}
		prev = lags
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// maxLagOutage is how long WaitIdle keeps retrying JetStream before it
// gives up on the wait.
const maxLagOutage = 2 * time.Minute

func sameFloors(a, b []Lag) bool {
	for i := range a {
		if a[i].AckFloor != b[i].AckFloor || a[i].Dead != b[i].Dead {
			return false
		}
	}
	return true
}
