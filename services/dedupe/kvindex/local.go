package kvindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// The local band index is an on-disk Pebble store that mirrors the band
// log, one per replica. Its keys:
//
//	'b' band(1) key(4) ^seq(8) -> nothing: article seq holds the band key's
//	                              low 32 bits in that band; a band key's
//	                              holders sort newest first
//	'a' seq(8)                 -> the article: its log time, id, band keys
//	                              and packed sketch (packed.go)
//	'i' id                     -> seq(8): the article's live message
//	'm' name                   -> the store's state: the band log it mirrors,
//	                              the last sequence applied, the oldest live
//	                              sequence, the number of live articles
//
// The Comparer splits a 'b' key after its band key (6 bytes), so the
// tables' Bloom filters answer "does any article hold this band key?"
// without reading a data block: most band keys of a new article are held
// by no one. Each log message is applied as one batch that also records
// its sequence, so the store is always at a consistent point of the log,
// and a replica that restarts on the same directory resumes after it.
// Memory is the block cache, the memtables and the Go heap of one lookup:
// it does not grow with the window, which is on disk.

const (
	kindBand    = 'b'
	kindArticle = 'a'
	kindID      = 'i'
	kindMeta    = 'm'

	bandPrefixLen = 6 // 'b', band, 32-bit key
	bandKeyLen    = bandPrefixLen + 8
)

// Meta keys: the band log mirrored (stream name and creation time), the
// last sequence applied, the first sequence not yet expired, live
// articles.
var (
	metaStream  = []byte{kindMeta, 's'}
	metaApplied = []byte{kindMeta, 'q'}
	metaLive    = []byte{kindMeta, 'l'}
	metaCount   = []byte{kindMeta, 'n'}
)

// storeFormat names the key layout; a store of another layout is
// rebuilt from the log.
const storeFormat = "newsflow-dedupe-bands-v1"

// comparer orders keys bytewise and splits band keys after their prefix,
// so that Bloom filters cover band keys.
var comparer = func() pebble.Comparer {
	c := *pebble.DefaultComparer
	c.Name = storeFormat
	c.Split = func(k []byte) int {
		if len(k) == bandKeyLen && k[0] == kindBand {
			return bandPrefixLen
		}
		return len(k)
	}
	return c
}()

func bandKey(band int, key uint32, seq uint64) []byte {
	b := make([]byte, bandKeyLen)
	b[0], b[1] = kindBand, byte(band)
	binary.BigEndian.PutUint32(b[2:], key)
	binary.BigEndian.PutUint64(b[6:], ^seq)
	return b
}

func articleKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{kindArticle}, seq)
}

func idKey(id string) []byte { return append([]byte{kindID}, id...) }

// storedArticle is the value of an article key.
type storedArticle struct {
	stamp  int64 // log time, unix nanoseconds
	id     string
	keys   []uint32 // band i's key, low 32 bits
	sketch []byte   // packSketch
}

func (a storedArticle) marshal() []byte {
	b := make([]byte, 0, 16+len(a.id)+4*len(a.keys)+len(a.sketch))
	b = binary.BigEndian.AppendUint64(b, uint64(a.stamp))
	b = appendID(b, a.id)
	b = binary.AppendUvarint(b, uint64(len(a.keys)))
	for _, k := range a.keys {
		b = binary.BigEndian.AppendUint32(b, k)
	}
	return append(b, a.sketch...)
}

func unmarshalArticle(b []byte) (storedArticle, error) {
	if len(b) < 8 {
		return storedArticle{}, fmt.Errorf("%w: article of %d bytes", ErrCorrupt, len(b))
	}
	a := storedArticle{stamp: int64(binary.BigEndian.Uint64(b))}
	d := decoder{b: b[8:]}
	a.id = d.id()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b))/4 {
		d.err = fmt.Errorf("%w: %d band keys in %d bytes", ErrCorrupt, n, len(d.b))
	}
	if d.err != nil {
		return storedArticle{}, d.err
	}
	a.keys = make([]uint32, n)
	for i := range a.keys {
		a.keys[i] = binary.BigEndian.Uint32(d.b[4*i:])
	}
	a.sketch = slices.Clone(d.b[4*n:])
	return a, nil
}

