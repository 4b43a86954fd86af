package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testConfig(t *testing.T) config {
	return config{nsi: "testdata/nsi", countryCoder: "testdata/cc", csc: "testdata/csc", partyfacts: "testdata/pf",
		legislators: "testdata/legislators.yaml", admin1: "testdata/admin1CodesASCII.txt", data: "testdata/data", out: filepath.Join(t.TempDir(), "kb.tsv.gz"), maxKm: 15}
}

func build(t *testing.T, cfg config) ([]byte, string, string) {
	t.Helper()
	var report bytes.Buffer
	if err := run(cfg, &report); err != nil {
		t.Fatalf("run: %v\n%s", err, report.String())
	}
	raw, err := os.ReadFile(cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw, string(text), report.String()
}

func TestBuild(t *testing.T) {
	cfg := testConfig(t)
	raw1, kb, report := build(t, cfg)
	for _, want := range []string{
		"P\t1001\tQ900030\n", // nearest of the two Ogden Towns
		"P\t1002\tQ900003\n", // through NSI's label "city in Testland"
		"P\t1006\tQ900006\n", // a capital of two Capitolas, described as one
		"D\tTestish\tXT\n",   // the more populous country
		"D\tBordurian\tXB\n",
		"D\tSyldavian\tXB\n", // "Bordurian or Syldavian"
		"ORG\tQ900001\tAcme Corporation\tAcme|Acme Widgets\tnsi\n",
		"ORG\tQ900040\tTestland Labour Party\tTLP\tpartyfacts\tXT\n", // Party Facts' XTL is countries.csv's XT
		"ORG\tQ900041\tOld Testland Party\t\tpartyfacts\tDDR\n",      // a code without ISO's alpha-2 stays as it is
		// Party Facts' short names with the slashes of its import: an
		// acronym and the words it abbreviates, alternatives joined by
		// "or", and a slash of the name's own.
		"ORG\tQ900042\tRepublican Party of Testland\tGOP|Grand Old Party\tpartyfacts\tXT\n",
		"ORG\tQ900043\tCommunist Party of Testland (Marxist)\tCPT/M|CPTM|CPM\tpartyfacts\tXT\n",
		"ORG\tQ900044\tUnion of Testland and Left\tUT/L\tpartyfacts\tXT\n",
		"PER\tQ900050\tJane Q. Roe\tJane Roe\tcongress-legislators\n",
		"R\tQ900021\tSouth Testshire\tXT\t-1.5000\t2.2500\n", // a subdivision with a QID and a position
		// GeoNames' name of the subdivision of the same code, spelt alike.
		"R\tQ900024\tChechen\tXT\t3.0000\t3.0000\tChechnya\n",
		// Another subdivision of the same code (Perlis for Perak), and a
		// name two subdivisions would share, are no aliases.
		"R\tQ900025\tPerak\tXT\t4.0000\t4.0000\n",
		"R\tQ900026\tEastern\tXT\t5.0000\t5.0000\n",
		"R\tQ900027\tEast Province\tXT\t6.0000\t6.0000\n",
	} {
		if !strings.Contains(kb, want) {
			t.Errorf("knowledge base lacks %q:\n%s", want, kb)
		}
	}
	for _, unwanted := range []string{
		"Q900002",    // a country that operates something is not an organisation
		"Q900031",    // the farther Ogden Town
		"\t1003\t",   // Faraway the town is 4,000 km from dr5hn's Faraway
		"R\tQ900020", // regions.tsv has it
		"R\tQ900022", // a GeoNames place of its country has its name
		"R\tQ900023", // no position
		"\t1004\t",   // NSI's Richfield: two GeoNames places of Testland have the name
		"\t1005\t",
	} {
		if strings.Contains(kb, unwanted) {
			t.Errorf("knowledge base has %q:\n%s", unwanted, kb)
		}
	}
	for _, want := range []string{"countries.tsv: 2 QIDs agree", "regions.tsv: 1 QIDs confirmed",
		"PER Q900099 Nobody Known: no source confirms it", "aliases.tsv: 1 of 2 QIDs confirmed", "1 labels left out, their name being several places' of that country", "skip testdata/csc/contributions/cities/XX.json"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// The same inputs give the same bytes.
	cfg.out = filepath.Join(t.TempDir(), "again.tsv.gz")
	raw2, _, _ := build(t, cfg)
	if !bytes.Equal(raw1, raw2) {
		t.Error("two builds from the same inputs differ")
	}
}

// dataWith copies testdata/data to a temporary folder with file's content
// replaced by content, and returns the folder.
func dataWith(t *testing.T, file, content string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"places.tsv.gz", "regions.tsv", "aliases.tsv", "countries.tsv", "refused-qids.tsv"} {
		b, err := os.ReadFile(filepath.Join("testdata/data", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == file {
			b = []byte(content)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRefusedQID: a QID listed in refused-qids.tsv is given to no place,
// which keeps its GeoNames id, and the report says so.
func TestRefusedQID(t *testing.T) {
	cfg := testConfig(t)
	cfg.data = dataWith(t, "refused-qids.tsv", "Q900030\tOgden Town\tunconfirmed\n")
	_, kb, report := build(t, cfg)
	if strings.Contains(kb, "\t1001\t") || strings.Contains(kb, "Q900030") {
		t.Errorf("the refused QID is given:\n%s", kb)
	}
	if !strings.Contains(kb, "P\t1002\tQ900003\n") {
		t.Errorf("a QID not refused is lost:\n%s", kb)
	}
	if want := "refused-qids.tsv: 1001 Ogden Town left without a QID (unconfirmed)"; !strings.Contains(report, want) {
		t.Errorf("report lacks %q:\n%s", want, report)
	}
}

func TestCountryDisagreementFails(t *testing.T) {
	cfg := testConfig(t)
	cfg.data = dataWith(t, "countries.tsv", "XT\tQ1\tTestland\t\n")
	var report bytes.Buffer
	if err := run(cfg, &report); err == nil {
		t.Errorf("a country QID that country-coder contradicts passed:\n%s", report.String())
	}
}

func TestMissingFlags(t *testing.T) {
	err := run(config{out: filepath.Join(t.TempDir(), "kb.tsv.gz")}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-nsi") {
		t.Errorf("err = %v, want the missing flags named", err)
	}
}

// TestCityStates: a states.csv row that is a city gives its QID to the
// place of its name where dr5hn's city rows give none, or give a QID they
// also give a city of another name; not where NSI's label of the row's QID
// names something else, nor where the place's own QID is dr5hn's alone, nor
// from a row that is a province named after a city.
func TestCityStates(t *testing.T) {
	cfg := testConfig(t)
	cfg.csc = t.TempDir()
	for _, f := range []string{"csv/countries.csv", "contributions/cities/XT.json", "contributions/cities/XX.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/csc", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "contributions/cities/XT.json" {
			b = append(bytes.TrimSuffix(bytes.TrimSpace(b), []byte("]")), []byte(`,
 {"name": "Kyivtown", "country_code": "XT", "latitude": "30.0", "longitude": "30.0", "wikiDataId": "Q900060"},
 {"name": "Villagey", "country_code": "XT", "latitude": "30.5", "longitude": "30.5", "wikiDataId": "Q900060"},
 {"name": "Bigcity", "country_code": "XT", "latitude": "32.0", "longitude": "32.0", "wikiDataId": "Q900062"},
 {"name": "Bigcity Borough", "country_code": "XT", "latitude": "40.0", "longitude": "40.0", "wikiDataId": "Q900062"},
 {"name": "Steady", "country_code": "XT", "latitude": "33.0", "longitude": "33.0", "wikiDataId": "Q900064"},
 {"name": "Jambi", "country_code": "XT", "latitude": "35.0", "longitude": "35.0", "wikiDataId": "Q900067"}]`)...)
		}
		writeFile(t, filepath.Join(cfg.csc, f), string(b))
	}
	writeFile(t, filepath.Join(cfg.csc, "csv/states.csv"), `id,name,country_code,fips_code,iso2,latitude,longitude,wikiDataId,type
1,Kyivtown,XT,01,KY,30.0,30.0,Q900061,city
2,Bigcity,XT,02,BC,32.0,32.0,Q900063,city
3,Steady,XT,03,SD,33.0,33.0,Q900065,capital city
4,Moskow,XT,04,MO,34.0,34.0,Q900066,autonomous city
5,Jakart,XT,05,JA,36.0,36.0,Q900067,capital district
6,Romey,XT,06,RO,37.0,37.0,Q900069,metropolitan city
`)
	cfg.nsi = t.TempDir()
	writeFile(t, filepath.Join(cfg.nsi, "dist/json/nsi.json"), mustRead(t, "testdata/nsi/dist/json/nsi.json"))
	writeFile(t, filepath.Join(cfg.nsi, "dist/wikidata/wikidata.json"),
		`{"wikidata": {"Q900063": {"label": "City of Bigcity", "description": "business district of Bigcity"}}}`)
	var places bytes.Buffer
	zw := gzip.NewWriter(&places)
	io.WriteString(zw, "# test\n"+
		"1004\tKyivtown\tXT\t30.0\t30.0\tPPLC\t900000\t\n"+
		"1006\tBigcity\tXT\t32.0\t32.0\tPPLA\t800000\t\n"+
		"1007\tSteady\tXT\t33.0\t33.0\tPPLA\t700000\t\n"+
		"1008\tMoskow\tXT\t34.0\t34.0\tPPLA\t600000\tMoskva\n"+
		"1009\tJambi\tXT\t35.0\t35.0\tPPLA\t500000\t\n"+
		"1010\tJakart\tXT\t36.0\t36.0\tPPLA\t400000\t\n"+
		"1011\tRomey\tXT\t37.0\t37.0\tPPLA\t300000\t\n"+
		"1005\tVillagey\tXT\t30.5\t30.5\tPPL\t1000\t\n")
	zw.Close()
	cfg.data = dataWith(t, "places.tsv.gz", places.String())
	_, kb, report := build(t, cfg)
	for _, want := range []string{
		"P\t1004\tQ900061\n", // the city row's QID is also Villagey's
		"P\t1006\tQ900062\n", // the row's QID is the City of Bigcity
		"P\t1007\tQ900064\n", // dr5hn's city row alone gives Steady its QID
		"P\t1008\tQ900066\n", // no city row
		"P\t1010\tQ900067\n", // Jambi's row carried Jakart's QID
	} {
		if !strings.Contains(kb, want) {
			t.Errorf("knowledge base lacks %q:\n%s", want, kb)
		}
	}
	for _, unwanted := range []string{"\t1009\t", "\t1011\t", "Q900063", "Q900065", "Q900069"} {
		if strings.Contains(kb, unwanted) {
			t.Errorf("knowledge base has %q:\n%s", unwanted, kb)
		}
	}
	for _, want := range []string{"1009 loses Q900067 to 1010 Jakart", `the row's Q900063 is "City of Bigcity"`,
		"1007 Steady keeps Q900064"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
