//go:build cgo && linux && !android

package kvindex

// #include <malloc.h>
import "C"

// With cgo, Pebble allocates its block cache and memtables with C's
// malloc (and frees blocks from whichever thread evicts them). glibc
// gives a thread that finds the arenas busy an arena of its own, up to
// eight per core, and keeps what is freed into an arena for that arena:
// the soak's service held 12 arenas, 323 MiB resident, for Pebble's 128
// MiB of cache and memtables at 240,000 articles, and its resident memory
// rose with the window while the cache stayed full. Two arenas let every
// thread reuse what Pebble frees. A fixed mmap threshold keeps blocks of
// 128 KiB and more (the tables' Bloom filters) out of the arenas, so they
// go back to the system when evicted: glibc otherwise raises the
// threshold after the first such free and places them in the arenas.
// (Without cgo, as the images are built, Pebble allocates in the Go heap
// instead.)
func init() {
	C.mallopt(C.M_ARENA_MAX, 2)
	C.mallopt(C.M_MMAP_THRESHOLD, 128<<10)
}
