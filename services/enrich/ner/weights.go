package ner

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// The weights file is gzip-compressed:
//
//	magic "NERW", version uvarint
//	clusters: count, then (word key, 3 cluster-prefix keys) as uint64s
//	gazetteer: count, then (word key, class key) as uint64s
//	scale float32: a weight is its int16 value times scale
//	transitions (nTags+1)*nTags and end nTags float32
//	rows: count, then per row the key delta (uvarint, keys ascending) and
//	nTags zig-zag varint weights
const (
	weightsMagic   = "NERW"
	weightsVersion = 1
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
	ck := sortedKeys(t.clusters)
	uv(uint64(len(ck)))
	for _, k := range ck {
		u64(k)
		for _, c := range t.clusters[k] {
			u64(c)
		}
	}
	gk := sortedKeys(t.gaz)
	uv(uint64(len(gk)))
	for _, k := range gk {
		u64(k)
		u64(t.gaz[k])
	}
	maxAbs := float32(0)
	for _, x := range t.w {
		maxAbs = max(maxAbs, float32(math.Abs(float64(x))))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	f32(scale)
	for _, x := range t.trans {
		f32(x)
	}
	for _, x := range t.end {
		f32(x)
	}
	// Quantise, then drop rows whose weights all round to zero.
	keys := sortedKeys(t.rows)
	type qrow struct {
		key uint64
		w   [nTags]int16
	}
	rows := make([]qrow, 0, len(keys))
	for _, k := range keys {
		r := int(t.rows[k])
		var q qrow
		q.key = k
		nz := false
		for j := 0; j < nTags; j++ {
			v := int16(math.Round(float64(t.w[r*nTags+j] / scale)))
			q.w[j] = v
			nz = nz || v != 0
		}
		if nz {
			rows = append(rows, q)
		}
	}
	uv(uint64(len(rows)))
	prev := uint64(0)
	for _, q := range rows {
		uv(q.key - prev)
		prev = q.key
		for _, v := range q.w {
			sv(int64(v))
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

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Decode reads a weights file written by Save.
func Decode(r io.Reader) (*Tagger, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	defer zr.Close()
	br := bufio.NewReader(zr)
	var failed error
	fail := func(e error) {
		if failed == nil && e != nil {
			failed = fmt.Errorf("%w: %w", ErrBadWeights, e)
		}
	}
	uv := func() uint64 {
		x, e := binary.ReadUvarint(br)
		fail(e)
		return x
	}
	sv := func() int64 {
		x, e := binary.ReadVarint(br)
		fail(e)
		return x
	}
	u64 := func() (x uint64) { fail(binary.Read(br, binary.LittleEndian, &x)); return x }
	f32 := func() (x float32) { fail(binary.Read(br, binary.LittleEndian, &x)); return x }

	magic := make([]byte, len(weightsMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != weightsMagic {
		return nil, fmt.Errorf("%w: missing magic", ErrBadWeights)
	}
	if v := uv(); v != weightsVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrBadWeights, v, weightsVersion)
	}
	const maxCount = 1 << 26
	t := &Tagger{}
	if n := uv(); n > 0 && n < maxCount {
		t.clusters = make(map[uint64][3]uint64, n)
		for i := uint64(0); i < n && failed == nil; i++ {
			k := u64()
			t.clusters[k] = [3]uint64{u64(), u64(), u64()}
		}
	} else if n >= maxCount {
		fail(errors.New("too many clusters"))
	}
	if n := uv(); n > 0 && n < maxCount {
		t.gaz = make(map[uint64]uint64, n)
		for i := uint64(0); i < n && failed == nil; i++ {
			k := u64()
			t.gaz[k] = u64()
		}
	} else if n >= maxCount {
		fail(errors.New("too many gazetteer entries"))
	}
	scale := f32()
	t.trans = make([]float32, (nTags+1)*nTags)
	for i := range t.trans {
		t.trans[i] = f32()
	}
	t.end = make([]float32, nTags)
	for i := range t.end {
		t.end[i] = f32()
	}
	n := uv()
	if n >= maxCount {
		fail(errors.New("too many rows"))
	}
	if failed != nil {
		return nil, failed
	}
	t.rows = make(map[uint64]int32, n)
	t.w = make([]float32, int(n)*nTags)
	key := uint64(0)
	for i := 0; i < int(n) && failed == nil; i++ {
		key += uv()
		t.rows[key] = int32(i)
		for j := 0; j < nTags; j++ {
			t.w[i*nTags+j] = float32(sv()) * scale
		}
	}
	if failed != nil {
		return nil, failed
	}
	return t, nil
}
