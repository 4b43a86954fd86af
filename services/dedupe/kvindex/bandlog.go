package kvindex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// ErrClosed means the index was closed.
var ErrClosed = errors.New("kv index closed")

// ErrLagging means the local band index did not apply an article's own
// band log message within MaxLag: the follower is stalled or far behind.
var ErrLagging = errors.New("band log follower lagging")

// MaxLag bounds how long AddBands waits for the local index to apply the
// article's own band log message.
const MaxLag = 30 * time.Second

// bandLogVersion is the first byte of every band log message. Version 1
// was the band-group KV bucket, which this version does not read.
const bandLogVersion = 2

// maxChain bounds how many articles holding one band key a lookup
// visits, newest first: a band key shared by thousands of articles (a
// site's furniture that slipped past the edge-line filter) costs no more
// than this.
const maxChain = 4096

// BandStream returns the name of the band log stream of a band bucket
// name (Config.BandBucket).
func BandStream(name string) string { return "BANDLOG_" + name }

// BandSubject returns the subject of the band log stream of name.
func BandSubject(name string) string { return "dedupe.bandlog." + name }

// encodeBands encodes one band log message: the version, the article id,
// its band keys and its sketch (see appendSketch).
func encodeBands(id string, bands []uint64, sk minhash.Sketch) []byte {
	b := make([]byte, 0, 16+len(id)+8*len(bands)+3*len(sk.Hashes))
	b = append(b, bandLogVersion)
	b = appendID(b, id)
	b = binary.AppendUvarint(b, uint64(len(bands)))
	for _, k := range bands {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	return appendSketch(b, sk)
}

// decodeBands decodes a band log message; the sketch is left encoded (a
// sub-slice of b) for decodeSketch.
func decodeBands(b []byte) (id string, bands []uint64, sketch []byte, err error) {
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != bandLogVersion {
		return "", nil, nil, fmt.Errorf("%w: band log version %d", ErrCorrupt, v)
	}
	id = d.id()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b))/8 {
		d.err = fmt.Errorf("%w: %d band keys in %d bytes", ErrCorrupt, n, len(d.b))
	}
	if d.err != nil {
		return "", nil, nil, d.err
	}
	bands = make([]uint64, n)
	for i := range bands {
		bands[i] = binary.LittleEndian.Uint64(d.b[8*i:])
	}
	return id, bands, d.b[8*n:], nil
}

// appendSketch writes a sketch: its total, its hashes and its short lines.
func appendSketch(b []byte, sk minhash.Sketch) []byte {
	b = binary.AppendUvarint(b, uint64(sk.Total))
	b = appendHashes(b, sk.Hashes)
	b = binary.AppendUvarint(b, uint64(len(sk.Short)))
	for _, l := range sk.Short {
		b = appendHashes(b, l)
	}
	return b
}

// decodeSketch decodes a sketch written by appendSketch.
func decodeSketch(b []byte) (minhash.Sketch, error) {
	d := decoder{b: b}
	var sk minhash.Sketch
	sk.Total = int(d.uvarint())
	sk.Hashes = d.hashes()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %d short lines in %d bytes", ErrCorrupt, n, len(d.b))
	}
	for i := uint64(0); d.err == nil && i < n; i++ {
		sk.Short = append(sk.Short, d.hashes())
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes after a sketch", ErrCorrupt, len(d.b))
	}
	if d.err != nil {
		return minhash.Sketch{}, d.err
	}
	return sk, nil
}

// Candidate is an article sharing band keys with the one added.
type Candidate struct {
	// ID is the article's id, Shared the number of band keys shared.
	ID     string
	Shared int
	packed []byte // packSketch, shared with the index: never modified
}

// Sketch unpacks the article's shingle sketch; each call returns a new
// copy.
func (c Candidate) Sketch() minhash.Sketch { return unpackSketch(c.packed) }

// article is one article in the local band index.
type article struct {
	id      string
	seq     uint64 // band log sequence
	expires int64  // unix nanoseconds
	// links holds, per band i, the band key's low 32 bits (2i) and the
	// next older article holding the same key in band i (2i+1; 0: none).
	links  []uint32
	sketch []byte // packSketch
}

// bandIndex is the local, in-memory index of the band log: per band, the
// low 32 bits of a band key -> the articles holding it, newest first, as
// chains through the articles' links. Band keys are hashes that mix in
// the band's number, so 32 bits within a band are plenty: at a million
// articles, a false shared band (which verification then rejects) comes
// once in ~90 articles. Articles are numbered from 1 in log order;
// arts[i] is article first+i, and expired articles are dropped from the
// front.
//
// With maxIndexed > 0 the index is also bounded by the log: once the
// message at sequence s is applied, articles of sequence s-maxIndexed or
// less are evicted, oldest first, as if their window had passed. The
// sequences are the log's, so every replica evicts the same articles, and
// the index never holds more than maxIndexed articles (fewer when the log
// holds re-sent or undecodable messages). An article's lookup (at its own
// sequence q) only follows articles after q-horizon(): a replica that
// has applied up to margin messages beyond q when it looks up has evicted
// none of them, so the candidates do not depend on how far a replica has
// run ahead.
type bandIndex struct {
	mu         sync.Mutex
	heads      []map[uint32]uint32
	byID       map[string]uint32
	arts       []article
	first      uint32 // number of arts[0]
	applied    uint64 // stream sequence of the last message applied
	changed    chan struct{}
	closed     bool
	maxIndexed uint64 // 0: bounded by the window only
	evicted    uint64 // articles evicted by maxIndexed
	warned     bool
	log        *zap.Logger
}

