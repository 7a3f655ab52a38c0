# control/conf/conf.mk - the configuration loader and validator ($(BUILD)/control/conf.a, needs
# -lconfig): the libconfig reader toolkit, one file per section, the checks across sections and
# the reload diff. Programs that read the config (edgelbd, edgelbctl, config_keys) link it.
CONF_SRCS := control/conf/reader.c control/conf/node.c control/conf/vips.c \
	control/conf/api_metrics.c control/conf/bgp.c control/conf/checks.c control/conf/load.c \
	control/conf/diff.c
CONF_HDRS := control/conf/config.h control/conf/reader.h control/conf/sections.h \
	dataplane/core/tables.h

$(BUILD)/control/conf.a: $(CONF_SRCS:%.c=$(BUILD)/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

# The unit test builds the loader itself, with sanitizers, so that it checks the real code paths;
# it links nothing else.
$(BUILD)/tests/unit/test_config: tests/unit/test_config.c $(CONF_SRCS) $(CONF_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -fno-sanitize-recover=all tests/unit/test_config.c $(CONF_SRCS) \
		-o $@ -lconfig -lcmocka

UNIT_TESTS += $(BUILD)/tests/unit/test_config
