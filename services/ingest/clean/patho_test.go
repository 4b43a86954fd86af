package clean

import (
	"strings"
	"testing"
	"time"
)

// TestCleanLinearTime guards against quadratic work: 100 KB of one
// repeated pattern must clean in well under the limit (generous, for the
// race detector on a shared machine).
func TestCleanLinearTime(t *testing.T) {
	for _, p := range []string{"Ã", "Ã ", "&amp;", "\\\\", `\u0022`, "a\n", "Ukraine war: A b\n", "?", "Ã©", "â€",
		"x. \\n", "&#", "Â\u00a0", "\u00a0", "Related\n", "A b\n\n", "Leave a comment\nA b\n", "Read more\n", "Read more\nA b c\n", " date 2022-03-10 ", "This is a developing story. ",
		"Ukraine war: x y\nLeave a comment\n", "\\r\\n", "a\\\"b", "Ã\n", "©", "É…"} {
		in := strings.Repeat(p, 100000/len(p))
		start := time.Now()
		r := Clean(in, Options{})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q x %d: took %v (out %d bytes)", p, len(in)/len(p), d, len(r.Body))
		}
	}
}
