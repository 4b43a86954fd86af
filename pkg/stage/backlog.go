package stage

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
		return NameIndex
	}
	return ""
}

// Backlog watches how many messages the stage reading a subject has not
// finished: its durable consumer's undelivered plus unacknowledged
// messages, or, before that consumer exists, everything in the stream
// (it will start from the first message). Streams keep consumed messages
// for replay and make room by dropping the oldest, so a backlog kept well
// below the stream's size is what guarantees no unread message is dropped.
// JetStream is asked at most once per refresh interval.
type Backlog struct {
	js       jetstream.JetStream
	stream   string
	consumer string
	limit    uint64
	every    time.Duration

	mu      sync.Mutex
	pending uint64
	readAt  time.Time
}

// backlogRefresh is how stale a backlog reading may be.
const backlogRefresh = 250 * time.Millisecond

// NewBacklog watches the backlog of the stage reading subject, against
// limit messages. A zero limit never reports a full backlog.
func NewBacklog(js jetstream.JetStream, subject string, limit uint64) *Backlog {
	return &Backlog{js: js, stream: StreamFor(subject), consumer: ConsumerFor(subject), limit: limit, every: backlogRefresh}
}

// Check returns ErrBacklogFull (wrapped, with the numbers) when the
// backlog is over the limit.
func (b *Backlog) Check(ctx context.Context) error {
	if b == nil || b.limit == 0 {
		return nil
	}
	n, err := b.read(ctx)
	if err != nil {
		return err
	}
	if n >= b.limit {
		return fmt.Errorf("%w: %s has %d unfinished messages (limit %d)", ErrBacklogFull, b.consumer, n, b.limit)
	}
	return nil
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

func (b *Backlog) read(ctx context.Context) (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.readAt) < b.every {
		return b.pending, nil
	}
	n, err := b.query(ctx)
	if err != nil {
		return 0, fmt.Errorf("backlog of %s: %w", b.consumer, err)
	}
	b.pending, b.readAt = n, time.Now()
	return n, nil
}

func (b *Backlog) query(ctx context.Context) (uint64, error) {
	cons, err := b.js.Consumer(ctx, b.stream, b.consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		st, err := b.js.Stream(ctx, b.stream)
		if err != nil {
			return 0, err
		}
		info, err := st.Info(ctx)
		if err != nil {
			return 0, err
		}
		return info.State.Msgs, nil
	}
	if err != nil {
		return 0, err
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return ci.NumPending + uint64(ci.NumAckPending), nil
}
