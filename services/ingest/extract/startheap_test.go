package extract

import (
	"runtime"
	"testing"
)

// startHeap is the heap the test binary holds once every package it links
// is initialised, before any test runs.
var startHeap = func() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}()

// The extractor links go-trafilatura, go-htmldate and through them
// go-dateparser, whose locale data holds about 4,000 date patterns for
// every language. Compiled when the program started, they took 25 MiB of
// heap in every program that links ingest, newsflow run included, though
// htmldate's fast mode, the one this package uses, never parses a date
// with them. Our copy compiles each pattern when it is first used, and
// builds the locale data (about 50,000 objects, which the collector
// visited at every collection) at the first lookup of a locale
// (third_party/go-dateparser): a started program held 7.0 MiB with
// the patterns alone lazy, 2.1 MiB with the locale data lazy too.
func TestLinkingTheExtractorCostsLittleHeap(t *testing.T) {
	mib := float64(startHeap) / (1 << 20)
	t.Logf("%.1f MiB of heap once the packages are initialised", mib)
	if mib > 4 {
		t.Errorf("the test binary holds %.1f MiB of heap before any test runs, want at most 4", mib)
	}
}
