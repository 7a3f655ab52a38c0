#!/usr/bin/env bash
# test_edgelbd_ipv6.sh - edgelbd with an IPv6 VIP beside the IPv4 one on the lab1 topology:
# IPv6 health checks and neighbour (NDP) resolution bring the IPv6 backends into the ring,
# requests to the IPv6 VIP go IP6-in-IP6 through XDP to all three backends and are answered
# directly; the IPv4 VIP keeps working beside it; edgelbctl and metrics list both VIPs.
# Only namespaces this run creates are used; everything is removed on exit, also on failure.
set -u
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh
source tests/lab1/lab1.sh

fail() {
	echo "FAIL: $*" >&2
	[ -f "${LAB_WORK:-}/edgelbd.log" ] && tail -n 25 "$LAB_WORK/edgelbd.log" >&2
	exit 1
}
pass() { echo "ok: $*"; }

for bin in edgelbd edgelbctl edgelb-testbackend bpf/decap.bpf.o; do
	[ -e "$BUILD/$bin" ] || fail "$BUILD/$bin not built (run make)"
done

lab1_init edgelbd6 || fail "lab init (bpffs mount)"
lab1_up || fail "lab topology"
LAB_WITH_V6_VIP=1 lab1_write_config "$LAB_WORK/lab1.conf"
lab1_start_edgelbd "$LAB_WORK/lab1.conf" "$LAB_WORK/edgelbd.log" || fail "edgelbd did not start"
lab1_wait_in_ring 3 10 0 || fail "IPv4 backends not in the ring"
lab1_wait_in_ring 3 10 1 || fail "IPv6 backends not in the ring (health over IPv6, NDP)"
ctl --json backends web6 | grep -q '"name":"b1v6".*"mac":"..:' || fail "no MAC for b1v6"
pass "IPv6 VIP web6: 3 backends healthy, next hops resolved over NDP"

# requests URL N: N new connections; prints "<code> <backend>" per request
requests() {
	local url=$1 n=$2 cfg=$LAB_WORK/curl.cfg i
	{
		echo 'silent'
		echo 'globoff'
		echo 'header = "Connection: close"'
		echo 'data = "{\"prompt\":\"x\",\"max_tokens\":1}"'
		echo 'write-out = "%{http_code} %header{x-backend}\n"'
		# a slow answer on a loaded machine is not a failure: only no answer is
		echo 'max-time = 10'
		for ((i = 0; i < n; i++)); do
			echo "url = \"$url\""
			echo 'output = "/dev/null"'
		done
	} >"$cfg"
	client curl -K "$cfg" 2>/dev/null
}

out=$(requests "http://[$LAB_VIP6]:$LAB_PORT/v1/completions" 90)
[ "$(grep -c '^200 ' <<<"$out")" -eq 90 ] || fail "IPv6 VIP: $(grep -vc '^200 ' <<<"$out") of 90 failed"
for b in b1 b2 b3; do
	n=$(grep -c " $b\$" <<<"$out")
	[ "$n" -ge 10 ] || fail "IPv6 VIP: $b served only $n of 90 (equal weights)"
done
pass "90 requests to [$LAB_VIP6]:$LAB_PORT all answered, spread over b1..b3"

out=$(requests "http://$LAB_VIP:$LAB_PORT/v1/completions" 30)
[ "$(grep -c '^200 ' <<<"$out")" -eq 30 ] || fail "IPv4 VIP beside IPv6 failed"
pass "IPv4 VIP still serves beside the IPv6 one"

ctl vips | grep -q "^web6 .*$LAB_VIP6" || fail "edgelbctl vips lacks web6"
metrics=$(nsx lb curl -s --max-time 2 http://127.0.0.1:9100/metrics)
grep -q 'edgelb_vip_healthy{vip="web6"} 1' <<<"$metrics" || fail "metrics lack web6 healthy"
pass "edgelbctl and metrics list the IPv6 VIP"
echo "PASS test_edgelbd_ipv6"
