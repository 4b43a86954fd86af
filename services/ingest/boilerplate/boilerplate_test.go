package boilerplate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/ingest/clean"
)

func newLearner(t *testing.T, ctx context.Context, js jetstream.JetStream, cfg Config) *Learner {
	t.Helper()
	l, err := New(ctx, js, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	return l
}

func TestLearnsRecurringLines(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	js := natstest.JetStream(t)
	l := newLearner(t, ctx, js, Config{MinArticles: 3})

	plug := clean.LineKey("Subscribe to the Daily Bugle for $1 a week")
	articles := []struct {
		id   string
		keys []string
	}{
		{"a1", []string{plug, clean.LineKey("The mayor resigned.")}},
		{"a1", []string{plug}}, // redelivered: must not count twice
		{"a2", []string{plug, clean.LineKey("Rain is expected.")}},
	}
	for _, a := range articles {
		if _, err := l.Observe(ctx, "dailybugle.example", a.id, a.keys); err != nil {
			t.Fatal(err)
		}
	}
	set := l.For("dailybugle.example")
	if set.Contains(plug) {
		t.Fatal("learned after two distinct articles; want three")
	}
	n, err := l.Observe(ctx, "dailybugle.example", "a3", []string{plug})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n, 1; got != want {
		t.Errorf("newly learned = %d; want %d", got, want)
	}
	if !set.Contains(plug) {
		t.Error("plug not learned after three articles")
	}
	if set.Contains(clean.LineKey("The mayor resigned.")) {
		t.Error("a line seen once was learned")
	}
	if l.For("other.example").Contains(plug) {
		t.Error("learned lines leaked to another source")
	}

	// A second replica sharing the bucket loads what the first learned.
	l2 := newLearner(t, ctx, js, Config{MinArticles: 3})
	if !l2.For("dailybugle.example").Contains(plug) {
		t.Error("second replica does not see the learned line")
	}

	// And Clean removes it.
	r := clean.Clean("The council met on Monday.\nSubscribe to the Daily Bugle for $1 a week\nIt voted to close the bridge.", clean.Options{Title: "-", Boilerplate: l2.For("dailybugle.example")})
	if got, want := r.Body, "The council met on Monday.\n\nIt voted to close the bridge."; got != want {
		t.Errorf("Clean = %q; want %q", got, want)
	}
}

func TestConcurrentReplicasCountEachArticleOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	js := natstest.JetStream(t)
	a := newLearner(t, ctx, js, Config{MinArticles: 4})
	b := newLearner(t, ctx, js, Config{MinArticles: 4})
	key := clean.LineKey("Follow us on Mastodon")
	errc := make(chan error, 2)
	for i, l := range []*Learner{a, b} {
		go func() {
			var err error
			for _, id := range []string{"x1", "x2"} {
				if _, e := l.Observe(ctx, "site.example", id+string(rune('a'+i)), []string{key}); e != nil {
					err = e
				}
			}
			errc <- err
		}()
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.KeyValue(ctx, DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, token("site.example")+"."+fingerprint(key))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := countIDs(e.Value()), 4; got != want {
		t.Errorf("ids stored = %d (%q); want %d", got, e.Value(), want)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want bool
	}{
		{Config{}, true},
		{Config{MinArticles: 1}, false},
		{Config{Replicas: 7}, false},
		{Config{MinArticles: 5, Replicas: 3}, true},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if got := err == nil; got != tt.want {
			t.Errorf("Validate(%+v) = %v; want ok=%v", tt.cfg, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("error %v does not wrap ErrConfig", err)
		}
	}
}

func TestObserveAsync(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	js := natstest.JetStream(t)
	l := newLearner(t, ctx, js, Config{MinArticles: 2})
	key := clean.LineKey("Sign up for the morning briefing")
	l.ObserveAsync("site.example", "a", []string{key})
	l.ObserveAsync("site.example", "b", []string{key})
	l.ObserveAsync("", "c", []string{key}) // no source: ignored
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if !l.For("site.example").Contains(key) {
		t.Error("line not learned after Flush")
	}
	if got := l.Dropped(); got != 0 {
		t.Errorf("dropped = %d; want 0", got)
	}
	l.Stop()
	if err := l.Flush(ctx); err == nil {
		t.Error("Flush after Stop succeeded")
	}
}

// The learner's bucket is created at start like every resource
// (stage.Provision): New waits for a server that comes up late.
func TestNewWaitsForALateServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := natstest.NewLate(t).OpenBeforeServer(ctx, func(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error {
		l, err := New(ctx, js, Config{MinArticles: 3}, log)
		if err == nil {
			l.Stop()
		}
		return err
	}, nil)
	if err != nil {
		t.Fatalf("New after the server came up: %v", err)
	}
}
