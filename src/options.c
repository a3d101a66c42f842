/*
 * The command line: argv -> struct config.  Pure: it prints nothing and
 * never exits, it returns OPTIONS_ERROR and a message naming what was
 * wrong, so the unit tests can run tables of cases through it.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forkd.h"

#define DEFAULT_MAX_CHILDREN	100
#define DEFAULT_GRACE		10
#define DEFAULT_V4PREFIX	32
#define DEFAULT_V6PREFIX	64	/* one site, as IPv6 hands them out */
#define DEFAULT_KILL_AFTER	5
#define DEFAULT_PROXY_TIMEOUT	5	/* HAProxy's doc asks for at least 3 */

/* Long options without a short letter: values getopt cannot confuse. */
enum {
	OPT_CHILD_STDERR = 256,
	OPT_TITLE,
	OPT_IPV4_PREFIX,
	OPT_IPV6_PREFIX,
	OPT_MAX_RATE,
	OPT_KILL_AFTER,
	OPT_IDLE_TIMEOUT,
	OPT_REFUSE_MESSAGE,
	OPT_CHROOT,
	OPT_PROXY_PROTOCOL,
	OPT_PROXY_TIMEOUT,
	OPT_REUSEPORT
};

/* '+': stop at PROGRAM, never take its options; ':': report a missing argument. */
static const char shortopts[] = "+:l:b:c:B:g:p:dL:C:R:a:t:u:vhV";

static const struct option longopts[] = {
	{ "listen",		required_argument,	NULL, 'l' },
	{ "builtin",		required_argument,	NULL, 'b' },
	{ "max-children",	required_argument,	NULL, 'c' },
	{ "backlog",		required_argument,	NULL, 'B' },
	{ "grace",		required_argument,	NULL, 'g' },
	{ "pidfile",		required_argument,	NULL, 'p' },
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "log",		required_argument,	NULL, 'L' },
	{ "child-stderr",	required_argument, NULL, OPT_CHILD_STDERR },
	{ "title",		no_argument,		NULL, OPT_TITLE },
	{ "per-ip",		required_argument,	NULL, 'C' },
	{ "ipv4-prefix",	required_argument, NULL, OPT_IPV4_PREFIX },
	{ "ipv6-prefix",	required_argument, NULL, OPT_IPV6_PREFIX },
	{ "rate",		required_argument,	NULL, 'R' },
	{ "max-rate",		required_argument,	NULL, OPT_MAX_RATE },
	{ "access",		required_argument,	NULL, 'a' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "kill-after",		required_argument, NULL, OPT_KILL_AFTER },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "refuse-message",	required_argument, NULL, OPT_REFUSE_MESSAGE },
	{ "user",		required_argument,	NULL, 'u' },
	{ "chroot",		required_argument,	NULL, OPT_CHROOT },
	{ "proxy-protocol",	no_argument,	NULL, OPT_PROXY_PROTOCOL },
	{ "proxy-timeout",	required_argument, NULL, OPT_PROXY_TIMEOUT },
	{ "reuseport",		no_argument,		NULL, OPT_REUSEPORT },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