// sweepEvery is how often the follower deletes the articles whose window
// passed: an article stays a candidate up to this long after its window,
// never shorter.
const sweepEvery = time.Second

// localIndex is a replica's copy of the band log: its newest articles
// in memory (recent.go), the others in the store. apply is called by one
// goroutine (the log follower), candidates by any number.
type localIndex struct {
	db     *pebble.DB
	ttl    time.Duration
	path   string
	remove string // a temporary directory removed by close
	spill  int    // recent articles spilled to the store at a time

	use   sync.RWMutex // held to read or write db, exclusively to close it
	swept time.Time    // last expiry sweep, by the follower
	// tier guards recent and stored; the follower holds it to change
	// them, lookups to read them.
	tier     sync.RWMutex
	recent   recentTier
	warm     warmSketches
	stored   uint64 // the last message the store holds (the rest is recent)
	mu       sync.Mutex
	applied  uint64 // stream sequence of the last message applied
	liveFrom uint64 // stored articles of lower sequences have expired and are deleted
	live     uint64 // articles in the store
	changed  chan struct{}
	closed   bool
	// failed receives Pebble's background errors (a flush or compaction
	// that failed and will be retried); one is kept until it is taken.
	failed chan error
	// stalls counts the store's write stalls (its memtables full, or L0
	// too deep, while flushes and compactions catch up) and their time:
	// the follower's spill waits, and every lookup waits for the follower.
	stalls writeStalls
}

// writeStalls counts a store's write stalls and their time (an ongoing
// one is counted at its end).
type writeStalls struct {
	mu    sync.Mutex
	began time.Time
	count int64
	total time.Duration
}

// StoreOptions size a local index's memory.
type StoreOptions struct {
	// CacheBytes is the block cache; MemTableBytes one memtable (at most
	// two are held while one is flushed).
	CacheBytes, MemTableBytes int64
	// RecentArticles is how many of the newest articles are held in
	// memory at least, twice as many at most (recent.go); 0 is
	// DefaultRecentArticles.
	RecentArticles int
}

// DefaultRecentArticles is StoreOptions.RecentArticles' default: up to
// 4,096 articles in memory, about 8 MB, and spills of 2,048 articles
// (about 8 MB of batch, held until its memtable is flushed); the last
// four spills' sketches stay in memory (warm.go), about 11 MB more.
const DefaultRecentArticles = 2048

// openLocal opens (or creates) the store at path; close removes the
// directory remove, unless it is "". A store that mirrors
// another stream than stream (another name, or the same name created
// again, so sequences restarted) is emptied first: it is rebuilt from the
// log.
func openLocal(path, remove, stream string, ttl time.Duration, so StoreOptions, log *zap.Logger) (*localIndex, error) {
	spill := so.RecentArticles
	if spill <= 0 {
		spill = DefaultRecentArticles
	}
	x := &localIndex{ttl: ttl, path: path, remove: remove, spill: spill, recent: newRecentTier(), warm: warmSketches{max: warmPerSpill * spill},
		changed: make(chan struct{}), failed: make(chan error, 1)}
	db, err := x.openStore(so, log)
	if err != nil {
		return nil, err
	}
	x.db = db
	have, err := x.meta(metaStream)
	if err != nil {
		db.Close()
		return nil, err
	}
	if have != nil && string(have) != stream {
		log.Warn("dedupe index store mirrors another band log: rebuilding it from the log",
			zap.String("path", path), zap.String("store", string(have)), zap.String("log", stream))
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("close dedupe index store: %w", err)
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("empty dedupe index store: %w", err)
		}
		if db, err = x.openStore(so, log); err != nil {
			return nil, err
		}
		x.db = db
		have = nil
	}
	if have == nil {
		if err := db.Set(metaStream, []byte(stream), pebble.NoSync); err != nil {
			db.Close()
			return nil, fmt.Errorf("dedupe index store: %w", err)
		}
	}
	for _, f := range []struct {
		key []byte
		v   *uint64
	}{{metaApplied, &x.applied}, {metaLive, &x.liveFrom}, {metaCount, &x.live}} {
		b, err := x.meta(f.key)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(b) == 8 {
			*f.v = binary.BigEndian.Uint64(b)
		}
	}
	x.stored = x.applied
	return x, nil
}

