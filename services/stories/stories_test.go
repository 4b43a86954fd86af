package stories

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

var t0 = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)

// corpus invents reports of events: each event has its own names and
// words, each report draws most of its words from its event and the rest
// from words every event shares, and reports arrive interleaved.
func corpus(events, reports int, seed uint64) []*schema.Document {
	return corpusOf(events, reports, 60, seed)
}

// corpusOf is corpus with bodies of bodyWords words.
func corpusOf(events, reports, bodyWords int, seed uint64) []*schema.Document {
	r := rand.New(rand.NewPCG(seed, 1))
	common := strings.Fields("government officials people city report police week statement members local country group public")
	var docs []*schema.Document
	for e := range events {
		own := make([]string, 10)
		for k := range own {
			own[k] = fmt.Sprintf("zor%dx%dq", e, k)
		}
		for n := range reports {
			pick := func(count int) string {
				var ws []string
				for range count {
					if r.Float64() < 0.6 {
						ws = append(ws, own[r.IntN(len(own))])
					} else {
						ws = append(ws, common[r.IntN(len(common))])
					}
				}
				return strings.Join(ws, " ")
			}
			docs = append(docs, &schema.Document{
				SchemaVersion: schema.Version, ID: fmt.Sprintf("e%d-r%d", e, n),
				Source: schema.Source{Domain: fmt.Sprintf("outlet%d.example", n)},
				Title:  pick(6), Body: pick(bodyWords), Language: "en",
				IngestedAt: t0.Add(time.Duration(e*10+n) * time.Minute),
			})
		}
	}
	slices.SortStableFunc(docs, func(a, b *schema.Document) int { return a.IngestedAt.Compare(b.IngestedAt) })
	return docs
}

func connect(t *testing.T, url string) jetstream.JetStream { return connectB(t, url) }

