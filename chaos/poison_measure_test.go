package chaos

import (
	"math"
	"os"
	"slices"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name, stat string
		want       time.Duration
		wantErr    bool
	}{
		{"plain", "1234 (indexer) S 1 1234 1234 0 -1 4194560 2048 0 0 0 150 27 0 0 20 0 9 0 100 0 0", 1770 * time.Millisecond, false},
		{"name with spaces and parens", "77 (a (b) c) R 1 77 77 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0", 70 * time.Millisecond, false},
		{"no parenthesis", "77 indexer R 1", 0, true},
		{"too short", "77 (x) R 1 2 3", 0, true},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 27 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU(tt.stat)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestCPUTimeGrowsWithWork reads this process's own /proc entry.
func TestCPUTimeGrowsWithWork(t *testing.T) {
	before, err := CPUTime(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	x := 0
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); x++ {
	}
	after, err := CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("CPU time %s after a 100 ms busy loop (%d turns), %s before: want it to grow", after, x, before)
	}
	if _, err := CPUTime(0); err == nil {
		t.Error("CPUTime(0) = nil error, want ErrNoProcess")
	}
}

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPairRatios(t *testing.T) {
	control := Round{Others: 100, Span: 2 * time.Second, Latency: ms(100, 200, 300), Hold: ms(50, 100, 150), CPU: time.Second}
	slower := Round{Poison: true, Others: 100, Span: 4 * time.Second, Latency: ms(200, 400, 600), Hold: ms(50, 400, 800), CPU: 2 * time.Second}
	same := Round{Poison: true, Others: 100, Span: 2 * time.Second, Latency: ms(100, 200, 300), Hold: ms(50, 100, 150), CPU: time.Second}
	// Pairs in either order; the odd round at the end is ignored.
	got := PairRatios([]Round{control, slower, same, control, control})
	tests := []struct {
		name      string
		got, want []float64
	}{
		{"latency", got.Latency, []float64{0.5, 1}},
		{"hold", got.Hold, []float64{0.25, 1}},
		{"throughput", got.Throughput, []float64{0.5, 1}},
		{"cpu", got.CPU, []float64{0.5, 1}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s ratios %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestMedianRatio(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{0.5}, 0.5},
		{[]float64{1.2, 0.5, 0.9}, 0.9},
		{[]float64{1.2, 0.5, 0.9, 1.0}, 0.95},
	}
	for _, tt := range tests {
		if got := MedianRatio(tt.in); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("MedianRatio(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := MedianRatio(nil); !math.IsNaN(got) {
		t.Errorf("MedianRatio(nil) = %v, want NaN (so a fault with no pairs cannot pass)", got)
	}
}

func TestPoisonPositions(t *testing.T) {
	tests := []struct {
		n    int
		want []int
	}{
		{250, []int{41, 125, 208}},
		{7, []int{1, 3, 5}},
	}
	for _, tt := range tests {
		if got := PoisonPositions(tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("PoisonPositions(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}
