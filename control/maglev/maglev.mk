# control/maglev/maglev.mk - the Maglev ring builder and its unit test.
# Programs that use the builder link $(MAGLEV_OBJS), or $(BUILD)/control/maglev.a, which also
# holds the cache of rings computed ahead (ring_cache.c, its test in ring_cache.mk). The unit test
# is built with sanitizers from its own objects under $(BUILD)/san/, so that the plain objects
# stay linkable without them.

MAGLEV_OBJS := $(BUILD)/control/maglev/maglev.o

$(BUILD)/control/maglev.a: $(MAGLEV_OBJS) $(BUILD)/control/maglev/ring_cache.o
	@rm -f $@
	$(AR) rcs $@ $^

MAGLEV_TEST := $(BUILD)/tests/unit/test_maglev
MAGLEV_TEST_OBJS := $(BUILD)/san/control/maglev/maglev.o $(BUILD)/san/tests/unit/test_maglev.o
UNIT_TESTS += $(MAGLEV_TEST)

$(MAGLEV_TEST_OBJS): $(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(MAGLEV_TEST): $(MAGLEV_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $^ -lcmocka -o $@
