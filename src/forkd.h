/*
 * forkd: a fork-per-connection TCP server.
 * Shared structures and prototypes, grouped by the file that defines them.
 */
#ifndef FORKD_H
#define FORKD_H

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "access.h"
#include "forkd_limits.h"
#include "notify.h"
#include "proxy.h"

#define FORKD_MAX_LISTEN	16	/* -l given at most this often */
#define FORKD_MAX_SOCKETS	64	/* sockets bound, all -l together */
#define FORKD_ADDRSTRLEN	(INET6_ADDRSTRLEN + 16)	/* "[addr]:port" */
#define FORKD_ACCEPT_BATCH	16	/* accepts per wake-up, per socket */
#define FORKD_KILL_DELAY	5	/* seconds from SIGTERM to SIGKILL */
#define FORKD_PAUSE_SECS	1	/* accepts paused after EMFILE & co */
#define FORKD_REQUEST_MS	1000	/* SIGUSR1, SIGHUP: a line this often */
#define FORKD_REFUSE_MAX	512	/* --refuse-message, decoded */

enum log_target {
	LOG_TO_SYSLOG,
	LOG_TO_STDERR
};

/* Where an exec'd program's fd 2 points (--child-stderr). */
enum child_stderr {
	CHILD_STDERR_INHERIT,	/* forkd's own stderr (the default) */
	CHILD_STDERR_NULL,	/* /dev/null */
	CHILD_STDERR_SOCKET	/* the connection, like fds 0 and 1 */
};

/* What the command line asked for; filled by options_parse(). */
struct config {
	const char	*listen[FORKD_MAX_LISTEN];
	size_t		 nlisten;
	const char	*builtin;	/* NULL in exec mode */
	char		**program;	/* argv of PROGRAM, NULL-terminated */
	int		 max_children;
	int		 backlog;	/* 0: the kernel's maximum */
	int		 grace;		/* seconds */
	const char	*pidfile;
	int		 daemonize;
	enum log_target	 log_target;
	enum child_stderr child_stderr;
	int		 verbose;
	int		 title;		/* --title: setproctitle in built-ins */
	/* Admission control, checked in the parent before a child starts. */
	unsigned	 per_ip;	/* -C: children per address group; 0: any */
	int		 v4prefix;	/* --ipv4-prefix: the group of an IPv4 client */
	int		 v6prefix;	/* --ipv6-prefix */
	struct rate	 rate;		/* -R: per address group; n 0: none */
	struct rate	 max_rate;	/* --max-rate: the whole server */
	const char	*access;	/* -a: rules file, reread on SIGHUP */
	int		 timeout;	/* -t: seconds a child may live; 0: ever */
	int		 kill_after;	/* --kill-after: SIGTERM to SIGKILL */
	int		 idle_timeout;	/* --idle-timeout: built-ins; 0: none */
	char		 refuse_msg[FORKD_REFUSE_MAX];	/* --refuse-message */
	size_t		 refuse_len;	/* its bytes; 0: close silently */
	/* Deployment. */
	const char	*user;		/* -u USER[:GROUP], or NULL */
	const char	*chroot;	/* --chroot DIR, or NULL */
	int		 proxy_protocol; /* headers first (HAProxy) */
	int		 proxy_timeout;	/* seconds for the whole header */
	int		 reuseport;	/* SO_REUSEPORT on the listeners */
};

/* One bound, listening socket. */
struct listener {
	int	fd;
	char	name[FORKD_ADDRSTRLEN];	/* "127.0.0.1:7000", "[::1]:7000" */
	char	origin[80];	/* "systemd fd 3 web", or "" for -l */
};

/* Both ends of one accepted connection, as text, for logs and UCSPI. */
struct conninfo {
	char	local_ip[INET6_ADDRSTRLEN];
	char	local_port[8];
	char	remote_ip[INET6_ADDRSTRLEN];
	char	remote_port[8];
	char	peer[FORKD_ADDRSTRLEN];	/* remote end as "ip:port" */
	char	proxy_ip[INET6_ADDRSTRLEN];	/* --proxy-protocol: the */
	char	proxy_port[8];			/* proxy's end, else "" */
};

/* Where a child stands with -t: which deadline list holds it. */
enum child_stage {
	CHILD_UNTIMED,		/* no deadline (no -t, or SIGKILL sent) */
	CHILD_RUNNING,		/* due: start + timeout, then SIGTERM */
	CHILD_TERMINATING,	/* due: SIGTERM + kill-after, then SIGKILL */
	CHILD_NSTAGES
};

