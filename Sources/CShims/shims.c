#define _GNU_SOURCE
#include <sys/socket.h>
#include "CShims.h"

int cshims_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

#include <spawn.h>
int cshims_spawn_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#include <pthread.h>
void cshims_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
int cshims_set_thread_nice(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}
