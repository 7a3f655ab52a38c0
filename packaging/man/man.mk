# packaging/man/man.mk - the manual pages (edgelbd(8), edgelbctl(8), edgelb-dp(8),
# edgelb-decap(8), edgelb.conf(5)) and what keeps them true: config_keys prints every key the
# configuration loader accepts (control/conf/'s own key lists), and
# tests/integration/test_manpages.sh checks the pages against it, against each program's --help
# and source, and renders each page with warnings as errors. `make man-check` runs just that test.
MAN_PAGES := packaging/man/edgelbd.8 packaging/man/edgelbctl.8 packaging/man/edgelb-dp.8 \
	packaging/man/edgelb-decap.8 packaging/man/edgelb.conf.5

$(BUILD)/packaging/man/config_keys: packaging/man/config_keys.c control/conf/config.h \
		$(BUILD)/control/conf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(BUILD)/control/conf.a -o $@ -lconfig

BINS        += $(BUILD)/packaging/man/config_keys
INTEG_TESTS += tests/integration/test_manpages.sh

.PHONY: man-check
man-check: $(BUILD)/packaging/man/config_keys $(BUILD)/edgelbd $(BUILD)/edgelbctl \
		$(BUILD)/edgelb-decap $(BUILD)/edgelb-dp
	@BUILD=$(BUILD) bash tests/integration/test_manpages.sh
