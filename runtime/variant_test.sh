#!/usr/bin/env bash
# A variant links only what it picks: the `core` program contains no code of
# supervise (links, monitors, supervisors, hot swap), registry, timers (the
# actor-owned timer service; the timing wheel below sched is core's too) or
# taskgroup; the `local` program contains all four.
# Checked on the linked symbols (nm), so a stray dependency cannot hide.
set -euo pipefail
core="$1"
local_bin="$2"
"$core" >/dev/null
"$local_bin" >/dev/null
# The timing wheel (myr::timers::TimingWheel, TimerId) is in libs/timers/wheel,
# below sched: every variant links it, so it is not counted as timers code.
symbols() {
  nm -C --defined-only "$1" | awk '{ $1=""; $2=""; print }' |
    grep -v -e 'myr::timers::TimingWheel' -e 'myr::timers::TimerId'
}
fail=0
for ns in 'myr::supervise::' 'myr::registry::' 'myr::timers::' 'myr::taskgroup::'; do
  n_core=$(symbols "$core" | grep -c "$ns" || true)
  n_local=$(symbols "$local_bin" | grep -c "$ns" || true)
  printf '%-18s core: %4d symbols   local: %4d symbols\n' "$ns" "$n_core" "$n_local"
  if [ "$n_core" -ne 0 ]; then
    echo "FAIL: the core variant links $ns code"; fail=1
  fi
  if [ "$n_local" -eq 0 ]; then
    echo "FAIL: the local variant does not link $ns code (probe broken?)"; fail=1
  fi
done
n_sched=$(symbols "$core" | grep -c 'myr::Runtime::' || true)
if [ "$n_sched" -eq 0 ]; then echo "FAIL: core has no scheduler symbols (probe broken?)"; fail=1; fi
[ "$fail" -eq 0 ] && echo "variant_test: OK"
exit "$fail"