/*
 * A child as the table takes and hands it out: whom it serves (the
 * client, as a PROXY header named it if there was one), since when, its
 * deadline.  The table keeps less (struct child_entry).
 */
struct child {
	pid_t			pid;
	enum child_stage	stage;
	struct timespec		start;	/* CLOCK_MONOTONIC */
	struct timespec		due;	/* the next step, if stage is timed */
	struct sockaddr_storage	peer;	/* AF_INET or AF_INET6 */
};

/*
 * What the table keeps of every child: 32 bytes, the address in binary
 * (a log line formats it, at reap), so that 2,000 children cost the
 * parent 2,000 x 40 bytes with the hash.  Its address group is the
 * address under the prefixes of -C and -R, worked out again at reap.
 */
struct child_entry {
	uint64_t	start;		/* CLOCK_MONOTONIC, ns */
	pid_t		pid;
	uint16_t	port;		/* the peer's, host order */
	uint8_t		family;		/* AF_INET, AF_INET6; 0: neither */
	uint8_t		stage;		/* enum child_stage */
	uint8_t		addr[16];	/* IPv4: the first 4 */
};

/*
 * What few children need, beside their entry at the same index: the
 * deadline links (-t) and an IPv6 link-local peer's scope.  Pages of it
 * no child needs are never touched, so cost no memory.
 */
struct child_cold {
	uint64_t	due;		/* CLOCK_MONOTONIC, ns, if timed */
	uint32_t	prev, next;	/* its deadline list: index + 1; 0: end */
	uint32_t	scope_id;	/* sin6_scope_id, if the entry says so */
	uint32_t	unused;
};

/*
 * The table of live children: dense, with a pid hash, and the timed ones
 * on two lists in deadline order (children.c).
 */
struct children {
	struct child_entry *v;
	struct child_cold *cold;	/* cap of them, beside v */
	size_t		 n;
	size_t		 cap;
	uint32_t	*slot;		/* hash: index + 1 into v, 0: empty */
	size_t		 hcap;		/* slots: a power of 2, 2 * cap */
	uint32_t	 head[CHILD_NSTAGES];	/* index + 1; 0: empty */
	uint32_t	 tail[CHILD_NSTAGES];
};

/* A built-in service: serves fd 0 (read) and fd 1 (write), returns status. */
struct service {
	const char	*name;
	int		(*serve)(int in, int out);
};

/* Why admission control closed a connection in the parent. */
enum refusal {
	REFUSED_PER_IP,		/* -C: its address group had enough children */
	REFUSED_RATE,		/* -R: its address group's bucket was empty */
	REFUSED_ACCESS,		/* -a: a deny rule matched */
	REFUSED_NREASONS
};

/* -u USER[:GROUP], looked up at start (privdrop.c). */
struct privdrop {
	char	user[64];	/* the name, for initgroups and messages */
	uid_t	uid;
	gid_t	gid;
	int	named;		/* in passwd: initgroups, else gid alone */
};

/* A connection waiting for its PROXY header (pending.c). */
struct pending {
	int			fd;	/* -1: the slot is free */
	struct timespec		due;	/* accepted + --proxy-timeout */
	struct sockaddr_storage	peer;	/* the proxy's end */
	socklen_t		peerlen;
	size_t			discard; /* header bytes still to consume */
	struct proxy_header	hdr;	/* once parsed */
};
struct pending_set {
	struct pending	*v;	/* a ring of cap slots, oldest at head */
	size_t		 cap;
	size_t		 head;
	size_t		 used;	/* slots from head on, free ones too */
	size_t		 live;	/* connections waiting */
};
enum pending_state {
	PENDING_WAIT,	/* the header is not all there yet */
	PENDING_DONE,	/* consumed; the client's data comes next */
	PENDING_DROP	/* no valid header: close */
};

/* Counters reported on SIGUSR1 and at exit. */
struct counters {
	unsigned long	accepted;
	unsigned long	reaped;
	unsigned long	refused;	/* all reasons */
	unsigned long	refused_by[REFUSED_NREASONS];
	unsigned long	fork_failures;
	unsigned long	timeouts;	/* -t: children sent SIGTERM */
};

