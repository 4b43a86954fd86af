// Package stories is the stories stage of newsflow: it puts every article in a
// story, the group of reports of one real-world event across outlets,
// and publishes a snapshot of every story that changes.
//
// The clustering itself is package cluster. This package runs it as a
// replicated state machine over a JetStream stream, the story log: a
// replica appends each article it is given to the log (no decision yet,
// no expectation about the log's end), and every replica follows the log
// into its own cluster.State, deciding each article's story with Decide
// and applying it, in the log's order. So every replica decides every
// article exactly as one process fed the log would, no replica waits for
// another, and the state lock is held only while an article is decided
// and applied, never across a round trip to the server: the replica that
// appended an article waits for its own follower to reach it and answers
// with the story decided there. Decide must therefore be deterministic
// (no float sums in map order; see package cluster), and every replica
// must run the same parameters. A restarted replica rebuilds its state by
// replaying the log (which keeps the horizon's worth of events).
//
// Events appended by earlier versions carry their decision (the story and
// merges); they are applied as they are.
package stories

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// ErrLagging means the replica did not apply its own append to the story
// log within Config.MaxLag; the article is retried.
var ErrLagging = errors.New("story log: replica lagging")

// Stories is the stage. It is safe for concurrent use.
type Stories struct {
	cfg Config
	log *zap.Logger

	mu      sync.Mutex
	state   *cluster.State
	changed chan struct{} // closed and replaced whenever state moves
	// waiting are the articles this replica appended and waits for,
	// by article id.
	waiting map[string][]*waiter
	opened  uint64
	joined  uint64
	merges  uint64
	skipped uint64

	js      jetstream.JetStream // nil offline: no log, no snapshots
	consume jetstream.ConsumeContext
	stop    chan struct{}
	done    chan struct{}
	// publishing serialises publishSnapshots (the loop and Flush);
	// pending holds snapshots that failed to publish, retried next time.
	publishing sync.Mutex
	pending    map[string]schema.Story

	snapshots *prometheus.CounterVec
}

// waiter is one Assign waiting for its article's turn in the log.
type waiter struct {
	article *cluster.Article // as decoded from data
	data    []byte           // the event as appended
	done    chan struct{}    // closed once story and err are set
	story   string
	err     error
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
		waiting: map[string][]*waiter{}, pending: map[string]schema.Story{},
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_stories_snapshots_total",
			Help: "Story snapshots published, by result (ok, error: retried at the next interval).",
		}, []string{"result"}),
	}, nil
}

// NewOffline returns a stage without a story log, which decides each
// article as it comes and publishes no snapshots: one process, as the
// evaluation runs the stage's own code.
func NewOffline(cfg Config, log *zap.Logger) (*Stories, error) {
	return newStories(cfg, log)
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
			Description: "stories log: one message per article, its terms, entities and story, and the merges it caused",
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
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
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
	log.Info("story log replayed", zap.Uint64("last_seq", info.State.LastSeq), zap.Int("active_stories", stories), zap.Int("articles", articles))
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.publishLoop()
	return s, nil
}

// follow decides and applies one story log message, in log order.
func (s *Stories) follow(m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		s.log.Warn("story log message without metadata", zap.Error(err))
		return
	}
	seq := md.Sequence.Stream
	// follow is the only writer of the state, so what it reads of it
	// before decoding holds.
	s.mu.Lock()
	applied := s.state.Seq()
	// An article this replica appended need not be decoded: its waiter
	// holds it decoded (the message id is the article's id, and the
	// bytes are those it appended, not another version of the article).
	var own *cluster.Article
	for _, w := range s.waiting[m.Headers().Get(jetstream.MsgIDHeader)] {
		if bytes.Equal(w.data, m.Data()) {
			own = w.article
			break
		}
	}
	s.mu.Unlock()
	if seq <= applied {
		return
	}
	ev, err := cluster.Event{Article: own}, error(nil)
	if own == nil {
		ev, err = cluster.DecodeEvent(m.Data())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var story string
	if err == nil {
		story, err = s.applyLocked(seq, ev)
	}
	if err != nil {
		// Still move past it, so that appends and waiters go on.
		s.log.Warn("skipping story log message", zap.Uint64("stream_seq", seq), zap.Error(err))
		s.state.Skip(seq)
		s.skipped++
	}
	if ev.Article != nil {
		for _, w := range s.waiting[ev.Article.ID] {
			w.story, w.err = story, err
			close(w.done)
		}
		delete(s.waiting, ev.Article.ID)
	}
	s.notify()
}

