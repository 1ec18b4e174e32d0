#!/bin/sh
# Checks dist/jobcast.conf against the binary, so that the example cannot
# drift from it: every flag of jobcast's own in `--help` is in the file and
# every setting of the file is a flag; each value the file shows is the
# default `--dump-config` reports; uncommented, the file is read as written.
# Usage: CONF JOBCAST_BINARY.
set -eu
conf=$1
binary=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Run where no jobcast.conf lies, so that only the defaults speak.
cd "$dir"
status=0

# CAF's own groups and global flags; every other flag is jobcast's.
caf_groups=" logger middleman opencl openssl scheduler stream work-stealing "
caf_globals=" help long-help dump-config config-file "

"$binary" --help >help.txt
awk -v groups="$caf_groups" -v globals="$caf_globals" '
  /^[a-z-]+ options:$/ { group = $1; next }
  match($0, /^ +(\([^)]*\)|--[a-z0-9.-]+)/) {
    flag = substr($0, RSTART, RLENGTH)
    sub(/^ +/, "", flag)
    if (flag ~ /^\(/) next
    sub(/^--/, "", flag)
    if (index(groups, " " group " ")) next
    if (group == "global" && index(globals, " " flag " ")) next
    print flag
  }' help.txt | sort >flags.txt
[ -s flags.txt ] || { echo "no flags found in --help"; exit 1; }

# The file's settings, "section.key = value" (top-level and [global] keys
# without a section), [commands] left out: it declares, it sets no flag.
flatten_conf() {
  awk '
    /^\[[a-z-]+\]$/ { section = substr($0, 2, length($0) - 2); next }
    /^;?[a-z][a-z0-9-]* = / {
      line = $0
      sub(/^;/, "", line)
      if (section == "commands") next
      prefix = (section == "" || section == "global") ? "" : section "."
      print prefix line
    }' "$1"
}
flatten_conf "$conf" | sort >settings.txt
sed 's/ = .*//' settings.txt | sort >keys.txt

# Every jobcast flag is in the file.
missing=$(comm -23 flags.txt keys.txt)
if [ -n "$missing" ]; then
  echo "flags of jobcast --help missing from $conf:"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
# Every setting in the file is a flag (CAF's included).
awk 'match($0, /^ +--[a-z0-9.-]+/) {
       f = substr($0, RSTART, RLENGTH); sub(/^ +--/, "", f); print f }' \
  help.txt | sort >all_flags.txt
unknown=$(comm -13 all_flags.txt keys.txt)
if [ -n "$unknown" ]; then
  echo "settings in $conf that jobcast --help does not know:"
  echo "$unknown" | sed 's/^/  /'
  status=1
fi

# --dump-config as "section.key = value", nested dictionaries left out.
flatten_dump() {
  awk '
    /^[a-z0-9-]+ \{$/ && depth == 0 { section = $1; depth = 1; next }
    /\{$/ { depth++; next }
    /^ *\}$/ { depth--; if (depth == 0) section = ""; next }
    / = / && depth <= 1 {
      line = $0
      sub(/^ +/, "", line)
      print (section == "" ? "" : section ".") line
    }'
}

# Each value shown is the default (workers is the machine's thread count).
"$binary" --dump-config | flatten_dump | sort >defaults.txt
wrong=$(grep -v '^workers = ' settings.txt | comm -23 - defaults.txt)
if [ -n "$wrong" ]; then
  echo "values in $conf that are not jobcast's defaults:"
  echo "$wrong" | while IFS= read -r line; do
    key=${line%% = *}
    echo "  $line (jobcast: $(grep "^$key = " defaults.txt || echo none))"
  done
  status=1
fi

# As shipped (all commented out) the file is accepted; uncommented, every
# setting is read as written (CAF drops a value of the wrong type silently).
"$binary" --config-file="$conf" --dump-config >/dev/null || {
  echo "jobcast refuses $conf"
  status=1
}
sed 's/^;\([a-z][a-z0-9-]*\) = /\1 = /' "$conf" >uncommented.conf
"$binary" --config-file=uncommented.conf --dump-config | flatten_dump |
  sort >read.txt || status=1
unread=$(comm -23 settings.txt read.txt)
if [ -n "$unread" ]; then
  echo "settings of $conf that jobcast does not read as written:"
  echo "$unread" | sed 's/^/  /'
  status=1
fi
[ $status -eq 0 ] && echo "$conf: $(wc -l <keys.txt) settings, every flag, all defaults"
exit $status
