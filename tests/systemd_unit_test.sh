#!/bin/sh
# Checks dist/jobcast.service: that it keeps the settings docs/operations.md
# relies on, that systemd waits for jobcast's graceful stop (TimeoutStopSec
# above the default --shutdown.grace plus --jobs.kill-grace), and
# `systemd-analyze verify`. Usage: UNIT JOBCAST_BINARY. Exit 77 (skipped)
# where systemd-analyze is not installed, after the other checks passed.
set -eu
unit=$1
binary=$2
status=0
for setting in KillMode=control-group DynamicUser=yes NoNewPrivileges=yes \
  ProtectSystem=strict LimitNOFILE= Restart=on-failure TimeoutStopSec=; do
  if ! grep -q "^$setting" "$unit"; then
    echo "$unit lacks $setting"
    status=1
  fi
done

# A duration in milliseconds: CAF's (5s, 500ms, 1min) or systemd's (10s,
# 1min 30s, 90).
to_ms() {
  echo "$1" | awk '{
    total = 0
    for (i = 1; i <= NF; i++) {
      n = $i + 0; unit = $i; sub(/^[0-9.]+/, "", unit)
      if (unit == "" || unit == "s") total += n * 1000
      else if (unit == "ms") total += n
      else if (unit == "us") total += n / 1000
      else if (unit == "ns") total += n / 1000000
      else if (unit == "min") total += n * 60000
      else if (unit == "h") total += n * 3600000
      else { print "bad"; exit }
    }
    print total }'
}
dump=$(cd / && "$binary" --dump-config)
value() {
  echo "$dump" | awk -v section="$1" -v key="$2" '
    $0 == section " {" { inside = 1; next }
    /^}/ { inside = 0 }
    inside && $1 == key { print $3 }'
}
grace=$(to_ms "$(value shutdown grace)")
kill_grace=$(to_ms "$(value jobs kill-grace)")
stop=$(to_ms "$(sed -n 's/^TimeoutStopSec=//p' "$unit")")
if [ -z "$grace" ] || [ -z "$kill_grace" ] || [ "$stop" = bad ] ||
  [ "$(echo "$stop $grace $kill_grace" | awk '{ print ($1 > $2 + $3) }')" != 1 ]; then
  echo "TimeoutStopSec (${stop} ms) must exceed --shutdown.grace (${grace} ms)" \
    "plus --jobs.kill-grace (${kill_grace} ms), or systemd cuts the graceful stop short"
  status=1
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
  [ $status -eq 0 ] || exit $status
  echo "settings kept; skipped: systemd-analyze is not installed"
  exit 77
fi
# verify checks that ExecStart's program exists: point it at the build.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=/usr/bin/jobcast|ExecStart=$binary|" "$unit" \
  >"$dir/jobcast.service"
# Any complaint counts, warnings included.
out=$(systemd-analyze verify "$dir/jobcast.service" 2>&1) || status=1
if [ -n "$out" ]; then
  echo "$out"
  status=1
fi
[ $status -eq 0 ] && echo "$unit verifies"
exit $status
