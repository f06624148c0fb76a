#!/usr/bin/env bash
# Benchmarks, each beside a reference measured in the same run on the same machine:
#   defaults  wrk against GET /health with both servers on their default settings: nginx with
#             `worker_processes auto` and its access log, tradecluster as `start` runs it (an I/O
#             thread per core, access log on); nothing pinned.
#   pinned    wrk on one core and the servers on another (nginx with one worker, tradecluster with
#             one I/O thread, both access logs off): GET /health and a routed
#             GET /api/screener/status; then the routed path at half its peak rate for p99.
#
#   market    trades/s ingested through the real path beside a bare SQLite insert of the same
#             rows into the same table, and 1 M stored trades served as 1-minute bars beside the
#             same aggregation in SQL (bench/market_bench.cpp); trades/s from a fake Binance's
#             WebSocket through the real binary to its store, and the exchange-to-SSE-client
#             latency at 1000 trades/s (bench/stream_bench.cpp).
#
#   screener  the four-indicator screen over 5,000 instruments x 500 daily bars, with the series
#             in memory and loaded from the store, beside the same filter in SQL on the same
#             SQLite data (window functions, Wilder's RSI as a recursive CTE); both must select
#             the same symbols (bench/screener_bench.cpp).
#
#   algorunner  sma_crossover through the engine over 1 M bars and 10 M trade ticks, beside a
#             plain loop computing the same signals and fills (bench/algorunner_bench.cpp); and one
#             run through the API over 200,000 bars read from a CSV file.
#
#   postgres  trades/s written through the PostgreSQL store (COPY, a commit per batch) beside
#             `psql \copy` of the same rows into the same table in one transaction, on a
#             PostgreSQL started by the infra code; and the store's rate when half the rows are
#             stored already (bench/postgres_bench.cpp).
#
#   bus       request/reply through NatsBus beside raw nats.c request/reply between the same two
#             connections on a nats-server of its own, with 1 and 8 requester threads
#             (bench/bus_bench.cpp).
#
#   cluster   a call routed by a deployment to a replica in another process (a worker's
#             ReplicaHost) beside raw nats.c request/reply between the same two processes, with
#             1 and 8 callers (bench/cluster_bench.cpp).
#
#   failover  a head and two workers as processes: the time from a worker's SIGKILL (under load)
#             to its replica running elsewhere, with the requests that failed, and the time from
#             load crossing the autoscaling target to a new replica serving
#             (bench/failover_bench.cpp).
#
#   bash bench/run.sh [seconds per measurement, default 5] [rounds, default 3]
#                     [http|market|screener|algorunner|postgres|bus|cluster|failover|all]
#
# Each figure is the median of several rounds, and the rounds interleave nginx and tradecluster
# so that both see the same conditions.
set -euo pipefail

duration="${1:-5}"
rounds="${2:-3}"
only="${3:-all}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# nginx (the reference), wrk (the load) and curl, from Debian's packages when missing.
need=()
command -v nginx > /dev/null || need+=(nginx-light)
command -v wrk > /dev/null || need+=(wrk)
command -v curl > /dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target tradecluster market_bench stream_bench screener_bench \
  algorunner_bench postgres_bench bus_bench cluster_bench failover_bench > /dev/null

if [ "$only" = failover ] || [ "$only" = all ]; then
  ./build/bench/failover_bench "$rounds"
  [ "$only" = failover ] && exit 0
fi

if [ "$only" = cluster ] || [ "$only" = all ]; then
  ./build/bench/cluster_bench "$duration" "$rounds"
  [ "$only" = cluster ] && exit 0
fi

if [ "$only" = bus ] || [ "$only" = all ]; then
  ./build/bench/bus_bench "$duration" "$rounds"
  [ "$only" = bus ] && exit 0
fi

if [ "$only" = postgres ] || [ "$only" = all ]; then
  ./build/bench/postgres_bench 1000000 "$rounds"
  [ "$only" = postgres ] && exit 0
fi

if [ "$only" = screener ] || [ "$only" = all ]; then
  ./build/bench/screener_bench 5000 500 "$rounds"
  [ "$only" = screener ] && exit 0
fi

