package ner

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	// Reading only: klauspost's inflate takes about a third fewer
	// instructions than the standard library's. Save keeps the standard
	// writer, so that retraining writes the same bytes.
	kgzip "github.com/klauspost/compress/gzip"
)

// The weights file is gzip-compressed:
//
//	magic "NERW", version uvarint
//	clusters: count, then (word key, 3 cluster-prefix keys) as uint64s
//	gazetteer: count, then (word key, class key) as uint64s
//	stage count (1 or 2), then per stage:
//	  scale float32: a weight is its int16 value times scale
//	  transitions (nTags+1)*nTags and end nTags float32
//	  rows: count, then per row the key delta (uvarint, keys ascending) and
//	  nTags zig-zag varint weights
const (
	weightsMagic   = "NERW"
	weightsVersion = 2
)

// ErrBadWeights is returned by Decode for input that is not a weights file
// of this version.
var ErrBadWeights = errors.New("bad ner weights file")

// Save writes the tagger's weights in the format Decode reads.
func (t *Tagger) Save(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	bw := bufio.NewWriter(zw)
	var buf [binary.MaxVarintLen64]byte
	uv := func(x uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], x)]) }
	sv := func(x int64) { bw.Write(buf[:binary.PutVarint(buf[:], x)]) }
	u64 := func(x uint64) { binary.Write(bw, binary.LittleEndian, x) }
	f32 := func(x float32) { binary.Write(bw, binary.LittleEndian, x) }

	bw.WriteString(weightsMagic)
	uv(weightsVersion)
	ck, cv := t.clusters.sortedOrNil()
	uv(uint64(len(ck)))
	for i, k := range ck {
		u64(k)
		for _, c := range cv[i] {
			u64(c)
		}
	}
	gk, gv := t.gaz.sortedOrNil()
	uv(uint64(len(gk)))
	for i, k := range gk {
		u64(k)
		u64(*gv[i])
	}
	uv(uint64(len(t.stages)))
	keys, rowOf := t.feats.sortedOrNil()
	rows := make([]*featRow, len(rowOf))
	for i, j := range rowOf {
		rows[i] = &t.rows[*j]
	}
	for s, p := range t.stages {
		f32(p.scale)
		for _, x := range p.trans {
			f32(x)
		}
		for _, x := range p.end {
			f32(x)
		}
		uv(uint64(p.n))
		prev := uint64(0)
		for i, k := range keys {
			if rows[i].in&(1<<s) == 0 {
				continue
			}
			uv(k - prev)
			prev = k
			for _, v := range rows[i].w[s*nTags : (s+1)*nTags] {
				sv(int64(v))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	return nil
}

// sortedOrNil is sorted for a table that may be nil.
func (t *keyTable[V]) sortedOrNil() ([]uint64, []*V) {
	if t == nil {
		return nil, nil
	}
	return t.sorted()
}

// stageRows are the weights of one stage as a file stores them: params
// and the features in ascending key order.
type stageRows struct {
	params
	keys []uint64
	rows [][nTags]int16
}

// rowsOf lists the features of a per-stage table.
func rowsOf(w *weights) stageRows {
	sr := stageRows{params: params{scale: w.scale, trans: w.trans, end: w.end, n: w.n}}
	w.each(func(k uint64, r *[nTags]int16) {
		sr.keys = append(sr.keys, k)
		sr.rows = append(sr.rows, *r)
	})
	return sr
}

// setStages builds the tagger's feature table from the rows of its one or
// two stages.
func (t *Tagger) setStages(stages []stageRows) error {
	n := 0
	switch len(stages) {
	case 1:
		n = len(stages[0].keys)
	case 2:
		n = unionSize(stages[0].keys, stages[1].keys)
	}
	feats := newKeyTable[int32](n)
	rows := make([]featRow, 0, n)
	t.stages = make([]params, len(stages))
	for s, st := range stages {
		t.stages[s] = st.params
		t.stages[s].n = len(st.keys)
		t.stages[s].lat = newLattice(st.trans)
		for i, k := range st.keys {
			j, added := feats.put(k)
			if added {
				*j = int32(len(rows))
				rows = append(rows, featRow{})
			}
			r := &rows[*j]
			if r.in&(1<<s) != 0 {
				return errors.New("duplicate feature")
			}
			r.in |= 1 << s
			copy(r.w[s*nTags:], st.rows[i][:])
		}
	}
	// Rows with the most non-zero weights first: see denseFirst.
	order := denseFirst(rows)
	moved := make([]int32, len(rows))
	t.rows = make([]featRow, len(rows))
	for to, from := range order {
		moved[from] = int32(to)
		t.rows[to] = rows[from]
	}
	for i, k := range feats.keys {
		if k != 0 {
			feats.vals[i] = moved[feats.vals[i]]
		}
	}
	t.feats = feats
	t.first = newFirstRows(feats)
	t.second = newSecondRows(feats)
	return nil
}

// denseFirst returns the order of rows by decreasing number of non-zero
// weights, ties in their present order. Training updates the weights of
// a feature each time it meets it in a mistaken sentence, so the
// features with the most non-zero weights are mostly the frequent ones:
// in this order they share cache lines and pages instead of being spread
// over the whole table in key order. Over the BBC corpus the first 5,000
// of the 79,363 rows take 75 % of the lookups that hit.
//
// A row has at most 2*nTags non-zero weights, so the order is a counting
// sort: two passes over the counts instead of a stable sort's O(n log n)
// moves.
func denseFirst(rows []featRow) []int32 {
	nonZero := make([]uint8, len(rows))
	// at[c] is where the rows with c non-zero weights begin in order.
	var at [2*nTags + 2]int32
	for i := range rows {
		for _, v := range rows[i].w {
			if v != 0 {
				nonZero[i]++
			}
		}
		at[2*nTags-int(nonZero[i])+1]++
	}
	for c := 1; c < len(at); c++ {
		at[c] += at[c-1]
	}
	order := make([]int32, len(rows))
	for i, c := range nonZero {
		k := 2*nTags - int(c)
		order[at[k]] = int32(i)
		at[k]++
	}
	return order
}

// unionSize returns the number of distinct keys in a and b if both are
// sorted (the stages share most features, so the table is sized for the
// union), else an upper bound.
func unionSize(a, b []uint64) int {
	if !slices.IsSorted(a) || !slices.IsSorted(b) {
		return len(a) + len(b)
	}
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			i++
			j++
		}
		n++
	}
	return n + len(a) - i + len(b) - j
}

