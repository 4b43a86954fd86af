package kvindex

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
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
	return Config{BandBucket: "bands", RecordBucket: "records", Replicas: 1, TTL: time.Hour, MaxAttempts: 100,
		Store: testStore}
}

// testStore keeps the stores of tests small.
var testStore = StoreOptions{CacheBytes: 4 << 20, MemTableBytes: 4 << 20, RecentArticles: 8}

// closeAtEnd closes ix when the test ends, reporting an error.
func closeAtEnd(t testing.TB, ix *Index) {
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Errorf("close index: %v", err)
		}
	})
}

func open(t testing.TB, js jetstream.JetStream, cfg Config) *Index {
	t.Helper()
	ix, err := Open(context.Background(), js, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, ix)
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

// openTestLocal opens a local index store in a temporary directory.
func openTestLocal(t testing.TB, ttl time.Duration) *localIndex {
	t.Helper()
	x, err := openLocal(filepath.Join(t.TempDir(), "store"), "", "test@1", ttl, testStore, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := x.close(); err != nil {
			t.Error(err)
		}
	})
	return x
}

func mustApply(t testing.TB, x *localIndex, seq uint64, stamp time.Time, id string, bands []uint64, sk minhash.Sketch) {
	t.Helper()
	if err := x.apply(seq, stamp, id, bands, sk); err != nil {
		t.Fatalf("apply #%d: %v", seq, err)
	}
}

func mustCandidates(t testing.TB, x *localIndex, id string, bands []uint64, limit int) ([]Candidate, int) {
	t.Helper()
	cands, total, err := x.candidates(id, bands, limit)
	if err != nil {
		t.Fatalf("candidates of %s: %v", id, err)
	}
	return cands, total
}

// TestLocalIndexExpiresAndPrunes drives the local band index directly
// with message times in the past, so that articles expire without waiting.
func TestLocalIndexExpiresAndPrunes(t *testing.T) {
	ttl := time.Hour
	x := openTestLocal(t, ttl)
	now := time.Now()
	// Bands are compared band by band: "new" holds 2 in band 2, "mid"
	// holds 3 there.
	mustApply(t, x, 1, now.Add(-2*ttl), "old", []uint64{1, 2}, minhash.Sketch{Total: 1})
	mustApply(t, x, 2, now.Add(-ttl/2), "mid", []uint64{1, 2, 3}, minhash.Sketch{Total: 2})
	mustApply(t, x, 3, now, "new", []uint64{1, 2, 2, 4}, minhash.Sketch{Total: 3})
	mustApply(t, x, 4, now, "new", []uint64{9}, minhash.Sketch{}) // a redelivery: already live, ignored
	mustApply(t, x, 5, now, "one", []uint64{7, 8, 9, 4}, minhash.Sketch{Total: 5, Hashes: []uint32{3, 9, 1 << 30}})
	mustApply(t, x, 6, now, "", nil, minhash.Sketch{}) // undecodable: only the sequence advances
	var got []string
	cands, total := mustCandidates(t, x, "probe", []uint64{1, 2, 3, 4}, 32)
	for _, c := range cands {
		got = append(got, fmt.Sprint(c.ID, ":", c.Shared, ":", c.Sketch().Total))
	}
	want := []string{"new:3:3", "mid:3:2", "one:1:5"}
	if !reflect.DeepEqual(got, want) || total != 3 {
		t.Errorf("candidates = %+v of %d, want %+v of 3 (most shared first, then newest first; old expired)", got, total, want)
	}
	if got := cands[2].Sketch().Hashes; !reflect.DeepEqual(got, []uint32{3, 9, 1 << 30}) {
		t.Errorf("sketch of one = %v, want its hashes back", got)
	}
	if n := x.size(); n != 3 {
		t.Errorf("size = %d, want 3 (the expired article deleted)", n)
	}
	if _, c, err := x.db.Get(articleKey(1)); !errors.Is(err, pebble.ErrNotFound) {
		t.Errorf("expired article stored: %v", err)
		if err == nil {
			c.Close()
		}
	}
	if got, _ := mustCandidates(t, x, "new", []uint64{1, 0, 3, 4}, 32); !reflect.DeepEqual(ids(got), map[string]int{"mid": 2, "one": 1}) {
		t.Errorf("candidates of new = %v, want mid twice and one once (itself excluded)", ids(got))
	}
	// With a limit, ties at the limit are broken newest first.
	got = nil
	cands, total = mustCandidates(t, x, "probe", []uint64{1, 2, 3, 4}, 1)
	for _, c := range cands {
		got = append(got, c.ID)
	}
	if !reflect.DeepEqual(got, []string{"new"}) || total != 3 {
		t.Errorf("first candidate = %v of %d, want [new] of 3", got, total)
	}
	if err := x.wait(context.Background(), 6); err != nil {
		t.Errorf("wait for an applied sequence: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := x.wait(ctx, 7); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait for a sequence not applied: %v, want deadline exceeded", err)
	}
	if err := x.close(); err != nil {
		t.Fatal(err)
	}
	if err := x.wait(context.Background(), 7); !errors.Is(err, ErrClosed) {
		t.Errorf("wait after close: %v, want ErrClosed", err)
	}
	if _, _, err := x.candidates("probe", []uint64{1}, 32); !errors.Is(err, ErrClosed) {
		t.Errorf("candidates after close: %v, want ErrClosed", err)
	}
}

