package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
	"github.com/newsflow/newsflow/services/enrich/gumeval"
)

func main() {
	if len(os.Args) < 3 {
		if err := gumeval.Run(context.Background(), os.Args[1], os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	docs, _ := gumeval.Load(os.Args[1])
	e, _ := enrich.New(enrich.DefaultConfig(), nil)
	g, _ := gazetteer.Load()
	for _, d := range docs {
		out := e.Entities(d.Title, d.Body, "en")
		if os.Args[2] == d.ID {
			for _, o := range flat(out) {
				fmt.Println("OUT", o.kind, o.Name, o.ID, o.Mentions, o.Salience)
			}
		}
		for _, ge := range d.Entities {
			if !ge.Proper || (ge.Type != "person" && ge.Type != "place" && ge.Type != "organization") {
				continue
			}
			one := gumeval.Doc{Entities: []*gumeval.Entity{ge}}
			s := gumeval.Evaluate(one, out, g)
			if s.KBFound == 1 && s.KBCorrect == 0 {
				fmt.Printf("BADLINK %s %s %q %s\n", d.ID, ge.Type, ge.Mentions, ge.Identity)
			}
			if s.NILFound == 1 && s.NILCorrect == 0 {
				fmt.Printf("BADNIL %s %s %q %s\n", d.ID, ge.Type, ge.Mentions, ge.Identity)
			}
			if s.Found == 0 {
				other := ""
				for _, o := range flat(out) {
					if gumeval.Evaluate(one, schema.Entities{Persons: []schema.Entity{o.Entity}}, g).Supported > 0 {
						other = o.kind + ":" + o.Name
					}
				}
				fmt.Printf("MISS %s %s %q => %s\n", d.ID, ge.Type, ge.Mentions, other)
			}
		}
		for _, o := range flat(out) {
			s := gumeval.Evaluate(d, schema.Entities{Persons: []schema.Entity{o.Entity}}, g)
			if s.Supported == 0 {
				fmt.Printf("EXTRA %s %s %q %s\n", d.ID, o.kind, o.Name, o.ID)
			}
		}
	}
}

type fo struct {
	schema.Entity
	kind string
}

func flat(out schema.Entities) []fo {
	var r []fo
	for _, e := range out.Persons {
		r = append(r, fo{e, "PER"})
	}
	for _, e := range out.Organizations {
		r = append(r, fo{e, "ORG"})
	}
	for _, e := range out.Places {
		r = append(r, fo{e.Entity, "LOC"})
	}
	return r
}
