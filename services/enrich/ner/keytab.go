package ner

import (
	"math/bits"
	"slices"
)

// keyTable is a read-mostly hash table from 64-bit keys (feature and
// phrase hashes, already well mixed) to values of type V: open addressing
// with linear probing, a power-of-two size and a load of at most 1/2. The
// keys sit in their own array, so a probe and a miss read 8 bytes per slot
// and a lookup's probe sequence usually stays in one cache line; the value
// of a slot is read only on a hit. Key 0 marks an empty slot, so a key of
// 0 is stored as 1 (the two cannot both be stored).
type keyTable[V any] struct {
	keys []uint64
	vals []V
	mask uint64
	n    int
}

// newKeyTable makes an empty table for up to n keys.
func newKeyTable[V any](n int) *keyTable[V] {
	size := 1 << bits.Len(uint(2*n))
	return &keyTable[V]{keys: make([]uint64, size), vals: make([]V, size), mask: uint64(size - 1)}
}

// find returns the value of key k, or nil.
func (t *keyTable[V]) find(k uint64) *V {
	k = fixKey(k)
	for i := k & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return &t.vals[i]
		case 0:
			return nil
		}
	}
}

// index returns the slot of key k, or -1.
func (t *keyTable[V]) index(k uint64) int {
	k = fixKey(k)
	for i := k & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return int(i)
		case 0:
			return -1
		}
	}
}

// put returns the value of key k, adding k with a zero value if it is
// absent; added reports which. The table must have been made for enough
// keys.
func (t *keyTable[V]) put(k uint64) (v *V, added bool) {
	k = fixKey(k)
	i := k & t.mask
	for ; t.keys[i] != 0; i = (i + 1) & t.mask {
		if t.keys[i] == k {
			return &t.vals[i], false
		}
	}
	t.keys[i] = k
	t.n++
	var zero V
	t.vals[i] = zero
	return &t.vals[i], true
}

// reset empties the table.
func (t *keyTable[V]) reset() {
	clear(t.keys)
	t.n = 0
}

// sorted returns the stored keys in ascending order with their values.
func (t *keyTable[V]) sorted() ([]uint64, []*V) {
	idx := make([]int, 0, t.n)
	for i, k := range t.keys {
		if k != 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		ka, kb := t.keys[a], t.keys[b]
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	keys := make([]uint64, len(idx))
	vals := make([]*V, len(idx))
	for j, i := range idx {
		keys[j], vals[j] = t.keys[i], &t.vals[i]
	}
	return keys, vals
}

// keyTableOf copies m into a keyTable.
func keyTableOf[V any](m map[uint64]V) *keyTable[V] {
	t := newKeyTable[V](len(m))
	for k, v := range m {
		p, _ := t.put(k)
		*p = v
	}
	return t
}

// len returns the number of keys; a nil table has none.
func (t *keyTable[V]) len() int {
	if t == nil {
		return 0
	}
	return t.n
}
