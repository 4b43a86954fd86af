// Package stories is the stories stage of newsflow: it puts every article
// in a story, the group of reports of one real-world event across outlets,
// and publishes a snapshot of every story that changes.
//
// The clustering itself is package cluster. This package runs it as a
// replicated state machine over a JetStream stream, the story log: every
// replica follows the log into its own cluster.State, and an article's
// decision is appended with the log's expected last sequence set to the
// last event the replica applied, so an append succeeds only on a replica
// that has seen every earlier decision. A replica that loses the race
// waits until it has applied the winner's event and decides again. So
// three replicas decide as one would, in the log's order, and a restarted
// replica rebuilds its state by replaying the log (which keeps the
// horizon's worth of events).
//
// Group commit: articles that arrive while an append is in flight wait
// in a queue; the next append takes them all (up to Config.MaxBatch),
// decides them in order, each applied tentatively before the next is
// decided, and appends them as one message. If another replica appended
// first, the tentative applies are rolled back (cluster.State.Rollback),
// and the batch is decided again once the other message is applied.
package stories

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// ErrNoDocument means Process was given no document.
var ErrNoDocument = errors.New("no document")

// ErrLagging means the replica did not catch up with the story log within
// Config.MaxLag; the article is retried.
var ErrLagging = errors.New("story log: replica lagging")

// errConflict means the log moved past the sequence an append expected.
var errConflict = errors.New("story log moved on")

// eventLog is where decisions are appended: the JetStream story log, or
// an in-memory one for offline evaluation.
type eventLog interface {
	// append stores data if the log's last sequence is last, and returns
	// its sequence; errConflict if the log has moved on.
	append(ctx context.Context, last uint64, data []byte) (uint64, error)
}

// Stories is the stage. It is safe for concurrent use.
type Stories struct {
	cfg Config
	log *zap.Logger

	// queue holds the articles waiting for the next append (under
	// queueMu); committing is held by the Assign call that appends.
	queueMu    sync.Mutex
	queue      []*waiting
	committing chan struct{}

	mu      sync.Mutex
	state   *cluster.State
	changed chan struct{} // closed and replaced whenever state moves
	events  eventLog
	opened  uint64
	joined  uint64
	merges  uint64
	skipped uint64

	js      jetstream.JetStream // nil offline: no snapshots
	consume jetstream.ConsumeContext
	stop    chan struct{}
	done    chan struct{}
	// interval takes SetSnapshotInterval's intervals to the publish loop.
	interval chan time.Duration
	// publishing serialises publishSnapshots (the loop and Flush);
	// pending holds snapshots that failed to publish, retried next time.
	publishing sync.Mutex
	pending    map[string]schema.Story

	conflicts prometheus.Counter
	batches   prometheus.Histogram
	snapshots *prometheus.CounterVec

	// The state snapshot: stateStore holds it; loaded is the sequence of
	// the one loaded at start (0: none). stateMu guards saved (the newest
	// sequence known stored), savedAt and refused (the stored one could
	// not be used, so it is overwritten whatever its sequence).
	stateStore   jetstream.ObjectStore
	loaded       uint64
	stateDone    chan struct{}
	stateMu      sync.Mutex
	saved        uint64
	savedAt      time.Time
	refused      bool
	stateRefused prometheus.Counter
	stateWrites  *prometheus.CounterVec
	stateBytes   prometheus.Gauge
	// encodingHook, set by tests, wraps what the snapshot is encoded to.
	encodingHook func(io.Writer) io.Writer
}

// waiting is an article in the queue, and then its result.
type waiting struct {
	a *cluster.Article
	// article is a, encoded for the log (cluster.EncodeArticle), before
	// the article waits: under the lock only its decision is encoded.
	article []byte
	done    chan struct{} // closed when id and err are set
	id      string
	err     error
}

// newWaiting encodes a for the log and makes its place in the queue; an
// article that cannot be encoded fails permanently.
func newWaiting(a *cluster.Article) (*waiting, error) {
	article, err := cluster.EncodeArticle(a)
	if err != nil {
		return nil, stage.Permanent(err)
	}
	return &waiting{a: a, article: article, done: make(chan struct{})}, nil
}

