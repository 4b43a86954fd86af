package gazetteer

import (
	"cmp"
	"hash/maphash"
	"math/bits"
	"slices"
)

// keyIndex maps a key (a folded name) to entry or surface numbers, in
// flat arrays sorted by key: about 24 bytes a key and 4 a number, where a
// map of slices took about 60 bytes a key and 8 a number. A key is found
// through a hash table of positions in keys (8 to 16 bytes a key), one
// or two probes and one string comparison, where a binary search over
// the sorted keys compared about 18 strings, each a cache miss.
type keyIndex struct {
	keys []string
	// start[k] is where the numbers of keys[k] begin in nums; they end
	// where the next key's begin.
	start []int32
	nums  []int32
	// slots holds, by hash of a key, its position in keys plus one (0
	// for an empty slot): open addressing, linear probing, at most half
	// full.
	slots []int32
	mask  uint64
	seed  maphash.Seed
}

// keyed is one key and a number, as a keyIndex is built from them.
type keyed struct {
	key string
	num int32
}

// newKeyIndex indexes pairs; a key's numbers keep the pairs' order.
func newKeyIndex(pairs []keyed) keyIndex {
	slices.SortStableFunc(pairs, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	var x keyIndex
	x.nums = make([]int32, len(pairs))
	for i, p := range pairs {
		if i == 0 || p.key != pairs[i-1].key {
			x.keys = append(x.keys, p.key)
			x.start = append(x.start, int32(i))
		}
		x.nums[i] = p.num
	}
	x.keys, x.start = slices.Clip(x.keys), slices.Clip(x.start)
	if len(x.keys) == 0 {
		return x
	}
	x.seed = maphash.MakeSeed()
	x.slots = make([]int32, 1<<bits.Len(uint(2*len(x.keys))))
	x.mask = uint64(len(x.slots) - 1)
	for k, key := range x.keys {
		i := maphash.String(x.seed, key) & x.mask
		for x.slots[i] != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = int32(k + 1)
	}
	return x
}

// get returns the numbers of key, in the order they were added.
func (x *keyIndex) get(key string) []int32 {
	if len(x.slots) == 0 {
		return nil
	}
	k := -1
	for i := maphash.String(x.seed, key) & x.mask; x.slots[i] != 0; i = (i + 1) & x.mask {
		if p := int(x.slots[i]) - 1; x.keys[p] == key {
			k = p
			break
		}
	}
	if k < 0 {
		return nil
	}
	end := int32(len(x.nums))
	if k+1 < len(x.start) {
		end = x.start[k+1]
	}
	return x.nums[x.start[k]:end:end]
}
