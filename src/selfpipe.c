/*
 * The self-pipe: signal handlers note the signal in a flag and write its
 * number as one byte, the poll loop reads both back.  The flag is the
 * truth, the byte only the wake-up: a full pipe loses bytes, never
 * signals.  Nothing else ever runs in signal context.
 *
 * forkd's signals stay blocked except inside the loop's wait
 * (selfpipe_poll(): ppoll() opens them and closes them again in one
 * step), so a handler only ever interrupts that wait.  fork() then needs
 * no masking of its own, and the signals that come while the loop
 * accepts, forks and reaps arrive as one each when it next waits: 16
 * children reaped in a round cost one handler, not 16.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <sys/syscall.h>

#include "forkd.h"

static int pipefd[2] = { -1, -1 };
static sigset_t wait_mask;	/* the mask inside selfpipe_poll() */
static volatile sig_atomic_t own_flags[SELFPIPE_NSIG];
static volatile sig_atomic_t *pending = own_flags;	/* set by the handler */

/* x86-64 Linux (not x32): the child's two signal calls go to the kernel. */
#if defined(__x86_64__) && !defined(__ILP32__) && defined(__linux__)
#define RAW_SIGNAL_CALLS	1
#endif

/*
 * What a new child resets, prepared at start: it only reads these, so
 * it touches no libc sigset function and writes no page of forkd's data
 * (each page a child writes or runs is a page fault).  They are data
 * forkd has written, so their page tables come with the fork: constants
 * would sit on a page of the file that the child must fault in.
 */
static int child_signals[SELFPIPE_NSIG];	/* back to SIG_DFL */
static int child_nsignals;
#ifdef RAW_SIGNAL_CALLS
/*
 * The kernel's struct sigaction on x86-64 (handler, flags, restorer,
 * 64-bit mask): SIG_DFL needs no restorer.  The raw system calls keep
 * the child off two pages of libc's code (sigaction's and
 * pthread_sigmask's), each a page fault in every child.
 */
struct kernel_sigaction {
	void		(*handler)(int);
	unsigned long	flags;
	void		(*restorer)(void);
	unsigned long	mask;
};

static struct kernel_sigaction child_default;	/* SIG_DFL, all masked */
static unsigned long child_mask;		/* empty */
#else
static struct sigaction child_default;	/* SIG_DFL, every signal masked */
static sigset_t child_mask;		/* empty */
#endif

/* The signals that travel the pipe. */
static const int caught[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
#define NCAUGHT	(sizeof(caught) / sizeof(caught[0]))

/*
 * The handler: a flag, then one byte, errno kept.  A failed write (EAGAIN:
 * the pipe is full) is fine: the full pipe is a wake-up already pending,
 * and the flag says which signal came.
 */
static void
selfpipe_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	ssize_t r;

	if (signo > 0 && signo < SELFPIPE_NSIG)
		pending[signo] = 1;
	r = write(pipefd[1], &b, 1);
	(void)r;
	/*
	 * Restored only if the write changed it: errno's page, like every
	 * page, costs a fault when first written after each fork.
	 */
	if (errno != saved)
		errno = saved;
}

/* Install a disposition for signo with every signal blocked while it runs. */
static int
set_handler(int signo, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
	return sigaction(signo, &sa, NULL);
}

/* Whether signo is one of the signals that travel the pipe. */
static int
is_caught(int signo)
{
	size_t i;

	for (i = 0; i < NCAUGHT; i++)
		if (caught[i] == signo)
			return 1;
	return 0;
}

/* Fill set with the signals that travel the pipe. */
static void
caught_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < NCAUGHT; i++)
		sigaddset(set, caught[i]);
}

/*
 * What a child gives back to SIG_DFL, noted before forkd installs its
 * handlers: forkd's signals, and those forkd was started with ignored (a
 * shell's "&" ignores SIGINT and SIGQUIT, nohup SIGHUP).  SIGPIPE is the
 * caller's choice (selfpipe_child_reset).
 */
