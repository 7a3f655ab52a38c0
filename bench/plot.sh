#!/usr/bin/env bash
# plot.sh - PNG charts of a benchmark run: bench/plot.sh RESULTS OUTDIR
#
# RESULTS is any text holding the benchmarks' machine-readable lines (make bench's log,
# $(BUILD)/bench/bench.log, or docs/plots/bench-<commit>.txt):
#   BENCH <name> value=<v> unit=<u> baseline=<b> ratio=<value/baseline>
#   TIMELINE <bench> <event> run=<n> ms=<ms since the failure>   (bench/failover.sh, withdraw.sh)
#   RUN commit=<commit> date=<date>                              (make bench's first line)
# Other lines are ignored. Writes into OUTDIR, for the groups the results hold:
#   ratios-xdp.png         XDP cases over their MAC-swap baseline, targets drawn
#   ratios-dpdk.png        DPDK cases over testpmd / the MAC-swap loops, targets drawn
#   failover-timeline.png  time since the backend died: health verdict, ring installed, route
#                          withdrawn at the router (every run from TIMELINE lines; without them
#                          the medians of the BENCH figures)
#   maglev-build.png       maglev_build() against the textbook build, by N and M
# The targets are those of docs/benchmarks.md. Exit status: 0, 1 on bad use or no BENCH line,
# 3 when gnuplot is not installed (Debian: gnuplot-nox, in `scripts/deps.sh --list bench`).
set -euo pipefail

usage() {
	echo "usage: bench/plot.sh RESULTS OUTDIR" >&2
	exit 1
}
[ $# -eq 2 ] || usage
RESULTS=$1
OUTDIR=$2
[ -r "$RESULTS" ] || {
	echo "plot.sh: cannot read $RESULTS" >&2
	exit 1
}
command -v gnuplot >/dev/null || {
	echo "plot.sh: gnuplot not installed (Debian: gnuplot-nox); no plots" >&2
	exit 3
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# name value unit baseline ratio, one line per figure (the last one wins if a name repeats)
awk '$1 == "BENCH" && NF >= 6 {
	v = $3; u = $4; b = $5; r = $6
	sub(/^value=/, "", v); sub(/^unit=/, "", u); sub(/^baseline=/, "", b); sub(/^ratio=/, "", r)
	row[$2] = $2 "\t" v "\t" u "\t" b "\t" r
} END { for (n in row) print row[n] }' "$RESULTS" | sort >"$TMP/bench.tsv"
# bench event run ms
awk '$1 == "TIMELINE" && NF >= 5 {
	run = $4; ms = $5; sub(/^run=/, "", run); sub(/^ms=/, "", ms)
	print $2 "\t" $3 "\t" run "\t" ms
}' "$RESULTS" >"$TMP/timeline.tsv"
[ -s "$TMP/bench.tsv" ] || {
	echo "plot.sh: no BENCH lines in $RESULTS" >&2
	exit 1
}

# Which run: its RUN line, else the file's name.
RUN_LABEL=$(awk '$1 == "RUN" {
	c = ""; d = ""
	for (i = 2; i <= NF; i++) {
		if ($i ~ /^commit=/) c = substr($i, 8)
		if ($i ~ /^date=/) d = substr($i, 6)
	}
	print "make bench at commit " c (d != "" ? ", " d : ""); exit
}' "$RESULTS")
[ -n "$RUN_LABEL" ] || RUN_LABEL=$(basename "$RESULTS")

TERMINAL=png
gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo && TERMINAL=pngcairo
mkdir -p "$OUTDIR"

# bar colours as gnuplot's `lc rgb variable` wants them, integers (0x2e8b57, 0xc0392b, 0x5b7fa6)
MET=3050327      # target met
MISSED=12597547  # target missed
NOTARGET=5996454 # no target

