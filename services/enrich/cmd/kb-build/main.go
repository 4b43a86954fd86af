// Command kb-build writes the offline knowledge base that package
// gazetteer embeds (gazetteer/data/kb.tsv.gz): Wikidata QIDs for GeoNames
// places, and organisations and people with their QIDs, from sources that
// carry their licences:
//
//   - name-suggestion-index (npm, BSD-3-Clause; its Wikidata labels CC0):
//     brands, operators and transit networks with QIDs.
//   - @rapideditor/country-coder (npm, ISC): countries and territories with
//     QIDs, used to check the QIDs of gazetteer/data/countries.tsv and
//     regions.tsv.
//   - dr5hn/countries-states-cities-database (ODbL-1.0): cities and states
//     with wikiDataId, joined to the GeoNames places by country, name and
//     distance; a states.csv row that is a city (Moscow, Kyiv) gives its
//     QID where the city rows give none or a QID they share with another
//     name.
//   - hdigital/partyfactsdata (MIT): political parties with QIDs.
//   - unitedstates/congress-legislators (CC0): current members of Congress.
//
// gazetteer/data/refused-qids.tsv lists QIDs a join gives a place that no
// source confirms and that look wrong: the place keeps its GeoNames id.
//
// Usage (from services/enrich; see README.md for how to obtain each source):
//
//	go run ./cmd/kb-build -nsi NSI -country-coder CC -csc CSC -partyfacts PF \
//	    -legislators LEG/legislators-current.yaml -out gazetteer/data/kb.tsv.gz
//
// The output is sorted and gzip-compressed without a timestamp, so the same
// inputs give the same bytes. A summary of what was joined and checked goes
// to standard error.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

