// Package kvindex keeps dedupe's shared state in JetStream, so that any
// number of replicas see one index.
//
// The band log is a stream (BandStream) with one message per article: its
// id, its LSH band keys and its sketch. Every replica follows the log with
// an ordered consumer into a local index on disk (local.go: a Pebble store
// of band key -> the articles holding it, and the articles' packed
// sketches), and deletes articles older than the TTL; the stream's MaxAge
// drops them on the server. Adding an article's bands is one publish; its
// candidates are read from the local index once the index has applied the
// log up to the article's own message. The log orders all articles, so of
// two replicas adding bands at the same moment the later in the log sees
// the earlier, and an article costs the same whatever the size of the
// index. The store records the last message it applied: a replica that
// restarts on the same directory follows the log from there, one that
// starts on an empty directory replays the whole log (Open returns once
// it has). Log messages start with a version byte (2).
//
// The record bucket is a KV bucket mapping an article id to its Record:
// its stream sequence, its cluster and its shingle sketch. Every write is
// a compare-and-set on the key's last revision (create expects revision
// 0), published with a per-message TTL equal to the window, which needs
// the bucket's limit-marker TTL. A conflict comes back as "wrong last
// sequence": code 10071 on a single-server stream, 10164 on a replicated
// one; both are ErrConflict here.
//
// Open retries transient errors (no JetStream meta leader yet, timeouts,
// insufficient resources while cluster peers join) until its context
// ends, as every resource created at start does (stage.Provision).
package kvindex

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// ErrConflict means a compare-and-set lost against another writer.
var ErrConflict = errors.New("kv revision conflict")

// ErrNotFound means the key has no live value.
var ErrNotFound = errors.New("kv key not found")

// ErrCorrupt means a stored value could not be decoded.
var ErrCorrupt = errors.New("corrupt kv value")

// ErrConfig means the index configuration is unusable.
var ErrConfig = errors.New("invalid kv index configuration")

// Config says where and how the index is stored.
type Config struct {
	// BandBucket names the band log (stream BandStream(BandBucket) on
	// subject BandSubject(BandBucket)); RecordBucket names the record KV
	// bucket.
	BandBucket, RecordBucket string
	// Replicas is the replication factor of the log and the bucket (1, 3
	// or 5).
	Replicas int
	// TTL is how long an article stays in the index: the record's
	// per-message TTL after its last write, the band log's MaxAge.
	TTL time.Duration
	// Memory stores the log and the bucket in memory instead of on disk.
	Memory bool
	// MaxAttempts bounds compare-and-set retries of one write.
	MaxAttempts int
	// Dir holds the local index's store, in a sub-directory named after
	// the band log; "" is a new temporary directory removed by Close (a
	// restart then replays the whole log). One Index at a time may use a
	// directory.
	Dir string
	// Store sizes the store's memory.
	Store StoreOptions
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	switch {
	case c.BandBucket == "" || c.RecordBucket == "" || c.BandBucket == c.RecordBucket:
		return fmt.Errorf("%w: two distinct bucket names are required", ErrConfig)
	case c.Replicas < 1 || c.Replicas > 5:
		return fmt.Errorf("%w: replicas %d, want 1-5", ErrConfig, c.Replicas)
	case c.TTL < time.Second:
		return fmt.Errorf("%w: ttl %s, want at least 1s", ErrConfig, c.TTL)
	case c.MaxAttempts < 1:
		return fmt.Errorf("%w: max attempts %d, want at least 1", ErrConfig, c.MaxAttempts)
	case c.Store.CacheBytes < 1<<20 || c.Store.MemTableBytes < 1<<20:
		return fmt.Errorf("%w: store cache %d and memtable %d bytes, want at least 1 MiB each", ErrConfig, c.Store.CacheBytes, c.Store.MemTableBytes)
	}
	return nil
}

// Index is the shared dedupe state. It is safe for concurrent use. Close
// stops following the band log.
type Index struct {
	js                jetstream.JetStream
	cfg               Config
	records, bandLog  jetstream.Stream
	recPre            string
	bandSubject       string
	local             *localIndex
	consume           jetstream.ConsumeContext
	log               *zap.Logger
	conflicts, writes uint64
	reads             uint64
	mu                sync.Mutex
}

// markerTTL is how long the server keeps the marker of an expired key.
const markerTTL = time.Minute

