#ifndef GUST_CNETNS_H
#define GUST_CNETNS_H

/// Makes a network namespace with only loopback, up, and listening TCP sockets on 127.0.0.1 at
/// `ports` inside it. Returns the namespace's descriptor (and the sockets in `sockets`), or
/// -errno. The work runs on a short-lived thread of its own, so no thread of the caller ever
/// changes namespace.
int gust_netns_make(const int *ports, int count, int *sockets);

#endif