func (x *localIndex) openStore(so StoreOptions, log *zap.Logger) (*pebble.DB, error) {
	cache := pebble.NewCache(so.CacheBytes)
	defer cache.Unref()
	keyOrder := comparer
	logger := pebbleLogger{log}
	events := pebble.EventListener{BackgroundError: func(err error) {
		logger.Errorf("background error: %s", err)
		select { // for a close waiting on a flush
		case x.failed <- err:
		default:
		}
	}, WriteStallBegin: func(pebble.WriteStallBeginInfo) {
		x.stalls.mu.Lock()
		x.stalls.began = time.Now()
		x.stalls.count++
		x.stalls.mu.Unlock()
	}, WriteStallEnd: func() {
		x.stalls.mu.Lock()
		x.stalls.total += time.Since(x.stalls.began)
		x.stalls.mu.Unlock()
	}}
	opts := &pebble.Options{
		Cache:                       cache,
		Comparer:                    &keyOrder,
		MemTableSize:                uint64(so.MemTableBytes),
		MemTableStopWritesThreshold: 2,
		Logger:                      logger,
		EventListener:               &events,
		FormatMajorVersion:          pebble.FormatNewest,
		// The band log is the write-ahead log: a store that loses its
		// memtables in a crash resumes after the last message it flushed.
		DisableWAL: true,
	}
	// Sketches (about 1.3 KB each) live in blob files, written once:
	// compactions move only the keys that point at them.
	opts.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
		return pebble.ValueSeparationPolicy{Enabled: true, MinimumSize: 256, MaxBlobReferenceDepth: 10,
			RewriteMinimumAge: time.Hour, TargetGarbageRatio: 0.5}
	}
	// Band keys and packed sketches are random bits: compression would
	// spend CPU for nothing.
	opts.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(x.path, opts)
	if err != nil {
		return nil, fmt.Errorf("open dedupe index store %s: %w", x.path, err)
	}
	return db, nil
}

// pebbleLogger sends Pebble's messages to zap.
type pebbleLogger struct{ log *zap.Logger }

func (l pebbleLogger) Infof(format string, args ...any) {
	l.log.Debug("pebble: " + fmt.Sprintf(format, args...))
}
func (l pebbleLogger) Errorf(format string, args ...any) {
	l.log.Error("pebble: " + fmt.Sprintf(format, args...))
}
func (l pebbleLogger) Fatalf(format string, args ...any) {
	l.log.Fatal("pebble: " + fmt.Sprintf(format, args...))
}

func (x *localIndex) meta(key []byte) ([]byte, error) {
	v, c, err := x.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dedupe index store: read %q: %w", key, err)
	}
	defer c.Close()
	return slices.Clone(v), nil
}

