package cluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// TestStoryNamesEachEntityOnce: the reports of one story name its
// entities as enrich read each article. The story's document lists each
// entity once: a name under two types takes the type with the knowledge
// base's id (else the more salient), spellings of one person's name are
// that person, a surname alone or a regnal number
// joins the one person of the story it ends, and salience adds up; two
// knowledge-base ids under one name, and a place, stay apart.
func TestStoryNamesEachEntityOnce(t *testing.T) {
	s := newState(t)
	for i := range quake {
		d := doc(fmt.Sprintf("q%d", i), quake[i].source, quake[i].title, quake[i].body, t0.Add(time.Duration(i)*time.Hour))
		d.Entities.Persons = []schema.Entity{
			{Name: "Marta Bellocchio", ID: "Q1", Salience: 0.4},
			{Name: "John Paul II", ID: "local:person:john-paul-ii", Salience: 0.2},
			{Name: "Paolo Rossi", ID: "Q10", Salience: 0.1},
		}
		d.Entities.Organizations = []schema.Entity{{Name: "Civil Protection", ID: "Q2", Salience: 0.3}}
		d.Entities.Places = []schema.Place{{Entity: schema.Entity{Name: "Ferrandina", ID: "Q52076", Salience: 0.5}, Country: "IT"}}
		if i == 0 { // one outlet's reading
			d.Entities.Organizations = append(d.Entities.Organizations,
				schema.Entity{Name: "Marta Bellocchio", ID: "local:organization:marta-bellocchio", Salience: 0.2, Mentions: 1},
				schema.Entity{Name: "Bellocchio", ID: "local:organization:bellocchio", Salience: 0.1, Mentions: 1},
				schema.Entity{Name: "II", ID: "local:organization:ii", Salience: 0.1, Mentions: 1},
				schema.Entity{Name: "Paolo Rossi", ID: "Q20", Salience: 0.1},
			)
			d.Entities.Places = append(d.Entities.Places, schema.Place{Entity: schema.Entity{Name: "Rossi", ID: "local:place:rossi", Salience: 0.1}})
			d.Entities.Persons = append(d.Entities.Persons,
				schema.Entity{Name: "Mohamed Mursi", ID: "local:person:mohamed-mursi", Salience: 0.05},
				schema.Entity{Name: "Ahmed Hussein", ID: "local:person:ahmed-hussein", Salience: 0.05},
				schema.Entity{Name: "Bruno Kelly", ID: "local:person:bruno-kelly", Salience: 0.05},
			)
		}
		if i == 1 {
			d.Entities.Persons = append(d.Entities.Persons,
				schema.Entity{Name: "Mohammed Morsi", ID: "local:person:mohammed-morsi", Salience: 0.05},
				schema.Entity{Name: "Ahmed Hassan", ID: "local:person:ahmed-hassan", Salience: 0.05},
				schema.Entity{Name: "Brian Kelly", ID: "local:person:brian-kelly", Salience: 0.05},
			)
		}
		if i == 2 {
			d.Entities.Persons = append(d.Entities.Persons, schema.Entity{Name: "Mohamed Morsi", ID: "Q3", Salience: 0.1})
		}
		assign(t, s, FromDocument(d))
	}
	stories := s.TakeDirty()
	if len(stories) != 1 {
		t.Fatalf("%d stories, want the quake's one", len(stories))
	}
	st := stories[0]
	names := func(es []schema.Entity) map[string]schema.Entity {
		m := map[string]schema.Entity{}
		for _, e := range es {
			m[e.Name] = e
		}
		return m
	}
	persons, orgs := names(st.Persons), names(st.Organizations)
	n := float64(len(quake))
	if p, ok := persons["Marta Bellocchio"]; !ok || p.ID != "Q1" || p.Salience != round3((0.4*n+0.2+0.1)/n) || p.Mentions != 2 {
		t.Errorf("Marta Bellocchio = %+v; want the person Q1 with the organisation's and the surname's salience and mentions", p)
	}
	if p, ok := persons["John Paul II"]; !ok || p.Salience != round3((0.2*n+0.1)/n) {
		t.Errorf("John Paul II = %+v; want the 'II' joined to him", p)
	}
	if p, ok := persons["Mohamed Morsi"]; !ok || p.ID != "Q3" || p.Salience != round3(0.2/n) {
		t.Errorf("Mohamed Morsi = %+v; want Q3 with the salience of Mohammed Morsi and Mohamed Mursi", p)
	}
	for _, two := range []string{"Ahmed Hassan", "Ahmed Hussein", "Brian Kelly", "Bruno Kelly"} {
		if _, ok := persons[two]; !ok {
			t.Errorf("person %q not listed; want names that differ by more than their spelling kept apart", two)
		}
	}
	for _, gone := range []string{"Mohamed Mursi", "Mohammed Morsi"} {
		if _, ok := persons[gone]; ok {
			t.Errorf("person %q listed; want it joined to Mohamed Morsi", gone)
		}
	}
	for _, gone := range []string{"Marta Bellocchio", "Bellocchio", "II"} {
		if _, ok := orgs[gone]; ok {
			t.Errorf("organisation %q listed; want it joined to the person", gone)
		}
	}
	if orgs["Paolo Rossi"].ID != "Q20" || persons["Paolo Rossi"].ID != "Q10" {
		t.Errorf("Paolo Rossi: person %+v, organisation %+v; two knowledge-base ids must stay apart", persons["Paolo Rossi"], orgs["Paolo Rossi"])
	}
	var rossi bool
	for _, pl := range st.Places {
		rossi = rossi || pl.Name == "Rossi"
	}
	if !rossi {
		t.Errorf("places %+v; the place Rossi must stay a place", st.Places)
	}
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }
