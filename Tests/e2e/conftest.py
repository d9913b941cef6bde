"""End-to-end fixtures: a real `gust serve` on a free port, driven with boto3, awscli and the gust CLI.

The binary is not built here: it is `$GUST_BIN`, else `.build/debug/gust` at the repository root.
"""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[2]
GUST_BIN = os.environ.get("GUST_BIN") or str(REPO / ".build/debug/gust")
ACCESS_KEY = "AKIDGUSTTEST"
SECRET_KEY = "gustsecret"
REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/gust-e2e"
# The interpreter running pytest, with symlinks (a venv's) resolved: visible inside Gust's sandbox.
REAL_PYTHON = os.path.realpath(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


RUNNING = []  # servers started in this session, for failure reports


class GustServer:
    """One `gust serve` process; its output is collected in `self.lines`."""

    def __init__(self, data_dir, port=None, extra_args=()):
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args)
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.http_port = free_port()
        self.http_endpoint = f"http://127.0.0.1:{self.http_port}"
        self.proc = None
        self.lines = []
        self.session = False  # the session-wide server
        self.nodeid = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]

    def start(self, timeout=60):
        if not os.access(GUST_BIN, os.X_OK):
            pytest.fail(f"gust binary not found at {GUST_BIN}: run `swift build` or set GUST_BIN")
        env = dict(os.environ, GUST_ACCESS_KEY=ACCESS_KEY, GUST_SECRET_KEY=SECRET_KEY)
        cmd = [GUST_BIN, "serve", "--data-dir", self.data_dir, "--host", "127.0.0.1",
               "--port", str(self.port), "--http-port", str(self.http_port), "--keep-alive", "2", "--async-retry-base", "0.2", *self.extra_args]
        self.lines = []
        self.listening = False
        ready = threading.Event()
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

        def pump(proc=self.proc):
            seen = set()
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                self.lines.append(line)
                # Both listeners: the AWS API and the HTTP triggers.
                for marker in ("Gust listening on", "HTTP triggers on"):
                    if line.startswith(marker):
                        seen.add(marker)
                if len(seen) == 2 and not self.listening:
                    self.listening = True
                    ready.set()
            ready.set()  # EOF: the server died

        threading.Thread(target=pump, daemon=True).start()
        RUNNING.append(self)
        ready.wait(timeout)
        if not self.listening or self.proc.poll() is not None:
            output = self.output()
            self.kill()
            self._reap_group()
            pytest.fail(f"gust serve did not start (exit {self.proc.returncode}):\n{output}")
        return self

    def output(self):
        return "".join(self.lines[-200:])

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL if it does not drain in time."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap_group()

    def kill(self):
        """SIGKILL the server process alone (its function instances are left as they are)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _reap_group(self):
        # Function instances left behind by a killed server are in its process group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        # pasta helpers (egress namespaces) are daemons outside the group: they quit when their
        # namespace's pin is gone, which a killed server leaves until it starts again.
        if self.proc.poll() is not None:
            netns = os.path.join(self.data_dir, "sandbox", "netns")
            for pin in os.listdir(netns) if os.path.isdir(netns) else []:
                subprocess.run(["umount", "-l", os.path.join(netns, pin)], check=False, stderr=subprocess.DEVNULL)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the latest output of the servers it may have used."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in [s for s in RUNNING if s.session or s.nodeid == item.nodeid]:
            report.sections.append((f"gust serve :{server.port} (last lines)", "".join(server.lines[-60:])))


def lambda_client_for(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    return boto3.client(
        "lambda", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=Config(retries={"max_attempts": 0}, read_timeout=30, connect_timeout=5,
                      max_pool_connections=16))


def signed(method, endpoint, path, body=None, params=None):
    """A SigV4-signed (service `lambda`) request to Gust, e.g. its JSON API under /gust/v1."""
    url = endpoint + path
    if params:
        url += "?" + requests.compat.urlencode(params)
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    request = AWSRequest(method=method, url=url, data=data,
                         headers={"Content-Type": "application/json"} if data else {})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, headers=dict(prepared.headers), data=data, timeout=30)


def invocation_records(endpoint, name):
    response = signed("GET", endpoint, f"/gust/v1/functions/{name}/invocations")
    assert response.status_code == 200, response.text
    return response.json()["Invocations"]


def wait_for_records(endpoint, name, predicate, timeout=30):
    """Poll the invocation records of `name` until `predicate(records)` is true; return them."""
    deadline = time.time() + timeout
    records = []
    while time.time() < deadline:
        records = invocation_records(endpoint, name)
        if predicate(records):
            return records
        time.sleep(0.25)
    pytest.fail(f"records of {name} never matched within {timeout}s: {json.dumps(records, indent=1)}")


def make_zip(files):
    """Zip `{filename: source}` into bytes; `bootstrap` is made executable (0o755)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if name.rsplit("/", 1)[-1] == "bootstrap" else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def gust_server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-data"))
    server.session = True
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def endpoint(gust_server):
    return gust_server.endpoint


