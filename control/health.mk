# health.mk - the health checker (control/health.c) and its cmocka test. The test binary is
# built with the sanitizers (address, undefined, leak), objects under $(BUILD)/health-san/ so
# they never mix with the normal build's objects.

HEALTH_SAN_DIR := $(BUILD)/health-san
HEALTH_TEST    := $(BUILD)/tests/unit/test_health

UNIT_TESTS += $(HEALTH_TEST)

$(HEALTH_SAN_DIR)/%.o: control/%.c control/health.h control/evloop.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

$(HEALTH_SAN_DIR)/test_health.o: tests/unit/test_health.c control/health.h control/evloop.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

$(HEALTH_TEST): $(HEALTH_SAN_DIR)/test_health.o $(HEALTH_SAN_DIR)/health.o \
		$(HEALTH_SAN_DIR)/evloop.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -lpthread