// applyLocked decides ev's article, unless an earlier version decided it
// when it appended the event, and applies it at seq; s.mu is held.
func (s *Stories) applyLocked(seq uint64, ev cluster.Event) (string, error) {
	if ev.Story == "" {
		ev = s.state.Decide(ev.Article)
	}
	_, known := s.state.StoryOf(ev.Article.ID)
	id, err := s.state.Apply(seq, ev)
	if err == nil && !known && (s.js == nil || len(s.waiting[ev.Article.ID]) > 0) {
		if ev.Story == cluster.StoryIDFor(ev.Article.ID) {
			s.opened++
		} else {
			s.joined++
		}
		s.merges += uint64(len(ev.Merges))
	}
	return id, err
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

// Assign appends a to the story log, waits until this replica's
// follower has decided and applied it, and returns its story's id
// (offline, it decides and applies it at once).
func (s *Stories) Assign(ctx context.Context, a *cluster.Article) (string, error) {
	if s.js == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		id, err := s.applyLocked(s.state.Seq()+1, cluster.Event{Article: a})
		s.notify()
		return id, err
	}
	data, err := cluster.EncodeEvent(cluster.Event{Article: a})
	if err != nil {
		return "", stage.Permanent(err)
	}
	// The follower applies the article as every other replica reads it
	// from the log, decoded (JSON replaces invalid UTF-8, for one), but
	// need not decode it itself: this is done here, beside the other
	// workers, instead of in the one goroutine that applies the log.
	logged, err := cluster.DecodeEvent(data)
	if err != nil {
		return "", stage.Permanent(err)
	}
	a = logged.Article
	w := &waiter{article: a, data: data, done: make(chan struct{})}
	s.mu.Lock()
	s.waiting[a.ID] = append(s.waiting[a.ID], w)
	s.mu.Unlock()
	defer s.forget(w)
	// The message id is the article's: JetStream stores a redelivered
	// article once within its duplicate window and acknowledges the
	// first copy's sequence.
	ack, err := s.js.Publish(ctx, LogSubject, data, jetstream.WithMsgID(a.ID))
	if err != nil {
		return "", fmt.Errorf("append to story log: %w", err)
	}
	select {
	case <-w.done:
		return w.story, w.err
	default:
	}
	s.mu.Lock()
	if s.state.Seq() >= ack.Sequence {
		// Applied before w was registered: a duplicate's first copy.
		id, ok := s.state.StoryOf(a.ID)
		s.mu.Unlock()
		if !ok {
			return "", fmt.Errorf("%w: story log #%d applied, but %s is not in a story (past the horizon?)", ErrLagging, ack.Sequence, a.ID)
		}
		return id, nil
	}
	s.mu.Unlock()
	timeout := time.NewTimer(s.cfg.MaxLag)
	defer timeout.Stop()
	select {
	case <-w.done:
		return w.story, w.err
	case <-timeout.C:
		return "", fmt.Errorf("%w: story log #%d not applied within %s", ErrLagging, ack.Sequence, s.cfg.MaxLag)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// forget stops waiting for w.
func (s *Stories) forget(w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.waiting[w.article.ID]
	if i := slices.Index(ws, w); i >= 0 {
		ws = slices.Delete(ws, i, i+1)
	}
	if len(ws) == 0 {
		delete(s.waiting, w.article.ID)
	} else {
		s.waiting[w.article.ID] = ws
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
	t := time.NewTicker(s.cfg.SnapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.publishSnapshots()
			return
		case <-t.C:
			s.publishSnapshots()
		}
	}
}

// publishSnapshots publishes every changed story, with the message id
// <story>:<revision>: every replica publishes the stories it saw change,
// so a snapshot survives the death of the replica that made the change,
// and JetStream keeps one copy of each.
func (s *Stories) publishSnapshots() int {
	s.publishing.Lock()
	defer s.publishing.Unlock()
	for _, st := range s.TakeSnapshots() {
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
		s.snapshots,
		gauge("newsflow_stories_active", "Stories still taking members (quiet for less than the horizon) on this replica.",
			locked(func() float64 { n, _, _, _ := s.state.Size(); return float64(n) })),
		gauge("newsflow_stories_articles_remembered", "Articles whose story this replica remembers (for copies and redeliveries).",
			locked(func() float64 { _, n, _, _ := s.state.Size(); return float64(n) })),
		gauge("newsflow_stories_log_applied_sequence", "Last story log sequence this replica applied.",
			locked(func() float64 { return float64(s.state.Seq()) })),
		counter("newsflow_stories_opened_total", "Articles appended by this replica that opened a new story.",
			locked(func() float64 { return float64(s.opened) })),
		counter("newsflow_stories_joined_total", "Articles appended by this replica that joined an existing story.",
			locked(func() float64 { return float64(s.joined) })),
		counter("newsflow_stories_merges_total", "Twin stories merged by the articles appended by this replica.",
			locked(func() float64 { return float64(s.merges) })),
		counter("newsflow_stories_evicted_total", "Stories closed before their horizon to stay within the story bound.",
			locked(func() float64 { return float64(s.state.Evicted()) })),
		counter("newsflow_stories_log_skipped_total", "Story log messages that could not be applied and were skipped.",
			locked(func() float64 { return float64(s.skipped) })),
	}
}
