/* A native custom runtime for the benchmark: the Lambda Runtime API loop in C over one kept-alive
 * connection, answering every event with a fixed JSON greeting. Hand-written on purpose: it is the
 * smallest possible `provided` function, so the benchmark measures Gust and not a language runtime. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int fd = -1;
static char buf[1 << 20];
static size_t have = 0;

static void die(const char *what) { perror(what); exit(1); }

static void connect_api(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api) die("AWS_LAMBDA_RUNTIME_API");
    char host[64];
    const char *colon = strrchr(api, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - api), api);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
    inet_pton(AF_INET, host, &addr.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
}

static void send_all(const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n <= 0) die("write");
        data += n;
        len -= (size_t)n;
    }
}

/* Reads one response; copies the request id header (if any) into `request_id`. */
static void read_response(char *request_id, size_t id_size) {
    char *end;
    while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n <= 0) exit(0);
        have += (size_t)n;
    }
    size_t head = (size_t)(end - buf) + 4, body = 0;
    for (char *line = buf; line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "content-length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
        if (request_id && strncasecmp(line, "lambda-runtime-aws-request-id:", 30) == 0) {
            char *v = line + 30;
            while (*v == ' ') v++;
            size_t n = strcspn(v, "\r");
            snprintf(request_id, id_size, "%.*s", (int)n, v);
        }
    }
    while (have < head + body) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n <= 0) exit(0);
        have += (size_t)n;
    }
    memmove(buf, buf + head + body, have - head - body);
    have -= head + body;
}

int main(void) {
    connect_api();
    static const char next[] = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: gust\r\n\r\n";
    static const char reply[] = "{\"hello\":\"world\"}";
    char request_id[128], message[512];
    for (;;) {
        send_all(next, sizeof next - 1);
        request_id[0] = 0;
        read_response(request_id, sizeof request_id);
        int n = snprintf(message, sizeof message,
            "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: gust\r\n"
            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
            request_id, sizeof reply - 1, reply);
        send_all(message, (size_t)n);
        read_response(NULL, 0);
    }
}
