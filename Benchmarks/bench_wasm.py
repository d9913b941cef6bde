"""Gust benchmark, wasm runtime and HTTP triggers: cold start and warm invoke for the C hello (a WASI
command, fresh instance per call) and the reactor example (one instance, `gust_handle` per call),
inside the scheduler and end to end over the Invoke API; and requests/s and p50/p99 of a warm wasm
hello and a warm Python hello behind HTTP routes (and the wasm hello over the Invoke API) against a
bare Hummingbird hello-world server, all measured in this run with `wrk -t2 -c64`.

Run through `Benchmarks/run.sh wasm`. Writes a dated section into BENCHMARKS.md.
"""
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Client, Server, free_port, machine, prepend_section, wrk, zip_dir

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = {
    # name: (example directory, module)
    "wasm-hello": ("examples/hello-wasm-c", "hello.wasm"),
    "wasm-reactor": ("examples/hello-wasm-reactor", "reactor.wasm"),
}
COLD_RUNS = 7


def build_zips(workdir):
    """wasm-<name>-N.zip: the module beside a marker, so that every deploy is new code."""
    for name, (directory, module) in FUNCTIONS.items():
        subprocess.run(["make", "-s", "-C", str(ROOT / directory), module], check=True)
        data = (ROOT / directory / module).read_bytes()
        for run in range(COLD_RUNS):
            files = {module: (data, 0o644), "deploy.txt": (b"deploy %d" % run, 0o644)}
            (workdir / ("%s-%d.zip" % (name, run))).write_bytes(zip_dir(files))


