"""S3 benchmark (issue #14): GET and PUT of 4 KiB objects (requests/s) and of 64 MiB objects (MB/s),
and Gust's memory during a 1 GiB upload, each against baselines measured in the same run.

Systems, all on 127.0.0.1, started and stopped by this script:
- Gust (the binary given as the first argument; `gust serve --sandbox none`), its data directory on
  the real disk (the system temporary directory, or `--dir`; a tmpfs is refused);
- nginx (Debian's package) in the foreground with a generated configuration (`daemon off`,
  `worker_processes auto`, `sendfile on`, `access_log off`, unlimited keep-alive requests) serving
  a directory that holds the same files Gust and moto serve: the machine's limit for GET;
- moto_server (what people use for local S3), from the same venv as the SQS benchmark;
- the disk itself for PUT: `dd if=FILE of=NEW bs=1M conv=fsync` for 64 MiB (the issue's baseline),
  and for 4 KiB the durable write Gust's `FileBackend` does (a new file written, fsynced, renamed
  into place, its directory fsynced, the previous one unlinked) in a loop of 16 Python threads.

Requests go to SigV4 presigned URLs (boto3 `generate_presigned_url`, s3v4, path style, an hour), so
that the load generators need no signing and every system is driven by the same client:
- 4 KiB GET and PUT: `wrk -t2 -c16 -d5s` (keep-alive; PUT through a Lua script, a 4 KiB body, cycling
  through 256 keys so that no two requests in flight write the same key: moto answers 500s to
  concurrent PUTs of one key; each PUT after the first 256 replaces an object). nginx gets the same
  path as Gust and moto, without the query. Requests/s, p50 latency, and the server's CPU time per
  request (utime + stime from /proc, nginx's workers included).
- 64 MiB GET and PUT: `curl -s -o /dev/null` (PUT with `-T FILE -H 'Expect:'`, the file in the page
  cache), MB/s = bytes / curl's `time_total` (MB = 10^6 bytes); dd's own figure for dd.
Each round runs every measurement on every system back to back (nginx, Gust, moto; disk, Gust,
moto), 3 transfers of each 64 MiB kind per round; the figures are medians over rounds (wrk) and
over all transfers (64 MiB), which damps this noisy 2-core VM better than one long run per system.

Memory: a 1 GiB PUT to a presigned URL from `http.client` (Content-Length, the body made on the fly
in 1 MiB chunks, never held whole), Gust's VmRSS sampled every 50 ms, and VmHWM after resetting it
(`/proc/PID/clear_refs` = 5) for the exact peak; then the same bytes as a multipart upload (64 MiB
parts PUT in turn to presigned UploadPart URLs, then CompleteMultipartUpload: how awscli and boto3
upload such a file), and a 1 GiB GET (curl). "Flat" is a peak at most 64 MiB above the RSS before
the upload (1/16 of the object), in every upload that ran. A single PUT that Gust refuses (before
2026-12-03's fix the API listener refused any declared body over 80 MiB with a 413) is reported as
refused and the verdict rests on the multipart upload.

Run through `Benchmarks/run.sh s3` (installs nginx, wrk and curl if missing, builds a release gust);
`python Benchmarks/bench_s3.py GUST [--rounds N] [--seconds S] [--upload-mib N] [--dir D] [--no-write]`.
Writes a dated section `## YYYY-MM-DD — S3 (#14)` into BENCHMARKS.md and updates the S3 row of its
table (unless --no-write, or the run was shortened). Every process it starts is stopped at exit,
on error or SIGTERM too.
"""
import argparse
import collections
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import KEY, ROOT, SECRET, Server, free_port, machine, prepend_section  # noqa: E402
from bench_sqs import Moto  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

BUCKET = "bench"
SMALL = 4 * 1024
LARGE = 64 * 1024 * 1024
MB = 1e6
CONNECTIONS, THREADS = 16, 2
LARGE_REPS = 3
FLAT_LIMIT_MIB = 64
ROW_PREFIX = "| S3 GET/PUT of 4 KiB"


# MARK: Processes, stopped at exit whatever happens.

STARTED = []  # (name, stop) in start order; stopped in reverse


def started(name, stop):
    STARTED.append((name, stop))


def stop_all():
    while STARTED:
        name, stop = STARTED.pop()
        try:
            stop()
        except Exception as error:  # keep stopping the others
            print("stopping %s: %s" % (name, error), file=sys.stderr)


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


