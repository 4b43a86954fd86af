package ner

import "unsafe"

// addressOf returns the address of s's first element.
func addressOf[T any](s []T) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(s))) }

// placeIn copies src to the start of mem, aligned for T, and returns the
// copy and the rest of mem. T must hold no pointers: the garbage
// collector does not scan mem.
func placeIn[T any](mem []byte, src []T) ([]T, []byte) {
	var zero T
	size, align := int(unsafe.Sizeof(zero)), int(unsafe.Alignof(zero))
	skip := (align - int(addressOf(mem)%uintptr(align))) % align
	mem = mem[skip:]
	dst := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), len(src))
	copy(dst, src)
	return dst, mem[len(src)*size:]
}

// useHugePages moves the arrays that tagging reads at random (the
// feature table, its weight rows and the gazetteer phrase table, about
// 10 MB, every token looking up some thirty features) to memory backed
// by 2 MiB pages where the system allows it. In 4 KiB pages they span
// about 2,500 pages, more than the processor's translation cache holds,
// so most lookups of a rare feature also walk the page tables. The
// copies hold the same values; nothing else changes. Only the tagger of
// Load moves: it lives as long as the process, and the memory is never
// freed.
func (t *Tagger) useHugePages() {
	var zeroRow featRow
	n := 8*len(t.feats.keys) + 4*len(t.feats.vals) + int(unsafe.Sizeof(zeroRow))*len(t.rows) + 64
	if t.gaz != nil {
		n += 16 * len(t.gaz.keys)
	}
	mem := hugePageMemory(n)
	if mem == nil {
		return
	}
	t.feats.keys, mem = placeIn(mem, t.feats.keys)
	t.feats.vals, mem = placeIn(mem, t.feats.vals)
	t.rows, mem = placeIn(mem, t.rows)
	if t.gaz != nil {
		t.gaz.keys, mem = placeIn(mem, t.gaz.keys)
		t.gaz.vals, _ = placeIn(mem, t.gaz.vals)
	}
}
