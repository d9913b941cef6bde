/// The Python bootstrap Gust runs as `<python> -u bootstrap.py` for `python3.x` functions.
/// It speaks the Lambda Runtime API and calls `def handler(event, context)` (standard library only).
///
/// Gust writes `source` to `fileName` in its data directory at startup and compiles it there, so
/// that no instance pays for compiling it (it is imported as a module, not run as a script).
enum PythonBootstrap {
    static let moduleName = "gust_bootstrap"
    static let fileName = "\(moduleName).py"

    static let source = #"""
# Gust Python bootstrap: speaks the AWS Lambda Runtime API on behalf of a
# `def handler(event, context)` function. Standard library only.
import os
import sys
import time

# Only C modules below: `socket` and `json` pull in `enum` and `re`, which cost more start-up time
# than everything else in this file (Gust runs Python with -S for the same reason; see below).
import _json
import _socket

# -S skips `site`, whose .pth processing can dominate interpreter start. The interpreter's own
# site-packages stay importable, after the task root (as on Lambda); .pth files are not processed.
for _prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
    _site = os.path.join(_prefix, sys.platlibdir, "python%d.%d" % sys.version_info[:2], "site-packages")
    if os.path.isdir(_site) and _site not in sys.path:
        sys.path.append(_site)


class _DecodeContext:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__
    memo = {}


_scan_once = _json.make_scanner(_DecodeContext())
_WHITESPACE = " \t\n\r"


def json_loads(data):
    """json.loads for the event, on the C scanner json itself uses."""
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = _scan_once(text, start)
    except StopIteration as e:
        raise ValueError("Expecting value: char %d" % e.value) from None
    if text[end:].strip(_WHITESPACE):
        raise ValueError("Extra data: char %d" % end)
    return value


def json_dumps(value, default=None):
    """json.dumps with its default separators, on the C encoder json itself uses."""
    def fail(o):
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    encode = _json.make_encoder({}, default or fail, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return "".join(encode(value, 0))

API = "/2018-06-01/runtime"


class Headers(dict):
    """Response headers with case-insensitive lookup (keys are stored lower-cased)."""

    def get(self, key, default=None):
        return dict.get(self, key.lower(), default)


class Response:
    __slots__ = ("status", "headers")

    def __init__(self, status, headers):
        self.status, self.headers = status, headers


class RuntimeAPI:
    """One kept-alive HTTP/1.1 connection to Gust's per-instance Runtime API.

    A minimal client on a raw socket: `http.client` drags in `email` and `ssl`, which cost more
    start-up time than everything else here together (cold starts matter)."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.address = (host or "127.0.0.1", int(port))
        self.host_header = "Host: %s\r\n" % address
        self.sock = None
        self.buffer = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def request(self, method, path, body=None, headers=None):
        head = "%s %s%s HTTP/1.1\r\n%s" % (method, API, path, self.host_header)
        for name, value in (headers or {}).items():
            head += "%s: %s\r\n" % (name, value)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        data = (head + "\r\n").encode("latin-1") + (body or b"")
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self.sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
                    self.sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                    self.sock.connect(self.address)
                self.sock.sendall(data)
                return self.read_response()
            except OSError:
                self.close()
                if attempt:
                    raise

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the Runtime API closed the connection")
        self.buffer += chunk

    def read_response(self):
        while b"\r\n\r\n" not in self.buffer:
            self.fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = Headers()
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self.read_chunked()
        else:
            length = int(headers.get("content-length") or 0)
            while len(self.buffer) < length:
                self.fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers), body

    def read_chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self.fill()
            size_line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self.fill()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2:]
            if size == 0:
                return body

    def post(self, path, body, headers=None):
        headers = dict(headers or {})
        headers["Content-Type"] = "application/json"
        return self.request("POST", path, body, headers)


class ClientContext:
    def __init__(self, raw):
        self.client = raw.get("client")
        self.custom = raw.get("custom")
        self.env = raw.get("env")


class CognitoIdentity:
    def __init__(self, raw):
        self.cognito_identity_id = raw.get("cognitoIdentityId")
        self.cognito_identity_pool_id = raw.get("cognitoIdentityPoolId")


class LambdaContext:
    # The instance's identity does not change between events: read the environment once.
    _static = None

    def __init__(self, request_id, headers):
        static = LambdaContext._static
        if static is None:
            env = os.environ
            static = LambdaContext._static = (
                env.get("AWS_LAMBDA_FUNCTION_NAME", ""), env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")), env.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
                env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""))
        self.aws_request_id = request_id
        (self.function_name, self.function_version, self.memory_limit_in_mb,
         self.log_group_name, self.log_stream_name) = static
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        cc = headers.get("Lambda-Runtime-Client-Context")
        ci = headers.get("Lambda-Runtime-Cognito-Identity")
        self.client_context = ClientContext(json_loads(cc)) if cc else None
        self.identity = CognitoIdentity(json_loads(ci)) if ci else None

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return "LambdaContext(aws_request_id=%r, function_name=%r, function_version=%r)" % (
            self.aws_request_id, self.function_name, self.function_version)


def error_body(error_type, message, frames=(), request_id=None):
    body = {"errorMessage": message, "errorType": error_type, "stackTrace": list(frames)}
    if request_id:
        body["requestId"] = request_id
    return json_dumps(body).encode()


def user_frames(tb):
    """Stack frames of the exception, without this bootstrap's own frames."""
    import traceback  # only needed on the error path

    frames = traceback.extract_tb(tb)
    while frames and (frames[0].filename == __file__ or frames[0].filename.startswith("<frozen ")):
        frames.pop(0)
    return traceback.format_list(frames)


def log_error(error_type, message, frames):
    sys.stdout.write("[ERROR] %s: %s\n%s" % (error_type, message, "".join(frames)))
    sys.stdout.flush()


def load_handler(spec):
    """Import `module.path.func` from the task root; (handler, None) or (None, (type, message, frames))."""
    module_name, _, func_name = spec.rpartition(".")
    module_name = module_name.replace("/", ".")
    if not module_name or not func_name:
        return None, ("Runtime.MalformedHandlerName",
                      "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec, [])
    try:
        module = __import__(module_name, fromlist=["_"])
    except SyntaxError as e:
        return None, ("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e),
                      user_frames(e.__traceback__))
    except Exception as e:
        return None, ("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e),
                      user_frames(e.__traceback__))
    handler = getattr(module, func_name, None)
    if not callable(handler):
        return None, ("Runtime.HandlerNotFound",
                      "Handler '%s' missing on module '%s'" % (func_name, module_name), [])
    return handler, None


def json_default(value):
    if type(value).__name__ == "Decimal":
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def serialize(result):
    if isinstance(result, (bytes, bytearray)):
        result = bytes(result).decode("utf-8")
    return json_dumps(result, default=json_default).encode("utf-8")


def install_log_handler():
    """If the function uses `logging`, make the root logger print like Lambda's."""
    import logging

    class LambdaFormatter(logging.Formatter):
        def formatTime(self, record, datefmt=None):
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs

        def format(self, record):
            record.aws_request_id = CURRENT_REQUEST_ID
            return super().format(record)

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaFormatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s"))
    logging.getLogger().addHandler(handler)


CURRENT_REQUEST_ID = None


def main(packages=None):
    try:
        run(packages)
    except (OSError, ValueError) as e:
        # The Runtime API went away: Gust is stopping this instance.
        sys.stderr.write("gust bootstrap: lost the Runtime API: %s\n" % e)
        sys.exit(1)


def run(packages=None):
    global CURRENT_REQUEST_ID
    api = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The runtime's packages (boto3) right after the function's code, as Lambda's /var/runtime:
    # a function that bundles its own boto3 gets its own.
    sys.path[0:1] = [task_root] + ([packages] if packages else [])

    handler, init_error = load_handler(os.environ.get("_HANDLER", ""))
    if init_error:
        error_type, message, frames = init_error
        log_error(error_type, message, frames)
        api.post("/init/error", error_body(error_type, message, frames),
                 {"Lambda-Runtime-Function-Error-Type": error_type})
        sys.exit(1)
    if "logging" in sys.modules:
        install_log_handler()

    while True:
        resp, body = api.request("GET", "/invocation/next")
        if resp.status == 410:  # Gust is stopping this instance
            sys.exit(0)
        if resp.status != 200:
            sys.stderr.write("gust bootstrap: next returned HTTP %d\n" % resp.status)
            sys.exit(1)
        headers = resp.headers
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        CURRENT_REQUEST_ID = request_id
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)

        error = None
        exit_after = False
        try:
            event = json_loads(body) if body.strip() else {}
        except ValueError as e:
            error = ("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e, [])
        if error is None:
            try:
                result = handler(event, LambdaContext(request_id, headers))
            except MemoryError as e:
                error = ("Runtime.OutOfMemory", "Runtime exited with error: MemoryError", [])
                exit_after = True
            except Exception as e:
                error = (type(e).__name__, str(e), user_frames(e.__traceback__))
        if error is None:
            try:
                payload = serialize(result)
            except (TypeError, ValueError, UnicodeDecodeError) as e:
                error = ("Runtime.MarshalError", "Unable to marshal response: %s" % e, [])
        if error is None:
            resp, _ = api.post("/invocation/%s/response" % request_id, payload)
            if resp.status == 413:
                error = ("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size.", [])
        if error is not None:
            error_type, message, frames = error
            log_error(error_type, message, frames)
            api.post("/invocation/%s/error" % request_id, error_body(error_type, message, frames, request_id),
                     {"Lambda-Runtime-Function-Error-Type": error_type})
        CURRENT_REQUEST_ID = None
        if exit_after:
            os._exit(1)


if __name__ == "__main__":
    main()

"""#
}
