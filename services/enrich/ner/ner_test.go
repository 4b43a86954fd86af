package ner

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func texts(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, world!", []string{"Hello", ",", "world", "!"}},
		{"The U.S. and Ukraine's army", []string{"The", "U.S.", "and", "Ukraine", "'s", "army"}},
		{"Ukraine’s army", []string{"Ukraine", "’s", "army"}},
		{"They don't know", []string{"They", "do", "n't", "know"}},
		{"Mr. Lavrov met Dr Smith.", []string{"Mr.", "Lavrov", "met", "Dr", "Smith", "."}},
		{"1,000.5 tonnes on 1996-08-22", []string{"1,000.5", "tonnes", "on", "1996-08-22"}},
		{"Anglo-Saxon AT&T O'Neill", []string{"Anglo-Saxon", "AT&T", "O'Neill"}},
		{"wait... (really)", []string{"wait", "...", "(", "really", ")"}},
		{"\"Quoted\" end", []string{"\"", "Quoted", "\"", "end"}},
		{"Mevlüt Çavu?o?lu? Why?", []string{"Mevlüt", "Çavu?o?lu", "?", "Why", "?"}},
		{"J. R. R. Tolkien", []string{"J.", "R.", "R.", "Tolkien"}},
	}
	for _, tt := range tests {
		got := texts(Tokenize(tt.in))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenizeOffsets(t *testing.T) {
	in := "Sergei Lavrov’s visit to Kyiv, 3.5 km away\n\nNATO (the alliance) said."
	for _, tok := range Tokenize(in) {
		if in[tok.Start:tok.End] != tok.Text {
			t.Errorf("token %q at [%d,%d) is %q in the text", tok.Text, tok.Start, tok.End, in[tok.Start:tok.End])
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One. Two!", []string{"One .", "Two !"}},
		{"Mr. Smith went. He left.", []string{"Mr. Smith went .", "He left ."}},
		{"He said \"Go.\" Then left.", []string{"He said \" Go . \"", "Then left ."}},
		{"HEADLINE HERE\nBody text. more text", []string{"HEADLINE HERE", "Body text . more text"}},
		{"The U.S. economy grew 3.5 percent.", []string{"The U.S. economy grew 3.5 percent ."}},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range Sentences(tt.in) {
			got = append(got, strings.Join(texts(s), " "))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Sentences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSentencesCap(t *testing.T) {
	in := strings.Repeat("word ", 3*MaxSentenceTokens+7)
	n := 0
	for _, s := range Sentences(in) {
		if len(s) > MaxSentenceTokens {
			t.Fatalf("sentence of %d tokens, want at most %d", len(s), MaxSentenceTokens)
		}
		n += len(s)
	}
	if want := 3*MaxSentenceTokens + 7; n != want {
		t.Errorf("got %d tokens in sentences, want %d", n, want)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "Hello, world.", "U.S.-led A.B", "don’t’s", "\xff\xfe a-", "1,2.3:4/5", "a.b.c.", "Mr.\n\n?!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		end := 0
		for _, tok := range Tokenize(in) {
			if tok.Start < end || tok.End <= tok.Start || tok.End > len(in) {
				t.Fatalf("bad offsets [%d,%d) after %d in %q", tok.Start, tok.End, end, in)
			}
			if in[tok.Start:tok.End] != tok.Text {
				t.Fatalf("token %q != text %q", tok.Text, in[tok.Start:tok.End])
			}
			if strings.TrimSpace(tok.Text) != tok.Text {
				t.Fatalf("token %q has spaces", tok.Text)
			}
			end = tok.End
		}
		for _, s := range Sentences(in) {
			if len(s) == 0 || len(s) > MaxSentenceTokens {
				t.Fatalf("sentence of %d tokens", len(s))
			}
		}
	})
}

func TestTag(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []string // "type:words"
	}{
		{"Russian Foreign Minister Sergei Lavrov met Dmytro Kuleba in Ankara on Thursday.",
			[]string{"MISC:Russian", "PER:Sergei Lavrov", "PER:Dmytro Kuleba", "LOC:Ankara"}},
		{"The European Commission said on Monday it would fine Microsoft.",
			[]string{"ORG:European Commission", "ORG:Microsoft"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range Sentences(tt.in) {
			for _, sp := range tg.Tag(s) {
				got = append(got, sp.Type+":"+strings.Join(texts(s[sp.Start:sp.End]), " "))
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Tag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTagDocumentTitleHeadline(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	text := "Geneva Talks End Without Deal on Grain Corridor as Russia Rejects UN Inspection Rules\n\n" +
		"Talks between Ukrainian and Russian negotiators in Geneva ended on Friday without a deal to extend the grain corridor. " +
		"Moscow rejected the new inspection rules, officials said. The talks will resume next month."
	doc := Sentences(text)
	spans := tg.TagDocument(doc)
	for _, sp := range spans[0] {
		for _, tok := range doc[0][sp.Start:sp.End] {
			switch tok.Text {
			case "Talks", "End", "Without", "Deal", "Grain", "Corridor", "Rejects", "Inspection", "Rules":
				t.Errorf("headline word %q tagged inside %s span %q", tok.Text, sp.Type, texts(doc[0][sp.Start:sp.End]))
			}
		}
	}
	var got []string
	for _, sp := range spans[0] {
		got = append(got, sp.Type+":"+strings.Join(texts(doc[0][sp.Start:sp.End]), " "))
	}
	if !slices.Contains(got, "LOC:Russia") {
		t.Errorf("headline spans %q, want LOC:Russia among them", got)
	}
}

// computeAttrASCII gives what computeAttrRunes gives for every word of
// ASCII bytes: here every byte alone and in pairs, and random words of up
// to 12 bytes, in both casings.
func TestComputeAttrASCIILikeRunes(t *testing.T) {
	var words []string
	for b := range utf8.RuneSelf {
		words = append(words, string(rune(b)))
		for c := range utf8.RuneSelf {
			words = append(words, string([]byte{byte(b), byte(c)}))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	const letters = "aAzZ09-.`'_,&/ xyQ"
	for range 20000 {
		w := make([]byte, 1+r.IntN(12))
		for i := range w {
			if r.IntN(4) == 0 {
				w[i] = byte(r.IntN(utf8.RuneSelf))
			} else {
				w[i] = letters[r.IntN(len(letters))]
			}
		}
		words = append(words, string(w))
	}
	for _, w := range words {
		for _, upper := range []bool{false, true} {
			var got, want attr
			computeAttrASCII(&got, w, upper)
			computeAttrRunes(&want, w, upper)
			if got != want {
				t.Fatalf("%q (upper %v): %+v, want %+v", w, upper, got, want)
			}
		}
	}
}

// isASCIIWordByte is isWordRune for every ASCII byte.
func TestASCIIWordByteLikeIsWordRune(t *testing.T) {
	for c := range byte(utf8.RuneSelf) {
		if got, want := isASCIIWordByte(c), isWordRune(rune(c)); got != want {
			t.Errorf("isASCIIWordByte(%q) = %v, isWordRune %v", c, got, want)
		}
	}
}
