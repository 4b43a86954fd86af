package clean

import (
	"reflect"
	"testing"
)

func TestSiteKeys(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"WFSB", "wfsb.com"}, []string{"wfsb"}},
		{[]string{"", "politicalticker.blogs.cnn.com"}, []string{"politicalticker", "cnn"}},
		{[]string{"Fox News (Online News)", ""}, []string{"foxnews"}},
		{[]string{"chicagotribune.com"}, []string{"chicagotribune"}},
		{[]string{"", "www.bbc.co.uk"}, []string{"bbc"}},
		{[]string{"", "un.org"}, []string{"un"}},
		{[]string{"", ""}, nil},
	} {
		if got := SiteKeys(tc.names...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SiteKeys(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}

func TestTrimSiteName(t *testing.T) {
	for _, tc := range []struct {
		title string
		keys  []string
		want  string
	}{
		// The outlet's name after the headline, found by its domain.
		{"Vigil held for teenager shot in Killingly - WFSB 3 Connecticut", []string{"wfsb"}, "Vigil held for teenager shot in Killingly"},
		{"Boy, 2, shot and killed - Live5News.com | Charleston, SC | News, Weather, Sports", []string{"live5news"}, "Boy, 2, shot and killed"},
		{"Man found in river - wave3.com-Louisville News, Weather & Sports", []string{"wave3"}, "Man found in river"},
		{"Council votes to close pool – The Express Tribune", []string{"tribune"}, "Council votes to close pool"},
		{"Senators react to the vote – CNN Political Ticker", []string{"politicalticker", "cnn"}, "Senators react to the vote"},
		{"Storm kills 6 in Haiti - Xinhua", []string{"xinhuanet"}, "Storm kills 6 in Haiti"},
		// Unknown outlet, but two words of outlets' names.
		{"Police name hotel shooting victim - KATV - Breaking News, Weather and Razorback Sports", nil, "Police name hotel shooting victim"},
		{"Family identified - CBS News 8 - San Diego, CA News Station - KFMB Channel 8", []string{"cbs8"}, "Family identified"},
		{"Two deadly shootings - KAIT Jonesboro, AR - Region 8 News, weather, sports", []string{"kait8"}, "Two deadly shootings"},
		// Before the headline.
		{"Wichita, Kansas News, Weather, Sports - 1 dead after north Wichita shooting", []string{"kwch"}, "1 dead after north Wichita shooting"},
		{"Breaking News - Three people shot in office", nil, "Three people shot in office"},
		// Headlines that keep their parts.
		{"Jobs report disappoints — only 235,000 positions added", []string{"cnbc"}, "Jobs report disappoints — only 235,000 positions added"},
		{"Red Sox - Teixeira Rumor.", nil, "Red Sox - Teixeira Rumor."},
		{"Jeremy Paxman's top 10 moments - in videos", []string{"theguardian"}, "Jeremy Paxman's top 10 moments - in videos"},
		{"Canada weighs options on ambassador - National", []string{"globalnews"}, "Canada weighs options on ambassador - National"},
		{"CNN sues the White House - CNN says it will fight", []string{"cnn"}, "CNN sues the White House - CNN says it will fight"},
		{"Egypt brokers ceasefire - Time to cease firing ends at 9 pm", []string{"nsnbc"}, "Egypt brokers ceasefire - Time to cease firing ends at 9 pm"},
		// At least two words of headline stay.
		{"Outage - WFSB 3 Connecticut", []string{"wfsb"}, "Outage - WFSB 3 Connecticut"},
		{"No separator WFSB", []string{"wfsb"}, "No separator WFSB"},
	} {
		got, cut := TrimSiteName(tc.title, tc.keys)
		if got != tc.want || cut != (tc.want != tc.title) {
			t.Errorf("TrimSiteName(%q, %q) = %q, %v; want %q", tc.title, tc.keys, got, cut, tc.want)
		}
	}
}

func TestCleanCutsTheSiteNameFromTheTitle(t *testing.T) {
	text := "Vigil held for teenager shot in Killingly\n\nHundreds gathered on Sunday evening to remember the teenager, who was shot on Friday."
	res := Clean(text, Options{Title: "Vigil held for teenager shot in Killingly - WFSB 3 Connecticut", SiteKeys: SiteKeys("wfsb.com")})
	if res.Title != "Vigil held for teenager shot in Killingly" || !res.Cleaning.TitleSiteName {
		t.Errorf("title %q, title_site_name %v", res.Title, res.Cleaning.TitleSiteName)
	}
	if want := "Hundreds gathered on Sunday evening to remember the teenager, who was shot on Friday."; res.Body != want {
		t.Errorf("the first line repeats the headline without the site's name and must go: body %q", res.Body)
	}
	res = Clean(text, Options{Title: "Vigil held for teenager shot in Killingly - WFSB 3 Connecticut"})
	if res.Title != "Vigil held for teenager shot in Killingly - WFSB 3 Connecticut" || res.Cleaning.TitleSiteName {
		t.Errorf("without site keys or site words nothing is cut: title %q, title_site_name %v", res.Title, res.Cleaning.TitleSiteName)
	}
}
