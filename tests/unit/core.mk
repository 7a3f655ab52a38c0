# tests/unit/core.mk - unit tests of the packet core (hash, ring reduction, parser, connection
# table, VIP expansion), built with the sanitizers.
$(BUILD)/tests/unit/test_core: tests/unit/test_core.c control/fastpath/lbtables.c $(wildcard dataplane/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Wno-missing-field-initializers -o $@ tests/unit/test_core.c \
		control/fastpath/lbtables.c -lcmocka
UNIT_TESTS += $(BUILD)/tests/unit/test_core

$(BUILD)/tests/unit/test_conn_aging: tests/unit/test_conn_aging.c dataplane/user/user_tables.c \
		control/fastpath/lbtables.c $(wildcard dataplane/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Wno-missing-field-initializers -o $@ tests/unit/test_conn_aging.c \
		dataplane/user/user_tables.c control/fastpath/lbtables.c -lcmocka
UNIT_TESTS += $(BUILD)/tests/unit/test_conn_aging

# The same tests at edgelb-dp's instruction-set level (DPDK's -march=corei7): the connection
# table's SSE paths (tag mask, least recently used way) are the ones edgelb-dp runs.
$(BUILD)/tests/unit/test_core_corei7: tests/unit/test_core.c control/fastpath/lbtables.c \
		$(wildcard dataplane/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -march=corei7 -Wno-missing-field-initializers -o $@ \
		tests/unit/test_core.c control/fastpath/lbtables.c -lcmocka
UNIT_TESTS += $(BUILD)/tests/unit/test_core_corei7
