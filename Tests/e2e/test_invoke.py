"""Invoke through boto3: sync results, tail logs, handler errors, async (Event), DryRun, node, provided."""

import base64
import json

APP = """
import os

def handler(event, context):
    print("print-marker", event.get("marker"))
    if event.get("fail"):
        raise ValueError("boom: " + event["fail"])
    return {"echo": event, "function_name": context.function_name, "memory": context.memory_limit_in_mb,
            "request_id": context.aws_request_id, "remaining": context.get_remaining_time_in_millis(),
            "version": context.function_version, "arn": context.invoked_function_arn,
            "log_group": context.log_group_name, "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
            "cwd": os.getcwd(), "region": os.environ.get("AWS_REGION")}
"""
NODE_APP = """
exports.handler = async (event, context) => {
  console.log('node-marker', event.marker);
  if (event.fail) throw new RangeError(event.fail);
  return { echo: event, functionName: context.functionName, requestId: context.awsRequestId,
           memory: Number(context.memoryLimitInMB), remaining: context.getRemainingTimeInMillis() };
};
"""
SH_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | cut -d: -f2 | tr -d ' \\r')
  echo "sh-marker $ID"
  curl -sS -o /dev/null -X POST --data-binary "{\\"sh\\": $EVENT}" "$API/invocation/$ID/response"