func newStories(cfg Config, log *zap.Logger) (*Stories, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bg, err := cluster.ShippedBackground()
	if err != nil {
		return nil, err
	}
	state, err := cluster.NewState(cfg.Params, bg)
	if err != nil {
		return nil, err
	}
	return &Stories{
		cfg: cfg, log: log, state: state, changed: make(chan struct{}),
		committing: make(chan struct{}, 1),
		pending:    map[string]schema.Story{},
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_stories_log_conflicts_total",
			Help: "Appends to the story log refused because another replica appended first (the batch is decided again).",
		}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_stories_log_batch_articles",
			Help:    "Articles decided per story log append (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_stories_snapshots_total",
			Help: "Story snapshots published, by result (ok, error: retried at the next interval).",
		}, []string{"result"}),
		stateRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_stories_state_refused_total",
			Help: "Stored state snapshots refused at start (corrupt, another format version or other parameters); the whole story log was replayed.",
		}),
		stateWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_stories_state_writes_total",
			Help: "State snapshot attempts, by result (ok, current: the stored one was as recent, error).",
		}, []string{"result"}),
		stateBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsflow_stories_state_snapshot_bytes",
			Help: "Size of the last state snapshot this replica wrote (gzipped).",
		}),
	}, nil
}

// NewOffline returns a stage whose log is in memory and which publishes
// no snapshots: the evaluation runs the stage's own code this way.
func NewOffline(cfg Config, log *zap.Logger) (*Stories, error) {
	s, err := newStories(cfg, log)
	if err != nil {
		return nil, err
	}
	s.events = &memoryLog{}
	return s, nil
}

// New opens the story log on js (creating or updating its stream), replays
// it into the local state, follows it, and publishes story snapshots to
// stage.SubjectStories every Config.SnapshotInterval.
func New(ctx context.Context, js jetstream.JetStream, cfg Config, log *zap.Logger) (*Stories, error) {
	s, err := newStories(cfg, log)
	if err != nil {
		return nil, err
	}
	var stream jetstream.Stream
	err = stage.Provision(ctx, js, log, "stream "+cfg.LogStream, func(ctx context.Context) (err error) {
		stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        cfg.LogStream,
			Description: "stories log: one message per append (an article, or the batch decided together), with terms, entities, story and the merges caused",
			Subjects:    []string{LogSubject},
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      cfg.Params.Horizon + 24*time.Hour,
			MaxBytes:    cfg.LogMaxBytes,
			Storage:     jetstream.FileStorage,
			Replicas:    cfg.Replicas,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("provision story log %s: %w", cfg.LogStream, err)
	}
	s.js = js
	s.events = &streamLog{js: js}
	err = stage.Provision(ctx, js, log, "object store "+cfg.StateBucket, func(ctx context.Context) (err error) {
		s.stateStore, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      cfg.StateBucket,
			Description: "stories state snapshot: the clustering state at one story log sequence",
			Storage:     jetstream.FileStorage,
			Replicas:    cfg.Replicas,
			MaxBytes:    cfg.StateMaxBytes,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("provision state store %s: %w", cfg.StateBucket, err)
	}
	logInfo, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("story log info: %w", err)
	}
	if err := s.loadState(ctx, logInfo.State.LastSeq); err != nil {
		return nil, err
	}
	start := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if seq := s.state.Seq(); seq > 0 {
		start = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: seq + 1}
	}
	cons, err := stream.OrderedConsumer(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("story log consumer: %w", err)
	}
	s.consume, err = cons.Consume(s.follow, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		log.Warn("story log consumer", zap.Error(err))
	}))
	if err != nil {
		return nil, fmt.Errorf("story log consume: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		s.consume.Stop()
		return nil, fmt.Errorf("story log info: %w", err)
	}
	if err := s.waitApplied(ctx, info.State.LastSeq); err != nil {
		s.consume.Stop()
		return nil, fmt.Errorf("replay story log: %w", err)
	}
	stories, articles, _, _ := s.Size()
	log.Info("story log replayed", zap.Uint64("from_seq", s.loaded+1), zap.Uint64("last_seq", info.State.LastSeq), zap.Int("active_stories", stories), zap.Int("articles", articles))
	s.stop, s.done, s.interval = make(chan struct{}), make(chan struct{}), make(chan time.Duration)
	go s.publishLoop()
	if cfg.StateInterval > 0 {
		s.stateDone = make(chan struct{})
		go s.stateLoop()
	}
	return s, nil
}

// stateObject is the state snapshot's name in the object store; its
// metadata seqKey holds the log sequence it covers.
const (
	stateObject = "state"
	seqKey      = "seq"
)

