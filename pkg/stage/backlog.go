package stage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrBacklogFull means the stage that reads a subject has more unfinished
// messages than the limit: whoever publishes there should wait.
var ErrBacklogFull = errors.New("downstream backlog full")

// ConsumerFor names the stage that consumes subject, "" for none.
func ConsumerFor(subject string) string {
	switch subject {
	case SubjectRaw:
		return NameIngest
	case SubjectCleaned:
		return NameDedupe
	case SubjectDeduped:
		return NameEnrich
	case SubjectEnriched:
		return NameStories
	case SubjectStoried:
		return NameIndex
	case SubjectStories:
		return NameStoryIndex
	}
	return ""
}

// Backlog watches how many messages the stage reading a subject has not
// finished: its durable consumer's undelivered plus unacknowledged
// messages, or, before that consumer exists, everything in the stream
// (it will start from the first message). Streams keep consumed messages
// for replay and make room by dropping the oldest, so a backlog kept well
// below the stream's size is what guarantees no unread message is dropped:
// the backlog is full at limit messages, or earlier when those messages,
// at the stream's average message size, would fill half of its MaxBytes.
// A Backlog from NewStagesBacklog adds up several stages' unfinished
// messages (and leaves the byte caps to each stage's own). JetStream is asked at most once per refresh interval.
type Backlog struct {
	js jetstream.JetStream
	// watched are the streams and their stages' durable consumers.
	watched []watchedStage
	// name names the stages in errors: "ingest", or "ingest+dedupe".
	name  string
	limit uint64
	every time.Duration
	// following is set while Follow refreshes the reading.
	following atomic.Bool

	// mu guards the reading below; JetStream is asked without holding
	// it, so publishers (Sent, Check) never wait for another's refresh.
	mu      sync.Mutex
	pending uint64
	// bytesLimit is how many unfinished messages fit in half the stream
	// at its average message size; 0 when the stream has no byte cap, and
	// for several stages (query).
	bytesLimit uint64
	readAt     time.Time
	// refreshing is closed when the caller asking JetStream has its
	// answer; nil when nobody is asking.
	refreshing chan struct{}
}

// watchedStage is one stream and the durable consumer of the stage that
// reads it.
type watchedStage struct {
	stream, consumer string
}

// backlogRefresh is how stale a backlog reading may be.
const backlogRefresh = 250 * time.Millisecond

// chainBacklogRefresh is how stale the reading of a chain of stages'
// backlog may be (NewStagesBacklog of several subjects: newsflow run holds
// its ingest on it). The chain works off its limit in well under a
// second, and a reading 250 ms old held the first stage back while the
// others ran out of work.
const chainBacklogRefresh = 50 * time.Millisecond

// NewBacklog watches the backlog of the stage reading subject, against
// limit messages. A zero limit never reports a full backlog.
func NewBacklog(js jetstream.JetStream, subject string, limit uint64) *Backlog {
	return NewStagesBacklog(js, limit, subject)
}

// NewStagesBacklog watches the unfinished messages of the stages reading
// subjects, added up, against limit messages: how much work a chain of
// stages holds between its first input and its last output. A zero limit
// never reports a full backlog.
func NewStagesBacklog(js jetstream.JetStream, limit uint64, subjects ...string) *Backlog {
	every := backlogRefresh
	if len(subjects) > 1 {
		every = chainBacklogRefresh
	}
	b := &Backlog{js: js, every: every}
	names := make([]string, 0, len(subjects))
	for _, subject := range subjects {
		w := watchedStage{stream: StreamFor(subject), consumer: ConsumerFor(subject)}
		b.watched = append(b.watched, w)
		names = append(names, w.consumer)
	}
	b.name = strings.Join(names, "+")
	b.limit = limit
	return b
}

// Check returns ErrBacklogFull (wrapped, with the numbers) when the
// backlog is over the limit.
func (b *Backlog) Check(ctx context.Context) error {
	if b == nil || b.limit == 0 {
		return nil
	}
	limit := b.limit
	n, bytesLimit, err := b.read(ctx)
	if err != nil {
		return err
	}
	if n >= limit {
		return fmt.Errorf("%w: %s has %d unfinished messages (limit %d)", ErrBacklogFull, b.name, n, limit)
	}
	if bytesLimit > 0 && n >= bytesLimit {
		return fmt.Errorf("%w: %s has %d unfinished messages, half of what %s holds at its size cap", ErrBacklogFull, b.name, n, b.watched[0].stream)
	}
	return nil
}

