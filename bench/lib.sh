# bench/lib.sh: what bench/run and bench/compare share: installing,
# building, starting and stopping the servers, running the load generator.
# Sourced, not run. The caller sets its options (out, build_dir, jobcast,
# loadgen, jobcast_flags, loadgen_threads, ...) and calls setup_output
# before starting servers.
# shellcheck shell=bash disable=SC2154

has() { [[ " $1 " == *" $2 "* ]]; }
say() { printf '%s\n' "$*" >&2; }
note() { say "NOTE: $*"; printf -- '- %s\n' "$*" >>"$notes"; }

# Installs what is missing: .ci/install-deps, then the Debian packages given.
install_deps() { # $@: packages
  if [ -x "$repo/.ci/install-deps" ]; then
    "$repo/.ci/install-deps" || { say "bench: .ci/install-deps failed"; return 1; }
  fi
  local missing=() pkg sudo=""
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  say "installing: ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" || { say "apt-get install failed"; return 1; }
}

# Builds this tree's targets into $build_dir.
build_bench() { # $@: targets
  say "building into $build_dir"
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBUILD_TESTING=OFF >/dev/null || return 1
  cmake --build "$build_dir" -j"$(nproc)" --target "$@" \
        >"$build_dir/bench-build.log" 2>&1 \
    || { tail -30 "$build_dir/bench-build.log" >&2; return 1; }
}

# $out/results.jsonl, notes.txt and logs/; the open-file limit; the trap
# that stops a server left running.
setup_output() {
  mkdir -p "$out/logs"
  results="$out/results.jsonl"
  notes="$out/notes.txt"
  : >"$results"
  : >"$notes"
  # Let this shell and its children open as many files as allowed.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  nofile=$(ulimit -n)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

# -- servers ---------------------------------------------------------------
server_pid=""   # the process we signal
server_pids=""  # the processes we measure (comma-separated)
port=""
nginx_dir=""
nchan_buffer=208 # messages nchan keeps per channel (nginx-nchan.conf.in)
nchan_ping=0     # nchan's SSE/WebSocket heartbeat, seconds (0: none)
scenario_flags="" # extra jobcast flags of one scenario
run_name=""       # names a run's logs and its JSON "server" (default: the server)

start_jobcast() { # $1: label; runs $jobcast
  local log="$out/logs/$1.${run_name:-jobcast}.log"
  # shellcheck disable=SC2086
  "$jobcast" --http.port=0 $jobcast_flags $scenario_flags >"$log" 2>&1 &
  server_pid=$!
  server_pids=$server_pid
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's#.*jobcast listening on http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log" 2>/dev/null | head -1)
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  note "$1: jobcast did not start (see logs/$1.${run_name:-jobcast}.log)"
  stop_server "$1" jobcast
  return 1
}

nchan_module() {
  local so
  for so in /usr/lib/nginx/modules/ngx_nchan_module.so \
            $(dpkg -L libnginx-mod-nchan 2>/dev/null | grep 'ngx_nchan_module\.so$'); do
    [ -f "$so" ] && { echo "load_module $so;"; return; }
  done
  # Built in (no module file)? Then nothing to load.
  nginx -V 2>&1 | grep -q nchan && return
  say "bench: cannot find ngx_nchan_module.so"; return 1
}

start_nchan() { # $1: label
  nginx_dir=$(mktemp -d /tmp/jobcast-bench-nginx.XXXXXX)
  port=$("$loadgen" --mode=free-port)
  local load user=""
  load=$(nchan_module) || return 1
  [ "$(id -u)" -eq 0 ] && user="user root;"
  local conns=$(( nofile > 1100 ? nofile - 100 : 1024 ))
  sed -e "s#@DIR@#$nginx_dir#g" -e "s#@PORT@#$port#g" \
      -e "s#@LOAD_MODULE@#$load#" -e "s#@USER@#$user#" \
      -e "s#@NOFILE@#$nofile#" -e "s#@CONNECTIONS@#$conns#" \
      -e "s#@BUFFER@#$nchan_buffer#" -e "s#@PING@#$nchan_ping#g" \
      "$here/nginx-nchan.conf.in" >"$nginx_dir/nginx.conf"
  nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" \
    >"$out/logs/$1.nginx.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:$port/nchan_status" >/dev/null 2>&1; then
      local worker
      worker=$(tr ' ' ',' <"/proc/$server_pid/task/$server_pid/children" 2>/dev/null | sed 's/,*$//')
      [ -n "$worker" ] || worker=$(pgrep -d, -P "$server_pid")
      server_pids="$server_pid,$worker"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  note "$1: nginx did not start (see logs/$1.nginx.log, logs/$1.nginx-error.log)"
  stop_server "$1" nchan
  return 1
}

stop_server() { # $1: label, $2: server
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null
  local rc
  for _ in $(seq 1 150); do
    kill -0 "$server_pid" 2>/dev/null || break
    # A zombie is done: wait collects it below.
    grep -q '^State:.*Z' "/proc/$server_pid/status" 2>/dev/null && break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$server_pid/status" 2>/dev/null; then
    note "$1: $2 still running 15 s after SIGTERM; killed"
    kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null
  rc=$?
  [ "$rc" = 0 ] || note "$1: $2 exited with status $rc after SIGTERM"
  if [ "$2" = nchan ] && [ -n "$nginx_dir" ]; then
    cp "$nginx_dir/error.log" "$out/logs/$1.nginx-error.log" 2>/dev/null
    local bad
    bad=$(grep -cE '\[(alert|crit|emerg|error)\]' "$nginx_dir/error.log" 2>/dev/null)
    [ "${bad:-0}" = 0 ] || note "$1: nginx logged $bad error lines (logs/$1.nginx-error.log)"
    rm -rf "$nginx_dir"
    nginx_dir=""
  fi
  server_pid=""
  server_pids=""
}

start_server() { if [ "$2" = jobcast ]; then start_jobcast "$1"; else start_nchan "$1"; fi; }

cleanup() {
  if [ -n "$server_pid" ]; then stop_server interrupted "${current:-server}"; fi
  return 0
}

# One line per run on the terminal, the loadgen's table in logs/.
summarize() { # $1: table file
  grep -E '^  (subscribers_connected|deliveries_seen|missing|deliveries_per_second|latency_p99_ms|cycles_ok|cycles_failed|cycles_per_second|server_subscribers_after|viewers_done|replay_seconds|events_per_second|server_cpu_seconds|publish_per_second|still_connected_at_end|heartbeats_per_viewer_p50|rss_per_subscriber_kb|server_cpu_idle_ms_per_second|events_accepted_per_second|publish_p99_ms|error) ' "$1" \
    | awk '{printf "%s=%s ", $1, $2} END {print ""}' >&2
}

loadgen_limit=900 # seconds one load generator run may take
run_loadgen() { # $1: label, $2: server, rest: loadgen flags
  local label=$1 server=$2 name=${run_name:-$2}
  shift 2
  current=$server
  start_server "$label" "$server" || return 0
  local table="$out/logs/$label.$name.txt"
  say "[$label] $name on 127.0.0.1:$port"
  timeout -k 10 "$loadgen_limit" "$loadgen" --server="$server" --port="$port" \
    --server-pid="$server_pids" --label="$label" --json-out="$results" \
    --threads="$loadgen_threads" "$@" >/dev/null 2>"$table"
  local rc=$?
  [ "$rc" = 0 ] || note "$label: loadgen against $name exited with $rc (logs/$label.$name.txt)"
  summarize "$table"
  stop_server "$label" "$server"
}

proc_cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
proc_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

