#!/usr/bin/env bash
# Packs what bench/scaling.sh runs into one folder that works on a machine
# with none of our Debian packages (a many-core box to measure on):
#
#   bench/pack_for_device.sh OUTDIR
#   OUTDIR/scaling.sh OUTDIR          # on the other machine
#
# OUTDIR gets the `sluice` binary, the C++ peers (peer_calibrate,
# peer_fanout_parallel_for, peer_json_fused), the `sleep` plugin
# (bench_sleep.so), the Go peers (static: copied as they are), every shared
# library `ldd` lists for the ELF files in lib/ (plus oneTBB's allocator,
# which libtbb opens at run time and which scaling.sh can preload),
# ld-linux-x86-64.so.2, and scaling.sh with shapes.sh. The programs are then
# started as `OUTDIR/ld-linux-x86-64.so.2 --library-path OUTDIR/lib PROGRAM`,
# so the other machine's own libraries play no part.
#
# Builds what is missing first (release preset, BUILD_DIR as compare.sh);
# the Go peers need `go` (Debian: golang-go).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
dest=$(realpath -m "$1")
gobin=$build/bench/compare

if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  (cd "$root" && cmake --preset release >/dev/null)
fi
echo "building sluice and the peers in $build ..." >&2
cmake --build "$build" --target bench_peers sluice >/dev/null
mkdir -p "$gobin"
export GOCACHE=$gobin/gocache GOPATH=$gobin/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
(cd "$root/bench/peers" && go build -o "$gobin/go_json" ./json/go &&
  go build -o "$gobin/go_burst" ./burst/go)

rm -rf "$dest"
mkdir -p "$dest/lib"
elves=("$build/bin/sluice" "$build/bench/peers/peer_calibrate"
  "$build/bench/peers/peer_fanout_parallel_for" "$build/bench/peers/peer_json_fused"
  "$build/bench/peers/bench_sleep.so")
cp "${elves[@]}" "$gobin/go_json" "$gobin/go_burst" "$dest/"
cp "$root/bench/scaling.sh" "$root/bench/shapes.sh" "$dest/"

# `ldd` prints "name => /path (addr)" for a library and "/path (addr)" for
# the loader; everything it resolves is copied (following links), and the
# loader under the name scaling.sh starts.
libs=$(for f in "${elves[@]}"; do ldd "$f"; done | awk '
  $2 == "=>" && $3 ~ /^\// { print $3 }
  $1 ~ /^\// && $1 ~ /ld-linux/ { print "LOADER " $1 }' | sort -u)
loader=""
while read -r a b; do
  if [[ $a == LOADER ]]; then
    loader=$b
  else
    cp -L "$a" "$dest/lib/"
  fi
done <<<"$libs"
if [[ -z $loader ]]; then
  echo "ldd named no ld-linux loader" >&2
  exit 1
fi
cp -L "$loader" "$dest/ld-linux-x86-64.so.2"
# libtbb opens its allocator with dlopen (ldd does not list it); the proxy is
# what scaling.sh preloads with MALLOC=tbb.
tbb=$(awk '/libtbb\.so/ { print $3; exit }' < <(ldd "$build/bin/sluice"))
for extra in libtbbmalloc.so.2 libtbbmalloc_proxy.so.2; do
  if [[ -n $tbb && -e $(dirname "$tbb")/$extra ]]; then
    cp -L "$(dirname "$tbb")/$extra" "$dest/lib/"
  fi
done

echo "packed into $dest ($(du -sh "$dest" | cut -f1)):" >&2
ls "$dest" "$dest/lib" >&2