// Follow reads the backlog every refresh interval until ctx ends, and
// Check and Wait meanwhile use its latest reading (with what Sent counted
// since) instead of asking JetStream themselves, which would stall their
// caller for a round trip per stage watched. Before Follow's first
// reading they ask as usual.
func (b *Backlog) Follow(ctx context.Context) {
	b.following.Store(true)
	defer b.following.Store(false)
	t := time.NewTicker(b.every)
	defer t.Stop()
	for {
		if n, bytesLimit, err := b.query(ctx); err == nil { // else the last reading stays
			b.mu.Lock()
			b.pending, b.bytesLimit, b.readAt = n, bytesLimit, time.Now()
			b.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sent counts a message just published to the subject, so that the
// cached reading does not let a burst run past the limit until the next
// refresh.
func (b *Backlog) Sent() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.pending++
	b.mu.Unlock()
}

// Wait blocks until the backlog is under the limit or ctx ends.
func (b *Backlog) Wait(ctx context.Context) error {
	for {
		err := b.Check(ctx)
		if !errors.Is(err, ErrBacklogFull) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", err, ctx.Err())
		case <-time.After(b.every):
		}
	}
}

// read returns the backlog and the byte cap's limit, asking JetStream
// when the reading is older than the refresh interval. One caller asks at
// a time, without holding mu; the others meanwhile use the reading so far
// (at most one refresh older), or, before the first reading, wait for it.
func (b *Backlog) read(ctx context.Context) (uint64, uint64, error) {
	b.mu.Lock()
	for {
		if time.Since(b.readAt) < b.every || (b.refreshing != nil || b.following.Load()) && !b.readAt.IsZero() {
			n, bytesLimit := b.pending, b.bytesLimit
			b.mu.Unlock()
			return n, bytesLimit, nil
		}
		if b.refreshing == nil {
			break
		}
		wait := b.refreshing
		b.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("backlog of %s: %w", b.name, ctx.Err())
		}
		b.mu.Lock()
	}
	done := make(chan struct{})
	b.refreshing = done
	b.mu.Unlock()

	n, bytesLimit, err := b.query(ctx)

	b.mu.Lock()
	b.refreshing = nil
	if err == nil {
		b.pending, b.bytesLimit, b.readAt = n, bytesLimit, time.Now()
	}
	b.mu.Unlock()
	close(done)
	if err != nil {
		return 0, 0, fmt.Errorf("backlog of %s: %w", b.name, err)
	}
	return n, bytesLimit, nil
}

// query returns the unfinished messages of the stage watched and how
// many messages of its stream's average size fill half the stream's byte
// cap; of several stages, it adds up their unfinished messages and asks
// only their consumers (a request each instead of two): the byte cap is
// each stage's own backlog's to watch.
func (b *Backlog) query(ctx context.Context) (pending, bytesLimit uint64, err error) {
	if len(b.watched) == 1 {
		return b.watched[0].query(ctx, b.js)
	}
	for _, w := range b.watched {
		n, err := w.unfinished(ctx, b.js)
		if err != nil {
			return 0, 0, err
		}
		pending += n
	}
	return pending, 0, nil
}

// unfinished reads the consumer's unfinished messages, or before it
// exists its stream's messages.
func (w watchedStage) unfinished(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	cons, err := js.Consumer(ctx, w.stream, w.consumer) // fetches the consumer's info
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		n, _, err := w.query(ctx, js)
		return n, err
	}
	if err != nil {
		return 0, err
	}
	ci := cons.CachedInfo()
	return ci.NumPending + uint64(ci.NumAckPending), nil
}

// query reads the consumer's unfinished messages and, from the stream,
// how many messages of its average size fit in half its byte cap.
func (w watchedStage) query(ctx context.Context, js jetstream.JetStream) (pending, bytesLimit uint64, err error) {
	st, err := js.Stream(ctx, w.stream) // fetches the stream's info
	if err != nil {
		return 0, 0, err
	}
	info := st.CachedInfo()
	if capBytes := info.Config.MaxBytes; capBytes > 0 && info.State.Msgs > 0 {
		avg := max(info.State.Bytes/info.State.Msgs, 1)
		bytesLimit = max(uint64(capBytes)/2/avg, 1)
	}
	cons, err := st.Consumer(ctx, w.consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return info.State.Msgs, bytesLimit, nil
	}
	if err != nil {
		return 0, 0, err
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	return ci.NumPending + uint64(ci.NumAckPending), bytesLimit, nil
}
