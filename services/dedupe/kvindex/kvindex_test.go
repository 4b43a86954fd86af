package kvindex

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

func testConfig() Config {
	return Config{BandBucket: "bands", RecordBucket: "records", Replicas: 1, TTL: time.Hour, MaxAttempts: 100}
}

func open(t testing.TB, js jetstream.JetStream, cfg Config) *Index {
	t.Helper()
	ix, err := Open(context.Background(), js, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ix.Close)
	return ix
}

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
	}{
		{"canonical with members", Record{Stream: "ARTICLES_CLEANED", Seq: 42, Cluster: "0a184b428ca823f73f3d4ad8", ClusterSeq: 42, Done: true,
			Sketch: minhash.Sketch{Total: 3, Hashes: []uint32{1, 70000, 4000000000}, Short: [][]uint32{{1, 70000}, {4000000000}}}, Members: []string{"5707fd53cf62d3d1f0e464e3", "not-hex/id"}}},
		{"copy of a non-hex id", Record{Stream: "S", Seq: 7, Cluster: "sport/070.txt", ClusterSeq: 3, Containment: 0.8123, Jaccard: 0.25,
			Sketch: minhash.Sketch{Total: 5000, Hashes: []uint32{9, 10}}}},
		{"empty", Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UnmarshalRecord(tt.rec.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			if tt.rec.Sketch.Hashes == nil {
				tt.rec.Sketch.Hashes = []uint32{}
			}
			if !reflect.DeepEqual(got, tt.rec) {
				t.Errorf("got %+v, want %+v", got, tt.rec)
			}
		})
	}
}

func FuzzUnmarshalRecord(f *testing.F) {
	f.Add(Record{Stream: "S", Seq: 1, Cluster: "ab", Sketch: minhash.Sketch{Total: 1, Hashes: []uint32{5}}, Members: []string{"cd"}}.Marshal())
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := UnmarshalRecord(r.Marshal())
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if again.Seq != r.Seq || again.Cluster != r.Cluster || len(again.Sketch.Hashes) != len(r.Sketch.Hashes) {
			t.Fatalf("round trip changed the record: %+v vs %+v", again, r)
		}
	})
}

func TestBandsRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		id     string
		bands  []uint64
		sketch minhash.Sketch
	}{
		{"hex id", "0a184b428ca823f73f3d4ad8", []uint64{0xdeadbeef, 1, 1 << 63},
			minhash.Sketch{Total: 3, Hashes: []uint32{1, 70000, 4000000000}, Short: [][]uint32{{1, 70000}, {4000000000}}}},
		{"other id", "Mixed-Case_id", []uint64{42}, minhash.Sketch{Total: 5000, Hashes: []uint32{9, 10}}},
		{"no bands", "x", []uint64{}, minhash.Sketch{Hashes: []uint32{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, bands, enc, err := decodeBands(encodeBands(tt.id, tt.bands, tt.sketch))
			if err != nil {
				t.Fatal(err)
			}
			if id != tt.id || !reflect.DeepEqual(bands, tt.bands) {
				t.Errorf("got %q %v, want %q %v", id, bands, tt.id, tt.bands)
			}
			sk, err := decodeSketch(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sk, tt.sketch) {
				t.Errorf("sketch %+v, want %+v", sk, tt.sketch)
			}
		})
	}
}

func FuzzDecodeBands(f *testing.F) {
	f.Add(encodeBands("0a184b428ca823f73f3d4ad8", []uint64{1, 2, 3}, minhash.Sketch{Total: 2, Hashes: []uint32{5, 9}, Short: [][]uint32{{5}}}))
	f.Add([]byte{2, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, bands, enc, err := decodeBands(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		sk, err := decodeSketch(enc)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("sketch error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		id2, bands2, enc2, err := decodeBands(encodeBands(id, bands, sk))
		if err != nil || id2 != id || !reflect.DeepEqual(bands2, bands) {
			t.Fatalf("round trip of %q %v: %q %v %v", id, bands, id2, bands2, err)
		}
		if sk2, err := decodeSketch(enc2); err != nil || sk2.Total != sk.Total || len(sk2.Hashes) != len(sk.Hashes) {
			t.Fatalf("sketch round trip: %+v vs %+v, %v", sk2, sk, err)
		}
	})
}

// ids returns the candidates' ids with their shared band counts.
func ids(cs []Candidate) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		out[c.ID] = c.Shared
	}
	return out
}

