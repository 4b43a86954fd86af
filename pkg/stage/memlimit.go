package stage

import (
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// ByteSize is a size in bytes that reads and prints with a unit: "400MiB",
// "1.5GiB", "512MB", "300Mi" or a plain number of bytes. The binary units
// (KiB, MiB, GiB, TiB, and Ki, Mi, Gi, Ti as Kubernetes writes them) count
// in 1024s, the decimal ones (kB, MB, GB, TB) in 1000s. A single letter
// (M, G) is refused: Go's GOMEMLIMIT does not take it and Kubernetes reads
// it as decimal, so it would mean different sizes to different readers.
// 0 means unset.
type ByteSize int64

// ErrByteSize means a size could not be read.
var ErrByteSize = errors.New("want a size such as 400MiB, 1GiB, 512MB, 300Mi or a number of bytes")

var byteUnits = []struct {
	suffix string
	factor float64
}{
	// Longest suffixes first, so "MiB" is not read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"ki", 1 << 10}, {"mi", 1 << 20}, {"gi", 1 << 30}, {"ti", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"b", 1},
}

// ParseByteSize reads a size with an optional unit (see ByteSize).
func ParseByteSize(s string) (ByteSize, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	factor := 1.0
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			v, factor = strings.TrimSpace(num), u.factor
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) || n*factor >= math.MaxInt64 {
		return 0, fmt.Errorf("%q: %w", s, ErrByteSize)
	}
	return ByteSize(n * factor), nil
}

// String prints the size in the largest binary unit it fills ("400MiB",
// "1.5GiB"), "" for 0.
func (b ByteSize) String() string {
	switch {
	case b == 0:
		return ""
	case b >= 1<<30:
		return strconv.FormatFloat(float64(b)/(1<<30), 'f', -1, 64) + "GiB"
	case b >= 1<<20:
		return strconv.FormatFloat(float64(b)/(1<<20), 'f', -1, 64) + "MiB"
	case b >= 1<<10:
		return strconv.FormatFloat(float64(b)/(1<<10), 'f', -1, 64) + "KiB"
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// Set implements flag.Value.
func (b *ByteSize) Set(s string) error {
	n, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = n
	return nil
}

// minMemoryLimit is the smallest NEWSFLOW_MEMORY_LIMIT a process takes:
// below it the Go collector would run without pause and the process would
// spend its CPU collecting instead of working.
const minMemoryLimit = 32 << 20

// ApplyMemoryLimit sets the Go runtime's soft memory limit
// (debug.SetMemoryLimit) to limit, when limit is set (non-zero). The
// collector then runs more often as the heap nears the limit instead of
// letting it double between collections; it is a soft limit, so a live
// heap above it is not refused, only collected harder. It returns the
// limit in force afterwards (GOMEMLIMIT's, or none, when limit is 0).
func ApplyMemoryLimit(limit ByteSize) int64 {
	if limit > 0 {
		debug.SetMemoryLimit(int64(limit))
	}
	return debug.SetMemoryLimit(-1)
}

// LogMemoryLimit logs the soft memory limit in force (ApplyMemoryLimit's
// result), so an operator sees whether NEWSFLOW_MEMORY_LIMIT or
// GOMEMLIMIT took effect.
func LogMemoryLimit(log *zap.Logger, limit int64) {
	if limit == math.MaxInt64 {
		log.Info("no memory limit: the heap may grow to twice its live size between collections (NEWSFLOW_MEMORY_LIMIT sets one)")
		return
	}
	log.Info("memory limit", zap.Stringer("soft_limit", ByteSize(limit)))
}
