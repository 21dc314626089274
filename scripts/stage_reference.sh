#!/usr/bin/env bash
# Prints the stage reference (docs/stages.md) from the schemas `sluice list`
# shows, so the two never disagree; a test compares the file with this.
#
#   scripts/stage_reference.sh build/release/bin/sluice > docs/stages.md
set -euo pipefail
bin=${1:-build/release/bin/sluice}

echo "# Stage reference"
echo
echo "Generated from the stage types' own schemas by \`scripts/stage_reference.sh\`"
echo "(what \`sluice list TYPE\` prints); \`sluice list --plugin PATH\` shows a"
echo "plugin's types the same way."
echo
echo '```text'
"$bin" list | sed '/^$/,$d'
echo '```'
# The type names: the first column of the table, up to its blank line.
for type in $("$bin" list | sed '1d;/^$/,$d' | awk '{print $1}' | uniq); do
  echo
  echo "## $type"
  echo
  echo '```text'
  # Both roles of a name (file, nats), without the keys every stage takes.
  # awk reads to the end: exiting early would kill `sluice list` with SIGPIPE
  # when its output is more than a pipe buffer, and pipefail fail the script.
  "$bin" list "$type" | awk '/^Every stage also accepts:/ { done = 1 } !done { lines[n++] = $0 }
    END { while (n > 0 && lines[n - 1] == "") n--; for (i = 0; i < n; i++) print lines[i] }'
  echo '```'
done
echo
echo "## Keys of every stage"
echo
echo '```text'
"$bin" list count | sed -n '/^Every stage also accepts:/,$p'
echo '```'
echo
echo "## [pipeline]"
echo
echo '```text'
"$bin" list | sed -n '/^\[pipeline\] accepts:/,$p'
echo '```'