type config struct {
	nsi, countryCoder, csc, partyfacts, legislators string
	admin1                                          string
	data, out                                       string
	maxKm                                           float64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.nsi, "nsi", "", "unpacked npm package name-suggestion-index (has dist/json/nsi.json)")
	flag.StringVar(&cfg.countryCoder, "country-coder", "", "unpacked npm package @rapideditor/country-coder (has src/data/borders.json)")
	flag.StringVar(&cfg.csc, "csc", "", "checkout of dr5hn/countries-states-cities-database (csv/states.csv, contributions/cities/*.json)")
	flag.StringVar(&cfg.partyfacts, "partyfacts", "", "checkout of hdigital/partyfactsdata (import/wikipedia/wikidata.csv)")
	flag.StringVar(&cfg.legislators, "legislators", "", "legislators-current.yaml of unitedstates/congress-legislators")
	flag.StringVar(&cfg.admin1, "geonames-admin1", "", "GeoNames admin1CodesASCII.txt (the English names of first-order subdivisions)")
	flag.StringVar(&cfg.data, "data", "gazetteer/data", "the gazetteer's data folder (places.tsv.gz, countries.tsv, regions.tsv, aliases.tsv)")
	flag.StringVar(&cfg.out, "out", "gazetteer/data/kb.tsv.gz", "output file")
	flag.Float64Var(&cfg.maxKm, "max-km", 15, "largest distance between a city and the GeoNames place it is joined to")
	flag.Parse()
	if err := run(cfg, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// record is one line of the knowledge base.
type record struct {
	kind    string // "P" GeoNames place, "D" demonym, "R" region, "ORG", "PER"
	key     string // geonameid for P, the adjective for D, QID otherwise
	qid     string
	name    string
	aliases []string
	source  string
	// country is a party's country (ORG records from Party Facts): the
	// ISO 3166-1 alpha-2 code, or Party Facts' own code where ISO has
	// none (DDR, SML), which no article's country matches.
	country string
}

func (r record) line() string {
	switch r.kind {
	case "P":
		return "P\t" + r.key + "\t" + r.qid
	case "D":
		return "D\t" + r.key + "\t" + r.name
	case "R":
		if len(r.aliases) > 0 {
			return "R\t" + r.qid + "\t" + r.name + "\t" + r.source + "\t" + strings.Join(r.aliases, "|")
		}
		return "R\t" + r.qid + "\t" + r.name + "\t" + r.source
	}
	line := r.kind + "\t" + r.qid + "\t" + r.name + "\t" + strings.Join(r.aliases, "|") + "\t" + r.source
	if r.country != "" {
		line += "\t" + r.country
	}
	return line
}

func run(cfg config, report io.Writer) error {
	var missing []string
	for flagName, v := range map[string]string{"-nsi": cfg.nsi, "-country-coder": cfg.countryCoder,
		"-csc": cfg.csc, "-partyfacts": cfg.partyfacts, "-legislators": cfg.legislators, "-geonames-admin1": cfg.admin1} {
		if v == "" {
			missing = append(missing, flagName)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("missing %s (see README.md, Knowledge base)", strings.Join(missing, ", "))
	}
	places, err := readPlaces(filepath.Join(cfg.data, "places.tsv.gz"))
	if err != nil {
		return err
	}
	known := make(map[string]string) // QID -> kind, for the type of curated checks
	var recs []record

	// Places: dr5hn cities joined to GeoNames.
	placeQIDs, shared, stats, err := joinCities(cfg.csc, places, cfg.maxKm, report)
	if err != nil {
		return err
	}
	wikidata, err := readNSIWikidata(cfg.nsi)
	if err != nil {
		return err
	}
	if err := joinCityStates(cfg.csc, places, cfg.maxKm, placeQIDs, shared, wikidata, report); err != nil {
		return err
	}
	countryNames, err := readCountryNames(filepath.Join(cfg.data, "countries.tsv"))
	if err != nil {
		return err
	}
	nsiPlaces, nsiAmbiguous := joinNSIPlaces(wikidata, places, countryNames, placeQIDs)
	fmt.Fprintf(report, "places: %d more joined through name-suggestion-index's Wikidata labels (city, town or capital described in its country); %d labels left out, their name being several places' of that country\n", nsiPlaces, nsiAmbiguous)
	refused, err := readTSV(filepath.Join(cfg.data, "refused-qids.tsv"))
	if err != nil {
		return err
	}
	for _, r := range refused {
		for id, q := range placeQIDs {
			if q == r[0] {
				delete(placeQIDs, id)
				fmt.Fprintf(report, "refused-qids.tsv: %s %s left without a QID (%s)\n", id, r[1], r[2])
			}
		}
	}
	for id, q := range placeQIDs {
		recs = append(recs, record{kind: "P", key: id, qid: q})
		known[q] = "LOC"
	}
	fmt.Fprintf(report, "places: %d of %d GeoNames places joined to a QID (%d cities with a QID read, %d country files)\n",
		len(placeQIDs), len(places), stats.cities, stats.files)

	// Countries and regions: check the hand-written tables.
	cc, err := readCountryCoder(cfg.countryCoder)
	if err != nil {
		return err
	}
	states, err := readStates(cfg.csc)
	if err != nil {
		return err
	}
	for q := range cc {
		known[q] = "LOC"
	}
	for q := range states {
		known[q] = "LOC"
	}
	if err := checkCountries(filepath.Join(cfg.data, "countries.tsv"), cc, report); err != nil {
		return err
	}
	if err := checkRegions(filepath.Join(cfg.data, "regions.tsv"), cc, states, report); err != nil {
		return err
	}
	admin1, err := readAdmin1(cfg.admin1)
	if err != nil {
		return err
	}
	regions, err := readRegions(cfg.csc, filepath.Join(cfg.data, "regions.tsv"), cc, places, admin1)
	if err != nil {
		return err
	}
	recs = append(recs, regions...)
	named := 0
	for _, r := range regions {
		named += len(r.aliases)
	}
	fmt.Fprintf(report, "regions: %d subdivisions (ISO 3166-2) from states.csv with a QID, besides regions.tsv; %d with GeoNames' name as an alias\n",
		len(regions), named)

	// Nationality adjectives, for linking given spans ("Iraqi" is Iraq).
	dem, err := readDemonyms(cfg.csc)
	if err != nil {
		return err
	}
	recs = append(recs, dem...)
	fmt.Fprintf(report, "demonyms: %d from countries.csv\n", len(dem))

	// Organisations and people.
	nsi, err := readNSI(cfg.nsi, wikidata, known)
	if err != nil {
		return err
	}
	iso2, err := alpha2ByAlpha3(cfg.csc)
	if err != nil {
		return err
	}
	parties, err := readPartyFacts(cfg.partyfacts, iso2)
	if err != nil {
		return err
	}
	legis, err := readLegislators(cfg.legislators)
	if err != nil {
		return err
	}
	fmt.Fprintf(report, "organisations: %d from name-suggestion-index, %d parties from Party Facts; people: %d legislators\n",
		len(nsi), len(parties), len(legis))
	byQID := make(map[string]int)
	for _, group := range [][]record{parties, legis, nsi} {
		for _, r := range group {
			if i, ok := byQID[r.qid]; ok {
				recs[i].aliases = mergeAliases(recs[i].aliases, append([]string{r.name}, r.aliases...), recs[i].name)
				continue
			}
			byQID[r.qid] = len(recs)
			recs = append(recs, r)
			known[r.qid] = r.kind
		}
	}
	if err := checkCurated(filepath.Join(cfg.data, "aliases.tsv"), known, report); err != nil {
		return err
	}

	sort.Slice(recs, func(i, j int) bool {
		if recs[i].kind != recs[j].kind {
			return recs[i].kind < recs[j].kind
		}
		return recs[i].key < recs[j].key
	})
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	fmt.Fprintln(w, "# newsflow knowledge base, written by services/enrich/cmd/kb-build. Sources and licences: services/enrich/README.md")
	fmt.Fprintln(w, "# P\tgeonameid\tQID")
	fmt.Fprintln(w, "# D\tnationality adjective\tISO 3166-1 alpha-2")
	fmt.Fprintln(w, "# R\tQID\tname\tcountry\tlat\tlon\taliases (|, may be absent)")
	fmt.Fprintln(w, "# ORG|PER\tQID\tname\taliases (|)\tsource")
	for _, r := range recs {
		fmt.Fprintln(w, r.line())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	fmt.Fprintf(report, "wrote %s: %d records, %d bytes\n", cfg.out, len(recs), buf.Len())
	return os.WriteFile(cfg.out, buf.Bytes(), 0o644)
}

func mergeAliases(have, add []string, name string) []string {
	seen := map[string]bool{name: true}
	for _, a := range have {
		seen[a] = true
	}
	for _, a := range add {
		if !seen[a] {
			seen[a] = true
			have = append(have, a)
		}
	}
	sort.Strings(have)
	return have
}

type place struct {
	id         string
	name       string
	country    string
	lat, lon   float64
	population int
	alts       []string
	capital    bool // GeoNames feature code PPLC or PPLA: a country's or a first-order subdivision's seat
}

func readPlaces(path string) ([]place, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var ps []place
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) < 8 {
			return nil, fmt.Errorf("%s: short row %q", path, line)
		}
		lat, err1 := strconv.ParseFloat(c[3], 64)
		lon, err2 := strconv.ParseFloat(c[4], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		pop, _ := strconv.Atoi(c[6])
		p := place{id: c[0], name: c[1], country: c[2], lat: lat, lon: lon, population: pop, capital: c[5] == "PPLC" || c[5] == "PPLA"}
		if c[7] != "" {
			p.alts = strings.Split(c[7], "|")
		}
		ps = append(ps, p)
	}
	return ps, sc.Err()
}

type joinStats struct{ cities, files int }

type city struct {
	qid      string
	lat, lon float64
}

// joinCities gives each GeoNames place the QID of the nearest dr5hn city
// of the same country whose name (folded) is the place's name or one of its
// alternate names, within maxKm. It also returns the QIDs that dr5hn gives
// to cities of different names: a sign that the rows are not the item's own
// (dr5hn gives Kyiv the QID of the village Kvasy, and the villages around a
// city their city's).
func joinCities(dir string, places []place, maxKm float64, report io.Writer) (map[string]string, map[string]bool, joinStats, error) {
	var st joinStats
	files, err := filepath.Glob(filepath.Join(dir, "contributions", "cities", "*.json"))
	if err != nil {
		return nil, nil, st, err
	}
	if len(files) == 0 {
		return nil, nil, st, fmt.Errorf("-csc %s: no contributions/cities/*.json", dir)
	}
	sort.Strings(files)
	byName := make(map[string][]city) // country + "\t" + folded name
	nameOf := make(map[string]string) // QID -> the folded name of a city that has it
	shared := make(map[string]bool)
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, st, err
		}
		var rows []struct {
			Name     string `json:"name"`
			Country  string `json:"country_code"`
			Lat      string `json:"latitude"`
			Lon      string `json:"longitude"`
			WikiData string `json:"wikiDataId"`
			Native   string `json:"native"`
		}
		if err := json.Unmarshal(b, &rows); err != nil {
			// A file the mirror holds only as a pointer is not JSON: skip it,
			// and say so.
			fmt.Fprintf(report, "skip %s: %v\n", path, err)
			continue
		}
		st.files++
		for _, r := range rows {
			if !isQID(r.WikiData) {
				continue
			}
			lat, err1 := strconv.ParseFloat(r.Lat, 64)
			lon, err2 := strconv.ParseFloat(r.Lon, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			st.cities++
			c := city{qid: r.WikiData, lat: lat, lon: lon}
			k := r.Country + "\t" + gazetteer.Fold(r.Name)
			byName[k] = append(byName[k], c)
			if n, ok := nameOf[r.WikiData]; ok && n != k {
				shared[r.WikiData] = true
			}
			nameOf[r.WikiData] = k
		}
	}
	// Places come most populous first: a QID that two places would take
	// (a city and a district or namesake of it) goes to the first only.
	out := make(map[string]string)
	taken := make(map[string]bool)
	for _, p := range places {
		best, bestKm := "", maxKm
		for _, n := range append([]string{p.name}, p.alts...) {
			for _, c := range byName[p.country+"\t"+gazetteer.Fold(n)] {
				if d := km(p.lat, p.lon, c.lat, c.lon); d <= bestKm {
					best, bestKm = c.qid, d
				}
			}
		}
		if best != "" && !taken[best] {
			out[p.id] = best
			taken[best] = true
		}
	}
	return out, shared, st, nil
}

// cityStateTypes are the types of dr5hn's states.csv rows that are a city
// (Kyiv, Moscow, Riga, Budapest), not a province or a metropolitan area
// named after one ("metropolitan city" is Italy's provinces: Rome's is not
// Rome).
var cityStateTypes = map[string]bool{
	"city": true, "capital city": true, "autonomous city": true, "federal city": true, "state city": true,
	"city with county rights": true, "capital district": true, "city municipality": true, "special city": true,
	"special self-governing city": true,
}

// joinCityStates gives the QID of a states.csv row that is a city (see
// cityStateTypes) to the most populous GeoNames place of its country with
// its name within maxKm, where the cities' join gave that place no QID
// (dr5hn's city files for Russia are missing here: Moscow) or a QID that
// dr5hn also gives a city of another name (shared: Kyiv's row carries the
// QID of a village). A place that held the QID under another name loses it
// (dr5hn gives Jambi City Jakarta's). The row's QID is not taken where
// name-suggestion-index's Wikidata label for it names something else
// (London's row is the City of London), and a place whose own QID is
// dr5hn's alone keeps it; both are reported.
func joinCityStates(dir string, places []place, maxKm float64, out map[string]string, shared map[string]bool,
	wikidata map[string]nsiLabel, report io.Writer) error {
	rows, col, err := readCSV(filepath.Join(dir, "csv", "states.csv"))
	if err != nil {
		return err
	}
	if _, ok := col["type"]; !ok {
		return errors.New("states.csv: no type column")
	}
	holder := make(map[string]string) // QID -> place id
	for id, q := range out {
		holder[q] = id
	}
	for _, r := range rows[1:] {
		q, name := r[col["wikiDataId"]], r[col["name"]]
		if !cityStateTypes[r[col["type"]]] || !isQID(q) {
			continue
		}
		lat, err1 := strconv.ParseFloat(r[col["latitude"]], 64)
		lon, err2 := strconv.ParseFloat(r[col["longitude"]], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		var p *place
		for i := range places { // most populous first
			c := &places[i]
			if c.country == r[col["country_code"]] && hasName(*c, name) && km(c.lat, c.lon, lat, lon) <= maxKm {
				p = c
				break
			}
		}
		if p == nil || out[p.id] == q {
			continue
		}
		if w, ok := wikidata[q]; ok && gazetteer.Fold(w.Label) != gazetteer.Fold(name) {
			fmt.Fprintf(report, "states.csv: %s %s keeps %q: the row's %s is %q\n", p.id, p.name, out[p.id], q, w.Label)
			continue
		}
		if old, ok := out[p.id]; ok && !shared[old] {
			fmt.Fprintf(report, "states.csv: %s %s keeps %s, dr5hn's city row alone gives it; the row says %s\n", p.id, p.name, old, q)
			continue
		}
		if id, ok := holder[q]; ok {
			delete(out, id)
			fmt.Fprintf(report, "states.csv: %s loses %s to %s %s\n", id, q, p.id, p.name)
		}
		if old, ok := out[p.id]; ok {
			delete(holder, old)
		}
		fmt.Fprintf(report, "states.csv: %s %s takes %s (%s)\n", p.id, p.name, q, r[col["type"]])
		out[p.id] = q
		holder[q] = p.id
	}
	return nil
}

// hasName says whether name (folded) is the place's name or one of its
// alternate names.
func hasName(p place, name string) bool {
	f := gazetteer.Fold(name)
	if gazetteer.Fold(p.name) == f {
		return true
	}
	for _, a := range p.alts {
		if gazetteer.Fold(a) == f {
			return true
		}
	}
	return false
}

func readCountryNames(path string) (map[string][]string, error) {
	rows, err := readTSV(path)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string)
	for _, c := range rows {
		names := []string{c[2]}
		if len(c) > 3 && c[3] != "" {
			names = append(names, strings.Split(c[3], "|")...)
		}
		out[c[0]] = names
	}
	return out, nil
}

var cityDescription = regexp.MustCompile(`\b(city|capital|town|municipality|commune|metropolis)\b`)

// joinNSIPlaces gives a QID to GeoNames places that the dr5hn join left
// without one, from name-suggestion-index's Wikidata labels of cities
// (which operate transit and other things): the label must be the place's
// name and the description must name the place's country ("city in Texas,
// United States"). A name that several GeoNames places of that country
// have gives nothing (ambiguous, counted): the description names the
// state or county ("city in Indiana", "town in Hartford County,
// Connecticut"), which a place here does not carry, and the most
// populous namesake took the QIDs of smaller ones in another state
// (Richmond, Virginia had Richmond, Indiana's; Manchester, New Hampshire
// Manchester, Connecticut's; Des Moines, Iowa the Washington city's).
// Except for a capital: a description naming a capital ("capital city
// of the U.S. state of Texas") goes to the most populous namesake when
// GeoNames makes it a seat (PPLA or PPLC: Austin, Madison, Salem).
func joinNSIPlaces(wikidata map[string]nsiLabel, places []place, countryNames map[string][]string, out map[string]string) (joined, ambiguous int) {
	byName := make(map[string][]int)
	for i, p := range places {
		byName[gazetteer.Fold(p.name)] = append(byName[gazetteer.Fold(p.name)], i)
	}
	used := make(map[string]bool)
	for _, q := range out {
		used[q] = true
	}
	qids := make([]string, 0, len(wikidata))
	for q := range wikidata {
		qids = append(qids, q)
	}
	sort.Strings(qids)
	for _, q := range qids {
		w := wikidata[q]
		d := w.Description
		if used[q] || !isQID(q) || !cityDescription.MatchString(strings.ToLower(d)) {
			continue
		}
		for _, i := range byName[gazetteer.Fold(w.Label)] {
			p := places[i]
			in := false
			for _, cn := range countryNames[p.country] {
				if len(cn) > 3 && strings.Contains(d, cn) {
					in = true
				}
			}
			if !in {
				continue
			}
			namesakes := 0
			for _, j := range byName[gazetteer.Fold(w.Label)] {
				if places[j].country == p.country {
					namesakes++
				}
			}
			if namesakes > 1 && (!p.capital || !strings.Contains(strings.ToLower(d), "capital")) {
				ambiguous++
				break
			}
			if _, has := out[p.id]; !has {
				out[p.id] = q
				used[q] = true
				joined++
			}
			break
		}
	}
	return joined, ambiguous
}

// readCSV reads a CSV file with a header row and returns its rows (the
// header first) and each column's index by name.
func readCSV(path string) ([][]string, map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: empty", filepath.Base(path))
	}
	col := make(map[string]int)
	for i, h := range rows[0] {
		col[h] = i
	}
	return rows, col, nil
}

