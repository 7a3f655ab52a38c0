#!/usr/bin/env bash
# deps.sh: install the Debian packages edgelb builds, tests and benchmarks with (idempotent),
# and prepare the kernel interfaces it needs (bpffs mount). Safe to run again and again.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config clang llvm clang-19 libelf-dev zlib1g-dev linux-libc-dev gcc-multilib
	libbpf-dev libxdp-dev bpftool xdp-tools
	dpdk dpdk-dev libdpdk-dev
	libjemalloc-dev libconfig-dev libcmocka-dev libmicrohttpd-dev libmnl-dev
	bird2 iproute2 iputils-ping ethtool
	python3 python3-scapy tcpdump tshark curl wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# tshark asks whether non-root users may capture; answer for it.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bird2 is installed for the lab only; its system service must not run on the host.
if systemctl is-active --quiet bird 2>/dev/null; then systemctl stop bird || true; fi

if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null || echo "deps.sh: could not mount bpffs" >&2
fi
exit 0
