// SPDX-License-Identifier: MIT
/*
 * test_dpdk_attach.c - edgelbd's side of the DPDK fast path (control/fastpath/dpdk_attach.c) on a
 * real table file in /dev/shm: create then adopt, one writer at a time, a missing exception
 * interface is a clear error, edgelb-dp's worker slots (alive only while the owning pid lives,
 * counters summed), interface refresh, remove. No DPDK needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/fastpath/dpdk_attach.h"
#include "control/fastpath/lbtables_shm.h"
#include "control/lib/log.h"

struct fixture {
	struct config_interface ifs[1];
	struct config_node node;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->ifs[0].name, sizeof(f->ifs[0].name), "lo");
	f->node.interfaces = f->ifs;
	f->node.n_interfaces = 1;
	f->node.ring_size = 13;
	f->node.forwarding = CONFIG_DP_DPDK;
	snprintf(f->node.dpdk.shm_path, sizeof(f->node.dpdk.shm_path),
		 "/dev/shm/elb-test-dpdk-attach-%d.tables", (int)getpid());
	unlink(f->node.dpdk.shm_path);
	ed_log_settings.level = ED_LOG_ERROR;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->node.dpdk.shm_path);
	free(f);
	return 0;
}

static void test_create_then_adopt(void **state)
{
	struct fixture *f = *state;
	struct fastpath *fp, *second;
	char err[256] = "";
	struct stat st;

	assert_int_equal(dpdk_fastpath_open(&fp, &f->node, 0, err, sizeof(err)), 0);
	assert_false(fp->adopted);
	assert_non_null(fp->tables);
	assert_int_equal(fp->n_ifs, 1);
	assert_string_equal(fp->ifs[0].name, "lo");
	assert_int_equal(fp->ifs[0].ifindex, 1);
	assert_string_equal(fp->location, f->node.dpdk.shm_path);
	assert_int_equal(stat(f->node.dpdk.shm_path, &st), 0);

	/* one writer at a time */
	assert_int_not_equal(dpdk_fastpath_open(&second, &f->node, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, f->node.dpdk.shm_path));
	assert_null(second);

	fastpath_close(fp);
	assert_int_equal(stat(f->node.dpdk.shm_path, &st), 0); /* the file stays */
	assert_int_equal(dpdk_fastpath_open(&fp, &f->node, 0, err, sizeof(err)), 0);
	assert_true(fp->adopted);
	assert_int_equal(fastpath_detach(fp), 0);
	assert_int_not_equal(stat(f->node.dpdk.shm_path, &st), 0);
	assert_int_equal(dpdk_unlink_tables(f->node.dpdk.shm_path), 0); /* gone already: fine */
}

static void test_missing_interface(void **state)
{
	struct fixture *f = *state;
	struct fastpath *fp;
	char err[256] = "";

	snprintf(f->ifs[0].name, sizeof(f->ifs[0].name), "elbnosuch0");
	assert_int_not_equal(dpdk_fastpath_open(&fp, &f->node, 200, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "elbnosuch0"));
	assert_non_null(strstr(err, "exception port"));
	assert_null(fp); /* closed again: a later start may take the lock */
	snprintf(f->ifs[0].name, sizeof(f->ifs[0].name), "lo");
	assert_int_equal(dpdk_fastpath_open(&fp, &f->node, 0, err, sizeof(err)), 0);
	fastpath_close(fp);
}

static void test_workers(void **state)
{
	struct fixture *f = *state;
	struct dpdk_workers w;
	struct fastpath *fp;
	char err[256];
	pid_t child;

	assert_int_equal(dpdk_fastpath_open(&fp, &f->node, 0, err, sizeof(err)), 0);
	struct lb_shm_map *m = lbt_shm_map(fp->tables);

	dpdk_fastpath_workers(fp, &w);
	assert_int_equal(w.alive, 0);
	assert_int_equal(w.pid, 0);

	/* a live worker (this process), online, with counters; a second slot asleep (offline) */
	m->lcores[1].pid = (uint32_t)getpid();
	m->lcores[1].state = LB_SHM_LCORE_ONLINE;
	m->lcores[1].rx = 10;
	m->lcores[1].tx = 7;
	m->lcores[1].exception_tx = 3;
	m->lcores[2].pid = (uint32_t)getpid();
	m->lcores[2].state = LB_SHM_LCORE_OFFLINE;
	m->lcores[2].rx = 5;
	m->lcores[2].exception_rx = 4;
	dpdk_fastpath_workers(fp, &w);
	assert_int_equal(w.alive, 2);
	assert_int_equal(w.online, 1);
	assert_int_equal(w.pid, getpid());
	assert_int_equal(w.rx, 15);
	assert_int_equal(w.tx, 7);
	assert_int_equal(w.to_kernel, 3);
	assert_int_equal(w.from_kernel, 4);

	/* the owner died (its slot still says online): not alive, counters still summed */
	child = fork();
	if (!child)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	m->lcores[1].pid = (uint32_t)child;
	m->lcores[2].pid = (uint32_t)child;
	dpdk_fastpath_workers(fp, &w);
	assert_int_equal(w.alive, 0);
	assert_int_equal(w.online, 0);
	assert_int_equal(w.rx, 15);
	assert_int_equal(fastpath_detach(fp), 0);
}

static void test_refresh_ifs(void **state)
{
	struct fixture *f = *state;
	struct fastpath *fp;
	char err[256];

	assert_int_equal(dpdk_fastpath_open(&fp, &f->node, 0, err, sizeof(err)), 0);
	assert_int_equal(fastpath_refresh_ifs(fp), 0);
	fp->ifs[0].ifindex = 999; /* as if the TAP had been recreated */
	assert_int_equal(fastpath_refresh_ifs(fp), 1);
	assert_int_equal(fp->ifs[0].ifindex, 1);
	snprintf(fp->ifs[0].name, sizeof(fp->ifs[0].name), "elbnosuch0");
	assert_true(fastpath_refresh_ifs(fp) < 0);
	assert_int_equal(fp->ifs[0].ifindex, 1); /* kept */
	assert_int_equal(fastpath_detach(fp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_then_adopt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_interface, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_workers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_ifs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
