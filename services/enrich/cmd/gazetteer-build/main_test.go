package main

import (
	"strings"
	"testing"
)

// row builds a GeoNames line (19 columns) for the fields trim reads.
func row(id, name, ascii, alts, lat, lon, code, cc, pop string) string {
	c := make([]string, 19)
	c[0], c[1], c[2], c[3], c[4], c[5] = id, name, ascii, alts, lat, lon
	c[6], c[7], c[8], c[14] = "P", code, cc, pop
	return strings.Join(c, "\t")
}

func TestTrim(t *testing.T) {
	in := strings.Join([]string{
		row("1", "Smallville", "Smallville", "", "1", "2", "PPL", "US", "900"),
		row("2", "Capitalia", "Capitalia", "", "3", "4", "PPLC", "XX", "900"),
		row("3", "Bigtown", "Bigtown", "Big Town,BGT,bigtown,Бигтаун,Grossstadt", "5.123456", "6", "PPL", "DE", "200000"),
		row("4", "Ruinville", "Ruinville", "", "7", "8", "PPLH", "IT", "50000"),
		row("5", "Mitteldorf", "Mitteldorf", "Middle Village", "9", "10", "PPLA2", "DE", "20000"),
	}, "\n")
	got, err := trim(strings.NewReader(in), config{minPop: 15000, altPop: 100000})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"3\tBigtown\tDE\t5.1235\t6.0000\tPPL\t200000\tBig Town|Grossstadt",
		"5\tMitteldorf\tDE\t9.0000\t10.0000\tPPLA2\t20000\t",
		"2\tCapitalia\tXX\t3.0000\t4.0000\tPPLC\t900\t",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestUsableName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Kyiv", true},
		{"Kiev", true},
		{"IEV", false},    // a code
		{"ji fu", false},  // not capitalised
		{"Киев", false},   // not Latin
		{"Ab", false},     // too short
		{"Kyiv 2", false}, // digits
		{"Saint-Étienne", true},
	}
	for _, tt := range tests {
		if got := usableName(tt.in); got != tt.want {
			t.Errorf("usableName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