// nsiLabel is name-suggestion-index's English Wikidata label and
// description of an item.
type nsiLabel struct {
	Label       string `json:"label"`
	Description string `json:"description"`
}

// readNSIWikidata reads name-suggestion-index's dist/wikidata/wikidata.json.
func readNSIWikidata(dir string) (map[string]nsiLabel, error) {
	b, err := os.ReadFile(filepath.Join(dir, "dist", "wikidata", "wikidata.json"))
	if err != nil {
		return nil, err
	}
	var wd struct {
		Wikidata map[string]nsiLabel `json:"wikidata"`
	}
	if err := json.Unmarshal(b, &wd); err != nil {
		return nil, fmt.Errorf("wikidata.json: %w", err)
	}
	return wd.Wikidata, nil
}

func km(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func isQID(s string) bool {
	if len(s) < 2 || s[0] != 'Q' {
		return false
	}
	_, err := strconv.Atoi(s[1:])
	return err == nil
}

// readCountryCoder returns QID -> English name of every feature of
// country-coder's borders.json, keyed also by ISO code as "iso:XX".
func readCountryCoder(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "src", "data", "borders.json"))
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []struct {
			Properties struct {
				WikiData string `json:"wikidata"`
				NameEn   string `json:"nameEn"`
				ISO      string `json:"iso1A2"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("borders.json: %w", err)
	}
	out := make(map[string]string)
	for _, f := range fc.Features {
		p := f.Properties
		if isQID(p.WikiData) {
			out[p.WikiData] = p.NameEn
			if p.ISO != "" {
				out["iso:"+p.ISO] = p.WikiData
			}
		}
	}
	return out, nil
}

// readDemonyms reads the nationality column of dr5hn's countries.csv
// ("Dutch, Netherlandic").
func readDemonyms(dir string) ([]record, error) {
	rows, col, err := readCSV(filepath.Join(dir, "csv", "countries.csv"))
	if err != nil {
		return nil, err
	}
	// An adjective of several countries ("Chinese": China, Hong Kong,
	// Macau, Taiwan) goes to the most populous.
	seen := make(map[string]string)
	pop := make(map[string]int)
	for _, r := range rows[1:] {
		iso := r[col["iso2"]]
		p, _ := strconv.Atoi(r[col["population"]])
		for _, n := range adjectives(r[col["nationality"]]) {
			if prev, ok := seen[n]; ok && (pop[prev] > p || pop[prev] == p && prev < iso) {
				continue
			}
			seen[n] = iso
			pop[iso] = p
		}
	}
	var out []record
	for n, iso := range seen {
		if iso != "" {
			out = append(out, record{kind: "D", key: n, name: iso})
		}
	}
	return out, nil
}

// adjectives splits a nationality field into adjectives: "Dutch,
// Netherlandic", "Bosnian or Herzegovinian".
func adjectives(field string) []string {
	var out []string
	for _, a := range strings.Split(field, ",") {
		for _, n := range strings.Split(a, " or ") {
			if n = strings.TrimSpace(n); n != "" && !strings.ContainsAny(n, "\t|") {
				out = append(out, n)
			}
		}
	}
	return out
}

// readStates returns QID -> "country\tname" of dr5hn's states.csv.
func readStates(dir string) (map[string]string, error) {
	rows, col, err := readCSV(filepath.Join(dir, "csv", "states.csv"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string)
	for _, r := range rows[1:] {
		if q := r[col["wikiDataId"]]; isQID(q) {
			out[q] = r[col["country_code"]] + "\t" + r[col["name"]]
		}
	}
	return out, nil
}

// smallCountries are the countries of dr5hn's countries.csv with fewer
// than a million people: their subdivisions (the parishes of Bermuda,
// the districts of Anguilla) are local names that would outrank a city
// of the same name elsewhere (Southampton, West End).
func smallCountries(dir string) (map[string]bool, error) {
	rows, col, err := readCSV(filepath.Join(dir, "csv", "countries.csv"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool)
	for _, r := range rows[1:] {
		if p, err := strconv.Atoi(r[col["population"]]); err == nil && p < 1_000_000 {
			out[r[col["iso2"]]] = true
		}
	}
	return out, nil
}

// readRegions returns the subdivisions of dr5hn's states.csv (ISO
// 3166-2: states, provinces, counties) of countries of a million people
// or more (smallCountries) that have a QID and a position,
// as "R" records whose source column is "country<TAB>lat<TAB>lon". A
// subdivision is left out when regions.tsv or country-coder has its QID,
// when regions.tsv has its name in its country, or when a GeoNames place
// of its country, or a city of 300,000 or more anywhere, has its name:
// news means the city (Manchester, New York, not the parish of Jamaica or
// the state), and the city keeps its own QID. A smaller namesake abroad
// stays a candidate below the region (Kent, Washington; Norfolk,
// Virginia), which the article's countries can still choose.
//
// GeoNames' English name of the same subdivision (admin1: "country.code"
// -> name, joined by dr5hn's FIPS code or ISO 3166-2 suffix) becomes an
// alias when it differs from dr5hn's name but is spelt alike (letter
// pairs, similarity of 0.6 or more: dr5hn's "Chechen" is GeoNames'
// "Chechnya", "Michoacán de Ocampo" is "Michoacán"; a code that the two
// sources give to different subdivisions, "Perak" and "Perlis", fails),
// under the same tests as a name, and when no other subdivision has it as
// a name or an alias ("Eastern Province" of four countries).
func readRegions(dir, regionsPath string, cc map[string]string, places []place, admin1 map[string]string) ([]record, error) {
	rows, col, err := readCSV(filepath.Join(dir, "csv", "states.csv"))
	if err != nil {
		return nil, err
	}
	hand, err := readTSV(regionsPath)
	if err != nil {
		return nil, err
	}
	small, err := smallCountries(dir)
	if err != nil {
		return nil, err
	}
	skip := make(map[string]bool)
	cities := make(map[string]bool) // country + folded name
	for _, c := range hand {
		skip[c[1]] = true
		name, _, _ := strings.Cut(c[2], " (")
		cities[c[0]+"\t"+gazetteer.Fold(name)] = true
	}
	big := make(map[string]bool) // folded names of cities of 300,000 or more, anywhere
	for _, p := range places {
		cities[p.country+"\t"+gazetteer.Fold(p.name)] = true
		if p.population >= 300_000 {
			for _, n := range append([]string{p.name}, p.alts...) {
				big[gazetteer.Fold(n)] = true
			}
		}
	}
	var out []record
	seen := make(map[string]bool)
	named := make(map[string]int) // folded names and aliases: how many subdivisions have each
	for _, r := range rows[1:] {
		q, cc2, name := r[col["wikiDataId"]], r[col["country_code"]], strings.TrimSpace(clean(r[col["name"]]))
		lat, err1 := strconv.ParseFloat(r[col["latitude"]], 64)
		lon, err2 := strconv.ParseFloat(r[col["longitude"]], 64)
		if !isQID(q) || err1 != nil || err2 != nil || name == "" || skip[q] || cc[q] != "" || seen[q] || small[cc2] ||
			cities[cc2+"\t"+gazetteer.Fold(name)] || big[gazetteer.Fold(name)] {
			continue
		}
		seen[q] = true
		var aliases []string
		for _, c := range []string{"fips_code", "iso2"} {
			i, ok := col[c]
			if !ok || r[i] == "" {
				continue
			}
			a := strings.TrimSpace(clean(admin1[cc2+"."+r[i]]))
			f := gazetteer.Fold(a)
			if a == "" || f == gazetteer.Fold(name) || spelling(a, name) < 0.6 || cities[cc2+"\t"+f] || big[f] {
				continue
			}
			aliases = mergeAliases(aliases, []string{a}, name)
		}
		for _, n := range append([]string{name}, aliases...) {
			named[gazetteer.Fold(n)]++
		}
		out = append(out, record{kind: "R", key: q, qid: q, name: name, aliases: aliases,
			source: cc2 + "\t" + strconv.FormatFloat(lat, 'f', 4, 64) + "\t" + strconv.FormatFloat(lon, 'f', 4, 64)})
	}
	for i := range out {
		out[i].aliases = slices.DeleteFunc(out[i].aliases, func(a string) bool { return named[gazetteer.Fold(a)] > 1 })
		if len(out[i].aliases) == 0 {
			out[i].aliases = nil
		}
	}
	return out, nil
}

// spelling is the Dice similarity of two names' letter pairs (folded,
// letters only): 1 for the same letters, 0 for no pair in common.
func spelling(a, b string) float64 {
	pairs := func(s string) map[string]int {
		var letters []rune
		for _, r := range gazetteer.Fold(s) {
			if unicode.IsLetter(r) {
				letters = append(letters, r)
			}
		}
		m := make(map[string]int)
		for i := 1; i < len(letters); i++ {
			m[string(letters[i-1:i+1])]++
		}
		return m
	}
	pa, pb := pairs(a), pairs(b)
	n, common := 0, 0
	for p, k := range pa {
		n += k
		common += min(k, pb[p])
	}
	for _, k := range pb {
		n += k
	}
	if n == 0 {
		return 0
	}
	return 2 * float64(common) / float64(n)
}

// readAdmin1 reads GeoNames' admin1CodesASCII.txt ("RU.12<TAB>Chechnya<TAB>
// Chechnya<TAB>569665"): "country.code" -> name.
func readAdmin1(path string) (map[string]string, error) {
	rows, err := readTSV(path)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r[0]] = r[1]
	}
	return out, nil
}

func checkCountries(path string, cc map[string]string, report io.Writer) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	ok, bad := 0, 0
	for _, c := range rows {
		want, found := cc["iso:"+c[0]]
		switch {
		case !found:
			fmt.Fprintf(report, "countries.tsv: %s %s %s: not in country-coder\n", c[0], c[1], c[2])
		case want != c[1] && cc[c[1]] != c[2]:
			// Denmark (Q35) and the Kingdom of Denmark (Q756617) share DK:
			// a feature of the same name with the table's QID agrees too.
			bad++
			fmt.Fprintf(report, "countries.tsv: %s %s has %s, country-coder says %s\n", c[0], c[2], c[1], want)
		default:
			ok++
		}
	}
	fmt.Fprintf(report, "countries.tsv: %d QIDs agree with country-coder, %d disagree\n", ok, bad)
	if bad > 0 {
		return errors.New("countries.tsv disagrees with country-coder")
	}
	return nil
}

func checkRegions(path string, cc, states map[string]string, report io.Writer) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	ok := 0
	for _, c := range rows {
		if !isQID(c[1]) {
			continue
		}
		if _, found := cc[c[1]]; found {
			ok++
			continue
		}
		if st, found := states[c[1]]; found && (strings.HasPrefix(st, c[0]+"\t") || c[0] == "-") {
			ok++
			continue
		}
		fmt.Fprintf(report, "regions.tsv: %s %s: QID not found in country-coder or states.csv\n", c[1], c[2])
	}
	fmt.Fprintf(report, "regions.tsv: %d QIDs confirmed\n", ok)
	return nil
}

// checkCurated reports which QIDs of the hand-written alias table a source
// confirms with the same type.
func checkCurated(path string, known map[string]string, report io.Writer) error {
	rows, err := readTSV(path)
	if err != nil {
		return err
	}
	ok, total := 0, 0
	for _, c := range rows {
		if !isQID(c[1]) {
			continue
		}
		total++
		if k, found := known[c[1]]; found && k == c[0] {
			ok++
			continue
		}
		fmt.Fprintf(report, "aliases.tsv: %s %s %s: no source confirms it\n", c[0], c[1], c[2])
	}
	fmt.Fprintf(report, "aliases.tsv: %d of %d QIDs confirmed by a source\n", ok, total)
	return nil
}

func readTSV(path string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) < 3 {
			return nil, fmt.Errorf("%s: short row %q", path, line)
		}
		rows = append(rows, c)
	}
	return rows, nil
}

// placeDescription marks Wikidata descriptions of places and other things
// that are not organisations: countries and cities also operate things.
var placeDescription = []string{"country", "city", "town", "village", "capital", "municipality", "commune",
	"county", "state of", "province", "region", "district", "island", "borough", "human settlement",
	"territory", "federal subject", "prefecture", "department of", "canton", "oblast", "metropolitan",
	"family name", "given name", "human", "species", "genus", "river", "mountain", "lake"}

// readNSI returns one organisation per QID that name-suggestion-index uses
// as brand, operator or network, named by its Wikidata label, with the
// item's display names as aliases. QIDs known as places are left out.
func readNSI(dir string, wikidata map[string]nsiLabel, known map[string]string) ([]record, error) {
	nb, err := os.ReadFile(filepath.Join(dir, "dist", "json", "nsi.json"))
	if err != nil {
		return nil, err
	}
	var ns struct {
		NSI map[string]struct {
			Items []struct {
				DisplayName string            `json:"displayName"`
				Tags        map[string]string `json:"tags"`
			} `json:"items"`
		} `json:"nsi"`
	}
	if err := json.Unmarshal(nb, &ns); err != nil {
		return nil, fmt.Errorf("nsi.json: %w", err)
	}
	names := make(map[string]map[string]bool) // QID -> display names
	for _, cat := range ns.NSI {
		for _, it := range cat.Items {
			for _, k := range []string{"brand", "operator", "network"} {
				q := it.Tags[k+":wikidata"]
				if !isQID(q) {
					continue
				}
				if names[q] == nil {
					names[q] = make(map[string]bool)
				}
				if n := it.Tags[k]; n != "" {
					names[q][n] = true
				}
				if k == "brand" && it.DisplayName != "" {
					names[q][it.DisplayName] = true
				}
			}
		}
	}
	var out []record
	for q, w := range wikidata {
		if _, isPlace := known[q]; isPlace || w.Label == "" || !isQID(q) {
			continue
		}
		d := strings.ToLower(w.Description)
		skip := false
		for _, p := range placeDescription {
			if strings.Contains(d, p) && !strings.Contains(d, "compan") && !strings.Contains(d, "organi") {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		var aliases []string
		for n := range names[q] {
			if n != w.Label && !strings.ContainsAny(n, "\t|") {
				aliases = append(aliases, n)
			}
		}
		sort.Strings(aliases)
		out = append(out, record{kind: "ORG", key: q, qid: q, name: clean(w.Label), aliases: aliases, source: "nsi"})
	}
	return out, nil
}

func clean(s string) string { return strings.NewReplacer("\t", " ", "|", " ", "\n", " ").Replace(s) }

// alpha2ByAlpha3 maps dr5hn's countries.csv iso3 codes to iso2, for
// Party Facts' countries.
func alpha2ByAlpha3(dir string) (map[string]string, error) {
	rows, col, err := readCSV(filepath.Join(dir, "csv", "countries.csv"))
	if err != nil {
		return nil, err
	}
	i3, ok3 := col["iso3"]
	i2, ok2 := col["iso2"]
	if !ok3 || !ok2 {
		return nil, fmt.Errorf("countries.csv: no iso3 or iso2 column")
	}
	out := make(map[string]string)
	for _, r := range rows[1:] {
		if r[i3] != "" && r[i2] != "" {
			out[r[i3]] = r[i2]
		}
	}
	return out, nil
}

// readPartyFacts reads Party Facts' parties with a QID, with their
// country (iso2 of its alpha-3 code, else the code as it is).
func readPartyFacts(dir string, iso2 map[string]string) ([]record, error) {
	rows, _, err := readCSV(filepath.Join(dir, "import", "wikipedia", "wikidata.csv"))
	if err != nil {
		return nil, fmt.Errorf("partyfacts: %w", err)
	}
	var out []record
	seen := make(map[string]bool)
	for _, r := range rows[1:] { // country,partyfacts_id,wikidata_id,name,name_short,name_native
		if len(r) < 6 || !isQID(r[2]) || seen[r[2]] || r[3] == "" {
			continue
		}
		seen[r[2]] = true
		var aliases []string
		for _, a := range append(shortNames(r[4]), r[5]) {
			if a = clean(strings.TrimSpace(a)); a != "" && a != r[3] && len(a) > 1 && !slices.Contains(aliases, a) {
				aliases = append(aliases, a)
			}
		}
		country := iso2[r[0]]
		if country == "" {
			country = clean(strings.TrimSpace(r[0]))
		}
		out = append(out, record{kind: "ORG", key: r[2], qid: r[2], name: clean(r[3]), aliases: aliases, source: "partyfacts", country: country})
	}
	return out, nil
}

// shortNames reads Party Facts' name_short field. Its Wikipedia import
// wrote every run of spaces and brackets as "/": "CPI(M) or CPIM or CPM"
// is "CPI/M/or/CPIM/or/CPM", "GOP (Grand Old Party)" is
// "GOP/Grand/Old/Party", which match no text. Parts "or" separate
// alternatives, and an acronym followed by the words it abbreviates gives
// both; a field with neither is kept as it is, since a slash may be the
// name's own ("CDU/CSU", "Greens/EFA").
func shortNames(field string) []string {
	parts := strings.Split(strings.TrimSpace(field), "/")
	var alts [][]string
	start := 0
	for i, p := range parts {
		if p == "or" {
			alts = append(alts, parts[start:i])
			start = i + 1
		}
	}
	alts = append(alts, parts[start:])
	if len(alts) == 1 && !abbreviates(parts[0], parts[1:]) {
		return []string{field}
	}
	var out []string
	for _, a := range alts {
		if abbreviates(a[0], a[1:]) {
			out = append(out, a[0], strings.Join(a[1:], " "))
		} else {
			out = append(out, strings.Join(a, "/"))
		}
	}
	return out
}

// abbreviates reports whether acronym, in capitals, is the initials of
// two or more words: "GOP" of Grand, Old and Party.
func abbreviates(acronym string, words []string) bool {
	if len(words) < 2 || len(words) != len(acronym) || strings.ToUpper(acronym) != acronym {
		return false
	}
	for i, w := range words {
		if w == "" || !strings.EqualFold(w[:1], acronym[i:i+1]) {
			return false
		}
	}
	return true
}

// readLegislators reads the wikidata id and names of each legislator from
// the YAML file by its fixed layout (one key per line).
func readLegislators(path string) ([]record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []record
	var cur record
	var first, last string
	flush := func() {
		if isQID(cur.qid) {
			if cur.name == "" {
				cur.name = first + " " + last
			}
			if alt := first + " " + last; alt != cur.name && first != "" {
				cur.aliases = []string{alt}
			}
			cur.kind, cur.key, cur.source = "PER", cur.qid, "congress-legislators"
			cur.name = clean(cur.name)
			out = append(out, cur)
		}
		cur, first, last = record{}, "", ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "- id:"):
			flush()
		case strings.HasPrefix(t, "wikidata: "):
			cur.qid = strings.TrimPrefix(t, "wikidata: ")
		case strings.HasPrefix(t, "official_full: "):
			cur.name = unquote(strings.TrimPrefix(t, "official_full: "))
		case strings.HasPrefix(t, "first: ") && first == "":
			first = unquote(strings.TrimPrefix(t, "first: "))
		case strings.HasPrefix(t, "last: ") && last == "":
			last = unquote(strings.TrimPrefix(t, "last: "))
		}
	}
	flush()
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
