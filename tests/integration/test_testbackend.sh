#!/usr/bin/env bash
# test_testbackend.sh - edgelb-testbackend and edgelb-sseclient on loopback only (127.0.0.1 and
# ::1, ports chosen by the kernel): completions name the backend, a stream carries exactly K token
# events and [DONE], /health follows the admin endpoints and signals (including "hang"), /metrics
# counts running streams, malformed requests get 400/431 and the server keeps answering, the
# sseclient completes 50 streams and reports failure when its backend dies mid-stream.
# Every process it starts is killed by PID on exit, also on failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SERVER=$BUILD/edgelb-testbackend
CLIENT=$BUILD/edgelb-sseclient
NAME=tb-$$

WORK=$(mktemp -d /tmp/edgelb-testbackend.XXXXXX)
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*" >&2
	for log in "$WORK"/*.log; do
		[ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 15 "$log" >&2; }
	done
	exit 1
}
pass() { echo "ok: $*"; }

for bin in "$SERVER" "$CLIENT"; do
	[ -x "$bin" ] || fail "$bin not built (run make)"
done

# start_server LOGNAME ARGS...: starts a backend on 127.0.0.1:0 and [::1]:0; sets SERVER_PID,
# SERVER_PORT4 and SERVER_PORT6 from the addresses it logs.
start_server() {
	local log="$WORK/$1.log"
	shift
	"$SERVER" --listen 127.0.0.1:0 --listen '[::1]:0' --log "$log" "$@" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	for _ in $(seq 50); do
		grep -q ' ready: ' "$log" 2>/dev/null && break
		kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start: $*"
		sleep 0.05
	done
	grep -q ' ready: ' "$log" || fail "server not ready: $*"
	SERVER_PORT4=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
	SERVER_PORT6=$(sed -n 's/.* listening on \[::1\]:\([0-9]*\)$/\1/p' "$log")
	[ -n "$SERVER_PORT4" ] && [ -n "$SERVER_PORT6" ] || fail "no listening ports in $log"
}

# http_code URL [curl args...]: prints the status code (000 when no answer).
http_code() {
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url"
}

metric() { # metric NAME: value of the first sample of NAME from /metrics
	curl -s --max-time 2 "$BASE/metrics" | awk -v n="$1" 'index($0, n "{") == 1 { print $2; exit }'
}

start_server main --name "$NAME" --tokens 5 --token-interval-ms 20 --pidfile "$WORK/pid"
MAIN_PID=$SERVER_PID
PORT4=$SERVER_PORT4
PORT6=$SERVER_PORT6
BASE=http://127.0.0.1:$PORT4
BASE6=http://[::1]:$PORT6
[ "$(cat "$WORK/pid")" = "$MAIN_PID" ] || fail "pidfile does not hold the server PID"
pass "server $NAME on 127.0.0.1:$PORT4 and [::1]:$PORT6"

# --- completions ---
headers=$WORK/headers
body=$(curl -s --max-time 2 -D "$headers" -d '{"prompt":"hi"}' "$BASE/v1/completions")
echo "$body" | grep -q "\"backend\":\"$NAME\"" || fail "completion does not name the backend: $body"
grep -qi "^X-Backend: $NAME" "$headers" || fail "no X-Backend header"
body=$(curl -s --max-time 2 -d '{"messages":[],"stream":false}' "$BASE6/v1/chat/completions")
echo "$body" | grep -q "\"object\":\"chat.completion\".*\"backend\":\"$NAME\"" ||
	fail "IPv6 chat completion: $body"
pass "non-streaming completions name the backend (IPv4, IPv6)"

# check_stream FILE K: exactly K token events numbered 0..K-1, each naming the backend, then
# [DONE] as the last event.
check_stream() {
	local file=$1 k=$2
	local events tokens last
	events=$(grep -c '^data: ' "$file")
	tokens=$(grep -c "^data: {.*\"backend\":\"$NAME\"" "$file")
	last=$(grep '^data: ' "$file" | tail -n 1)
	[ "$events" -eq $((k + 1)) ] || fail "stream has $events events, expected $((k + 1))"
	[ "$tokens" -eq "$k" ] || fail "stream has $tokens token events naming $NAME, expected $k"
	[ "$last" = "data: [DONE]" ] || fail "last event is '$last', not [DONE]"
	for i in $(seq 0 $((k - 1))); do
		grep -q "\"token\":$i," "$file" || fail "token $i missing"
	done
}

stream=$WORK/stream
curl -sN --max-time 5 -D "$headers" -d '{"stream":true,"max_tokens":7}' \
	"$BASE/v1/completions" >"$stream" || fail "streaming curl failed"
grep -qi '^Content-Type: text/event-stream' "$headers" || fail "stream is not text/event-stream"
check_stream "$stream" 7
curl -sN --max-time 5 -d '{"stream": true}' "$BASE6/v1/chat/completions" >"$stream" ||
	fail "IPv6 streaming curl failed"
check_stream "$stream" 5
curl -sN --http1.0 --max-time 5 -d '{"stream":true,"max_tokens":3}' "$BASE/v1/completions" \
	>"$stream" || fail "HTTP/1.0 streaming curl failed"
check_stream "$stream" 3
pass "streams carry exactly K token events then [DONE] (chunked, IPv6 chat, HTTP/1.0 close)"

reuse=$(curl -sv --max-time 2 "$BASE/health" "$BASE/health" 2>&1 |
	grep -ci 're-using existing connection')
[ "$reuse" -ge 1 ] || fail "keep-alive: curl did not reuse the connection"
prompt=$(head -c 3000 /dev/zero | tr '\0' p)
curl -sv --max-time 5 -H 'Expect: 100-continue' -d "{\"prompt\":\"$prompt\",\"max_tokens\":2}" \
	"$BASE/v1/completions" >"$WORK/expect.out" 2>&1 || fail "large-body completion failed"
grep -q '< HTTP/1.1 100 Continue' "$WORK/expect.out" || fail "no 100 Continue for Expect"
grep -q "\"backend\":\"$NAME\"" "$WORK/expect.out" || fail "large-body completion not answered"
pass "keep-alive, Expect: 100-continue"

# --- health ---
[ "$(curl -s --max-time 2 "$BASE/health?x=1")" = "ok" ] || fail "/health body is not ok"
[ "$(http_code "$BASE/health")" = 200 ] || fail "/health not 200 at start"
[ "$(http_code "$BASE/admin/health/fail" -X POST)" = 200 ] || fail "admin fail"
[ "$(http_code "$BASE/health")" = 503 ] || fail "/health not 503 after admin fail"
[ "$(http_code "$BASE/admin/health/hang" -X POST)" = 200 ] || fail "admin hang"
start=$(date +%s%N)
curl -s -o /dev/null --max-time 1 "$BASE/health"
rc=$?
[ $rc -eq 28 ] || fail "/health in hang mode: curl exit $rc, expected 28 (timeout)"
[ $(($(date +%s%N) - start)) -ge 900000000 ] || fail "hang answered early"
[ "$(http_code "$BASE/admin/health/ok" -X POST)" = 200 ] || fail "admin ok"
[ "$(http_code "$BASE/health")" = 200 ] || fail "/health not 200 after admin ok"
kill -USR1 "$MAIN_PID"
sleep 0.2
[ "$(http_code "$BASE/health")" = 503 ] || fail "/health not 503 after SIGUSR1"
kill -USR2 "$MAIN_PID"
sleep 0.2
[ "$(http_code "$BASE/health")" = 200 ] || fail "/health not 200 after SIGUSR2"
[ "$(http_code "$BASE/admin/health/bogus" -X POST)" = 404 ] || fail "unknown admin mode not 404"
pass "/health: 200, admin fail 503, hang times out, ok 200, SIGUSR1 503, SIGUSR2 200"

# --- metrics: running gauge while streams are open ---
[ "$(metric vllm:num_requests_running)" = 0 ] || fail "running gauge not 0 when idle"
[ -n "$(metric vllm:num_requests_waiting)" ] || fail "no waiting gauge"
curl -s --max-time 2 "$BASE/metrics" |
	grep -q "^edgelb_testbackend_requests_total{backend=\"$NAME\"} [1-9]" ||
	fail "no requests counter labelled with the backend"
"$CLIENT" --streams 10 --tokens 60 --timeout-ms 10000 "127.0.0.1:$PORT4" >"$WORK/slow.out" &
SLOW_PID=$!
PIDS+=("$SLOW_PID")
running=0
for _ in $(seq 40); do
	running=$(metric vllm:num_requests_running)
	[ "${running:-0}" -eq 10 ] && break
	sleep 0.05
done
[ "${running:-0}" -gt 0 ] || fail "running gauge stayed 0 while streams were open"
wait "$SLOW_PID" || fail "slow sseclient failed: $(tail -n 1 "$WORK/slow.out")"
[ "$(metric vllm:num_requests_running)" = 0 ] || fail "running gauge not back to 0"
pass "running gauge $running while streams open, 0 after"

# --- --max-running: streams beyond the limit wait, and the waiting gauge shows them ---
start_server queue --name queue --max-running 2 --token-interval-ms 20
QBASE=http://127.0.0.1:$SERVER_PORT4
"$CLIENT" --streams 5 --tokens 30 --timeout-ms 10000 "127.0.0.1:$SERVER_PORT4" >"$WORK/queue.out" &
QCLIENT_PID=$!
PIDS+=("$QCLIENT_PID")
waiting=0
for _ in $(seq 40); do
	waiting=$(BASE=$QBASE metric vllm:num_requests_waiting)
	[ "${waiting:-0}" -eq 3 ] && break
	sleep 0.05
done
[ "${waiting:-0}" -eq 3 ] || fail "waiting gauge $waiting with 5 streams and --max-running 2"
[ "$(BASE=$QBASE metric vllm:num_requests_running)" = 2 ] || fail "running gauge not 2"
wait "$QCLIENT_PID" || fail "queued streams did not all complete: $(tail -n 1 "$WORK/queue.out")"
[ "$(BASE=$QBASE metric vllm:num_requests_waiting)" = 0 ] || fail "waiting gauge not back to 0"
kill "$SERVER_PID"
pass "--max-running 2: 2 running, 3 waiting, all 5 complete"

# --- malformed requests ---
raw_status() { # raw_status TEXT: status line the server answers to raw bytes
	exec 3<>"/dev/tcp/127.0.0.1/$PORT4" || fail "connect for a raw request"
	printf '%b' "$1" >&3
	local line
	IFS= read -r -t 2 line <&3
	exec 3<&-
	printf '%s' "${line%$'\r'}"
}
[ "$(raw_status 'GARBAGE\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ] || fail "garbage not 400"
[ "$(raw_status 'GET / HTTP/1.1\r\nNo colon here\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ] ||
	fail "bad header not 400"
[ "$(raw_status 'POST /v1/completions HTTP/1.1\r\nContent-Length: 9999999\r\n\r\n')" = \
	"HTTP/1.1 413 Content Too Large" ] || fail "huge body not 413"
big=$(head -c 10000 /dev/zero | tr '\0' a)
[ "$(http_code "$BASE/health" -H "X-Big: $big")" = 431 ] || fail "huge header not 431"
[ "$(http_code "$BASE/v1/completions" -d '{"stream":"yes"}')" = 400 ] || fail "bad JSON not 400"
[ "$(http_code "$BASE/v1/completions" -d 'not json')" = 400 ] || fail "non-JSON body not 400"
[ "$(http_code "$BASE/v1/completions" -d '{"max_tokens":0}')" = 400 ] || fail "max_tokens 0 not 400"
[ "$(http_code "$BASE/v1/completions")" = 405 ] || fail "GET completion not 405"
body=$(curl -s --max-time 2 "$BASE/nope")
echo "$body" | grep -q "\"backend\":\"$NAME\"" || fail "404 does not name the backend: $body"
[ "$(http_code "$BASE/")" = 404 ] || fail "/ not 404"
kill -0 "$MAIN_PID" || fail "server died on malformed input"
[ "$(http_code "$BASE/health")" = 200 ] || fail "server stopped answering after bad requests"
pass "malformed requests get 400/405/413/431, unknown paths 404, server still answers"

# --- sseclient: 50 streams complete, over IPv4 and IPv6 ---
"$CLIENT" --streams 50 --tokens 5 --timeout-ms 10000 "127.0.0.1:$PORT4" >"$WORK/c50.out" ||
	fail "sseclient 50 streams: $(tail -n 1 "$WORK/c50.out")"
[ "$(grep -c "^stream .* backend=$NAME tokens=5 done=1 error=none$" "$WORK/c50.out")" = 50 ] ||
	fail "not every stream line reports a complete stream"
grep -q "^summary streams=50 ok=50 failed=0 tokens=250 backends=$NAME:50 " "$WORK/c50.out" ||
	fail "summary: $(tail -n 1 "$WORK/c50.out")"
"$CLIENT" --streams 20 --tokens 4 --path /v1/chat/completions --bind ::1 --timeout-ms 10000 \
	"[::1]:$PORT6" >"$WORK/c6.out" || fail "sseclient over IPv6: $(tail -n 1 "$WORK/c6.out")"
pass "sseclient: 50 streams over IPv4 and 20 chat streams over IPv6 complete"

# --- sseclient reports failures: wrong path, refused port, backend killed mid-stream ---
"$CLIENT" --streams 2 --tokens 3 --path /nope "127.0.0.1:$PORT4" >"$WORK/neg.out"
[ $? -eq 1 ] || fail "sseclient exit status on 404 is not 1"
grep -q 'error=http status 404' "$WORK/neg.out" || fail "404 not reported"
start_server victim --name victim --token-interval-ms 20
VICTIM_PID=$SERVER_PID
VICTIM_PORT=$SERVER_PORT4
"$CLIENT" --streams 5 --tokens 500 --timeout-ms 10000 "127.0.0.1:$VICTIM_PORT" >"$WORK/victim.out" &
VCLIENT_PID=$!
PIDS+=("$VCLIENT_PID")
sleep 0.3
kill -9 "$VICTIM_PID"
wait "$VICTIM_PID" 2>/dev/null
wait "$VCLIENT_PID"
rc=$?
[ $rc -eq 1 ] || fail "sseclient exit $rc after its backend died, expected 1"
cut_short='backend=victim tokens=[1-9][0-9]* done=0 error=connection closed'
[ "$(grep -c "$cut_short" "$WORK/victim.out")" = 5 ] ||
	fail "killed backend not reported per stream: $(head -n 2 "$WORK/victim.out")"
# nothing listens on the dead victim's port any more
"$CLIENT" --streams 1 "127.0.0.1:$VICTIM_PORT" >"$WORK/refused.out"
[ $? -eq 1 ] && grep -q 'error=connect: Connection refused' "$WORK/refused.out" ||
	fail "refused connection not reported"
"$CLIENT" --streams 0 "127.0.0.1:$PORT4" >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad option not exit 2"
pass "sseclient reports 404, backend killed mid-stream, refused connection, bad usage"

# --- clean stop ---
kill -TERM "$MAIN_PID"
wait "$MAIN_PID"
rc=$?
[ $rc -eq 0 ] || fail "server exit $rc on SIGTERM"
[ ! -e "$WORK/pid" ] || fail "pidfile left behind"
grep -q "\"POST /v1/completions HTTP/1.1\" 200 stream tokens=7" "$WORK/main.log" ||
	fail "request log lacks the stream line"
pass "SIGTERM stops the server, pidfile removed, one log line per request"
echo "test_testbackend: all passed"
