#!/usr/bin/env bash
# Runs a `make` target's program as a job of its own in the terminal's foreground, so that Ctrl-C
# reaches the program alone: it stops the way it chooses (part 10 drains its queue, the runner
# says goodbye), and make, which never sees the signal, prints no "*** Interrupt" line. Ctrl-C is
# how a workshop program is stopped, so ending by it counts as success. Without a terminal (CI, a
# pipe) the program simply runs.
# Usage: scripts/foreground.sh cargo run -q -p part_10 -- --seconds 5
if [ ! -t 0 ]; then
  exec "$@"
fi
set -m
# A handler, not an ignore: the program still gets Ctrl-C's default action, and this shell, seeing
# its job end by Ctrl-C, carries on instead of ending itself by the same signal.
trap ':' INT
"$@" &
job=$!
fg %1 >/dev/null || wait "$job"
status=$?
if [ "$status" -eq 130 ]; then
  status=0
fi
exit "$status"
