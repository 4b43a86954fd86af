package cli

import (
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"runtime/metrics"

	"github.com/newsflow/newsflow/pkg/stage"
)

// memoryReport is what a run's summary says of its memory: the peak
// resident set (0 where the system does not say), the heap the last
// collection found live, the soft limit in force, and the collector's
// share of the process's CPU time.
type memoryReport struct {
	peakRSS, liveHeap, limit int64
	gcShare                  float64
}

func readMemory() memoryReport {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
	}
	metrics.Read(s)
	r := memoryReport{peakRSS: peakRSS(), limit: debug.SetMemoryLimit(-1)}
	if s[0].Value.Kind() == metrics.KindUint64 {
		r.liveHeap = int64(s[0].Value.Uint64())
	}
	if s[1].Value.Kind() == metrics.KindFloat64 && s[2].Value.Kind() == metrics.KindFloat64 && s[2].Value.Float64() > 0 {
		r.gcShare = s[1].Value.Float64() / s[2].Value.Float64()
	}
	return r
}

func (r memoryReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nmemory: ")
	if r.peakRSS > 0 {
		fmt.Fprintf(w, "peak RSS %d MiB, ", r.peakRSS>>20)
	}
	limit := "none"
	if r.limit != math.MaxInt64 {
		limit = stage.ByteSize(r.limit).String()
	}
	fmt.Fprintf(w, "live heap %d MiB after the last collection, soft limit %s (NEWSFLOW_MEMORY_LIMIT), collector %.0f%% of the CPU\n",
		r.liveHeap>>20, limit, 100*r.gcShare)
}
