package resolve

import (
	"testing"

	"github.com/newsflow/newsflow/services/enrich/ner"
)

// TestParties covers the parties of the knowledge base (Party Facts),
// which link by the article's countries (issue 14, session 13).
func TestParties(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a party's name in a story of another country is no party",
			title: "Charity", body: "Meeting Point opened an office in Luanda on Monday. Meeting Point helps children.",
			spans: []span{{"ORG", "Meeting Point"}, {"LOC", "Luanda"}},
			want:  map[string]string{"ORG:Meeting Point": "local:org:meeting-point ||"},
		},
		{
			name:  "a party's name in a story of its country",
			title: "Vote", body: "Meeting Point won two seats in Hong Kong on Sunday.",
			spans: []span{{"ORG", "Meeting Point"}, {"LOC", "Hong Kong"}},
			want:  map[string]string{"ORG:Meeting Point": "Q10904250 |"},
		},
		{
			name:  "an acronym is the initials of a party of the article's country",
			title: "Fighting", body: "Iraqi troops joined KDP fighters near Arbil on Saturday, the rebel group said. The KDP denied it.",
			spans: []span{{"ORG", "KDP"}, {"LOC", "Arbil"}},
			want:  map[string]string{"ORG:Kurdistan Democratic Party": "Q781221 ||"},
		},
		{
			name:  "a party's alias in a story of its country, named by a nationality",
			title: "Arrests", body: "Burmese police detained NLD members before the party congress.",
			spans: []span{{"ORG", "NLD"}},
			want:  map[string]string{"ORG:National League for Democracy": "Q849603 |"},
		},
		{
			name:  "a party's acronym without its country is no party",
			title: "Fighting", body: "KDP fighters clashed near the border on Saturday, the rebel group said.",
			spans:  []span{{"ORG", "KDP"}},
			want:   map[string]string{"ORG:KDP": "local:org:kdp |"},
			absent: []string{"ORG:Kurdistan Democratic Party"},
		},
		{
			name:  "an acronym the article defines is its long form's",
			title: "Statement", body: "Iraq's minister spoke to the Iraqi News Agency (INA) on Saturday. INA said more later.",
			spans:  []span{{"ORG", "Iraqi News Agency"}, {"ORG", "INA"}, {"LOC", "Iraq"}},
			want:   map[string]string{"ORG:Iraqi News Agency": "local:org:iraqi-news-agency |||"},
			absent: []string{"ORG:Iraqi National Accord"},
		},
		{
			name:  "a European Parliament group in a story of the European Union",
			title: "Budget", body: "The European People's Party attacked the EU's finance ministers on Tuesday.",
			spans: []span{{"ORG", "European People's Party"}, {"ORG", "EU"}},
			want:  map[string]string{"ORG:European People's Party": "Q208242 |", "ORG:European Union": "Q458 |"},
		},
		{
			name:  "a European Parliament group without the European Union is no party",
			title: "Budget", body: "The European People's Party met in Lisbon on Tuesday.",
			spans: []span{{"ORG", "European People's Party"}, {"LOC", "Lisbon"}},
			want:  map[string]string{"ORG:European People's Party": "local:org:european-people-s-party |"},
		},
		{
			name:  "two capitals are no party's acronym",
			title: "Gold", body: "The sports minister watched the GB side beat Spain in Madrid. GB won three golds.",
			spans:  []span{{"ORG", "GB"}, {"LOC", "Spain"}, {"LOC", "Madrid"}},
			absent: []string{"ORG:Geroa Bai"},
		},
		{
			name:  "an acronym in a story of no politics is no party",
			title: "Consoles", body: "Sony's PSP went on sale in Greece on Friday. Shops in Athens sold out of the PSP.",
			spans:  []span{{"ORG", "PSP"}, {"LOC", "Greece"}, {"LOC", "Athens"}},
			absent: []string{"ORG:Popular Social Party"},
		},
	})
}

// TestPartyMember checks, with the tagger's own spans, that a name
// between two parties' possessives is a person: "FTU's Kwok Wai-keung and
// DAB's Horace Cheung" is no list of organisations (GUM's Hong Kong
// election).
func TestPartyMember(t *testing.T) {
	r := resolver(t)
	d := NewDoc("Election", "The Hong Kong election was on Sunday. Other pro-Beijing elected were FTU's Kwok Wai-keung and DAB's Horace Cheung.", 0, true)
	sents := ner.Sentences(d.Text)
	got := flatten(r.Resolve(d, sents, tagger.TagDocument(sents)))
	checkEntities(t, got, map[string]string{
		"PER:Kwok Wai-keung":                       "local:person:kwok-wai-keung |",
		"ORG:Hong Kong Federation of Trade Unions": "Q23062 |",
	}, []string{"ORG:Kwok Wai-keung"})
}
