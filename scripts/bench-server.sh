#!/usr/bin/env bash
# Count server throughput: `make bench-server`.
# Starts the count server (as `make server` would, logging one line per request to a file) on a free
# port and drives it with wrk: `wrk -t2 -c50 -d10s '/count?delay=0'`. DURATION=… shortens the run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "wrk is not installed: apt-get install -y wrk (or brew install wrk)" >&2
  exit 1
fi
DURATION=${DURATION:-10s}
cargo build -q --release -p count_server --bin count_server
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
target/release/count_server --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
out=$(wrk -t2 -c50 -d"$DURATION" "http://127.0.0.1:$port/count?delay=0")
echo "$out"
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
count=$(curl -s "http://127.0.0.1:$port/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
lines=$(grep -c 'request' "$log" || true)
python3 - "$rps" "$count" "$lines" <<'PY'
import sys
rps, count, lines = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f"\ncount server: {rps:,.0f} requests/s ({rps/17800:.1f}x the Python original's aiohttp server, 17.8k/s)")
print(f"counter = {count:,}; request log lines = {lines:,}")
PY
