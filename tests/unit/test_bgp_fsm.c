// SPDX-License-Identifier: MIT
/*
 * test_bgp_fsm.c - the speaker's state machine and timers against a scripted peer on loopback
 * (127.0.0.1, an ephemeral port this test listens on): OPEN/KEEPALIVE exchange to Established,
 * End-of-RIB, UPDATE on announce, our keepalives, the receive-side hold timer really firing
 * (NOTIFICATION 4/0, then a reconnect), OPEN errors and FSM errors answered with the right
 * NOTIFICATION. Deadlines are generous upper bounds; no test asserts how fast anything is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/bgp/bgp.h"
#include "control/bgp/msg.h"

struct fixture {
	struct evloop *loop;
	struct bgp_speaker *speaker;
	int listen_fd;
	uint16_t port;
	uint16_t speaker_port;
	int conn;
	uint8_t buf[8192];
	size_t len;
};

static void quiet_log(void *arg, enum bgp_log_level level, const char *msg)
{
}

static int setup_with(void **state, uint16_t listen_port)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	f.conn = -1;
	f.loop = evloop_new();
	f.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sa);
	assert_int_equal(bind(f.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.listen_fd, 4), 0);
	assert_int_equal(getsockname(f.listen_fd, (struct sockaddr *)&sa, &slen), 0);
	f.port = ntohs(sa.sin_port);

	struct bgp_speaker_conf sc = {.local_as = 65000,
				      .router_id = htonl(0x0a000001),
				      .hold_time = 3,
				      .connect_retry_min_ms = 100,
				      .connect_retry_max_ms = 400,
				      .listen_port = listen_port,
				      .log = quiet_log};
	struct sockaddr_in *la = (struct sockaddr_in *)&sc.listen_addr;
	la->sin_family = AF_INET; /* loopback only */
	la->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f.speaker = bgp_new(f.loop, &sc);
	assert_non_null(f.speaker);
	struct bgp_peer_conf pc = {.peer_as = 65001, .ipv4_unicast = true};
	struct sockaddr_in *pa = (struct sockaddr_in *)&pc.addr;
	pa->sin_family = AF_INET;
	pa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pa->sin_port = htons(f.port);
	assert_int_equal(bgp_add_peer(f.speaker, &pc), 0);
	f.speaker_port = listen_port;
	*state = &f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 0);
}

/* The speaker also listens, on a loopback port that was free a moment ago. */
static int setup_listening(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sa);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &slen);
	close(fd);
	return setup_with(state, ntohs(sa.sin_port));
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	bgp_free(f->speaker);
	if (f->conn >= 0)
		close(f->conn);
	close(f->listen_fd);
	evloop_free(f->loop);
	return 0;
}

static void pump(struct fixture *f, int ms)
{
	uint64_t end = evloop_now_ns() + (uint64_t)ms * 1000000ull;
	while (evloop_now_ns() < end)
		evloop_run_once(f->loop, 10);
}

/* Runs the speaker until it connects to us; the accepted socket becomes f->conn. */
static void accept_speaker(struct fixture *f, int timeout_ms)
{
	uint64_t end = evloop_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	if (f->conn >= 0)
		close(f->conn);
	f->len = 0;
	while (evloop_now_ns() < end) {
		evloop_run_once(f->loop, 10);
		f->conn = accept4(f->listen_fd, NULL, NULL, SOCK_NONBLOCK);
		if (f->conn >= 0)
			return;
	}
	fail_msg("the speaker did not connect within %d ms", timeout_ms);
}

/* Next message from the speaker (header included); fails the test after timeout_ms. */
static size_t next_msg(struct fixture *f, uint8_t *out, int timeout_ms)
{
	uint64_t end = evloop_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		if (f->len >= BGP_HEADER_LEN) {
			size_t mlen = (size_t)(f->buf[16] << 8 | f->buf[17]);
			if (f->len >= mlen) {
				memcpy(out, f->buf, mlen);
				memmove(f->buf, f->buf + mlen, f->len - mlen);
				f->len -= mlen;
				return mlen;
			}
		}
		if (evloop_now_ns() > end)
			fail_msg("no complete message within %d ms", timeout_ms);
		evloop_run_once(f->loop, 10);
		ssize_t n = read(f->conn, f->buf + f->len, sizeof(f->buf) - f->len);
		if (n == 0)
			fail_msg("speaker closed the connection");
		if (n > 0)
			f->len += (size_t)n;
	}
}

static uint8_t next_type(struct fixture *f, int timeout_ms)
{
	uint8_t msg[4096];
	next_msg(f, msg, timeout_ms);
	return msg[18];
}

