package bleveindex

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dropMappedPages tells the kernel that the pages of data, a read-only
// shared file mapping, are not needed (MADV_DONTNEED): they leave the
// process's resident set and are mapped again from the page cache on the
// next read. It reports whether it did; data must be a whole mapping, so
// it starts on a page.
func dropMappedPages(data []byte) bool {
	if len(data) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(data)))%uintptr(os.Getpagesize()) != 0 {
		return false
	}
	return unix.Madvise(data, unix.MADV_DONTNEED) == nil
}
