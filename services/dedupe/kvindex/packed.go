package kvindex

import (
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// The local band index keeps each article's sketch packed: the sorted
// hashes as Golomb-Rice coded gaps, about log2(2^32/n)+2 bits per hash
// for n hashes (~3.2 bytes at 300 hashes, against 4 for a []uint32 and
// about 4 for the band log's varint deltas, whose gaps need 22-25 bits).
// A sketch is unpacked when it is a candidate, which is far rarer than
// being held.

// packSketch packs a sketch: its total, its hashes and its short lines.
// The result is allocated at its exact size: the index holds it for the
// window.
func packSketch(sk minhash.Sketch) []byte {
	return slices.Clone(appendSketchPacked(make([]byte, 0, 64+len(sk.Hashes)*4), sk))
}

func appendSketchPacked(b []byte, sk minhash.Sketch) []byte {
	b = binary.AppendUvarint(b, uint64(sk.Total))
	b = appendRice(b, sk.Hashes)
	b = binary.AppendUvarint(b, uint64(len(sk.Short)))
	for _, l := range sk.Short {
		b = appendRice(b, l)
	}
	return b
}

// unpackSketch unpacks a sketch written by packSketch.
func unpackSketch(b []byte) minhash.Sketch {
	total, n := binary.Uvarint(b)
	b = b[n:]
	sk := minhash.Sketch{Total: int(total)}
	sk.Hashes, b = readRice(b)
	lines, n := binary.Uvarint(b)
	b = b[n:]
	if lines > 0 {
		sk.Short = make([][]uint32, lines)
		for i := range sk.Short {
			sk.Short[i], b = readRice(b)
		}
	}
	return sk
}

// riceParam returns the Rice parameter for sorted hashes: the log2 of
// their mean gap.
func riceParam(hs []uint32) uint {
	mean := (uint64(hs[len(hs)-1]) + 1) / uint64(len(hs))
	if mean < 2 {
		return 0
	}
	return uint(bits.Len64(mean) - 1)
}

// appendRice writes sorted hashes: their number, the Rice parameter k,
// the length of the bit stream in bytes, and per hash its gap from the
// previous one (from 0 for the first) as gap>>k in unary (ones ended by
// a zero) and the gap's low k bits, least significant bit first.
func appendRice(b []byte, hs []uint32) []byte {
	b = binary.AppendUvarint(b, uint64(len(hs)))
	if len(hs) == 0 {
		return b
	}
	k := riceParam(hs)
	nbits, prev := uint64(0), uint32(0)
	for _, h := range hs {
		nbits += uint64((h-prev)>>k) + 1 + uint64(k)
		prev = h
	}
	b = append(b, byte(k))
	b = binary.AppendUvarint(b, (nbits+7)/8)
	w := bitWriter{out: b}
	prev = 0
	for _, h := range hs {
		g := h - prev
		prev = h
		for q := g >> k; ; q -= 32 {
			if q < 32 {
				w.write(1<<q-1, uint(q)+1) // q ones, then the zero
				break
			}
			w.write(1<<32-1, 32)
		}
		w.write(uint64(g)&(1<<k-1), k)
	}
	w.flush()
	return w.out
}

// readRice reads hashes written by appendRice and returns the rest of b.
func readRice(b []byte) ([]uint32, []byte) {
	n, m := binary.Uvarint(b)
	b = b[m:]
	if n == 0 {
		return nil, b
	}
	k := uint(b[0])
	size, m := binary.Uvarint(b[1:])
	r := bitReader{data: b[1+m : 1+m+int(size)]}
	out := make([]uint32, n)
	prev := uint32(0)
	for i := range out {
		q := r.unary()
		prev += uint32(q<<k | r.read(k))
		out[i] = prev
	}
	return out, b[1+m+int(size):]
}

// bitWriter appends bits to out, least significant first.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

// write appends the low n bits of v, n at most 32.
func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) flush() {
	if w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
}

// bitReader reads what a bitWriter wrote; past the end it reads zeros.
type bitReader struct {
	data []byte
	pos  uint // in bits
}

// peek returns the next 57 bits or more, in the low bits.
func (r *bitReader) peek() uint64 {
	i := int(r.pos >> 3)
	var v uint64
	if i+8 <= len(r.data) {
		v = binary.LittleEndian.Uint64(r.data[i:])
	} else if i < len(r.data) {
		var buf [8]byte
		copy(buf[:], r.data[i:])
		v = binary.LittleEndian.Uint64(buf[:])
	}
	return v >> (r.pos & 7)
}

// unary reads ones up to a zero and returns how many.
func (r *bitReader) unary() uint64 {
	var q uint64
	for {
		ones := uint(bits.TrailingZeros64(^r.peek()))
		if ones < 57 {
			r.pos += ones + 1
			return q + uint64(ones)
		}
		q += 57
		r.pos += 57
	}
}

// read reads n bits, n at most 32.
func (r *bitReader) read(n uint) uint64 {
	v := r.peek() & (1<<n - 1)
	r.pos += n
	return v
}
