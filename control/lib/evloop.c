// SPDX-License-Identifier: MIT
/* evloop.c - epoll + timer heap event loop (see evloop.h). */
#include "control/lib/evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct fd_slot {
	ev_fd_cb cb;
	void *arg;
};

struct evloop {
	int epfd;
	bool stop;
	struct fd_slot *fds; /* indexed by fd */
	int nfds;
	struct ev_timer **heap;
	int heap_len, heap_cap;
};

uint64_t evloop_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct evloop *evloop_new(void)
{
	struct evloop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

void evloop_free(struct evloop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->fds);
	free(loop->heap);
	free(loop);
}

static int fd_slot_reserve(struct evloop *loop, int fd)
{
	if (fd < loop->nfds)
		return 0;
	int n = loop->nfds ? loop->nfds : 64;
	while (n <= fd)
		n *= 2;
	struct fd_slot *fds = realloc(loop->fds, (size_t)n * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	memset(fds + loop->nfds, 0, (size_t)(n - loop->nfds) * sizeof(*fds));
	loop->fds = fds;
	loop->nfds = n;
	return 0;
}

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	if (fd < 0 || fd_slot_reserve(loop, fd))
		return -EINVAL;
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop->fds[fd] = (struct fd_slot){.cb = cb, .arg = arg};
	return 0;
}

int evloop_mod_fd(struct evloop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void evloop_del_fd(struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfds)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->fds[fd] = (struct fd_slot){0};
}

/* ---- timers: binary min-heap on due_ns ---- */

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	*t = (struct ev_timer){.cb = cb, .arg = arg, .heap_idx = -1};
}

bool ev_timer_armed(const struct ev_timer *t)
{
	return t->heap_idx >= 0;
}

static void heap_set(struct evloop *loop, int i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct evloop *loop, int i)
{
	struct ev_timer *t = loop->heap[i];
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (loop->heap[parent]->due_ns <= t->due_ns)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct evloop *loop, int i)
{
	struct ev_timer *t = loop->heap[i];
	for (;;) {
		int child = 2 * i + 1;
		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
		    loop->heap[child + 1]->due_ns < loop->heap[child]->due_ns)
			child++;
		if (t->due_ns <= loop->heap[child]->due_ns)
			break;
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, t);
}

void evloop_timer_cancel(struct evloop *loop, struct ev_timer *t)
{
	int i = t->heap_idx;
	if (i < 0)
		return;
	t->heap_idx = -1;
	struct ev_timer *last = loop->heap[--loop->heap_len];
	if (i == loop->heap_len)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_idx);
}

void evloop_timer_arm(struct evloop *loop, struct ev_timer *t, uint64_t delay_ns)
{
	evloop_timer_cancel(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		int cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct ev_timer **heap = realloc(loop->heap, (size_t)cap * sizeof(*heap));
		if (!heap)
			abort(); /* a control daemon that cannot keep its timers cannot go on */
		loop->heap = heap;
		loop->heap_cap = cap;
	}
	t->due_ns = evloop_now_ns() + delay_ns;
	heap_set(loop, loop->heap_len++, t);
	heap_up(loop, t->heap_idx);
}

static int next_timeout_ms(struct evloop *loop, int max_wait_ms)
{
	if (!loop->heap_len)
		return max_wait_ms;
	uint64_t now = evloop_now_ns(), due = loop->heap[0]->due_ns;
	int ms = due <= now ? 0 : (int)((due - now + 999999) / 1000000);
	return (max_wait_ms >= 0 && max_wait_ms < ms) ? max_wait_ms : ms;
}

static void run_due_timers(struct evloop *loop)
{
	uint64_t now = evloop_now_ns();
	while (loop->heap_len && loop->heap[0]->due_ns <= now) {
		struct ev_timer *t = loop->heap[0];
		evloop_timer_cancel(loop, t);
		t->cb(loop, t, t->arg);
	}
}

int evloop_run_once(struct evloop *loop, int max_wait_ms)
{
	struct epoll_event events[64];
	int n = epoll_wait(loop->epfd, events, 64, next_timeout_ms(loop, max_wait_ms));
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		int fd = events[i].data.fd;
		/* a callback earlier in this batch may have removed this fd */
		if (fd < loop->nfds && loop->fds[fd].cb)
			loop->fds[fd].cb(loop, fd, events[i].events, loop->fds[fd].arg);
	}
	run_due_timers(loop);
	return n < 0 ? 0 : n;
}

void evloop_run(struct evloop *loop)
{
	loop->stop = false;
	while (!loop->stop)
		evloop_run_once(loop, -1);
}

void evloop_stop(struct evloop *loop)
{
	loop->stop = true;
}