static void send_bytes(struct fixture *f, const void *b, size_t len)
{
	assert_int_equal(write(f->conn, b, len), (ssize_t)len);
}

static void send_open(struct fixture *f, uint16_t hold)
{
	struct bgp_open_params p = {.local_as = 65001,
				    .hold_time = hold,
				    .bgp_id = htonl(0x0a000002),
				    .ipv4_unicast = true};
	uint8_t msg[128];
	send_bytes(f, msg, bgp_encode_open(msg, sizeof(msg), &p));
}

static void send_keepalive(struct fixture *f)
{
	uint8_t msg[32];
	send_bytes(f, msg, bgp_encode_keepalive(msg, sizeof(msg)));
}

static enum bgp_state peer_state(struct fixture *f)
{
	struct bgp_peer_status st;
	assert_int_equal(bgp_status(f->speaker, &st, 1), 1);
	return st.state;
}

static void expect_notification(struct fixture *f, uint8_t code, uint8_t subcode)
{
	uint8_t msg[4096];
	for (;;) {
		next_msg(f, msg, 5000);
		if (msg[18] == BGP_MSG_NOTIFICATION)
			break;
	}
	assert_int_equal(msg[19], code);
	assert_int_equal(msg[20], subcode);
}

static void establish(struct fixture *f)
{
	uint8_t msg[4096];
	accept_speaker(f, 3000);
	size_t len = next_msg(f, msg, 2000);
	assert_int_equal(msg[18], BGP_MSG_OPEN);
	assert_true(len >= 29);
	assert_int_equal(msg[22] << 8 | msg[23], 3); /* proposes our hold time */
	assert_int_equal(peer_state(f), BGP_OPENSENT);
	send_open(f, 30);
	assert_int_equal(next_type(f, 2000), BGP_MSG_KEEPALIVE);
	assert_int_equal(peer_state(f), BGP_OPENCONFIRM);
	send_keepalive(f);
	len = next_msg(f, msg, 2000); /* End-of-RIB for IPv4 unicast */
	assert_int_equal(len, 23);
	assert_int_equal(msg[18], BGP_MSG_UPDATE);
	assert_int_equal(peer_state(f), BGP_ESTABLISHED);
}

static void test_establish_negotiates_hold_and_sends_keepalives(void **state)
{
	struct fixture *f = *state;
	establish(f);
	struct bgp_peer_status st;
	bgp_status(f->speaker, &st, 1);
	assert_int_equal(st.hold_time, 3); /* min(ours 3, theirs 30) */
	assert_int_equal(st.keepalive_time, 1);
	/* keep the session alive from our side; the speaker must send KEEPALIVEs on its own */
	int keepalives = 0;
	for (int i = 0; i < 4; i++) {
		send_keepalive(f);
		if (next_type(f, 2500) == BGP_MSG_KEEPALIVE)
			keepalives++;
	}
	assert_true(keepalives >= 3);
	assert_int_equal(peer_state(f), BGP_ESTABLISHED);
}

static void test_announce_and_withdraw_send_updates(void **state)
{
	struct fixture *f = *state;
	establish(f);
	struct bgp_route r = {.prefix = {.family = LB_AF_INET, .len = 32}};
	inet_pton(AF_INET, "192.0.2.10", r.prefix.addr.b);
	assert_int_equal(bgp_announce(f->speaker, &r), 0);
	uint8_t msg[4096];
	size_t len;
	do
		len = next_msg(f, msg, 2000);
	while (msg[18] == BGP_MSG_KEEPALIVE);
	assert_int_equal(msg[18], BGP_MSG_UPDATE);
	static const uint8_t nlri[] = {0x20, 192, 0, 2, 10};
	assert_memory_equal(msg + len - 5, nlri, 5);
	/* next hop self: the session's local address, 127.0.0.1 */
	static const uint8_t nh[] = {0x40, 0x03, 0x04, 127, 0, 0, 1};
	assert_non_null(memmem(msg, len, nh, sizeof(nh)));
	assert_int_equal(bgp_withdraw(f->speaker, &r.prefix), 0);
	do
		len = next_msg(f, msg, 2000);
	while (msg[18] == BGP_MSG_KEEPALIVE);
	assert_int_equal(len, 28);
	assert_int_equal(msg[20], 5); /* withdrawn routes length */
	assert_int_equal(bgp_withdraw(f->speaker, &r.prefix), -ENOENT);
}