// Open creates or updates the band log and the record bucket
// (idempotently, so every replica calls it at start), replays the band
// log into the local index, and returns the index. Transient errors are
// retried with backoff until ctx ends: a JetStream cluster that has just
// started has no meta leader, or too few peers for the replicas, for a
// while.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config, log *zap.Logger) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ix := &Index{js: js, cfg: cfg, log: log,
		recPre: "$KV." + cfg.RecordBucket + ".", bandSubject: BandSubject(cfg.BandBucket)}
	err := stage.Provision(ctx, js, log, "dedupe index "+cfg.RecordBucket+", "+BandStream(cfg.BandBucket), ix.provision)
	if err != nil {
		return nil, err
	}
	if ix.local, err = ix.openLocal(); err != nil {
		return nil, err
	}
	if err := ix.follow(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// openLocal opens the local index's store under Config.Dir, or in a new
// temporary directory.
func (ix *Index) openLocal() (*localIndex, error) {
	dir, remove := ix.cfg.Dir, ""
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "dedupe-index-"); err != nil {
			return nil, fmt.Errorf("dedupe index store: %w", err)
		}
		remove = dir
	}
	// The stream's name and creation time: a band log deleted and created
	// again restarts its sequences, and a store of the old one is rebuilt.
	info := ix.bandLog.CachedInfo()
	identity := fmt.Sprintf("%s@%d", info.Config.Name, info.Created.UnixNano())
	x, err := openLocal(filepath.Join(dir, info.Config.Name), remove, identity, ix.cfg.TTL, ix.cfg.Store, ix.log)
	if err != nil && remove != "" {
		err = errors.Join(err, os.RemoveAll(remove))
	}
	return x, err
}

// provision creates or updates the record bucket and the band log.
func (ix *Index) provision(ctx context.Context) error {
	storage := jetstream.FileStorage
	if ix.cfg.Memory {
		storage = jetstream.MemoryStorage
	}
	_, err := ix.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         ix.cfg.RecordBucket,
		Description:    "dedupe records: article id -> sequence, cluster, shingle sketch",
		History:        1,
		Storage:        storage,
		Replicas:       ix.cfg.Replicas,
		LimitMarkerTTL: markerTTL,
	})
	if err != nil {
		return fmt.Errorf("provision kv bucket %s: %w", ix.cfg.RecordBucket, err)
	}
	if ix.records, err = ix.js.Stream(ctx, "KV_"+ix.cfg.RecordBucket); err != nil {
		return fmt.Errorf("open kv stream of %s: %w", ix.cfg.RecordBucket, err)
	}
	ix.bandLog, err = ix.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        BandStream(ix.cfg.BandBucket),
		Description: "dedupe band log: one message per article, its id and LSH band keys",
		Subjects:    []string{ix.bandSubject},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      ix.cfg.TTL,
		Storage:     storage,
		Replicas:    ix.cfg.Replicas,
		Duplicates:  time.Second, // no message ids: keep the window small
	})
	if err != nil {
		return fmt.Errorf("provision band log %s: %w", BandStream(ix.cfg.BandBucket), err)
	}
	return nil
}

// Close stops following the band log and closes the local index's
// store (removing it if it is temporary); AddBands then fails with
// ErrClosed. It is safe to call more than once.
func (ix *Index) Close() error {
	if ix.consume != nil {
		ix.consume.Stop()
		<-ix.consume.Closed()
	}
	return ix.local.close()
}

// get returns the live value of a key and its revision. A key that never
// existed has revision 0; a deleted or expired key returns ErrNotFound with
// the revision of its marker, which a create must expect.
func (ix *Index) get(ctx context.Context, s jetstream.Stream, subject string) ([]byte, uint64, error) {
	ix.mu.Lock()
	ix.reads++
	ix.mu.Unlock()
	m, err := s.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", subject, err)
	}
	if m.Header.Get("KV-Operation") != "" || m.Header.Get(jetstream.MarkerReasonHeader) != "" {
		return nil, m.Sequence, ErrNotFound
	}
	return m.Data, m.Sequence, nil
}

// put writes value if the key's last revision is rev (0: no message yet).
func (ix *Index) put(ctx context.Context, subject string, value []byte, rev uint64) (uint64, error) {
	ack, err := ix.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: value, Header: nats.Header{}},
		jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(ix.cfg.TTL))
	ix.mu.Lock()
	ix.writes++
	ix.mu.Unlock()
	if err != nil {
		if isConflict(err) {
			ix.mu.Lock()
			ix.conflicts++
			ix.mu.Unlock()
			return 0, fmt.Errorf("put %s at revision %d: %w: %w", subject, rev, ErrConflict, err)
		}
		return 0, fmt.Errorf("put %s: %w", subject, err)
	}
	return ack.Sequence, nil
}

