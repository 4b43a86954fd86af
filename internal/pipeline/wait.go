package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/stage"
)

// Lag is one stage's backlog as JetStream reports it: one row per durable
// consumer of a pipeline stream, and one for each pipeline stream that no
// consumer reads.
type Lag struct {
	// Stage is the durable consumer's name, which is the stage's name;
	// empty when no consumer reads Subject.
	Stage string
	// Subject is the stage's input subject and Stream the stream that
	// stores it.
	Subject, Stream string
	// Pending counts messages not yet delivered to the stage.
	Pending uint64
	// InFlight counts delivered messages not yet acknowledged, naked
	// messages waiting for redelivery included.
	InFlight int
	// Redelivered counts messages delivered more than once and not yet
	// acknowledged.
	Redelivered int
	// Waiting counts the pull requests the stage's replicas have open: a
	// running replica keeps at least one while it has room for more.
	Waiting int
	// Delivered is the stream sequence of the last message delivered
	// (redeliveries do not move it).
	Delivered uint64
	// AckFloor is the stream sequence below which all is acknowledged.
	AckFloor uint64
	// Dead counts the stage's messages in the dead-letter stream.
	Dead uint64
}

// Done counts the stage's input messages that are finished (acknowledged
// or dead-lettered) up to its last delivery. Its growth is the stage's
// throughput: unlike the ack floor, one message held by a replica that
// died does not stop it.
func (l Lag) Done() uint64 {
	if uint64(l.InFlight) > l.Delivered {
		return 0
	}
	return l.Delivered - uint64(l.InFlight)
}

// Key identifies the row across readings.
func (l Lag) Key() string { return l.Stream + "/" + l.Stage }

// Lags reads every stage's backlog from JetStream. The stages are not a
// fixed list: every durable consumer of a pipeline stream is one (in the
// order of stage.StreamConfigs, then by name), and a pipeline stream with
// no consumer is a row with an empty Stage and everything stored pending.
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
	var lags []Lag
	for _, sc := range stage.StreamConfigs(stage.StreamsConfig{}) {
		if sc.Name == stage.StreamDead {
			continue
		}
		st, err := js.Stream(ctx, sc.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue // a deployment from before the stream existed
		}
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", sc.Name, err)
		}
		var rows []Lag
		list := st.ListConsumers(ctx)
		for ci := range list.Info() {
			if ci.Config.Durable == "" {
				continue // ordered and ephemeral readers (dlq list, replay) are no stage
			}
			rows = append(rows, Lag{
				Stage: ci.Name, Subject: sc.Subjects[0], Stream: sc.Name, Dead: dead[ci.Name],
				Pending: ci.NumPending, InFlight: ci.NumAckPending, Redelivered: ci.NumRedelivered,
				Waiting: ci.NumWaiting, Delivered: ci.Delivered.Stream, AckFloor: ci.AckFloor.Stream,
			})
		}
		if err := list.Err(); err != nil {
			return nil, fmt.Errorf("stream %s consumers: %w", sc.Name, err)
		}
		if len(rows) == 0 {
			rows = append(rows, Lag{Subject: sc.Subjects[0], Stream: sc.Name, Pending: st.CachedInfo().State.Msgs})
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].Stage < rows[j].Stage })
		lags = append(lags, rows...)
	}
	return lags, nil
}

// idle reports whether no stage has anything pending or in flight. A
// stream no stage reads (one this process does not run) is not waited for.
func idle(lags []Lag) bool {
	for _, l := range lags {
		if l.Stage != "" && (l.Pending != 0 || l.InFlight != 0) {
			return false
		}
	}
	return true
}

// lastInSinks reports, for each of the two indexes (the search index and
// the story index), whether it holds the last messages of the run: it has
// messages in flight and none pending, while every stage before the
// indexes has nothing pending or in flight (beforeIndexesIdle), so
// nothing more is coming that a linger could add to its batch. (The story
// index writes articles only to re-point them, straight into the search
// index, never through its stage: one index being busy does not hold the
// other's batch back.)
func lastInSinks(lags []Lag) (index, stories bool) {
	if !beforeIndexesIdle(lags) {
		return false, false
	}
	for _, l := range lags {
		switch l.Stage {
		case stage.NameIndex:
			index = l.Pending == 0 && l.InFlight > 0
		case stage.NameStoryIndex:
			stories = l.Pending == 0 && l.InFlight > 0
		}
	}
	return index, stories
}

// beforeIndexesIdle reports whether every stage of this process but the
// two indexes has nothing pending or in flight. Lags reads the stages in
// pipeline order, and a stage acknowledges a message only once its output
// is stored, so a stage read idle has handed everything to the next one,
// which is read after it: once the input is published, no stage before
// the indexes gets more work, and no story changes any more.
func beforeIndexesIdle(lags []Lag) bool {
	for _, l := range lags {
		if l.Stage != "" && l.Stage != stage.NameIndex && l.Stage != stage.NameStoryIndex && (l.Pending != 0 || l.InFlight != 0) {
			return false
		}
	}
	return true
}

// WaitIdle returns once every stage has drained its input: each article
// is then indexed or dead-lettered, and each story's last snapshot is in
// the story index. It needs two idle readings in a row
// with nothing acknowledged in between, so work handed from one stage to
// the next between two consumer reads is not missed. progress, if not
// nil, is called with each reading.
//
// The backlog is read every idleReadEvery, and every tailReadEvery once
// only the indexes have work left (the last batches, the last story
// snapshots): then each reading that comes sooner commits an index's last
// batch sooner and sees the pipeline idle sooner, and the run's tail is
// the work left, not the wait for the next reading.
func (p *Pipeline) WaitIdle(ctx context.Context, progress func([]Lag)) error {
	js := p.rt.JetStream()
	t := time.NewTimer(idleReadEvery)
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
			t.Reset(idleReadEvery)
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
		// What an index holds is all that is left for it: commit it
		// without waiting out the batch's linger. A story batch that
		// merges stories re-points their articles through the search
		// index's writer: that write is among the last ones too.
		index, stories := lastInSinks(lags)
		if index || stories {
			p.index.CommitNow()
		}
		if stories {
			p.stories.CommitNow()
		}
		tail := beforeIndexesIdle(lags)
		switch {
		case !tail:
		case p.opts.storyStage != nil && p.opts.storyStage.Flush() > 0:
			// The stories changed since the last publication go out
			// as soon as no story can change any more: the story
			// index takes them while the search index commits its
			// last batch. The snapshots just published are work
			// again, and the two idle readings start over once they
			// are indexed.
			lags = nil
		case idle(lags) && prev != nil && idle(prev) && sameFloors(prev, lags):
			return nil
		}
		prev = lags
		if tail {
			t.Reset(tailReadEvery)
		} else {
			t.Reset(idleReadEvery)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// idleReadEvery is how often WaitIdle reads the backlog while stages
// before the indexes have work, and tailReadEvery how often once only the
// indexes have (a reading is a dozen JetStream requests).
const (
	idleReadEvery = 100 * time.Millisecond
	tailReadEvery = 20 * time.Millisecond
)

// maxLagOutage is how long WaitIdle keeps retrying JetStream before it
// gives up on the wait.
const maxLagOutage = 2 * time.Minute

func sameFloors(a, b []Lag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key() != b[i].Key() || a[i].AckFloor != b[i].AckFloor || a[i].Dead != b[i].Dead {
			return false
		}
	}
	return true
}