static void
prepare_child_reset(void)
{
	struct sigaction old;
	size_t i;
	int signo;

	memset(&child_default, 0, sizeof(child_default));
#ifdef RAW_SIGNAL_CALLS
	child_default.handler = SIG_DFL;
	child_default.mask = ~0UL;
	child_mask = 0;
#else
	child_default.sa_handler = SIG_DFL;
	sigfillset(&child_default.sa_mask);
	sigemptyset(&child_mask);
#endif
	child_nsignals = 0;
	for (i = 0; i < NCAUGHT; i++)
		child_signals[child_nsignals++] = caught[i];
	for (signo = 1; signo < SELFPIPE_NSIG; signo++)
		if (signo != SIGPIPE && !is_caught(signo) &&
		    sigaction(signo, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			child_signals[child_nsignals++] = signo;
}

/*
 * Create the pipe (both ends non-blocking and close-on-exec), install the
 * handlers, ignore SIGPIPE, and block the signals forkd handles from now
 * on but inside selfpipe_poll().  Its mask is the one forkd was started
 * with, less those signals: a parent's mask survives exec, and with
 * SIGCHLD or SIGTERM blocked there too forkd would never reap or stop.
 * -1 with errno on failure.
 */
int
selfpipe_open(void)
{
	sigset_t handled;
	size_t i;

	prepare_child_reset();
	if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < NCAUGHT; i++)
		if (set_handler(caught[i], selfpipe_handler) == -1)
			return -1;
	if (set_handler(SIGPIPE, SIG_IGN) == -1)
		return -1;
	caught_set(&handled);
	if (sigprocmask(SIG_BLOCK, &handled, &wait_mask) == -1)
		return -1;
	for (i = 0; i < NCAUGHT; i++)
		sigdelset(&wait_mask, caught[i]);
	return 0;
}

/*
 * Run the handlers of forkd's signals that are pending: ppoll() runs one
 * only if no fd is ready, so under load (a listener always ready) they
 * would wait for good.  Whether any ran.
 */
static int
handle_pending(void)
{
	sigset_t set, old;
	size_t i;

	if (sigpending(&set) == -1)
		return 0;
	for (i = 0; i < NCAUGHT; i++)
		if (sigismember(&set, caught[i]) == 1)
			break;
	if (i == NCAUGHT)
		return 0;
	/* Every pending one is handled before the mask closes again. */
	sigprocmask(SIG_SETMASK, &wait_mask, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 1;
}

/*
 * The loop's wait: poll(2) on pfd for up to ms milliseconds (-1: no
 * limit) with forkd's signals open, the one place their handlers run.
 * When one ran, the pipe's entry in pfd (if any) says POLLIN, instead of
 * an EINTR, and every other signal of forkd's pending then has run too.
 * The number of entries with revents, or -1 with errno.
 */
int
selfpipe_poll(struct pollfd *pfd, nfds_t n, int ms)
{
	struct timespec ts;
	nfds_t i;
	int r, ran = 0;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	r = ppoll(pfd, n, ms < 0 ? NULL : &ts, &wait_mask);
	if (r == -1) {
		if (errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
		r = 0;
		ran = 1;
	}
	/* A timeout had nothing pending: it would have been an EINTR. */
	if ((r > 0 || ran) && handle_pending())
		ran = 1;
	for (i = 0; ran && i < n; i++)
		if (pfd[i].fd == pipefd[0]) {
			if (pfd[i].revents == 0)
				r++;
			pfd[i].revents |= POLLIN;
		}
	return r;
}

/* The end the poll loop watches. */
int
selfpipe_fd(void)
{
	return pipefd[0];
}

/*
 * Take the flags: seen[signo] is set for each signal that arrived since
 * the last call, and its flag cleared.  A signal arriving after its flag
 * was read sets it again and writes a new byte: it is seen next time.
 */
static void
take_flags(unsigned char seen[SELFPIPE_NSIG])
{
	size_t i;

	for (i = 0; i < NCAUGHT; i++)
		if (pending[caught[i]]) {
			pending[caught[i]] = 0;
			seen[caught[i]] = 1;
		}
}

/*
 * Read the pipe until it is empty, then take the flags: seen[signo] is
 * set for each signal that arrived, whether or not its byte fitted in the
 * pipe.  Returns the number of bytes read, or -1 on a real error.
 */
int
selfpipe_drain(unsigned char seen[SELFPIPE_NSIG])
{
	unsigned char buf[256];
	ssize_t r;
	int total = 0;

	for (;;) {
		r = read(pipefd[0], buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			break;
		if (r <= 0)
			return -1;	/* EOF cannot happen: we hold pipefd[1] */
		total += (int)r;
	}
	take_flags(seen);
	return total;
}

/*
 * The child's two signal calls, inlined into selfpipe_child_reset() so
 * that they stay on its page.
 */
#ifdef RAW_SIGNAL_CALLS
/*
 * A system call with no libc in between (errno untouched: the result is
 * -errno on failure): syscall(3) itself would be a third page of libc.
 */
static inline __attribute__((always_inline)) long
raw_syscall4(long nr, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;

	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b),
	    "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

/* Signal sig back to SIG_DFL: 0, or -1. */
static inline __attribute__((always_inline)) int
child_default_action(int sig)
{
	return raw_syscall4(SYS_rt_sigaction, sig,
	    (long)&child_default, 0, sizeof(child_mask)) == 0 ? 0 : -1;
}

/* No signal blocked: 0, or -1. */
static inline __attribute__((always_inline)) int
child_empty_mask(void)
{
	return raw_syscall4(SYS_rt_sigprocmask, SIG_SETMASK,
	    (long)&child_mask, 0, sizeof(child_mask)) == 0 ? 0 : -1;
}
#else
static inline __attribute__((always_inline)) int
child_default_action(int sig)
{
	return sigaction(sig, &child_default, NULL);
}

static inline __attribute__((always_inline)) int
child_empty_mask(void)
{
	return sigprocmask(SIG_SETMASK, &child_mask, NULL);
}
#endif

/*
 * In a new child, with forkd's signals still blocked (the parent blocks
 * them everywhere but in selfpipe_poll(), so no handler of forkd's has
 * run here): default dispositions (SIG_IGN survives exec: any forkd
 * inherited, and SIGPIPE's unless keep_sigpipe), an empty mask.  After
 * this no forkd handler can run in the child.  The pipe's ends are left
 * to the caller's closefrom(3), one syscall for every fd of forkd's.  The
 * child's path between fork and serving is kept on few pages
 * (FORKD_CHILD_PATH) and writes none of forkd's data.
 * Page-aligned: selfpipe.o comes first of the objects in that section,
 * so the whole path (under 4 KiB) starts a page and stays on it.
 */
FORKD_CHILD_PATH __attribute__((aligned(4096))) int
selfpipe_child_reset(int keep_sigpipe)
{
	int i, rc = 0;

	for (i = 0; i < child_nsignals; i++)
		if (child_default_action(child_signals[i]) == -1)
			rc = -1;
	if (!keep_sigpipe && child_default_action(SIGPIPE) == -1)
		rc = -1;
	if (child_empty_mask() == -1)
		rc = -1;
	return rc;
}

/*
 * Keep the flags in flags[SELFPIPE_NSIG] from the next selfpipe_open()
 * on: the server keeps them in its own state, on the stack page its loop
 * writes for every connection anyway, so that a signal costs the parent
 * no page fault of its own after each fork.  selfpipe_close() blocks the
 * signals before it lets go of them.
 */
void
selfpipe_keep_flags(volatile sig_atomic_t *flags)
{
	pending = flags;
}

/*
 * Close both ends when the server is done.  The caught signals are
 * blocked first (a pending one is simply never handled: forkd is
 * exiting, and the next selfpipe_open() unblocks them), so that no
 * handler writes a flag once their storage is gone.
 */
void
selfpipe_close(void)
{
	sigset_t handled;

	caught_set(&handled);
	sigprocmask(SIG_BLOCK, &handled, NULL);
	pending = own_flags;
	if (pipefd[0] != -1)
		close(pipefd[0]);
	if (pipefd[1] != -1)
		close(pipefd[1]);
	pipefd[0] = pipefd[1] = -1;
}