// isConflict reports a "wrong last sequence" API error: code 10071 from a
// single-server stream, 10164 from a replicated one.
func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// Stats counts writes (record compare-and-sets and band log appends) and
// lost compare-and-sets since Open.
func (ix *Index) Stats() (writes, conflicts uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.writes, ix.conflicts
}

// Reads counts the key reads from the server since Open.
func (ix *Index) Reads() uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.reads
}

// Record is what the index keeps per article.
type Record struct {
	// Stream and Seq locate the article's message; Seq orders articles.
	Stream string
	Seq    uint64
	// Cluster is the canonical article's id (the article's own when it is
	// canonical), and ClusterSeq the canonical's sequence.
	Cluster    string
	ClusterSeq uint64
	// Done is false while the article's own Process call has not yet
	// published its decision; a merge into a done record must be
	// published by the merger.
	Done bool
	// Containment and Jaccard are the similarity to the canonical.
	Containment, Jaccard float64
	// Sketch is the article's shingle sketch.
	Sketch minhash.Sketch
	// Members are the ids of the copies in the article's cluster, kept on
	// the canonical's record (up to MaxMembers) so that a merge of the
	// cluster moves them too.
	Members []string
}

// MaxMembers caps the member list kept on a canonical's record.
const MaxMembers = 128

// recordVersion is the first byte of an encoded Record.
const recordVersion = 2

// Marshal encodes r compactly: sketch hashes as varint deltas.
func (r Record) Marshal() []byte {
	b := make([]byte, 0, 64+len(r.Stream)+len(r.Cluster)+4*len(r.Sketch.Hashes))
	b = append(b, recordVersion)
	b = appendString(b, r.Stream)
	b = binary.AppendUvarint(b, r.Seq)
	b = appendID(b, r.Cluster)
	b = binary.AppendUvarint(b, r.ClusterSeq)
	done := byte(0)
	if r.Done {
		done = 1
	}
	b = append(b, done)
	b = binary.LittleEndian.AppendUint16(b, uint16(math.Round(r.Containment*10000)))
	b = binary.LittleEndian.AppendUint16(b, uint16(math.Round(r.Jaccard*10000)))
	b = binary.AppendUvarint(b, uint64(r.Sketch.Total))
	b = appendHashes(b, r.Sketch.Hashes)
	b = binary.AppendUvarint(b, uint64(len(r.Members)))
	for _, m := range r.Members {
		b = appendID(b, m)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Sketch.Short)))
	for _, l := range r.Sketch.Short {
		b = appendHashes(b, l)
	}
	return b
}

// appendHashes writes sorted hashes as a count and varint deltas.
func appendHashes(b []byte, hs []uint32) []byte {
	b = binary.AppendUvarint(b, uint64(len(hs)))
	prev := uint32(0)
	for _, h := range hs {
		b = binary.AppendUvarint(b, uint64(h-prev))
		prev = h
	}
	return b
}

func (d *decoder) hashes() []uint32 {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %d hashes in %d bytes", ErrCorrupt, n, len(d.b))
	}
	if d.err != nil {
		return nil
	}
	out := make([]uint32, n)
	prev := uint32(0)
	for i := range out {
		prev += uint32(d.uvarint())
		out[i] = prev
	}
	return out
}

// UnmarshalRecord decodes a Record written by Marshal.
func UnmarshalRecord(b []byte) (Record, error) {
	d := decoder{b: b}
	var r Record
	v := d.byte()
	if v != recordVersion {
		return r, fmt.Errorf("%w: record version %d", ErrCorrupt, v)
	}
	r.Stream = d.string()
	r.Seq = d.uvarint()
	r.Cluster = d.id()
	r.ClusterSeq = d.uvarint()
	r.Done = d.byte() == 1
	r.Containment = float64(d.uint16()) / 10000
	r.Jaccard = float64(d.uint16()) / 10000
	r.Sketch.Total = int(d.uvarint())
	r.Sketch.Hashes = d.hashes()
	m := d.uvarint()
	if d.err == nil && m > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %d members in %d bytes", ErrCorrupt, m, len(d.b))
	}
	for i := uint64(0); d.err == nil && i < m; i++ {
		r.Members = append(r.Members, d.id())
	}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: %d short lines in %d bytes", ErrCorrupt, n, len(d.b))
	}
	for i := uint64(0); d.err == nil && i < n; i++ {
		r.Sketch.Short = append(r.Sketch.Short, d.hashes())
	}
	if d.err != nil {
		return Record{}, d.err
	}
	return r, nil
}