// TestLocalIndexExpiresAndPrunes drives the local band index directly
// with message times in the past, so that articles expire without waiting.
func TestLocalIndexExpiresAndPrunes(t *testing.T) {
	x := newBandIndex(0, zaptest.NewLogger(t))
	now := time.Now()
	ttl := time.Hour
	// Bands are compared band by band: "new" holds 2 in band 2, "mid"
	// holds 3 there.
	x.apply(1, now.Add(-2*ttl), ttl, "old", []uint64{1, 2}, minhash.Sketch{})
	x.apply(2, now.Add(-ttl/2), ttl, "mid", []uint64{1, 2, 3}, minhash.Sketch{})
	x.apply(3, now, ttl, "new", []uint64{1, 2, 2, 4}, minhash.Sketch{})
	x.apply(4, now, ttl, "new", []uint64{9}, minhash.Sketch{}) // a redelivery: already live, ignored
	x.apply(5, now, ttl, "one", []uint64{7, 8, 9, 4}, minhash.Sketch{})
	var got []string
	for _, c := range x.candidates("probe", 6, []uint64{1, 2, 3, 4}) {
		got = append(got, fmt.Sprint(c.ID, ":", c.Shared))
	}
	want := []string{"mid:3", "new:3", "one:1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("candidates = %+v, want %+v (most shared first, then by id; old expired)", got, want)
	}
	if arts, keys := x.size(); arts != 3 || keys != 8 {
		t.Errorf("size = %d (band, key) pairs of %d articles; want 8 of 3 (the expired article pruned)", keys, arts)
	}
	if got := ids(x.candidates("new", 3, []uint64{1, 0, 3, 4})); !reflect.DeepEqual(got, map[string]int{"mid": 2, "one": 1}) {
		t.Errorf("candidates of new = %v, want mid twice and one once (itself excluded)", got)
	}
	if err := x.wait(context.Background(), 5); err != nil {
		t.Errorf("wait for an applied sequence: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := x.wait(ctx, 6); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait for a sequence not applied: %v, want deadline exceeded", err)
	}
	x.close()
	if err := x.wait(context.Background(), 6); !errors.Is(err, ErrClosed) {
		t.Errorf("wait after close: %v, want ErrClosed", err)
	}
}

// TestLaterReplicaReplaysTheLog: an index opened after others have added
// bands sees them, and sees what they add afterwards.
func TestLaterReplicaReplaysTheLog(t *testing.T) {
	js := natstest.JetStream(t)
	cfg := testConfig()
	a := open(t, js, cfg)
	ctx := context.Background()
	for i := range 50 {
		if _, err := a.AddBands(ctx, fmt.Sprint("a", i), []uint64{uint64(i), 1000 + uint64(i)}, minhash.Sketch{Total: i}); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, js, cfg)
	if arts, keys := b.LocalSize(); arts != 50 || keys != 100 {
		t.Errorf("replayed index: %d articles, %d keys; want 50 and 100", arts, keys)
	}
	got, err := b.AddBands(ctx, "b0", []uint64{7, 1049, 5000}, minhash.Sketch{})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"a7": 1, "a49": 1}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("candidates from the replayed log = %v, want %v", ids(got), want)
	}
	for _, c := range got {
		if want := c.ID[1:]; fmt.Sprint(c.Sketch().Total) != want {
			t.Errorf("sketch of %s has total %d, want %s", c.ID, c.Sketch().Total, want)
		}
	}
	got, err = a.AddBands(ctx, "a-late", []uint64{9999, 9999, 5000}, minhash.Sketch{})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"b0": 1}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("first replica's candidates = %v, want %v", ids(got), want)
	}
	b.Close()
	if _, err := b.AddBands(ctx, "b1", []uint64{1}, minhash.Sketch{}); !errors.Is(err, ErrClosed) {
		t.Errorf("AddBands after Close: %v, want ErrClosed", err)
	}
}

