# Shared rules for the C → wasm32-wasi examples: clang (any recent one with the WebAssembly
# target and wasm-ld, e.g. Swift's toolchain or Debian's clang + lld), Debian's wasi-libc (the
# sysroot) and libclang-rt-dev-wasm32 (compiler builtins).
#   apt-get install wasi-libc libclang-rt-dev-wasm32
CLANG ?= clang
WASI_SYSROOT ?= /usr
# Debian installs the builtins for its own clang; name the archive so that any clang can link.
BUILTINS ?= $(firstword $(wildcard /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a))
CFLAGS ?= -O2
WASM_FLAGS = --target=wasm32-wasi --sysroot=$(WASI_SYSROOT) $(CFLAGS) -Wall -Werror \
	-nodefaultlibs -Wl,--strip-all

check-toolchain:
	@test -f $(WASI_SYSROOT)/lib/wasm32-wasi/libc.a || { echo "wasi-libc is missing: apt-get install wasi-libc"; exit 1; }
	@test -n "$(BUILTINS)" || { echo "wasm32 compiler builtins are missing: apt-get install libclang-rt-dev-wasm32"; exit 1; }
.PHONY: check-toolchain
