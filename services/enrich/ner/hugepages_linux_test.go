//go:build linux

package ner

import (
	"bytes"
	"slices"
	"testing"
)

// TestLoadPlacesTablesOnHugePages checks that Load's tagger reads its
// feature table, rows and phrase table from one huge-page mapping, with
// the same contents as a tagger decoded on the Go heap.
func TestLoadPlacesTablesOnHugePages(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	start := addressOf(tg.feats.keys)
	if start%hugePageSize != 0 {
		t.Errorf("feature keys at %#x: want the start of a %d-byte page", start, hugePageSize)
	}
	for _, a := range []struct {
		name string
		addr uintptr
	}{
		{"feature rows", addressOf(tg.feats.vals)},
		{"weights", addressOf(tg.rows)},
		{"phrase keys", addressOf(tg.gaz.keys)},
		{"phrase values", addressOf(tg.gaz.vals)},
	} {
		if a.addr < start || a.addr >= start+16<<20 {
			t.Errorf("%s at %#x: want them in the mapping that starts at %#x", a.name, a.addr, start)
		}
	}
	heap, err := Decode(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tg.feats.keys, heap.feats.keys) || !slices.Equal(tg.feats.vals, heap.feats.vals) ||
		!slices.Equal(tg.rows, heap.rows) || !slices.Equal(tg.gaz.keys, heap.gaz.keys) || !slices.Equal(tg.gaz.vals, heap.gaz.vals) {
		t.Error("the tables moved to huge pages differ from the decoded ones")
	}
}
