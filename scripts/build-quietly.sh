#!/usr/bin/env bash
# Builds what a `make` target is about to run, so that a first run never shows a silent screen:
# cargo's own lines ("Compiling tokio v1.54.1", "Blocking waiting for file lock") show while there
# is something to compile; once everything is built it prints nothing (its "Finished" line is
# dropped), and the target's `cargo run -q` starts the program at once. When the build fails (a
# lesson edited for a "Try it"), its first error is shown again under a few lines that explain it
# for a Python developer, when it is one of the common async errors (workshop/src/explain.rs).
# Usage: scripts/build-quietly.sh -p part_01 [other cargo build flags]
set -o pipefail
cargo="${CARGO:-cargo}"
color=never
if [ -t 2 ]; then color=always; fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
finished=$'^\\(\e\\[[0-9;]*m\\)* *Finished '
"$cargo" build --color "$color" "$@" 2>&1 | tee "$log" | sed -u -e "/${finished}/d" >&2
status=$?
if [ "$status" -eq 0 ]; then
  exit 0
fi
if grep -q '^error' "$log" && "$cargo" build -q -p workshop --bin explain 2>/dev/null; then
  explained="$("$cargo" run -q -p workshop --bin explain < "$log")"
  if [[ "$explained" == "── What this means ──"* ]]; then
    printf '\n%s\n' "$explained" >&2
  fi
fi
exit "$status"
