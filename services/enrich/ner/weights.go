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
	stages := []*weights{t.first}
	if t.second != nil {
		stages = append(stages, t.second)
	}
	uv(uint64(len(stages)))
	for _, st := range stages {
		st.save(uv, sv, f32)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save weights: %w", err)
	}
	return nil
}

// save writes one stage.
func (st *weights) save(uv func(uint64), sv func(int64), f32 func(float32)) {
	f32(st.scale)
	for _, x := range st.trans {
		f32(x)
	}
	for _, x := range st.end {
		f32(x)
	}
	uv(uint64(st.n))
	prev := uint64(0)
	st.each(func(k uint64, w *[nTags]int16) {
		uv(k - prev)
		prev = k
		for _, v := range w {
			sv(int64(v))
		}
	})
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
	nStages := uv()
	if failed == nil && (nStages < 1 || nStages > 2) {
		fail(fmt.Errorf("%d stages", nStages))
	}
	for k := uint64(0); k < nStages && failed == nil; k++ {
		scale := f32()
		trans := make([]float32, (nTags+1)*nTags)
		for i := range trans {
			trans[i] = f32()
		}
		end := make([]float32, nTags)
		for i := range end {
			end[i] = f32()
		}
		n := uv()
		if n >= maxCount {
			fail(errors.New("too many rows"))
		}
		if failed != nil {
			break
		}
		st := newTable(int(n))
		st.scale, st.trans, st.end = scale, trans, end
		key := uint64(0)
		for i := 0; i < int(n) && failed == nil; i++ {
			key += uv()
			var w [nTags]int16
			for j := range w {
				v := sv()
				if v < math.MinInt16 || v > math.MaxInt16 {
					fail(errors.New("weight out of range"))
				}
				w[j] = int16(v)
			}
			if st.lookup(key) != nil {
				fail(errors.New("duplicate feature"))
				break
			}
			st.insert(key, &w)
		}
		if k == 0 {
			t.first = st
		} else {
			t.second = st
		}
	}
	if failed != nil {
		return nil, failed
	}
	return t, nil
}