// TestLocalIndexSweepsOncePerSecond: an article whose window passed is
// deleted by the first message applied a sweepEvery after the last
// sweep, and stays a candidate until then.
func TestLocalIndexSweepsOncePerSecond(t *testing.T) {
	ttl := time.Hour
	x := openTestLocal(t, ttl)
	now := time.Now()
	mustApply(t, x, 1, now.Add(-ttl+100*time.Millisecond), "soon", []uint64{1}, minhash.Sketch{})
	mustApply(t, x, 2, now, "later", []uint64{1}, minhash.Sketch{})
	time.Sleep(200 * time.Millisecond) // the window of "soon" passes
	mustApply(t, x, 3, now, "next", []uint64{2}, minhash.Sketch{})
	if got, _ := mustCandidates(t, x, "probe", []uint64{1}, 32); len(got) != 2 {
		t.Errorf("candidates = %v, want soon and later (swept less than a second ago)", ids(got))
	}
	time.Sleep(sweepEvery)
	mustApply(t, x, 4, time.Now(), "last", []uint64{2}, minhash.Sketch{})
	if got, _ := mustCandidates(t, x, "probe", []uint64{1}, 32); !reflect.DeepEqual(ids(got), map[string]int{"later": 1}) {
		t.Errorf("candidates = %v, want later only", ids(got))
	}
	if n := x.size(); n != 3 {
		t.Errorf("size = %d, want 3", n)
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
		if _, _, err := a.AddBands(ctx, fmt.Sprint("a", i), []uint64{uint64(i), 1000 + uint64(i)}, minhash.Sketch{Total: i}, 32); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, js, cfg)
	if arts := b.LocalSize(); arts != 50 {
		t.Errorf("replayed index: %d articles, want 50", arts)
	}
	got, _, err := b.AddBands(ctx, "b0", []uint64{7, 1049, 5000}, minhash.Sketch{}, 32)
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
	got, _, err = a.AddBands(ctx, "a-late", []uint64{9999, 9999, 5000}, minhash.Sketch{}, 32)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"b0": 1}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("first replica's candidates = %v, want %v", ids(got), want)
	}
	b.Close()
	if _, _, err := b.AddBands(ctx, "b1", []uint64{1}, minhash.Sketch{}, 32); !errors.Is(err, ErrClosed) {
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
	if _, _, err := r.ix.AddBands(ctx, "a", []uint64{1}, minhash.Sketch{}, 32); err != nil {
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
			seen[i], _, errs[i] = ixs[i%len(ixs)].AddBands(context.Background(), fmt.Sprint("id", i), own, minhash.Sketch{}, 32)
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

// TestRestartFollowsTheLogFromItsStore: an index reopened on its
// directory holds what it applied before, though the band log no longer
// does, and applies what was added while it was closed; an index on an
// empty directory holds only what the log still has.
func TestRestartFollowsTheLogFromItsStore(t *testing.T) {
	js := natstest.JetStream(t)
	ctx := context.Background()
	cfg := testConfig()
	cfg.Dir = t.TempDir()
	a, err := Open(ctx, js, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, _, err := a.AddBands(ctx, fmt.Sprint("a", i), []uint64{uint64(i), 1000 + uint64(i)}, minhash.Sketch{Total: i}, 32); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := open(t, js, testConfig())
	if _, _, err := b.AddBands(ctx, "b0", []uint64{5000, 1049}, minhash.Sketch{}, 32); err != nil {
		t.Fatal(err)
	}
	// The log keeps only b0's message (sequence 51).
	if err := a.bandLog.Purge(ctx, jetstream.WithPurgeSequence(51)); err != nil {
		t.Fatal(err)
	}
	reopened, fresh := open(t, js, cfg), open(t, js, testConfig())
	if got := reopened.LocalSize(); got != 51 {
		t.Errorf("reopened index holds %d articles, want 51", got)
	}
	for _, tt := range []struct {
		name string
		ix   *Index
		want map[string]int
	}{
		{"reopened", reopened, map[string]int{"a7": 1, "a49": 1, "b0": 1}},
		{"fresh", fresh, map[string]int{"b0": 1}},
	} {
		got, _, err := tt.ix.AddBands(ctx, tt.name+"-probe", []uint64{7, 1049}, minhash.Sketch{}, 32)
		if err != nil {
			t.Fatal(err)
		}
		// The reopened index's probe is the fresh one's candidate.
		g := ids(got)
		delete(g, "reopened-probe")
		delete(g, "fresh-probe")
		if !reflect.DeepEqual(g, tt.want) {
			t.Errorf("%s index: candidates %v, want %v", tt.name, g, tt.want)
		}
	}
}

// TestStoreOfAnotherLogIsRebuilt: a band log deleted and created again
// starts its sequences over, so a store that mirrored the old one is
// emptied and rebuilt from the new one.
func TestStoreOfAnotherLogIsRebuilt(t *testing.T) {
	js := natstest.JetStream(t)
	ctx := context.Background()
	cfg := testConfig()
	cfg.Dir = t.TempDir()
	a, err := Open(ctx, js, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.AddBands(ctx, "old", []uint64{1, 2}, minhash.Sketch{}, 32); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, BandStream(cfg.BandBucket)); err != nil {
		t.Fatal(err)
	}
	b := open(t, js, cfg)
	if n := b.LocalSize(); n != 0 {
		t.Errorf("store of the deleted log: %d articles, want 0", n)
	}
	got, _, err := b.AddBands(ctx, "new", []uint64{1, 2}, minhash.Sketch{}, 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("candidates %v from the deleted log, want none", ids(got))
	}
}

// crashDirEnv names the store directory of TestStoreSurvivesACrash's
// child process.
const crashDirEnv = "NEWSFLOW_KVINDEX_CRASH_DIR"

// TestStoreSurvivesACrash: a process that dies without closing its store
// (as under kill -9) loses at most the messages it had not flushed: the
// reopened store is at a consistent point of the log, holds every article
// up to it, and the rest is applied again from the log.
func TestStoreSurvivesACrash(t *testing.T) {
	const n = 3000 // several memtables of 64 KiB
	if dir := os.Getenv(crashDirEnv); dir != "" {
		x, err := openLocal(dir, "", "test@1", time.Hour, StoreOptions{CacheBytes: 1 << 20, MemTableBytes: 64 << 10, RecentArticles: 64}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for i := 1; i <= n; i++ {
			if err := x.apply(uint64(i), now, fmt.Sprint("c", i), crashBands(i), minhash.Sketch{Total: i}); err != nil {
				t.Fatal(err)
			}
		}
		os.Exit(0) // no close: the memtables are lost
	}
	if testing.Short() {
		t.Skip("runs a child process that writes 3,000 articles")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreSurvivesACrash$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	x := openTestLocalAt(t, dir)
	at := x.lastApplied()
	if at == 0 || at >= n || x.size() != int(at) {
		t.Fatalf("reopened store applied #%d with %d articles, want a flushed point between 1 and %d holding every article up to it", at, x.size(), n-1)
	}
	t.Logf("the crash lost %d of %d messages", n-int(at), n)
	now := time.Now()
	for i := int(at) + 1; i <= n; i++ {
		mustApply(t, x, uint64(i), now, fmt.Sprint("c", i), crashBands(i), minhash.Sketch{Total: i})
	}
	for _, i := range []int{1, int(at), int(at) + 1, n} {
		got, _ := mustCandidates(t, x, "probe", crashBands(i), 32)
		if len(got) != 1 || got[0].ID != fmt.Sprint("c", i) || got[0].Sketch().Total != i {
			t.Errorf("candidates of c%d's bands = %v, want c%d", i, ids(got), i)
		}
	}
}

// crashBands returns article i's bands: a key of its own in each of three
// bands.
func crashBands(i int) []uint64 {
	return []uint64{uint64(i), uint64(i), uint64(i)}
}

// openTestLocalAt opens the store in dir, closed when the test ends.
func openTestLocalAt(t testing.TB, dir string) *localIndex {
	t.Helper()
	x, err := openLocal(dir, "", "test@1", time.Hour, testStore, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := x.close(); err != nil {
			t.Error(err)
		}
	})
	return x
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
	if _, _, err := ix.AddBands(ctx, long, []uint64{1}, minhash.Sketch{}, 32); !errors.Is(err, schema.ErrInvalid) {
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

// TestCloseGivesUpAFlushThatFails: a store whose directory was removed
// under it (as a test's temporary directory removed before the run
// stops) cannot flush, and Pebble retries the flush at once and for
// ever. close must give up, say why and close the store, not wait for
// the flush at full CPU.
func TestCloseGivesUpAFlushThatFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	x, err := openLocal(dir, "", "test@1", time.Hour, testStore, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 1; i <= 20; i++ {
		mustApply(t, x, uint64(i), now, fmt.Sprint("a", i), crashBands(i), minhash.Sketch{Total: i})
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- x.close() }()
	select {
	case err := <-closed:
		if err == nil || !strings.Contains(err.Error(), "applied again") {
			t.Errorf("close of a store that cannot flush = %v; want the flush's error and what happens to the unflushed messages", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("close of a store whose directory was removed did not return in 30s (stuck in the flush)")
	}
}

// TestTiesAtTheLimitAreTheNewest: unrelated articles that share one band
// key with a new one (a common phrase's shingle) grow with the window, and
// all tie. The limit takes the newest of them, so a lookup reads the
// articles (sketches) of those it returns only; breaking ties by id read
// every tied article to sort them.
func TestTiesAtTheLimitAreTheNewest(t *testing.T) {
	x := openTestLocal(t, time.Hour)
	now := time.Now()
	const n, limit = 300, 4
	for i := 1; i <= n; i++ {
		// Every article holds key 7 in band 0; article 50 shares a second
		// band with the probe.
		bands := []uint64{7, uint64(1000 + i)}
		if i == 50 {
			bands[1] = 9
		}
		mustApply(t, x, uint64(i), now, fmt.Sprintf("a%03d", i), bands, minhash.Sketch{Total: i})
		if i == n/2 { // half in the store, half in the recent tier
			if err := x.spillRecent(len(x.recent.arts), uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cands, total := mustCandidates(t, x, "probe", []uint64{7, 9}, limit)
	var got []string
	for _, c := range cands {
		got = append(got, fmt.Sprint(c.ID, ":", c.Shared, ":", c.Sketch().Total))
	}
	want := []string{"a050:2:50", "a300:1:300", "a299:1:299", "a298:1:298"}
	if !reflect.DeepEqual(got, want) || total != n {
		t.Errorf("candidates = %v of %d; want %v of %d (most shared, then the newest)", got, total, want, n)
	}
	if err := x.spillRecent(len(x.recent.arts), n); err != nil {
		t.Fatal(err)
	}
	cands, _ = mustCandidates(t, x, "probe", []uint64{7, 1001}, 2)
	if got := []string{cands[0].ID, cands[1].ID}; !reflect.DeepEqual(got, []string{"a001", "a300"}) {
		t.Errorf("candidates from the store = %v; want [a001 a300] (a001 shares 2 bands, then the newest)", got)
	}
}

// TestRecentTierAnswersAsTheStore: the same log applied to an index that
// keeps 8 to 16 articles in memory, spilling the rest to its store, and
// to one that keeps them all in memory gives the same candidates, in the
// same order with the same shared bands, for every article: none is lost
// or counted twice across the tiers, whenever it was spilled, and the
// sketches read from the warm sketches (the 32 articles last spilled)
// are the store's. It holds again after a restart, which follows the log
// from the store.
func TestRecentTierAnswersAsTheStore(t *testing.T) {
	const n = 300
	spilling := openTestLocal(t, time.Hour)
	inMemory, err := openLocal(filepath.Join(t.TempDir(), "store"), "", "test@1", time.Hour,
		StoreOptions{CacheBytes: 4 << 20, MemTableBytes: 4 << 20, RecentArticles: 2 * n}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inMemory.close() })
	// Article i holds, in band b, a key shared with every article j such
	// that j%m == i%m for the band's modulus m: many shared holders,
	// across tiers, with counts that rank them.
	bandsOf := func(i int) []uint64 {
		bands := make([]uint64, 6)
		for b, m := range []int{3, 5, 7, 11, 13, 17} {
			bands[b] = uint64(i % m)
		}
		return bands
	}
	now := time.Now()
	check := func(x *localIndex, upTo int) {
		t.Helper()
		for i := 1; i <= upTo; i += 7 {
			want, wantTotal := mustCandidates(t, inMemory, fmt.Sprint("a", i), bandsOf(i), 10)
			got, total := mustCandidates(t, x, fmt.Sprint("a", i), bandsOf(i), 10)
			if total != wantTotal || !reflect.DeepEqual(ids(got), ids(want)) || len(got) != len(want) {
				t.Fatalf("after %d articles, candidates of a%d = %v of %d; want %v of %d", upTo, i, ids(got), total, ids(want), wantTotal)
			}
			for j := range got {
				if got[j].ID != want[j].ID || got[j].Sketch().Total != want[j].Sketch().Total {
					t.Fatalf("after %d articles, candidate %d of a%d = %s; want %s", upTo, j, i, got[j].ID, want[j].ID)
				}
			}
		}
	}
	for i := 1; i <= n; i++ {
		for _, x := range []*localIndex{spilling, inMemory} {
			mustApply(t, x, uint64(i), now, fmt.Sprint("a", i), bandsOf(i), minhash.Sketch{Total: i})
		}
		if i%50 == 0 {
			check(spilling, i)
		}
	}
	if len(spilling.recent.arts) > 16 || spilling.size() != n || inMemory.size() != n {
		t.Fatalf("spilling index holds %d recent articles of %d, in-memory one %d; want at most 16 of %d", len(spilling.recent.arts), spilling.size(), inMemory.size(), n)
	}
	if warm, store := spilling.warm.hits.Load(), spilling.warm.misses.Load(); warm == 0 || store == 0 || len(spilling.warm.arts) != 32 {
		t.Fatalf("spilling index read %d sketches from its %d warm articles and %d from its store; want both paths, 32 warm", warm, len(spilling.warm.arts), store)
	}
	dir := spilling.path
	if err := spilling.close(); err != nil {
		t.Fatal(err)
	}
	reopened := openTestLocalAt(t, dir)
	if reopened.lastApplied() != n || reopened.size() != n {
		t.Fatalf("reopened store applied #%d with %d articles; want #%d with %d", reopened.lastApplied(), reopened.size(), n, n)
	}
	check(reopened, n)
}

// TestAbsentKeysAreFilteredInTheLastLevel compacts a store to its last
// level, where nearly all of a large window lives, and looks up articles
// whose band keys and ids no stored article holds: the tables' Bloom
// filters must answer without reading a data block. Pebble skips the last
// level's filters unless an iterator asks for them, and then every band
// key looked up read a data block per table its prefix fell in, so a
// lookup's cost grew with the window.
func TestAbsentKeysAreFilteredInTheLastLevel(t *testing.T) {
	x := openTestLocal(t, time.Hour)
	r := rand.New(rand.NewPCG(5, 6))
	randomBands := func() []uint64 {
		bands := make([]uint64, 48)
		for b := range bands {
			bands[b] = r.Uint64()
		}
		return bands
	}
	now := time.Now()
	const n = 2000
	stored := make([][]uint64, n+1)
	for i := 1; i <= n; i++ {
		stored[i] = randomBands()
		mustApply(t, x, uint64(i), now, fmt.Sprint("a", i), stored[i], minhash.Sketch{Total: i})
	}
	if err := x.spillRecent(len(x.recent.arts), n); err != nil {
		t.Fatal(err)
	}
	if err := x.db.Compact(context.Background(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	if m := x.db.Metrics(); m.Levels[6].TablesCount == 0 {
		t.Fatalf("no table in L6 after a full compaction:\n%s", m)
	}
	const lookups = 20
	hits := x.db.Metrics().Filter.Hits
	for i := range lookups {
		if cands, _ := mustCandidates(t, x, fmt.Sprint("new", i), randomBands(), 10); len(cands) != 0 {
			t.Fatalf("an unrelated article has candidates %v", ids(cands))
		}
	}
	// 48 band keys and the article's own id per lookup; a filter says
	// "maybe" for about 1 % of absent keys.
	if got, want := x.db.Metrics().Filter.Hits-hits, int64(lookups*49*9/10); got < want {
		t.Errorf("%d lookups of absent keys were answered by %d Bloom filter checks; want at least %d (the others read a data block)", lookups, got, want)
	}
	// The filters skip nothing that is there.
	if cands, _ := mustCandidates(t, x, "copy", stored[n/2], 10); len(cands) != 1 || cands[0].ID != fmt.Sprint("a", n/2) || cands[0].Shared != 48 {
		t.Errorf("candidates of a stored article's bands: %v; want a%d sharing 48", ids(cands), n/2)
	}
}
