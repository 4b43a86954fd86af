package gazetteer

import (
	"hash/maphash"
	"math/bits"
)

// keyIndex maps a key (a folded name) to entry or surface numbers, in
// flat arrays, the keys in the order they were first added and kept end
// to end in one string (strtab: no object of its own per key for the
// collector to visit): about 8 bytes a key beside its text and 4 a
// number, where a map of slices took about 60 bytes a key and 8 a number,
// and a []string 16 and an object per key. A key is found
// through a hash table of positions in keys (8 to 16 bytes a key), one
// or two probes and one string comparison, where a binary search over
// sorted keys compared about 18 strings, each a cache miss.
type keyIndex struct {
	keys strtab
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

// newKeyIndex indexes pairs; a key's numbers keep the pairs' order. The
// keys are grouped through a hash table in one pass, in the order they
// first appear, rather than by a stable sort of the pairs, which took a
// sixth of Load's instructions.
func newKeyIndex(pairs []keyed) keyIndex {
	var x keyIndex
	if len(pairs) == 0 {
		return x
	}
	x.seed = maphash.MakeSeed()
	// The key of each pair, as its position in x.keys, and how many
	// pairs each key has.
	keyOf := make([]int32, len(pairs))
	var count []int32
	var keys []string // x.keys while building
	x.slots = make([]int32, 1<<bits.Len(uint(2*len(pairs))))
	x.mask = uint64(len(x.slots) - 1)
	for i, p := range pairs {
		k := x.findIn(keys, p.key)
		if k < 0 {
			k = len(keys)
			keys = append(keys, p.key)
			count = append(count, 0)
			x.insert(p.key, k)
		}
		keyOf[i] = int32(k)
		count[k]++
	}
	x.keys = newStrtab(keys)
	x.start = make([]int32, len(keys))
	next := int32(0)
	for k, c := range count {
		x.start[k] = next
		next += c
	}
	// count becomes each key's next free place in nums.
	copy(count, x.start)
	x.nums = make([]int32, len(pairs))
	for i, p := range pairs {
		k := keyOf[i]
		x.nums[count[k]] = p.num
		count[k]++
	}
	// The table was sized for every pair; size it for the keys.
	if size := 1 << bits.Len(uint(2*len(keys))); size < len(x.slots) {
		x.slots = make([]int32, size)
		x.mask = uint64(size - 1)
		for k, key := range keys {
			x.insert(key, k)
		}
	}
	return x
}

// insert puts key k, whose string is key, into the table of positions.
func (x *keyIndex) insert(key string, k int) {
	i := maphash.String(x.seed, key) & x.mask
	for x.slots[i] != 0 {
		i = (i + 1) & x.mask
	}
	x.slots[i] = int32(k + 1)
}

// find returns the position of key in keys, or -1.
func (x *keyIndex) find(key string) int {
	for i := maphash.String(x.seed, key) & x.mask; x.slots[i] != 0; i = (i + 1) & x.mask {
		if p := int(x.slots[i]) - 1; x.keys.at(p) == key {
			return p
		}
	}
	return -1
}

// findIn is find while the index is built, its keys so far in keys.
func (x *keyIndex) findIn(keys []string, key string) int {
	for i := maphash.String(x.seed, key) & x.mask; x.slots[i] != 0; i = (i + 1) & x.mask {
		if p := int(x.slots[i]) - 1; keys[p] == key {
			return p
		}
	}
	return -1
}

// get returns the numbers of key, in the order they were added.
func (x *keyIndex) get(key string) []int32 {
	if len(x.slots) == 0 {
		return nil
	}
	k := x.find(key)
	if k < 0 {
		return nil
	}
	end := int32(len(x.nums))
	if k+1 < len(x.start) {
		end = x.start[k+1]
	}
	return x.nums[x.start[k]:end:end]
}
