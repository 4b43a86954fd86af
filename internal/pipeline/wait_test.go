package pipeline

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/stage"
)

func TestLastInSinks(t *testing.T) {
	idle := func(name string) Lag { return Lag{Stage: name, Stream: "S_" + name} }
	upstream := []Lag{idle(stage.NameIngest), idle(stage.NameDedupe), idle(stage.NameEnrich), idle(stage.NameStories)}
	with := func(index, stories Lag, changed ...Lag) []Lag {
		lags := append([]Lag{}, upstream...)
		for _, c := range changed {
			for i := range lags {
				if lags[i].Stage == c.Stage {
					lags[i] = c
				}
			}
		}
		return append(lags, index, stories)
	}
	holding := Lag{Stage: stage.NameIndex, InFlight: 7}
	snapshots := Lag{Stage: stage.NameStoryIndex, InFlight: 2}
	cases := []struct {
		name                string
		lags                []Lag
		index, storiesIndex bool
	}{
		{"the search index holds the last documents", with(holding, idle(stage.NameStoryIndex)), true, false},
		{"the story index holds the last snapshots", with(idle(stage.NameIndex), snapshots), false, true},
		{"both hold their last messages", with(holding, snapshots), true, true},
		{"a stream no stage of this process reads has messages", append(with(holding, snapshots), Lag{Stream: "S_X", Pending: 3}), true, true},
		{"both indexes are idle too", with(idle(stage.NameIndex), idle(stage.NameStoryIndex)), false, false},
		{"the search index has undelivered messages", with(Lag{Stage: stage.NameIndex, InFlight: 7, Pending: 1}, snapshots), false, true},
		{"the story index has undelivered snapshots", with(holding, Lag{Stage: stage.NameStoryIndex, InFlight: 2, Pending: 1}), true, false},
		{"enrich still has messages in flight", with(holding, snapshots, Lag{Stage: stage.NameEnrich, InFlight: 1}), false, false},
		{"ingest still has pending messages", with(holding, snapshots, Lag{Stage: stage.NameIngest, Pending: 1}), false, false},
		{"the stories stage still has pending messages", with(holding, snapshots, Lag{Stage: stage.NameStories, Pending: 1}), false, false},
		{"no index in this process", upstream, false, false},
	}
	for _, c := range cases {
		index, stories := lastInSinks(c.lags)
		if index != c.index || stories != c.storiesIndex {
			t.Errorf("%s: lastInSinks = %v, %v; want %v, %v", c.name, index, stories, c.index, c.storiesIndex)
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

func TestBeforeIndexesIdle(t *testing.T) {
	lags := func(ls ...Lag) []Lag { return ls }
	cases := []struct {
		name string
		lags []Lag
		want bool
	}{
		{"only the indexes have work", lags(Lag{Stage: stage.NameIngest}, Lag{Stage: stage.NameStories}, Lag{Stage: stage.NameIndex, Pending: 3, InFlight: 200}, Lag{Stage: stage.NameStoryIndex, Pending: 5}), true},
		{"the stories stage has a message in flight", lags(Lag{Stage: stage.NameStories, InFlight: 1}, Lag{Stage: stage.NameIndex}), false},
		{"ingest has a pending message", lags(Lag{Stage: stage.NameIngest, Pending: 1}), false},
		{"a stream no stage of this process reads has messages", lags(Lag{Stream: "S_X", Pending: 5}, Lag{Stage: stage.NameIndex, InFlight: 1}), true},
		{"nothing anywhere", nil, true},
	}
	for _, c := range cases {
		if got := beforeIndexesIdle(c.lags); got != c.want {
			t.Errorf("%s: beforeIndexesIdle = %v; want %v", c.name, got, c.want)
		}
	}
}