def tree_pids(pid):
    """pid and its descendants (nginx's workers)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                todo += [int(c) for c in open("/proc/%d/task/%s/children" % (p, task)).read().split()]
        except OSError:
            pass
    return pids


def tree_cpu(pid):
    """utime + stime of a process, its threads and its descendants, in seconds."""
    total = 0
    for p in tree_pids(pid):
        try:
            fields = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def start_gust(binary):
    server = Server(binary, "none")

    def stop():
        try:
            server.proc.send_signal(signal.SIGTERM)
            server.proc.wait(timeout=30)
        except Exception:
            server.proc.kill()
            server.proc.wait()
        finally:
            shutil.rmtree(server.dir, ignore_errors=True)
    started("gust", stop)
    # Keep reading its log, so that a chatty server never blocks on a full pipe.
    server.log = collections.deque(maxlen=50)
    threading.Thread(target=lambda: [server.log.append(line) for line in server.proc.stdout], daemon=True).start()
    return server


def start_moto():
    moto = Moto()

    def stop():
        try:
            moto.stop()
        except Exception:
            moto.proc.kill()
            moto.proc.wait()
        finally:
            os.unlink(moto.log.name)
    started("moto", stop)
    return moto


def moto_version():
    binary = os.environ.get("MOTO_SERVER") or str(Path(sys.executable).with_name("moto_server"))
    python = Path(binary).with_name("python")
    try:
        return subprocess.run([str(python), "-c", "import moto; print(moto.__version__)"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except Exception:
        return "?"


class Nginx:
    def __init__(self, root):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise SystemExit("nginx is not installed (Benchmarks/run.sh s3 installs it: apt-get install nginx)")
        self.binary = binary
        self.version = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
        self.prefix = tempfile.mkdtemp(prefix="gust-bench-nginx-")
        self.port = free_port()
        p = self.prefix
        config = """daemon off;
master_process on;
worker_processes auto;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    keepalive_timeout 65;
    default_type application/octet-stream;
    client_body_temp_path %(p)s/client_body;
    proxy_temp_path %(p)s/proxy;
    fastcgi_temp_path %(p)s/fastcgi;
    uwsgi_temp_path %(p)s/uwsgi;
    scgi_temp_path %(p)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
        location / { }
    }
}
""" % {"p": p, "port": self.port, "root": root}
        Path(p, "nginx.conf").write_text(config)
        # Its own session, so that its workers go with it.
        self.proc = subprocess.Popen([binary, "-p", p, "-c", p + "/nginx.conf", "-e", p + "/error.log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started("nginx", self.stop)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("nginx exited: %s" % Path(p, "error.log").read_text()[-2000:])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("nginx did not start")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        try:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown: the master stops its workers
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # a worker left behind, if any
        except ProcessLookupError:
            pass
        shutil.rmtree(self.prefix, ignore_errors=True)


# MARK: S3 clients and presigned URLs.

def s3_client(url):
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 0}))


def presign(s3, method, key):
    operation = {"GET": "get_object", "PUT": "put_object"}[method]
    return s3.generate_presigned_url(operation, Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600)


# MARK: Load generators.

PUT_KEYS = 256
PUT_SCRIPT = """local paths = %s
local next_thread = 0
function setup(thread)
  thread:set("first", next_thread)
  next_thread = next_thread + 1