if [ "$only" = market ] || [ "$only" = all ]; then
  echo "market: median of $rounds rounds"
  ./build/bench/market_bench 1000000 "$rounds"
  ./build/bench/stream_bench 200000 2>/dev/null
  [ "$only" = market ] && exit 0
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback port nothing listens on.
free_port() {
  local p
  while true; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
  done
}
wait_http() { for _ in $(seq 1 200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no answer from $1" >&2; exit 1; }

if [ "$only" = algorunner ] || [ "$only" = all ]; then
  echo "algorunner: median of $rounds rounds"
  ./build/bench/algorunner_bench 1000000 10000000 "$rounds"
  # One run end to end through the API: 200,000 one-minute bars read from a CSV file, the
  # backtest, the result stored and answered (curl's total time, the request's own).
  mkdir -p "$work/run/data/import"
  awk 'BEGIN { print "time,open,high,low,close,volume"; p = 100; srand(3);
               for (i = 0; i < 200000; i++) { o = p; p = p * (1 + (rand() - 0.5) / 500);
                 h = (o > p ? o : p) + 0.01; l = (o < p ? o : p) - 0.01;
                 printf "%d,%.2f,%.2f,%.2f,%.2f,100\n", 1600000020 + i * 60, o, h, l, p } }' \
    > "$work/run/data/import/bars.csv"
  api_port=$(free_port)
  (cd "$work/run" && TC_SIMULATOR_INSTRUMENTS=13 TC_SIMULATOR_HISTORY_DAYS=30 \
     TC_ACCESS_LOG_LEVEL=off exec "$root/build/src/cli/tradecluster" start --port "$api_port" \
     --dashboard-port "$(free_port)" > "$work/run/out.log" 2>&1) &
  pids+=($!)
  wait_http "http://127.0.0.1:$api_port/health"
  body='{"algorithm":"sma_crossover","csv":"bars.csv","symbols":["BARS"],"interval":"1m",
         "parameters":{"fast_period":10,"slow_period":50},"wait":true}'
  for _ in $(seq 1 "$rounds"); do
    curl -s -o "$work/run/result.json" -w '%{time_total}\n' -H 'Content-Type: application/json' \
      -d "$body" "http://127.0.0.1:$api_port/api/algorunner/run"
  done | sort -n | awk -v n="$rounds" '{ t[NR] = $1 } END {
    printf "  one run through the API, 200,000 bars from CSV: %.0f ms (median of %d)\n",
           t[int((n + 1) / 2)] * 1000, n }'
  grep -q '"state":"succeeded"' "$work/run/result.json" || { echo "the API run failed:" >&2; head -c 400 "$work/run/result.json" >&2; exit 1; }
  [ "$only" = algorunner ] && exit 0
fi

# Both servers log each request, or neither: TC_BENCH_LOG_LEVEL=info turns both access logs on.
log_level="${TC_BENCH_LOG_LEVEL:-warn}"
nginx_access_log="access_log off;"
[ "$log_level" = warn ] || nginx_access_log="access_log $work/nginx-access.log;"

nginx_port=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  $nginx_access_log
  client_body_temp_path $work;
  proxy_temp_path $work;
  fastcgi_temp_path $work;
  uwsgi_temp_path $work;
  scgi_temp_path $work;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 'ok'; }
  }
}
CONF
# The load generator and the servers get a core each, so that they do not fight over the
# scheduler and rounds stay comparable (on one core, both servers run as they would on many).
server_cpu=$(( $(nproc) > 1 ? 1 : 0 ))
load_cpu=0
taskset -c "$server_cpu" nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
wait_http "http://127.0.0.1:$nginx_port/"