@pytest.fixture(scope="session")
def lam(endpoint):
    """boto3 Lambda client for the session's server."""
    return lambda_client_for(endpoint)


@pytest.fixture
def unique():
    """unique('fn') -> 'fn-1a2b3c4d': function names never repeat across tests."""
    return lambda prefix="fn": f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def create_function(lam):
    """create_function(name, files, runtime=..., handler=..., **extra) -> CreateFunction response.

    Functions made here are deleted when the test ends."""
    made = []

    def create(name, files, runtime="python3.11", handler="app.handler", **extra):
        response = lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                       Code={"ZipFile": make_zip(files)}, **extra)
        made.append(name)
        return response

    yield create
    for name in made:
        try:
            lam.delete_function(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass


def invoke_json(lam, name, payload=None, **kwargs):
    """Invoke synchronously; return (response, decoded JSON payload)."""
    response = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


@pytest.fixture
def invoke(lam):
    return lambda name, payload=None, **kwargs: invoke_json(lam, name, payload, **kwargs)


@pytest.fixture
def records(endpoint):
    """records(name) -> invocation records, newest first; records.wait(name, predicate, timeout).

    Both take `endpoint=` to read another server's records."""

    class Records:
        def __call__(self, name, endpoint=endpoint):
            return invocation_records(endpoint, name)

        def wait(self, name, predicate, timeout=30, endpoint=endpoint):
            return wait_for_records(endpoint, name, predicate, timeout)

    return Records()


@pytest.fixture
def zip_files():
    """zip_files({filename: source}) -> zip bytes (`bootstrap` gets mode 0o755)."""
    return make_zip


@pytest.fixture
def client_for():
    """client_for(endpoint, access_key=..., secret_key=...) -> a boto3 Lambda client."""
    return lambda_client_for


@pytest.fixture
def aws(endpoint, tmp_path):
    """aws('create-function', '--function-name', 'x', ...) -> parsed JSON (or raw text); raises on failure."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"), AWS_MAX_ATTEMPTS="1")

    # awscli v2 reads blob arguments as base64 unless told otherwise; v1 (PyPI's) reads them raw
    # and does not know the flag.
    version = subprocess.run(["aws", "--version"], env=env, capture_output=True, text=True).stdout
    raw_payload_flag = ["--cli-binary-format", "raw-in-base64-out"] if version.startswith("aws-cli/2") else []

    def run(*args, check=True, payload=False):
        cmd = ["aws", "lambda", *args, "--endpoint-url", endpoint, "--region", REGION, "--output", "json"]
        if payload:
            cmd += raw_payload_flag
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if not check:
            return proc
        assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}"
        try:
            return json.loads(proc.stdout) if proc.stdout.strip() else None
        except ValueError:
            return proc.stdout

    return run


@pytest.fixture
def gust_cli(endpoint):
    """gust_cli('invoke', 'name', ...) -> CompletedProcess; `--endpoint` is appended."""
    env = dict(os.environ, GUST_ACCESS_KEY=ACCESS_KEY, GUST_SECRET_KEY=SECRET_KEY)

    def run(*args):
        cmd = [GUST_BIN, *args, "--endpoint", endpoint]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)

    return run


@pytest.fixture
def start_server(tmp_path):
    """start_server(data_dir=None) -> a GustServer of the test's own, stopped when the test ends."""
    servers = []

    def start(data_dir=None):
        data_dir = data_dir or tempfile.mkdtemp(dir=tmp_path, prefix="gust-data-")
        server = GustServer(data_dir).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def expect_error():
    """expect_error(lambda: call(), "ResourceNotFoundException", 404) -> the error response.

    Checks the error code, the HTTP status and the `x-amzn-ErrorType` header."""

    def check(call, code, status):
        with pytest.raises(ClientError) as excinfo:
            call()
        response = excinfo.value.response
        assert response["Error"]["Code"] == code, response
        assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
        header = response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype", "")
        assert header.split(":")[0] == code, response["ResponseMetadata"]["HTTPHeaders"]
        return response

    return check


@pytest.fixture
def signed_request(endpoint):
    """signed_request(method, path, body=None, params=None) -> requests.Response, SigV4-signed."""
    return lambda method, path, body=None, params=None: signed(method, endpoint, path, body, params)
