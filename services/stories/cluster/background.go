package cluster

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Background holds document frequencies of a reference corpus, so that
// IDF is right from the first article: without it, the names shared by
// the first reports of an event look common, since every article so far
// mentions them.
type Background struct {
	// Docs is the number of documents counted.
	Docs  uint64
	terms []uint64 // sorted
	dfs   []uint32
}

// DF returns the number of background documents holding term t.
func (b *Background) DF(t uint64) uint32 {
	if i, ok := slices.BinarySearch(b.terms, t); ok {
		return b.dfs[i]
	}
	return 0
}

// Terms returns how many terms the background knows.
func (b *Background) Terms() int { return len(b.terms) }

//go:embed background.bin.gz
var shippedBackground []byte

// ShippedBackground decodes the background frequencies shipped with the
// service (background.bin.gz; its source and licence are in the README).
func ShippedBackground() (*Background, error) { return DecodeBackground(shippedBackground) }

// ErrBackground means a background file is malformed.
var ErrBackground = errors.New("malformed background frequencies")

// backgroundMagic starts a background file.
const backgroundMagic = "NFBG1"

// DecodeBackground reads a gzip-compressed background file: the magic,
// the document count (uvarint), then per term, in ascending order, the
// gap from the previous term's hash (uvarint) and its document frequency
// (uvarint).
func DecodeBackground(gz []byte) (*Background, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBackground, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBackground, err)
	}
	if !bytes.HasPrefix(data, []byte(backgroundMagic)) {
		return nil, fmt.Errorf("%w: no %s header", ErrBackground, backgroundMagic)
	}
	data = data[len(backgroundMagic):]
	docs, k := binary.Uvarint(data)
	if k <= 0 {
		return nil, fmt.Errorf("%w: document count", ErrBackground)
	}
	data = data[k:]
	b := &Background{Docs: docs}
	prev := uint64(0)
	for len(data) > 0 {
		gap, k := binary.Uvarint(data)
		if k <= 0 {
			return nil, fmt.Errorf("%w: term %d", ErrBackground, len(b.terms))
		}
		df, k2 := binary.Uvarint(data[k:])
		if k2 <= 0 || df > docs || (len(b.terms) > 0 && gap == 0) {
			return nil, fmt.Errorf("%w: term %d", ErrBackground, len(b.terms))
		}
		prev += gap
		b.terms = append(b.terms, prev)
		b.dfs = append(b.dfs, uint32(df))
		data = data[k+k2:]
	}
	return b, nil
}

// BackgroundCounter counts document frequencies of a corpus, the way the
// stage counts the stream's.
type BackgroundCounter struct {
	docs uint64
	df   map[uint64]uint32
}

// NewBackgroundCounter returns an empty counter.
func NewBackgroundCounter() *BackgroundCounter {
	return &BackgroundCounter{df: map[uint64]uint32{}}
}

// Add counts one document's distinct title and body terms.
func (c *BackgroundCounter) Add(title, body, lang string) {
	c.docs++
	seen := map[uint64]struct{}{}
	for _, t := range Terms(title, lang) {
		seen[TermHash(t)] = struct{}{}
	}
	for _, t := range Terms(body, lang) {
		seen[TermHash(t)] = struct{}{}
	}
	for h := range seen {
		c.df[h]++
	}
}

// Encode writes the counts of terms seen in at least minDF documents
// (a term in fewer is as good as unseen, and shipping it would only
// add bytes) in DecodeBackground's format.
func (c *BackgroundCounter) Encode(w io.Writer, minDF uint32) error {
	terms := make([]uint64, 0, len(c.df))
	for t, n := range c.df {
		if n >= minDF {
			terms = append(terms, t)
		}
	}
	slices.Sort(terms)
	out := []byte(backgroundMagic)
	out = binary.AppendUvarint(out, c.docs)
	prev := uint64(0)
	for _, t := range terms {
		out = binary.AppendUvarint(out, t-prev)
		out = binary.AppendUvarint(out, uint64(c.df[t]))
		prev = t
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(out); err != nil {
		return err
	}
	return zw.Close()
}
