# control/bgp: the announce-only BGP speaker (library objects), its unit tests, the test driver
# and the integration tests against BIRD 2.

BGP_OBJS := $(BUILD)/control/bgp/msg.o $(BUILD)/control/bgp/speaker.o \
	$(BUILD)/control/bgp/sock.o $(BUILD)/control/bgp/policy.o $(BUILD)/control/evloop.o

BINS += $(BUILD)/tests/bgp_driver
UNIT_TESTS += $(BUILD)/tests/unit/test_bgp_msg $(BUILD)/tests/unit/test_bgp_policy \
	$(BUILD)/tests/unit/test_bgp_fsm
INTEG_TESTS += tests/integration/test_bgp_bird.sh tests/integration/test_bgp_hostile.sh

$(BUILD)/tests/bgp_driver: $(BUILD)/tests/bgp/bgp_driver.o $(BGP_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/tests/unit/test_bgp_msg: $(BUILD)/tests/unit/test_bgp_msg.o $(BUILD)/control/bgp/msg.o \
		$(BUILD)/control/bgp/sock.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit/test_bgp_policy: $(BUILD)/tests/unit/test_bgp_policy.o \
		$(BUILD)/control/bgp/policy.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit/test_bgp_fsm: $(BUILD)/tests/unit/test_bgp_fsm.o $(BGP_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcmocka
