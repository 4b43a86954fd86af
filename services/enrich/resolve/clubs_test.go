package resolve

import "testing"

// TestClubsByTransferAndName covers transferred and clubNamed (issue 14,
// session 14): a town a player moves to or from in a sports story is its
// club, and so is a name the gazetteer lacks ending in a club's word.
func TestClubsByTransferAndName(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a move to and from clubs in a transfer story",
			title: "Winger moves", body: "The winger agreed a move to Atletico Madrid from Birmingham City. He spent the season at the club after a £2m move from Chelsea in the cup.",
			spans:  []span{{"ORG", "Atletico Madrid"}, {"LOC", "Birmingham City"}, {"LOC", "Chelsea"}},
			want:   map[string]string{"ORG:Birmingham City": "local:org:birmingham-city |", "ORG:Chelsea": "local:org:chelsea |"},
			absent: []string{"LOC:Birmingham City", "LOC:Chelsea"},
		},
		{
			name:  "moving home is no transfer",
			title: "Jumper", body: "Since moving from Colchester to London she has won the final of the cup this season. She joined Brighton in May.",
			spans:  []span{{"LOC", "Colchester"}, {"LOC", "London"}, {"LOC", "Brighton"}},
			want:   map[string]string{"LOC:London": "Q84 | GB"},
			absent: []string{"ORG:London", "ORG:Colchester", "ORG:Brighton"},
		},
		{
			name:  "joined a club, not a town's line-up",
			title: "Striker", body: "The striker joined Ipswich from Northampton in the league. The runner joins Gloucester line-up for the race.",
			spans:  []span{{"LOC", "Ipswich"}, {"LOC", "Northampton"}, {"LOC", "Gloucester"}},
			want:   map[string]string{"ORG:Ipswich": "local:org:ipswich |", "LOC:Gloucester": "Q170497 | GB"},
			absent: []string{"LOC:Ipswich"},
		},
		{
			name:  "a name ending in City that the gazetteer lacks is a club in sport",
			title: "Keeper", body: "The striker will stay at Man City, the league leaders.",
			spans:  []span{{"LOC", "Man City"}},
			want:   map[string]string{"ORG:Man City": "local:org:man-city |"},
			absent: []string{"LOC:Man City"},
		},
		{
			name:  "not a place named so in a business story, nor a city the gazetteer knows",
			title: "Builder", body: "The builder will win the contract for the final phase of the White City redevelopment this season. Its Mexico City plant is in the league of the biggest.",
			spans:  []span{{"LOC", "White City"}, {"LOC", "Mexico City"}},
			want:   map[string]string{"LOC:White City": "local:place:white-city | "},
			absent: []string{"ORG:White City", "ORG:Mexico City"},
		},
	})
}
