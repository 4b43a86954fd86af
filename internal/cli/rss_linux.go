package cli

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// peakRSS is the process's peak resident set in bytes, 0 if unknown. On
// Linux it is VmHWM from /proc/self/status: getrusage's maxrss also counts
// the parent's resident set at the moment it started this program (exec
// records the replaced address space's high-water mark, and Go forks with
// the parent's memory shared), so a newsflow started by a large process,
// such as the benchmark runner, reported that process's size.
func peakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return vmHWM(status)
}

// vmHWM reads the VmHWM line of a /proc/PID/status file, in bytes.
func vmHWM(status []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		kb, ok := bytes.CutSuffix(bytes.TrimSpace(rest), []byte(" kB"))
		if !ok {
			return 0
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(kb)), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}