/* Print the --help text; the man page and README list the same options. */
void
options_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: forkd [options] [-l [HOST]:PORT ...] -b BUILTIN\n"
	    "       forkd [options] [-l [HOST]:PORT ...] [--] PROGRAM [ARG ...]\n"
	    "\n"
	    "Serve each TCP connection in a process of its own.\n"
	    "\n"
	    "  -l, --listen [HOST]:PORT   listen here; repeatable; [::1]:7000 for IPv6,\n"
	    "                             :7000 for every address, port 0 for any port;\n"
	    "                             without -l, the sockets systemd passes\n"
	    "      --reuseport            set SO_REUSEPORT: several forkd share a port\n"
	    "  -b, --builtin NAME         serve a built-in: %s\n"
	    "  -c, --max-children N       children at once, 1..65535 (default %d);\n"
	    "                             more clients wait in the listen backlog\n"
	    "  -B, --backlog N            listen backlog, 1..65535 (default: the\n"
	    "                             kernel's maximum, net.core.somaxconn)\n"
	    "  -g, --grace SECONDS        on SIGTERM or SIGINT, time children get to\n"
	    "                             finish, 0..3600 (default %d); then SIGTERM,\n"
	    "                             and SIGKILL 5 seconds later\n"
	    "  -p, --pidfile FILE         write and lock a pidfile; a second forkd\n"
	    "                             with the same FILE refuses to start\n"
	    "  -d, --daemon               detach (default: stay in the foreground)\n"
	    "  -L, --log syslog|stderr    where log lines go (default syslog)\n"
	    "      --child-stderr inherit|null|socket\n"
	    "                             where an exec'd program's stderr goes:\n"
	    "                             inherit (forkd's stderr, the default),\n"
	    "                             null, or socket (the connection)\n"
	    "      --title                set a built-in child's process title to\n"
	    "                             'forkd: SERVICE PEER' (costs it page faults)\n"
	    "\n"
	    "Admission (checked before a child starts; refused clients are logged):\n"
	    "  -C, --per-ip N             children at once per client address group,\n"
	    "                             1..65535 (default: no limit)\n"
	    "      --ipv4-prefix LEN      group IPv4 clients by this prefix, 0..32\n"
	    "                             (default %d)\n"
	    "      --ipv6-prefix LEN      group IPv6 clients by this prefix, 0..128\n"
	    "                             (default %d: 2001:db8::1 and ::2 share)\n"
	    "  -R, --rate N/SECONDS       connections per address group: bursts of N,\n"
	    "                             N more each SECONDS; over it, refused\n"
	    "      --max-rate N/SECONDS   connections for the whole server; over it,\n"
	    "                             clients wait in the backlog\n"
	    "  -a, --access FILE          allow/deny rules by address, first match\n"
	    "                             wins; reread on SIGHUP\n"
	    "      --refuse-message TEXT  send TEXT (\\r \\n \\t \\\\ understood) to a\n"
	    "                             refused client before closing\n"
	    "  -t, --timeout SECONDS      a child older than this gets SIGTERM, its\n"
	    "                             process group too, 1..604800 (default: none)\n"
	    "      --kill-after SECONDS   then SIGKILL this much later, 0..3600\n"
	    "                             (default %d)\n"
	    "      --idle-timeout SECONDS end a built-in's connection when no byte\n"
	    "                             moved for this long, 1..86400\n"
	    "\n"
	    "Deployment:\n"
	    "  -u, --user USER[:GROUP]    after binding, run as USER (and GROUP, else\n"
	    "                             USER's group); exec'd programs too\n"
	    "      --chroot DIR           chroot to DIR before dropping privileges\n"
	    "      --proxy-protocol       every connection starts with a PROXY protocol\n"
	    "                             v1 or v2 header (HAProxy's send-proxy): its\n"
	    "                             addresses are the client's\n"
	    "      --proxy-timeout SECONDS\n"
	    "                             the header must be complete within this,\n"
	    "                             1..3600 (default %d)\n"
	    "\n"
	    "  -v, --verbose              also log each accepted connection\n"
	    "  -h, --help                 show this help and exit\n"
	    "  -V, --version              show the version and exit\n"
	    "\n"
	    "PROGRAM runs with the connection on stdin and stdout and PROTO,\n"
	    "TCPLOCALIP, TCPLOCALPORT, TCPREMOTEIP, TCPREMOTEPORT, REMOTE_ADDR,\n"
	    "REMOTE_PORT and TCPCONNNUM set, plus an allow rule's NAME=value words.\n"
	    "With --proxy-protocol, PROXYIP and PROXYPORT name the proxy.\n"
	    "Signals: TERM/INT stop, HUP rereads --access, USR1 logs counters.\n"
	    "See forkd(8).\n",
	    service_names(), DEFAULT_MAX_CHILDREN, DEFAULT_GRACE,
	    DEFAULT_V4PREFIX, DEFAULT_V6PREFIX, DEFAULT_KILL_AFTER,
	    DEFAULT_PROXY_TIMEOUT);
}

/* Format an error message into err; always returns OPTIONS_ERROR. */
static enum options_result
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return OPTIONS_ERROR;
}

/*
 * Parse a decimal number for option name within [min, max]; -1 with err
 * on error.  strtonum alone would take " 5", "+5" and "-0": the first
 * character must be a digit.
 */
