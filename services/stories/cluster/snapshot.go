package cluster

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math"
	"slices"
	"unique"
)

// A state snapshot is the whole State at one log sequence, so a
// restarted replica loads it and replays only the log after it. The
// encoding is deterministic (every map written in key order), so two
// equal states encode to the same bytes. It is gzipped: gzip's CRC-32
// refuses a corrupt or truncated snapshot, and the header names the
// format version and a fingerprint of what the state is only valid
// under: the parameters, the background frequencies (every term and
// count) and ModelVersion, how Apply computes.
//
// A replica encodes a Copy, taken under its lock, so the stage goes on
// deciding while the copy is encoded and written.

// ErrSnapshot means a state snapshot cannot be loaded: corrupt, of
// another format version, or made with other parameters.
var ErrSnapshot = errors.New("invalid story state snapshot")

const (
	snapshotMagic = "newsflow-stories-state"
	// SnapshotVersion is the format version WriteSnapshot writes and the
	// only one DecodeState reads: bump it when what State holds, or how
	// it is encoded, changes.
	SnapshotVersion = 5
	// ModelVersion names how Apply computes a state from the log (the
	// vectors, centroids, postings, expiry, merges): a state made by
	// another model is refused, since applying the log's tail to it
	// would not give what this model makes of the whole log. Bump it
	// when Apply's behaviour changes; TestSnapshotDigestNamesTheModel
	// fails until it is bumped (also when the fingerprint's parameters
	// gain a field: 5 names the Outlet weight, 6 the Crowd weight, Apply
	// unchanged; 7 prunes a full document-frequency table to three
	// quarters of its bound).
	ModelVersion = 7
)

// fingerprint identifies what a state is only valid under: the
// parameters, the background frequencies and the model.
func (s *State) fingerprint() uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%+v|model %d", s.p, ModelVersion)
	if s.bg != nil {
		fmt.Fprintf(h, "|%d|%d|%x", s.bg.Docs, s.bg.Terms(), s.bg.digest())
	}
	return h.Sum64()
}

// Copy returns a copy of the state for WriteSnapshot that shares nothing
// Apply changes in place, so it can be encoded while the state goes on
// (the caller holds the state's lock only while copying). It copies the
// stories (their entities and postings), the posting index, the
// document-frequency table and the maps;
// centroid vectors, outlets and languages are shared, since Apply only
// replaces or appends to them.
func (s *State) Copy() (*State, error) {
	if s.undo != nil {
		return nil, fmt.Errorf("%w: a tentative batch is open", ErrBatch)
	}
	c := *s
	c.stories = make(map[string]*story, len(s.stories))
	copies := make(map[*story]*story, len(s.stories))
	for id, st := range s.stories {
		cp := *st
		cp.ents, cp.postings = slices.Clone(st.ents), slices.Clone(st.postings)
		c.stories[id], copies[st] = &cp, &cp
	}
	c.postings = postingIndex{one: make(map[uint64]*story, len(s.postings.one)), many: make(map[uint64][]*story, len(s.postings.many))}
	for t, st := range s.postings.one {
		c.postings.one[t] = copies[st]
	}
	for t, list := range s.postings.many {
		out := make([]*story, len(list))
		for i, st := range list {
			out[i] = copies[st]
		}
		c.postings.many[t] = out
	}
	c.saturated = maps.Clone(s.saturated)
	c.df = dfTable{terms: slices.Clone(s.df.terms), counts: slices.Clone(s.df.counts), n: s.df.n, shift: s.df.shift}
	c.articles = maps.Clone(s.articles)
	c.arrivals = slices.Clone(s.arrivals)
	c.merged = maps.Clone(s.merged)
	c.dirty = maps.Clone(s.dirty)
	return &c, nil
}

