# tests/unit/align.mk - the packet core's alignment contract: every fixture through the userspace
# runner with its frame at each address mod 8, under UBSan that stops at the first misaligned
# access (-fno-sanitize-recover), the runner built from source with the same flags.
ALIGN_SAN := -fsanitize=address,undefined,alignment -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/tests/unit/test_fixtures_align: tests/unit/test_fixtures_align.c \
		$(BUILD)/tests/xdp/fixtures.h control/fastpath/lbtables.c dataplane/user/user_tables.c \
		$(wildcard dataplane/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ALIGN_SAN) -Wno-missing-field-initializers -o $@ $< control/fastpath/lbtables.c \
		dataplane/user/user_tables.c -lcmocka
UNIT_TESTS += $(BUILD)/tests/unit/test_fixtures_align
