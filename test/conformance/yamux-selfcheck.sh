#!/bin/sh
# Proves the yamux interop driver against Go's own yamux: runs
# `yamuxcheck` (driver) against `yamuxcheck --peer` over a unix socket, once with
# the driver as yamux client and once as server. Fails if any case fails.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
repo=$(CDPATH= cd -- "$here/../.." && pwd)
sh "$here/build.sh" yamuxcheck >/dev/null
bin="$repo/.cache/conformance/bin/yamuxcheck"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/yamux-selfcheck.XXXXXX")
bg=
cleanup() {
	if [ -n "$bg" ]; then kill "$bg" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_listening() { # file
	i=0
	while ! grep -q '^LISTENING$' "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			echo "yamux-selfcheck: no LISTENING line in $1" >&2
			return 1
		fi
		sleep 0.05
	done
}

status=0
for driver_role in client server; do
	if [ "$driver_role" = client ]; then peer_role=server; else peer_role=client; fi
	sock="$tmp/$driver_role.sock"
	out="$tmp/driver-$driver_role.out"
	echo "== driver=$driver_role peer=$peer_role (Go yamux on both sides)"
	rc=0
	if [ "$driver_role" = server ]; then
		"$bin" --role server --socket "$sock" >"$out" 2>"$tmp/driver-$driver_role.err" &
		bg=$!
		wait_listening "$out"
		"$bin" --role client --socket "$sock" --peer >/dev/null 2>"$tmp/peer-$peer_role.err" || rc=$?
		wait "$bg" || rc=$?
		bg=
	else
		"$bin" --role server --socket "$sock" --peer >"$tmp/peer.out" 2>"$tmp/peer-$peer_role.err" &
		bg=$!
		wait_listening "$tmp/peer.out"
		"$bin" --role client --socket "$sock" >"$out" 2>"$tmp/driver-$driver_role.err" || rc=$?
		wait "$bg" || rc=$?
		bg=
	fi
	grep -v '^LISTENING$' "$out" || true
	if [ "$rc" != 0 ] || grep -q '^FAIL' "$out" || ! grep -q ' passed, 0 failed$' "$out"; then
		status=1
		echo "-- driver stderr:"
		cat "$tmp/driver-$driver_role.err"
		echo "-- peer stderr:"
		cat "$tmp/peer-$peer_role.err"
	fi
done
if [ "$status" = 0 ]; then
	echo "yamux self-check: OK"
else
	echo "yamux self-check: FAILED"
fi
exit "$status"