// WriteSnapshot writes the state's snapshot, gzipped, to w; DecodeState
// reads it. The state must not change meanwhile: a replica writes a Copy.
func (s *State) WriteSnapshot(w io.Writer) error {
	if s.undo != nil {
		return fmt.Errorf("%w: a tentative batch is open", ErrBatch)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if err := s.encode(zw); err != nil {
		return err
	}
	return zw.Close()
}

// encode writes the state, uncompressed.
func (s *State) encode(w io.Writer) error {
	e := &encoder{w: bufio.NewWriterSize(w, 64<<10)}
	e.str(snapshotMagic)
	e.uint(SnapshotVersion)
	e.uint(s.fingerprint())
	e.uint(s.seq)
	e.int(int64(s.index))
	e.int(s.clock)
	e.uint(s.docs)
	e.uint(s.evicted)

	ids := slices.Sorted(maps.Keys(s.stories))
	index := make(map[*story]uint64, len(ids))
	for i, id := range ids {
		index[s.stories[id]] = uint64(i)
	}
	e.uint(uint64(len(ids)))
	for _, id := range ids {
		st := s.stories[id]
		e.str(st.id)
		e.uint(st.created)
		e.int(st.first)
		e.int(st.last)
		e.str(st.title)
		e.str(st.repID)
		e.int(st.repTime)
		e.int(int64(st.count))
		e.int(int64(st.originals))
		e.int(int64(st.dated))
		e.int(int64(st.known))
		e.int(st.knownFirst)
		e.int(st.knownLast)
		e.names(st.sources)
		e.names(st.langs)
		e.uint(uint64(len(st.ents)))
		for _, x := range st.ents {
			e.str(x.id)
			e.str(x.name)
			e.str(x.country)
			e.uint(uint64(x.kind))
			e.bool(x.hasPoint)
			e.float(x.lat)
			e.float(x.lon)
			e.float(x.salience)
			e.uint(uint64(x.mentions))
		}
		e.centroid(&st.titles)
		e.centroid(&st.bodies)
		e.centroid(&st.numbers)
		e.uint(uint64(st.weekdays))
		e.terms(st.postings)
		e.uint(st.revision)
		e.str(st.merged)
		e.bool(st.closed)
	}
	terms := slices.AppendSeq(slices.Collect(maps.Keys(s.postings.one)), maps.Keys(s.postings.many))
	slices.Sort(terms)
	e.uint(uint64(len(terms)))
	for _, t := range terms {
		e.fixed(t)
		entry := s.postings.get(t)
		list := entry.many
		if entry.one != nil {
			list = []*story{entry.one}
		}
		e.uint(uint64(len(list)))
		for _, st := range list {
			i, ok := index[st]
			if !ok {
				return fmt.Errorf("%w: posting %x names a story not in the state", ErrSnapshot, t)
			}
			e.uint(i)
		}
	}
	e.terms(slices.Sorted(maps.Keys(s.saturated)))
	type termCount struct {
		t uint64
		n uint32
	}
	counts := make([]termCount, 0, s.df.len())
	s.df.each(func(t uint64, n uint32) { counts = append(counts, termCount{t, n}) })
	slices.SortFunc(counts, func(a, b termCount) int { return cmp.Compare(a.t, b.t) })
	e.uint(uint64(len(counts)))
	for _, c := range counts {
		e.fixed(c.t)
		e.uint(uint64(c.n))
	}
	e.strings(s.articles)
	e.uint(uint64(len(s.arrivals)))
	for _, a := range s.arrivals {
		e.str(a.id)
		e.int(a.time)
	}
	e.strings(s.merged)
	dirty := slices.Sorted(maps.Keys(s.dirty))
	e.uint(uint64(len(dirty)))
	for _, id := range dirty {
		e.str(id)
	}
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// DecodeState reads a snapshot WriteSnapshot wrote, for parameters p and
// background bg, which must be those the state was made with.
func DecodeState(data []byte, p Params, bg *Background) (*State, error) {
	s, err := NewState(p, bg)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	d := &decoder{b: raw}
	if m := d.str(); m != snapshotMagic {
		return nil, fmt.Errorf("%w: not a story state snapshot", ErrSnapshot)
	}
	if v := d.uint(); v != SnapshotVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrSnapshot, v, SnapshotVersion)
	}
	if f := d.uint(); d.err == nil && f != s.fingerprint() {
		return nil, fmt.Errorf("%w: made with other clustering parameters, background frequencies or model (ModelVersion)", ErrSnapshot)
	}
	s.seq = d.uint()
	s.index = int(d.int())
	s.clock = d.int()
	s.docs = d.uint()
	s.evicted = d.uint()

	stories := make([]*story, d.count())
	for i := range stories {
		st := &story{id: d.str(), created: d.uint(), first: d.int(), last: d.int(), title: d.str(), repID: d.str(), repTime: d.int()}
		st.count, st.originals, st.dated = int(d.int()), int(d.int()), int(d.int())
		st.known, st.knownFirst, st.knownLast = int(d.int()), d.int(), d.int()
		st.sources, st.langs = d.names(), d.names()
		if n := d.count(); n > 0 {
			st.ents = make([]storyEntity, n)
			for i := range st.ents {
				st.ents[i] = storyEntity{id: d.str(), name: d.str(), country: d.str(), kind: byte(d.uint()), hasPoint: d.bool(), lat: d.float(), lon: d.float(), salience: d.float(), mentions: int32(d.uint())}
			}
		}
		st.titles, st.bodies, st.numbers = d.centroid(), d.centroid(), d.centroid()
		st.weekdays = uint8(d.uint())
		st.postings = d.terms()
		st.revision, st.merged, st.closed = d.uint(), d.str(), d.bool()
		stories[i] = st
		s.stories[st.id] = st
	}
	for range d.count() {
		t := d.fixed()
		list := make([]*story, d.count())
		for i := range list {
			j := d.uint()
			if j >= uint64(len(stories)) {
				d.fail("posting names story %d of %d", j, len(stories))
				break
			}
			list[i] = stories[j]
		}
		if len(list) == 1 {
			s.postings.one[t] = list[0]
		} else if len(list) > 1 {
			s.postings.many[t] = list
		}
	}
	for _, t := range d.terms() {
		s.saturated[t] = true
	}
	for range d.count() {
		t := d.fixed()
		if n := uint32(d.uint()); n > 0 {
			s.df.set(t, n)
		} else {
			d.fail("term %x counted in no document", t)
		}
	}
	s.articles = d.strings()
	s.arrivals = make([]arrival, d.count())
	for i := range s.arrivals {
		s.arrivals[i] = arrival{d.str(), d.int()}
	}
	s.merged = d.strings()
	for range d.count() {
		s.dirty[d.str()] = struct{}{}
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d bytes after the end", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}

type encoder struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) uint(v uint64) { e.write(binary.AppendUvarint(e.buf[:0], v)) }
func (e *encoder) int(v int64)   { e.write(binary.AppendVarint(e.buf[:0], v)) }
func (e *encoder) fixed(v uint64) {
	e.write(binary.LittleEndian.AppendUint64(e.buf[:0], v))
}
func (e *encoder) float(v float64) { e.fixed(math.Float64bits(v)) }
func (e *encoder) bool(v bool) {
	if v {
		e.uint(1)
	} else {
		e.uint(0)
	}
}
func (e *encoder) str(v string) {
	e.uint(uint64(len(v)))
	if e.err == nil {
		_, e.err = e.w.WriteString(v)
	}
}

func (e *encoder) terms(ts []uint64) {
	e.uint(uint64(len(ts)))
	for _, t := range ts {
		e.fixed(t)
	}
}

// names keeps their order (of arrival).
func (e *encoder) names(hs []unique.Handle[string]) {
	e.uint(uint64(len(hs)))
	for _, h := range hs {
		e.str(h.Value())
	}
}

func (e *encoder) strings(m map[string]string) {
	e.uint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.str(k)
		e.str(m[k])
	}
}

