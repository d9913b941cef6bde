"""Gust benchmark: cold start and warm invoke for a Python and a native `provided` hello function,
each against a baseline measured in the same run (interpreter start; the handler called in a loop).

Run through Benchmarks/run.sh, which installs wrk and hyperfine and builds a release `gust`.
Writes the results as a dated section into BENCHMARKS.md.
"""
import datetime
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import zipfile
from pathlib import Path

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
KEY, SECRET = "AKIDBENCH", "benchsecret"


def real_python():
    # The interpreter Gust itself resolves: the base interpreter behind this venv.
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zip_dir(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


class Server:
    def __init__(self, gust, sandbox):
        self.dir = tempfile.mkdtemp(prefix="gust-bench-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.http_port = free_port()
        self.http_url = "http://127.0.0.1:%d" % self.http_port
        env = dict(os.environ, GUST_ACCESS_KEY=KEY, GUST_SECRET_KEY=SECRET)
        self.proc = subprocess.Popen(
            [gust, "serve", "--data-dir", self.dir, "--port", str(self.port), "--http-port", str(self.http_port),
             "--sandbox", sandbox,
             "--keep-alive", "300", "--log-level", os.environ.get("GUST_BENCH_LOG_LEVEL", "warning")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = set()
        for line in self.proc.stdout:
            for marker in ("Gust listening on", "HTTP triggers on"):
                if line.startswith(marker):
                    seen.add(marker)
            if len(seen) == 2:
                break
        else:
            raise SystemExit("gust serve did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.auth = SigV4Auth(Credentials(KEY, SECRET), "lambda", "us-east-1")
        self.lam = boto3.client(
            "lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id=KEY,
            aws_secret_access_key=SECRET, config=Config(retries={"max_attempts": 0}))

    def signed(self, method, path, body=b""):
        request = AWSRequest(method=method, url=self.url + path, data=body)
        self.auth.add_auth(request)
        return dict(request.headers.items())

    def invoke_timed(self, name, body=b'{"name":"bench"}'):
        path = "/2015-03-31/functions/%s/invocations" % name
        headers = self.signed("POST", path, body)
        start = time.perf_counter()
        response = self.session.post(self.url + path, data=body, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200 and "X-Amz-Function-Error" not in response.headers, response.text
        return elapsed

    def set_keep_alive(self, name, seconds):
        # A Gust extension field, which boto3's parameter validation would refuse.
        path = "/2015-03-31/functions/%s/configuration" % name
        body = json.dumps({"GustKeepAliveSeconds": seconds}).encode()
        response = self.session.put(self.url + path, data=body, headers=self.signed("PUT", path, body))
        assert response.status_code == 200, response.text

    def set_routes(self, name, routes):
        path = "/gust/v1/functions/%s/routes" % name
        body = json.dumps({"Routes": routes}).encode()
        response = self.session.put(self.url + path, data=body, headers=self.signed("PUT", path, body))
        assert response.status_code == 200, response.text

    def last_init_ms(self, name):
        path = "/gust/v1/functions/%s/invocations" % name
        response = self.session.get(self.url + path + "?limit=1", headers=self.signed("GET", path + "?limit=1"))
        return response.json()["Invocations"][0]["InitDurationMs"]


def hyperfine(command, runs=30):
    out = tempfile.mktemp(suffix=".json")
    # -i: the native bootstrap exits non-zero without a Runtime API; its start is what counts.
    subprocess.run(["hyperfine", "-N", "-i", "-w", "3", "-r", str(runs), "--export-json", out, command],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = json.load(open(out))["results"][0]
    return result["median"] * 1000


def wrk(url, headers, body, connections, seconds):
    script = tempfile.mktemp(suffix=".lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = %s\n' % json.dumps(body.decode()))
        for k, v in headers.items():
            if k.lower() not in ("content-length",):
                f.write("wrk.headers[%s] = %s\n" % (json.dumps(k), json.dumps(v)))
    threads = min(connections, 2)
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s", script, url],
                         check=True, capture_output=True, text=True).stdout
    def latency(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit("wrk saw %s error responses:\n%s" % (non2xx.group(1), out))
    return {"p50_ms": latency(50), "p99_ms": latency(99), "rps": rps}


def handler_loop_us(code_dir):
    sys.path.insert(0, str(code_dir))
    import app  # noqa: the benchmarked handler itself
    number = 200000
    seconds = min(timeit.repeat(lambda: app.handler({"name": "bench"}, None), number=number, repeat=5))
    sys.path.pop(0)
    return seconds / number * 1e6


def main():
    gust = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build/release/gust")
    sandbox = os.environ.get("GUST_BENCH_SANDBOX", "auto")
    workdir = Path(tempfile.mkdtemp(prefix="gust-bench-fn-"))
    subprocess.run(["gcc", "-O2", "-o", workdir / "bootstrap", HERE / "functions/provided-hello/bootstrap.c"], check=True)
    python_code = (HERE / "functions/python-hello/app.py").read_bytes()
    functions = {
        "py-hello": dict(Runtime="python3.11", Handler="app.handler", Code={"ZipFile": zip_dir({"app.py": (python_code, 0o644)})}),
        "c-hello": dict(Runtime="provided.al2023", Handler="none",
                        Code={"ZipFile": zip_dir({"bootstrap": ((workdir / "bootstrap").read_bytes(), 0o755)})}),
    }
    results = {"date": datetime.date.today().isoformat(), "sandbox": sandbox}
    for name, spec in functions.items():
        (workdir / ("%s.zip" % name)).write_bytes(spec["Code"]["ZipFile"])

    # Baselines, measured now on this machine.
    results["python_start_ms"] = hyperfine("%s -c pass" % real_python())
    # Gust runs Python functions with -S (the bootstrap sets up site-packages without .pth
    # processing): this is the interpreter start as Gust pays it.
    results["python_start_nosite_ms"] = hyperfine("%s -S -c pass" % real_python())
    results["native_start_ms"] = hyperfine("%s --version" % (workdir / "bootstrap"))
    results["python_handler_loop_us"] = handler_loop_us(HERE / "functions/python-hello")

    # Inside the scheduler: the same functions, no HTTP gateway and no SigV4.
    bench = Path(gust).with_name("gust-bench")
    results["scheduler"] = json.loads(subprocess.run([str(bench), str(workdir)], check=True, capture_output=True, text=True).stdout)

    server = Server(gust, sandbox)
    try:
        client = Client(server.url)
        for name, spec in functions.items():
            client.lam.create_function(FunctionName=name, Role="r", MemorySize=128, Timeout=10, **spec)
            client.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=4)
        for name in functions:
            # Cold: the first invoke after each (re)deploy, then after a scale to zero.
            after_deploy, after_deploy_init = [], []
            for i in range(7):
                client.lam.update_function_configuration(FunctionName=name, Description="run %d" % i)
                after_deploy.append(client.invoke_timed(name))
                after_deploy_init.append(client.last_init_ms(name))
            client.set_keep_alive(name, 1)
            client.invoke_timed(name)
            after_zero, after_zero_init = [], []
            for i in range(7):
                time.sleep(2.2)
                after_zero.append(client.invoke_timed(name))
                after_zero_init.append(client.last_init_ms(name))
            client.set_keep_alive(name, 300)
            # Warm: 1 and 4 concurrent clients replaying one signed request (valid for minutes).
            body = b'{"name":"bench"}'
            path = "/2015-03-31/functions/%s/invocations" % name
            headers = client.signed("POST", path, body)
            wrk(server.url + path, headers, body, 4, 2)  # warm up four instances
            results[name] = {
                "cold_after_deploy_ms": statistics.median(after_deploy),
                "init_after_deploy_ms": statistics.median(after_deploy_init),
                "cold_after_zero_ms": statistics.median(after_zero),
                "init_after_zero_ms": statistics.median(after_zero_init),
                "warm_1": wrk(server.url + path, headers, body, 1, 10),
                "warm_4": wrk(server.url + path, headers, body, 4, 10),
            }
    finally:
        server.stop()
    print(json.dumps(results, indent=2))
    write_markdown(results, gust)


def write_markdown(r, gust):
    py, c = r["py-hello"], r["c-hello"]
    sp, sc = r["scheduler"]["py-hello"], r["scheduler"]["c-hello"]
    loop_ms = r["python_handler_loop_us"] / 1000
    lines = [
        "## %s — core: cold start and warm invoke (process runtimes)" % r["date"],
        "",
        "Machine: %s. Sandbox: `%s`. Command: `Benchmarks/run.sh` (release build)." % (machine(), r["sandbox"]),
        "Client: wrk replaying one SigV4-signed Invoke over a kept-alive connection (warm); a Python",
        "`requests` session for cold starts (client-observed latency, median of 7; `Init` is Gust's",
        "recorded init duration).",
        "",
        "| measurement | py-hello (python3.11) | c-hello (provided, C) |",
        "|---|---|---|",
        "| baseline: interpreter start, `python3 -c pass` / binary start | %.1f ms | %.1f ms |" % (r["python_start_ms"], r["native_start_ms"]),
        "| baseline: interpreter start as Gust runs it, `python3 -S -c pass` | %.1f ms | |" % r["python_start_nosite_ms"],
        "| cold, first invoke after deploy (Init) | %.1f ms (%.1f) | %.1f ms (%.1f) |" % (
            py["cold_after_deploy_ms"], py["init_after_deploy_ms"], c["cold_after_deploy_ms"], c["init_after_deploy_ms"]),
        "| cold, after scale to zero (Init) | %.1f ms (%.1f) | %.1f ms (%.1f) |" % (
            py["cold_after_zero_ms"], py["init_after_zero_ms"], c["cold_after_zero_ms"], c["init_after_zero_ms"]),
        "| cold after deploy minus `-S` start / binary start | %+.1f ms | %+.1f ms |" % (
            py["cold_after_deploy_ms"] - r["python_start_nosite_ms"], c["cold_after_deploy_ms"] - r["native_start_ms"]),
        "| baseline: handler in a plain loop | %.2f µs | ≈0 (constant reply) |" % r["python_handler_loop_us"],
        "| warm, 1 client: p50 / p99 | %.3f / %.3f ms | %.3f / %.3f ms |" % (
            py["warm_1"]["p50_ms"], py["warm_1"]["p99_ms"], c["warm_1"]["p50_ms"], c["warm_1"]["p99_ms"]),
        "| warm, 1 client: added p50 over the handler loop | %.0f µs | %.0f µs |" % (
            (py["warm_1"]["p50_ms"] - loop_ms) * 1000, c["warm_1"]["p50_ms"] * 1000),
        "| warm, 1 client: throughput | %.0f req/s | %.0f req/s |" % (py["warm_1"]["rps"], c["warm_1"]["rps"]),
        "| warm, 4 clients: p50 / p99 | %.3f / %.3f ms | %.3f / %.3f ms |" % (
            py["warm_4"]["p50_ms"], py["warm_4"]["p99_ms"], c["warm_4"]["p50_ms"], c["warm_4"]["p99_ms"]),
        "| warm, 4 clients: throughput | %.0f req/s | %.0f req/s |" % (py["warm_4"]["rps"], c["warm_4"]["rps"]),
        "",
        "Inside the scheduler (`gust-bench`: `Scheduler.invoke` called directly, no HTTP gateway, no SigV4;",
        "same functions, same sandbox and memory limits). Verifying one Invoke's SigV4 signature: %.0f µs." % r["scheduler"]["sigv4_verify_us"],
        "",
        "| measurement | py-hello | c-hello |",
        "|---|---|---|",
        "| cold, first invoke after deploy | %.1f ms | %.1f ms |" % (sp["cold_after_deploy_ms"], sc["cold_after_deploy_ms"]),
        "| cold minus `-S` start / binary start | %+.1f ms | %+.1f ms |" % (
            sp["cold_after_deploy_ms"] - r["python_start_nosite_ms"], sc["cold_after_deploy_ms"] - r["native_start_ms"]),
        "| warm, 1 caller: p50 / p99 | %.0f / %.0f µs | %.0f / %.0f µs |" % (
            sp["warm_1"]["p50_ms"] * 1000, sp["warm_1"]["p99_ms"] * 1000, sc["warm_1"]["p50_ms"] * 1000, sc["warm_1"]["p99_ms"] * 1000),
        "| warm, 1 caller: added p50 over the handler loop | %.0f µs | %.0f µs |" % (
            (sp["warm_1"]["p50_ms"] - loop_ms) * 1000, sc["warm_1"]["p50_ms"] * 1000),
        "| warm, 4 callers: p50 / p99, throughput | %.0f / %.0f µs, %.0f/s | %.0f / %.0f µs, %.0f/s |" % (
            sp["warm_4"]["p50_ms"] * 1000, sp["warm_4"]["p99_ms"] * 1000, sp["warm_4"]["rps"],
            sc["warm_4"]["p50_ms"] * 1000, sc["warm_4"]["p99_ms"] * 1000, sc["warm_4"]["rps"]),
        "",
    ]
    prepend_section(lines)


def machine():
    """The CPU model, core count and platform, for a section's header."""
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return "%s, %d cores, %s" % (cpu, os.cpu_count(), platform.platform())


def prepend_section(lines):
    """Puts a dated section first in BENCHMARKS.md (newest first)."""
    path = ROOT / "BENCHMARKS.md"
    existing = path.read_text() if path.exists() else "# Gust benchmarks\n\nNewest first. Every number comes with its baseline, measured in the same run.\n\n"
    head, sep, rest = existing.partition("\n## ")
    path.write_text(head.rstrip() + "\n\n" + "\n".join(lines) + ("\n## " + rest if sep else ""))


if __name__ == "__main__":
    main()
