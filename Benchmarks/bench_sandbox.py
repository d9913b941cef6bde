"""Sandbox benchmark: what the hardened sandbox costs a Python function's cold start and warm
invoke, against the pre-hardening profile (`--sandbox basic`) and no sandbox (`--sandbox none`),
all measured in the same run, in alternating rounds so that the VM's drift hits every mode alike.

Run through `Benchmarks/run.sh sandbox`. Writes a dated section into BENCHMARKS.md.
"""
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

from bench import HERE, ROOT, Client, Server, machine, prepend_section, wrk, zip_dir

MODES = ["bwrap", "basic", "none"]  # hardened (network egress, the default), pre-hardening, none
ROUNDS = 5
COLD_SAMPLES = 7
WARM_SECONDS = 5


def measure(gust, mode, code):
    server = Server(gust, mode)
    try:
        client = Client(server.url)
        functions = {"py-egress": None, "py-host": "host"} if mode == "bwrap" else {"py-host": None}
        out = {}
        for name, network in functions.items():
            client.lam.create_function(FunctionName=name, Role="r", MemorySize=128, Timeout=10, Runtime="python3.11",
                                       Handler="app.handler", Code={"ZipFile": code})
            if network:
                path = "/2015-03-31/functions/%s/configuration" % name
                body = json.dumps({"GustNetwork": network}).encode()
                client.session.put(server.url + path, data=body, headers=client.signed("PUT", path, body)).raise_for_status()
            client.invoke_timed(name)
            time.sleep(0.5)  # the spares (shells, namespaces) refill
            cold, init = [], []
            for i in range(COLD_SAMPLES):
                client.lam.update_function_configuration(FunctionName=name, Description="run %d" % i)
                cold.append(client.invoke_timed(name))
                init.append(client.last_init_ms(name))
                time.sleep(0.3)
            body = b'{"name":"bench"}'
            path = "/2015-03-31/functions/%s/invocations" % name
            headers = client.signed("POST", path, body)
            wrk(server.url + path, headers, body, 1, 1)
            warm = wrk(server.url + path, headers, body, 1, WARM_SECONDS)
            out[name] = {"cold_ms": statistics.median(cold), "init_ms": statistics.median(init), "warm_p50_ms": warm["p50_ms"],
                         "warm_p99_ms": warm["p99_ms"], "rps": warm["rps"]}
        return out
    finally:
        server.stop()


def main():
    gust = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build/release/gust")
    code = zip_dir({"app.py": ((HERE / "functions/python-hello/app.py").read_bytes(), 0o644)})
    rounds = {mode: [] for mode in MODES}
    for _ in range(ROUNDS):
        for mode in MODES:
            rounds[mode].append(measure(gust, mode, code))

    def med(mode, fn, key):
        return statistics.median(r[fn][key] for r in rounds[mode])

    r = {"date": datetime.date.today().isoformat(), "rounds": rounds}
    print(json.dumps(r, indent=2))
    rows = [
        ("hardened, network `egress` (default)", "bwrap", "py-egress"),
        ("hardened, network `host`", "bwrap", "py-host"),
        ("pre-hardening profile (`--sandbox basic`)", "basic", "py-host"),
        ("no sandbox (`--sandbox none`)", "none", "py-host"),
    ]
    lines = [
        "## %s — sandbox: what hardening costs a Python cold start and warm invoke" % r["date"],
        "",
        "Machine: %s. Command: `Benchmarks/run.sh sandbox` (release build)." % machine(),
        "One server per mode, %d alternating rounds (bwrap, basic, none, bwrap, …); each figure is the median" % ROUNDS,
        "over rounds of: the first invoke after a configuration change, median of %d (client-observed, and" % COLD_SAMPLES,
        "Gust's recorded init); and wrk -c1 for %d s replaying one signed Invoke (warm). Function:" % WARM_SECONDS,
        "`Benchmarks/functions/python-hello`, 128 MB.",
        "",
        "| mode | cold (init) | warm p50 / p99 | warm req/s |",
        "|---|---|---|---|",
    ]
    for label, mode, fn in rows:
        lines.append("| %s | %.1f ms (%.1f) | %.3f / %.3f ms | %.0f |" % (
            label, med(mode, fn, "cold_ms"), med(mode, fn, "init_ms"), med(mode, fn, "warm_p50_ms"),
            med(mode, fn, "warm_p99_ms"), med(mode, fn, "rps")))
    hardened = med("bwrap", "py-egress", "cold_ms")
    lines += [
        "",
        "Hardening adds %+.1f ms to the cold start against the pre-hardening profile and %+.1f ms against no" % (
            hardened - med("basic", "py-host", "cold_ms"), hardened - med("none", "py-host", "cold_ms")),
        "sandbox (target ≤ 5 ms), and %+.0f µs to the warm p50 against the pre-hardening profile." % (
            (med("bwrap", "py-egress", "warm_p50_ms") - med("basic", "py-host", "warm_p50_ms")) * 1000),
        "Per round (cold ms, warm p50 µs): " + "; ".join(
            "%s %s" % (mode, ", ".join("%.1f/%.0f" % (x[fn]["cold_ms"], x[fn]["warm_p50_ms"] * 1000)
                                        for x in rounds[mode] for fn in x))
            for mode in MODES),
        "",
    ]
    prepend_section(lines)


if __name__ == "__main__":
    main()
