# bench/withdraw.mk - `make bench-withdraw`: withdraw latency at the router (BIRD 2 in the anycast
# lab) after region A's last backend dies, median of several rounds, next to the configured
# detection budget interval x fall (bench/withdraw.sh).

.PHONY: bench-withdraw
bench-withdraw: $(BUILD)/edgelbd $(BUILD)/edgelbctl $(BUILD)/edgelb-testbackend \
		$(BUILD)/edgelb-decap $(BUILD)/bpf/xdp_pass.bpf.o
	bash bench/withdraw.sh

BENCHES += bench-withdraw