// loadState loads the stored state snapshot, if there is one that this
// build can read and that the log (ending at last) can follow. A snapshot
// that cannot be used is refused loudly, and the whole log is replayed.
func (s *Stories) loadState(ctx context.Context, last uint64) error {
	start := time.Now()
	data, err := s.stateStore.GetBytes(ctx, stateObject)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		s.log.Info("no story state snapshot: replaying the whole story log", zap.String("bucket", s.cfg.StateBucket))
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state snapshot from %s: %w", s.cfg.StateBucket, err)
	}
	bg, err := cluster.ShippedBackground()
	if err != nil {
		return err
	}
	state, err := cluster.DecodeState(data, s.cfg.Params, bg)
	if err == nil && state.Seq() > last {
		err = fmt.Errorf("%w: it covers the story log up to #%d, but the log ends at #%d", cluster.ErrSnapshot, state.Seq(), last)
	}
	if err != nil {
		s.stateRefused.Inc()
		s.stateMu.Lock()
		s.refused = true
		s.stateMu.Unlock()
		s.log.Error("story state snapshot refused: replaying the whole story log", zap.String("bucket", s.cfg.StateBucket), zap.Int("bytes", len(data)), zap.Error(err))
		return nil
	}
	s.state, s.loaded = state, state.Seq()
	s.stateMu.Lock()
	s.saved, s.savedAt = state.Seq(), time.Now()
	s.stateMu.Unlock()
	s.log.Info("story state snapshot loaded", zap.Uint64("seq", state.Seq()), zap.Int("bytes", len(data)), zap.Duration("took", time.Since(start)))
	return nil
}

// saveState writes the state snapshot unless the stored one is at least
// as recent (another replica wrote it), and reports whether it wrote. It
// holds the state lock only to copy the state (cluster.State.Copy): the
// copy is encoded and stored while the stage goes on deciding.
func (s *Stories) saveState(ctx context.Context) (bool, error) {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if info, err := s.stateStore.GetInfo(ctx, stateObject); err == nil {
		if stored, _ := strconv.ParseUint(info.Metadata[seqKey], 10, 64); stored > s.saved && !s.refused {
			s.saved, s.savedAt = stored, info.ModTime
		}
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, fmt.Errorf("state snapshot info: %w", err)
	}
	s.mu.Lock()
	seq := s.state.Seq()
	if seq <= s.saved {
		s.mu.Unlock()
		return false, nil
	}
	view, err := s.state.Copy()
	s.mu.Unlock()
	if err != nil {
		return false, err
	}
	var buf bytes.Buffer
	out := io.Writer(&buf)
	if s.encodingHook != nil {
		out = s.encodingHook(out)
	}
	if err := view.WriteSnapshot(out); err != nil {
		return false, fmt.Errorf("encode state snapshot: %w", err)
	}
	size := buf.Len()
	_, err = s.stateStore.Put(ctx, jetstream.ObjectMeta{
		Name:     stateObject,
		Metadata: map[string]string{seqKey: strconv.FormatUint(seq, 10)},
	}, &buf)
	if err != nil {
		return false, fmt.Errorf("write state snapshot: %w", err)
	}
	s.saved, s.savedAt, s.refused = seq, time.Now(), false
	s.stateBytes.Set(float64(size))
	return true, nil
}

func (s *Stories) stateLoop() {
	defer close(s.stateDone)
	t := time.NewTicker(s.cfg.StateInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.StateInterval)
			wrote, err := s.saveState(ctx)
			cancel()
			switch {
			case err != nil:
				s.stateWrites.WithLabelValues("error").Inc()
				s.log.Warn("story state snapshot not written, retrying at the next interval", zap.Error(err))
			case wrote:
				s.stateWrites.WithLabelValues("ok").Inc()
			default:
				s.stateWrites.WithLabelValues("current").Inc()
			}
		}
	}
}

// follow applies one story log message, unless this replica applied it
// when it appended it.
func (s *Stories) follow(m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		s.log.Warn("story log message without metadata", zap.Error(err))
		return
	}
	seq := md.Sequence.Stream
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.state.Seq() {
		return
	}
	evs, err := cluster.DecodeEvents(m.Data())
	for i := 0; err == nil && i < len(evs); i++ {
		_, err = s.state.ApplyAt(seq, i, evs[i])
	}
	if err != nil {
		// Still move past it, so that appends and waiters go on.
		s.log.Warn("skipping story log message", zap.Uint64("stream_seq", seq), zap.Error(err))
		s.state.Skip(seq)
		s.skipped++
	}
	s.notify()
}

