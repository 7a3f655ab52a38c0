# control/maglev/ring_cache.mk - rings computed ahead of a backend's death, and their unit test
# (built with the sanitizers).
$(BUILD)/tests/unit/test_ring_cache: tests/unit/test_ring_cache.c control/maglev/ring_cache.c \
		control/maglev/ring_cache.h control/maglev/maglev.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ tests/unit/test_ring_cache.c control/maglev/ring_cache.c \
		control/maglev/maglev.c -lcmocka
UNIT_TESTS += $(BUILD)/tests/unit/test_ring_cache
