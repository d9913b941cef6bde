// A Gust reactor (docs/wasm.md): built with -mexec-model=reactor, so `_initialize` runs once
// when the instance starts, then Gust calls `gust_handle` once per invocation in the same
// instance. State kept between calls (here a counter and a lookup table built at init) is the
// point: it is how a function skips its setup on the warm path.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// Per-invocation context that the environment (fixed at instance start) cannot carry.
__attribute__((import_module("gust"), import_name("request_id")))
int32_t gust_request_id(char *buffer, int32_t capacity);

static unsigned long invocations;
static char greeting[64];

__attribute__((constructor)) static void setup(void) {
    // Runs in _initialize: the once-per-instance work.
    snprintf(greeting, sizeof greeting, "Hello");
}

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written <= 0) return;
        data += written;
        length -= (size_t)written;
    }
}

// The event is on fd 0 (event_length bytes), the response goes to fd 1. Raw read/write instead
// of stdio: a FILE would keep EOF and buffered output from one invocation to the next.
__attribute__((export_name("gust_handle")))
int32_t gust_handle(int32_t event_length) {
    static char event[65536];
    size_t length = 0;
    ssize_t got;
    while (length < sizeof event - 1 && (got = read(0, event + length, sizeof event - 1 - length)) > 0) {
        length += (size_t)got;
    }
    event[length] = '\0';
    invocations++;

    char request[64] = {0};
    int32_t id_length = gust_request_id(request, sizeof request - 1);
    char line[160];
    int n = snprintf(line, sizeof line, "request %.*s: invocation %lu of this instance, event %d bytes\n",
                     id_length, request, invocations, (int)event_length);
    write_all(2, line, (size_t)n);

    char response[256];
    n = snprintf(response, sizeof response, "{\"message\":\"%s from a warm reactor\",\"invocations\":%lu}",
                 greeting, invocations);
    write_all(1, response, (size_t)n);
    return 0;
}
