# netns.sh - sourced by tests, benchmarks and the lab: network namespaces with a per-run name
# prefix, veth links between them, and cleanup that runs on every exit, also on failure.
#
#   source scripts/lib/netns.sh
#   netns_init mytest            # prefix "elb-mytest-<pid>-", EXIT trap installed
#   netns_add client             # creates "<prefix>client", lo up
#   netns_link client eth0 lb eth0   # veth pair between two namespaces
#   nsx client ping -c1 ...      # run a command inside a namespace
#   netns_bg client cmd args...  # start a background process, remembered by PID, killed on exit
#
# Only namespaces carrying this run's prefix are ever removed; only processes this run started
# (by PID) are ever killed.

NETNS_PREFIX=""
NETNS_LIST=()
NETNS_PIDS=()
NETNS_CLEANUP_HOOKS=()

netns_init() {
	local tag=${1:-test}
	NETNS_PREFIX="elb-${tag}-$$-"
	trap netns_cleanup EXIT
	trap 'exit 130' INT TERM
}

netns_name() { echo "${NETNS_PREFIX}$1"; }

netns_add() {
	local ns="${NETNS_PREFIX}$1"
	ip netns add "$ns" || return 1
	NETNS_LIST+=("$ns")
	ip -n "$ns" link set lo up
}

# netns_link NS_A IF_A NS_B IF_B: a veth pair, both ends up.
netns_link() {
	local a="${NETNS_PREFIX}$1" ia=$2 b="${NETNS_PREFIX}$3" ib=$4
	ip link add "tmp$$a" type veth peer name "tmp$$b" || return 1
	ip link set "tmp$$a" netns "$a" name "$ia"
	ip link set "tmp$$b" netns "$b" name "$ib"
	ip -n "$a" link set "$ia" up
	ip -n "$b" link set "$ib" up
}

nsx() {
	local ns="${NETNS_PREFIX}$1"
	shift
	ip netns exec "$ns" "$@"
}

# netns_bg NS CMD...: run CMD in the background inside NS; its PID is in $NETNS_LAST_PID.
netns_bg() {
	local ns="${NETNS_PREFIX}$1"
	shift
	ip netns exec "$ns" "$@" &
	NETNS_LAST_PID=$!
	NETNS_PIDS+=("$NETNS_LAST_PID")
}

# netns_on_cleanup CMD: run CMD (eval'd) during cleanup, before namespaces are removed.
netns_on_cleanup() { NETNS_CLEANUP_HOOKS+=("$1"); }

netns_cleanup() {
	local rc=$?
	local h pid ns
	for h in "${NETNS_CLEANUP_HOOKS[@]}"; do eval "$h" || true; done
	for pid in "${NETNS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${NETNS_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
	for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	NETNS_LIST=()
	NETNS_PIDS=()
	return $rc
}