done
"""


def tail_log(response):
    return base64.b64decode(response["LogResult"]).decode()


def test_request_response(create_function, unique, invoke):
    name = unique("invoke-sync")
    create_function(name, {"app.py": APP})
    response, result = invoke(name, {"marker": "sync", "n": [1, 2]})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert result["echo"] == {"marker": "sync", "n": [1, 2]}
    assert invoke(name, {"again": True}, Qualifier="$LATEST")[1]["echo"] == {"again": True}


def test_tail_log(create_function, unique, invoke):
    name = unique("invoke-tail")
    create_function(name, {"app.py": APP})
    response, result = invoke(name, {"marker": "tail-123"}, LogType="Tail")
    log = tail_log(response)
    request_id = result["request_id"]
    assert "print-marker tail-123" in log
    assert f"START RequestId: {request_id}" in log
    assert f"END RequestId: {request_id}" in log
    assert f"REPORT RequestId: {request_id}" in log
    assert log.index("START RequestId:") < log.index("print-marker") < log.index("END RequestId:")


def test_unhandled_error(create_function, unique, invoke):
    name = unique("invoke-error")
    create_function(name, {"app.py": APP})
    response, error = invoke(name, {"fail": "bad input"}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "boom: bad input"
    assert any("raise ValueError" in frame for frame in error["stackTrace"])
    assert "ValueError" in tail_log(response)
    # The instance survives a handler exception.
    assert invoke(name, {"marker": "after"})[1]["echo"] == {"marker": "after"}


def test_event_invocation(lam, create_function, unique, records):
    name = unique("invoke-event")
    create_function(name, {"app.py": APP})
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"marker": "async"}')
    assert response["StatusCode"] == 202
    found = records.wait(name, lambda rs: any(r["Mode"] == "Event" and r["Outcome"] == "Success" for r in rs))
    record = next(r for r in found if r["Mode"] == "Event")
    assert record["FunctionName"] == name
    assert record["Version"] == "$LATEST"
    assert record["MemorySizeMB"] == 128
    assert record["DurationMs"] >= 0 and record["BilledDurationMs"] >= 1
    for key in ("RequestId", "Source", "ErrorType", "StartTime", "InitDurationMs", "MaxMemoryUsedMB"):
        assert key in record


def test_dry_run(lam, create_function, unique):
    name = unique("invoke-dry")
    create_function(name, {"app.py": APP})
    response = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert response["StatusCode"] == 204


def test_invalid_payload(lam, create_function, unique, expect_error):
    name = unique("invoke-badjson")
    create_function(name, {"app.py": APP})
    expect_error(lambda: lam.invoke(FunctionName=name, Payload=b"{not json"),
                 "InvalidRequestContentException", 400)


def test_context_fields(create_function, unique, invoke, records):
    name = unique("invoke-context")
    create_function(name, {"app.py": APP})
    response, result = invoke(name, {"marker": "ctx"})
    assert result["function_name"] == name
    assert result["memory"] == 128
    assert result["version"] == "$LATEST"
    assert result["arn"].endswith(f":function:{name}")
    assert result["remaining"] > 0
    assert result["region"] == "us-east-1"
    assert result["log_group"] == f"/aws/lambda/{name}"
    assert result["cwd"] == result["task_root"]
    request_id = result["request_id"]
    assert len(request_id) >= 32
    assert response["ResponseMetadata"]["RequestId"] == request_id
    found = records.wait(name, lambda rs: any(r["RequestId"] == request_id for r in rs))
    record = next(r for r in found if r["RequestId"] == request_id)
    assert record["Mode"] == "RequestResponse"
    assert record["Outcome"] == "Success"
    assert record["ErrorType"] is None


def test_node_function(create_function, unique, invoke):
    name = unique("invoke-node")
    create_function(name, {"index.js": NODE_APP}, runtime="nodejs20.x", handler="index.handler")
    response, result = invoke(name, {"marker": "nodejs"}, LogType="Tail")
    assert result["echo"] == {"marker": "nodejs"}
    assert result["functionName"] == name
    assert result["memory"] == 128
    assert result["remaining"] > 0
    assert "node-marker nodejs" in tail_log(response)
    assert f"START RequestId: {result['requestId']}" in tail_log(response)
    response, error = invoke(name, {"fail": "node says no"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "RangeError" and error["errorMessage"] == "node says no"


def test_provided_function(create_function, unique, invoke):
    name = unique("invoke-sh")
    create_function(name, {"bootstrap": SH_BOOTSTRAP}, runtime="provided.al2023", handler="function.handler")
    response, result = invoke(name, {"k": "v"}, LogType="Tail")
    assert result == {"sh": {"k": "v"}}
    assert "sh-marker" in tail_log(response)
    assert invoke(name, {"k": 2})[1] == {"sh": {"k": 2}}


def test_pipelined_invokes_and_api_calls_are_answered_in_order(create_function, unique, endpoint):
    """Invokes (answered ahead of the router) and other API calls (answered by it) sent back to
    back on one connection come back in order, bad requests included."""
    import socket
    from urllib.parse import urlparse

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from conftest import ACCESS_KEY, REGION, SECRET_KEY

    name = unique("invoke-pipelined")
    create_function(name, {"app.py": APP})
    url = urlparse(endpoint)

    def raw(method, path, body=b"", headers=None, sign=True):
        request = AWSRequest(method=method, url=endpoint + path, data=body, headers=dict(headers or {}))
        if sign:
            SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(request)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() not in ("host", "content-length")]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    invocations = f"/2015-03-31/functions/{name}/invocations"
    # The bad invokes come straight after the first, so that the fast path answers them from
    # what it held back; the invoke after the GET is the router's.
    batch = b"".join([
        raw("POST", invocations, json.dumps({"marker": 1}).encode()),
        raw("POST", invocations, b"{}", sign=False),
        raw("POST", invocations, b"not json"),
        raw("POST", invocations, json.dumps({"marker": 2}).encode()),
        raw("GET", f"/2015-03-31/functions/{name}/configuration"),
        raw("POST", invocations, json.dumps({"marker": 3}).encode()),
    ])
    with socket.create_connection((url.hostname, url.port), timeout=30) as conn:
        conn.sendall(batch)
        data = b""
        answers = []
        while len(answers) < 6:
            chunk = conn.recv(65536)
            assert chunk, "connection closed after %d answers" % len(answers)
            data += chunk
            while b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                length = int(headers["content-length"])
                if len(rest) < length:
                    break
                answers.append((int(lines[0].split()[1]), headers, rest[:length]))
                data = rest[length:]
    assert [status for status, _, _ in answers] == [200, 403, 400, 200, 200, 200]
    assert [json.loads(answers[i][2])["echo"]["marker"] for i in (0, 3, 5)] == [1, 2, 3]
    assert json.loads(answers[4][2])["FunctionName"] == name
    assert answers[1][1]["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert answers[2][1]["x-amzn-errortype"] == "InvalidRequestContentException"

    # A client that sends its invoke and then closes its side still gets the answer.
    with socket.create_connection((url.hostname, url.port), timeout=30) as conn:
        conn.sendall(raw("POST", invocations, json.dumps({"marker": 4}).encode()))
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"200", data
    assert json.loads(body)["echo"]["marker"] == 4


def test_client_context_reaches_the_handler(lam, create_function, unique):
    """`ClientContext` (base64 JSON, here with line breaks between tokens) arrives decoded as
    `context.client_context`; the line breaks cannot break the Runtime API's framing."""
    name = unique("invoke-client-context")
    create_function(name, {"app.py": (
        "def handler(event, context):\n"
        "    cc = context.client_context\n"
        "    return {'custom': cc.custom, 'env': cc.env, 'client': cc.client}\n")})
    raw = '{\n  "custom": {"user": "ada"},\r\n  "env": {"locale": "en"}\n}'
    response = lam.invoke(FunctionName=name, Payload=b"{}", ClientContext=base64.b64encode(raw.encode()).decode())
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"custom": {"user": "ada"}, "env": {"locale": "en"}, "client": None}