// Decode reads a weights file written by Save.
func Decode(r io.Reader) (*Tagger, error) {
	return decode(r, 0)
}

// decode is Decode with the size of the decompressed file, if known, so
// that it is read into one buffer of the right size.
func decode(r io.Reader, sizeHint int) (*Tagger, error) {
	t, stages, err := readWeights(r, sizeHint)
	if err != nil {
		return nil, err
	}
	if err := t.setStages(stages); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	return t, nil
}

// byteReader reads the fields of a decompressed weights file; the first
// error sticks.
type byteReader struct {
	b   []byte
	err error
}

// errTruncated is the cause given when the file ends inside a field.
var errTruncated = errors.New("truncated")

func (r *byteReader) fail(e error) {
	if r.err == nil {
		r.err = e
	}
	r.b = nil
}

func (r *byteReader) uv() uint64 {
	if len(r.b) > 0 && r.b[0] < 0x80 {
		x := uint64(r.b[0])
		r.b = r.b[1:]
		return x
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *byteReader) sv() int64 {
	if len(r.b) > 0 && r.b[0] < 0x80 {
		// One byte: most weights of a row are small.
		ux := uint64(r.b[0])
		r.b = r.b[1:]
		x := int64(ux >> 1)
		if ux&1 != 0 {
			x = ^x
		}
		return x
	}
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *byteReader) u64() uint64 {
	if len(r.b) < 8 {
		r.fail(errTruncated)
		return 0
	}
	x := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return x
}

func (r *byteReader) f32() float32 {
	if len(r.b) < 4 {
		r.fail(errTruncated)
		return 0
	}
	x := math.Float32frombits(binary.LittleEndian.Uint32(r.b))
	r.b = r.b[4:]
	return x
}

// readWeights reads a weights file into a tagger without feature weights
// (clusters and gazetteer only) and the rows of its stages.
func readWeights(in io.Reader, sizeHint int) (*Tagger, []stageRows, error) {
	zr, err := kgzip.NewReader(in)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	defer zr.Close()
	var raw bytes.Buffer
	if sizeHint > 0 && sizeHint < 1<<30 {
		raw.Grow(sizeHint + bytes.MinRead)
	}
	if _, err := raw.ReadFrom(zr); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	return parseWeights(raw.Bytes())
}

// parseWeights reads a decompressed weights file.
func parseWeights(b []byte) (*Tagger, []stageRows, error) {
	r := &byteReader{b: b}
	if !bytes.HasPrefix(r.b, []byte(weightsMagic)) {
		return nil, nil, fmt.Errorf("%w: missing magic", ErrBadWeights)
	}
	r.b = r.b[len(weightsMagic):]
	if v := r.uv(); v != weightsVersion {
		return nil, nil, fmt.Errorf("%w: version %d, want %d", ErrBadWeights, v, weightsVersion)
	}
	// A count is checked against the bytes left before anything is
	// allocated for it.
	count := func(what string, minBytes int) int {
		n := r.uv()
		if r.err == nil && n > uint64(len(r.b)/minBytes) {
			r.fail(fmt.Errorf("too many %s", what))
		}
		return int(n)
	}
	t := &Tagger{}
	if n := count("clusters", 32); n > 0 && r.err == nil {
		t.clusters = newKeyTable[[3]uint64](n)
		for i := 0; i < n && r.err == nil; i++ {
			p, _ := t.clusters.put(r.u64())
			*p = [3]uint64{r.u64(), r.u64(), r.u64()}
		}
	}
	if n := count("gazetteer entries", 16); n > 0 && r.err == nil {
		t.gaz = newKeyTable[uint64](n)
		for i := 0; i < n && r.err == nil; i++ {
			p, _ := t.gaz.put(r.u64())
			*p = r.u64()
		}
	}
	nStages := r.uv()
	if r.err == nil && (nStages < 1 || nStages > 2) {
		r.fail(fmt.Errorf("%d stages", nStages))
	}
	var stages []stageRows
	for k := uint64(0); k < nStages && r.err == nil; k++ {
		var st stageRows
		st.scale = r.f32()
		st.trans = make([]float32, (nTags+1)*nTags)
		for i := range st.trans {
			st.trans[i] = r.f32()
		}
		st.end = make([]float32, nTags)
		for i := range st.end {
			st.end[i] = r.f32()
		}
		n := count("rows", 1+nTags)
		if r.err != nil {
			break
		}
		st.keys = make([]uint64, n)
		st.rows = make([][nTags]int16, n)
		key := uint64(0)
		for i := 0; i < n && r.err == nil; i++ {
			key += r.uv()
			st.keys[i] = key
			for j := range st.rows[i] {
				v := r.sv()
				if v < math.MinInt16 || v > math.MaxInt16 {
					r.fail(errors.New("weight out of range"))
				}
				st.rows[i][j] = int16(v)
			}
		}
		stages = append(stages, st)
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadWeights, r.err)
	}
	return t, stages, nil
}
