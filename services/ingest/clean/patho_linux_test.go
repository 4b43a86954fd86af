package clean

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestCleanLinearTime guards against quadratic work. A wall-clock limit
// fails on a loaded machine (and wall time there grows faster than the
// work, as long runs are preempted more), so it compares the CPU time of
// the calling thread for one pattern at two sizes: four times the input
// may take at most ten times the CPU (linear work takes about four,
// quadratic sixteen). Each size keeps its fastest of three runs.
func TestCleanLinearTime(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const small, ratio = 25000, 10
	fastest := func(in string) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			start := threadCPU(t)
			Clean(in, Options{})
			best = min(best, threadCPU(t)-start)
		}
		return best
	}
	for _, p := range []string{"Ã", "Ã ", "&amp;", "\\\\", `\u0022`, "a\n", "Ukraine war: A b\n", "?", "Ã©", "â€",
		"x. \\n", "&#", "Â\u00a0", "\u00a0", "Related\n", "A b\n\n", "Leave a comment\nA b\n", "Read more\n", "Read more\nA b c\n", " date 2022-03-10 ", "This is a developing story. ",
		"Ukraine war: x y\nLeave a comment\n", "\\r\\n", "a\\\"b", "Ã\n", "©", "É…"} {
		n := small / len(p)
		short, long := fastest(strings.Repeat(p, n)), fastest(strings.Repeat(p, 4*n))
		// Below 20 ms, cache and collector effects dominate.
		if long > 20*time.Millisecond && long > ratio*short {
			t.Errorf("%q: %d repeats took %v of CPU, %d took %v (more than %dx for 4x the input)", p, n, short, 4*n, long, ratio)
		}
	}
}

// threadCPU is the CPU time the calling OS thread has used, from the
// scheduler's own accounting (getrusage counts in clock ticks, too coarse
// for runs of a few milliseconds).
func threadCPU(t *testing.T) time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID, Linux only
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		t.Fatal(errno)
	}
	return time.Duration(ts.Nano())
}
