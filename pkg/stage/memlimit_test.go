package stage_test

import (
	"errors"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"

	"github.com/newsflow/newsflow/pkg/stage"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]stage.ByteSize{
		"400MiB":    400 << 20,
		"400mib":    400 << 20,
		" 1.5GiB ":  3 << 29,
		"300Mi":     300 << 20,
		"2Gi":       2 << 30,
		"512MB":     512e6,
		"64KiB":     64 << 10,
		"1048576":   1 << 20,
		"1048576B":  1 << 20,
		"0":         0,
		"1TiB":      1 << 40,
		"250 MiB":   250 << 20,
		"1.25 GB":   1.25e9,
		"7kB":       7000,
		"100Ki":     100 << 10,
		"0.5MiB":    1 << 19,
		"12345678":  12345678,
		"1e3":       1000,
		"3.5e2MiB":  350 << 20,
		"100.0 KiB": 100 << 10,
	} {
		got, err := stage.ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "400M", "1G", "-1MiB", "MiB", "10 PiB", "1e30", "NaN", "Inf"} {
		if got, err := stage.ParseByteSize(in); !errors.Is(err, stage.ErrByteSize) {
			t.Errorf("ParseByteSize(%q) = %d, %v; want ErrByteSize", in, got, err)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	for b, want := range map[stage.ByteSize]string{0: "", 512: "512B", 64 << 10: "64KiB", 400 << 20: "400MiB", 3 << 29: "1.5GiB"} {
		if got := b.String(); got != want {
			t.Errorf("ByteSize(%d).String() = %q; want %q", int64(b), got, want)
		}
	}
}

// The limit takes effect: with 48 MiB live, the collector's heap goal is
// about twice that without a limit (GOGC=100), and at most the limit with
// one of 64 MiB.
func TestApplyMemoryLimitLowersTheHeapGoal(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	live := make([][]byte, 48)
	for i := range live {
		live[i] = make([]byte, 1<<20)
		live[i][0] = 1
	}
	goal := func() uint64 {
		runtime.GC()
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	debug.SetMemoryLimit(1 << 62)
	if g := goal(); g < 90<<20 {
		t.Fatalf("heap goal without a limit = %d MiB; want about twice the 48 MiB live", g>>20)
	}
	if got := stage.ApplyMemoryLimit(64 << 20); got != 64<<20 {
		t.Errorf("ApplyMemoryLimit(64MiB) = %d; want the limit in force", got)
	}
	if g := goal(); g > 64<<20 {
		t.Errorf("heap goal with a 64 MiB limit = %d MiB; want at most 64", g>>20)
	}
	if got := stage.ApplyMemoryLimit(0); got != 64<<20 {
		t.Errorf("ApplyMemoryLimit(0) = %d; want the limit left as it was", got)
	}
	runtime.KeepAlive(live)
}