static int
parse_number(const char *name, const char *arg, int min, int max, int *out,
    char *err, size_t errlen)
{
	const char *errstr = "invalid";
	long long v = 0;

	if (*arg >= '0' && *arg <= '9')
		v = strtonum(arg, min, max, &errstr);
	if (errstr != NULL) {
		if (strcmp(errstr, "invalid") == 0)
			fail(err, errlen, "--%s: \"%.*s%s\" is not a number",
			    name, CUT(arg));
		else
			fail(err, errlen, "--%s: \"%.*s%s\" is %s (%d..%d)",
			    name, CUT(arg), errstr, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Parse a rate "N/SECONDS" for option name; -1 with err on error. */
static int
parse_rate(const char *name, const char *arg, struct rate *out, char *err,
    size_t errlen)
{
	const char *why;

	if (limits_rate_parse(arg, out, &why) == 0)
		return 0;
	fail(err, errlen, "--%s: \"%.*s%s\" %s", name, CUT(arg), why);
	return -1;
}

/*
 * Decode --refuse-message TEXT into cfg: \r, \n, \t and \\ stand for
 * themselves, so that a unit file or a shell without $'...' can say
 * "HTTP/1.0 503 Busy\r\n\r\n".  Any other backslash is an error, not a
 * guess.
 */
static enum options_result
decode_message(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	static const char from[] = "rnt\\", to[] = "\r\n\t\\";
	const char *p, *e;
	size_t n = 0;

	for (p = arg; *p != '\0'; p++) {
		if (n == sizeof(cfg->refuse_msg))
			return fail(err, errlen, "--refuse-message: over %zu "
			    "bytes", sizeof(cfg->refuse_msg));
		if (*p != '\\') {
			cfg->refuse_msg[n++] = *p;
			continue;
		}
		if (p[1] == '\0' || (e = strchr(from, p[1])) == NULL)
			return fail(err, errlen, "--refuse-message: \"\\%.1s\" "
			    "is not \\r, \\n, \\t or \\\\", p + 1);
		cfg->refuse_msg[n++] = to[e - from];
		p++;
	}
	cfg->refuse_len = n;
	return OPTIONS_RUN;
}

/* The deployment options; OPTIONS_RUN when the value was fine. */
static enum options_result
apply_deployment(int c, const char *arg, struct config *cfg, char *err,
    size_t errlen)
{
	switch (c) {
	case 'u':
		if (*arg == '\0' || *arg == ':' || arg[strlen(arg) - 1] == ':')
			return fail(err, errlen, "--user: \"%.*s%s\" is not "
			    "USER or USER:GROUP", CUT(arg));
		cfg->user = arg;
		break;
	case OPT_CHROOT:
		if (*arg != '/')
			return fail(err, errlen, "--chroot: \"%.*s%s\" is not "
			    "an absolute path", CUT(arg));
		cfg->chroot = arg;
		break;
	case OPT_PROXY_PROTOCOL:
		cfg->proxy_protocol = 1;
		break;
	case OPT_PROXY_TIMEOUT:
		if (parse_number("proxy-timeout", arg, 1, 3600,
		    &cfg->proxy_timeout, err, errlen) == -1)
			return OPTIONS_ERROR;
		break;
	case OPT_REUSEPORT:
		cfg->reuseport = 1;
		break;
	}
	return OPTIONS_RUN;
}

/* The admission options; OPTIONS_RUN when the value was fine. */
static enum options_result
apply_admission(int c, const char *arg, struct config *cfg, char *err,
    size_t errlen)
{
	int v, rc = 0;

	switch (c) {
	case 'C':
		if ((rc = parse_number("per-ip", arg, 1, 65535, &v, err,
		    errlen)) == 0)
			cfg->per_ip = (unsigned)v;
		break;
	case OPT_IPV4_PREFIX:
		rc = parse_number("ipv4-prefix", arg, 0, 32, &cfg->v4prefix,
		    err, errlen);
		break;
	case OPT_IPV6_PREFIX:
		rc = parse_number("ipv6-prefix", arg, 0, 128, &cfg->v6prefix,
		    err, errlen);
		break;
	case 'R':
		rc = parse_rate("rate", arg, &cfg->rate, err, errlen);
		break;
	case OPT_MAX_RATE:
		rc = parse_rate("max-rate", arg, &cfg->max_rate, err, errlen);
		break;
	case 'a':
		if (*arg == '\0')
			return fail(err, errlen, "--access: empty file name");
		cfg->access = arg;
		break;
	case 't':
		rc = parse_number("timeout", arg, 1, 604800, &cfg->timeout,
		    err, errlen);
		break;
	case OPT_KILL_AFTER:
		rc = parse_number("kill-after", arg, 0, 3600,
		    &cfg->kill_after, err, errlen);
		break;
	case OPT_IDLE_TIMEOUT:
		rc = parse_number("idle-timeout", arg, 1, 86400,
		    &cfg->idle_timeout, err, errlen);
		break;
	case OPT_REFUSE_MESSAGE:
		return decode_message(arg, cfg, err, errlen);
	default:
		return apply_deployment(c, arg, cfg, err, errlen);
	}
	return rc == 0 ? OPTIONS_RUN : OPTIONS_ERROR;
}

/*
 * Name the option getopt rejected.  word is the argument getopt was
 * reading when it failed ("-xv" or "--name=value").
 */
static enum options_result
bad_option(int c, const char *word, char *err, size_t errlen)
{
	int is_long = strncmp(word, "--", 2) == 0;
	size_t n = strcspn(word, "=");

	if (n > FORKD_CUT_MAX)
		n = FORKD_CUT_MAX;
	if (c == ':' && is_long)
		return fail(err, errlen, "option %.*s%s needs an argument",
		    CUT(word));
	if (c == ':')
		return fail(err, errlen, "option -%c needs an argument",
		    optopt);
	if (is_long && optopt != 0)	/* known, but given "=value" */
		return fail(err, errlen, "option %.*s takes no argument",
		    (int)n, word);
	if (is_long)
		return fail(err, errlen, "unknown option %.*s%s", (int)n, word,
		    word[n] != '\0' && word[n] != '=' ? "..." : "");
	return fail(err, errlen, "unknown option -%c", optopt);
}

/* Apply one option with its argument; OPTIONS_RUN when it was fine. */
static enum options_result
apply(int c, const char *arg, struct config *cfg, char *err, size_t errlen)
{
	switch (c) {
	case 'l':
		if (cfg->nlisten == FORKD_MAX_LISTEN)
			return fail(err, errlen, "--listen: at most %d "
			    "addresses", FORKD_MAX_LISTEN);
		cfg->listen[cfg->nlisten++] = arg;
		break;
	case 'b':
		if (cfg->builtin != NULL)
			return fail(err, errlen, "--builtin given twice "
			    "(\"%.*s%s\" and \"%.*s%s\")", CUT(cfg->builtin),
			    CUT(arg));
		if (service_find(arg) == NULL)
			return fail(err, errlen, "unknown builtin \"%.*s%s\" "
			    "(%s)", CUT(arg), service_names());
		cfg->builtin = arg;
		break;
	case 'c':
		if (parse_number("max-children", arg, 1, 65535,
		    &cfg->max_children, err, errlen) == -1)
			return OPTIONS_ERROR;
		break;
	case 'B':
		if (parse_number("backlog", arg, 1, 65535, &cfg->backlog,
		    err, errlen) == -1)
			return OPTIONS_ERROR;
		break;
	case 'g':
		if (parse_number("grace", arg, 0, 3600, &cfg->grace,
		    err, errlen) == -1)
			return OPTIONS_ERROR;
		break;
	case 'p':
		if (*arg == '\0')
			return fail(err, errlen, "--pidfile: empty file name");
		cfg->pidfile = arg;
		break;
	case 'd':
		cfg->daemonize = 1;
		break;
	case 'L':
		if (strcmp(arg, "syslog") == 0)
			cfg->log_target = LOG_TO_SYSLOG;
		else if (strcmp(arg, "stderr") == 0)
			cfg->log_target = LOG_TO_STDERR;
		else
			return fail(err, errlen, "--log: \"%.*s%s\" is neither "
			    "syslog nor stderr", CUT(arg));
		break;
	case OPT_CHILD_STDERR:
		if (strcmp(arg, "inherit") == 0)
			cfg->child_stderr = CHILD_STDERR_INHERIT;
		else if (strcmp(arg, "null") == 0)
			cfg->child_stderr = CHILD_STDERR_NULL;
		else if (strcmp(arg, "socket") == 0)
			cfg->child_stderr = CHILD_STDERR_SOCKET;
		else
			return fail(err, errlen, "--child-stderr: \"%.*s%s\" "
			    "is not inherit, null or socket", CUT(arg));
		break;
	case OPT_TITLE:
		cfg->title = 1;
		break;
	case 'v':
		cfg->verbose = 1;
		break;
	default:
		return apply_admission(c, arg, cfg, err, errlen);
	}
	return OPTIONS_RUN;
}

/*
 * Check one -l spec: its form, its port (a number glibc would take modulo
 * 65536, or an unknown name), and that no earlier -l is the very same
 * string; port 0 twice is fine, it means two ports of the kernel's choice.
 */
static enum options_result
check_listen(const struct config *cfg, size_t i, int *ports, char *err,
    size_t errlen)
{
	const char *spec = cfg->listen[i], *errstr;
	char host[256], port[64];
	size_t k;

	if (listener_split(spec, host, sizeof(host), port, sizeof(port),
	    &errstr) == -1)
		return fail(err, errlen, "--listen \"%.*s%s\": %s", CUT(spec),
		    errstr);
	if (listener_port(port, &ports[i], &errstr) == -1)
		return fail(err, errlen, "--listen \"%.*s%s\": port "
		    "\"%.*s%s\" is %s", CUT(spec), CUT(port), errstr);
	for (k = 0; k < i; k++)
		if (ports[i] != 0 && strcmp(cfg->listen[k], spec) == 0)
			return fail(err, errlen, "--listen \"%.*s%s\" given "
			    "twice", CUT(spec));
	return OPTIONS_RUN;
}

/* Check what no single option can: one service, at least one address. */
static enum options_result
check(const struct config *cfg, char *err, size_t errlen)
{
	int ports[FORKD_MAX_LISTEN];
	size_t i;

	/* No -l: the sockets come from systemd, or main() says none did. */
	for (i = 0; i < cfg->nlisten; i++)
		if (check_listen(cfg, i, ports, err, errlen) != OPTIONS_RUN)
			return OPTIONS_ERROR;
	if (cfg->builtin != NULL && cfg->program != NULL)
		return fail(err, errlen, "give either --builtin or a PROGRAM, "
		    "not both");
	if (cfg->builtin == NULL && cfg->program == NULL)
		return fail(err, errlen, "nothing to serve: give --builtin "
		    "NAME or a PROGRAM");
	if (cfg->idle_timeout != 0 && cfg->builtin == NULL)
		return fail(err, errlen, "--idle-timeout applies to built-ins "
		    "only: a PROGRAM's reads are its own; use --timeout");
	if (cfg->daemonize && cfg->log_target == LOG_TO_STDERR)
		return fail(err, errlen, "--daemon with --log stderr would "
		    "lose every log line: use --log syslog");
	return OPTIONS_RUN;
}

/*
 * Fill cfg from argv.  On OPTIONS_ERROR, err holds a message naming the
 * bad option or value.  Resets getopt, so it may be called again.
 */
enum options_result
options_parse(int argc, char **argv, struct config *cfg, char *err,
    size_t errlen)
{
	enum options_result r;
	const char *word;
	int c, i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_children = DEFAULT_MAX_CHILDREN;
	cfg->grace = DEFAULT_GRACE;
	cfg->log_target = LOG_TO_SYSLOG;
	cfg->child_stderr = CHILD_STDERR_INHERIT;
	cfg->v4prefix = DEFAULT_V4PREFIX;
	cfg->v6prefix = DEFAULT_V6PREFIX;
	cfg->kill_after = DEFAULT_KILL_AFTER;
	cfg->proxy_timeout = DEFAULT_PROXY_TIMEOUT;
	if (errlen > 0)
		err[0] = '\0';

	optind = 0;	/* glibc: start afresh, for repeated calls */
	opterr = 0;	/* we word the errors ourselves */
	for (;;) {
		/* The word getopt reads next (optind 0: about to start). */
		i = optind > 0 ? optind : 1;
		word = i < argc ? argv[i] : "";
		if ((c = getopt_long(argc, argv, shortopts, longopts,
		    NULL)) == -1)
			break;
		if (c == '?' || c == ':')
			return bad_option(c, word, err, errlen);
		if (c == 'h')
			return OPTIONS_HELP;
		if (c == 'V')
			return OPTIONS_VERSION;
		if ((r = apply(c, optarg, cfg, err, errlen)) != OPTIONS_RUN)
			return r;
	}
	if (optind < argc)
		cfg->program = argv + optind;
	return check(cfg, err, errlen);
}
