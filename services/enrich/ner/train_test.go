package ner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// synthDocs builds labelled documents from sentence templates and name
// lists, so the learner can be tested without the CoNLL data.
func synthDocs(seed uint64, ndocs int) []Document {
	people := []string{"Anna Berg", "Omar Haddad", "Li Wei", "Maria Costa", "John Miller", "Sven Olsen", "Priya Nair", "Carlos Ruiz"}
	orgs := []string{"Acme Corp", "Global Bank", "Red Cross", "Nordic Air", "United Nations", "Volta Energy"}
	places := []string{"Oslo", "Cairo", "Lima", "New Delhi", "Berlin", "Nairobi", "Quito", "Hanoi"}
	templates := []string{
		"{PER} visited {LOC} on Monday .",
		"{ORG} said on Tuesday it would open an office in {LOC} .",
		"Officials from {ORG} met {PER} in {LOC} .",
		"{PER} , a spokesman for {ORG} , declined to comment .",
		"Prices rose in {LOC} after {ORG} cut output .",
		"\" We are ready , \" {PER} told reporters .",
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var docs []Document
	for d := 0; d < ndocs; d++ {
		var doc Document
		for s := 0; s < 4; s++ {
			var words, tags []string
			for _, w := range strings.Fields(templates[rng.IntN(len(templates))]) {
				var names []string
				typ := ""
				switch w {
				case "{PER}":
					names, typ = people, "PER"
				case "{ORG}":
					names, typ = orgs, "ORG"
				case "{LOC}":
					names, typ = places, "LOC"
				}
				if typ == "" {
					words, tags = append(words, w), append(tags, "O")
					continue
				}
				for i, part := range strings.Fields(names[rng.IntN(len(names))]) {
					words = append(words, part)
					if i == 0 {
						tags = append(tags, "B-"+typ)
					} else {
						tags = append(tags, "I-"+typ)
					}
				}
			}
			doc.Sentences = append(doc.Sentences, Sentence{Words: words, Tags: tags})
		}
		docs = append(docs, doc)
	}
	return docs
}

func spanF1(t *testing.T, tg *Tagger, docs []Document) float64 {
	t.Helper()
	correct, found, gold := 0, 0, 0
	for _, d := range docs {
		doc := make([][]Token, len(d.Sentences))
		for i, s := range d.Sentences {
			for _, w := range s.Words {
				doc[i] = append(doc[i], Token{Text: w})
			}
		}
		got := tg.TagDocument(doc)
		for i, s := range d.Sentences {
			want := SpansFromTags(s.Tags)
			set := map[Span]bool{}
			for _, w := range want {
				set[w] = true
			}
			for _, g := range got[i] {
				if set[g] {
					correct++
				}
			}
			found += len(got[i])
			gold += len(want)
		}
	}
	if found == 0 || gold == 0 {
		return 0
	}
	p, r := float64(correct)/float64(found), float64(correct)/float64(gold)
	return 2 * p * r / (p + r)
}

func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	train := synthDocs(1, 40)
	test := synthDocs(2, 10)
	opt := TrainOptions{Epochs: 5, Seed: 3, Folds: 2}
	a, err := Train(context.Background(), train, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.stages) != 2 {
		t.Fatal("Folds: 2 gave no second stage")
	}
	if f1 := spanF1(t, a, test); f1 < 0.95 {
		t.Errorf("F1 on unseen synthetic documents = %.3f, want >= 0.95", f1)
	}
	b, err := Train(context.Background(), train, opt)
	if err != nil {
		t.Fatal(err)
	}
	var wa, wb bytes.Buffer
	if err := a.Save(&wa); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(&wb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
		t.Error("two trainings with the same options wrote different weights")
	}
	// The decoded weights tag exactly as the trained ones.
	c, err := Decode(bytes.NewReader(wa.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range test {
		for _, s := range d.Sentences {
			toks := make([]Token, len(s.Words))
			for i, w := range s.Words {
				toks[i] = Token{Text: w}
			}
			if got, want := fmt.Sprint(c.Tag(toks)), fmt.Sprint(a.Tag(toks)); got != want {
				t.Errorf("decoded tagger: %s, trained tagger: %s on %q", got, want, s.Words)
			}
		}
	}
}

func TestTrainCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, synthDocs(1, 5), TrainOptions{Epochs: 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("Train with a cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestDecodeBad(t *testing.T) {
	var good bytes.Buffer
	tg, err := Train(context.Background(), synthDocs(1, 10), TrainOptions{Epochs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Save(&good); err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":     nil,
		"not gzip":  []byte("hello"),
		"truncated": good.Bytes()[:good.Len()/2],
	}
	for name, in := range tests {
		if _, err := Decode(bytes.NewReader(in)); !errors.Is(err, ErrBadWeights) {
			t.Errorf("%s: err = %v, want ErrBadWeights", name, err)
		}
	}
}

func TestTagConcurrent(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	text := "Chancellor Olaf Scholz met Emmanuel Macron in Paris.\nThe European Central Bank raised rates."
	doc := Sentences(text)
	want := fmt.Sprint(tg.TagDocument(doc))
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := fmt.Sprint(tg.TagDocument(doc)); got != want {
					errs <- got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent TagDocument = %s, want %s", got, want)
	}
}

func TestTagGarbage(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{"", " \n\t ", "\xff\xfe\xfd", strings.Repeat("A", 10000), strings.Repeat("? ", 2000), "日本語のテキストです。東京で会議。"}
	for _, in := range inputs {
		for _, s := range Sentences(in) {
			for _, sp := range tg.Tag(s) {
				if sp.Start < 0 || sp.End > len(s) || sp.Start >= sp.End || typeIndex(sp.Type) < 0 {
					t.Errorf("bad span %+v for a sentence of %d tokens", sp, len(s))
				}
			}
		}
	}
	if got := tg.Tag(nil); len(got) != 0 {
		t.Errorf("Tag(nil) = %v, want none", got)
	}
}
