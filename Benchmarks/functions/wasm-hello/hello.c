// The benchmark's warm wasm hello: a Gust reactor (docs/wasm.md) that does what the bare
// Hummingbird baseline does, answer a small JSON greeting, so that the throughput comparison
// measures Gust rather than the guest's own work. It reads the whole event (as any handler
// must) and writes the greeting; examples/hello-wasm-reactor shows a reactor with more to do.
#include <stdint.h>
#include <unistd.h>

static const char greeting[] = "{\"message\":\"Hello from a warm reactor\",\"invocations\":1}";

__attribute__((export_name("gust_handle")))
int32_t gust_handle(int32_t event_length) {
    static char event[65536];
    int32_t remaining = event_length;
    while (remaining > 0) {
        ssize_t got = read(0, event, remaining < (int32_t)sizeof event ? (size_t)remaining : sizeof event);
        if (got <= 0) break;
        remaining -= (int32_t)got;
    }
    const char *data = greeting;
    size_t length = sizeof greeting - 1;
    while (length > 0) {
        ssize_t written = write(1, data, length);
        if (written <= 0) return 1;
        data += written;
        length -= (size_t)written;
    }
    return 0;
}
