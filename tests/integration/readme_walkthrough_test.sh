#!/usr/bin/env bash
# Runs the README's walkthrough of the REST API ("The same through the API, with curl") as
# written: `talky serve` and `talky worker` sharing one SQLite file, driven by curl. Then checks
# that the worker took every job of the campaign started through the API (called, or deferred to
# New York's calling hours, whichever the hour is) and that serve's queue stats say so.
# Usage: readme_walkthrough_test.sh TALKY_BINARY README.md
set -euo pipefail
talky=$1
readme=$2

work=$(mktemp -d)
cleanup() {
  local pids
  pids=$(jobs -p)
  [[ -n "$pids" ]] && kill $pids 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/build/release"
ln -s "$talky" "$work/build/release/talky"
cd "$work"

# The block's lines between ```sh and ``` under the walkthrough's heading.
awk '/^## The same through the API, with curl/ {in_section = 1; next}
     in_section && /^## / {exit}
     in_section && /^```sh$/ {in_block = 1; next}
     in_block && /^```$/ {exit}
     in_block {print}' "$readme" >walkthrough.sh
[[ -s walkthrough.sh ]] || { echo "FAIL: no walkthrough block found in $readme"; exit 1; }

# Sourced, so that serve and worker are this shell's jobs (stopped by the trap) and the block's
# variables (API, KEY, CAMPAIGN) stay set.
set +e
source ./walkthrough.sh >walkthrough.out 2>&1
set -e
cat walkthrough.out

fail() {
  echo "FAIL: $*"
  echo "--- walkthrough.sh"; cat walkthrough.sh
  exit 1
}
[[ -n "${KEY:-}" && "$KEY" != null ]] || fail "no tenant API key came back"
[[ -n "${CAMPAIGN:-}" && "$CAMPAIGN" != null ]] || fail "no campaign id came back"

stats() { curl -sf "$API/v1/campaigns/$CAMPAIGN/stats" -H "Authorization: Bearer $KEY"; }
pending=""
for _ in $(seq 1 300); do
  pending=$(stats | jq -r '.jobs_by_status.pending // .tally.jobs_by_status.pending // empty')
  [[ "$pending" == 0 ]] && break
  sleep 0.1
done
[[ "$pending" == 0 ]] || fail "the worker did not take the campaign's jobs (pending: '$pending'): $(stats)"

waiting=$(curl -sf "$API/v1/queue/stats" -H "Authorization: Bearer $KEY" | jq -r .waiting)
[[ "$waiting" == 0 ]] || fail "serve's queue stats show $waiting jobs waiting; the store shows none"
echo "PASS: every job of the campaign started through the API was taken by the worker"
