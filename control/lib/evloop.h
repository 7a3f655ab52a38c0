/* SPDX-License-Identifier: MIT */
/*
 * evloop.h - the control daemon's single event loop: epoll for file descriptors and a min-heap
 * of one-shot timers on CLOCK_MONOTONIC. Health checks, the BGP speaker, the API socket and the
 * metrics server all run on one loop, one thread; nothing blocks.
 */
#ifndef EDGELB_CONTROL_LIB_EVLOOP_H
#define EDGELB_CONTROL_LIB_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct evloop;

typedef void (*ev_fd_cb)(struct evloop *loop, int fd, uint32_t events, void *arg);

struct ev_timer;
typedef void (*ev_timer_cb)(struct evloop *loop, struct ev_timer *timer, void *arg);

/* Embed in the owner's struct; ev_timer_init() before first use. */
struct ev_timer {
	uint64_t due_ns;
	ev_timer_cb cb;
	void *arg;
	int heap_idx; /* -1 when not armed */
};

struct evloop *evloop_new(void);
void evloop_free(struct evloop *loop);

/* events are EPOLLIN/EPOLLOUT/...; one callback per fd. */
int evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *arg);
int evloop_mod_fd(struct evloop *loop, int fd, uint32_t events);
void evloop_del_fd(struct evloop *loop, int fd);

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg);
void evloop_timer_arm(struct evloop *loop, struct ev_timer *t, uint64_t delay_ns);
void evloop_timer_cancel(struct evloop *loop, struct ev_timer *t);
bool ev_timer_armed(const struct ev_timer *t);

uint64_t evloop_now_ns(void);

/* Wait at most max_wait_ms (-1: until something happens), dispatch, return. */
int evloop_run_once(struct evloop *loop, int max_wait_ms);
/* Dispatch until evloop_stop(). */
void evloop_run(struct evloop *loop);
void evloop_stop(struct evloop *loop);

#endif