# bars SPEC OUT: SPEC lines "name|label|op|target" (op <= or >=, or - without a target) to a
# table label, ratio, target (NaN if none), colour, value text, where that text goes (past the
# bar and the target), for the names the run has.
bars() {
	awk -F'|' -v met=$MET -v missed=$MISSED -v none=$NOTARGET '
	FNR == NR { split($0, f, "\t"); val[f[1]] = f[2]; unit[f[1]] = f[3]; base[f[1]] = f[4]; ratio[f[1]] = f[5]; next }
	/^[ \t]*$/ { next }
	!($1 in ratio) { next }
	{
		r = ratio[$1] + 0; t = "NaN"; c = none; label = $2; at = r
		if ($3 == "<=" || $3 == ">=") {
			t = $4 + 0
			ok = ($3 == "<=") ? r <= t : r >= t
			c = ok ? met : missed
			label = label " (" ($3 == "<=" ? "≤ " : "≥ ") $4 "x)"
			if (t > at) at = t
		}
		u = unit[$1]
		if (u == "mpps") u = "Mpps"
		if (u == "pkts_per_cpu_s") u = "packets per CPU-s"
		printf "%s\t%s\t%s\t%d\t%.2fx  (%s / %s %s)\t%s\n", label, r, t, c, r, val[$1], base[$1], u, at
	}' "$TMP/bench.tsv" - >"$2" <<<"$1"
}

# panel DATA TITLE XLABEL ORIGIN_Y HEIGHT KEY ROWS: gnuplot commands for one horizontal bar chart,
# its first row at the top, room for ROWS rows; KEY 1: with the legend.
panel() {
	local data=$1 title=$2 xlabel=$3 oy=$4 h=$5 key=$6 rows=$7 xmax
	xmax=$(awk -F'\t' '{ m = ($6 > m) ? $6 : m } END { print (m < 1 ? 1 : m) * 1.6 }' "$data")
	cat <<EOF
set origin 0,$oy
set size 1,$h
set title "$title" font ",12"
set xlabel "$xlabel"
set xrange [0:$xmax]
set yrange [$rows-0.3:-0.7]
set arrow 1 from 1, graph 0 to 1, graph 1 nohead back dt 2 lw 1.5 lc rgb "#666666"
EOF
	if [ "$key" = 1 ]; then
		echo 'set key outside top right vertical font ",9" samplen 2.5'
	else
		echo 'set key off'
	fi
	cat <<EOF
plot "$data" using (0):0:(0):2:(\$0-0.36):(\$0+0.36):4:ytic(1) with boxxyerror lc rgb variable notitle, \\
     "" using 6:0:5 with labels boxed left offset 0.8,0 font ",9" notitle, \\
     "" using 3:(\$0-0.48):(0):(0.96) with vectors nohead lw 3 lc rgb "black" notitle, \\
     keyentry with boxes fc rgb "#2e8b57" title "target met", \\
     keyentry with boxes fc rgb "#c0392b" title "target missed", \\
     keyentry with boxes fc rgb "#5b7fa6" title "no target", \\
     keyentry with vectors nohead lw 3 lc rgb "black" title "target", \\
     keyentry with lines dt 2 lw 1.5 lc rgb "#666666" title "1x: the baseline"
EOF
}

# slots DATA KEY: the rows a panel makes room for (the legend needs five)
slots() {
	local n
	n=$(wc -l <"$1")
	[ "$2" = 1 ] && [ "$n" -lt 5 ] && n=5
	[ "$n" -lt 2 ] && n=2
	echo "$n"
}

