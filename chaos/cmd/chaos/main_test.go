package main

import (
	"strings"
	"testing"
)

func TestOnlyRefusesUnknownGroups(t *testing.T) {
	for _, only := range []string{"", "kill", "rolling, slowclient", strings.Join(groups, ",")} {
		if err := checkGroups(only); err != nil {
			t.Errorf("checkGroups(%q) = %v; want nil", only, err)
		}
	}
	for _, only := range []string{"slowclinet", "kill,", "kill,bogus"} {
		if err := checkGroups(only); err == nil {
			t.Errorf("checkGroups(%q) = nil; want an error naming the unknown group", only)
		}
	}
}
