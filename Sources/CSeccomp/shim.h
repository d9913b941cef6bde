// libseccomp, for building the sandbox's syscall filter (Sources/GustProcess/SeccompFilter.swift).
#include <seccomp.h>
