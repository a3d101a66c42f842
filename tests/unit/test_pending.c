/*
 * pending.c: the ring of connections waiting for a PROXY header (order,
 * free slots, expiry, the cap) and pending_read() on real loopback TCP
 * connections: a header in pieces, the client's own bytes left untouched
 * behind it, TLVs consumed as they arrive, garbage and EOF.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd.h"
#include "check.h"

static int
setup(void **state)
{
	(void)state;
	alarm(60);
	return 0;
}

/* A connected pair over loopback TCP: *client, and the accepted *server. */
static void
tcp_pair(int *client, int *server)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	assert_true((*client = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(*client, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	assert_true((*server = accept(l, NULL, NULL)) != -1);
	close(l);
}

/* fd's poll() revents within ms milliseconds (0: nothing came). */
static short last_revents;

static int
readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };

	last_revents = 0;
	if (poll(&pfd, 1, ms) != 1)
		return 0;
	last_revents = pfd.revents;
	return 1;
}

/*
 * Proves the ring keeps accept order, hands out the oldest when it
 * expires, skips slots freed out of order, and refuses the (cap+1)th.
 */
static void
test_ring(void **state)
{
	struct pending_set p;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timespec due = { 0 }, now = { 0 }, next;
	struct pending *e[4], *x;
	int i;

	(void)state;
	assert_int_equal(pending_init(&p, 3), 0);
	for (i = 0; i < 3; i++) {
		due.tv_sec = 10 + i;
		e[i] = pending_add(&p, 100 + i, (struct sockaddr *)&sin,
		    sizeof(sin), &due);
		assert_non_null(e[i]);
	}
	assert_null(pending_add(&p, 200, (struct sockaddr *)&sin,
	    sizeof(sin), &due));
	assert_int_equal(pending_count(&p), 3);
	assert_int_equal(pending_full(&p), 1);
	pending_remove(&p, e[1]);		/* out of order */
	assert_int_equal(pending_count(&p), 2);
	assert_int_equal(pending_at(&p, 1)->fd, -1);	/* walk still valid */
	assert_int_equal(pending_next_due(&p, &next), 1);
	assert_int_equal(next.tv_sec, 10);
	now.tv_sec = 9;
	assert_null(pending_expired(&p, &now));
	now.tv_sec = 11;
	assert_non_null(x = pending_expired(&p, &now));
	assert_int_equal(x->fd, 100);
	pending_remove(&p, x);
	now.tv_sec = 12;
	assert_non_null(x = pending_expired(&p, &now));	/* 101 skipped */
	assert_int_equal(x->fd, 102);
	due.tv_sec = 20;
	assert_non_null(pending_add(&p, 103, (struct sockaddr *)&sin,
	    sizeof(sin), &due));
	pending_remove(&p, x);
	assert_int_equal(pending_next_due(&p, &next), 1);
	assert_int_equal(next.tv_sec, 20);
	assert_int_equal(pending_count(&p), 1);
	pending_at(&p, 0)->fd = -1;	/* not a real fd: do not close it */
	p.live = 0;
	pending_free(&p);
}

/*
 * Proves a v1 header sent in three pieces is read without spinning
 * (after each piece the socket is not readable again until more comes),
 * and that the client's own bytes after it are left for the service.
 */
static void
test_read_pieces(void **state)
{
	static const char *piece[] = { "PROXY TCP4 192.0.2.7", " 198.51.100.1 ",
	    "4444 80\r\nHELLO" };
	struct pending e;
	const char *why = "";
	char buf[16] = "";
	int c, s, i;

	(void)state;
	tcp_pair(&c, &s);
	memset(&e, 0, sizeof(e));
	e.fd = s;
	for (i = 0; i < 2; i++) {
		assert_int_equal(write(c, piece[i], strlen(piece[i])),
		    (ssize_t)strlen(piece[i]));
		assert_true(readable(s, 5000));
		assert_int_equal(pending_read(&e, last_revents, &why), PENDING_WAIT);
		/* SO_RCVLOWAT: what was seen does not wake poll again. */
		assert_false(readable(s, 100));
	}
	assert_int_equal(write(c, piece[2], strlen(piece[2])),
	    (ssize_t)strlen(piece[2]));
	assert_true(readable(s, 5000));
	assert_int_equal(pending_read(&e, last_revents, &why), PENDING_DONE);
	assert_int_equal(e.hdr.version, 1);
	assert_int_equal(ntohs(((struct sockaddr_in *)&e.hdr.src)->sin_port),
	    4444);
	/* The low-water mark is back at one byte for the service. */
	assert_true(readable(s, 100));
	assert_int_equal(read(s, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "HELLO", 5);
	close(c);
	close(s);
}

/*
 * Proves a v2 header whose TLVs arrive later is consumed to its last
 * byte, no further: the service's first byte is the client's.
 */
static void
test_read_tlvs(void **state)
{
	static const unsigned char head[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x14,	/* PROXY TCP4, len 20 */
		10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x00, 0x50,
	};
	static const unsigned char tlv[] = { 0x04, 0x00, 0x05, 'a', 'b', 'c',
	    'd', 'e' };	/* 8 bytes of TLV: type, length 5, value */
	struct pending e;
	const char *why = "";
	char buf[16];
	int c, s;

	(void)state;
	tcp_pair(&c, &s);
	memset(&e, 0, sizeof(e));
	e.fd = s;
	assert_int_equal(write(c, head, sizeof(head)), (ssize_t)sizeof(head));
	assert_true(readable(s, 5000));
	assert_int_equal(pending_read(&e, last_revents, &why), PENDING_WAIT);
	assert_int_equal(e.hdr.len, 36);
	assert_int_equal(e.discard, 8);
	assert_int_equal(write(c, tlv, sizeof(tlv)), (ssize_t)sizeof(tlv));
	assert_int_equal(write(c, "DATA", 4), 4);
	assert_true(readable(s, 5000));
	assert_int_equal(pending_read(&e, last_revents, &why), PENDING_DONE);
	assert_int_equal(read(s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "DATA", 4);
	close(c);
	close(s);
}

/* Proves garbage and an early EOF are dropped, each with its reason. */
static void
test_read_drop(void **state)
{
	struct pending e;
	const char *why = "";
	int c, s;

	(void)state;
	tcp_pair(&c, &s);
	memset(&e, 0, sizeof(e));
	e.fd = s;
	assert_int_equal(write(c, "GET / HTTP/1.0\r\n", 16), 16);
	assert_true(readable(s, 5000));
	assert_int_equal(pending_read(&e, last_revents, &why), PENDING_DROP);
	CHECK_STR("garbage", why, "not a PROXY header");
	close(c);
	close(s);

	tcp_pair(&c, &s);
	e.fd = s;
	assert_int_equal(write(c, "PROXY TCP4 1.2", 14), 14);
	assert_true(readable(s, 5000));
	assert_int_equal(pending_read(&e, last_revents, &why), PENDING_WAIT);
	close(c);
	/* EOF wakes poll despite RCVLOWAT, and says so with POLLRDHUP. */
	assert_true(readable(s, 5000));
	assert_int_equal(pending_read(&e, last_revents, &why), PENDING_DROP);
	CHECK_STR("eof", why, "closed before the header");
	close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_read_pieces),
		cmocka_unit_test(test_read_tlvs),
		cmocka_unit_test(test_read_drop),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
