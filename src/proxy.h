/*
 * The PROXY protocol (HAProxy's doc/proxy-protocol.txt), versions 1 and 2:
 * a pure parser of what has arrived so far on a connection.
 */
#ifndef FORKD_PROXY_H
#define FORKD_PROXY_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#define PROXY_V1_MAX	107	/* a v1 line's bytes, CRLF included, at most */
#define PROXY_V2_HEAD	16	/* v2: signature, ver/cmd, fam, length */

enum proxy_result {
	PROXY_INCOMPLETE,	/* valid so far: read more */
	PROXY_OK,		/* a whole, valid header: h is filled */
	PROXY_BAD		/* never a valid header: drop the connection */
};

struct proxy_header {
	size_t			len;	/* bytes to consume; v2: may exceed n */
	int			version;	/* 1 or 2 */
	int			local;	/* 1: keep the real endpoints */
	struct sockaddr_storage	src, dst;	/* AF_INET(6), when !local */
	socklen_t		srclen, dstlen;
};

enum proxy_result proxy_parse(const void *, size_t, struct proxy_header *,
		    const char **);

#endif /* FORKD_PROXY_H */
