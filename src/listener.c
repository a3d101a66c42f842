/*
 * Listening sockets: "[HOST]:PORT" -> bound, listening, non-blocking fds,
 * and the text forms of addresses used in logs and the UCSPI variables.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "forkd.h"

/* Copy n bytes of s into a NUL-terminated buffer; -1 if it does not fit. */
static int
copy_part(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * Split "[HOST]:PORT" into host and port (pure).  "[::1]:7" gives "::1";
 * ":7" gives an empty host, meaning every address.  -1 with errstr.
 */
int
listener_split(const char *spec, char *host, size_t hostlen, char *port,
    size_t portlen, const char **errstr)
{
	const char *colon, *end;

	if (spec[0] == '[') {
		if ((end = strchr(spec, ']')) == NULL) {
			*errstr = "unclosed [ in IPv6 address";
			return -1;
		}
		if (end[1] != ':') {
			*errstr = "expected :PORT after ]";
			return -1;
		}
		if (end == spec + 1) {
			*errstr = "empty address in []";
			return -1;
		}
		colon = end + 1;
		if (copy_part(host, hostlen, spec + 1, end - spec - 1) == -1) {
			*errstr = "host too long";
			return -1;
		}
	} else {
		if ((colon = strrchr(spec, ':')) == NULL) {
			*errstr = "missing :PORT";
			return -1;
		}
		if (memchr(spec, ':', colon - spec) != NULL) {
			*errstr = "IPv6 addresses go in brackets, as [::1]:PORT";
			return -1;
		}
		if (copy_part(host, hostlen, spec, colon - spec) == -1) {
			*errstr = "host too long";
			return -1;
		}
	}
	if (colon[1] == '\0') {
		*errstr = "missing port after :";
		return -1;
	}
	if (strchr(colon + 1, ':') != NULL) {
		*errstr = "extra : in port";
		return -1;
	}
	if (copy_part(port, portlen, colon + 1, strlen(colon + 1)) == -1) {
		*errstr = "port too long";
		return -1;
	}
	return 0;
}

#define PORT_DIGITS	"0123456789"
#define PORT_LETTERS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

/*
 * The port number PORT of "[HOST]:PORT" names (pure apart from
 * getservbyname): decimal digits 0..65535, or a TCP service name as in
 * /etc/services.  glibc's getaddrinfo takes "99999" modulo 65536 and
 * accepts " 80" and "+80", so nothing else passes.  -1 with errstr,
 * worded to follow 'port "X" is'.
 */
int
listener_port(const char *s, int *port, const char **errstr)
{
	struct servent *se;
	size_t n = strlen(s);
	long long v;

	if (n > 0 && strspn(s, PORT_DIGITS) == n) {
		v = strtonum(s, 0, 65535, errstr);
		if (*errstr != NULL) {	/* digits only: never too small */
			*errstr = "too large (0..65535)";
			return -1;
		}
		*port = (int)v;
		return 0;
	}
	if (n == 0 || strchr(PORT_LETTERS, s[0]) == NULL ||
	    strspn(s, PORT_LETTERS PORT_DIGITS "-") != n) {
		*errstr = "neither a number (0..65535) nor a service name";
		return -1;
	}
	if ((se = getservbyname(s, "tcp")) == NULL) {
		*errstr = "not a TCP service known to /etc/services";
		return -1;
	}
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

/* A port number as decimal text into buf (room for "65535"). */
static void
port_text(unsigned port, char *buf, size_t len)
{
	char tmp[8];
	size_t n = 0, i;

	do
		tmp[n++] = (char)('0' + port % 10);
	while ((port /= 10) > 0 && n < sizeof(tmp));
	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = tmp[n - 1 - i];
	if (len > 0)
		buf[i] = '\0';
}

/*
 * Numeric text of an address: ip and port, without brackets; -1 on error.
 * This runs for every connection, between two forks: inet_ntop and a few
 * digits touch far fewer pages than getnameinfo, which is kept for the
 * rare IPv6 address with a scope (fe80::1%eth0).
 */
int
listener_format(const struct sockaddr *sa, socklen_t len, char *ip,
    size_t iplen, char *port, size_t portlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET && len >= sizeof(*sin) &&
	    inet_ntop(AF_INET, &sin->sin_addr, ip, iplen) != NULL) {
		port_text(ntohs(sin->sin_port), port, portlen);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6) &&
	    sin6->sin6_scope_id == 0 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, ip, iplen) != NULL) {
		port_text(ntohs(sin6->sin6_port), port, portlen);
		return 0;
	}
	if (getnameinfo(sa, len, ip, iplen, port, portlen,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(ip, iplen, "?");
		snprintf(port, portlen, "?");
		return -1;
	}
	return 0;
}

/* "ip:port", or "[ip]:port" for IPv6, into buf. */
static void
join_name(int family, const char *ip, const char *port, char *buf,
    size_t len)
{
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", ip, port);
	else
		snprintf(buf, len, "%s:%s", ip, port);
}

