# control/config.mk - the libconfig loader and validator of edgelbd's configuration.
# Programs that load the config link $(CONFIG_OBJS) and $(CONFIG_LIBS).
CONFIG_OBJS := $(BUILD)/control/config.o
CONFIG_LIBS := -lconfig

# The unit test builds the loader itself, with sanitizers, so that it checks the real code paths.
$(BUILD)/tests/unit/test_config: tests/unit/test_config.c control/config.c control/config.h \
		dataplane/core/tables.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -fno-sanitize-recover=all tests/unit/test_config.c control/config.c -o $@ $(CONFIG_LIBS) -lcmocka

UNIT_TESTS += $(BUILD)/tests/unit/test_config
