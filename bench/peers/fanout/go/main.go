// Fan-out with goroutines: a source, 4 worker goroutines reading one
// channel, all writing one merge channel read by a summing sink; channels
// buffered to 1024; GOMAXPROCS = THREADS. The work is the same spin loop as
// bench/spin.hpp, SPIN iterations per message.
//
// Usage: fanout MESSAGES THREADS SPIN (prints the line compare.sh reads).
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
		fmt.Fprintln(os.Stderr, "usage: fanout MESSAGES THREADS SPIN")
		os.Exit(2)
	}
	return v
}

func spin(x, iterations uint64) uint64 {
	for i := uint64(0); i < iterations; i++ {
		x ^= x >> 29
		x = x*0xbf58476d1ce4e5b9 + 7
	}
	return x
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: fanout MESSAGES THREADS SPIN")
		os.Exit(2)
	}
	n, threads, k := arg(1), arg(2), arg(3)
	runtime.GOMAXPROCS(int(threads))
	wall0, cpu0 := time.Now(), cpuNs()

	src := make(chan uint64, 1024)
	merged := make(chan uint64, 1024)
	go func() {
		for i := uint64(0); i < n; i++ {
			src <- i
		}
		close(src)
	}()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range src {
				merged <- spin(x, k)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(merged)
	}()
	var total uint64
	for x := range merged {
		total += x
	}

	wall, cpu := time.Since(wall0).Nanoseconds(), cpuNs()-cpu0
	fmt.Printf("ns_per_msg=%.3f cpu_ns_per_msg=%.3f checksum=%d\n",
		float64(wall)/float64(n), float64(cpu)/float64(n), total)
}
