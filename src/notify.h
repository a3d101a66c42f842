/*
 * systemd's readiness protocol (sd_notify(3)): datagrams to $NOTIFY_SOCKET,
 * sent without ever blocking forkd's loop.
 */
#ifndef FORKD_NOTIFY_H
#define FORKD_NOTIFY_H

#include <stddef.h>

int		notify_init(char *, size_t);
int		notify_enabled(void);
int		notify_send(const char *);
int		notify_reloading(void);
void		notify_close(void);

#endif /* FORKD_NOTIFY_H */