end
local body = string.rep("x", %d)
local i = nil
request = function()
  if i == nil then i = first end
  local path = paths[i %% #paths + 1]
  i = i + %d
  return wrk.format("PUT", path, {["Content-Type"] = "application/octet-stream"}, body)
end
"""


def run_wrk(url, method, seconds, body_size=0, paths=None):
    """GET: `url` on every request. PUT: the presigned `paths` in turn (thread i takes every
    THREADS-th from the i-th on), so that no two requests in flight replace the same key: moto
    answers 500s to concurrent PUTs of one key."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if method == "PUT":
            script.write(PUT_SCRIPT % ("{" + ",".join(json.dumps(p) for p in paths) + "}", body_size, THREADS))
        else:
            script.write('wrk.method = "%s"\n' % method)
    try:
        out = subprocess.run(["wrk", "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % seconds, "--latency", "-s", script.name, url],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit("wrk %s %s saw %s error responses:\n%s" % (method, url, non2xx.group(1), out))
    errors = re.search(r"Socket errors: (.*)", out)

    def latency(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, out, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50_ms": latency(50), "p99_ms": latency(99),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)), "socket_errors": errors.group(1) if errors else ""}


def measure_wrk(url, method, seconds, pid, body_size=0, paths=None):
    cpu0 = tree_cpu(pid)
    result = run_wrk(url, method, seconds, body_size, paths)
    result["server_cpu_us_per_req"] = (tree_cpu(pid) - cpu0) / max(result["requests"], 1) * 1e6
    return result


def curl(url, upload=None, size=LARGE):
    """One transfer; MB/s from curl's own timing (connection included, process start excluded)."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{size_upload} %{time_total}"]
    if upload:
        command += ["-T", upload, "-H", "Expect:"]
    out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout.split()
    code, down, up, seconds = int(out[0]), int(out[1]), int(out[2]), float(out[3])
    moved = up if upload else down
    if code != 200 or moved != size:
        raise SystemExit("curl %s %s: HTTP %d, %d bytes of %d" % ("PUT" if upload else "GET", url, code, moved, size))
    return size / seconds / MB


def split_paths(urls):
    """The server's base URL and each presigned URL's path and query."""
    parts = [urlsplit(u) for u in urls]
    return "%s://%s/" % (parts[0].scheme, parts[0].netloc), ["%s?%s" % (p.path, p.query) for p in parts]


def measure_curl(url, pid, upload=None):
    cpu0 = tree_cpu(pid)
    rate = curl(url, upload)
    return {"mb_s": rate, "server_cpu_s": tree_cpu(pid) - cpu0}


def dd_fsync(source, directory):
    target = os.path.join(directory, "dd-target")
    if os.path.exists(target):
        os.unlink(target)
    err = subprocess.run(["dd", "if=" + source, "of=" + target, "bs=1M", "conv=fsync"], check=True, capture_output=True,
                         text=True, env=dict(os.environ, LC_ALL="C")).stderr
    m = re.search(r"^(\d+) bytes .* copied, ([\d.e-]+) s", err, re.M)
    os.unlink(target)
    if not m or int(m.group(1)) != LARGE:
        raise SystemExit("dd: %s" % err)
    return {"mb_s": int(m.group(1)) / float(m.group(2)) / MB}


def fsync_loop(directory, seconds, threads=CONNECTIONS):
    """4 KiB durable writes as Gust's FileBackend does them: a new file in tmp/, written, fsynced,
    renamed into blobs/, that directory fsynced, the replaced file unlinked; per second, 16 threads."""
    tmp, blobs = os.path.join(directory, "tmp"), os.path.join(directory, "blobs")
    os.makedirs(tmp, exist_ok=True)
    os.makedirs(blobs, exist_ok=True)
    data = os.urandom(SMALL)
    counts = [0] * threads
    deadline = [0.0]
    barrier = threading.Barrier(threads + 1)

    def worker(i):
        previous = None
        barrier.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            name = "%d-%d" % (i, n)
            n += 1
            temporary, final = os.path.join(tmp, name), os.path.join(blobs, name)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.rename(temporary, final)
            dfd = os.open(blobs, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(dfd)
            os.close(dfd)
            if previous:
                os.unlink(previous)
            previous = final
            counts[i] += 1
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    barrier.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(blobs, ignore_errors=True)
    return {"rps": sum(counts) / elapsed}


# MARK: Memory during a large transfer.

def rss_mib(pid, field="VmRSS"):
    """A process's VmRSS (or VmHWM) in MiB; None once it is gone."""
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class RSSSampler:
    def __init__(self, pid, interval=0.05):
        self.pid, self.interval = pid, interval
        self.samples = []
        self.done = threading.Event()
        try:  # reset VmHWM, so that it reads this transfer's exact peak afterwards
            with open("/proc/%d/clear_refs" % pid, "w") as f:
                f.write("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        self.before = rss_mib(pid)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            rss = rss_mib(self.pid)
            if rss is None:
                return
            self.samples.append(rss)
            if self.done.wait(self.interval):
                return

    def finish(self):
        self.done.set()
        self.thread.join()
        peak = max(self.samples)
        hwm = rss_mib(self.pid, "VmHWM") if self.hwm_reset else None
        return {"before_mib": self.before, "peak_sampled_mib": peak, "peak_hwm_mib": hwm, "samples": len(self.samples),
                "peak_mib": max(peak, hwm or 0)}


class UploadRefused(Exception):
    def __init__(self, short, detail):
        super().__init__("%s: %s" % (short, detail))
        self.short = short


def upload_streamed(url, size, chunk=1 << 20):
    """PUT `size` bytes made on the fly (one 1 MiB buffer, its first 8 bytes the chunk's number),
    with a Content-Length; the seconds it took and the response."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    buffer = bytearray(os.urandom(chunk))
    start = time.perf_counter()
    conn.putrequest("PUT", parts.path + "?" + parts.query, skip_accept_encoding=True)
    conn.putheader("Content-Length", str(size))
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    sent, failed = 0, None
    try:
        while sent < size:
            n = min(chunk, size - sent)
            buffer[:8] = (sent // chunk).to_bytes(8, "little")
            conn.send(memoryview(buffer)[:n])
            sent += n
    except OSError as error:  # refused before the body was read: the answer may still be there
        failed = error
    try:
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise UploadRefused(type(failed or error).__name__, "%s after %d of %d bytes sent" % (failed or error, sent, size))
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise UploadRefused("HTTP %d" % response.status, "%s (%d of %d bytes sent)" % (body[:200].decode(errors="replace"), sent, size))
    return elapsed, response


def multipart_streamed(s3, key, size, part_size=64 << 20):
    """The same bytes as one multipart upload: parts PUT to presigned UploadPart URLs one after
    another, then CompleteMultipartUpload (Gust joins the parts with copy_file_range)."""
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    start = time.perf_counter()
    try:
        parts, offset = [], 0
        while offset < size:
            number = len(parts) + 1
            url = s3.generate_presigned_url("upload_part", Params={
                "Bucket": BUCKET, "Key": key, "UploadId": upload, "PartNumber": number}, ExpiresIn=3600)
            _, response = upload_streamed(url, min(part_size, size - offset))
            parts.append({"PartNumber": number, "ETag": response.getheader("ETag")})
            offset += part_size
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})
    except BaseException:
        s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload)
        raise
    return time.perf_counter() - start, len(parts)


def sampled(pid, action):
    """Runs `action` while sampling `pid`'s RSS: its result, and the memory figures."""
    time.sleep(1)  # let what came before settle
    sampler = RSSSampler(pid)
    try:
        result = action()
    finally:
        memory = sampler.finish()
    time.sleep(1)
    memory["after_mib"] = rss_mib(pid)
    return result, memory


def memory_phase(gust, s3, size):
    """A single streamed PUT of `size` bytes; a multipart upload of the same size in 64 MiB parts
    (how awscli and boto3 upload such a file; also the fallback when the single PUT is refused);
    a GET of what was stored. Each with Gust's RSS sampled."""
    pid, out = gust.proc.pid, {"size_mib": size / (1 << 20)}
    try:
        (seconds, _), out["put"] = sampled(pid, lambda: upload_streamed(presign(s3, "PUT", "huge.bin"), size))
        out["put"]["mb_s"] = size / seconds / MB
        stored = "huge.bin"
    except UploadRefused as error:
        out["put_refused"], out["put_refused_short"] = str(error), error.short
        print("the single %d MiB PUT was refused: %s" % (size >> 20, error), file=sys.stderr)
        stored = None
    (seconds, count), out["multipart"] = sampled(pid, lambda: multipart_streamed(s3, "huge-multipart.bin", size))
    out["multipart"]["mb_s"] = size / seconds / MB
    out["multipart"]["parts"] = count
    stored = stored or "huge-multipart.bin"
    assert s3.head_object(Bucket=BUCKET, Key=stored)["ContentLength"] == size
    rate, out["get"] = sampled(pid, lambda: curl(presign(s3, "GET", stored), size=size))
    out["get"]["mb_s"], out["get"]["key"] = rate, stored
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "huge.bin"}, {"Key": "huge-multipart.bin"}]})
    return out


# MARK: Driver.

def filesystem(path):
    """The type and device of the file system holding `path` ("ext4 /dev/vda")."""
    out = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE", "--target", path], capture_output=True, text=True).stdout
    return " ".join(out.split()) or subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gust", nargs="?", default=str(ROOT / ".build/release/gust"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run")
    parser.add_argument("--upload-mib", type=int, default=1024, help="the memory phase's object")
    parser.add_argument("--dir", help="where data directories and files go (default: the system temporary directory)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    for tool in ("wrk", "curl", "dd"):
        if not shutil.which(tool):
            raise SystemExit("%s is missing (Benchmarks/run.sh s3 installs it)" % tool)
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        tempfile.tempdir = os.path.abspath(args.dir)
    fs = filesystem(tempfile.gettempdir())
    if fs.split(" ")[0] in ("tmpfs", "ramfs"):
        raise SystemExit("%s is a %s: pass --dir on the real disk (fsync must reach it)" % (tempfile.gettempdir(), fs))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        r = run(args, fs)
    finally:
        stop_all()
    r["load_after"] = os.getloadavg()
    print(json.dumps(r, indent=2))
    lines = markdown(r)
    print("\n".join(lines))
    full = args.rounds >= 3 and args.seconds >= 5 and args.upload_mib >= 1024
    if args.no_write:
        pass
    elif not full:
        print("shortened run (--rounds < 3, --seconds < 5 or --upload-mib < 1024): BENCHMARKS.md left as it is", file=sys.stderr)
    else:
        prepend_section(lines)
        update_table(r)


def run(args, fs):
    binary = os.path.abspath(args.gust)
    r = {"date": datetime.date.today().isoformat(), "load_before": os.getloadavg(), "filesystem": fs,
         "gust": os.path.relpath(binary, ROOT) if binary.startswith(str(ROOT) + "/") else binary,
         "seconds": args.seconds, "rounds": []}
    print("load average before: %.2f %.2f %.2f" % r["load_before"], file=sys.stderr)

    # The files, served as they are by nginx and uploaded to Gust and moto.
    files = tempfile.mkdtemp(prefix="gust-bench-s3-files-")
    started("files", lambda: shutil.rmtree(files, ignore_errors=True))
    os.chmod(files, 0o755)  # nginx's workers run as an unprivileged user
    served = os.path.join(files, BUCKET)
    os.makedirs(served)
    os.chmod(served, 0o755)
    small, large = os.path.join(served, "small.bin"), os.path.join(served, "large.bin")
    Path(small).write_bytes(os.urandom(SMALL))
    with open(large, "wb") as f:
        for _ in range(LARGE >> 20):
            f.write(os.urandom(1 << 20))
    for path in (small, large):
        os.chmod(path, 0o644)
    disk = tempfile.mkdtemp(prefix="gust-bench-s3-disk-")  # the disk baselines, beside Gust's data directory
    started("disk", lambda: shutil.rmtree(disk, ignore_errors=True))

    nginx = Nginx(files)
    gust = start_gust(args.gust)
    moto = start_moto()
    r["nginx_version"], r["moto_version"] = nginx.version, moto_version()
    targets = {}
    for name, server, url in (("gust", gust, gust.url), ("moto", moto, "http://127.0.0.1:%d" % moto.port)):
        s3 = s3_client(url)
        s3.create_bucket(Bucket=BUCKET)
        urls = {"small_get": presign(s3, "GET", "small.bin"), "large_get": presign(s3, "GET", "large.bin"),
                "small_put": [presign(s3, "PUT", "small-put-%03d.bin" % i) for i in range(PUT_KEYS)],
                "large_put": presign(s3, "PUT", "large-put.bin")}
        curl(presign(s3, "PUT", "small.bin"), upload=small, size=SMALL)
        curl(presign(s3, "PUT", "large.bin"), upload=large)
        pid = server.proc.pid if name == "gust" else moto.pid
        targets[name] = (pid, urls, s3)
    base = "http://127.0.0.1:%d/%s/" % (nginx.port, BUCKET)
    targets["nginx"] = (nginx.pid, {"small_get": base + "small.bin", "large_get": base + "large.bin"}, None)

    # Warm-up: a short wrk and one large GET on each.
    for name in ("nginx", "gust", "moto"):
        pid, urls, _ = targets[name]
        run_wrk(urls["small_get"], "GET", 1)
        curl(urls["large_get"])

    for n in range(args.rounds):
        round_ = {"small_get": {}, "small_put": {}, "large_get": {}, "large_put": {}}
        for name in ("nginx", "gust", "moto"):
            pid, urls, _ = targets[name]
            round_["small_get"][name] = measure_wrk(urls["small_get"], "GET", args.seconds, pid)
        round_["small_put"]["disk"] = fsync_loop(disk, args.seconds)
        for name in ("gust", "moto"):
            pid, urls, _ = targets[name]
            base, paths = split_paths(urls["small_put"])
            round_["small_put"][name] = measure_wrk(base, "PUT", args.seconds, pid, SMALL, paths)
        for name in ("nginx", "gust", "moto"):
            pid, urls, _ = targets[name]
            round_["large_get"][name] = [measure_curl(urls["large_get"], pid) for _ in range(LARGE_REPS)]
        round_["large_put"]["disk"] = [dd_fsync(large, disk) for _ in range(LARGE_REPS)]
        for name in ("gust", "moto"):
            pid, urls, _ = targets[name]
            round_["large_put"][name] = [measure_curl(urls["large_put"], pid, upload=large) for _ in range(LARGE_REPS)]
        round_["load"] = os.getloadavg()
        print("round %d: %s" % (n + 1, json.dumps(summary_of([round_]))), file=sys.stderr)
        r["rounds"].append(round_)

    # Gust's own check that the PUTs stored what was sent.
    s3 = targets["gust"][2]
    assert s3.head_object(Bucket=BUCKET, Key="large-put.bin")["ContentLength"] == LARGE
    written = s3.list_objects_v2(Bucket=BUCKET, Prefix="small-put-").get("Contents", [])
    assert written and all(o["Size"] == SMALL for o in written), written[:3]
    r["memory"] = memory_phase(gust, s3, args.upload_mib << 20)
    r["summary"] = summary_of(r["rounds"])
    return r


def summary_of(rounds):
    """Medians: of the rounds' wrk figures, of all 64 MiB transfers."""
    out = {}
    for kind in ("small_get", "small_put"):
        for name in rounds[0][kind]:
            values = [x[kind][name] for x in rounds]
            out["%s_%s" % (kind, name)] = statistics.median(v["rps"] for v in values)
            if "p50_ms" in values[0]:
                out["%s_%s_p50_ms" % (kind, name)] = statistics.median(v["p50_ms"] for v in values)
                out["%s_%s_cpu_us" % (kind, name)] = statistics.median(v["server_cpu_us_per_req"] for v in values)
    for kind in ("large_get", "large_put"):
        for name in rounds[0][kind]:
            values = [v for x in rounds for v in x[kind][name]]
            out["%s_%s" % (kind, name)] = statistics.median(v["mb_s"] for v in values)
            out["%s_%s_best" % (kind, name)] = max(v["mb_s"] for v in values)
            if "server_cpu_s" in values[0]:
                out["%s_%s_cpu_ms" % (kind, name)] = statistics.median(v["server_cpu_s"] for v in values) * 1000
    return out


def growth(x):
    return x["peak_mib"] - x["before_mib"]


def memory_figures(mem):
    """The uploads that ran, by name: the single PUT (unless refused) and the multipart upload."""
    return {name: mem[key] for name, key in (("single PUT", "put"), ("multipart", "multipart")) if key in mem}


def memory_brief(mem):
    """The memory phase in a few words, for the table's row and the verdicts."""
    parts = ["%s peak %.0f MiB (%+.0f)" % (name, x["peak_mib"], growth(x)) for name, x in memory_figures(mem).items()]
    if "put_refused" in mem:
        parts.insert(0, "single PUT refused (%s)" % mem["put_refused_short"])
    return "%.0f MiB upload: %s" % (mem["size_mib"], "; ".join(parts))


def verdicts(r):
    s = r["summary"]
    most = max(growth(x) for x in memory_figures(r["memory"]).values())
    moto_ratios = {kind: s["%s_gust" % kind] / s["%s_moto" % kind] for kind in ("small_get", "small_put", "large_get", "large_put")}
    return {
        "small_get": (s["small_get_gust"] / s["small_get_nginx"], 0.5),
        "large_get": (s["large_get_gust"] / s["large_get_nginx"], 0.8),
        "large_put": (s["large_put_gust"] / s["large_put_disk"], 0.5),
        "moto": (min(moto_ratios.values()), 10),
        "moto_ratios": moto_ratios,
        "memory": (most, FLAT_LIMIT_MIB),
    }


def yes(ok):
    return "yes" if ok else "no"


def times(x):
    return ("%.1f×" if x < 10 else "%.0f×") % x


def memory_met(mem, v):
    return yes(v["memory"][0] <= FLAT_LIMIT_MIB) + (" (multipart only, the single PUT refused)" if "put_refused" in mem else "")


def markdown(r):
    s, mem = r["summary"], r["memory"]
    v = verdicts(r)
    mr = v["moto_ratios"]
    names = {"small_get": "4 KiB GET", "small_put": "4 KiB PUT", "large_get": "64 MiB GET", "large_put": "64 MiB PUT"}
    weakest = min(mr, key=mr.get)
    per_round = "; ".join("%.0f / %.0f / %.0f / %.0f" % (
        x["small_get"]["gust"]["rps"], x["small_get"]["nginx"]["rps"], x["small_put"]["gust"]["rps"], x["small_put"]["disk"]["rps"])
        for x in r["rounds"])
    large_samples = "; ".join("%s %s" % (label, ", ".join("%.0f" % t["mb_s"] for x in r["rounds"] for t in x[kind][name]))
                              for label, kind, name in (("Gust GET", "large_get", "gust"), ("nginx GET", "large_get", "nginx"),
                                                        ("Gust PUT", "large_put", "gust"), ("dd+fsync", "large_put", "disk")))

    def memory_row(label, x, refused=None):
        if x is None:
            code = re.search(r'"__type":"(\w+)"|<Code>(\w+)</Code>', refused or "")
            return "| %s | refused: %s%s | | | | |" % (
                label, mem.get("put_refused_short", "?"), " `%s`" % (code.group(1) or code.group(2)) if code else "")
        hwm = ", VmHWM %.0f" % x["peak_hwm_mib"] if x["peak_hwm_mib"] is not None else ""
        return "| %s | %.0f MiB | %.0f MiB (sampled %.0f%s) | %.0f MiB | %+.0f MiB | %.0f |" % (
            label, x["before_mib"], x["peak_mib"], x["peak_sampled_mib"], hwm, x["after_mib"], growth(x), x["mb_s"])
    loads = ", ".join("%.2f" % x["load"][0] for x in r["rounds"])
    lines = [
        "## %s — S3 (#14)" % r["date"],
        "",
        "Machine: %s. Command: `Benchmarks/run.sh s3` (`%s serve --sandbox none`)." % (machine(), r["gust"]),
        "Data directories on %s. nginx %s, moto_server %s. Load average (1 min) before the run %.2f; after each round %s;" % (
            r["filesystem"], r["nginx_version"], r["moto_version"], r["load_before"][0], loads),
        "after the run %.2f." % r["load_after"][0],
        "",
        "Every request to Gust and moto goes to a SigV4 presigned URL (path style); nginx serves the same files from a",
        "directory (`sendfile on`, `worker_processes auto`, no access log). 4 KiB: `wrk -t%d -c%d -d%ds` with keep-alive," % (
            THREADS, CONNECTIONS, r["seconds"]),
        "PUT cycling through 256 keys; median of %d round(s). 64 MiB: `curl -o /dev/null` (PUT `-T` from the page cache), MB/s =" % len(r["rounds"]),
        "10^6 bytes/s by curl's time_total; median of %d transfers (%d a round). Disk baselines beside Gust's data" % (
            LARGE_REPS * len(r["rounds"]), LARGE_REPS),
        "directory: `dd bs=1M conv=fsync` of the same 64 MiB file to a new file; for 4 KiB, Gust's durable write",
        "(new file, write, fsync, rename, fsync of the directory, previous unlinked) from 16 Python threads.",
        "Server CPU: utime + stime from /proc (nginx's workers included).",
        "",
        "| measurement | Gust | nginx | moto | disk | Gust / baseline | Gust / moto | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
        "| 4 KiB GET, req/s | %.0f | %.0f | %.0f | | %.2f× nginx | %s | ≥ 0.5× nginx, ≥ 10× moto | %s, %s |" % (
            s["small_get_gust"], s["small_get_nginx"], s["small_get_moto"], v["small_get"][0], times(mr["small_get"]),
            yes(v["small_get"][0] >= 0.5), yes(mr["small_get"] >= 10)),
        "| 4 KiB PUT, req/s | %.0f | | %.0f | %.0f | %.2f× the write loop | %s | ≥ 10× moto | %s |" % (
            s["small_put_gust"], s["small_put_moto"], s["small_put_disk"], s["small_put_gust"] / s["small_put_disk"],
            times(mr["small_put"]), yes(mr["small_put"] >= 10)),
        "| 64 MiB GET, MB/s (best) | %.0f (%.0f) | %.0f (%.0f) | %.0f (%.0f) | | %.2f× nginx | %s | ≥ 0.8× nginx, ≥ 10× moto | %s, %s |" % (
            s["large_get_gust"], s["large_get_gust_best"], s["large_get_nginx"], s["large_get_nginx_best"], s["large_get_moto"],
            s["large_get_moto_best"], v["large_get"][0], times(mr["large_get"]), yes(v["large_get"][0] >= 0.8), yes(mr["large_get"] >= 10)),
        "| 64 MiB PUT, MB/s (best) | %.0f (%.0f) | | %.0f (%.0f) | %.0f (%.0f) | %.2f× dd+fsync | %s | ≥ 0.5× dd+fsync, ≥ 10× moto | %s, %s |" % (
            s["large_put_gust"], s["large_put_gust_best"], s["large_put_moto"], s["large_put_moto_best"], s["large_put_disk"],
            s["large_put_disk_best"], v["large_put"][0], times(mr["large_put"]), yes(v["large_put"][0] >= 0.5), yes(mr["large_put"] >= 10)),
        "",
        "| per request | Gust | nginx | moto |",
        "|---|---|---|---|",
        "| 4 KiB GET: p50 latency, server CPU | %.2f ms, %.0f µs | %.2f ms, %.0f µs | %.2f ms, %.0f µs |" % (
            s["small_get_gust_p50_ms"], s["small_get_gust_cpu_us"], s["small_get_nginx_p50_ms"], s["small_get_nginx_cpu_us"],
            s["small_get_moto_p50_ms"], s["small_get_moto_cpu_us"]),
        "| 4 KiB PUT: p50 latency, server CPU | %.2f ms, %.0f µs | | %.2f ms, %.0f µs |" % (
            s["small_put_gust_p50_ms"], s["small_put_gust_cpu_us"], s["small_put_moto_p50_ms"], s["small_put_moto_cpu_us"]),
        "| 64 MiB GET: server CPU | %.0f ms | %.0f ms | %.0f ms |" % (
            s["large_get_gust_cpu_ms"], s["large_get_nginx_cpu_ms"], s["large_get_moto_cpu_ms"]),
        "| 64 MiB PUT: server CPU | %.0f ms | | %.0f ms |" % (s["large_put_gust_cpu_ms"], s["large_put_moto_cpu_ms"]),
        "",
        "Per round (4 KiB req/s: Gust GET / nginx GET / Gust PUT / write loop): %s." % per_round,
        "64 MiB transfers, MB/s: %s." % large_samples,
        "",
        "Memory: a %.0f MiB object uploaded to presigned URLs from `http.client` (Content-Length, the body made in 1 MiB" % mem["size_mib"],
        "chunks as it is sent): as one PUT, then as a multipart upload of 64 MiB parts in turn and CompleteMultipartUpload",
        "(how awscli and boto3 upload such a file); then a GET of it with curl. Gust's VmRSS sampled every 50 ms, its VmHWM",
        "reset before each (peak: the larger of the two).",
        "",
        "| %.0f MiB | RSS before | peak | after | peak − before | MB/s |" % mem["size_mib"],
        "|---|---|---|---|---|---|",
        memory_row("single PUT", mem.get("put"), mem.get("put_refused")),
        memory_row("multipart, %d parts" % mem["multipart"]["parts"], mem["multipart"]),
        memory_row("GET", mem["get"]),
        "",
        "Targets: 4 KiB GET ≥ 0.5× nginx: %s (%.2f×); 64 MiB GET ≥ 0.8× nginx: %s (%.2f×); 64 MiB PUT ≥ 0.5× dd+fsync: %s" % (
            yes(v["small_get"][0] >= 0.5), v["small_get"][0], yes(v["large_get"][0] >= 0.8), v["large_get"][0],
            yes(v["large_put"][0] >= 0.5)),
        "(%.2f×); every figure ≥ 10× moto: %s (lowest %.1f×, %s); memory flat during the upload (peak ≤ %d MiB over" % (
            v["large_put"][0], yes(v["moto"][0] >= 10), v["moto"][0], names[weakest], FLAT_LIMIT_MIB),
        "before, in every upload that ran): %s. %s." % (memory_met(mem, v), memory_brief(mem)),
        "",
    ]
    return lines


def update_table(r):
    s, v = r["summary"], verdicts(r)
    mr = v["moto_ratios"]
    names = {"small_get": "4 KiB GET", "small_put": "4 KiB PUT", "large_get": "64 MiB GET", "large_put": "64 MiB PUT"}
    weakest = min(mr, key=mr.get)
    row = ("| S3 GET/PUT of 4 KiB and 64 MiB objects against nginx, moto and dd+fsync (`Benchmarks/run.sh s3`) "
           "| 4 KiB GET %.0f req/s (%.2f× nginx), PUT %.0f req/s; 64 MiB GET %.0f MB/s (%.2f× nginx), PUT %.0f MB/s (%.2f× dd+fsync); "
           "%s "
           "| nginx: 4 KiB GET %.0f req/s, 64 MiB GET %.0f MB/s; dd+fsync %.0f MB/s; moto: 4 KiB GET %.0f, PUT %.0f req/s, "
           "64 MiB GET %.0f, PUT %.0f MB/s "
           "| 4 KiB GET ≥ 0.5× nginx; 64 MiB GET ≥ 0.8× nginx; 64 MiB PUT ≥ 0.5× dd+fsync; ≥ 10× moto; flat memory "
           "| 4 KiB GET %s; 64 MiB GET %s; 64 MiB PUT %s; ≥ 10× moto %s (lowest %.1f×, %s); memory %s | %s |") % (
        s["small_get_gust"], v["small_get"][0], s["small_put_gust"], s["large_get_gust"], v["large_get"][0], s["large_put_gust"],
        v["large_put"][0], memory_brief(r["memory"]),
        s["small_get_nginx"], s["large_get_nginx"], s["large_put_disk"], s["small_get_moto"], s["small_put_moto"],
        s["large_get_moto"], s["large_put_moto"],
        yes(v["small_get"][0] >= 0.5), yes(v["large_get"][0] >= 0.8), yes(v["large_put"][0] >= 0.5), yes(v["moto"][0] >= 10),
        v["moto"][0], names[weakest], memory_met(r["memory"], v), r["date"])
    path = ROOT / "BENCHMARKS.md"
    lines = path.read_text().split("\n")
    hits = [i for i, line in enumerate(lines) if line.startswith(ROW_PREFIX)]
    if not hits:
        print("BENCHMARKS.md has no row starting %r: the table is left as it is" % ROW_PREFIX, file=sys.stderr)
        return
    lines[hits[0]] = row
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
