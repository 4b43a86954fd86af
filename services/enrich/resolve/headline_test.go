package resolve

import "testing"

// TestUSStyleNews covers the rules for US-style news (issue 14, session
// 12): title-case headlines, headline labels, named storms and place
// alternates that are English phrases.
func TestUSStyleNews(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a place's English alternate that names a building is not the place",
			title: "Doses", body: "The White House announced the plan on Monday. Officials at the White House said more.",
			spans:  []span{{"LOC", "White House"}},
			want:   map[string]string{"LOC:White House": "local:place:white-house || "},
			absent: []string{"LOC:Casablanca"},
		},
		{
			name:  "a place's one-word alternate still links",
			title: "Trip", body: "She flew to Bombay on Monday and met officials in Bombay.",
			spans: []span{{"LOC", "Bombay"}},
			want:  map[string]string{"LOC:Mumbai": "geonames:1275339 || IN"},
		},
		{
			name:  "a headline word capitalised onto a surname the body gives in full",
			title: "Analysis: Tougher Quillby rebounds in second debate", body: "President Henry Quillby spoke at the second debate. Quillby was sharper than before.",
			spans:  []span{{"PER", "Tougher Quillby"}, {"PER", "Henry Quillby"}, {"PER", "Quillby"}},
			want:   map[string]string{"PER:Henry Quillby": "local:person:henry-quillby |||"},
			absent: []string{"PER:Tougher Quillby"},
		},
		{
			name:  "a title-case headline's verb after a surname",
			title: "Victorious Quillby Heads Back To Base", body: "Henry Quillby arrived in Leeds on Wednesday.",
			spans:  []span{{"PER", "Quillby Heads"}, {"PER", "Henry Quillby"}},
			want:   map[string]string{"PER:Henry Quillby": "local:person:henry-quillby ||"},
			absent: []string{"PER:Quillby Heads"},
		},
		{
			name:  "a headline word before a place the body gives",
			title: "Battered Quorra waits for aid", body: "Aid reached the people of Quorra on Tuesday.",
			spans:  []span{{"PER", "Battered Quorra"}, {"LOC", "Quorra"}},
			want:   map[string]string{"LOC:Quorra": "local:place:quorra || "},
			absent: []string{"PER:Battered Quorra"},
		},
		{
			name:  "a first name, a word the body capitalises inside a sentence, or a relative keep the name",
			title: "Kwasi Quillby and Milton Keynes Quillby talk", body: "Henry Quillby met Kwasi Quillby in Milton Keynes. Later, Quillby spoke.",
			spans: []span{{"PER", "Kwasi Quillby"}, {"PER", "Henry Quillby"}, {"PER", "Milton Keynes Quillby"}},
			want:  map[string]string{"PER:Kwasi Quillby": "local:person:kwasi-quillby ||"},
		},
		{
			name:  "a preposition opening a sentence is no part of a name",
			title: "Visit", body: "The emir arrived in Gaza. Across Gaza, Hamas put up bunting.",
			spans:  []span{{"PER", "Across Gaza"}, {"LOC", "Gaza"}, {"ORG", "Hamas"}},
			want:   map[string]string{"LOC:Gaza Strip": "Q39760 || PS"},
			absent: []string{"PER:Across Gaza"},
		},
		{
			name:  "named storms are events",
			title: "Storm hits coast", body: "Hurricane Quorra hit the coast of Florida. Quorra killed ten people, the National Hurricane Center said. Tropical Storm Grace followed, and Storm Gustav.",
			spans:  []span{{"PER", "Hurricane Quorra"}, {"LOC", "Quorra"}, {"ORG", "National Hurricane Center"}, {"ORG", "Tropical Storm Grace"}, {"PER", "Storm Gustav"}, {"LOC", "Florida"}},
			want:   map[string]string{"LOC:National Hurricane Center": "local:place:national-hurricane-center | "},
			absent: []string{"PER:Hurricane Quorra", "LOC:Quorra", "ORG:Tropical Storm Grace", "PER:Storm Gustav", "PER:Quorra", "LOC:Hurricane Quorra"},
		},
		{
			name:  "AP abbreviations of US states after a city, a party letter or a bracket",
			title: "Vote", body: "Officials in Tampa, Fla., said Sen. Henry Quillby, D-W.Va., and Rep. Ann Hale (R-Ky.) met in Seattle, Wash. on Monday. Mo Farah ran.",
			spans:  []span{{"LOC", "Tampa"}, {"LOC", "Fla"}, {"PER", "Henry Quillby"}, {"LOC", "Va"}, {"PER", "Ann Hale"}, {"LOC", "R-Ky"}, {"LOC", "Seattle"}, {"LOC", "Wash"}, {"PER", "Mo Farah"}},
			want:   map[string]string{"LOC:Florida": "Q812 | US", "LOC:West Virginia": "Q1371 | US", "LOC:Kentucky": "Q1603 | US", "LOC:Washington State": "Q1223 | US"},
			absent: []string{"LOC:Fla", "LOC:Va", "LOC:R-Ky", "LOC:Wash", "LOC:Washington", "LOC:Missouri"},
		},
		{
			name:  "Sens. is a title",
			title: "Bill", body: "The bill came from Sens. Cory Booker and Tim Scott.",
			spans:  []span{{"LOC", "Sens"}, {"PER", "Cory Booker"}, {"PER", "Tim Scott"}},
			want:   map[string]string{"PER:Tim Scott": "Q561315 |"},
			absent: []string{"LOC:Sens", "ORG:Sens"},
		},
		{
			name:  "a surname two persons share, typed person, is the person the headline names, not a town",
			title: "Henry Sterling banned for life", body: "The league banned Sterling on Tuesday. Fans booed Sterling on Wednesday. Sterling, 80, must sell the team. His wife Ann Sterling is suing. A message left at Sterling's office was not returned.",
			spans:  []span{{"PER", "Henry Sterling"}, {"PER", "Ann Sterling"}, {"LOC", "Sterling's"}, {"PER", "Sterling"}},
			want:   map[string]string{"PER:Henry Sterling": "local:person:henry-sterling ||||", "PER:Ann Sterling": "local:person:ann-sterling |"},
			absent: []string{"LOC:Sterling", "PER:Sterling"},
		},
		{
			name:  "New York the state, not the city, where the text says state, and elsewhere in that article",
			title: "New York May Use National Guard", body: "The storm hit upstate New York on Monday, said the governor of New York. Schools in New York state will close.",
			spans:  []span{{"LOC", "New York"}},
			want:   map[string]string{"LOC:New York State": "Q1384 |||| US"},
			absent: []string{"LOC:New York City", "ORG:New York"},
		},
		{
			name:  "a state cue leaves the city alone where the article writes the city",
			title: "Storm", body: "The storm hit upstate New York on Monday. In New York City the subway closed, and New York reopened on Friday.",
			spans: []span{{"LOC", "New York"}, {"LOC", "New York City"}},
			want:  map[string]string{"LOC:New York State": "Q1384 | US", "LOC:New York City": "Q60 || US"},
		},
		{
			name:  "a county typed as a person is a place outside sport",
			title: "Flood", body: "Officials in Harris County said the water rose. Harris County will reopen schools.",
			spans:  []span{{"PER", "Harris County"}},
			want:   map[string]string{"LOC:Harris County": "local:place:harris-county || "},
			absent: []string{"PER:Harris County"},
		},
		{
			name:  "a county typed as an organisation is a place outside sport",
			title: "Shooting", body: "The boy died, according to the Quorra County medical examiner's office. Deputies in Quorra County are searching.",
			spans:  []span{{"ORG", "Quorra County"}},
			want:   map[string]string{"LOC:Quorra County": "local:place:quorra-county || "},
			absent: []string{"ORG:Quorra County"},
		},
		{
			name:  "a county's club in a sports story stays no place",
			title: "Derby County 2-1 Leeds", body: "Derby County beat Leeds in the league match. The striker scored a goal in the second half, and the goalkeeper saved a penalty.",
			spans:  []span{{"PER", "Derby County"}, {"ORG", "Leeds"}},
			absent: []string{"LOC:Derby County"},
		},
		{
			name:  "an Arab broadcaster is no person named Al",
			title: "Strike", body: "The spokesman confirmed to Al Jazeera that the commander was targeted. Al Jazeera's correspondent, reporting from Gaza, saw the smoke. Al Gore spoke later.",
			spans:  []span{{"PER", "Al Jazeera"}, {"PER", "Al Gore"}, {"LOC", "Gaza"}},
			want:   map[string]string{"ORG:Al Jazeera": "local:org:al-jazeera ||"},
			absent: []string{"PER:Al Jazeera"},
		},
		{
			name:  "a US agency's acronym and name are one entity",
			title: "Masks", body: "The Centers for Disease Control and Prevention changed its guidance on Tuesday. The CDC said vaccinated people should mask indoors, and the DOJ agreed.",
			spans:  []span{{"ORG", "Centers for Disease Control and Prevention"}, {"ORG", "CDC"}, {"ORG", "DOJ"}},
			want:   map[string]string{"ORG:Centers for Disease Control and Prevention": "local:org:centers-for-disease-control-and-prevention ||", "ORG:Justice Department": "local:org:justice-department |"},
			absent: []string{"ORG:CDC", "ORG:DOJ"},
		},
		{
			name:  "a brotherhood is an organisation",
			title: "Protest", body: "Members of the Quorran Brotherhood marched on Friday, and Quorran Brotherhood leaders spoke.",
			spans:  []span{{"PER", "Quorran Brotherhood"}},
			want:   map[string]string{"ORG:Quorran Brotherhood": "local:org:quorran-brotherhood ||"},
			absent: []string{"PER:Quorran Brotherhood"},
		},
	})
}