// maxMargin bounds how many of the last maxIndexed log messages before
// an article its lookup skips (see bandIndex): more than the articles
// in flight on all replicas at once.
const maxMargin = 4096

func newBandIndex(maxIndexed int, log *zap.Logger) *bandIndex {
	return &bandIndex{byID: map[string]uint32{}, first: 1, changed: make(chan struct{}),
		maxIndexed: uint64(max(maxIndexed, 0)), log: log}
}

// horizon returns how many log messages before its own an article's
// lookup reaches back (0: unbounded): maxIndexed less a margin of an
// eighth, at most maxMargin.
func (x *bandIndex) horizon() uint64 {
	if x.maxIndexed == 0 {
		return 0
	}
	return x.maxIndexed - min(x.maxIndexed/8, maxMargin)
}

func (x *bandIndex) get(n uint32) *article {
	if n < x.first || n-x.first >= uint32(len(x.arts)) {
		return nil
	}
	return &x.arts[n-x.first]
}

// apply adds the article of one band log message, unless its id is
// already live (a redelivered article publishes its bands again).
func (x *bandIndex) apply(seq uint64, stamp time.Time, ttl time.Duration, id string, bands []uint64, sketch minhash.Sketch) {
	var packed []byte
	if bands != nil {
		packed = packSketch(sketch)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	now := time.Now().UnixNano()
	x.prune(now)
	if seq > x.applied {
		x.applied = seq
		close(x.changed)
		x.changed = make(chan struct{})
		x.evict(now)
	}
	if _, ok := x.byID[id]; ok || bands == nil || x.maxIndexed > 0 && seq+x.maxIndexed <= x.applied {
		return
	}
	for len(x.heads) < len(bands) {
		x.heads = append(x.heads, map[uint32]uint32{})
	}
	n := x.first + uint32(len(x.arts))
	a := article{id: id, seq: seq, expires: stamp.Add(ttl).UnixNano(), links: make([]uint32, 2*len(bands)), sketch: packed}
	for i, k := range bands {
		key := uint32(k)
		a.links[2*i], a.links[2*i+1] = key, x.heads[i][key]
		x.heads[i][key] = n
	}
	x.arts = append(x.arts, a)
	x.byID[id] = n
}

// evict drops, oldest first, the articles that the message at x.applied
// pushed out of the last maxIndexed log messages.
func (x *bandIndex) evict(now int64) {
	if x.maxIndexed == 0 || x.applied <= x.maxIndexed {
		return
	}
	limit := x.applied - x.maxIndexed // evict sequences up to limit
	drop := 0
	for drop < len(x.arts) && x.arts[drop].seq <= limit {
		drop++
	}
	if drop == 0 {
		return
	}
	if !x.warned && x.log != nil {
		x.warned = true
		a := x.arts[drop-1]
		x.log.Warn("dedupe index full: evicting the oldest articles before their window ends, so copies of them are no longer found; raise NEWSFLOW_DEDUPE_MAX_INDEXED (-dedupe-max-indexed, about 2.5 KB of memory per article) or shorten NEWSFLOW_DEDUPE_WINDOW",
			zap.Uint64("max_indexed", x.maxIndexed), zap.String("article_id", a.id), zap.Uint64("stream_seq", a.seq),
			zap.Duration("window_left", time.Duration(a.expires-now)))
	}
	x.evicted += uint64(drop)
	x.dropFront(drop)
}

// prune drops the articles expired at now from the front.
func (x *bandIndex) prune(now int64) {
	drop := 0
	for drop < len(x.arts) && x.arts[drop].expires <= now {
		drop++
	}
	x.dropFront(drop)
}

// dropFront drops the oldest drop articles.
func (x *bandIndex) dropFront(drop int) {
	for i := range drop {
		a := &x.arts[i]
		n := x.first + uint32(i)
		for b := 0; b < len(a.links)/2; b++ {
			// The head is the newest holder of the key: if it leaves,
			// every older one in its chain has left too.
			if key := a.links[2*b]; x.heads[b][key] == n {
				delete(x.heads[b], key)
			}
		}
		if x.byID[a.id] == n {
			delete(x.byID, a.id)
		}
		*a = article{}
	}
	if drop == 0 {
		return
	}
	x.arts = x.arts[drop:]
	x.first += uint32(drop)
	if cap(x.arts) > 1024 && len(x.arts) < cap(x.arts)/4 {
		x.arts = append(make([]article, 0, 2*len(x.arts)), x.arts...)
	}
}

// candidates returns every live article other than id holding, in the
// same band, one of bands, most bands shared first, then by id. With a
// bound on the index, only articles after seq-horizon() are followed (seq:
// the sequence of the article's own message).
func (x *bandIndex) candidates(id string, seq uint64, bands []uint64) []Candidate {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := time.Now().UnixNano()
	x.prune(now)
	var oldest uint64 // articles at or before it are not followed
	if h := x.horizon(); h > 0 && seq > h {
		oldest = seq - h
	}
	shared := map[uint32]int{}
	for i, k := range bands {
		if i >= len(x.heads) {
			break
		}
		n := x.heads[i][uint32(k)]
		for steps := 0; n != 0 && steps < maxChain; steps++ {
			a := x.get(n)
			if a == nil || a.expires <= now || a.seq <= oldest {
				break
			}
			if a.id != id {
				shared[n]++
			}
			n = a.links[2*i+1]
		}
	}
	out := make([]Candidate, 0, len(shared))
	for n, c := range shared {
		a := x.get(n)
		out = append(out, Candidate{ID: a.id, Shared: c, packed: a.sketch})
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		if a.Shared != b.Shared {
			return b.Shared - a.Shared
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// wait returns once the message at seq has been applied.
func (x *bandIndex) wait(ctx context.Context, seq uint64) error {
	for {
		x.mu.Lock()
		applied, changed, closed := x.applied, x.changed, x.closed
		x.mu.Unlock()
		if applied >= seq {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for band log #%d (applied #%d): %w", seq, applied, ctx.Err())
		}
	}
}

func (x *bandIndex) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.closed {
		x.closed = true
		close(x.changed)
		x.changed = make(chan struct{})
	}
}

// size returns the number of live articles and of (band, key) pairs.
func (x *bandIndex) size() (articles, keys int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, m := range x.heads {
		keys += len(m)
	}
	return len(x.arts), keys
}

// follow starts the ordered consumer that applies the band log to the
// local index, and waits until the log as it was at start is applied.
func (ix *Index) follow(ctx context.Context) error {
	cons, err := ix.bandLog.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return fmt.Errorf("band log consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			ix.log.Warn("band log message without metadata", zap.Error(err))
			return
		}
		id, bands, enc, err := decodeBands(m.Data())
		var sketch minhash.Sketch
		if err == nil {
			// Decoded (and checked) here, and packed tighter than the
			// log's encoding for the local index.
			sketch, err = decodeSketch(enc)
		}
		if err != nil {
			// Still advance past it, so that waiters do not hang.
			ix.log.Warn("skipping undecodable band log message", zap.Uint64("stream_seq", md.Sequence.Stream), zap.Error(err))
			ix.local.apply(md.Sequence.Stream, md.Timestamp, ix.cfg.TTL, "", nil, minhash.Sketch{})
			return
		}
		ix.local.apply(md.Sequence.Stream, md.Timestamp, ix.cfg.TTL, id, bands, sketch)
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		ix.log.Warn("band log consumer", zap.Error(err))
	}))
	if err != nil {
		return fmt.Errorf("band log consume: %w", err)
	}
	ix.consume = cc
	info, err := ix.bandLog.Info(ctx)
	if err != nil {
		return fmt.Errorf("band log info: %w", err)
	}
	if info.State.Msgs > 0 {
		if err := ix.local.wait(ctx, info.State.LastSeq); err != nil {
			return fmt.Errorf("replay band log: %w", err)
		}
	}
	return nil
}

