// Chain with goroutines: a source, one goroutine per map and a summing sink,
// joined by buffered channels of 1024 int64 values; GOMAXPROCS = THREADS.
//
// Usage: chain MESSAGES THREADS STAGES (prints the line compare.sh reads).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
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
		fmt.Fprintln(os.Stderr, "usage: chain MESSAGES THREADS STAGES")
		os.Exit(2)
	}
	return v
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: chain MESSAGES THREADS STAGES")
		os.Exit(2)
	}
	n, threads, stages := arg(1), arg(2), arg(3)
	runtime.GOMAXPROCS(int(threads))
	wall0, cpu0 := time.Now(), cpuNs()

	src := make(chan uint64, 1024)
	go func() {
		for i := uint64(0); i < n; i++ {
			src <- i
		}
		close(src)
	}()
	in := src
	for s := uint64(0); s < stages; s++ {
		out := make(chan uint64, 1024)
		go func(in <-chan uint64, out chan<- uint64) {
			for x := range in {
				out <- x*31 + 7
			}
			close(out)
		}(in, out)
		in = out
	}
	var total uint64
	for x := range in {
		total += x
	}

	wall, cpu := time.Since(wall0).Nanoseconds(), cpuNs()-cpu0
	var want uint64
	for i := uint64(0); i < n; i++ {
		x := i
		for s := uint64(0); s < stages; s++ {
			x = x*31 + 7
		}
		want += x
	}
	if total != want {
		fmt.Fprintln(os.Stderr, "checksum mismatch")
		os.Exit(1)
	}
	fmt.Printf("ns_per_msg=%.3f cpu_ns_per_msg=%.3f checksum=%d\n",
		float64(wall)/float64(n), float64(cpu)/float64(n), total)
}