api_port=$(free_port)
control_port=$(free_port)
(cd "$work" && exec taskset -c "$server_cpu" "$root/build/src/cli/tradecluster" start --port "$api_port" \
   --dashboard-port "$control_port" --io-threads 1 --log-level "$log_level" > "$work/tradecluster.out" 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$api_port/health"

threads=2
connections=64

# rps URL: the requests per second wrk reaches.
rps() {
  taskset -c "$load_cpu" wrk -t"$threads" -c"$connections" -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'
}

# p99_at RATE URL: p99 latency in ms with wrk pacing its connections to reach about RATE in
# total: each connection waits 1 ms (wrk's delay() counts whole milliseconds) plus the response
# time between requests, so RATE needs about RATE * 0.0015 connections. Few connections keep
# wrk's timers from firing in large bursts.
p99_at() {
  local rate="$1" url="$2"
  local delay_ms=1 conns
  conns=$(awk -v r="$rate" 'BEGIN { c = int(r * 0.0015 + 0.5); print (c < 2 ? 2 : c) }')
  cat > "$work/pace.lua" <<LUA
function delay() return $delay_ms end
LUA
  taskset -c "$load_cpu" wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$work/pace.lua" "$url" > "$work/pace.out"
  local achieved p99
  achieved=$(awk '/Requests\/sec/ {print $2}' "$work/pace.out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$work/pace.out")
  echo "$achieved $p99"
}

# The defaults: a second pair of servers, unpinned, each as its package or `start` configures it.
defaults_nginx_port=$(free_port)
mkdir -p "$work/defaults"
cat > "$work/defaults/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/defaults/nginx.pid;
error_log $work/defaults/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/defaults/nginx-access.log;
  client_body_temp_path $work/defaults;
  proxy_temp_path $work/defaults;
  fastcgi_temp_path $work/defaults;
  uwsgi_temp_path $work/defaults;
  scgi_temp_path $work/defaults;
  server {
    listen 127.0.0.1:$defaults_nginx_port;
    location / { return 200 'ok'; }
  }
}
CONF
nginx -c "$work/defaults/nginx.conf" -p "$work/defaults" &
pids+=($!)
wait_http "http://127.0.0.1:$defaults_nginx_port/"
defaults_api_port=$(free_port)
defaults_control_port=$(free_port)
(cd "$work/defaults" && exec "$root/build/src/cli/tradecluster" start --port "$defaults_api_port" \
   --dashboard-port "$defaults_control_port" > "$work/defaults/tradecluster.out" 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$defaults_api_port/health"

echo "defaults: warming up..."
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$defaults_api_port/health" > /dev/null
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$defaults_nginx_port/" > /dev/null
: > "$work/defaults-nginx.rps"; : > "$work/defaults-health.rps"
unpinned_rps() {
  wrk -t"$threads" -c"$connections" -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'
}
for round in $(seq 1 "$rounds"); do
  echo "defaults: round $round of $rounds..."
  unpinned_rps "http://127.0.0.1:$defaults_nginx_port/" >> "$work/defaults-nginx.rps"
  unpinned_rps "http://127.0.0.1:$defaults_api_port/health" >> "$work/defaults-health.rps"
done

echo "pinned: warming up..."
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$api_port/api/screener/status" > /dev/null
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$nginx_port/" > /dev/null

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
: > "$work/nginx.rps"; : > "$work/health.rps"; : > "$work/routed.rps"
for round in $(seq 1 "$rounds"); do
  echo "pinned: round $round of $rounds..."
  rps "http://127.0.0.1:$nginx_port/" >> "$work/nginx.rps"
  rps "http://127.0.0.1:$api_port/health" >> "$work/health.rps"
  rps "http://127.0.0.1:$api_port/api/screener/status" >> "$work/routed.rps"
done
nginx_rps=$(median < "$work/nginx.rps")
health_rps=$(median < "$work/health.rps")
routed_rps=$(median < "$work/routed.rps")
half=$(awk -v r="$routed_rps" 'BEGIN {print r / 2}')
read -r paced_rps paced_p99 < <(p99_at "$half" "http://127.0.0.1:$api_port/api/screener/status")
read -r nginx_paced_rps nginx_paced_p99 < <(p99_at "$half" "http://127.0.0.1:$nginx_port/")

defaults_nginx_rps=$(median < "$work/defaults-nginx.rps")
defaults_health_rps=$(median < "$work/defaults-health.rps")
printf '\n%-44s %12s %14s %8s %8s\n' "defaults, median of $rounds (wrk -t$threads -c$connections ${duration}s)" "figure" "reference" "ratio" "target"
printf '%-44s %12.0f %14.0f %8.2f %8s\n' "GET /health requests/s (vs nginx auto)" "$defaults_health_rps" "$defaults_nginx_rps" \
  "$(awk -v a="$defaults_health_rps" -v b="$defaults_nginx_rps" 'BEGIN {print a/b}')" ">= 1.00"

printf '\n%-44s %12s %14s %8s %8s\n' "pinned, median of $rounds (wrk -t$threads -c$connections ${duration}s)" "figure" "reference" "ratio" "target"
printf '%-44s %12.0f %14.0f %8.2f %8s\n' "GET /health requests/s (vs nginx return 200)" "$health_rps" "$nginx_rps" \
  "$(awk -v a="$health_rps" -v b="$nginx_rps" 'BEGIN {print a/b}')" ">= 0.90"
printf '%-44s %12.0f %14.0f %8.2f %8s\n' "GET /api/screener/status req/s (vs nginx)" "$routed_rps" "$nginx_rps" \
  "$(awk -v a="$routed_rps" -v b="$nginx_rps" 'BEGIN {print a/b}')" ">= 0.70"
printf '%-44s %12s %14s %8.2f %8s\n' "routed p99 at half its peak, ms" "$paced_p99" "$nginx_paced_p99" \
  "$(awk -v a="$paced_p99" -v b="$nginx_paced_p99" 'BEGIN {print a/b}')" "< 2 ms"
printf '  (paced: tradecluster %.0f req/s, nginx %.0f req/s)\n' "$paced_rps" "$nginx_paced_rps"
