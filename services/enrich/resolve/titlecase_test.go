package resolve

import "testing"

// TestTitleCaseLines covers titleCaseLines (issue 14, session 14): in a
// title-case line a capital is no evidence of a name.
func TestTitleCaseLines(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:   "a headline's verbs and common nouns are cut from a surname and dropped alone",
			title:  "Quillby Cancels Trip to Rally Dems on Eve of Infrastructure Vote",
			body:   "President Henry Quillby cancelled his trip on Monday before the infrastructure vote. Democrats said the vote would go ahead.",
			spans:  []span{{"ORG", "Quillby Cancels Trip"}, {"ORG", "Rally Dems"}, {"LOC", "Infrastructure Vote"}, {"PER", "Henry Quillby"}},
			want:   map[string]string{"PER:Henry Quillby": "local:person:henry-quillby ||"},
			absent: []string{"ORG:Quillby Cancels Trip", "ORG:Rally Dems", "LOC:Infrastructure Vote"},
		},
		{
			name:   "a modal before a verb is no first name",
			title:  "Quorra Says It Will Build the Wall, and Asks Donors to Pay",
			body:   "Governor Greg Quillby said the state would put up a wall along the border.",
			spans:  []span{{"PER", "Will Build"}, {"ORG", "Asks Donors"}, {"PER", "Greg Quillby"}},
			want:   map[string]string{"PER:Greg Quillby": "local:person:greg-quillby |"},
			absent: []string{"PER:Will Build", "ORG:Asks Donors"},
		},
		{
			name:   "a first name and its surname, and a place the gazetteer knows, keep without the body",
			title:  "Marc Quillby Legal Fund Grows In Singapore",
			body:   "Friends set up a legal fund for the family last year. The fund has raised money since.",
			spans:  []span{{"PER", "Marc Quillby"}, {"ORG", "Legal Fund Grows"}, {"LOC", "Singapore"}},
			want:   map[string]string{"PER:Marc Quillby": "local:person:marc-quillby |", "LOC:Singapore": "Q334 | SG"},
			absent: []string{"ORG:Legal Fund Grows"},
		},
		{
			name:   "a subhead of the body written in title case, not a byline",
			title:  "Rules change",
			body:   "Henry Quillby signs an order.\nQuillby Signs Order Banning Mandates\nThe order banning mandates was signed on Monday.\nZephyrine Dunleavy and Okoro Vantongeren\nThey wrote this report.",
			spans:  []span{{"PER", "Henry Quillby"}, {"ORG", "Quillby Signs Order Banning Mandates"}, {"PER", "Zephyrine Dunleavy"}, {"PER", "Okoro Vantongeren"}},
			want:   map[string]string{"PER:Henry Quillby": "local:person:henry-quillby ||", "PER:Zephyrine Dunleavy": "local:person:zephyrine-dunleavy |", "PER:Okoro Vantongeren": "local:person:okoro-vantongeren |"},
			absent: []string{"ORG:Quillby Signs Order Banning Mandates"},
		},
		{
			name:   "a word opening with a number is capitalised at its first letter",
			title:  "EU, US Unveil 5-Year Truce In 17-Year Aircraft Trade Spat",
			body:   "The European Union and the United States agreed a truce in the aircraft trade dispute.",
			spans:  []span{{"ORG", "Aircraft Trade Spat"}},
			absent: []string{"ORG:Aircraft Trade Spat"},
		},
		{
			name:  "a sentence-case headline keeps its capitals' evidence",
			title: "Quorra Bank fined over loans",
			body:  "The regulator fined the lender on Monday.",
			spans: []span{{"ORG", "Quorra Bank"}},
			want:  map[string]string{"ORG:Quorra Bank": "local:org:quorra-bank |"},
		},
	})
}