// AddBands records that article id, of the given sketch, holds the given
// band keys (bands[i] the key of band i, as minhash.BandKeys returns
// them), and returns every other live article holding one of them in
// the same band, most bands shared first, with their sketches. It
// appends one message to the band log and answers from the local index
// once the index has applied the log up to that message, so of two
// articles adding bands at the same moment, on any replicas, the later
// in the log sees the earlier.
func (ix *Index) AddBands(ctx context.Context, id string, bands []uint64, sketch minhash.Sketch) ([]Candidate, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	ack, err := ix.js.Publish(ctx, ix.bandSubject, encodeBands(id, bands, sketch))
	ix.mu.Lock()
	ix.writes++
	ix.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("append bands of %s: %w", id, err)
	}
	wctx, cancel := context.WithTimeout(ctx, MaxLag)
	defer cancel()
	if err := ix.local.wait(wctx, ack.Sequence); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: %w", ErrLagging, err)
		}
		return nil, err
	}
	return ix.local.candidates(id, ack.Sequence, bands), nil
}

// LocalSize returns how many live articles and distinct (band, key)
// pairs the local band index holds.
func (ix *Index) LocalSize() (articles, keys int) { return ix.local.size() }

// Evicted returns how many articles the local index evicted to stay
// within Config.MaxIndexed (articles whose window passed are not
// counted).
func (ix *Index) Evicted() uint64 {
	ix.local.mu.Lock()
	defer ix.local.mu.Unlock()
	return ix.local.evicted
}