// apply adds the article of the band log message at seq to the recent
// tier, unless its id is already live (a redelivered article publishes
// its bands again), spills the oldest recent articles to the store when
// the tier is full, and deletes the articles whose window has passed.
// bands nil marks a message that could not be decoded: only the sequence
// advances.
func (x *localIndex) apply(seq uint64, stamp time.Time, id string, bands []uint64, sketch minhash.Sketch) error {
	x.use.RLock()
	defer x.use.RUnlock()
	x.mu.Lock()
	applied, closed := x.applied, x.closed
	x.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if seq <= applied {
		return nil // already applied (delivered again after a restart)
	}
	var gone map[uint64]bool
	if now := time.Now(); now.Sub(x.swept) >= sweepEvery {
		var err error
		if gone, err = x.sweep(now); err != nil {
			return err
		}
		x.swept = now
	}
	if bands != nil && stamp.Add(x.ttl).After(time.Now()) { // an article past its window at arrival is not stored
		known, err := x.known(id, gone)
		if err != nil {
			return err
		}
		if !known {
			a := storedArticle{stamp: stamp.UnixNano(), id: id, keys: make([]uint32, len(bands)), sketch: packSketch(sketch)}
			for i, k := range bands {
				a.keys[i] = uint32(k)
			}
			x.tier.Lock()
			x.recent.add(seq, a)
			x.tier.Unlock()
		}
	}
	if len(x.recent.arts) >= 2*x.spill {
		if err := x.spillRecent(x.spill, seq); err != nil {
			return err
		}
	}
	x.mu.Lock()
	x.applied = seq
	close(x.changed)
	x.changed = make(chan struct{})
	x.mu.Unlock()
	return nil
}

// known reports whether id is live: in the recent tier, or in the store
// and not among the sequences gone.
func (x *localIndex) known(id string, gone map[uint64]bool) (bool, error) {
	if _, ok := x.recent.byID[id]; ok {
		return true, nil
	}
	x.mu.Lock()
	live := x.live
	x.mu.Unlock()
	if live == 0 {
		return false, nil
	}
	it, err := x.db.NewIter(&lookupOptions)
	if err != nil {
		return false, err
	}
	defer it.Close()
	seq, ok, err := storedSeq(it, id)
	if err != nil {
		return false, fmt.Errorf("dedupe index store: read id %s: %w", id, err)
	}
	return ok && !gone[seq], nil
}

// lookupOptions are the iterators' of lookups: most band keys and ids
// looked up are held by no stored article, and a table's Bloom filter
// says so without reading a data block. Pebble skips the filters of the
// last level (L6) unless asked, and L6 holds nearly all of the window
// once it is compacted, so without them every band key looked up read a
// data block of each L6 table its prefix fell in: the lookup's cost grew
// with the window.
var lookupOptions = pebble.IterOptions{UseL6Filters: true}

