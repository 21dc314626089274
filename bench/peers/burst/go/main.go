// A burst to a slow call with a Go worker pool: MESSAGES sequence numbers
// queued on a channel, WORKERS goroutines each taking one and sleeping for
// its call's duration (time.Sleep), 1000 + (seq * 7919) % 9001 us, as
// bench/shapes.sh's burst_toml. GOMAXPROCS = THREADS.
//
// Usage: burst MESSAGES THREADS WORKERS (prints the line compare.sh reads;
// the checksum is the total of the durations in microseconds).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func cpuNs() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func arg(i int) uint64 {
	v, err := strconv.ParseUint(os.Args[i], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: burst MESSAGES THREADS WORKERS")
		os.Exit(2)
	}
	return v
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: burst MESSAGES THREADS WORKERS")
		os.Exit(2)
	}
	n, threads, workers := arg(1), arg(2), arg(3)
	runtime.GOMAXPROCS(int(threads))
	wall0, cpu0 := time.Now(), cpuNs()

	src := make(chan uint64, n)
	for seq := uint64(1); seq <= n; seq++ {
		src <- seq
	}
	close(src)
	totals := make([]uint64, workers)
	var wg sync.WaitGroup
	for w := range totals {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for seq := range src {
				micros := 1000 + seq*7919%9001
				time.Sleep(time.Duration(micros) * time.Microsecond)
				totals[w] += micros
			}
		}(w)
	}
	wg.Wait()

	wall, cpu := time.Since(wall0).Nanoseconds(), cpuNs()-cpu0
	var total uint64
	for _, t := range totals {
		total += t
	}
	fmt.Printf("ns_per_msg=%.3f cpu_ns_per_msg=%.3f checksum=%d\n",
		float64(wall)/float64(n), float64(cpu)/float64(n), total)
}
