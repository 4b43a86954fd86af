package resolve

import "github.com/newsflow/newsflow/services/enrich/gazetteer"

// teamNames makes an organisation of "Team" and a name (issue 14,
// session 14): "Team Biden" and "Team Obama", a campaign or a
// politician's staff, were persons, and "Team Trump" a place; "Team GB"
// and "Team Canada" are national teams.
func (s *state) teamNames() {
	for _, m := range s.ms {
		if m.text == "" || m.t1-m.t0 < 2 || m.given || m.typ == gazetteer.Organization || s.toks[m.t0].Text != "Team" || !isCap(s.toks[m.t0+1].Text) {
			continue
		}
		m.typ, m.cands, m.entry = gazetteer.Organization, nil, nil
	}
}