// RecordKey returns the KV key of an article id: the id itself when it is
// a valid key, else a hash of it.
func RecordKey(id string) string {
	if validKey(id) {
		return id
	}
	h := minhashString(id)
	return "h" + hex.EncodeToString(h[:])
}

func validKey(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
			return false
		}
	}
	return true
}

func minhashString(s string) [12]byte {
	var out [12]byte
	h1, h2 := uint64(14695981039346656037), uint64(0x9e3779b97f4a7c15)
	for i := 0; i < len(s); i++ {
		h1 = (h1 ^ uint64(s[i])) * 1099511628211
		h2 = (h2 ^ uint64(s[i])) * 0x100000001b3 * 31
	}
	binary.LittleEndian.PutUint64(out[:8], h1)
	binary.LittleEndian.PutUint32(out[8:], uint32(h2>>32))
	return out
}

// CreateRecord stores the record of a new article. It returns ErrConflict
// when the id already has a live record.
func (ix *Index) CreateRecord(ctx context.Context, id string, r Record) (uint64, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	subject := ix.recPre + RecordKey(id)
	rev := uint64(0)
	for attempt := 0; attempt < ix.cfg.MaxAttempts; attempt++ {
		n, err := ix.put(ctx, subject, r.Marshal(), rev)
		if !errors.Is(err, ErrConflict) {
			return n, err
		}
		// Lost against a live value, or against an expiry marker, which
		// the create must expect instead of 0.
		_, markerRev, err := ix.get(ctx, ix.records, subject)
		if err == nil {
			return 0, fmt.Errorf("create record %s: %w", id, ErrConflict)
		}
		if !errors.Is(err, ErrNotFound) {
			return 0, err
		}
		rev = markerRev
	}
	return 0, fmt.Errorf("create record %s: %d attempts: %w", id, ix.cfg.MaxAttempts, ErrConflict)
}

// GetRecord returns an article's record and its revision.
func (ix *Index) GetRecord(ctx context.Context, id string) (Record, uint64, error) {
	v, rev, err := ix.get(ctx, ix.records, ix.recPre+RecordKey(id))
	if err != nil {
		return Record{}, 0, err
	}
	r, err := UnmarshalRecord(v)
	if err != nil {
		return Record{}, 0, fmt.Errorf("record %s: %w", id, err)
	}
	return r, rev, nil
}

// UpdateRecord replaces an article's record if its revision is still rev.
func (ix *Index) UpdateRecord(ctx context.Context, id string, r Record, rev uint64) (uint64, error) {
	return ix.put(ctx, ix.recPre+RecordKey(id), r.Marshal(), rev)
}

// checkID refuses an id longer than its one-byte length can say.
func checkID(id string) error {
	if len(id) > schema.MaxIDBytes {
		return fmt.Errorf("%w: id of %d bytes, longer than %d", schema.ErrInvalid, len(id), schema.MaxIDBytes)
	}
	return nil
}

// appendID writes an id with a one-byte header: lower-case hex ids of even
// length (what schema.DocumentID returns) are packed to half their size
// and flagged with the top bit; anything else is stored as is. Ids are at
// most schema.MaxIDBytes (127) long: documents are validated against it,
// and CreateRecord and AddBands refuse longer ones (checkID).
func appendID(b []byte, id string) []byte {
	if raw, err := hex.DecodeString(id); err == nil && len(raw) <= schema.MaxIDBytes && hex.EncodeToString(raw) == id {
		b = append(b, 0x80|byte(len(raw)))
		return append(b, raw...)
	}
	b = append(b, byte(len(id)))
	return append(b, id...)
}

func (d *decoder) id() string {
	h := d.byte()
	n := int(h & 0x7f)
	if !d.need(n) {
		return ""
	}
	raw := d.b[:n]
	d.b = d.b[n:]
	if h&0x80 != 0 {
		return hex.EncodeToString(raw)
	}
	return string(raw)
}

func appendString(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	b = append(b, byte(len(s)))
	return append(b, s...)
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("%w: truncated value", ErrCorrupt)
		return false
	}
	return true
}

func (d *decoder) byte() byte {
	if !d.need(1) {
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uint16() uint16 {
	if !d.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b)
	d.b = d.b[2:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", ErrCorrupt)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := int(d.byte())
	if !d.need(n) {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
