#!/usr/bin/env python3
"""Builds one libFuzzer target (Fuzz/Targets/<name>.swift) without changing the package.

SwiftPM cannot build a libFuzzer executable (its entry point and the fuzzer's `main` clash), and
instrumenting every dependency would mean a second full build. So this reuses the normal debug
build: the Gust modules under test are recompiled with `-sanitize=fuzzer,address` (whole-module,
with the exact flags SwiftPM used, read from .build/debug.yaml), and everything else (NIO,
swift-crypto, Yams, the other Gust modules) is linked uninstrumented from the debug objects.
Run `swift build` first.

usage: Fuzz/build.py TARGET   -> .build/fuzz/bin/TARGET
"""
import glob, json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBUG = os.path.realpath(f"{ROOT}/.build/debug")  # .build/<triple>/debug
TRIPLE = os.path.basename(os.path.dirname(DEBUG))
OUT = f"{ROOT}/.build/fuzz"

# The modules each target exercises: recompiled with coverage, in dependency order.
TARGETS = {
    "json": ["GustCore"],
    "sigv4": ["GustCore", "GustSigV4"],
    "route-table": ["GustCore", "GustHTTP"],
    "jwt": ["GustCore", "GustHTTP"],
    "apigw": ["GustCore", "GustHTTP"],
    "runtime-api": ["GustHTTPServer", "GustProcess"],
    "manifest": ["GustCommands"],
    "sqs": ["GustAWSWire", "GustQueue"],
    "s3": ["GustCore", "GustSigV4", "GustAWSWire", "GustObjectStore"],
}

def module_args(manifest, module):
    m = re.search(r'^  "C\.%s-%s-debug\.module":\n(?:    .*\n)*?    args: (\[.*\])$' % (re.escape(module), TRIPLE), manifest, re.M)
    if not m:
        sys.exit(f"{module}: not in .build/debug.yaml; run `swift build` first")
    return json.loads(m.group(1))

DROP_ONE = {"-emit-dependencies", "-incremental", "-enable-batch-mode", "-serialize-diagnostics",
            "-parseable-output", "-emit-objc-header", "-emit-module", "-j2"}
DROP_TWO = {"-output-file-map", "-index-store-path", "-emit-objc-header-path", "-emit-module-path",
            "-module-cache-path"}

def instrumented(args, module):
    out, skip = [], 0
    for i, a in enumerate(args):
        if skip:
            skip -= 1
            continue
        if a in DROP_ONE or a.startswith("-j"):
            continue
        if a in DROP_TWO:
            skip = 1
            continue
        out.append(a)
        if a == "-I" and args[i + 1].endswith("/Modules"):
            out.append(f"{OUT}/Modules")
            out.append("-I")
    return out + ["-wmo", "-emit-module", "-emit-module-path", f"{OUT}/Modules/{module}.swiftmodule",
                  "-module-cache-path", f"{OUT}/ModuleCache", "-sanitize=fuzzer,address",
                  "-o", f"{OUT}/obj/{module}.o"]

def xcc_flags(manifest):
    """Every C module map and include directory SwiftPM passes anywhere, for the harness."""
    flags, seen = [], set()
    for line in re.findall(r"^    args: (\[.*\])$", manifest, re.M):
        args = json.loads(line)
        for i, a in enumerate(args[:-1]):
            if a == "-Xcc" and args[i + 1].startswith("-fmodule-map-file=") and args[i + 1] not in seen:
                seen.add(args[i + 1])
                flags += ["-Xcc", args[i + 1]]
            if a == "-Xcc" and args[i + 1] == "-I" and args[i + 3] not in seen:
                seen.add(args[i + 3])
                flags += ["-Xcc", "-I", "-Xcc", args[i + 3]]
    return flags

def archive(skip):
    """One thin static archive of every debug object that is not rebuilt, a test's or an
    executable's: the linker pulls only the members it needs (one archive, because the linker
    rescans a single archive until nothing new resolves, and swiftc does not keep link groups
    around its inputs)."""
    objs = []
    for d in sorted(glob.glob(f"{DEBUG}/*.build")):
        name = os.path.basename(d)[:-len(".build")]
        if (name in skip or name.endswith("Tests") or name.endswith("-tool") or name.startswith("GustPackage")
                or name in {"gust", "gust-bench", "hello-nio", "hello-hummingbird"}):
            continue
        objs += glob.glob(f"{d}/**/*.o", recursive=True)
    lib = f"{OUT}/lib/libdeps-{'-'.join(sorted(skip))}.a"
    os.makedirs(f"{OUT}/lib", exist_ok=True)
    if os.path.exists(lib):
        os.remove(lib)
    subprocess.run(["ar", "rcsT", lib] + objs, check=True)
    return lib

def main():
    target = sys.argv[1]
    if target not in TARGETS:
        sys.exit(f"unknown target {target}; one of {', '.join(TARGETS)}")
    manifest = open(f"{ROOT}/.build/debug.yaml").read()
    for d in ("Modules", "obj", "bin"):
        os.makedirs(f"{OUT}/{d}", exist_ok=True)
    modules = TARGETS[target]
    for module in modules:
        subprocess.run(instrumented(module_args(manifest, module), module), check=True, cwd=ROOT)
    lib = archive(set(modules))
    cmd = (["swiftc", "-parse-as-library", "-swift-version", "6", "-sanitize=fuzzer,address", "-g",
            "-I", f"{OUT}/Modules", "-I", f"{DEBUG}/Modules", "-module-cache-path", f"{OUT}/ModuleCache"]
           + xcc_flags(manifest) + [f"{ROOT}/Fuzz/Targets/{target}.swift"]
           + [f"{OUT}/obj/{m}.o" for m in modules]
           + [lib, "-o", f"{OUT}/bin/{target}"])
    result = subprocess.run(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    # ld.gold warns about every ASan local symbol it cannot export: noise.
    sys.stderr.write("".join(l + "\n" for l in result.stderr.splitlines() if "Cannot export local symbol" not in l))
    if result.returncode != 0:
        sys.exit(result.returncode)
    print(f"{OUT}/bin/{target}")

main()
