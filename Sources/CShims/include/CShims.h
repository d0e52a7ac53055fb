#ifndef CSHIMS_H
#define CSHIMS_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* accept4 needs _GNU_SOURCE, which a module header cannot define; shims.c wraps it. */
int cshims_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

#include <spawn.h>
/* posix_spawn_file_actions_addclosefrom_np also needs _GNU_SOURCE. */
int cshims_spawn_closefrom(posix_spawn_file_actions_t *actions, int from);

/* pthread_setname_np for the calling thread (Linux keeps the first 15 bytes). */
void cshims_set_thread_name(const char *name);

/* The calling thread's nice value (Linux schedules threads apart); 0 on success. */
int cshims_set_thread_nice(int nice);

/* EPOLL* and friends are enum constants of different C types; plain ints are easier in Swift. */
static inline unsigned int cshims_epollin(void) { return EPOLLIN; }
static inline unsigned int cshims_epollout(void) { return EPOLLOUT; }
static inline unsigned int cshims_epollerr(void) { return EPOLLERR; }
static inline unsigned int cshims_epollhup(void) { return EPOLLHUP; }
static inline unsigned int cshims_epollrdhup(void) { return EPOLLRDHUP; }
static inline unsigned int cshims_epollet(void) { return EPOLLET; }
#endif
