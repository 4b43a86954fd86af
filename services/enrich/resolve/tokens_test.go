package resolve

import (
	"testing"

	"github.com/newsflow/newsflow/services/enrich/ner"
)

// A mention is found by the byte offsets of its first token's start and
// its last token's end, across sentences; an offset inside a token or
// past the text finds none.
func TestTokensByOffset(t *testing.T) {
	text := "Talks resumed in Geneva. Ms. Okafor met O'Neill on Monday."
	s := (&Resolver{}).newState(&Doc{Text: text}, ner.Sentences(text))
	if s == nil {
		t.Fatal("no tokens")
	}
	for i, tk := range s.toks {
		if got, ok := s.tokenStarting(tk.Start); !ok || got != i {
			t.Errorf("tokenStarting(%d) = %d, %v; want token %d %q", tk.Start, got, ok, i, tk.Text)
		}
		if got, ok := s.tokenEnding(tk.End); !ok || got != i {
			t.Errorf("tokenEnding(%d) = %d, %v; want token %d %q", tk.End, got, ok, i, tk.Text)
		}
	}
	geneva := len("Talks resumed in ")
	for _, off := range []int{geneva + 2, len("Talks re"), len(text) + 5} {
		if i, ok := s.tokenStarting(off); ok {
			t.Errorf("tokenStarting(%d) = token %d %q; want none", off, i, s.toks[i].Text)
		}
		if i, ok := s.tokenEnding(off); ok {
			t.Errorf("tokenEnding(%d) = token %d %q; want none", off, i, s.toks[i].Text)
		}
	}
}
