#!/usr/bin/env bash
# mini_redis against redis-server under redis-benchmark, per client mode: requests per second side
# by side with the ratio, then each server's CPU time per request and peak memory (VmHWM), and how
# busy redis-benchmark itself was.
#
#   make bench-redis                  (the Makefile builds target/release/mini_redis first)
#   N=20000 ROUNDS=1 bash mini_redis/bench/bench.sh         a quick run
#
# Settings (environment):
#   N        requests per test (default 200000)
#   ROUNDS   alternating runs per mode and server; the median of them is shown (default 3)
#   TESTS    redis-benchmark tests (default set,get)
#   MODES    client modes, separated by ';' (default "-c 50;-c 50 -P 16;-c 1;-c 500;-c 5000")
#   MINI     the mini_redis binary (default target/release/mini_redis)
#   RAW      a file to keep every run's figures in (MODE|WHAT|SERVER, tab, value)
#   ALL_CORES=0    skip the `mini_redis --threads <cores>` column
#   BEFORE   another mini_redis binary (an older build, say): its column replaces the
#            `--threads <cores>` one, so a change is measured against its past in the same run
#
# Two mini_redis columns: its default (one runtime worker per core but one) and one worker on
# every core (tokio's own default), to show what the extra worker costs or gains. Every run starts
# a fresh server, so its peak memory is that mode's. redis-server, when installed, runs on another
# port with persistence off. This script builds nothing, and cleans up the processes it started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MINI="${MINI:-$ROOT/target/release/mini_redis}"
N="${N:-200000}"
ROUNDS="${ROUNDS:-3}"
TESTS="${TESTS:-set,get}"
MODES="${MODES:--c 50;-c 50 -P 16;-c 1;-c 500;-c 5000}"

die() { echo "bench: $*" >&2; exit 1; }
[[ -x "$MINI" ]] || die "$MINI not found: build it first (cargo build --release -p mini_redis)"
command -v redis-benchmark >/dev/null || die "redis-benchmark not found: apt-get install redis-tools"
REDIS_SERVER="$(command -v redis-server || true)"

CORES=$(nproc)
servers=(mini_redis)
# The second mini_redis column: an older binary when BEFORE is set, else every core as workers.
second=""
if [[ -n "${BEFORE:-}" ]]; then
    [[ -x "$BEFORE" ]] || die "BEFORE=$BEFORE is not an executable"
    second=mini_redis-before; second_label="before"
elif [[ "${ALL_CORES:-1}" != 0 && $CORES -gt 1 ]]; then
    second=mini_redis-all; second_label="-t$CORES"
fi
[[ -n "$second" ]] && servers+=("$second")
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
        mini_redis-all) "$MINI" --port "$port" --threads "$CORES" 2>>"$WORK/mini_redis.log" >/dev/null & ;;
        mini_redis-before) "$BEFORE" --port "$port" 2>>"$WORK/mini_redis.log" >/dev/null & ;;
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

# run_once NAME MODE: one benchmark run against a fresh server. Prints "TEST requests/s" for
# each test, then "peak KiB" (the server's VmHWM), "cpu µs" (server CPU time per request) and
# "client %" (redis-benchmark's CPU use: near 100, it is the bottleneck, not the server).
run_once() {
    local name=$1 mode=$2 port out ticks TIMEFORMAT='%U %S %R'
    port=$(free_port)
    start_server "$name" "$port"
    # shellcheck disable=SC2086  # MODE is a list of flags
    if ! { time redis-benchmark -p "$port" -t "$TESTS" -n "$N" $mode --csv \
               >"$WORK/out.csv" 2>&1; } 2>"$WORK/time.txt" \
        || grep -qiE 'error|ERR ' "$WORK/out.csv"; then
        stop_server "$name"
        die "redis-benchmark $mode against $name failed: $(cat "$WORK/out.csv")"
    fi
    # "SET","75757.57",...  ->  SET 75757.57
    tail -n +2 "$WORK/out.csv" | tr -d '"' | awk -F, '{ print $1, $2 }'
    echo "peak $(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")"
    # utime + stime of the server so far, in clock ticks.
    ticks=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")
    awk -v t="$ticks" -v hz="$HZ" -v n="$(( N * ${#tests[@]} ))" \
        'BEGIN { printf "cpu %.2f\n", t / hz / n * 1e6 }'
    awk '{ printf "client %.0f\n", ($1 + $2) / $3 * 100 }' "$WORK/time.txt"
    stop_server "$name"
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "mini_redis benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores: ${cpu:-unknown CPU}"
echo "redis-benchmark -t $TESTS -n $N, median of $ROUNDS alternating runs, a fresh server each run"
if [[ -n "$REDIS_SERVER" ]]; then
    echo "redis-server: $("$REDIS_SERVER" --version | awk '{ print $3 }' | tr -d 'v=')"
