# control/health.mk - the health checker and its unit test.
# Programs that use the checker link $(HEALTH_OBJS) (it needs control/lib/evloop.o as well).
# The unit test is built with the sanitizers (address, undefined, leak) from its own objects
# under $(BUILD)/health-san/, so that the plain objects stay linkable without them.

HEALTH_OBJS := $(BUILD)/control/health.o

HEALTH_TEST := $(BUILD)/tests/unit/test_health
HEALTH_TEST_OBJS := $(BUILD)/health-san/control/health.o $(BUILD)/health-san/control/lib/evloop.o \
	$(BUILD)/health-san/tests/unit/test_health.o
UNIT_TESTS += $(HEALTH_TEST)

$(HEALTH_TEST_OBJS): $(BUILD)/health-san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(HEALTH_TEST): $(HEALTH_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $^ -lcmocka -o $@
