#ifndef GUST_CNETNS_H
#define GUST_CNETNS_H

/// Makes a network namespace with only loopback, up, and listening TCP sockets on 127.0.0.1 at
/// `ports` inside it. Returns the namespace's descriptor (and the sockets in `sockets`), or
/// -errno. The work runs on a short-lived thread of its own, so no thread of the caller ever
/// changes namespace.
int gust_netns_make(const int *ports, int count, int *sockets);

/// Binds the namespace `fd` onto the file `path` (which must exist), as `ip netns add` does, so
/// that tools which take a namespace by path (pasta) can open it. 0 or -errno.
int gust_netns_pin(int fd, const char *path);

/// Detaches what `gust_netns_pin` bound (lazily: a holder may still have it open). 0 or -errno.
int gust_netns_unpin(const char *path);

/// Runs `argv` (a path and its arguments, NULL-terminated) with an empty environment, stdio on
/// /dev/null, every signal at its default and no other descriptor of Gust's, and waits for it.
/// Returns its exit status (128+N for signal N), or -errno if it could not start. For helpers
/// such as pasta, whose daemon outlives the call: Foundation's Process could not wait for such a
/// child, and a plain posix_spawn would hand it Gust's listening sockets.
int gust_spawn_wait(char *const argv[]);

#endif
