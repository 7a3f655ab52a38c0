# labcheck.sh - sourced by the lab tests, the demo and the withdraw benchmark: the lab's
# addresses and the small checks they all make of it (routes at the core router, sessions,
# polling with a deadline). The caller sets RUN (the lab run name) before using `lab`.
#
#   RUN=mytest$$; source scripts/lib/labcheck.sh
#   lab up; wait_for 40 established 6 || fail "..."

LAB=${LAB:-bash scripts/lab.sh}
VIP4=10.99.0.10
VIP6=fd99::10
URL4="http://$VIP4:8000/v1/completions"
URL6="http://[$VIP6]:8000/v1/completions"
LBA1=10.91.0.11
LBA2=10.91.0.12
LBB1=10.92.0.11

# lab CMD [ARGS...]: scripts/lab.sh CMD for this run
lab() { $LAB "$1" -r "$RUN" "${@:2}"; }
ok() { echo "ok: $*"; }
now_ms() { date +%s%3N; }

# out_has PATTERN CMD...: CMD's whole output matches PATTERN (no grep -q on a pipe: with
# pipefail, a writer cut off by grep's early exit would turn a match into a failure)
out_has() {
	local out
	out=$("${@:2}" 2>&1)
	grep -q -- "$1" <<<"$out"
}

# wait_for SECONDS CMD...: poll every 20 ms until CMD succeeds; 1 if the deadline passes
wait_for() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# the core router's routes to the VIP and who they point at
route4() { lab exec router ip route show "$VIP4"; }
route6() { lab exec router ip -6 route show "$VIP6"; }
hops4() { route4 | grep -c "via $1" || true; }
ecmp_a4() { [ "$(hops4 $LBA1)" = 1 ] && [ "$(hops4 $LBA2)" = 1 ] && [ "$(hops4 $LBB1)" = 0 ]; }
ecmp_a6() { out_has 'via fd91::11' route6 && out_has 'via fd91::12' route6; }
only_b4() { [ "$(hops4 $LBB1)" = 1 ] && [ "$(hops4 10.91.0.)" = 0 ]; }
only_a2() { [ "$(hops4 $LBA2)" = 1 ] && [ "$(hops4 $LBA1)" = 0 ]; }
# established N: at least N BGP sessions Established at the core router
established() { [ "$(lab birdc show protocols | grep -c Established)" -ge "$1" ]; }
