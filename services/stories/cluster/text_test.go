package cluster

import (
	"strings"
	"testing"
	"unsafe"
)

// within reports whether s's bytes lie inside text's.
func within(s, text string) bool {
	if len(s) == 0 || len(text) == 0 {
		return false
	}
	p, begin := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(text)))
	return p >= begin && p < begin+uintptr(len(text))
}

// TestStemCacheKeepsNoArticleText: the stem cache's words and stems are
// copies, not pieces of the text Terms read them from, so a cached stem
// does not keep an article's whole body in memory; and the stems are the
// same as Snowball's.
func TestStemCacheKeepsNoArticleText(t *testing.T) {
	// Words no other test stems, so each is a cache miss here: one the
	// stemmer leaves as it is, one it cuts a suffix from, one it rewrites.
	body := strings.Repeat("filler ", 500) + "zorblax zorblaxing zorblaxies"
	terms := Terms(body, "en")
	want := []string{"zorblax", "zorblax", "zorblaxi"}
	if got := terms[len(terms)-3:]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("stems %q, want %q", got, want)
	}
	c, _ := stemCaches.Load("en")
	cache := c.(*stemCache)
	cache.mu.RLock()
	defer cache.mu.RUnlock()
	for _, w := range []string{"zorblax", "zorblaxing", "zorblaxies"} {
		stem, ok := cache.stems[w]
		if !ok {
			t.Fatalf("%q not cached", w)
		}
		for k := range cache.stems {
			if k == w && within(k, body) {
				t.Errorf("cached word %q points into the article's text", w)
			}
		}
		if within(stem, body) {
			t.Errorf("cached stem %q of %q points into the article's text", stem, w)
		}
	}
}
