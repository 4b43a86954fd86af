package resolve

import "testing"

// Session 16: names of one word link to the knowledge base's one
// organisation of that name, and an entity's own name beats an alias.
func TestKnownWord(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a company of one word links to the one organisation of that name",
			title: "Mobile deal", body: "Vodafone said its profits rose. Siemens makes phones, and Vodafone sells them.",
			spans: []span{{"ORG", "Vodafone"}, {"ORG", "Siemens"}},
			want: map[string]string{
				"ORG:Vodafone": "Q122141 ||", // NSI's Vodafone Ukraine has the alias "Vodafone"
				"ORG:Siemens":  "Q81230 |",
			},
		},
		{
			name:  "a common word, an acronym or a place is no brand's name",
			title: "Music", body: "Oasis played in London. Fossil and Habitat said sales fell. The PSP sold well. Halifax said house prices rose.",
			spans: []span{{"ORG", "Oasis"}, {"ORG", "Fossil"}, {"ORG", "Habitat"}, {"ORG", "PSP"}, {"ORG", "Halifax"}},
			want: map[string]string{
				"ORG:Oasis":   "local:org:oasis |",
				"ORG:Fossil":  "local:org:fossil |",
				"ORG:Habitat": "local:org:habitat |",
				"ORG:PSP":     "local:org:psp |",
				"ORG:Halifax": "local:org:halifax |",
			},
		},
		{
			name:  "in a sports story a carmaker's name is its team's",
			title: "Title race", body: "Ferrari won the match and lead the league. The coach praised the squad after the season.",
			spans: []span{{"ORG", "Ferrari"}},
			want:  map[string]string{"ORG:Ferrari": "local:org:ferrari |"},
		},
		{
			name:  "a word cut from a longer name is no brand's name",
			title: "Phones", body: "Vodafone Ukraine grew. Vodafone said so.",
			spans: []span{{"ORG", "Vodafone"}},
			want:  map[string]string{"ORG:Vodafone": "local:org:vodafone ||"},
		},
		{
			name:  "a word of a longer name in the article is no brand's name",
			title: "Phones", body: "Vodafone Ukraine grew. Vodafone said so.",
			spans: []span{{"ORG", "Vodafone Ukraine"}, {"ORG", "Vodafone"}},
			want:  map[string]string{"ORG:Vodafone": "local:org:vodafone |"},
		},
		{
			name:  "an organisation's own name beats another's alias",
			title: "Food", body: "Taco Bell opened a shop. Indian Railways ran more trains.",
			spans: []span{{"ORG", "Taco Bell"}, {"ORG", "Indian Railways"}},
			want: map[string]string{
				"ORG:Taco Bell":       "Q752941 |", // alias of Taco Bell Cantina too
				"ORG:Indian Railways": "Q819425 |", // alias of the Railway Protection Force
			},
		},
	})
}