// TestOpenWaitsForTheServer: dedupe may start before NATS does; Open
// retries until the server is up instead of failing.
func TestOpenWaitsForTheServer(t *testing.T) {
	port := freePort(t)
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{}, 1)
	log := zaptest.NewLogger(t, zaptest.WrapOptions(zap.Hooks(func(e zapcore.Entry) error {
		if strings.HasPrefix(e.Message, "waiting for JetStream") {
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
		return nil
	})))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		ix  *Index
		err error
	}
	done := make(chan result, 1)
	go func() {
		ix, err := Open(ctx, js, testConfig(), log)
		done <- result{ix, err}
	}()
	// Start the server once Open has failed at least once.
	select {
	case <-waiting:
	case r := <-done:
		t.Fatalf("Open returned before the server started: %v", r.err)
	case <-ctx.Done():
		t.Fatal("Open never reported waiting")
	}
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	r := <-done
	if r.err != nil {
		t.Fatalf("Open after the server started: %v", r.err)
	}
	defer r.ix.Close()
	if _, err := r.ix.AddBands(ctx, "a", []uint64{1}, minhash.Sketch{}); err != nil {
		t.Errorf("AddBands: %v", err)
	}
}

// TestOpenGivesUpWhenContextEnds: with no server at all, Open returns
// the context's error instead of retrying forever.
func TestOpenGivesUpWhenContextEnds(t *testing.T) {
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", freePort(t)), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := Open(ctx, js, testConfig(), nopLogger()); err == nil {
		t.Fatal("Open without a server succeeded")
	}
	if ctx.Err() == nil {
		t.Error("Open gave up before its context ended")
	}
}

func TestConflictCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"single server wrong last sequence", &jetstream.APIError{ErrorCode: jetstream.JSErrCodeStreamWrongLastSequence, Code: 400}, true},
		{"replicated stream wrong last sequence", &jetstream.APIError{ErrorCode: jetstream.JSErrCodeStreamWrongLastSequenceConstant, Code: 400}, true},
		{"wrapped", fmt.Errorf("publish: %w", &jetstream.APIError{ErrorCode: jetstream.JSErrCodeStreamWrongLastSequenceConstant}), true},
		{"other api error", &jetstream.APIError{ErrorCode: jetstream.JSErrCodeStreamNotFound}, false},
		{"timeout", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isConflict(tt.err); got != tt.want {
				t.Errorf("isConflict(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestCreateRecordOnce(t *testing.T) {
	ix := open(t, natstest.JetStream(t), testConfig())
	ctx := context.Background()
	first := Record{Seq: 1, Cluster: "a1", ClusterSeq: 1}
	if _, err := ix.CreateRecord(ctx, "a1", first); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.CreateRecord(ctx, "a1", Record{Seq: 2}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second create: err = %v, want ErrConflict", err)
	}
	got, rev, err := ix.GetRecord(ctx, "a1")
	if err != nil || got.Seq != 1 {
		t.Fatalf("GetRecord = %+v, %v; want the first record", got, err)
	}
	_, err = ix.UpdateRecord(ctx, "a1", Record{Seq: 3}, rev-1)
	if !errors.Is(err, ErrConflict) {
		t.Errorf("update at a stale revision: err = %v, want ErrConflict", err)
	}
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence {
		t.Errorf("single-server conflict %v: want API error code %d", err, jetstream.JSErrCodeStreamWrongLastSequence)
	}
	if _, err := ix.UpdateRecord(ctx, "a1", Record{Seq: 3}, rev); err != nil {
		t.Errorf("update at the current revision: %v", err)
	}
	if _, _, err := ix.GetRecord(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing record: err = %v, want ErrNotFound", err)
	}
}

func TestCreateAfterExpiry(t *testing.T) {
	js := natstest.JetStream(t)
	cfg := testConfig()
	cfg.TTL = time.Second
	ix := open(t, js, cfg)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, cfg.RecordBucket)
	if err != nil {
		t.Fatal(err)
	}
	w, err := kv.Watch(ctx, "a1", jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := ix.CreateRecord(ctx, "a1", Record{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(15 * time.Second)
	for expired := false; !expired; {
		select {
		case u := <-w.Updates():
			expired = u != nil && u.Operation() != jetstream.KeyValuePut
		case <-deadline:
			t.Fatal("record did not expire")
		}
	}
	if _, _, err := ix.GetRecord(ctx, "a1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired record: err = %v, want ErrNotFound", err)
	}
	// The expiry marker is still there; a create must expect it.
	if _, err := ix.CreateRecord(ctx, "a1", Record{Seq: 2}); err != nil {
		t.Fatalf("create after expiry: %v", err)
	}
}

// TestConcurrentWritersSeeEachOther: articles writing the same band at
// the same moment, through three indexes, must each be seen by at least
// one of the pair.
func TestConcurrentWritersSeeEachOther(t *testing.T) {
	cfg := testConfig()
	js := natstest.JetStream(t)
	ixs := []*Index{open(t, js, cfg), open(t, js, cfg), open(t, js, cfg)}
	const writers = 12
	bands := []uint64{0x1234_5678_9abc_def0, 0xfedc_ba98_7654_3210, 0x0f0f_0f0f_0f0f_0f0f}
	seen := make([][]Candidate, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			own := append([]uint64{uint64(i) << 8}, bands...)
			seen[i], errs[i] = ixs[i%len(ixs)].AddBands(context.Background(), fmt.Sprint("id", i), own, minhash.Sketch{})
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i := range writers {
		for j := i + 1; j < writers; j++ {
			a, b := fmt.Sprint("id", i), fmt.Sprint("id", j)
			if ids(seen[i])[b] == 0 && ids(seen[j])[a] == 0 {
				t.Errorf("%s and %s share bands but neither saw the other", a, b)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		ok     bool
	}{
		{"valid", func(*Config) {}, true},
		{"same bucket", func(c *Config) { c.RecordBucket = c.BandBucket }, false},
		{"five replicas", func(c *Config) { c.Replicas = 5 }, true},
		{"six replicas", func(c *Config) { c.Replicas = 6 }, false},
		{"sub-second ttl", func(c *Config) { c.TTL = time.Millisecond }, false},
		{"no attempts", func(c *Config) { c.MaxAttempts = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			tt.modify(&c)
			if got := c.Validate() == nil; got != tt.ok {
				t.Errorf("Validate() ok = %v, want %v", got, tt.ok)
			}
		})
	}
}

func nopLogger() *zap.Logger { return zap.NewNop() }

// TestLocalIndexBoundedByMaxIndexed: with MaxIndexed the local index
// never holds more articles than that, evicts the oldest first by log
// sequence (their window not yet passed), counts them, warns once, and
// still finds a copy of a recent article.
func TestLocalIndexBoundedByMaxIndexed(t *testing.T) {
	const maxIndexed = 16
	var warnings []string
	log := zaptest.NewLogger(t, zaptest.WrapOptions(zap.Hooks(func(e zapcore.Entry) error {
		if e.Level == zapcore.WarnLevel {
			warnings = append(warnings, e.Message)
		}
		return nil
	})))
	x := newBandIndex(maxIndexed, log)
	now := time.Now()
	// Article i holds band keys i and 1000+i, and the shared key 7 in
	// band 2. Sequence 50 is a re-send of a3, evicted at sequence 19, so
	// it is indexed again; sequence 51 is an undecodable message.
	bands := func(i int) []uint64 { return []uint64{uint64(i), 1000 + uint64(i), 7} }
	for seq := uint64(1); seq <= 60; seq++ {
		switch seq {
		case 50:
			x.apply(seq, now, time.Hour, "a3", bands(3), minhash.Sketch{Total: 3})
		case 51:
			x.apply(seq, now, time.Hour, "", nil, minhash.Sketch{})
		default:
			x.apply(seq, now, time.Hour, fmt.Sprint("a", seq), bands(int(seq)), minhash.Sketch{Total: int(seq)})
		}
		if arts, _ := x.size(); arts > maxIndexed {
			t.Fatalf("after sequence %d the index holds %d articles, want at most %d", seq, arts, maxIndexed)
		}
	}
	// The last 16 sequences, 45-60, less the undecodable 51: 15 articles,
	// two keys of their own each and the shared one.
	if arts, keys := x.size(); arts != 15 || keys != 31 {
		t.Errorf("size = %d articles, %d keys; want 15 and 31", arts, keys)
	}
	if got, want := x.evicted, uint64(44); got != want {
		t.Errorf("evicted = %d, want %d (sequences 1-44)", got, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "NEWSFLOW_DEDUPE_MAX_INDEXED") {
		t.Errorf("warnings = %q, want one naming NEWSFLOW_DEDUPE_MAX_INDEXED", warnings)
	}
	// A copy of a recent article (a58) is found; a copy of an evicted
	// one (a10) is not, though its window has not passed.
	const probe = 61
	if got, want := ids(x.candidates("copy", probe, []uint64{58, 1058, 99})), map[string]int{"a58": 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("candidates of a copy of a58 = %v, want %v", got, want)
	}
	if got := ids(x.candidates("copy", probe, []uint64{10, 1010, 99})); len(got) != 0 {
		t.Errorf("candidates of a copy of evicted a10 = %v, want none", got)
	}
	// The shared key is followed back to the lookup's horizon only: 16
	// less an eighth, 14 sequences before the probe's, so sequences 48-60
	// less 51: a48, a49, a3 (50), a52-a60.
	if h := x.horizon(); h != 14 {
		t.Errorf("horizon = %d, want 14", h)
	}
	got := ids(x.candidates("copy", probe, []uint64{0, 0, 7}))
	want := map[string]int{"a48": 1, "a49": 1, "a3": 1}
	for i := 52; i <= 60; i++ {
		want[fmt.Sprint("a", i)] = 1
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("candidates on the shared key = %v, want %v", got, want)
	}
}

// liveIDs returns the ids in a local index, oldest first.
func liveIDs(ix *Index) []string {
	ix.local.mu.Lock()
	defer ix.local.mu.Unlock()
	var out []string
	for _, a := range ix.local.arts {
		out = append(out, a.id)
	}
	return out
}

// TestBoundedReplicasEvictTheSame: replicas adding articles in turn, and
// one that starts later and replays the log, hold the same articles and
// count the same evictions, since eviction follows log sequences.
func TestBoundedReplicasEvictTheSame(t *testing.T) {
	js := natstest.JetStream(t)
	cfg := testConfig()
	cfg.MaxIndexed = 20
	a, b := open(t, js, cfg), open(t, js, cfg)
	ctx := context.Background()
	for i := range 70 {
		ix := a
		if i%2 == 1 {
			ix = b
		}
		if _, err := ix.AddBands(ctx, fmt.Sprint("x", i), []uint64{uint64(i), 7}, minhash.Sketch{Total: i}); err != nil {
			t.Fatal(err)
		}
	}
	c := open(t, js, cfg)
	// c has replayed the log; a and b have applied it up to their own
	// last message, and b's is the last.
	if err := a.local.wait(ctx, 70); err != nil {
		t.Fatal(err)
	}
	want := liveIDs(c)
	if len(want) != 20 || want[0] != "x50" || want[19] != "x69" {
		t.Errorf("replayed index holds %v, want x50-x69", want)
	}
	for name, ix := range map[string]*Index{"a": a, "b": b} {
		if got := liveIDs(ix); !reflect.DeepEqual(got, want) {
			t.Errorf("replica %s holds %v, want %v", name, got, want)
		}
		if got, want := ix.Evicted(), c.Evicted(); got != want || got != 50 {
			t.Errorf("replica %s evicted %d, the replayed one %d; want 50 each", name, got, want)
		}
	}
}

// An id longer than a record's one-byte length is refused with
// schema.ErrInvalid (the runtime dead-letters it), never truncated: two
// ids sharing their first 127 bytes must not become one.
func TestLongIDIsRefusedNotTruncated(t *testing.T) {
	ix := open(t, natstest.JetStream(t), testConfig())
	ctx := context.Background()
	long := strings.Repeat("a", schema.MaxIDBytes) + "-2"
	if _, err := ix.CreateRecord(ctx, long, Record{Cluster: long}); !errors.Is(err, schema.ErrInvalid) {
		t.Errorf("CreateRecord(%d-byte id) = %v; want schema.ErrInvalid", len(long), err)
	}
	if _, err := ix.AddBands(ctx, long, []uint64{1}, minhash.Sketch{}); !errors.Is(err, schema.ErrInvalid) {
		t.Errorf("AddBands(%d-byte id) = %v; want schema.ErrInvalid", len(long), err)
	}
	longest := strings.Repeat("b", schema.MaxIDBytes)
	if _, err := ix.CreateRecord(ctx, longest, Record{Cluster: longest, Members: []string{longest}}); err != nil {
		t.Fatalf("CreateRecord(%d-byte id): %v", len(longest), err)
	}
	r, _, err := ix.GetRecord(ctx, longest)
	if err != nil || r.Cluster != longest || len(r.Members) != 1 || r.Members[0] != longest {
		t.Errorf("record of a %d-byte id read back as cluster %q members %q (%v)", len(longest), r.Cluster, r.Members, err)
	}
}
