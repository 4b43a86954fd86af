package pipeline

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/stage"
)

func TestOnlySinkBusy(t *testing.T) {
	idle := func(name string) Lag { return Lag{Stage: name, Stream: "S_" + name} }
	upstream := []Lag{idle(stage.NameIngest), idle(stage.NameDedupe), idle(stage.NameEnrich), idle(stage.NameStories), idle(stage.NameStoryIndex)}
	with := func(sink Lag, changed ...Lag) []Lag {
		lags := append([]Lag{}, upstream...)
		for _, c := range changed {
			for i := range lags {
				if lags[i].Stage == c.Stage {
					lags[i] = c
				}
			}
		}
		return append(lags, sink)
	}
	holding := Lag{Stage: stage.NameIndex, InFlight: 7}
	cases := []struct {
		name string
		lags []Lag
		want bool
	}{
		{"the sink holds the last documents", with(holding), true},
		{"a stream no stage of this process reads has messages", append(with(holding), Lag{Stream: "S_X", Pending: 3}), true},
		{"the sink is idle too", with(idle(stage.NameIndex)), false},
		{"the sink has undelivered messages", with(Lag{Stage: stage.NameIndex, InFlight: 7, Pending: 1}), false},
		{"enrich still has messages in flight", with(holding, Lag{Stage: stage.NameEnrich, InFlight: 1}), false},
		{"ingest still has pending messages", with(holding, Lag{Stage: stage.NameIngest, Pending: 1}), false},
		{"the story index is still busy", with(holding, Lag{Stage: stage.NameStoryIndex, InFlight: 2}), false},
		{"no sink in this process", upstream, false},
	}
	for _, c := range cases {
		if got := onlySinkBusy(c.lags); got != c.want {
			t.Errorf("%s: onlySinkBusy = %v; want %v", c.name, got, c.want)
		}
	}
}

func TestBehind(t *testing.T) {
	lags := func(ls ...Lag) []Lag { return ls }
	cases := []struct {
		name string
		lags []Lag
		want bool
	}{
		{"enrich has a full batch pending", lags(Lag{Stage: stage.NameEnrich, Pending: 256}, Lag{Stage: stage.NameIndex}), true},
		{"pending and in flight across stages add up", lags(Lag{Stage: stage.NameIngest, Pending: 100}, Lag{Stage: stage.NameDedupe, InFlight: 56}, Lag{Stage: stage.NameStories, Pending: 100}), true},
		{"less than a batch upstream", lags(Lag{Stage: stage.NameEnrich, Pending: 200, InFlight: 55}), false},
		{"the indexes' own backlog does not count", lags(Lag{Stage: stage.NameIndex, Pending: 1000, InFlight: 256}, Lag{Stage: stage.NameStoryIndex, Pending: 500}), false},
		{"a stream no stage reads does not count", lags(Lag{Stream: "S_X", Pending: 5000}), false},
		{"nothing anywhere", nil, false},
	}
	for _, c := range cases {
		if got := behind(c.lags, 256); got != c.want {
			t.Errorf("%s: behind = %v; want %v", c.name, got, c.want)
		}
	}
}
