//go:build !linux

package ner

// hugePageMemory returns nil: huge pages are asked for on Linux only.
func hugePageMemory(int) []byte { return nil }
