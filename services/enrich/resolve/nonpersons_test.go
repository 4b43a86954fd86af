package resolve

import "testing"

// Session 16 (issue 14): names an analyst saw in the person, place and
// organisation facets that are no such thing.
func TestNotEntities(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a compound adjective opens no name",
			title: "Merger", body: "Alexei Miller confirmed Rosneft-owned Yugansk was not part of the deal. US-based Amazon agreed.",
			spans:  []span{{"PER", "Alexei Miller"}, {"PER", "Rosneft-owned Yugansk"}, {"ORG", "US-based Amazon"}},
			want:   map[string]string{"ORG:Amazon": "Q3884 |"},
			absent: []string{"PER:Rosneft-owned Yugansk", "ORG:US-based Amazon"},
		},
		{
			name:  "examples after classics or titles such as are works",
			title: "Mobile games", body: "There are ports of arcade classics such as Space Invaders, Lunar Lander and Bejewelled. There are also titles, such as Colin McRae Rally, that you find on consoles.",
			spans:  []span{{"ORG", "Space Invaders"}, {"PER", "Lunar Lander"}, {"PER", "Colin McRae Rally"}},
			absent: []string{"ORG:Space Invaders", "PER:Lunar Lander", "PER:Colin McRae Rally"},
		},
		{
			name:  "a virus or a worm is not shown",
			title: "Virus", body: "Sophos said the Zafi virus spread. The code for viruses such as Gaobot, Spybot and Randex was shared. Officials in Wuhan said the Wuhan virus spread. The Santy worm first appeared in December. Santy's spread has now been stopped.",
			spans:  []span{{"ORG", "Sophos"}, {"ORG", "Zafi"}, {"LOC", "Gaobot"}, {"LOC", "Wuhan"}, {"ORG", "Santy"}},
			want:   map[string]string{"LOC:Wuhan": "Q11746 || CN"},
			absent: []string{"ORG:Zafi", "LOC:Gaobot", "ORG:Santy"},
		},
		{
			name:  "a place nothing knows after at and an analyst's noun is a company",
			title: "Music", body: "Mike McGuire, a research director at analyst Gartner, told the BBC that sales rose.",
			spans:  []span{{"PER", "Mike McGuire"}, {"LOC", "Gartner"}, {"ORG", "BBC"}},
			want:   map[string]string{"ORG:Gartner": "local:org:gartner |"},
			absent: []string{"LOC:Gartner"},
		},
		{
			name:  "a greeting is no person",
			title: "Virus", body: `The subject line says "Merry Christmas" in 15 languages. Artist Johnnie Christmas drew the cover.`,
			spans:  []span{{"PER", "Merry Christmas"}, {"PER", "Johnnie Christmas"}},
			want:   map[string]string{"PER:Johnnie Christmas": "local:person:johnnie-christmas |"},
			absent: []string{"PER:Merry Christmas"},
		},
		{
			name:  "a work cue beats a brand of the knowledge base",
			title: "Oscars", body: "Scorsese has four nominations for films including Raging Bull, Goodfellas and Gangs of New York.",
			spans:  []span{{"PER", "Scorsese"}, {"ORG", "Raging Bull"}, {"ORG", "Goodfellas"}, {"LOC", "Gangs of New York"}},
			absent: []string{"ORG:Raging Bull", "ORG:Goodfellas", "LOC:Gangs of New York"},
		},
	})
}
