// A WASI command: Gust starts a fresh instance per invocation, hands it the event on stdin and
// takes the response from stdout. stderr lines become the invocation's log lines; the context
// is in the environment.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    static char event[65536];
    size_t length = fread(event, 1, sizeof event - 1, stdin);
    event[length] = '\0';

    // A real function would parse JSON; this one only looks for "name":"...".
    const char *name = "world";
    char buffer[128];
    const char *key = strstr(event, "\"name\"");
    if (key) {
        const char *open = strchr(key + 6, '"');
        const char *close = open ? strchr(open + 1, '"') : NULL;
        if (close && close - open - 1 < (long)sizeof buffer) {
            memcpy(buffer, open + 1, close - open - 1);
            buffer[close - open - 1] = '\0';
            name = buffer;
        }
    }
    fprintf(stderr, "request %s: greeting %s\n", getenv("GUST_REQUEST_ID"), name);
    printf("{\"message\":\"Hello, %s!\",\"function\":\"%s\",\"runtime\":\"wasm\"}", name,
           getenv("AWS_LAMBDA_FUNCTION_NAME"));
    return 0;
}
