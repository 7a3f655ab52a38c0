// SPDX-License-Identifier: MIT
/*
 * test_api_protocol.c - edgelbd's API answers (control/api/api.c) and metrics text
 * (control/api/metrics.c) on a daemon with no fast path and no VIPs: request parsing, error lines,
 * the reserved BGP commands, JSON shape and string escaping. Traffic and tables are covered by
 * tests/integration/test_edgelbd_lab.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/api/api.h"
#include "control/api/metrics.h"
#include "control/lib/log.h"

struct fixture {
	struct edgelbd d;
	struct textbuf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct config_error err;

	if (!f || config_load("config/edgelb.conf", &f->d.cfg, &err))
		return -1;
	f->d.loop = evloop_new();
	snprintf(f->d.config_path, sizeof(f->d.config_path), "config/edgelb.conf");
	ed_log_settings.level = ED_LOG_ERROR;
	*state = f;
	return f->d.loop ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	config_free(f->d.cfg);
	evloop_free(f->d.loop);
	tb_free(&f->out);
	free(f);
	return 0;
}

static const char *ask(struct fixture *f, const char *request)
{
	tb_free(&f->out);
	api_handle(&f->d, NULL, request, &f->out);
	assert_false(f->out.oom);
	return f->out.data;
}

static void test_malformed_requests(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, ""), "error malformed request (want \"text|json COMMAND "
					"[ARG]\")\n");
	assert_true(!strncmp(ask(f, "xml status"), "error malformed request", 23));
	assert_true(!strncmp(ask(f, "text status a b"), "error malformed request", 23));
	assert_string_equal(ask(f, "text frobnicate"), "error unknown command 'frobnicate'\n");
}

static void test_errors_name_the_problem(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, "text drain"), "error drain needs a backend name\n");
	assert_string_equal(ask(f, "text drain gpu-zz"), "error no backend named 'gpu-zz'\n");
	assert_string_equal(ask(f, "json undrain gpu-zz"), "error no backend named 'gpu-zz'\n");
	assert_string_equal(ask(f, "text backends nope"), "error no VIP named 'nope'\n");
	assert_string_equal(ask(f, "text bgp"), "error BGP not configured\n");
	assert_string_equal(ask(f, "json drain-node"), "error BGP not configured\n");
}

static void test_status_text_and_json(void **state)
{
	struct fixture *f = *state;
	const char *text = ask(f, "text status");

	assert_true(!strncmp(text, "ok\nnode        edge-fra1-a\n", 27));
	assert_non_null(strstr(text, "fast path   DETACHED"));
	const char *json = ask(f, "json status");

	assert_true(!strncmp(json, "ok\n{\"node\":\"edge-fra1-a\",", 25));
	assert_non_null(strstr(json, "\"attached\":false"));
	assert_string_equal(json + strlen(json) - 2, "}\n");
}

static void test_empty_lists_are_valid_json(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, "json vips"), "ok\n[]\n");
	assert_string_equal(ask(f, "json backends"), "ok\n[]\n");
	assert_true(!strncmp(ask(f, "json stats"), "ok\n{\"rx_packets\":0,", 19));
	assert_non_null(strstr(ask(f, "json stats"), "\"drops\":{\"trunc_l2\":0,"));
	assert_non_null(strstr(ask(f, "text stats"), "  no_backend"));
}

static void test_json_string_escaping(void **state)
{
	struct textbuf tb = {0};

	tb_json_str(&tb, "a\"b\\c\nd\x01");
	assert_string_equal(tb.data, "\"a\\\"b\\\\c\\u000ad\\u0001\"");
	tb_free(&tb);
}

static void test_metrics_text(void **state)
{
	struct fixture *f = *state;
	struct textbuf tb = {0};

	metrics_render(&f->d, NULL, &tb);
	assert_false(tb.oom);
	assert_non_null(strstr(tb.data, "# TYPE edgelb_fastpath_attached gauge\n"
					"edgelb_fastpath_attached{node=\"edge-fra1-a\"} 0\n"));
	assert_non_null(strstr(tb.data, "edgelb_drops_total{reason=\"no_backend\"} 0\n"));
	assert_non_null(strstr(tb.data, "edgelb_conn_table_capacity 1048576\n"));
	tb_free(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_name_the_problem, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_text_and_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_lists_are_valid_json, setup, teardown),
	    cmocka_unit_test(test_json_string_escaping),
	    cmocka_unit_test_setup_teardown(test_metrics_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
