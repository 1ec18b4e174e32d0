#!/usr/bin/env bash
# Builds the Debian package from the build tree, unpacks it into a scratch
# root (dpkg -x) and checks what an operator gets: the binaries run from
# there (--help; the server answers /healthz and takes a job from the
# packaged jobcast-run), the example config and the unit are in place, the
# config file is a conffile, Depends names the libraries the binaries link,
# and `systemd-analyze verify` accepts the unit (skipped, with a message,
# where systemd-analyze is missing). Usage: BUILD_DIR SOURCE_DIR.
# Exit 77 (skipped) without dpkg-deb and dpkg-shlibdeps (.ci/install-deps
# installs dpkg-dev).
set -euo pipefail
build=$1
source=$2
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool is not installed (dpkg-dev)"
    exit 77
  fi
done
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

# -- the package ---------------------------------------------------------------
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" \
  >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/out/jobcast_*.deb)
echo "built $(basename "$deb")"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Each library the binaries link comes from a package in Depends.
for lib in libcaf-core0.17 libboost-json1.81.0 libssl3 libstdc++6 libc6; do
  [[ ", $depends," == *", $lib "* ]] || fail "Depends lacks $lib"
done

mkdir "$work/ctrl"
dpkg-deb -e "$deb" "$work/ctrl"
grep -qx /etc/jobcast/jobcast.conf "$work/ctrl/conffiles" ||
  fail "/etc/jobcast/jobcast.conf is not a conffile"

root=$work/root
dpkg -x "$deb" "$root"
for file in usr/bin/jobcast usr/bin/jobcast-run etc/jobcast/jobcast.conf \
  usr/lib/systemd/system/jobcast.service usr/share/doc/jobcast/operations.md; do
  [ -e "$root/$file" ] || fail "the package has no /$file"
done
cmp -s "$root/etc/jobcast/jobcast.conf" "$source/dist/jobcast.conf" ||
  fail "/etc/jobcast/jobcast.conf is not dist/jobcast.conf"
unit=$root/usr/lib/systemd/system/jobcast.service
grep -qx 'ExecStart=/usr/bin/jobcast --config-file=/etc/jobcast/jobcast.conf' \
  "$unit" || fail "the unit does not start /usr/bin/jobcast with /etc/jobcast/jobcast.conf"

# -- the installed binaries ----------------------------------------------------
"$root/usr/bin/jobcast" --help >"$work/help.txt" || fail "jobcast --help"
grep -q 'config-file=.*jobcast\.conf' "$work/help.txt" ||
  fail "jobcast --help does not name jobcast.conf"
"$root/usr/bin/jobcast-run" --help >/dev/null || fail "jobcast-run --help"

# The server as the unit starts it (with the packaged config), on a free
# port; its first line says which.
mkfifo "$work/out.fifo"
"$root/usr/bin/jobcast" --config-file="$root/etc/jobcast/jobcast.conf" \
  --http.port=0 >"$work/out.fifo" 2>"$work/err.log" &
server=$!
exec 4<"$work/out.fifo"
read -r -t 20 line <&4 || fail "the installed jobcast did not start: $(cat "$work/err.log")"
port=${line##*:}
port=${port%/}
[[ "$port" =~ ^[0-9]+$ ]] || fail "no port in: $line"
exec 5<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&5
answer=$(timeout 10 cat <&5)
exec 5<&-
[[ "$answer" == "HTTP/1.1 200 OK"* && "$answer" == *$'\r\n\r\nok' ]] ||
  fail "GET /healthz: $answer"
echo "the installed jobcast answers /healthz on port $port"

"$root/usr/bin/jobcast-run" --quiet --server "http://127.0.0.1:$port" -- \
  echo "hello from the package" 2>"$work/run.log" ||
  fail "the installed jobcast-run: $(cat "$work/run.log")"
grep -q "job 1: http://127.0.0.1:$port/view-progress/1" "$work/run.log" ||
  fail "jobcast-run did not report its job: $(cat "$work/run.log")"
echo "the installed jobcast-run published job 1"

kill -TERM "$server"
wait "$server" || fail "jobcast did not stop cleanly"
server=

# -- the unit ------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
  # verify checks that ExecStart's program exists: point it into the root.
  sed "s|^ExecStart=/usr/bin/jobcast|ExecStart=$root/usr/bin/jobcast|" "$unit" \
    >"$work/jobcast.service"
  out=$(systemd-analyze verify "$work/jobcast.service" 2>&1) ||
    fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  echo "systemd-analyze verify accepts the installed unit"
else
  echo "systemd-analyze is not installed: the unit was not verified"
fi
echo "package ok"