// notify wakes every waiter; s.mu is held.
func (s *Stories) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Stories) waitApplied(ctx context.Context, seq uint64) error {
	for {
		s.mu.Lock()
		applied, changed := s.state.Seq(), s.changed
		s.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for story log #%d (applied #%d): %w", seq, applied, ctx.Err())
		}
	}
}

// Process puts doc in a story and sets its StoryID. An article without
// text or entities opens its own story; only a story log that cannot be
// written fails it (retryably).
func (s *Stories) Process(ctx context.Context, doc *schema.Document) (*schema.Document, error) {
	if doc == nil {
		return nil, stage.Permanent(ErrNoDocument)
	}
	id, err := s.Assign(ctx, cluster.FromDocument(doc))
	if err != nil {
		return nil, err
	}
	doc.StoryID = id
	return doc, nil
}

// Assign decides a's story, appends the decision to the log and applies
// it, and returns the story's id. Concurrent calls are appended together
// (group commit): one of them appends for all that are waiting.
func (s *Stories) Assign(ctx context.Context, a *cluster.Article) (string, error) {
	w, err := newWaiting(a)
	if err != nil {
		return "", err
	}
	s.queueMu.Lock()
	s.queue = append(s.queue, w)
	s.queueMu.Unlock()
	for {
		select {
		case <-w.done:
			return w.id, w.err
		case s.committing <- struct{}{}:
			select {
			case <-w.done:
			default:
				s.commit(ctx)
			}
			<-s.committing
		case <-ctx.Done():
			s.queueMu.Lock()
			defer s.queueMu.Unlock()
			if i := slices.Index(s.queue, w); i >= 0 {
				s.queue = slices.Delete(s.queue, i, i+1)
			}
			return "", ctx.Err()
		}
	}
}

// commit takes the waiting articles (at most MaxBatch of them, and as
// many as fit in maxMessage bytes) and appends their decisions as one
// message; the rest wait for the next commit.
func (s *Stories) commit(ctx context.Context) {
	s.queueMu.Lock()
	batch := s.queue[:min(len(s.queue), s.cfg.MaxBatch)]
	s.queue = slices.Clone(s.queue[len(batch):])
	s.queueMu.Unlock()
	if len(batch) == 0 {
		return
	}
	taken, err := s.decideAndAppend(ctx, batch)
	for _, w := range batch[:taken] {
		if err != nil && w.err == nil {
			w.err = err
		}
		close(w.done)
	}
	if rest := batch[taken:]; len(rest) > 0 {
		s.queueMu.Lock()
		s.queue = append(rest, s.queue...)
		s.queueMu.Unlock()
	}
}

// maxMessage is the most bytes a batch takes (the NATS server refuses
// messages over 1 MiB by default); an article whose event alone is
// larger goes alone.
const maxMessage = 512 << 10

