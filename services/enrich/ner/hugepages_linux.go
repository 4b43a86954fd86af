//go:build linux

package ner

import "syscall"

// hugePageSize is the size of a transparent huge page on the platforms
// Linux runs newsflow on (amd64, arm64 with 4 KiB base pages).
const hugePageSize = 2 << 20

// hugePageMemory returns n zeroed bytes outside the Go heap, starting on
// a hugePageSize boundary and advised (MADV_HUGEPAGE) to be backed by
// transparent huge pages, or nil if the mapping fails. Where the system
// keeps transparent huge pages off ("never"), the advice does nothing and
// the memory is ordinary pages. The memory is never unmapped.
func hugePageMemory(n int) []byte {
	size := (n + hugePageSize - 1) / hugePageSize * hugePageSize
	b, err := syscall.Mmap(-1, 0, size+hugePageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	off := (hugePageSize - int(addressOf(b)%hugePageSize)) % hugePageSize
	b = b[off : off+size : off+size]
	// Advice only: without it the memory still works, in 4 KiB pages.
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	return b[:n]
}
