# control/bgp/bgp.mk - the announce-only BGP speaker, its unit tests, the test driver and the
# integration tests against BIRD 2.
# Programs that embed the speaker link $(BUILD)/control/bgp.a (and control/lib.a for the loop).
# The unit tests and the driver are built from source with the sanitizers (address, undefined),
# so that hostile input in the tests also proves memory safety; the plain objects stay clean.

BGP_SRCS := control/bgp/msg.c control/bgp/update.c control/bgp/session.c control/bgp/speaker.c \
	control/bgp/sock.c control/bgp/policy.c
BGP_HDRS := control/bgp/bgp.h control/bgp/msg.h control/bgp/wire.h control/bgp/sock.h control/bgp/policy.h \
	control/bgp/peer.h \
	control/lib/evloop.h dataplane/core/tables.h
BGP_OBJS := $(BGP_SRCS:%.c=$(BUILD)/%.o)
BGP_SAN_CFLAGS = $(CFLAGS) $(SAN) -fno-sanitize-recover=all

BGP_DRIVER := $(BUILD)/tests/bgp_driver
BGP_UNIT_TESTS := $(BUILD)/tests/unit/test_bgp_msg $(BUILD)/tests/unit/test_bgp_policy \
	$(BUILD)/tests/unit/test_bgp_fsm

BINS += $(BGP_DRIVER)
UNIT_TESTS += $(BGP_UNIT_TESTS)
INTEG_TESTS += tests/integration/test_bgp_bird.sh tests/integration/test_bgp_hostile.sh

$(BGP_DRIVER): tests/bgp/bgp_driver.c $(BGP_SRCS) control/lib/evloop.c $(BGP_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BGP_SAN_CFLAGS) -o $@ $(filter %.c,$^)

$(BUILD)/tests/unit/test_bgp_msg: tests/unit/test_bgp_msg.c control/bgp/msg.c control/bgp/update.c \
		control/bgp/sock.c $(BGP_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BGP_SAN_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

$(BUILD)/tests/unit/test_bgp_policy: tests/unit/test_bgp_policy.c control/bgp/policy.c \
		control/bgp/policy.h
	@mkdir -p $(dir $@)
	$(CC) $(BGP_SAN_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

$(BUILD)/tests/unit/test_bgp_fsm: tests/unit/test_bgp_fsm.c $(BGP_SRCS) control/lib/evloop.c \
		$(BGP_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BGP_SAN_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

# the plain objects, for the daemon
$(BUILD)/control/bgp.a: $(BGP_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