/* What admission control hands a child: its environment's extras. */
struct admission {
	unsigned			 conns;	/* TCPCONNNUM: its group's */
	const struct access_rule	*rule;	/* the allow rule, or NULL */
};

/*
 * At most `burst` messages a RATELIMIT_WINDOW (burst 0 counts as 1);
 * counts what it held back and says so in the next line that passes.
 */
struct ratelimit {
	time_t		start;		/* CLOCK_MONOTONIC seconds; 0: never */
	unsigned	burst;
	unsigned	used;		/* lines logged in this window */
	unsigned long	suppressed;
};
#define RATELIMIT_WINDOW	5	/* seconds */

/* privdrop.c */
int		privdrop_resolve(const char *, struct privdrop *, char *,
		    size_t);
int		privdrop_apply(const struct privdrop *, const char *, char *,
		    size_t);

/* pending.c */
int		pending_init(struct pending_set *, size_t);
void		pending_free(struct pending_set *);
struct pending	*pending_at(const struct pending_set *, size_t);
size_t		pending_count(const struct pending_set *);
int		pending_full(const struct pending_set *);
size_t		pending_slots(const struct pending_set *);
struct pending	*pending_add(struct pending_set *, int,
		    const struct sockaddr *, socklen_t,
		    const struct timespec *);
void		pending_remove(struct pending_set *, struct pending *);
struct pending	*pending_expired(struct pending_set *,
		    const struct timespec *);
int		pending_next_due(struct pending_set *, struct timespec *);
enum pending_state pending_read(struct pending *, short, const char **);

/* options.c */
enum options_result {
	OPTIONS_RUN,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_ERROR
};
enum options_result options_parse(int, char **, struct config *,
		    char *, size_t);
void		options_usage(FILE *);
/*
 * A user's value quoted in a message, cut to FORKD_CUT_MAX characters and
 * "...", so the reason after it survives the message buffer; as the
 * arguments of "%.*s%s": snprintf(buf, len, "\"%.*s%s\": bad", CUT(v)).
 */
#define FORKD_CUT_MAX	64
#define CUT(s)		FORKD_CUT_MAX, (s), \
			(strlen(s) > FORKD_CUT_MAX ? "..." : "")

/* listener.c */
int		listener_split(const char *, char *, size_t, char *, size_t,
		    const char **);
int		listener_open_all(const struct config *, struct listener *,
		    size_t, size_t *, char *, size_t);
void		listener_close_all(struct listener *, size_t);
int		listener_format(const struct sockaddr *, socklen_t, char *,
		    size_t, char *, size_t);
int		listener_name(const struct sockaddr *, socklen_t, char *, size_t);
int		listener_peerinfo(const struct sockaddr *, socklen_t,
		    struct conninfo *);
int		listener_conninfo(int, const struct sockaddr *, socklen_t,
		    struct conninfo *);
int		listener_port(const char *, int *, const char **);
void		listener_record(struct listener *, int);
int		listener_proxy_conninfo(int, const struct proxy_header *,
		    const struct sockaddr *, socklen_t, struct conninfo *);

/* activation.c */
int		activation_offered(void);
void		activation_forget(void);
int		activation_take(struct listener *, size_t, size_t *, char *,
		    size_t);

/* selfpipe.c */
#define SELFPIPE_NSIG	65

/*
 * The functions a forked built-in child runs between fork() and serving:
 * placed together (the linker groups .text.hot.*), so that the child
 * faults in one or two pages of forkd's code instead of one per file.
 */
#define FORKD_CHILD_PATH __attribute__((section(".text.hot.forkd_child")))
int		selfpipe_open(void);
int		selfpipe_fd(void);
int		selfpipe_poll(struct pollfd *, nfds_t, int);
int		selfpipe_drain(unsigned char seen[SELFPIPE_NSIG]);
int		selfpipe_child_reset(int keep_sigpipe);
void		selfpipe_keep_flags(volatile sig_atomic_t *);
void		selfpipe_close(void);

/* children.c */
int		children_add(struct children *, const struct child *);
int		children_remove(struct children *, pid_t, struct child *);
int		children_due(const struct children *, const struct timespec *,
		    struct child *);
int		children_next_due(const struct children *, struct timespec *);
void		children_defer(struct children *, pid_t,
		    const struct timespec *);
void		children_untime(struct children *, pid_t);
void		children_peer_name(const struct child *, char *, size_t);
size_t		children_count(const struct children *);
int		children_signal(pid_t, int);
int		children_signal_all(const struct children *, int);
int		children_priority(int);
size_t		children_reap(struct children *, struct limits *);
void		children_format_status(int, char *, size_t);
void		children_free(struct children *);
double		timespec_elapsed(const struct timespec *,
		    const struct timespec *);
uint64_t	timespec_ns(const struct timespec *);

/* spawn.c */
int		spawn_init(const struct config *, char *, size_t);
void		spawn_free(void);
pid_t		spawn_child(const struct config *, int,
		    const struct conninfo *, const struct admission *);
int		spawn_set_access(const struct access_rules *);
int		spawn_error_is_fork(int);
int		spawn_find_program(const char *, char *, size_t, char *,
		    size_t);

/* service.c */
enum hello_head {
	HELLO_INCOMPLETE,	/* no blank line yet: read more */
	HELLO_GET,		/* a well-formed head: answer with a body */
	HELLO_HEAD,		/* a well-formed HEAD request: headers only */
	HELLO_BAD,		/* NUL byte or malformed line: 400 */
	HELLO_IDLE		/* --idle-timeout: nothing came; no answer */
};
const struct service *service_find(const char *);
const char	*service_names(void);
void		 service_set_idle_timeout(int);
enum hello_head	 service_hello_parse(const char *, size_t);

/* log.c */
void		log_init(enum log_target, int);
void		log_startup_done(void);
void		log_close(void);
int		log_verbose(void);
unsigned long	log_dropped(void);
int		log_queued(void);
int		log_pollfd(void);
void		log_flush(void);
void		log_drain(int);
int		log_set_syslog_path(const char *);	/* tests; before log_init */
void		log_msg(int, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
void		log_warn(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
/* log_msg at a fixed priority: one function, not four copies of it. */
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_WARNING, __VA_ARGS__)
int		log_limited(struct ratelimit *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* server.c */
/* A signal asking for a line (SIGUSR1) or an action (SIGHUP). */
struct request {
	struct timespec	next;		/* not answered again before */
	int		pending;	/* asked too soon: answer at next */
};
/*
 * What the loop writes for every connection comes first: at the lowest
 * addresses, next to the loop's frames below it on the same stack page
 * (forkd.c), so that the parent writes one page of stack per fork.
 */
struct server {
	/* The signal handler's flags (selfpipe_keep_flags). */
	volatile sig_atomic_t	 sigflags[SELFPIPE_NSIG];
	struct children		 kids;
	struct counters		 count;
	const struct config	*cfg;
	struct listener		*ls;
	size_t			 nls;
	struct timespec		 paused_until;	/* accepts off until then */
	int			 paused;
	int			 fork_paused;	/* that pause: a fork failure */
	int			 stopping;	/* SIGTERM/SIGINT seen */
	int			 term_sent;
	int			 kill_sent;
	struct timespec		 grace_end;
	struct timespec		 kill_at;
	struct ratelimit	 rl_accept;
	struct ratelimit	 rl_fork;
	struct ratelimit	 rl_exec;
	struct ratelimit	 rl_full;
	struct ratelimit	 rl_refused[REFUSED_NREASONS];
	struct request		 usr1;
	struct request		 hup;
	struct limits		 lim;		/* address groups: -C, -R */
	struct limits		*groups;	/* &lim when counted, or NULL */
	struct access_rules	*rules;		/* -a, or NULL */
	struct bucket		 max_bucket;	/* --max-rate */
	int			 rate_paused;	/* its bucket is empty */
	struct timespec		 rate_until;	/* until its next token */
	struct pending_set	 pend;		/* --proxy-protocol */
	struct ratelimit	 rl_proxy;
	struct pollfd		*pfd;		/* room for all of the above */
	/* systemd's STATUS=: what it said last, and when it may again. */
	size_t			 status_children;
	unsigned long		 status_accepted;
	struct timespec		 status_next;
	int			 status_sent;
};
int		server_init(struct server *, const struct config *,
		    struct listener *, size_t, struct access_rules *);
void		server_free(struct server *);
int		server_loop(struct server *);
enum accept_action {
	ACCEPT_RETRY,	/* that connection failed; try the next one */
	ACCEPT_EMPTY,	/* nothing more to accept now */
	ACCEPT_PAUSE	/* out of fds or memory, or unknown: back off */
};
enum accept_action server_accept_error(int);

#endif /* FORKD_H */
