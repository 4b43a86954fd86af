// Package boilerplate learns, per source, the lines that recur across that
// source's articles ("Subscribe to the Daily Bugle for $1", a sign-off, a
// newsletter plug) so that clean.Clean can remove them.
//
// The model: each short paragraph near the top or bottom of a cleaned
// article (clean.Result's LearnKeys: at most clean.MaxLearnWords words,
// at most ten per article) is a fingerprint under its source's domain. The learner records which distinct articles carried it;
// once MinArticles different articles of the same source did, the line is
// boilerplate for that source. Counting article ids rather than
// deliveries means a redelivered or re-sent article never counts twice.
//
// The state lives in a JetStream key-value bucket (ingest_boilerplate by
// default), so every ingest replica shares it: a key is
// "<source>.<fingerprint>" and its value the ids that carried it, updated
// with compare-and-set. Each replica keeps an in-memory view of the
// learned lines, filled by a watch on the bucket; New returns once that
// view holds everything already in the bucket. ObserveAsync records in
// the background so that the article's path never waits on KV. Keys expire with the
// bucket's TTL (30 days by default), so a line that stops recurring is
// forgotten by the bucket (a running replica's view keeps it until
// restart: TTL expiry sends no delete to watchers). Sizing: one key of
// about 100 bytes per distinct edge line, so at 100,000 articles a day the
// default 1 GiB holds roughly a month.
package boilerplate

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/clean"
)

// DefaultBucket is the KV bucket of learned boilerplate.
const DefaultBucket = "ingest_boilerplate"

// ErrConfig means the Config is unusable; the message says why.
var ErrConfig = errors.New("boilerplate config")

// DefaultMaxBytes caps the bucket when Config.MaxBytes is 0.
const DefaultMaxBytes = 1 << 30

// Config tunes the learner.
type Config struct {
	// Bucket is the KV bucket; default DefaultBucket.
	Bucket string
	// MinArticles is how many distinct articles of one source must carry
	// a line before it is boilerplate; default 3.
	MinArticles int
	// MaxLinesPerArticle caps the lines recorded per article; default 20.
	MaxLinesPerArticle int
	// QueueSize bounds the observations waiting for ObserveAsync's
	// background recorder; default 1024.
	QueueSize int
	// TTL, Replicas and MaxBytes apply when the bucket has to be created
	// (defaults 30 days, 1, 1 GiB); an existing bucket keeps its own.
	TTL      time.Duration
	Replicas int
	MaxBytes int64
}

func (c *Config) defaults() {
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.MinArticles == 0 {
		c.MinArticles = 3
	}
	if c.MaxLinesPerArticle == 0 {
		c.MaxLinesPerArticle = 20
	}
	if c.QueueSize == 0 {
		c.QueueSize = 1024
	}
	if c.TTL == 0 {
		c.TTL = 30 * 24 * time.Hour
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var problems []string
	if c.MinArticles < 0 || c.MinArticles == 1 {
		problems = append(problems, fmt.Sprintf("MinArticles %d: want 2 or more (0 for the default 3); 1 would remove every short paragraph", c.MinArticles))
	}
	if c.MaxLinesPerArticle < 0 {
		problems = append(problems, "MaxLinesPerArticle must not be negative")
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		problems = append(problems, fmt.Sprintf("Replicas %d: want 1 to 5", c.Replicas))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	return nil
}

// Learner learns and serves per-source boilerplate lines.
type Learner struct {
	kv  jetstream.KeyValue
	cfg Config
	log *zap.Logger

	mu      sync.RWMutex
	learned map[string]map[string]bool // source token -> fingerprints

	stop    context.CancelFunc
	done    chan struct{} // closed when the watcher ends
	queue   chan observation
	flushed chan struct{} // closed when the observer ends
	dropped atomic.Int64
}

// observation is one article's lines waiting to be recorded; a nil keys
// with a non-nil done is a flush marker.
type observation struct {
	source, id string
	keys       []string
	done       chan struct{}
}

// New opens (or creates) the bucket, loads what it holds and keeps
// watching it until Stop.
func New(ctx context.Context, js jetstream.JetStream, cfg Config, log *zap.Logger) (*Learner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	var kv jetstream.KeyValue
	err := stage.Provision(ctx, js, log, "kv bucket "+cfg.Bucket, func(ctx context.Context) (err error) {
		kv, err = js.KeyValue(ctx, cfg.Bucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket:      cfg.Bucket,
				Description: "ingest: line fingerprints seen per source domain, to learn site boilerplate",
				History:     1,
				TTL:         cfg.TTL,
				MaxBytes:    cfg.MaxBytes,
				Storage:     jetstream.FileStorage,
				Replicas:    cfg.Replicas,
			})
			if errors.Is(err, jetstream.ErrBucketExists) {
				kv, err = js.KeyValue(ctx, cfg.Bucket) // another replica won the race
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("boilerplate bucket %s: %w", cfg.Bucket, err)
	}
	watchCtx, cancel := context.WithCancel(context.Background())
	w, err := kv.WatchAll(watchCtx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch %s: %w", cfg.Bucket, err)
	}
	l := &Learner{
		kv: kv, cfg: cfg, log: log, learned: map[string]map[string]bool{}, stop: cancel,
		done: make(chan struct{}), queue: make(chan observation, cfg.QueueSize), flushed: make(chan struct{}),
	}
	ready := make(chan struct{})
	go l.watch(w, ready)
	go l.observe(watchCtx)
	select {
	case <-ready:
		return l, nil
	case <-ctx.Done():
		l.Stop()
		return nil, fmt.Errorf("load %s: %w", cfg.Bucket, ctx.Err())
	}
}

func (l *Learner) watch(w jetstream.KeyWatcher, ready chan struct{}) {
	defer close(l.done)
	defer func() {
		if err := w.Stop(); err != nil {
			l.log.Debug("boilerplate watcher stop", zap.Error(err))
		}
	}()
	readyOnce := sync.OnceFunc(func() { close(ready) })
	defer readyOnce()
	for e := range w.Updates() {
		if e == nil {
			readyOnce() // everything stored before the watch is loaded
			continue
		}
		source, fp, ok := splitKey(e.Key())
		if !ok {
			continue
		}
		learned := e.Operation() == jetstream.KeyValuePut && countIDs(e.Value()) >= l.cfg.MinArticles
		l.set(source, fp, learned)
	}
}

// Stop ends the watch and the background recording, dropping what is
// still queued, and waits for both.
func (l *Learner) Stop() {
	l.stop()
	<-l.done
	<-l.flushed
}

// observe records queued observations until ctx ends.
func (l *Learner) observe(ctx context.Context) {
	defer close(l.flushed)
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-l.queue:
			if o.done != nil {
				close(o.done)
				continue
			}
			if _, err := l.Observe(ctx, o.source, o.id, o.keys); err != nil && ctx.Err() == nil {
				l.log.Warn("boilerplate learning failed", zap.String("source", o.source), zap.Error(err))
			}
		}
	}
}

// ObserveAsync queues Observe for the background recorder and returns at
// once, so that KV round trips stay out of the article's path. When the
// queue is full the observation is dropped (learning is best effort) and
// counted in Dropped.
func (l *Learner) ObserveAsync(source, id string, keys []string) {
	if source == "" || id == "" || len(keys) == 0 {
		return
	}
	select {
	case l.queue <- observation{source: source, id: id, keys: keys}:
	default:
		l.dropped.Add(1)
	}
}

// Dropped counts observations dropped because the queue was full.
func (l *Learner) Dropped() int64 { return l.dropped.Load() }

// Flush waits until every observation queued before it is recorded.
func (l *Learner) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case l.queue <- observation{done: done}:
	case <-ctx.Done():
		return ctx.Err()
	case <-l.flushed:
		return errors.New("boilerplate learner stopped")
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.flushed:
		return errors.New("boilerplate learner stopped")
	}
}