func (e *encoder) centroid(c *centroid) {
	e.uint(uint64(len(c.w)))
	for _, x := range c.w {
		e.fixed(x.term)
		e.float(x.w)
	}
	e.float(c.norm)
}

// decoder reads what encoder wrote; its first error sticks and every
// later read returns zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrSnapshot}, args...)...)
	}
	d.b = nil
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("truncated")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("truncated")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) fixed() uint64 {
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) float() float64 { return math.Float64frombits(d.fixed()) }
func (d *decoder) bool() bool     { return d.uint() == 1 }

// count reads a length, refusing one longer than the bytes left (each
// item takes at least one byte).
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail("count %d with %d bytes left", n, len(d.b))
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	v := string(d.b[:n])
	d.b = d.b[n:]
	return v
}

// terms reads a list of terms; an empty one is nil.
func (d *decoder) terms() []uint64 {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = d.fixed()
	}
	return out
}

// names reads interned names; an empty list is nil.
func (d *decoder) names() []unique.Handle[string] {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]unique.Handle[string], n)
	for i := range out {
		out[i] = unique.Make(d.str())
	}
	return out
}

func (d *decoder) strings() map[string]string {
	n := d.count()
	m := make(map[string]string, n)
	for range n {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (d *decoder) centroid() centroid {
	var c centroid
	if n := d.count(); n > 0 {
		c.w = make(vec, n)
		for i := range c.w {
			c.w[i] = weighted{d.fixed(), d.float()}
		}
	}
	c.norm = d.float()
	return c
}

// digest hashes every background term and count, so a snapshot made with
// other background frequencies of the same size is refused too.
func (b *Background) digest() uint64 {
	h := fnv.New64a()
	var buf [12]byte
	for i, t := range b.terms {
		binary.LittleEndian.PutUint64(buf[:8], t)
		binary.LittleEndian.PutUint32(buf[8:], b.dfs[i])
		h.Write(buf[:])
	}
	return h.Sum64()
}
