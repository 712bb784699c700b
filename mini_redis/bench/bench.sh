#!/usr/bin/env bash
# mini_redis against redis-server under redis-benchmark: requests per second side by side, the
# ratio, and each server's peak memory (VmHWM), per client mode.
#
#   make bench-redis                  (the Makefile builds target/debug/mini_redis first)
#   N=20000 ROUNDS=1 bash mini_redis/bench/bench.sh         a quick run
#
# Settings (environment):
#   N        requests per test (default 200000)
#   ROUNDS   alternating runs per mode and server; the best of them is shown (default 2)
#   TESTS    redis-benchmark tests (default set,get)
#   MODES    client modes, separated by ';' (default "-c 50;-c 50 -P 16;-c 1;-c 500;-c 5000")
#   ONE_THREAD=0   skip the `mini_redis --threads 1` column
#
# Two mini_redis columns: its default (one runtime worker per core) and `--threads 1`, which is
# what redis-server has. Every run starts a fresh server, so its peak memory is that mode's.
# redis-server, when installed, runs on another port with persistence off. This script builds
# nothing, and cleans up the processes it started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MINI="$ROOT/target/debug/mini_redis"
N="${N:-200000}"
ROUNDS="${ROUNDS:-2}"
TESTS="${TESTS:-set,get}"
MODES="${MODES:--c 50;-c 50 -P 16;-c 1;-c 500;-c 5000}"

die() { echo "bench: $*" >&2; exit 1; }
[[ -x "$MINI" ]] || die "$MINI not found: build it first (make build, or cargo build -p mini_redis)"
command -v redis-benchmark >/dev/null || die "redis-benchmark not found: apt-get install redis-tools"
REDIS_SERVER="$(command -v redis-server || true)"

servers=(mini_redis)
[[ "${ONE_THREAD:-1}" != 0 ]] && servers+=(mini_redis-1t)
[[ -n "$REDIS_SERVER" ]] && servers+=(redis-server)

# -c 5000 needs 5000 sockets in the benchmark and in each server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= 5200 )) || echo "bench: warning: ulimit -n is $(ulimit -n); -c 5000 may fail" >&2

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on, below the range the kernel hands out to client sockets (bash's
# /dev/tcp connects, or fails if the port is free).
free_port() {
    local port
    for port in $(shuf -i 20000-32000 -n 100); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    die "no free port found"
}

wait_for_port() {
    local port=$1 tries=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        if (( ++tries >= 100 )); then
            tail -n 5 "$WORK"/*.log >&2 || true
            die "server on port $port did not start"
        fi
        sleep 0.05
    done
}

# start_server NAME PORT: a fresh server in the background; sets SERVER_PID.
start_server() {
    local name=$1 port=$2
    case "$name" in
        mini_redis) "$MINI" --port "$port" 2>>"$WORK/mini_redis.log" >/dev/null & ;;
        mini_redis-1t) "$MINI" --port "$port" --threads 1 2>>"$WORK/mini_redis.log" >/dev/null & ;;
        redis-server) "$REDIS_SERVER" --port "$port" --save '' --appendonly no \
                          --maxclients 10000 >>"$WORK/redis-server.log" 2>&1 & ;;
    esac
    SERVER_PID=$!
    wait_for_port "$port"
}

# stop_server NAME: SIGTERM, then wait; mini_redis must shut down cleanly (exit 0).
stop_server() {
    local name=$1 status=0
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || status=$?
    SERVER_PID=""
    if [[ "$name" == mini_redis* && $status -ne 0 ]]; then die "$name exited with $status"; fi
}

# run_once NAME MODE: one benchmark run against a fresh server. Prints "peak KiB", then one
# "TEST requests/s" line per test.
run_once() {
    local name=$1 mode=$2 port out
    port=$(free_port)
    start_server "$name" "$port"
    # shellcheck disable=SC2086  # MODE is a list of flags
    if ! out=$(redis-benchmark -p "$port" -t "$TESTS" -n "$N" $mode --csv 2>&1) \
        || grep -qiE 'error|ERR ' <<<"$out"; then
        stop_server "$name"
        die "redis-benchmark $mode against $name failed: $out"
    fi
    echo "peak $(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")"
    stop_server "$name"
    # "SET","75757.57",...  ->  SET 75757.57
    tail -n +2 <<<"$out" | tr -d '"' | awk -F, '{ print $1, $2 }'
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "mini_redis benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores: ${cpu:-unknown CPU}"
echo "redis-benchmark -t $TESTS -n $N, best of $ROUNDS alternating runs, a fresh server each run"
if [[ -n "$REDIS_SERVER" ]]; then
    echo "redis-server: $("$REDIS_SERVER" --version | awk '{ print $3 }' | tr -d 'v=')"
else
    echo "redis-server not installed: mini_redis only"
fi

declare -A best peak
IFS=';' read -r -a modes <<<"$MODES"
for mode in "${modes[@]}"; do
    for (( round = 1; round <= ROUNDS; round++ )); do
        for server in "${servers[@]}"; do
            echo "  $server $mode (run $round/$ROUNDS)" >&2
            run_once "$server" "$mode" >"$WORK/run.txt"
            while read -r test value; do
                if [[ "$test" == peak ]]; then
                    key="$mode|$server"
                    (( value > ${peak[$key]:-0} )) && peak[$key]=$value
                else
                    key="$mode|$test|$server"
                    if awk -v a="$value" -v b="${best[$key]:-0}" 'BEGIN { exit !(a > b) }'; then
                        best[$key]=$value
                    fi
                fi
            done <"$WORK/run.txt"
        done
    done
done

# Table: requests/s for each server, the ratio of each mini_redis column to redis-server, and
# peak memory (MiB).
rps() { awk -v r="${best[$1]:-0}" 'BEGIN { if (r > 0) printf "%.0f", r; else print "-" }'; }
ratio() {
    awk -v a="${best[$1]:-0}" -v b="${best[$2]:-0}" \
        'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'
}
mib() { awk -v k="${peak[$1]:-0}" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else print "-" }'; }

echo
printf '%-12s %-4s | %9s | %9s %5s | %9s %5s | %-17s\n' \
    "" "" "redis" "mini" "" "mini -t1" "" "peak MiB"
printf '%-12s %-4s | %9s | %9s %5s | %9s %5s | %5s %5s %5s\n' \
    mode test "req/s" "req/s" ratio "req/s" ratio redis mini "-t1"
IFS=',' read -r -a tests <<<"${TESTS^^}"
for mode in "${modes[@]}"; do
    for test in "${tests[@]}"; do
        k="$mode|$test"
        printf '%-12s %-4s | %9s | %9s %5s | %9s %5s | %5s %5s %5s\n' "$mode" "$test" \
            "$(rps "$k|redis-server")" \
            "$(rps "$k|mini_redis")" "$(ratio "$k|mini_redis" "$k|redis-server")" \
            "$(rps "$k|mini_redis-1t")" "$(ratio "$k|mini_redis-1t" "$k|redis-server")" \
            "$(mib "$mode|redis-server")" "$(mib "$mode|mini_redis")" "$(mib "$mode|mini_redis-1t")"
    done
done
echo
echo "mini = mini_redis with its defaults (one worker thread per core); -t1 = --threads 1,"
echo "one thread like redis-server. ratio = mini_redis req/s / redis-server req/s."
