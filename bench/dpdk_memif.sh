# shellcheck shell=bash
# dpdk_memif.sh - what bench/dpdk_bench.sh and bench/dpdk_ab.sh share (sourced, not run): the
# run's file names, the EAL and memif arguments, the benchmark's tables and the generator's start.
# Set before sourcing: RUN (a per-run name prefix), BENCH (dpdk_bench), TOOL (dp_tables_tool).
TABLES=/dev/shm/$RUN-tables
SOCK=/tmp/$RUN.sock
WORK=$(mktemp -d /tmp/$RUN.XXXXXX)
GEN_PID=

EAL_COMMON=(-m 256 --no-pci --no-telemetry --in-memory --single-file-segments --log-level '*:error')
MEMIF="socket=$SOCK,socket-abstract=no"
# the device under test: a zero-copy memif client (zero-copy needs --single-file-segments)
DUT_MEMIF="net_memif0,role=client,$MEMIF,zero-copy=yes"

# VIP 10.99.1.1:80 over 16 backends; nothing leaves the memif pair
BACKEND_MAC=02:00:00:00:00:fe
write_tables() { # $1: ipip | l2dsr
	"$TOOL" write "$TABLES" 02:00:00:00:00:01 10.99.1.1 80 10.99.0.2 $BACKEND_MAC 16 "$1"
}

# What the run made goes; the caller's EXIT trap calls this after stopping its own processes.
memif_cleanup() {
	if [ -n "$GEN_PID" ]; then
		kill "$GEN_PID" 2>/dev/null || true
		wait "$GEN_PID" 2>/dev/null || true
	fi
	"$TOOL" unlink "$TABLES" 2>/dev/null || true
	rm -rf "$WORK" "$SOCK" /var/run/dpdk/$RUN-*
	rm -f /dev/hugepages/$RUN-* 2>/dev/null || true
}

# The generator is the memif server: it listens, waits for the device's link, runs one phase,
# prints its RESULT line, drains, prints LINGER and then stays, idle, with the connection open
# until stop_gen. The device under test leaves in between: DPDK 22.11's memif PMD can crash a
# process that polls while its peer disconnects, and at that point neither side polls the other.
start_gen() { # $1: phase, $2: seconds
	rm -f "$SOCK"
	"$BENCH" gen -l 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-gen" \
		--vdev "net_memif0,role=server,$MEMIF" -- --vip 10.99.1.1 --vport 80 \
		--dst-mac 02:00:00:00:00:01 --backend-mac $BACKEND_MAC \
		--seconds "$2" --phase "$1" --linger >"$WORK/gen.out" 2>&1 &
	GEN_PID=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	cat "$WORK/gen.out"
	echo "FAIL: the generator did not open its memif socket"
	exit 1
}

# Wait until the generator lingers, with its RESULT line; fails when it exits first, gave no
# result or takes longer than $1 seconds.
wait_gen_result() {
	local deadline=$((SECONDS + $1))
	until grep -q '^LINGER' "$WORK/gen.out"; do
		kill -0 "$GEN_PID" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
	grep -q '^RESULT' "$WORK/gen.out"
}

# After the device under test has stopped: the lingering generator closes its port and exits.
stop_gen() {
	kill -TERM "$GEN_PID" 2>/dev/null || true
	wait "$GEN_PID" 2>/dev/null || true
	GEN_PID=
}