static void test_hold_timer_expires_then_reconnects(void **state)
{
	struct fixture *f = *state;
	establish(f);
	/* say nothing: within the 3 s hold time the speaker must give up on us */
	expect_notification(f, BGP_ERR_HOLD_TIMER, 0);
	pump(f, 50);
	struct bgp_peer_status st;
	bgp_status(f->speaker, &st, 1);
	assert_int_not_equal(st.state, BGP_ESTABLISHED);
	assert_non_null(strstr(st.last_error, "hold timer expired"));
	/* and it comes back after the ConnectRetry delay */
	accept_speaker(f, 3000);
	assert_int_equal(next_type(f, 2000), BGP_MSG_OPEN);
}

static void test_hold_time_1_refused(void **state)
{
	struct fixture *f = *state;
	accept_speaker(f, 3000);
	assert_int_equal(next_type(f, 2000), BGP_MSG_OPEN);
	send_open(f, 1);
	expect_notification(f, BGP_ERR_OPEN, BGP_OPEN_UNACCEPTABLE_HOLD);
}

static void test_update_in_opensent_is_fsm_error(void **state)
{
	struct fixture *f = *state;
	accept_speaker(f, 3000);
	assert_int_equal(next_type(f, 2000), BGP_MSG_OPEN);
	uint8_t eor[32];
	send_bytes(f, eor, bgp_encode_end_of_rib(eor, sizeof(eor), LB_AF_INET));
	expect_notification(f, BGP_ERR_FSM, BGP_FSM_UNEXPECTED_IN_OPENSENT);
}

static void test_split_and_bad_messages(void **state)
{
	struct fixture *f = *state;
	establish(f);
	/* a KEEPALIVE in three pieces is one valid message */
	uint8_t ka[32];
	size_t len = bgp_encode_keepalive(ka, sizeof(ka));
	send_bytes(f, ka, 5);
	pump(f, 20);
	send_bytes(f, ka + 5, 10);
	pump(f, 20);
	send_bytes(f, ka + 15, len - 15);
	pump(f, 50);
	assert_int_equal(peer_state(f), BGP_ESTABLISHED);
	/* then a broken marker */
	ka[3] = 0;
	send_bytes(f, ka, len);
	expect_notification(f, BGP_ERR_HEADER, BGP_HDR_NOT_SYNC);
}

static void test_shutdown_sends_cease_and_stays_down(void **state)
{
	struct fixture *f = *state;
	establish(f);
	bgp_shutdown(f->speaker);
	expect_notification(f, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
	pump(f, 500);
	assert_int_equal(accept4(f->listen_fd, NULL, NULL, 0), -1); /* no reconnect */
	assert_int_equal(peer_state(f), BGP_IDLE);
	bgp_restart(f->speaker);
	accept_speaker(f, 3000);
}

static void test_bad_configuration_refused(void **state)
{
	struct fixture *f = *state;
	struct bgp_speaker_conf bad = {.local_as = 65000, .router_id = 0};
	bad.log = quiet_log;
	assert_null(bgp_new(f->loop, &bad));
	bad.router_id = 1;
	bad.hold_time = 2;
	assert_null(bgp_new(f->loop, &bad));
	struct bgp_peer_conf pc = {.peer_as = 1};
	assert_int_equal(bgp_add_peer(f->speaker, &pc), -EINVAL); /* no address */
	struct bgp_peer_status st;
	bgp_status(f->speaker, &st, 1);
	pc.addr = st.addr;
	assert_int_equal(bgp_add_peer(f->speaker, &pc), -EEXIST);
	assert_int_equal(bgp_remove_peer(f->speaker, 7), -ENOENT);
	struct bgp_route r = {.prefix = {.family = LB_AF_INET, .len = 24}};
	inet_pton(AF_INET, "192.0.2.1", r.prefix.addr.b); /* host bits set */
	assert_int_equal(bgp_announce(f->speaker, &r), -EINVAL);
}

/* Connects to the speaker's listening port, as the peer would; returns the socket. */
static int connect_to_speaker(struct fixture *f)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(f->speaker_port)};
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Makes fd the connection the helpers read from (the previous one is returned). */
static int switch_conn(struct fixture *f, int fd)
{
	int old = f->conn;
	f->conn = fd;
	f->len = 0;
	return old;
}

static void test_incoming_during_opensent_is_refused(void **state)
{
	struct fixture *f = *state;
	accept_speaker(f, 3000);
	assert_int_equal(next_type(f, 2000), BGP_MSG_OPEN);
	int outgoing = switch_conn(f, connect_to_speaker(f));
	expect_notification(f, BGP_ERR_CEASE, BGP_CEASE_COLLISION);
	close(switch_conn(f, outgoing));
	assert_int_equal(peer_state(f), BGP_OPENSENT); /* our own connection goes on */
	send_open(f, 30);
	assert_int_equal(next_type(f, 2000), BGP_MSG_KEEPALIVE);
}