func (l *Learner) set(source, fp string, learned bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.learned[source]
	if learned {
		if m == nil {
			m = map[string]bool{}
			l.learned[source] = m
		}
		m[fp] = true
	} else if m != nil {
		delete(m, fp)
	}
}

func (l *Learner) has(source, fp string) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.learned[source][fp]
}

// For returns the learned lines of source (a domain such as
// "example.com") as a clean.LineSet. It reflects later learning too.
func (l *Learner) For(source string) clean.LineSet {
	return sourceLines{l: l, source: token(source)}
}

type sourceLines struct {
	l      *Learner
	source string
}

func (s sourceLines) Contains(key string) bool { return s.l.has(s.source, fingerprint(key)) }

// Observe records that the article id of source carried the lines keys
// (clean.LineKey values). It returns how many of them became boilerplate
// with this article.
func (l *Learner) Observe(ctx context.Context, source, id string, keys []string) (int, error) {
	if source == "" || id == "" || len(keys) == 0 {
		return 0, nil
	}
	src := token(source)
	seen := map[string]bool{}
	learnedNow := 0
	var errs []error
	for _, k := range keys {
		if len(seen) >= l.cfg.MaxLinesPerArticle {
			break
		}
		fp := fingerprint(k)
		if k == "" || seen[fp] || l.has(src, fp) {
			continue
		}
		seen[fp] = true
		n, err := l.add(ctx, src+"."+fp, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n >= l.cfg.MinArticles {
			l.set(src, fp, true)
			learnedNow++
		}
	}
	if err := errors.Join(errs...); err != nil {
		return learnedNow, fmt.Errorf("observe %s: %w", source, err)
	}
	return learnedNow, nil
}

// add puts id into the key's id list with compare-and-set and returns the
// number of distinct ids now stored.
func (l *Learner) add(ctx context.Context, key, id string) (int, error) {
	for attempt := 0; attempt < 8; attempt++ {
		e, err := l.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			_, err = l.kv.Create(ctx, key, []byte(id))
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // created meanwhile by another replica
			}
			if err != nil {
				return 0, fmt.Errorf("create %s: %w", key, err)
			}
			return 1, nil
		case err != nil:
			return 0, fmt.Errorf("get %s: %w", key, err)
		}
		ids := strings.Split(string(e.Value()), ",")
		for _, have := range ids {
			if have == id {
				return len(ids), nil
			}
		}
		if len(ids) >= l.cfg.MinArticles {
			return len(ids), nil
		}
		ids = append(ids, id)
		_, err = l.kv.Update(ctx, key, []byte(strings.Join(ids, ",")), e.Revision())
		if errors.Is(err, jetstream.ErrKeyExists) || isRevisionMismatch(err) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("update %s: %w", key, err)
		}
		return len(ids), nil
	}
	return 0, fmt.Errorf("update %s: too much contention", key)
}

func isRevisionMismatch(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

func countIDs(v []byte) int {
	if len(v) == 0 {
		return 0
	}
	return strings.Count(string(v), ",") + 1
}

// token turns a source into a KV key segment: [a-z0-9_-] only.
func token(source string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(source) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func fingerprint(key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return strconv.FormatUint(h.Sum64(), 16)
}

func splitKey(k string) (source, fp string, ok bool) {
	i := strings.LastIndexByte(k, '.')
	if i <= 0 || i == len(k)-1 {
		return "", "", false
	}
	return k[:i], k[i+1:], true
}
