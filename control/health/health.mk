# control/health/health.mk - the health checker ($(BUILD)/control/health.a; it runs on the event
# loop of control/lib) and its unit test. The unit test is built with the sanitizers (address,
# undefined, leak) from its own objects under $(BUILD)/health-san/, so that the plain objects stay
# linkable without them; it links the checker and the event loop, nothing else.

HEALTH_OBJS := $(BUILD)/control/health/health.o $(BUILD)/control/health/http_response.o

$(BUILD)/control/health.a: $(HEALTH_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

HEALTH_TEST := $(BUILD)/tests/unit/test_health
HEALTH_TEST_OBJS := $(BUILD)/health-san/control/health/health.o \
	$(BUILD)/health-san/control/health/http_response.o $(BUILD)/health-san/control/lib/evloop.o \
	$(BUILD)/health-san/tests/unit/test_health.o
UNIT_TESTS += $(HEALTH_TEST)

$(HEALTH_TEST_OBJS): $(BUILD)/health-san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(HEALTH_TEST): $(HEALTH_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $^ -lcmocka -o $@