func connectB(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func open(t *testing.T, ctx context.Context, js jetstream.JetStream) *Stories {
	t.Helper()
	s, err := New(ctx, js, DefaultConfig(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func process(t *testing.T, ctx context.Context, s *Stories, d *schema.Document) string {
	t.Helper()
	out, err := s.Process(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return out.StoryID
}

// bcubedF1 compares two clusterings of the same articles.
func bcubedF1(a, b map[string]string) float64 {
	size := func(m map[string]string) map[string]int {
		out := map[string]int{}
		for _, v := range m {
			out[v]++
		}
		return out
	}
	sa, sb := size(a), size(b)
	both := map[[2]string]int{}
	for id := range a {
		both[[2]string{a[id], b[id]}]++
	}
	p, r := 0.0, 0.0
	for id := range a {
		n := float64(both[[2]string{a[id], b[id]}])
		p += n / float64(sa[a[id]])
		r += n / float64(sb[b[id]])
	}
	p, r = p/float64(len(a)), r/float64(len(a))
	return 2 * p * r / (p + r)
}

func TestStoriesSurviveARestart(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	docs := corpus(3, 4, 1)
	first := open(t, ctx, connect(t, srv.ClientURL()))
	got := map[string]string{}
	for _, d := range docs[:8] {
		got[d.ID] = process(t, ctx, first, d)
	}
	first.Close()

	second := open(t, ctx, connect(t, srv.ClientURL()))
	defer second.Close()
	for _, d := range docs[:8] {
		if id, ok := second.StoryOf(d.ID); !ok || id != got[d.ID] {
			t.Errorf("after restart %s is in %q (known %v), want %q", d.ID, id, ok, got[d.ID])
		}
	}
	// A redelivered article keeps its story; new reports join the old stories.
	if id := process(t, ctx, second, docs[0]); id != got[docs[0].ID] {
		t.Errorf("redelivered %s in %s, want %s", docs[0].ID, id, got[docs[0].ID])
	}
	for _, d := range docs[8:] {
		id := process(t, ctx, second, d)
		sibling := strings.Split(d.ID, "-")[0] + "-r0"
		if want, _ := second.StoryOf(sibling); id != want {
			t.Errorf("%s after restart in %s, want its event's story %s", d.ID, id, want)
		}
	}
}

func TestThreeReplicasDecideAsOne(t *testing.T) {
	srv := natstest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	docs := corpus(20, 6, 2)

	single, err := NewOffline(DefaultConfig(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	one := map[string]string{}
	for _, d := range docs {
		process(t, ctx, single, cloneDoc(d))
	}
	for _, d := range docs {
		one[d.ID], _ = single.StoryOf(d.ID)
	}

	var replicas []*Stories
	for range 3 {
		r := open(t, ctx, connect(t, srv.ClientURL()))
		defer r.Close()
		replicas = append(replicas, r)
	}
	// Articles arrive in order on one subject; each replica's workers
	// take the next one, as replicas sharing a durable consumer do.
	next := make(chan *schema.Document)
	var wg sync.WaitGroup
	for i, r := range replicas {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d := range next {
					if _, err := r.Process(ctx, d); err != nil {
						t.Errorf("replica %d worker %d: %v", i, w, err)
					}
				}
			}()
		}
	}
	for _, d := range docs {
		next <- cloneDoc(d)
	}
	close(next)
	wg.Wait()

	last := uint64(0)
	for _, r := range replicas {
		r.mu.Lock()
		last = max(last, r.state.Seq())
		r.mu.Unlock()
	}
	three := map[string]string{}
	for i, r := range replicas {
		if err := r.waitApplied(ctx, last); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			id, ok := r.StoryOf(d.ID)
			if !ok {
				t.Fatalf("replica %d does not know %s", i, d.ID)
			}
			if i == 0 {
				three[d.ID] = id
			} else if id != three[d.ID] {
				t.Errorf("replica %d puts %s in %s, replica 0 in %s", i, d.ID, id, three[d.ID])
			}
		}
	}
	if f := bcubedF1(three, one); f < 0.95 {
		t.Errorf("three replicas vs one: BCubed F1 %.3f, want >= 0.95", f)
	}
	if f := bcubedF1(three, eventsOf(docs)); f < 0.9 {
		t.Errorf("three replicas vs the events: BCubed F1 %.3f, want >= 0.9", f)
	}
}

func eventsOf(docs []*schema.Document) map[string]string {
	out := map[string]string{}
	for _, d := range docs {
		out[d.ID] = strings.Split(d.ID, "-")[0]
	}
	return out
}

func cloneDoc(d *schema.Document) *schema.Document {
	c := *d
	return &c
}

// withStreams starts a server with the pipeline's streams, snapshots'
// included, and connects to it.
func withStreams(t *testing.T, ctx context.Context) jetstream.JetStream {
	t.Helper()
	js := connect(t, natstest.Server(t).ClientURL())
	cfg := stage.DefaultConfig()
	cfg.Streams.MaxBytes = 64 << 20
	if err := stage.EnsureStreams(ctx, js, cfg.Streams); err != nil {
		t.Fatal(err)
	}
	return js
}

func TestSnapshotsArePublishedWithRevisions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := withStreams(t, ctx)
	scfg := DefaultConfig()
	scfg.SnapshotInterval = 10 * time.Millisecond
	s, err := New(ctx, js, scfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	docs := corpus(1, 4, 3)
	var story string
	for _, d := range docs {
		story = process(t, ctx, s, d)
	}
	s.Close() // publishes what is left

	stream, err := js.Stream(ctx, stage.StreamStories)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var newest schema.Story
	prev := uint64(0)
	for range info.State.Msgs {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		snap, err := schema.DecodeStory(m.Data())
		if err != nil {
			t.Fatalf("snapshot %s: %v", m.Data(), err)
		}
		if snap.ID == story {
			if snap.Revision <= prev {
				t.Errorf("revision %d after %d", snap.Revision, prev)
			}
			prev, newest = snap.Revision, *snap
		}
	}
	if newest.ArticleCount != 4 || newest.OutletCount != 4 || newest.RepresentativeID != docs[0].ID {
		b, _ := json.Marshal(newest)
		t.Errorf("last snapshot of %s = %s, want 4 articles from 4 outlets, represented by %s", story, b, docs[0].ID)
	}
}

// SetSnapshotInterval replaces the configured interval from the call on:
// a longer one holds the changed stories back, a shorter one publishes
// them sooner, and 0 goes back to the configuration's.
func TestSetSnapshotIntervalTakesEffect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	js := withStreams(t, ctx)
	stream, err := js.Stream(ctx, stage.StreamStories)
	if err != nil {
		t.Fatal(err)
	}
	published := func() uint64 {
		t.Helper()
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}
	scfg := DefaultConfig()
	scfg.SnapshotInterval = time.Hour // no tick within the test
	s, err := New(ctx, js, scfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	docs := corpus(2, 1, 5) // two stories of one article
	process(t, ctx, s, docs[0])
	s.SetSnapshotInterval(2 * time.Hour) // longer: nothing yet
	if got := published(); got != 0 {
		t.Fatalf("%d snapshots published after a longer interval; want 0", got)
	}
	s.SetSnapshotInterval(time.Millisecond) // shorter: within a millisecond
	for published() == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("no snapshot published after a shorter interval")
		case <-time.After(10 * time.Millisecond):
		}
	}
	// Back to the configured hour: the loop has taken it when the call
	// returns, and the story that changes next waits for a tick that does
	// not come within the test.
	s.SetSnapshotInterval(0)
	process(t, ctx, s, docs[1])
	if got := published(); got != 1 {
		t.Fatalf("%d snapshots published back at the configured interval; want 1", got)
	}
	s.Close() // publishes what is left
	if got := published(); got != 2 {
		t.Fatalf("%d snapshots published after Close; want 2", got)
	}
	s.SetSnapshotInterval(time.Millisecond) // after Close: returns, does nothing
}

// The story log is created at start like every resource (stage.Provision):
// New waits for a server that comes up late.
func TestNewWaitsForALateServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := natstest.NewLate(t).OpenBeforeServer(ctx, func(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error {
		s, err := New(ctx, js, DefaultConfig(), log)
		if err == nil {
			s.Close()
		}
		return err
	}, nil)
	if err != nil {
		t.Fatalf("New after the server came up: %v", err)
	}
}