static void test_incoming_wins_over_openconfirm_when_peer_id_higher(void **state)
{
	struct fixture *f = *state;
	accept_speaker(f, 3000);
	assert_int_equal(next_type(f, 2000), BGP_MSG_OPEN);
	send_open(f, 30); /* BGP Identifier 10.0.0.2 > ours, 10.0.0.1 */
	assert_int_equal(next_type(f, 2000), BGP_MSG_KEEPALIVE);
	assert_int_equal(peer_state(f), BGP_OPENCONFIRM);
	int incoming = connect_to_speaker(f);
	expect_notification(f, BGP_ERR_CEASE, BGP_CEASE_COLLISION); /* on our old connection */
	close(switch_conn(f, incoming));
	assert_int_equal(next_type(f, 2000), BGP_MSG_OPEN); /* the incoming one carries on */
	assert_int_equal(peer_state(f), BGP_OPENSENT);
	send_open(f, 30);
	assert_int_equal(next_type(f, 2000), BGP_MSG_KEEPALIVE);
	send_keepalive(f);
	assert_int_equal(next_type(f, 2000), BGP_MSG_UPDATE); /* End-of-RIB */
	assert_int_equal(peer_state(f), BGP_ESTABLISHED);
}

static void test_unknown_incoming_is_closed(void **state)
{
	struct fixture *f = *state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in from = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002)};
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(f->speaker_port)};
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0); /* 127.0.0.2 */
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	pump(f, 100);
	uint8_t b[64];
	assert_int_equal(recv(fd, b, sizeof(b), MSG_DONTWAIT), 0); /* closed, nothing said */
	close(fd);
}

struct connect_log {
	uint64_t at_ns[16];
	int n;
};

static void record_connect(void *arg, int peer_id, enum bgp_state from, enum bgp_state to)
{
	struct connect_log *log = arg;
	if (to == BGP_CONNECT && log->n < 16)
		log->at_ns[log->n++] = evloop_now_ns();
}

/* A port nobody listens on refuses at once: the retry delay doubles, then stays at the cap. */
static void test_connect_retry_backs_off_up_to_cap(void **state)
{
	struct fixture *f = *state;
	struct connect_log log = {0};
	struct bgp_speaker_conf sc = {.local_as = 65000,
				      .router_id = htonl(0x0a000001),
				      .connect_retry_min_ms = 100,
				      .connect_retry_max_ms = 400,
				      .log = quiet_log,
				      .on_state = record_connect,
				      .state_arg = &log};
	struct bgp_speaker *s = bgp_new(f->loop, &sc);
	int closed = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sa);
	bind(closed, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(closed, (struct sockaddr *)&sa, &slen);
	struct bgp_peer_conf pc = {.peer_as = 65001};
	memcpy(&pc.addr, &sa, sizeof(sa));
	assert_int_equal(bgp_add_peer(s, &pc), 0);
	pump(f, 2200);
	bgp_free(s);
	close(closed);
	/* attempts at about 0, 0.1, 0.3, 0.7, 1.1, 1.5, 1.9 s */
	assert_true(log.n >= 5);
	uint64_t gap[4];
	for (int i = 0; i < 4; i++)
		gap[i] = (log.at_ns[i + 1] - log.at_ns[i]) / 1000000;
	assert_true(gap[0] >= 100);
	assert_true(gap[1] * 10 >= gap[0] * 15); /* grows */
	assert_true(gap[2] * 10 >= gap[1] * 15);
	assert_true(gap[3] >= 400 && gap[3] < 800); /* capped, not 800 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_establish_negotiates_hold_and_sends_keepalives,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_announce_and_withdraw_send_updates, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hold_timer_expires_then_reconnects, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hold_time_1_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_in_opensent_is_fsm_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split_and_bad_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_sends_cease_and_stays_down, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_configuration_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_retry_backs_off_up_to_cap, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_incoming_during_opensent_is_refused,
					    setup_listening, teardown),
	    cmocka_unit_test_setup_teardown(test_incoming_wins_over_openconfirm_when_peer_id_higher,
					    setup_listening, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_incoming_is_closed, setup_listening,
					    teardown),
	};
	return cmocka_run_group_tests_name("bgp_fsm", tests, NULL, NULL);
}
