package gazetteer

import (
	"cmp"
	"slices"
)

// keyIndex maps a key (a folded name) to entry or surface numbers, in
// flat arrays sorted by key: about 24 bytes a key and 4 a number, where a
// map of slices took about 60 bytes a key and 8 a number.
type keyIndex struct {
	keys []string
	// start[k] is where the numbers of keys[k] begin in nums; they end
	// where the next key's begin.
	start []int32
	nums  []int32
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
	return x
}

// get returns the numbers of key, in the order they were added.
func (x *keyIndex) get(key string) []int32 {
	k, found := slices.BinarySearch(x.keys, key)
	if !found {
		return nil
	}
	end := int32(len(x.nums))
	if k+1 < len(x.start) {
		end = x.start[k+1]
	}
	return x.nums[x.start[k]:end:end]
}
