// The JSON pipeline with goroutines: a source goroutine sends sequence
// numbers on a channel (buffered to 1024) to THREADS workers; each builds
// the document (encoding/json Marshal of a struct), reads it back
// (Unmarshal), filters it and counts it by user in its own map; the maps
// are merged at the end. GOMAXPROCS = THREADS. The document, filter and
// checksum are those of bench/shapes.sh (json_toml, json_checksum) and
// bench/peers/json/json_shape.hpp.
//
// Usage: json MESSAGES THREADS 0 (prints the line compare.sh reads).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

var levels = [...]string{"debug", "info", "info", "info", "warn", "warn", "error"}

type meta struct {
	Seq    uint64 `json:"seq"`
	Region string `json:"region"`
}

type document struct {
	User   string `json:"user"`
	Level  string `json:"level"`
	Amount int64  `json:"amount"`
	Meta   meta   `json:"meta"`
}

func cpuNs() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func arg(i int) uint64 {
	v, err := strconv.ParseUint(os.Args[i], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: json MESSAGES THREADS 0")
		os.Exit(2)
	}
	return v
}

func worker(src <-chan uint64) map[string]uint64 {
	counts := make(map[string]uint64)
	for seq := range src {
		out := document{
			User:   "u" + strconv.FormatUint(seq%1000, 10),
			Level:  levels[seq%7],
			Amount: int64(seq * 7919 % 1009),
			Meta:   meta{Seq: seq, Region: "r" + strconv.FormatUint(seq%4, 10)},
		}
		text, err := json.Marshal(&out)
		if err != nil {
			panic(err)
		}
		var in document
		if err := json.Unmarshal(text, &in); err != nil {
			panic(err)
		}
		if in.Level == "error" || in.Amount > 500 {
			counts[in.User]++
		}
	}
	return counts
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: json MESSAGES THREADS 0")
		os.Exit(2)
	}
	n, threads := arg(1), arg(2)
	runtime.GOMAXPROCS(int(threads))
	wall0, cpu0 := time.Now(), cpuNs()

	src := make(chan uint64, 1024)
	go func() {
		for seq := uint64(1); seq <= n; seq++ {
			src <- seq
		}
		close(src)
	}()
	partial := make([]map[string]uint64, threads)
	var wg sync.WaitGroup
	for w := range partial {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			partial[w] = worker(src)
		}(w)
	}
	wg.Wait()
	counts := make(map[string]uint64)
	for _, p := range partial {
		for user, c := range p {
			counts[user] += c
		}
	}

	wall, cpu := time.Since(wall0).Nanoseconds(), cpuNs()-cpu0
	users := make([]string, 0, len(counts))
	for user := range counts {
		users = append(users, user)
	}
	sort.Strings(users)
	var counted, weighted uint64
	for i, user := range users {
		counted += counts[user]
		weighted += uint64(i+1) * counts[user]
	}
	fmt.Printf("ns_per_msg=%.3f cpu_ns_per_msg=%.3f checksum=%d/%d/%d\n",
		float64(wall)/float64(n), float64(cpu)/float64(n), counted, len(users), weighted)
}
