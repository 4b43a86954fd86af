package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
)

// replayWorkers is how many documents a replay keeps in the bulk writer at
// once: each waits for its bulk item, flushed about every second.
const replayWorkers = 512

func replayCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: newsflow replay --since TIME|DURATION [--index NAME] [--nats URL] [--es-url URL]")
		fmt.Fprintln(stderr, "Re-drives articles.storied from TIME into a new generation of indices NAME-YYYY.MM,")
		fmt.Fprintln(stderr, "then moves the read alias to it in one step. Then set NEWSFLOW_INDEXER_INDEX_PREFIX=NAME")
		fmt.Fprintln(stderr, "for the indexer service.")
		fs.PrintDefaults()
	}
	natsCfg := stage.DefaultConfig().NATS
	esCfg := indexer.DefaultConfig()
	e := &stage.EnvFlags{FlagSet: fs}
	natsFlags(e, &natsCfg)
	esCfg.Flags(e)
	since := fs.String("since", "", "replay articles stored at or after this time (RFC 3339 or a date) or this long ago (1h, 90m, 7d)")
	name := fs.String("index", "", "name of the new index generation (default newsflow-articles-r<time>)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := errors.Join(e.Err(), esCfg.Validate()); err != nil {
		return err
	}
	if *since == "" || !esCfg.Enabled() {
		fmt.Fprintln(stderr, "newsflow replay: --since and an Elasticsearch URL (--es-url or NEWSFLOW_ES_URL) are required")
		return ErrUsage
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		return err
	}
	if *name == "" {
		*name = indexer.DefaultReplayName(time.Now())
	}
	log, err := consoleLogger(stderr, "warn")
	if err != nil {
		return err
	}
	js, closeConn, err := dial(ctx, natsCfg)
	if err != nil {
		return err
	}
	defer closeConn()
	r, err := indexer.NewReplay(ctx, esCfg, *name, log)
	if err != nil {
		return err
	}
	n, failed, err := replay(ctx, js, r, from, stderr, log)
	if err == nil && n == 0 {
		err = fmt.Errorf("articles.storied holds nothing stored since %s", from.Format(time.RFC3339))
	}
	if err != nil {
		_ = r.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("replay stopped after %d documents; the alias was not moved: %w", n, err)
	}
	if failed > 0 {
		_ = r.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("%d of %d documents were rejected (see the log); the alias was not moved, %s is left for inspection", failed, n, r.Name())
	}
	left, err := r.Commit(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "replayed %d documents into %s-*; alias %s now points there (was on %v)\n", n, r.Name(), esCfg.Alias, left)
	fmt.Fprintf(stdout, "next: set NEWSFLOW_INDEXER_INDEX_PREFIX=%s for the indexer service\n", r.Name())
	return nil
}

// parseSince reads --since: a time (RFC 3339, or a date) or a duration
// back from now, in Go's units (90m, 1h30m) or days (7d, 1d12h).
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := schema.ParseTime(s); err == nil {
		return t, nil
	}
	var back time.Duration
	rest := s
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		days, err := strconv.Atoi(rest[:i])
		if err != nil || days < 0 {
			return time.Time{}, fmt.Errorf("--since %q: want a time (2026-11-01, RFC 3339) or a duration back from now (1h, 90m, 7d)", s)
		}
		back, rest = time.Duration(days)*24*time.Hour, rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("--since %q: want a time (2026-11-01, RFC 3339) or a duration back from now (1h, 90m, 7d)", s)
		}
		back += d
	}
	return now.Add(-back), nil
}

// replay feeds every document stored in articles.storied from since up
// to the stream's last message at start into r. It returns how many were
// read and how many Elasticsearch rejected.
func replay(ctx context.Context, js jetstream.JetStream, r *indexer.Replay, since time.Time, stderr io.Writer, log *zap.Logger) (int, int, error) {
	st, err := js.Stream(ctx, stage.StreamStoried)
	if err != nil {
		return 0, 0, err
	}
	last := st.CachedInfo().State.LastSeq
	if last == 0 {
		return 0, 0, nil
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{stage.SubjectStoried},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &since,
	})
	if err != nil {
		return 0, 0, err
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(replayWorkers))
	if err != nil {
		return 0, 0, err
	}
	defer iter.Stop()

	work := make(chan *schema.Document)
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range replayWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for doc := range work {
				if _, err := r.Process(ctx, doc); err != nil {
					if stage.IsPermanent(err) {
						failed.Add(1)
						log.Warn("rejected", zap.String("article_id", doc.ID), zap.Error(err))
						continue
					}
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	n := 0
	bar := newProgress(stderr, int64(last), "replaying")
	var readErr error
	for {
		msg, err := iter.Next(jetstream.NextMaxWait(10 * time.Second))
		if err != nil {
			if n == 0 && errors.Is(err, nats.ErrTimeout) {
				break // nothing stored since then
			}
			readErr = err
			break
		}
		md, err := msg.Metadata()
		if err != nil {
			readErr = err
			break
		}
		doc, err := schema.DecodeDocument(msg.Data())
		if err != nil {
			failed.Add(1)
			log.Warn("undecodable document in the stream", zap.Uint64("seq", md.Sequence.Stream), zap.Error(err))
		} else {
			select {
			case work <- doc:
			case <-ctx.Done():
				readErr = ctx.Err()
			}
		}
		n++
		bar.set(int64(md.Sequence.Stream))
		if readErr != nil || md.Sequence.Stream >= last {
			break
		}
	}
	close(work)
	wg.Wait()
	bar.finish()
	return n, int(failed.Load()), errors.Join(readErr, firstErr)
}
