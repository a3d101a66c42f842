/*
 * Dropping privileges (-u USER[:GROUP], --chroot DIR): forkd binds its
 * ports, opens its pidfile and its log as root, then gives root up for
 * good before it serves anything, so that neither it nor any child runs
 * with privileges it was told to drop.  The user is looked up at start
 * (an unknown one fails before anything is bound); the drop itself is
 * checked by trying to get root back.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "forkd.h"

/* A user or group given by number: its id, or -1 if word is not one. */
static long long
numeric_id(const char *word)
{
	const char *errstr;
	long long id;

	if (*word < '0' || *word > '9')
		return -1;
	id = strtonum(word, 0, UINT32_MAX - 1, &errstr);
	return errstr != NULL ? -1 : id;
}

/* GROUP (a name or a number) into p->gid; 0, or EX_NOUSER with err. */
static int
resolve_group(const char *group, struct privdrop *p, char *err,
    size_t errlen)
{
	struct group *gr;
	long long id;

	if ((gr = getgrnam(group)) != NULL) {
		p->gid = gr->gr_gid;
		return 0;
	}
	if ((id = numeric_id(group)) != -1) {
		p->gid = (gid_t)id;
		return 0;
	}
	snprintf(err, errlen, "--user: unknown group \"%.*s%s\"", CUT(group));
	return EX_NOUSER;
}

/*
 * Look up -u USER[:GROUP] (names or numbers) into p.  Without GROUP, the
 * user's own group; a number that no passwd entry names needs :GROUP.
 * 0, or EX_NOUSER with err.
 */
int
privdrop_resolve(const char *spec, struct privdrop *p, char *err,
    size_t errlen)
{
	const char *colon = strchr(spec, ':');
	struct passwd *pw;
	long long id;

	memset(p, 0, sizeof(*p));
	snprintf(p->user, sizeof(p->user), "%.*s", colon != NULL ?
	    (int)(colon - spec) : (int)strlen(spec), spec);
	if ((pw = getpwnam(p->user)) == NULL && (id = numeric_id(p->user)) !=
	    -1)
		pw = getpwuid((uid_t)id);
	if (pw != NULL) {
		p->uid = pw->pw_uid;
		p->gid = pw->pw_gid;
		p->named = 1;
		snprintf(p->user, sizeof(p->user), "%s", pw->pw_name);
	} else if ((id = numeric_id(p->user)) != -1 && colon != NULL)
		p->uid = (uid_t)id;
	else {
		snprintf(err, errlen, "--user: unknown user \"%.*s%s\"%s",
		    CUT(p->user), numeric_id(p->user) != -1 ?
		    " (a number with no passwd entry needs :GROUP)" : "");
		return EX_NOUSER;
	}
	return colon != NULL ? resolve_group(colon + 1, p, err, errlen) : 0;
}

/* The supplementary groups: the user's (initgroups), or just gid. */
static int
set_groups(const struct privdrop *p)
{
	if (p->named)
		return initgroups(p->user, p->gid);
	return setgroups(1, &p->gid);
}

/*
 * chroot to dir (if not NULL), then become p's user (if not NULL):
 * supplementary groups, gid, uid, in that order, then make sure root
 * cannot be had back.  0, or a sysexits status with err: EX_OSERR for
 * the chroot, EX_NOPERM for a drop that failed or did not hold.
 */
int
privdrop_apply(const struct privdrop *p, const char *dir, char *err,
    size_t errlen)
{
	if (dir != NULL && (chroot(dir) == -1 || chdir("/") == -1)) {
		snprintf(err, errlen, "--chroot %s: %s", dir, strerror(errno));
		return errno == EPERM ? EX_NOPERM : EX_OSERR;
	}
	if (p == NULL)
		return 0;
	if (set_groups(p) == -1 || setgid(p->gid) == -1 ||
	    setuid(p->uid) == -1) {
		snprintf(err, errlen, "--user %s: %s%s", p->user,
		    strerror(errno), errno == EPERM ? " (forkd must start "
		    "as root to change user)" : "");
		return EX_NOPERM;
	}
	if (p->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1 ||
	    getuid() != p->uid || geteuid() != p->uid ||
	    getgid() != p->gid || getegid() != p->gid)) {
		snprintf(err, errlen, "--user %s: root could be had back "
		    "after the drop", p->user);
		return EX_NOPERM;
	}
	return 0;
}