else
    echo "redis-server not installed: mini_redis only"
fi

# Every run's figures go to results.txt as "MODE|WHAT|SERVER<tab>VALUE" lines, WHAT being a test
# (requests/s), peak, cpu or client (MODE has spaces, hence the tab).
RESULTS="$WORK/results.txt"
: >"$RESULTS"
IFS=';' read -r -a modes <<<"$MODES"
IFS=',' read -r -a tests <<<"${TESTS^^}"
HZ=$(getconf CLK_TCK)
for mode in "${modes[@]}"; do
    for (( round = 1; round <= ROUNDS; round++ )); do
        for server in "${servers[@]}"; do
            echo "  $server $mode (run $round/$ROUNDS)" >&2
            run_once "$server" "$mode" >"$WORK/run.txt"
            while read -r what value; do
                printf '%s|%s|%s\t%s\n' "$mode" "$what" "$server" "$value"
            done <"$WORK/run.txt" >>"$RESULTS"
        done
    done
done

if [[ -n "${RAW:-}" ]]; then cp "$RESULTS" "$RAW"; fi

# figures KEY: every run's figure for KEY, smallest first.
figures() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$RESULTS" | sort -g; }
# The median of the runs, not the best, so that one lucky run cannot decide a ratio (the mean of
# the middle two for an even count); peak memory is the highest of the runs.
median() {
    figures "$1" | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
declare -A figure
while IFS=$'\t' read -r key _; do
    [[ -z "${figure[$key]:-}" ]] || continue
    if [[ "$key" == *"|peak|"* ]]; then
        figure[$key]=$(figures "$key" | tail -n 1)
    else
        figure[$key]=$(median "$key")
    fi
done <"$RESULTS"

# Two tables: requests/s with each mini_redis column's ratio to redis-server; then per mode the
# servers' CPU time per request, their peak memory, and how busy redis-benchmark was.
num() { awk -v v="${figure[$1]:-0}" -v f="$2" 'BEGIN { if (v > 0) printf f, v; else print "-" }'; }
ratio() {
    awk -v a="${figure[$1]:-0}" -v b="${figure[$2]:-0}" \
        'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'
}
mib() { awk -v k="${figure[$1]:-0}" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else print "-" }'; }

echo
printf '%-12s %-4s | %9s | %9s %5s | %9s %5s\n' "" "" redis mini "" "mini ${second_label:-}" ""
printf '%-12s %-4s | %9s | %9s %5s | %9s %5s\n' mode test req/s req/s ratio req/s ratio
for mode in "${modes[@]}"; do
    for test in "${tests[@]}"; do
        k="$mode|$test"
        printf '%-12s %-4s | %9s | %9s %5s | %9s %5s\n' "$mode" "$test" \
            "$(num "$k|redis-server" %.0f)" \
            "$(num "$k|mini_redis" %.0f)" "$(ratio "$k|mini_redis" "$k|redis-server")" \
            "$(num "$k|$second" %.0f)" "$(ratio "$k|$second" "$k|redis-server")"
    done
done
echo
printf '%-12s | %-17s | %-17s | %-17s\n' "" "server CPU µs/req" "peak MiB" "redis-benchmark %CPU"
printf '%-12s | %5s %5s %5s | %5s %5s %5s | %5s %5s %5s\n' mode \
    redis mini "${second_label:-}" redis mini "${second_label:-}" redis mini "${second_label:-}"
for mode in "${modes[@]}"; do
    row=("$mode")
    for what in cpu peak client; do
        for server in redis-server mini_redis "${second:-none}"; do
            case $what in
                cpu) row+=("$(num "$mode|cpu|$server" %.2f)") ;;
                peak) row+=("$(mib "$mode|peak|$server")") ;;
                client) row+=("$(num "$mode|client|$server" %.0f)") ;;
            esac
        done
    done
    printf '%-12s | %5s %5s %5s | %5s %5s %5s | %5s %5s %5s\n' "${row[@]}"
done
echo
echo "mini = mini_redis with its defaults (one worker thread per core but one); ${second_label:-} ="
if [[ "$second" == mini_redis-before ]]; then
    echo "$BEFORE, with its defaults. ratio = mini_redis req/s / redis-server req/s."
else
    echo "--threads $CORES, a worker on every core. ratio = mini_redis req/s / redis-server req/s."
fi
echo "Server CPU = user + system time over the run (both tests) per request. redis-benchmark is"
echo "one thread: near 100% CPU it is the bottleneck, and req/s measures it more than the server."