class Bare:
    """A bare hello server (the baseline), kept running so that it can be measured in rounds
    between Gust's measurements: on a shared VM the machine's speed drifts over minutes."""

    def __init__(self, binary):
        port = free_port()
        self.proc = subprocess.Popen([binary, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = "http://127.0.0.1:%d/" % port
        for _ in range(100):
            try:
                subprocess.run(["curl", "-fs", "-X", "POST", self.url], check=True, capture_output=True)
                break
            except subprocess.CalledProcessError:
                time.sleep(0.1)

    def measure(self, seconds=10):
        body = b'{"name":"bench"}'
        wrk(self.url, {"Content-Type": "application/json"}, body, 64, 2)
        return wrk(self.url, {"Content-Type": "application/json"}, body, 64, seconds)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def median_run(runs):
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


ROUNDS = 5


def main():
    gust = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build/release/gust")
    release = Path(gust).parent
    workdir = Path(tempfile.mkdtemp(prefix="gust-bench-wasm-"))
    build_zips(workdir)
    results = {"date": datetime.date.today().isoformat()}

    # Inside the scheduler: no HTTP gateway, no SigV4.
    results["scheduler"] = json.loads(subprocess.run(
        [str(release / "gust-bench"), "wasm", str(workdir)], check=True, capture_output=True, text=True).stdout)

    # For reference, a bare SwiftNIO server (what Gust's HTTP listener is built on). The baseline,
    # bare Hummingbird, runs throughout and is measured in rounds alternating with the target row.
    nio = Bare(str(release / "hello-nio"))
    results["nio"] = nio.measure()
    nio.stop()
    hummingbird = Bare(str(release / "hello-hummingbird"))

    server = Server(gust, "auto")
    try:
        client = Client(server.url)
        for name, (_, module) in FUNCTIONS.items():
            zip0 = (workdir / ("%s-0.zip" % name)).read_bytes()
            client.lam.create_function(FunctionName=name, Runtime="wasm", Handler=module, Role="r",
                                       MemorySize=128, Timeout=10, Code={"ZipFile": zip0})
            cold, init = [client.invoke_timed(name)], [client.last_init_ms(name)]
            for run in range(1, COLD_RUNS):
                code = (workdir / ("%s-%d.zip" % (name, run))).read_bytes()
                client.lam.update_function_code(FunctionName=name, ZipFile=code)
                cold.append(client.invoke_timed(name))
                init.append(client.last_init_ms(name))
            body = b'{"name":"bench"}'
            path = "/2015-03-31/functions/%s/invocations" % name
            headers = client.signed("POST", path, body)
            wrk(server.url + path, headers, body, 4, 2)  # warm up
            results[name] = {
                "cold_after_deploy_ms": statistics.median(cold),
                "init_after_deploy_ms": statistics.median(init),
                "warm_1": wrk(server.url + path, headers, body, 1, 10),
                "warm_4": wrk(server.url + path, headers, body, 4, 10),
            }
        # Throughput against the bare server, 64 connections: the warm reactor over the Invoke API,
        # then the reactor and a Python hello behind HTTP routes on the --http-port listener.
        path = "/2015-03-31/functions/wasm-reactor/invocations"
        body = b'{"name":"bench"}'
        headers = client.signed("POST", path, body)
        wrk(server.url + path, headers, body, 64, 2)
        results["gust_64"] = wrk(server.url + path, headers, body, 64, 10)
        python_code = (ROOT / "Benchmarks/functions/python-hello/app.py").read_bytes()
        client.lam.create_function(FunctionName="py-hello", Runtime="python3.11", Handler="app.handler", Role="r",
                                   MemorySize=128, Timeout=10, Code={"ZipFile": zip_dir({"app.py": (python_code, 0o644)})})
        # The warm wasm hello of the throughput target: a reactor that answers the same greeting
        # as the bare servers (Benchmarks/functions/wasm-hello).
        hello_dir = ROOT / "Benchmarks/functions/wasm-hello"
        subprocess.run(["make", "-s", "-C", str(hello_dir)], check=True)
        client.lam.create_function(FunctionName="wasm-hello-bench", Runtime="wasm", Handler="hello.wasm", Role="r",
                                   MemorySize=128, Timeout=3,
                                   Code={"ZipFile": zip_dir({"hello.wasm": ((hello_dir / "hello.wasm").read_bytes(), 0o644)})})
        for name, route in (("wasm-hello-bench", "/hello"), ("wasm-reactor", "/wasm"), ("py-hello", "/python")):
            client.set_routes(name, [{"Method": "POST", "Path": route}])
            url = server.http_url + route
            wrk(url, {"Content-Type": "application/json"}, body, 64, 3)  # warm up (Python: 32 instances)
            if name == "wasm-hello-bench":
                # The target row: rounds alternating with the baseline, medians compared.
                pairs = []
                for _ in range(ROUNDS):
                    base = hummingbird.measure()
                    pairs.append((base, wrk(url, {"Content-Type": "application/json"}, body, 64, 10)))
                results["rounds"] = [{"hummingbird": b, "route": g} for b, g in pairs]
                results["hummingbird"] = median_run([b for b, _ in pairs])
                results["route_" + name] = median_run([g for _, g in pairs])
            else:
                results["route_" + name] = wrk(url, {"Content-Type": "application/json"}, body, 64, 10)
    finally:
        server.stop()
        hummingbird.stop()
    print(json.dumps(results, indent=2))
    write_markdown(results)


def write_markdown(r):
    hello, reactor = r["wasm-hello"], r["wasm-reactor"]
    sh, sr = r["scheduler"]["wasm-hello"], r["scheduler"]["wasm-reactor"]
    hb, g = r["hummingbird"], r["gust_64"]
    rw, rp, rh, nio = r["route_wasm-reactor"], r["route_py-hello"], r["route_wasm-hello-bench"], r["nio"]
    us = lambda ms: ms * 1000  # noqa: E731
    # The target row's ratio: the median of the paired rounds (each Gust round against the
    # baseline round just before it), which the machine's drift affects least.
    paired = statistics.median(p["route"]["rps"] / p["hummingbird"]["rps"] for p in r["rounds"])
    lines = [
        "## %s — wasm runtime and HTTP triggers: cold start, warm invoke, throughput against bare Hummingbird" % r["date"],
        "",
        "Machine: %s. Command: `Benchmarks/run.sh wasm` (release build)." % machine(),
        "`wasm-hello` is `examples/hello-wasm-c` (a WASI command: a fresh instance per invocation);",
        "`wasm-reactor` is `examples/hello-wasm-reactor` (`_initialize` once, `gust_handle` per call).",
        "Cold = the first invoke after deploying new code, median of %d. Deploying parses the module and" % COLD_RUNS,
        "makes a reactor's spare instance: instantiated with its code translated, `_initialize` not run",
        "(docs/wasm.md); the invoke starts the instance from it and runs `_initialize` and the call.",
        "",
        "Inside the scheduler (`gust-bench wasm`: `Scheduler.invoke` called directly):",
        "",
        "| measurement | wasm-hello (command) | wasm-reactor |",
        "|---|---|---|",
        "| cold, first invoke after deploy | %.2f ms | %.2f ms |" % (sh["cold_after_deploy_ms"], sr["cold_after_deploy_ms"]),
        "| cold without a spare (runtime alone: instance start and first call, WasmKit translating on it) | | %.2f ms |" % (
            r["scheduler"]["wasm-reactor-runtime-only"]["cold_without_spare_ms"]),
        "| warm, 1 caller: p50 / p99 | %.0f / %.0f µs | %.0f / %.0f µs |" % (
            us(sh["warm_1"]["p50_ms"]), us(sh["warm_1"]["p99_ms"]), us(sr["warm_1"]["p50_ms"]), us(sr["warm_1"]["p99_ms"])),
        "| warm, 4 callers: p50 / p99, throughput | %.0f / %.0f µs, %.0f/s | %.0f / %.0f µs, %.0f/s |" % (
            us(sh["warm_4"]["p50_ms"]), us(sh["warm_4"]["p99_ms"]), sh["warm_4"]["rps"],
            us(sr["warm_4"]["p50_ms"]), us(sr["warm_4"]["p99_ms"]), sr["warm_4"]["rps"]),
        "",
        "End to end over the Lambda Invoke API (wrk replaying one SigV4-signed Invoke on kept-alive",
        "connections; cold starts from a Python `requests` session, client-observed; `Init` is Gust's",
        "recorded init duration):",
        "",
        "| measurement | wasm-hello (command) | wasm-reactor |",
        "|---|---|---|",
        "| cold, first invoke after deploy (Init) | %.2f ms (%.2f) | %.2f ms (%.2f) |" % (
            hello["cold_after_deploy_ms"], hello["init_after_deploy_ms"], reactor["cold_after_deploy_ms"], reactor["init_after_deploy_ms"]),
        "| warm, 1 client: p50 / p99 | %.0f / %.0f µs | %.0f / %.0f µs |" % (
            us(hello["warm_1"]["p50_ms"]), us(hello["warm_1"]["p99_ms"]), us(reactor["warm_1"]["p50_ms"]), us(reactor["warm_1"]["p99_ms"])),
        "| warm, 4 clients: p50 / p99, throughput | %.0f / %.0f µs, %.0f/s | %.0f / %.0f µs, %.0f/s |" % (
            us(hello["warm_4"]["p50_ms"]), us(hello["warm_4"]["p99_ms"]), hello["warm_4"]["rps"],
            us(reactor["warm_4"]["p50_ms"]), us(reactor["warm_4"]["p99_ms"]), reactor["warm_4"]["rps"]),
        "",
        "Throughput, `wrk -t2 -c64 -d10s`, same run, wrk on the same two cores. Routes are served on the",
        "HTTP trigger listener (payload 2.0 event in, API Gateway response out); the Invoke row also pays",
        "SigV4 verification and the Lambda route. Every Gust request is a recorded invocation (a row in",
        "SQLite; its START/END/REPORT lines are rendered when logs are read). The wasm hello reads the",
        "event and writes the same greeting the bare servers answer. The baseline and the `/hello` row",
        "were measured in %d alternating rounds (the VM's speed drifts over minutes); the table shows" % ROUNDS,
        "each one's median round; the `/hello` ratio is the median of the rounds' ratios, %s." % ", ".join(
            "%.2f" % (p["route"]["rps"] / p["hummingbird"]["rps"]) for p in r["rounds"]),
        "",
        "| server | requests/s | p50 / p99 | ratio |",
        "|---|---|---|---|",
        "| bare Hummingbird hello (`Benchmarks/Sources/hello-hummingbird`) | %.0f | %.3f / %.3f ms | 1.00 |" % (
            hb["rps"], hb["p50_ms"], hb["p99_ms"]),
        "| bare SwiftNIO hello (`Benchmarks/Sources/hello-nio`, for reference) | %.0f | %.3f / %.3f ms | %.2f |" % (
            nio["rps"], nio["p50_ms"], nio["p99_ms"], nio["rps"] / hb["rps"]),
        "| Gust, route `POST /hello` → warm wasm hello (`Benchmarks/functions/wasm-hello`) | %.0f | %.3f / %.3f ms | %.2f (paired rounds) |" % (
            rh["rps"], rh["p50_ms"], rh["p99_ms"], paired),
        "| Gust, route `POST /wasm` → warm wasm-reactor (example: formats with snprintf, logs a line) | %.0f | %.3f / %.3f ms | %.2f |" % (
            rw["rps"], rw["p50_ms"], rw["p99_ms"], rw["rps"] / hb["rps"]),
        "| Gust, route `POST /python` → warm Python hello | %.0f | %.3f / %.3f ms | %.2f |" % (
            rp["rps"], rp["p50_ms"], rp["p99_ms"], rp["rps"] / hb["rps"]),
        "| Gust, warm wasm-reactor via the signed Invoke API | %.0f | %.3f / %.3f ms | %.2f |" % (
            g["rps"], g["p50_ms"], g["p99_ms"], g["rps"] / hb["rps"]),
        "",
        "Against the targets: reactor cold start in the scheduler %.2f ms (target ≤ 3 ms: %s); reactor warm" % (
            sr["cold_after_deploy_ms"], "met" if sr["cold_after_deploy_ms"] <= 3 else "not met"),
        "p50 in the scheduler %.0f µs (target ≤ 100 µs: %s); a route to the warm wasm hello sustains %.2f× the" % (
            us(sr["warm_1"]["p50_ms"]), "met" if us(sr["warm_1"]["p50_ms"]) <= 100 else "not met", paired),
        "bare Hummingbird server's requests/s, median of the paired rounds (target ≥ 0.75×: %s)." % (
            "met" if paired >= 0.75 else "not met"),
        "",
    ]
    prepend_section(lines)


if __name__ == "__main__":
    main()
