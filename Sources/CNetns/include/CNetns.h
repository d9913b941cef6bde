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

#endif
