// A deliberately hostile WASI command for the end-to-end tests; the event names what it does.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

__attribute__((noinline)) static unsigned long recurse(unsigned long depth) {
    volatile char frame[256];
    frame[depth % sizeof frame] = (char)depth;
    if (depth == (unsigned long)-1) return 0;  // never: keeps the compiler from objecting
    return recurse(depth + 1) + frame[0];
}

int main(void) {
    char event[256] = {0};
    fread(event, 1, sizeof event - 1, stdin);
    if (strstr(event, "spin")) {
        for (;;) sink++;
    } else if (strstr(event, "grow")) {
        // Ask for memory until the cap says no, touching every page.
        unsigned long total = 0;
        for (char *block; (block = malloc(1 << 20)) != NULL; total += 1 << 20) memset(block, 1, 1 << 20);
        fprintf(stderr, "allocated %lu MB before malloc failed\n", total >> 20);
        return 1;
    } else if (strstr(event, "recurse")) {
        sink = recurse(0);
    } else if (strstr(event, "trap")) {
        __builtin_trap();
    } else if (strstr(event, "exit")) {
        fprintf(stderr, "exiting with 3\n");
        exit(3);
    } else if (strstr(event, "flood")) {
        // Far more output than a response may carry.
        static char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < 200; i++) fwrite(chunk, 1, sizeof chunk, stdout);
        return 0;
    }
    printf("\"calm\"");
    return 0;
}