# chart OUT NAME PANEL...: PANEL is "DATA|TITLE|XLABEL"; heights follow the panels' rows.
chart() {
	local out=$1 name=$2 total=2 rows oy h p key=1
	shift 2
	local panels=()
	for p in "$@"; do
		[ -s "${p%%|*}" ] && panels+=("$p")
	done
	[ ${#panels[@]} -gt 0 ] || return 0
	for p in "${panels[@]}"; do
		total=$((total + $(slots "${p%%|*}" $key) + 4))
		key=0
	done
	key=1
	{
		echo "set terminal $TERMINAL size 1150,$((total * 26)) noenhanced font \"DejaVu Sans,10\""
		echo "set output \"$out\""
		echo "set datafile separator \"\\t\""
		echo "set style fill solid 0.85 noborder"
		echo "set grid xtics lc rgb \"#dddddd\""
		echo "set ytics nomirror font \",10\""
		echo "set xtics nomirror"
		echo "set style textbox opaque noborder"
		echo "set lmargin 46"
		echo "set rmargin 22"
		echo "set multiplot title \"$name\\n$RUN_LABEL\" font \",13\""
		oy=$(awk -v t=$total 'BEGIN { printf "%.4f", 1 - 2 / t }')
		for p in "${panels[@]}"; do
			IFS='|' read -r data title xlabel <<<"$p"
			rows=$(slots "$data" $key)
			h=$(awk -v r=$((rows + 4)) -v t=$total 'BEGIN { printf "%.4f", r / t }')
			oy=$(awk -v o="$oy" -v h="$h" 'BEGIN { printf "%.4f", o - h }')
			panel "$data" "$title" "$xlabel" "$oy" "$h" "$key" "$rows"
			key=0
		done
		echo "unset multiplot"
	} >"$TMP/chart.gp"
	gnuplot "$TMP/chart.gp"
	echo "$out"
}

bars "
xdp_established|established TCP flow|<=|3
xdp_new_flow|new flow: TCP SYN, connection insert|<=|6
xdp_10k_flows|10,000 established flows|-|
xdp_non_vip|non-VIP packet (XDP_PASS)|<=|1.6
xdp_established_v6|established TCP flow, IPv6|-|" "$TMP/xdp_cost.tsv"
bars "
xdp_live_established|established, Mpps|>=|0.7
xdp_live_established_per_cpu_s|established, packets per CPU-second|-|" "$TMP/xdp_live.tsv"
chart "$OUTDIR/ratios-xdp.png" "XDP: edgelb against MAC swap" \
	"$TMP/xdp_cost.tsv|cost per packet, BPF_PROG_TEST_RUN (lower is better)|edgelb ns / MAC-swap ns per packet (median pair)" \
	"$TMP/xdp_live.tsv|live on veth (higher is better)|edgelb rate / MAC-swap rate (median pair)"

bars "
dpdk_established|established 64 B, IP-in-IP VIP|>=|0.85
dpdk_established_l2dsr|established 64 B, L2 DSR VIP|>=|0.85
dpdk_established_encap_floor|established 64 B, encap floor (decides nothing)|-|
dpdk_new_flow|new flow 64 B, IP-in-IP VIP|>=|0.6
dpdk_new_flow_l2dsr|new flow 64 B, L2 DSR VIP|>=|0.6
dpdk_new_flow_encap_floor|new flow 64 B, encap floor|-|
dpdk_established_512|established 512 B, IP-in-IP VIP|-|
dpdk_established_512_l2dsr|established 512 B, L2 DSR VIP|-|
dpdk_established_512_encap_floor|established 512 B, encap floor|-|
dpdk_new_flow_512|new flow 512 B, IP-in-IP VIP|-|
dpdk_new_flow_512_l2dsr|new flow 512 B, L2 DSR VIP|-|
dpdk_new_flow_512_encap_floor|new flow 512 B, encap floor|-|" "$TMP/dpdk_wall.tsv"
bars "
dpdk_single_core_cycles|single core, established (vs MAC-swap loop)|-|
dpdk_single_core_new_flow_cycles|single core, new flow (vs MAC-swap loop)|-|
dpdk_established_cycles|memif, established 64 B, IP-in-IP|-|
dpdk_established_l2dsr_cycles|memif, established 64 B, L2 DSR|-|
dpdk_established_encap_floor_cycles|memif, established 64 B, encap floor|-|
dpdk_established_cycles_over_encap|memif, established 64 B, IP-in-IP vs floor|-|
dpdk_new_flow_cycles|memif, new flow 64 B, IP-in-IP|-|
dpdk_new_flow_l2dsr_cycles|memif, new flow 64 B, L2 DSR|-|
dpdk_new_flow_encap_floor_cycles|memif, new flow 64 B, encap floor|-|
dpdk_new_flow_cycles_over_encap|memif, new flow 64 B, IP-in-IP vs floor|-|
dpdk_established_512_cycles|memif, established 512 B, IP-in-IP|-|
dpdk_established_512_l2dsr_cycles|memif, established 512 B, L2 DSR|-|
dpdk_established_512_encap_floor_cycles|memif, established 512 B, encap floor|-|
dpdk_established_512_cycles_over_encap|memif, established 512 B, IP-in-IP vs floor|-|
dpdk_new_flow_512_cycles|memif, new flow 512 B, IP-in-IP|-|
dpdk_new_flow_512_l2dsr_cycles|memif, new flow 512 B, L2 DSR|-|
dpdk_new_flow_512_encap_floor_cycles|memif, new flow 512 B, encap floor|-|
dpdk_new_flow_512_cycles_over_encap|memif, new flow 512 B, IP-in-IP vs floor|-|" "$TMP/dpdk_cycles.tsv"
chart "$OUTDIR/ratios-dpdk.png" "DPDK: edgelb-dp against its baselines" \
	"$TMP/dpdk_wall.tsv|wall-clock Mpps of the memif chain (higher is better)|device Mpps / testpmd macswap Mpps (median of per-pair ratios)" \
	"$TMP/dpdk_cycles.tsv|TSC cycles per packet (lower is better)|device cycles / MAC-swap reflector cycles (vs floor: / reflect-encap cycles)"

# The failover timeline: one row per event, x = ms since the backend died; a bar from the death to
# the event's median, the runs as dots.
timeline() {
	local out=$1 data=$TMP/tl.tsv medians=$TMP/tl-med.tsv budget n xmax runs subtitle key
	budget=$(awk -F'\t' '$1 == "failover_ring_update" { b = $4 / 1000 } $1 == "withdraw_latency" && b == "" { b = $4 }
		END { print (b == "" ? 400 : b) }' "$TMP/bench.tsv")
	if [ -s "$TMP/timeline.tsv" ]; then
		# every run's event, and the median per event; rows in order of first appearance
		awk -F'\t' -v OFS='\t' -v data="$data" '
		function label(b, e) {
			if (b == "failover") {
				if (e == "verdict") return "lab1: health verdict, b1 down"
				if (e == "ring_installed") return "lab1: ring without b1 installed"
			} else if (b == "withdraw") {
				if (e ~ /^verdict_/) return "anycast: health verdict on " substr(e, 9)
				if (e ~ /^bgp_withdraw_/) return "anycast: BGP withdraw sent by " substr(e, 14)
				if (e == "router_first") return "anycast: router, first route via A gone"
				if (e == "router_gone") return "anycast: router, no route via region A"
			}
			return b ": " e
		}
		{
			k = $1 SUBSEP $2
			if (!(k in row)) { row[k] = n++; lab[k] = label($1, $2) }
			print row[k], lab[k], $4 > data
			v[k, ++cnt[k]] = $4
		}
		END {
			for (k in row) {
				m = cnt[k]
				for (i = 1; i <= m; i++) s[i] = v[k, i]
				for (i = 2; i <= m; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
				med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
				print row[k], lab[k], med, sprintf("median %.1f ms, %d runs", med, m)
			}
		}' "$TMP/timeline.tsv" | sort -n >"$medians"
		subtitle="every run (dots) and the median (diamond)"
		key="set key outside bottom center horizontal font \",9\""
		runs="\"$data\" using 3:1 with points pt 7 ps 0.8 lc rgb \"#5b7fa6\" title \"one run\", "
	else
		# only the BENCH medians: the milestones they imply
		awk -F'\t' -v OFS='\t' '
		{ val[$1] = $2 }
		END {
			n = 0
			if ("failover_ring_update" in val) {
				ring = val["failover_ring_update"] / 1000
				if ("failover_verdict_to_ring" in val) {
					vr = val["failover_verdict_to_ring"] / 1000
					print n++, "lab1: health verdict, b1 down", ring - vr, sprintf("%.1f ms (ring installed less verdict-to-ring)", ring - vr)
					print n++, "lab1: ring without b1 installed", ring, sprintf("%.1f ms, %.2f ms after the verdict; median of 20", ring, vr)
				} else
					print n++, "lab1: ring without b1 installed", ring, sprintf("%.1f ms, median of 20", ring)
			}
			if ("withdraw_latency" in val)
				print n++, "anycast: router, no route via region A", val["withdraw_latency"], sprintf("%s ms, median of 7", val["withdraw_latency"])
		}' "$TMP/bench.tsv" >"$medians"
		subtitle="medians of the BENCH figures (this run has no TIMELINE lines)"
		key="set key off"
		runs=""
	fi
	[ -s "$medians" ] || return 0
	n=$(wc -l <"$medians")
	xmax=$(cat "$medians" ${runs:+"$data"} | awk -F'\t' -v b="$budget" '{ m = ($3 > m) ? $3 : m } END { if (b > m) m = b; print m * 1.7 }')
	cat >"$TMP/tl.gp" <<EOF
set terminal $TERMINAL size 1150,$((n * 50 + 260)) noenhanced font "DejaVu Sans,10"
set output "$out"
set datafile separator "\t"
set title "Failover: time since the backend died\n$RUN_LABEL\nlab1: bench-failover, backend b1 killed; anycast: bench-withdraw, region A's last backend killed\n$subtitle" font ",12"
set xlabel "ms since the backend was killed"
set xrange [-10:$xmax]
set yrange [$n-0.4:-0.6]
set ytics nomirror font ",10"
set xtics nomirror
set grid xtics lc rgb "#dddddd"
set lmargin 42
set bmargin 5
set style fill solid 0.35 noborder
set style textbox opaque noborder
$key
set arrow 1 from 0, graph 0 to 0, graph 1 nohead lw 2 lc rgb "#c0392b"
set label 1 "backend killed" at 0, graph 1 offset 0.5,-1 font ",9" tc rgb "#c0392b"
set arrow 2 from $budget, graph 0 to $budget, graph 1 nohead dt 2 lw 2 lc rgb "black"
set label 2 sprintf("detection budget: interval x fall = %g ms", $budget) at $budget, graph 0 offset 0.5,1 font ",9"
plot "$medians" using (\$3/2):1:(0):3:(\$1-0.12):(\$1+0.12) with boxxyerror lc rgb "#2e8b57" notitle, \\
     $runs"$medians" using 3:1:ytic(2) with points pt 13 ps 2.2 lc rgb "#2e8b57" title "median", \\
     "" using 3:1:4 with labels boxed left offset 1.8,0.9 font ",9" notitle
EOF
	gnuplot "$TMP/tl.gp"
	echo "$out"
}
timeline "$OUTDIR/failover-timeline.png"

# Maglev build time by N, for both ring sizes, against the textbook build.
awk -F'\t' -v OFS='\t' '$1 ~ /^maglev_build_n[0-9]+_m[0-9]+$/ {
	split($1, p, /_n|_m/); print p[3], p[2], $2 / 1000, $4 / 1000
}' "$TMP/bench.tsv" | sort -k1,1n -k2,2n >"$TMP/maglev.tsv"
if [ -s "$TMP/maglev.tsv" ]; then
	cat >"$TMP/maglev.gp" <<EOF
set terminal $TERMINAL size 950,600 noenhanced font "DejaVu Sans,10"
set output "$OUTDIR/maglev-build.png"
set datafile separator "\t"
set title "Maglev ring build time\n$RUN_LABEL\nmaglev_build() against the paper's textbook build in the same run" font ",12"
set xlabel "backends N"
set ylabel "build time, ms (median of several builds)"
set logscale xy
set xrange [6:16000]
set grid lc rgb "#dddddd"
set key top left font ",9"
set arrow 1 from 500, 1.5 to 2000, 1.5 nohead lw 3 lc rgb "#c0392b"
plot "$TMP/maglev.tsv" using (\$1 == 65537 ? \$2 : NaN):3 with linespoints lw 2 pt 7 lc rgb "#5b7fa6" title "maglev_build, M = 65537", \\
     "" using (\$1 == 65537 ? \$2 : NaN):4 with linespoints dt 2 lw 2 pt 6 lc rgb "#5b7fa6" title "textbook, M = 65537", \\
     "" using (\$1 == 655373 ? \$2 : NaN):3 with linespoints lw 2 pt 5 lc rgb "#2e8b57" title "maglev_build, M = 655373", \\
     "" using (\$1 == 655373 ? \$2 : NaN):4 with linespoints dt 2 lw 2 pt 4 lc rgb "#2e8b57" title "textbook, M = 655373", \\
     keyentry with lines lw 3 lc rgb "#c0392b" title "target at N = 1000, M = 65537: < 1.5 ms"
EOF
	gnuplot "$TMP/maglev.gp"
	echo "$OUTDIR/maglev-build.png"
fi
