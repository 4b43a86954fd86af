package main

import (
	"reflect"
	"testing"
)

func TestPageTimesReadsBenchmarkLines(t *testing.T) {
	out := `goos: linux
BenchmarkPages/search/one_word-2           	      10	  33340591 ns/op	        20.51 cpu-ms/op
    bench_test.go:130: indexed 100000 documents
BenchmarkPages/article-2                   	      10	   5606344 ns/op	         1.187 cpu-ms/op
BenchmarkSearch/other-2                    	      10	   1000000 ns/op	         1.000 cpu-ms/op
PASS`
	want := []PageTime{{Page: "search/one word", Ms: 33.340591, CPUMs: 20.51}, {Page: "article", Ms: 5.606344, CPUMs: 1.187}}
	if got := pageTimes(out); !reflect.DeepEqual(got, want) {
		t.Fatalf("pageTimes = %+v, want %+v", got, want)
	}
}
