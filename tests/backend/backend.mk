# tests/backend: edgelb-testbackend (an inference-like HTTP server with SSE token streams) and
# edgelb-sseclient (holds many SSE streams open and reports each one), used by the lab and the
# integration tests; plus the unit test of their shared HTTP/SSE/JSON helpers.

TESTBACKEND_COMMON := $(BUILD)/tests/backend/httpmini.o

$(BUILD)/edgelb-testbackend: $(BUILD)/tests/backend/testbackend.o $(TESTBACKEND_COMMON) \
		$(BUILD)/control/lib/evloop.o
	$(CC) $(CFLAGS) $^ -o $@

$(BUILD)/edgelb-sseclient: $(BUILD)/tests/backend/sseclient.o $(TESTBACKEND_COMMON) \
		$(BUILD)/control/lib/evloop.o
	$(CC) $(CFLAGS) $^ -o $@

# The unit test is built with the sanitizers: the parsers take hostile input.
$(BUILD)/tests/backend/test_httpmini: tests/backend/test_httpmini.c tests/backend/httpmini.c \
		tests/backend/httpmini.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) tests/backend/test_httpmini.c tests/backend/httpmini.c -lcmocka -o $@

BINS        += $(BUILD)/edgelb-testbackend $(BUILD)/edgelb-sseclient
UNIT_TESTS  += $(BUILD)/tests/backend/test_httpmini
INTEG_TESTS += tests/integration/test_testbackend.sh