// decideAndAppend decides the batch's articles in order, applying each
// tentatively, appends them as one message and keeps them; on a conflict
// it rolls them back, waits for the other replica's message and decides
// again. It returns how many of the batch it took (the rest did not fit
// in one message) and the error that fails them all. An article that
// cannot be applied fails alone (w.err).
func (s *Stories) decideAndAppend(ctx context.Context, batch []*waiting) (int, error) {
	for {
		s.mu.Lock()
		last := s.state.Seq()
		if err := s.state.Begin(); err != nil {
			s.mu.Unlock()
			return len(batch), err
		}
		var (
			events  [][]byte
			size    int
			taken   int
			counted struct{ opened, joined, merges uint64 }
		)
		for _, w := range batch {
			p := s.state.Propose(w.a)
			ev := p.Event
			data, err := cluster.EncodeEventOf(w.article, ev.Story, ev.Merges)
			if err != nil {
				w.err = stage.Permanent(err)
				taken++
				continue
			}
			if len(events) > 0 && cluster.BatchSize(len(events)+1, size+len(data)) > maxMessage {
				break
			}
			taken++
			_, known := s.state.StoryOf(w.a.ID)
			w.id, err = s.state.ApplyProposal(last+1, len(events), p)
			if err != nil {
				w.err = stage.Permanent(err)
				continue
			}
			events, size = append(events, data), size+len(data)
			if !known {
				if ev.Story == cluster.StoryIDFor(w.a.ID) {
					counted.opened++
				} else {
					counted.joined++
				}
				counted.merges += uint64(len(ev.Merges))
			}
		}
		if len(events) == 0 {
			err := s.state.Rollback()
			s.mu.Unlock()
			return taken, err
		}
		seq, err := s.events.append(ctx, last, cluster.EncodeBatch(events))
		if err == nil && seq == last+1 {
			err = s.state.Commit()
			s.opened, s.joined, s.merges = s.opened+counted.opened, s.joined+counted.joined, s.merges+counted.merges
			s.batches.Observe(float64(len(events)))
			s.notify()
			s.mu.Unlock()
			return taken, err
		}
		if rerr := s.state.Rollback(); rerr != nil {
			s.mu.Unlock()
			return taken, rerr
		}
		for _, w := range batch[:taken] {
			w.id, w.err = "", nil
		}
		changed := s.changed
		s.mu.Unlock()
		switch {
		case err == nil:
			// Cannot happen with an expected last sequence; the message
			// is applied when the log delivers it, and the articles
			// retried find their stories there.
			return taken, fmt.Errorf("story log appended at #%d, expected #%d", seq, last+1)
		case !errors.Is(err, errConflict):
			return taken, err
		}
		s.conflicts.Inc()
		select {
		case <-changed:
		case <-time.After(s.cfg.MaxLag):
			return taken, fmt.Errorf("%w: no story log event applied for %s after #%d", ErrLagging, s.cfg.MaxLag, last)
		case <-ctx.Done():
			return taken, ctx.Err()
		}
	}
}

// StoryOf returns the story an article is in, if it was seen within the
// horizon.
func (s *Stories) StoryOf(articleID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.StoryOf(articleID)
}

// Size reports the active stories, the articles remembered, the posting
// lists and the stream's document-frequency terms of this replica.
func (s *Stories) Size() (stories, articles, postings, terms int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Size()
}

// TakeSnapshots returns the snapshots of the stories changed since the
// last call (the offline evaluation and tests read them this way; the
// service publishes them).
func (s *Stories) TakeSnapshots() []schema.Story {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.TakeDirty()
}

func (s *Stories) publishLoop() {
	defer close(s.done)
	every := s.cfg.SnapshotInterval
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.publishSnapshots()
			return
		case <-t.C:
			s.publishSnapshots()
		case d := <-s.interval:
			if d <= 0 {
				d = s.cfg.SnapshotInterval
			}
			every = d
			t.Reset(every)
		}
	}
}

// SetSnapshotInterval sets the interval between two publications of the
// changed stories, instead of Config.SnapshotInterval (d <= 0 goes back to
// it): the next publication is d from now. newsflow run lengthens it while
// the pipeline is behind: a story that takes articles for the length of a
// backlog is then snapshotted once per interval instead of once a second,
// and every snapshot is a message to store, deliver, decode and index. A
// stage without NATS (the evaluation's) publishes nothing, and this does
// nothing.
func (s *Stories) SetSnapshotInterval(d time.Duration) {
	if s.interval == nil {
		return
	}
	select {
	case s.interval <- d:
	case <-s.done:
	}
}