// storedSeq returns the sequence of id's live message in the store, if
// any, through it (whose filters skip the tables without the id).
func storedSeq(it *pebble.Iterator, id string) (uint64, bool, error) {
	key := idKey(id)
	if !it.SeekPrefixGE(key) || !bytes.Equal(it.Key(), key) {
		return 0, false, it.Error()
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return 0, false, err
	}
	if len(v) != 8 {
		return 0, false, fmt.Errorf("%w: id value of %d bytes", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// spillRecent writes the oldest n recent articles to the store in one
// batch, with the sequence of the last message the store then holds:
// every message before the first article left in the tier, or upTo when
// none is left.
func (x *localIndex) spillRecent(n int, upTo uint64) error {
	n = min(n, len(x.recent.arts))
	stored := upTo
	if n < len(x.recent.arts) {
		stored = x.recent.arts[n].seq - 1
	}
	b := x.db.NewBatch()
	defer b.Close()
	for _, a := range x.recent.arts[:n] {
		for i, k := range a.keys {
			if err := b.Set(bandKey(i, k, a.seq), nil, nil); err != nil {
				return err
			}
		}
		if err := b.Set(articleKey(a.seq), a.marshal(), nil); err != nil {
			return err
		}
		if err := b.Set(idKey(a.id), binary.BigEndian.AppendUint64(nil, a.seq), nil); err != nil {
			return err
		}
	}
	x.mu.Lock()
	liveFrom, live := x.liveFrom, x.live+uint64(n)
	x.mu.Unlock()
	if err := x.setMeta(b, stored, liveFrom, live); err != nil {
		return err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("dedupe index store: spill %d articles up to #%d: %w", n, stored, err)
	}
	x.tier.Lock()
	x.warm.add(x.recent.arts[:n])
	x.recent.dropFront(n)
	x.stored = stored
	x.tier.Unlock()
	x.mu.Lock()
	x.live = live
	x.mu.Unlock()
	return nil
}

// setMeta adds to b the store's state: the last message it holds, the
// first live sequence and the number of live articles.
func (x *localIndex) setMeta(b *pebble.Batch, stored, liveFrom, live uint64) error {
	for _, m := range []struct {
		key []byte
		v   uint64
	}{{metaApplied, stored}, {metaLive, liveFrom}, {metaCount, live}} {
		if err := b.Set(m.key, binary.BigEndian.AppendUint64(nil, m.v), nil); err != nil {
			return err
		}
	}
	return nil
}

// sweep drops the recent articles whose window has passed at now, and
// deletes the stored ones (returning their sequences).
func (x *localIndex) sweep(now time.Time) (map[uint64]bool, error) {
	cutoff := now.Add(-x.ttl).UnixNano()
	drop := 0
	for drop < len(x.recent.arts) && x.recent.arts[drop].stamp <= cutoff {
		drop++
	}
	if drop > 0 {
		x.tier.Lock()
		x.recent.dropFront(drop)
		x.tier.Unlock()
	}
	x.mu.Lock()
	liveFrom, live := x.liveFrom, x.live
	x.mu.Unlock()
	b := x.db.NewBatch()
	defer b.Close()
	liveFrom, gone, err := x.expire(b, max(liveFrom, 1), x.stored, now)
	if err != nil {
		return nil, err
	}
	if len(gone) == 0 {
		return nil, nil
	}
	live -= uint64(len(gone))
	if err := x.setMeta(b, x.stored, liveFrom, live); err != nil {
		return nil, err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return nil, fmt.Errorf("dedupe index store: expire %d articles: %w", len(gone), err)
	}
	x.mu.Lock()
	x.liveFrom, x.live = liveFrom, live
	x.mu.Unlock()
	return gone, nil
}

// expire adds to b the deletion of every stored article from liveFrom on
// whose window has passed at now, oldest first up to the first live one,
// and returns the new first live sequence (past applied when none is
// left) and the sequences it deleted.
func (x *localIndex) expire(b *pebble.Batch, liveFrom, applied uint64, now time.Time) (uint64, map[uint64]bool, error) {
	it, err := x.db.NewIter(&pebble.IterOptions{LowerBound: articleKey(liveFrom), UpperBound: []byte{kindArticle + 1}})
	if err != nil {
		return 0, nil, err
	}
	defer it.Close()
	var gone map[uint64]bool
	cutoff := now.Add(-x.ttl).UnixNano()
	for it.First(); it.Valid(); it.Next() {
		seq := binary.BigEndian.Uint64(it.Key()[1:])
		a, err := unmarshalArticle(it.Value())
		if err != nil {
			return 0, nil, fmt.Errorf("article #%d: %w", seq, err)
		}
		if a.stamp > cutoff {
			return seq, gone, it.Error()
		}
		for i, k := range a.keys {
			if err := b.Delete(bandKey(i, k, seq), nil); err != nil {
				return 0, nil, err
			}
		}
		if v, c, err := x.db.Get(idKey(a.id)); err == nil {
			mine := binary.BigEndian.Uint64(v) == seq
			c.Close()
			if mine {
				if err := b.Delete(idKey(a.id), nil); err != nil {
					return 0, nil, err
				}
			}
		}
		if err := b.Delete(it.Key(), nil); err != nil {
			return 0, nil, err
		}
		if gone == nil {
			gone = map[uint64]bool{}
		}
		gone[seq] = true
	}
	return max(liveFrom, applied+1), gone, it.Error()
}

// candidates returns the live articles other than id holding, in the
// same band, one of bands (followed newest first, at most maxChain per
// band key, recent articles first), most bands shared first, then newest
// first: at most limit of them with their sketches, and how many there
// were in all.
func (x *localIndex) candidates(id string, bands []uint64, limit int) ([]Candidate, int, error) {
	x.use.RLock()
	defer x.use.RUnlock()
	x.mu.Lock()
	liveFrom, closed, live := x.liveFrom, x.closed, x.live
	x.mu.Unlock()
	if closed {
		return nil, 0, ErrClosed
	}
	shared := map[uint64]int{}
	recent := map[uint64]Candidate{} // the recent candidates, by sequence
	steps := make([]int, len(bands)) // holders visited per band key
	// The tier's articles are all after stored: the store is asked only
	// for holders up to it, so an article spilled meanwhile is not
	// counted twice. Expired articles stay until the follower's next
	// sweep, as in the store.
	x.tier.RLock()
	stored := x.stored
	// An id in the recent tier is in no stored article up to stored (it
	// was added as unknown, and leaves the tier only for the store, after
	// stored): the store need not be asked for its own bands.
	_, selfRecent := x.recent.byID[id]
	for i, k := range bands {
		x.recent.holders(i, uint32(k), func(a *recentArticle) bool {
			if steps[i] >= maxChain {
				return false
			}
			if a.id != id {
				shared[a.seq]++
				recent[a.seq] = Candidate{ID: a.id, packed: a.sketch}
			}
			steps[i]++
			return true
		})
	}
	x.tier.RUnlock()
	if live > 0 {
		if err := x.storedHolders(id, !selfRecent, bands, stored, liveFrom, steps, shared); err != nil {
			return nil, 0, err
		}
	}
	// The first limit by bands shared, ties newest first: only their
	// articles are read. Breaking ties by id read every tied article,
	// and unrelated articles sharing one band key (a common phrase's
	// shingle) grow with the window.
	seqs := topShared(shared, limit)
	out := make([]Candidate, len(seqs))
	var cold []int // candidates whose sketch is only in the store
	warm := 0
	x.tier.RLock()
	for i, s := range seqs {
		if c, ok := recent[s]; ok {
			out[i] = c
		} else if a, ok := x.warm.get(s); ok {
			out[i] = Candidate{ID: a.id, packed: a.sketch}
			warm++
		} else {
			cold = append(cold, i)
		}
	}
	x.tier.RUnlock()
	x.warm.read(warm, len(cold))
	for _, i := range cold {
		s := seqs[i]
		v, c, err := x.db.Get(articleKey(s))
		if err != nil {
			return nil, 0, fmt.Errorf("dedupe index store: article #%d: %w", s, err)
		}
		a, err := unmarshalArticle(v)
		c.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("dedupe index store: article #%d: %w", s, err)
		}
		out[i] = Candidate{ID: a.id, packed: a.sketch}
	}
	for i, s := range seqs {
		out[i].Shared = shared[s]
	}
	return out, len(shared), nil
}

// topShared returns the first limit sequences of shared by bands shared,
// then newest first. It keeps only those in order: a large window holds
// thousands of weak candidates (one band key shared), and sorting them
// all cost more than the lookup itself.
func topShared(shared map[uint64]int, limit int) []uint64 {
	type holder struct {
		seq    uint64
		shared int
	}
	before := func(a, b holder) bool { // a ranks before b
		return a.shared > b.shared || a.shared == b.shared && a.seq > b.seq
	}
	top := make([]holder, 0, min(len(shared), limit))
	for s, n := range shared {
		h := holder{s, n}
		if len(top) == limit {
			if limit == 0 || !before(h, top[limit-1]) {
				continue
			}
			top = top[:limit-1]
		}
		i, _ := slices.BinarySearchFunc(top, h, func(a, b holder) int {
			if before(a, b) {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, i, h)
	}
	seqs := make([]uint64, len(top))
	for i, h := range top {
		seqs[i] = h.seq
	}
	return seqs
}

// storedHolders adds to shared the stored articles other than id, from
// liveFrom up to stored, holding one of bands, newest first, until
// steps[i] holders of band i have been visited (maxChain). With mayHold
// false the store is known to hold no article of id up to stored.
func (x *localIndex) storedHolders(id string, mayHold bool, bands []uint64, stored, liveFrom uint64, steps []int, shared map[uint64]int) error {
	it, err := x.db.NewIter(&lookupOptions)
	if err != nil {
		return err
	}
	defer it.Close()
	var self uint64 // the sequence at which id's own bands are stored
	if mayHold {
		if self, _, err = storedSeq(it, id); err != nil {
			return err
		}
	}
	for i, k := range bands {
		prefix := bandKey(i, uint32(k), 0)[:bandPrefixLen]
		for ok := it.SeekPrefixGE(prefix); ok && steps[i] < maxChain; ok = it.Next() {
			key := it.Key()
			if !bytes.HasPrefix(key, prefix) {
				break
			}
			seq := ^binary.BigEndian.Uint64(key[bandPrefixLen:])
			if seq > stored {
				continue // held by the recent tier
			}
			if seq < liveFrom {
				break
			}
			if seq != self {
				shared[seq]++
			}
			steps[i]++
		}
		if err := it.Error(); err != nil {
			return err
		}
	}
	return nil
}

// wait returns once the message at seq has been applied.
func (x *localIndex) wait(ctx context.Context, seq uint64) error {
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

// lastApplied returns the sequence of the last message applied.
func (x *localIndex) lastApplied() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.applied
}

// size returns the number of live articles.
func (x *localIndex) size() int {
	x.tier.RLock()
	recent := len(x.recent.arts)
	x.tier.RUnlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	return int(x.live) + recent
}

// flush writes the memtables to disk: without a WAL, what is not flushed
// is applied again from the log at the next start. It gives up at the
// first background error: Pebble retries a failed flush at once and for
// ever (cockroachdb/pebble#6139), so DB.Flush never returns when the
// store's directory was removed or the disk fails, and close would hang
// at full CPU; DB.Close stops the retries.
func (x *localIndex) flush() error {
	for drained := false; !drained; { // errors from before this flush
		select {
		case <-x.failed:
		default:
			drained = true
		}
	}
	flushed, err := x.db.AsyncFlush()
	if err != nil {
		return fmt.Errorf("flush dedupe index store: %w", err)
	}
	select {
	case <-flushed:
		return nil
	case err := <-x.failed:
		return fmt.Errorf("flush dedupe index store (the band log after #%d is applied again at the next start): %w", x.lastApplied(), err)
	}
}

// close wakes the waiters and closes the store (call it once the
// follower has stopped); a temporary store is removed.
func (x *localIndex) close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	x.closed = true
	close(x.changed)
	x.changed = make(chan struct{})
	x.mu.Unlock()
	x.use.Lock()
	defer x.use.Unlock()
	// The recent articles go to the store, so a restart follows the log
	// from the last message applied.
	err := x.spillRecent(len(x.recent.arts), x.lastApplied())
	if err == nil {
		err = x.flush()
	}
	err = errors.Join(err, x.db.Close())
	if x.remove != "" {
		err = errors.Join(err, os.RemoveAll(x.remove))
	}
	return err
}

// storeMemory returns the store's block cache and memtables in use.
func (x *localIndex) storeMemory() StoreMemory {
	x.use.RLock()
	defer x.use.RUnlock()
	x.mu.Lock()
	closed := x.closed
	x.mu.Unlock()
	if closed {
		return StoreMemory{}
	}
	m := x.db.Metrics()
	return StoreMemory{Cache: m.BlockCache.Size, MemTables: int64(m.MemTable.Size + m.MemTable.ZombieSize)}
}

// writeStalls returns the store's write stalls so far.
func (x *localIndex) writeStalls() (count int64, total time.Duration) {
	x.stalls.mu.Lock()
	defer x.stalls.mu.Unlock()
	return x.stalls.count, x.stalls.total
}
