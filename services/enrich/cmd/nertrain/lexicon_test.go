package main

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if !strings.HasSuffix(path, ".gz") {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadLexicon reads invented gazetteer data: every file gives its
// names their class, the knowledge base's names in other scripts are left
// out, and first names come from their own files.
func TestReadLexicon(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "places.tsv.gz"), "1\tBigtown\tXT\t1\t2\tPPLA\t500000\tBig Town\n2\tHamlet\tXT\t1\t2\tPPL\t50\t\n")
	writeFile(t, filepath.Join(dir, "countries.tsv"), "# iso qid name variants\nXT\tQ900001\tTestland\tRepublic of Testland\n")
	writeFile(t, filepath.Join(dir, "aliases.tsv"), "ORG\tQ900002\tTest Corp\tTC\nPER\tQ900003\tJane Roe\t\n")
	writeFile(t, filepath.Join(dir, "regions.tsv"), "XT\tQ900004\tNorth Testshire\t1\t2\tN. Testshire\n")
	writeFile(t, filepath.Join(dir, "kb.tsv.gz"), "# header\nP\t1\tQ900005\nD\tTestish\tXT\n"+
		"ORG\tQ900006\tAcme Stores\tAcme|Акме\tnsi\nPER\tQ900007\tJohn Doe\t\tcongress-legislators\n"+
		"R\tQ900008\tSouth Testshire\tXT\t1.0\t2.0\nR\tQ900009\tЮг\tXT\t1.0\t2.0\n")
	names := filepath.Join(dir, "names.txt")
	writeFile(t, names, "Albert\nZoe\n")
	got, err := readLexicon(dir, false, []string{names})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range got {
		lines = append(lines, e.Class.String()+":"+e.Name)
	}
	want := []string{"major-place:Bigtown", "place-alt:Big Town", "country:Testland", "country:Republic of Testland",
		"org:Test Corp", "org:TC", "person:Jane Roe", "region:North Testshire", "region:N. Testshire",
		"demonym:Testish", "kb-org:Acme Stores", "kb-org:Acme", "person:John Doe", "region:South Testshire",
		"first-name:Albert", "first-name:Zoe"}
	if !slices.Equal(lines, want) {
		t.Errorf("lexicon\n got %q\nwant %q", lines, want)
	}
	if _, err := readLexicon(dir, false, []string{filepath.Join(dir, "missing.txt")}); err == nil {
		t.Error("a missing first-name file is no error")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	train := filepath.Join(t.TempDir(), "train.txt")
	writeFile(t, train, "-DOCSTART- -X- -X- O\n\nJohn NNP B-NP B-PER\n\n")
	for _, cfg := range []config{
		{train: train, holdOut: 1},
		{train: train, holdOut: -0.1},
		{train: train, holdOut: 0.5},              // one document: nothing left to score or to train on
		{train: train, firstNames: []string{"x"}}, // without -gazetteer
	} {
		if err := run(t.Context(), cfg, nil); err == nil {
			t.Errorf("run(%+v) = nil, want an error", cfg)
		}
	}
}
