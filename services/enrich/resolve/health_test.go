package resolve

import "testing"

// TestDiseaseNames covers diseaseNames (issue 14, session 13): diseases
// and the virus's variants are no organisations or places.
func TestDiseaseNames(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a disease alone, or ending a company's name",
			title: "Vaccines", body: "Quorrax asks the agency to approve its COVID vaccine for children. The Quorrax COVID-19 shot is given twice. New COVID cases fell.",
			spans:  []span{{"ORG", "Quorrax"}, {"ORG", "COVID"}, {"ORG", "Quorrax COVID-19"}, {"ORG", "COVID"}},
			want:   map[string]string{"ORG:Quorrax": "local:org:quorrax ||"},
			absent: []string{"ORG:COVID", "ORG:Quorrax COVID-19"},
		},
		{
			name:  "a variant's letter in an article about the disease",
			title: "Cases rise", body: "The Delta variant is spreading. Delta now causes most covid-19 infections in Leeds.",
			spans:  []span{{"LOC", "Delta"}, {"LOC", "Delta"}, {"LOC", "Leeds"}},
			absent: []string{"LOC:Delta", "ORG:Delta"},
		},
		{
			name:  "the airline keeps its short form, and a letter stays where no disease is named",
			title: "Mandate", body: "Delta Air Lines will require vaccines against COVID for new staff. Delta said pilots agreed. Beta Quorra won the race.",
			spans:  []span{{"ORG", "Delta Air Lines"}, {"ORG", "Delta"}, {"PER", "Beta Quorra"}},
			want:   map[string]string{"ORG:Delta Air Lines": "local:org:delta-air-lines |", "ORG:Delta": "local:org:delta |"},
			absent: []string{"ORG:COVID"},
		},
		{
			name:  "no disease, no variant: the letter is a name",
			title: "Flood", body: "Floods hit the Delta on Monday, officials in Delta said.",
			spans: []span{{"LOC", "Delta"}, {"LOC", "Delta"}},
			want:  map[string]string{"LOC:Delta": "Q503910 || NG"},
		},
	})
}
