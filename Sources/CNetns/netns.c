// Hand-written because no library here creates a network namespace for one thread: the
// Runtime API and Gust's endpoint must be served *inside* an instance's namespace, on sockets
// Gust opens there and then serves from its own event loops (docs/sandbox.md).
#define _GNU_SOURCE
#include "CNetns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

struct job {
    const int *ports;
    int count;
    int *sockets;
    int result;
};

static int loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    return rc == 0 ? 0 : -saved;
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 64) != 0) {
        int saved = errno;
        close(fd);
        return -saved;
    }
    return fd;
}

static void *work(void *argument) {
    struct job *job = argument;
    int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) { job->result = -errno; return NULL; }
    if (unshare(CLONE_NEWNET) != 0) { job->result = -errno; close(original); return NULL; }
    int rc = loopback_up();
    int ns = rc == 0 ? open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) : rc;
    if (ns < 0 && rc == 0) ns = -errno;
    int opened = 0;
    if (ns >= 0) {
        for (; opened < job->count; opened++) {
            int fd = listen_on(job->ports[opened]);
            if (fd < 0) { rc = fd; break; }
            job->sockets[opened] = fd;
        }
    }
    // The thread ends right after; going back only matters for its own tidiness.
    setns(original, CLONE_NEWNET);
    close(original);
    if (ns < 0 || rc != 0) {
        for (int i = 0; i < opened; i++) close(job->sockets[i]);
        if (ns >= 0) close(ns);
        job->result = ns < 0 ? ns : rc;
        return NULL;
    }
    job->result = ns;
    return NULL;
}

int gust_netns_make(const int *ports, int count, int *sockets) {
    struct job job = {ports, count, sockets, -EINVAL};
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, work, &job);
    if (rc != 0) return -rc;
    pthread_join(thread, NULL);
    return job.result;
}

int gust_netns_pin(int fd, const char *path) {
    char source[64];
    snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
    return mount(source, path, NULL, MS_BIND, NULL) == 0 ? 0 : -errno;
}

int gust_netns_unpin(const char *path) {
    return umount2(path, MNT_DETACH) == 0 ? 0 : -errno;
}

int gust_spawn_wait(char *const argv[]) {
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    char *environment[] = {NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &actions, &attributes, argv, environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) return -rc;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -errno;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