/* "ip:port" or "[ip]:port" of sa into buf; -1 (and "?:?") on error. */
int
listener_name(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen)
{
	char ip[INET6_ADDRSTRLEN], port[8];
	int rc;

	rc = listener_format(sa, len, ip, sizeof(ip), port, sizeof(port));
	join_name(sa->sa_family, ip, port, buf, buflen);
	return rc;
}

/*
 * Fill ci with the remote end only, the local end left empty: what a
 * built-in needs (its child reads no environment), without the
 * getsockname(2) call per connection.
 */
int
listener_peerinfo(const struct sockaddr *peer, socklen_t peerlen,
    struct conninfo *ci)
{
	int rc = 0;

	ci->proxy_ip[0] = ci->proxy_port[0] = '\0';
	ci->local_ip[0] = ci->local_port[0] = '\0';
	if (listener_format(peer, peerlen, ci->remote_ip,
	    sizeof(ci->remote_ip), ci->remote_port,
	    sizeof(ci->remote_port)) == -1)
		rc = -1;
	join_name(peer->sa_family, ci->remote_ip, ci->remote_port, ci->peer,
	    sizeof(ci->peer));
	return rc;
}

/* Fill ci with both ends of the accepted connection fd. */
int
listener_conninfo(int fd, const struct sockaddr *peer, socklen_t peerlen,
    struct conninfo *ci)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	rc = listener_peerinfo(peer, peerlen, ci);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    listener_format((struct sockaddr *)&ss, len, ci->local_ip,
	    sizeof(ci->local_ip), ci->local_port,
	    sizeof(ci->local_port)) == -1)
		rc = -1;
	return rc;
}

/*
 * Fill ci for a connection that came through a proxy: the remote end is
 * the client the PROXY header names and the local end the address it was
 * sent to, unless the header is LOCAL/UNKNOWN (a health check), which
 * keeps the real ends; proxy_ip and proxy_port are the proxy's own.
 */
int
listener_proxy_conninfo(int fd, const struct proxy_header *h,
    const struct sockaddr *peer, socklen_t peerlen, struct conninfo *ci)
{
	int rc;

	rc = listener_conninfo(fd, peer, peerlen, ci);
	snprintf(ci->proxy_ip, sizeof(ci->proxy_ip), "%s", ci->remote_ip);
	snprintf(ci->proxy_port, sizeof(ci->proxy_port), "%s",
	    ci->remote_port);
	if (h->local)
		return rc;
	if (listener_format((const struct sockaddr *)&h->src, h->srclen,
	    ci->remote_ip, sizeof(ci->remote_ip), ci->remote_port,
	    sizeof(ci->remote_port)) == -1 ||
	    listener_format((const struct sockaddr *)&h->dst, h->dstlen,
	    ci->local_ip, sizeof(ci->local_ip), ci->local_port,
	    sizeof(ci->local_port)) == -1)
		rc = -1;
	join_name(h->src.ss_family, ci->remote_ip, ci->remote_port, ci->peer,
	    sizeof(ci->peer));
	return rc;
}

/* The sysexits status for a failed bind or listen. */
static int
bind_status(int error)
{
	return error == EACCES || error == EPERM ? EX_NOPERM : EX_OSERR;
}

/*
 * Bind and listen on one resolved address; the fd, or -1 with err.  With
 * reuseport, SO_REUSEPORT lets other forkd processes bind the same port:
 * the kernel then spreads new connections over their accept loops.
 */
static int
open_one(const struct addrinfo *ai, int backlog, int reuseport, int *status,
    char *err, size_t errlen)
{
	int fd, on = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		*status = EX_OSERR;
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof(on)) == -1) ||
	    (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)) {
		snprintf(err, errlen, "setsockopt: %s", strerror(errno));
		*status = EX_OSERR;
	} else if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		*status = bind_status(errno);
	} else if (listen(fd, backlog) == -1) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		*status = bind_status(errno);
	} else
		return fd;
	close(fd);
	return -1;
}

/* Record fd in l with its real local name (port 0 is resolved). */
void
listener_record(struct listener *l, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	l->fd = fd;
	l->origin[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    listener_name((struct sockaddr *)&ss, len, l->name,
	    sizeof(l->name)) == -1)
		snprintf(l->name, sizeof(l->name), "fd %d", fd);
}

/*
 * Resolve one "[HOST]:PORT" spec for a passive TCP socket.  getaddrinfo
 * gets the port as a checked number with AI_NUMERICSERV, never the
 * user's text.
 */
static int
resolve(const char *spec, struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo hints;
	char host[256], port[64];
	const char *errstr;
	int e, num;

	*res = NULL;
	if (listener_split(spec, host, sizeof(host), port, sizeof(port),
	    &errstr) == -1) {
		snprintf(err, errlen, "%.*s%s: %s", CUT(spec), errstr);
		return EX_USAGE;
	}
	if (listener_port(port, &num, &errstr) == -1) {
		snprintf(err, errlen, "%.*s%s: port \"%.*s%s\" is %s",
		    CUT(spec), CUT(port), errstr);
		return EX_USAGE;
	}
	snprintf(port, sizeof(port), "%d", num);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec[0] == '[' ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV |
	    (spec[0] == '[' ? AI_NUMERICHOST : 0);
	e = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, res);
	if (e != 0) {
		snprintf(err, errlen, "%.*s%s: %s", CUT(spec), e == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(e));
		return e == EAI_SERVICE ? EX_USAGE :
		    e == EAI_SYSTEM ? EX_OSERR : EX_NOHOST;
	}
	return 0;
}

