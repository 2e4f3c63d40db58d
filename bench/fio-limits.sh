#!/usr/bin/env bash
# The device limits of `keel bench` (its limits section) beside fio's measurement of the same
# things, interleaved: ROUNDS rounds of [keel bench --section limits, then the seven fio jobs],
# then the median of each side per limit and their ratio. Needs fio (Debian: apt-get install fio)
# and jq. Usage: bench/fio-limits.sh [DIR [ROUNDS [SECONDS]]]  (defaults: ./keel-fio-data 3 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-keel-fio-data}"
rounds="${2:-3}"
seconds="${3:-2}"
for tool in fio jq; do
  command -v "$tool" >/dev/null || { echo "fio-limits: '$tool' is not installed (apt-get install $tool)" >&2; exit 2; }
done
mkdir -p "$dir"
work="$(mktemp -d "$dir/fio-limits-XXXXXX")"
trap 'rm -rf "$work"' EXIT
ramp=$(awk -v s="$seconds" 'BEGIN { w = s * 250; if (w > 1000) w = 1000; printf "%dms", w }')

# The fio jobs: the same writes as the bench's limits (DeviceLimit), in the same kind of file.
#   name        engine   direct  sync   bs    depth  file size (written with zeros and synced first)
jobs=(
  "buffered-4k-d1 psync    0 none  4k    1  64M"
  "direct-4k-d1   io_uring 1 dsync 4k    1  256M"
  "direct-4k-d4   io_uring 1 dsync 4k    4  256M"
  "direct-4k-d16  io_uring 1 dsync 4k    16 256M"
  "direct-4k-d64  io_uring 1 dsync 4k    64 256M"
  "direct-64k-d8  io_uring 1 dsync 64k   8  256M"
  "direct-1m-d4   io_uring 1 dsync 1m    4  256M"
)

# One file per size, written with zeros and synced before the jobs (as the bench lays out its files
# once, synced): a file fio lays out itself per job is still being written back while the job runs.
lay_out() {  # size -> path
  local f="$work/fio-$1.dat"
  if [ ! -f "$f" ]; then
    head -c "$1" /dev/zero > "$f"
    sync "$f"
  fi
  echo "$f"
}

run_fio() {  # name engine direct sync bs depth size -> "writes/s MB/s"
  local name=$1 engine=$2 direct=$3 sync=$4 bs=$5 depth=$6 size=$7 extra=() file
  if [ "$sync" = none ]; then extra=(--fdatasync=1); else extra=(--sync="$sync"); fi
  file="$(lay_out "$size")"
  fio --name="$name" --filename="$file" --size="$size" --rw=write --bs="$bs" --ioengine="$engine" \
      --iodepth="$depth" --direct="$direct" "${extra[@]}" --time_based --runtime="$seconds" --ramp_time="$ramp" \
      --output-format=json 2>/dev/null \
    | jq -r '.jobs[0].write | "\(.iops) \(.bw_bytes / 1e6)"'
}

echo "fio-limits: $rounds interleaved rounds of ${seconds}s per case; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$rounds"); do
  echo "fio-limits: round $r: keel bench --section limits" >&2
  "$here/keel" bench --section limits --seconds "$seconds" --dir "$work" --json "$work/bench-$r.json" >/dev/null
  jq -r '.cases[] | select(.section == "limits") | "\(.recordsPerSec) \(.mbPerSec)"' "$work/bench-$r.json" \
    > "$work/bench-$r.txt"
  echo "fio-limits: round $r: fio" >&2
  : > "$work/fio-$r.txt"
  for job in "${jobs[@]}"; do
    # shellcheck disable=SC2086
    run_fio $job >> "$work/fio-$r.txt"
  done
  rm -f "$work"/fio-*.dat
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '| limit | keel bench writes/s (MB/s), median | fio writes/s (MB/s), median | bench / fio, median of the rounds (lowest-highest) | rounds, bench/fio writes/s |\n'
printf '|---|---|---|---|---|\n'
for i in "${!jobs[@]}"; do
  line=$((i + 1))
  read -r name _ <<< "${jobs[$i]}"
  b=$(for r in $(seq 1 "$rounds"); do sed -n "${line}p" "$work/bench-$r.txt" | cut -d' ' -f1; done | median)
  bm=$(for r in $(seq 1 "$rounds"); do sed -n "${line}p" "$work/bench-$r.txt" | cut -d' ' -f2; done | median)
  f=$(for r in $(seq 1 "$rounds"); do sed -n "${line}p" "$work/fio-$r.txt" | cut -d' ' -f1; done | median)
  fm=$(for r in $(seq 1 "$rounds"); do sed -n "${line}p" "$work/fio-$r.txt" | cut -d' ' -f2; done | median)
  each=$(for r in $(seq 1 "$rounds"); do
    printf '%s/%s ' "$(sed -n "${line}p" "$work/bench-$r.txt" | cut -d' ' -f1 | xargs printf '%.0f')" \
      "$(sed -n "${line}p" "$work/fio-$r.txt" | cut -d' ' -f1 | xargs printf '%.0f')"; done)
  ratios=$(for r in $(seq 1 "$rounds"); do
    paste -d' ' <(sed -n "${line}p" "$work/bench-$r.txt" | cut -d' ' -f1) <(sed -n "${line}p" "$work/fio-$r.txt" | cut -d' ' -f1) \
      | awk '{ if ($2 > 0) print $1 / $2 }'; done)
  rm=$(echo "$ratios" | median)
  rlo=$(echo "$ratios" | sort -g | head -1)
  rhi=$(echo "$ratios" | sort -g | tail -1)
  awk -v n="$name" -v b="$b" -v bm="$bm" -v f="$f" -v fm="$fm" -v e="$each" -v rm="$rm" -v lo="$rlo" -v hi="$rhi" \
    'BEGIN { printf "| %s | %\047.0f (%.1f) | %\047.0f (%.1f) | %.2f (%.2f-%.2f) | %s|\n", n, b, bm, f, fm, rm, lo, hi, e }'
done