// publishSnapshots publishes every changed story, with the message id
// <story>:<revision>: every replica publishes the stories it saw change,
// so a snapshot survives the death of the replica that made the change,
// and JetStream keeps one copy of each.
func (s *Stories) publishSnapshots() int {
	s.publishing.Lock()
	defer s.publishing.Unlock()
	// The lock is held only to copy the changed stories: the snapshots
	// are made from the copies while the stage goes on deciding.
	s.mu.Lock()
	changed := s.state.TakeChanged()
	s.mu.Unlock()
	for i := range changed {
		st := changed[i].Snapshot()
		s.pending[st.ID] = st
	}
	if len(s.pending) == 0 {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type inflight struct {
		id  string
		ack jetstream.PubAckFuture
	}
	var sent []inflight
	for id, st := range s.pending {
		data, err := json.Marshal(&st)
		if err != nil {
			s.log.Error("story snapshot cannot be encoded", zap.String("story_id", id), zap.Error(err))
			delete(s.pending, id)
			continue
		}
		ack, err := s.js.PublishAsync(stage.SubjectStories, data, jetstream.WithMsgID(fmt.Sprintf("%s:%d", id, st.Revision)))
		if err != nil {
			s.snapshots.WithLabelValues("error").Inc()
			continue
		}
		sent = append(sent, inflight{id, ack})
	}
	failed := 0
	for _, f := range sent {
		select {
		case <-f.ack.Ok():
			delete(s.pending, f.id)
			s.snapshots.WithLabelValues("ok").Inc()
		case <-f.ack.Err():
			failed++
			s.snapshots.WithLabelValues("error").Inc()
		case <-ctx.Done():
			failed++
			s.snapshots.WithLabelValues("error").Inc()
		}
	}
	if failed > 0 {
		s.log.Warn("story snapshots not published, retrying at the next interval", zap.Int("failed", failed), zap.Int("pending", len(s.pending)))
	}
	return len(sent) - failed
}

// Flush publishes the snapshots of the stories changed since the last
// publication now, instead of at the next interval, and returns how many
// it published (a batch run waits for them this way).
func (s *Stories) Flush() int {
	if s.js == nil {
		return 0
	}
	return s.publishSnapshots()
}

// Close stops following the log and publishes the last snapshots.
func (s *Stories) Close() {
	if s.consume != nil {
		s.consume.Stop()
	}
	if s.stop != nil {
		close(s.stop)
		<-s.done
		if s.stateDone != nil {
			<-s.stateDone
		}
		s.stop = nil
	}
}

// Collectors returns the stage's own Prometheus metrics.
func (s *Stories) Collectors() []prometheus.Collector {
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f)
	}
	locked := func(f func() float64) func() float64 {
		return func() float64 { s.mu.Lock(); defer s.mu.Unlock(); return f() }
	}
	return []prometheus.Collector{
		s.conflicts, s.batches, s.snapshots, s.stateRefused, s.stateWrites, s.stateBytes,
		gauge("newsflow_stories_state_snapshot_age_seconds", "Age of the newest state snapshot this replica wrote, loaded or found stored; -1 before there is one.",
			func() float64 {
				s.stateMu.Lock()
				defer s.stateMu.Unlock()
				if s.savedAt.IsZero() {
					return -1
				}
				return time.Since(s.savedAt).Seconds()
			}),
		gauge("newsflow_stories_state_loaded_sequence", "Story log sequence of the state snapshot this replica loaded at start; it replayed the log after it (0: none loaded, the whole log replayed).",
			func() float64 { return float64(s.loaded) }),
		gauge("newsflow_stories_active", "Stories still taking members (quiet for less than the horizon) on this replica.",
			locked(func() float64 { n, _, _, _ := s.state.Size(); return float64(n) })),
		gauge("newsflow_stories_articles_remembered", "Articles whose story this replica remembers (for copies and redeliveries).",
			locked(func() float64 { _, n, _, _ := s.state.Size(); return float64(n) })),
		gauge("newsflow_stories_log_applied_sequence", "Last story log sequence this replica applied.",
			locked(func() float64 { return float64(s.state.Seq()) })),
		counter("newsflow_stories_opened_total", "Articles that opened a new story (decided on this replica).",
			locked(func() float64 { return float64(s.opened) })),
		counter("newsflow_stories_joined_total", "Articles that joined an existing story (decided on this replica).",
			locked(func() float64 { return float64(s.joined) })),
		counter("newsflow_stories_merges_total", "Twin stories merged (decided on this replica).",
			locked(func() float64 { return float64(s.merges) })),
		counter("newsflow_stories_evicted_total", "Stories closed before their horizon to stay within the story bound.",
			locked(func() float64 { return float64(s.state.Evicted()) })),
		counter("newsflow_stories_log_skipped_total", "Story log messages that could not be applied and were skipped.",
			locked(func() float64 { return float64(s.skipped) })),
	}
}

// streamLog appends to the JetStream story log.
type streamLog struct{ js jetstream.JetStream }

func (l *streamLog) append(ctx context.Context, last uint64, data []byte) (uint64, error) {
	ack, err := l.js.Publish(ctx, LogSubject, data, jetstream.WithExpectLastSequence(last))
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
			return 0, errConflict
		}
		return 0, fmt.Errorf("append to story log: %w", err)
	}
	return ack.Sequence, nil
}

// memoryLog is a log in memory, for one offline process.
type memoryLog struct{ last uint64 }

func (l *memoryLog) append(_ context.Context, last uint64, _ []byte) (uint64, error) {
	if last != l.last {
		return 0, errConflict
	}
	l.last++
	return l.last, nil
}
