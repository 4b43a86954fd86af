package measure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestQuantiles(t *testing.T) {
	tests := []struct {
		name     string
		in       []time.Duration
		p50, p99 time.Duration
	}{
		{"empty", nil, 0, 0},
		{"one", []time.Duration{7}, 7, 7},
		{"hundred reversed", func() []time.Duration {
			var ds []time.Duration
			for i := 100; i >= 1; i-- {
				ds = append(ds, time.Duration(i))
			}
			return ds
		}(), 50, 99},
		{"outlier", []time.Duration{1, 1, 1, 1000}, 1, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p50, p99 := Quantiles(tt.in)
			if p50 != tt.p50 || p99 != tt.p99 {
				t.Errorf("Quantiles = %v, %v; want %v, %v", p50, p99, tt.p50, tt.p99)
			}
		})
	}
}

func TestRunCallsEveryItemOnceAndCountsErrors(t *testing.T) {
	const n = 200
	seen := make([]int32, n)
	errOdd := errors.New("odd")
	res, err := Run(context.Background(), Spec{Name: "t", Items: n, Workers: 4,
		Bytes: func(i int) int { return 10 }, Tokens: func(i int) int { return i % 3 }},
		func(_ context.Context, i int) error {
			seen[i]++ // each i goes to one worker only
			if i%2 == 1 {
				return errOdd
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("item %d called %d times; want 1", i, c)
		}
	}
	if res.Errors != n/2 || res.FirstError != "odd" {
		t.Errorf("errors = %d (%q); want %d (\"odd\")", res.Errors, res.FirstError, n/2)
	}
	if res.Bytes != 10*n {
		t.Errorf("bytes = %d; want %d", res.Bytes, 10*n)
	}
	wantTokens := int64(0)
	for i := range n {
		wantTokens += int64(i % 3)
	}
	if res.Tokens != wantTokens {
		t.Errorf("tokens = %d; want %d", res.Tokens, wantTokens)
	}
	if res.Wall <= 0 || res.P99 < res.P50 {
		t.Errorf("wall %v, p50 %v, p99 %v: want a positive wall time and p99 >= p50", res.Wall, res.P50, res.P99)
	}
}

func TestRunRejectsNoItems(t *testing.T) {
	if _, err := Run(context.Background(), Spec{Name: "none"}, nil); !errors.Is(err, ErrNoItems) {
		t.Errorf("err = %v; want ErrNoItems", err)
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Run(ctx, Spec{Name: "c", Items: 1000}, func(context.Context, int) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"text: clean.Clean", "text-clean-clean"},
		{"Indexer.Process (ES double, bulk)", "indexer-process-es-double-bulk"},
		{"prose/v2", "prose-v2"},
	}
	for _, tt := range tests {
		if got := slug(tt.in); got != tt.want {
			t.Errorf("slug(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestRunWritesAProfilePerMeasurement(t *testing.T) {
	dir := t.TempDir()
	ctx := WithProfileDir(context.Background(), dir)
	if _, err := Run(ctx, Spec{Name: "busy work", Items: 10}, func(context.Context, int) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "busy-work.pprof")); err != nil || fi.Size() == 0 {
		t.Errorf("profile: %v, %v; want a non-empty busy-work.pprof", fi, err)
	}
}
