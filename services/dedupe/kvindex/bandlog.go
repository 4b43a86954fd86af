package kvindex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
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
	packed []byte // packSketch
}

// Sketch unpacks the article's shingle sketch; each call returns a new
// copy.
func (c Candidate) Sketch() minhash.Sketch { return unpackSketch(c.packed) }

// follow starts the ordered consumer that applies the band log to the
// local index after the last message the index applied (from the start
// for a new one), and waits until the log as it was at start is applied.
func (ix *Index) follow(ctx context.Context) error {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	from := ix.local.lastApplied()
	if from > 0 {
		cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from + 1}
	}
	cons, err := ix.bandLog.OrderedConsumer(ctx, cfg)
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
			id, bands = "", nil
		}
		if err := ix.local.apply(md.Sequence.Stream, md.Timestamp, id, bands, sketch); err != nil {
			// The index stays at the previous message; AddBands fails
			// with ErrLagging until the store takes writes again.
			ix.log.Error("apply band log message to the local index", zap.Uint64("stream_seq", md.Sequence.Stream), zap.Error(err))
		}
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
	if info.State.Msgs > 0 && info.State.LastSeq > from {
		if err := ix.local.wait(ctx, info.State.LastSeq); err != nil {
			return fmt.Errorf("replay band log: %w", err)
		}
	}
	ix.log.Info("dedupe index ready", zap.String("store", ix.local.path), zap.Uint64("resumed_after", from),
		zap.Uint64("applied", ix.local.lastApplied()), zap.Int("articles", ix.local.size()))
	return nil
}

// AddBands records that article id, of the given sketch, holds the given
// band keys (bands[i] the key of band i, as minhash.BandKeys returns
// them), and returns the other live articles holding one of them in the
// same band, most bands shared first, then newest first (the latest in the
// log): at most limit of them,
// with their sketches, and how many there were in all. It appends one
// message to the band log and answers from the local index once the
// index has applied the log up to that message, so of two articles
// adding bands at the same moment, on any replicas, the later in the log
// sees the earlier.
func (ix *Index) AddBands(ctx context.Context, id string, bands []uint64, sketch minhash.Sketch, limit int) ([]Candidate, int, error) {
	if err := checkID(id); err != nil {
		return nil, 0, err
	}
	ack, err := ix.js.Publish(ctx, ix.bandSubject, encodeBands(id, bands, sketch))
	ix.mu.Lock()
	ix.writes++
	ix.mu.Unlock()
	if err != nil {
		return nil, 0, fmt.Errorf("append bands of %s: %w", id, err)
	}
	wctx, cancel := context.WithTimeout(ctx, MaxLag)
	defer cancel()
	if err := ix.local.wait(wctx, ack.Sequence); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, fmt.Errorf("%w: %w", ErrLagging, err)
		}
		return nil, 0, err
	}
	return ix.local.candidates(id, bands, limit)
}

// LocalSize returns how many live articles the local index holds.
func (ix *Index) LocalSize() int { return ix.local.size() }

// StoreMemory is the memory the local index's store holds outside the Go
// heap: its block cache and its memtables.
type StoreMemory struct {
	// Cache is the block cache in use (at most StoreOptions.CacheBytes).
	Cache int64
	// MemTables is the memtables allocated: the one being filled, any
	// waiting for their flush, and those kept for an iterator or reuse.
	MemTables int64
}

// StoreMemory returns the local index's store memory now.
func (ix *Index) StoreMemory() StoreMemory { return ix.local.storeMemory() }

// WriteStalls returns how many times the local index's store held its
// writes back (memtables full, or L0 too deep, while flushes and
// compactions catch up) and for how long in all: the follower waits, and
// every lookup waits for the follower.
func (ix *Index) WriteStalls() (count int64, total time.Duration) { return ix.local.writeStalls() }

// SketchReads returns how many candidates' sketches outside the recent
// tier were read from the warm sketches held in memory (warm.go) and
// how many from the store.
func (ix *Index) SketchReads() (warm, store int64) {
	return ix.local.warm.hits.Load(), ix.local.warm.misses.Load()
}
