#!/usr/bin/env bash
# Builds what a `make` target is about to run, so that a first run never shows a silent screen:
# cargo's own lines ("Compiling tokio v1.54.1", "Blocking waiting for file lock") show while there
# is something to compile; once everything is built it prints nothing (its "Finished" line is
# dropped), and the target's `cargo run -q` starts the program at once.
# Usage: scripts/build-quietly.sh -p part_01 [other cargo build flags]
set -o pipefail
color=never
if [ -t 2 ]; then color=always; fi
echo_finished=$'^\\(\e\\[[0-9;]*m\\)* *Finished '
"${CARGO:-cargo}" build --color "$color" "$@" 2>&1 | sed -u -e "/${echo_finished}/d" >&2
