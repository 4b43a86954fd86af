package resolve

import "testing"

// TestUSBodies covers usBodies and teamNames (issue 14, session 14).
func TestUSBodies(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:   "a federal body's name after U.S. or US",
			title:  "Vaccine review",
			body:   "The U.S. Quorra Safety Administration approved the shot. Lawmakers in the US Congress asked why.",
			spans:  []span{{"ORG", "U.S. Quorra Safety Administration"}, {"ORG", "US Congress"}},
			want:   map[string]string{"ORG:Quorra Safety Administration": "local:org:quorra-safety-administration |", "ORG:Congress": "local:org:congress |"},
			absent: []string{"ORG:U.S. Quorra Safety Administration", "ORG:US Congress"},
		},
		{
			name:  "a district court, an attorney's office and a magazine keep the prefix",
			title: "Charges",
			body:  "The U.S. District Court in Quorra heard the case brought by the U.S. Attorney's Office. U.S. News & World Report reported it.",
			spans: []span{{"ORG", "U.S. District Court"}, {"ORG", "U.S. Attorney's Office"}, {"ORG", "U.S. News & World Report"}},
			want:  map[string]string{"ORG:U.S. District Court": "local:org:u-s-district-court |", "ORG:U.S. Attorney's Office": "local:org:u-s-attorney-s-office |"},
		},
		{
			name:   "the Capitol and its police lose the prefix and stay two",
			title:  "Capitol rioter cleared",
			body:   "The Capitol Police officer who shot her as a mob stormed the U.S. Capitol will not be charged, the U.S. Capitol Police said.",
			spans:  []span{{"ORG", "U.S. Capitol Police"}, {"ORG", "Capitol Police"}, {"ORG", "U.S. Capitol"}, {"ORG", "Capitol"}},
			want:   map[string]string{"ORG:Capitol": "local:org:capitol ||", "ORG:Capitol Police": "local:org:capitol-police ||"},
			absent: []string{"ORG:U.S. Capitol", "ORG:U.S. Capitol Police"},
		},
		{
			name:   "a town's name written alone is its police, as the tagger typed it",
			title:  "Shooting",
			body:   "A child was shot in Quorraville on Sunday. The Quorraville Police said the boy found a gun. Quorraville said more.",
			spans:  []span{{"ORG", "Quorraville Police"}, {"ORG", "Quorraville"}},
			want:   map[string]string{"ORG:Quorraville Police": "local:org:quorraville-police |||"},
			absent: []string{"ORG:Quorraville"},
		},
		{
			name:   "the GOP is the Republican Party (a curated row with Party Facts' QID)",
			title:  "Vote",
			body:   "The GOP blocked the bill. Leaders of the G.O.P. said the Republican Party would not move.",
			spans:  []span{{"ORG", "GOP"}, {"ORG", "G.O.P."}, {"ORG", "Republican Party"}},
			want:   map[string]string{"ORG:Republican Party": "Q29468 |||"},
			absent: []string{"ORG:GOP", "ORG:G.O.P."},
		},
		{
			name:   "Team and a name is an organisation",
			title:  "Campaign",
			body:   "Team Quillby said the campaign would go on. Team Quorra disagreed.",
			spans:  []span{{"PER", "Team Quillby"}, {"LOC", "Team Quorra"}},
			want:   map[string]string{"ORG:Team Quillby": "local:org:team-quillby |", "ORG:Team Quorra": "local:org:team-quorra |"},
			absent: []string{"PER:Team Quillby", "LOC:Team Quorra"},
		},
	})
}