/* Whether a and b are one address with one port, and that port not 0. */
static int
same_endpoint(const struct addrinfo *a, const struct addrinfo *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->ai_family != b->ai_family)
		return 0;
	if (a->ai_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a->ai_addr;
		b4 = (const struct sockaddr_in *)b->ai_addr;
		return a4->sin_port != 0 && a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->ai_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)a->ai_addr;
		b6 = (const struct sockaddr_in6 *)b->ai_addr;
		return a6->sin6_port != 0 && a6->sin6_port == b6->sin6_port &&
		    IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr) &&
		    a6->sin6_scope_id == b6->sin6_scope_id;
	}
	return 0;
}

/* Whether an address of res[0..n) is a's; which -l it came from in *k. */
static int
seen_before(struct addrinfo *const *res, size_t n, const struct addrinfo *a,
    size_t *k)
{
	const struct addrinfo *b;

	for (*k = 0; *k < n; (*k)++)
		for (b = res[*k]; b != NULL; b = b->ai_next)
			if (same_endpoint(a, b))
				return 1;
	return 0;
}

/*
 * Two -l that resolve to one address and port ("localhost:7000" and
 * "127.0.0.1:7000") would fail in bind with "Address already in use", as
 * if another program held the port: name both instead.  0, or EX_USAGE.
 */
static int
find_duplicate(const struct config *cfg, struct addrinfo *const *res,
    char *err, size_t errlen)
{
	const struct addrinfo *a;
	char name[FORKD_ADDRSTRLEN];
	size_t i, k;

	for (i = 1; i < cfg->nlisten; i++)
		for (a = res[i]; a != NULL; a = a->ai_next) {
			if (!seen_before(res, i, a, &k))
				continue;
			listener_name(a->ai_addr, a->ai_addrlen, name,
			    sizeof(name));
			snprintf(err, errlen, "--listen \"%.*s%s\" and "
			    "--listen \"%.*s%s\" are the same address, %s",
			    CUT(cfg->listen[k]), CUT(cfg->listen[i]), name);
			return EX_USAGE;
		}
	return 0;
}

/* Bind and listen on every address of every resolved -l, in order. */
static int
open_resolved(const struct config *cfg, struct addrinfo *const *res,
    struct listener *ls, size_t max, size_t *n, char *err, size_t errlen)
{
	const struct addrinfo *ai;
	char why[256];
	size_t i;
	int fd, status = 0;
	int backlog = cfg->backlog > 0 ? cfg->backlog : INT_MAX;

	for (i = 0; i < cfg->nlisten; i++)
		for (ai = res[i]; ai != NULL; ai = ai->ai_next) {
			if (*n == max) {
				snprintf(err, errlen, "more than %zu sockets",
				    max);
				return EX_USAGE;
			}
			if ((fd = open_one(ai, backlog, cfg->reuseport,
			    &status, why, sizeof(why))) == -1) {
				snprintf(err, errlen, "%.*s%s: %s",
				    CUT(cfg->listen[i]), why);
				return status;
			}
			listener_record(&ls[(*n)++], fd);
		}
	return 0;
}

/*
 * Open every -l address of cfg into ls (room for max).  Every spec is
 * resolved before any is bound, so that two naming one address are told
 * apart from a port another program holds.  Returns 0, or a sysexits
 * status with err naming the address and the reason; on error nothing
 * stays open.
 */
int
listener_open_all(const struct config *cfg, struct listener *ls, size_t max,
    size_t *n, char *err, size_t errlen)
{
	struct addrinfo *res[FORKD_MAX_LISTEN] = { NULL };
	size_t i;
	int status = 0;

	*n = 0;
	if (cfg->nlisten > FORKD_MAX_LISTEN) {
		snprintf(err, errlen, "more than %d addresses",
		    FORKD_MAX_LISTEN);
		return EX_USAGE;
	}
	for (i = 0; i < cfg->nlisten && status == 0; i++)
		status = resolve(cfg->listen[i], &res[i], err, errlen);
	if (status == 0)
		status = find_duplicate(cfg, res, err, errlen);
	if (status == 0)
		status = open_resolved(cfg, res, ls, max, n, err, errlen);
	for (i = 0; i < cfg->nlisten; i++)
		if (res[i] != NULL)
			freeaddrinfo(res[i]);
	if (status != 0)
		listener_close_all(ls, *n);
	return status;
}

/* Close every listening socket (on shutdown: new clients are refused). */
void
listener_close_all(struct listener *ls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ls[i].fd != -1)
			close(ls[i].fd);
		ls[i].fd = -1;
	}
}
