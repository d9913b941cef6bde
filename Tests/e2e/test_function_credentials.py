"""Functions call Gust's services with unchanged code, as Lambda functions call AWS's: every
instance gets AWS_ENDPOINT_URL and a key of its function's own, python3.x functions can import
boto3 without bundling it, and the key dies with its function. One server for the module, started
with the runtime's Python packages (GUST_PYTHON_PACKAGES, else the directory this test's own
boto3 comes from)."""

import os
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, ROLE, SECRET_KEY, GustServer, lambda_client_for, make_zip, invoke_json

PACKAGES = os.environ.get("GUST_PYTHON_PACKAGES") or str(Path(boto3.__file__).resolve().parents[1])

SQS_APP = """
import os
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")  # no endpoint, no keys: all from the environment, as on Lambda
    url = sqs.create_queue(QueueName=event["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=event["body"])
    return {"url": url, "endpoint": os.environ.get("AWS_ENDPOINT_URL"), "key": os.environ["AWS_ACCESS_KEY_ID"],
            "boto3": boto3.__file__}
"""

KEY_APP = """
import os

def handler(event, context):
    return {name: os.environ.get(name) for name in
            ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
"""

BUNDLED_APP = """
import boto3

def handler(event, context):
    return {"version": boto3.__version__, "file": boto3.__file__}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-creds"), extra_args=["--python-packages", PACKAGES])
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def lam(server):
    return lambda_client_for(server.endpoint)


@pytest.fixture
def function(lam):
    made = []

    def create(name, source, **extra):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": make_zip(source if isinstance(source, dict) else {"app.py": source})},
                            Timeout=30, MemorySize=256, **extra)
        made.append(name)
        return name

    yield create
    for name in made:
        try:
            lam.delete_function(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass


def sqs_client(endpoint, key=ACCESS_KEY, secret=SECRET_KEY, token=None):
    return boto3.client("sqs", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 0}, read_timeout=30, connect_timeout=5))


def test_handler_sends_to_sqs_with_no_endpoint_or_key_in_its_code(server, lam, function, unique):
    name = function(unique("sqs-caller"), SQS_APP)
    queue = unique("from-function")
    response, result = invoke_json(lam, name, {"queue": queue, "body": "hello from a function"})
    assert "FunctionError" not in response, result
    assert result["key"].startswith("ASIA") and len(result["key"]) == 20
    assert result["key"] != ACCESS_KEY
    # A name the sandbox's hosts file gives the loopback address (so S3 can be virtual-host addressed).
    assert result["endpoint"].startswith("http://gust.internal:")
    assert result["boto3"].startswith(PACKAGES), "boto3 comes from the runtime's packages"

    # The message is really there, read with the root key from outside.
    sqs = sqs_client(server.endpoint)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    assert [m["Body"] for m in messages] == ["hello from a function"]

    # The audit trail names the function as the caller of each change.
    deadline = time.time() + 5
    wanted = [f"principal=function:{name}", "action=CreateQueue"]
    while time.time() < deadline and not any(all(w in line for w in wanted) for line in server.lines):
        time.sleep(0.1)
    audit = [line for line in server.lines if "aws call" in line and f"principal=function:{name}" in line]
    assert any("action=CreateQueue" in line for line in audit), server.output()
    assert any("action=SendMessage" in line for line in audit), server.output()


def test_function_key_needs_its_token_and_dies_with_the_function(server, lam, function, unique):
    name = function(unique("key-holder"), KEY_APP)
    response, env = invoke_json(lam, name, {})
    assert "FunctionError" not in response, env
    key, secret, token = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]
    assert key.startswith("ASIA") and secret and token

    # Usable from anywhere while the function exists, with its session token only.
    sqs_client(server.endpoint, key, secret, token).list_queues()
    for wrong in (None, token + "x"):
        with pytest.raises(ClientError) as refused:
            sqs_client(server.endpoint, key, secret, wrong).list_queues()
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    # A second instance (or a new version) gets the same key: it belongs to the function.
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"CHANGED": "1"}})
    time.sleep(0.5)
    assert invoke_json(lam, name, {})[1]["AWS_ACCESS_KEY_ID"] == key

    # Deleted: the key is refused at once, on the Lambda API as well as on SQS.
    lam.delete_function(FunctionName=name)
    with pytest.raises(ClientError) as refused:
        sqs_client(server.endpoint, key, secret, token).list_queues()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert refused.value.response["Error"]["Code"] in ("UnrecognizedClientException", "InvalidClientTokenId")
    revoked_lambda = boto3.client("lambda", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=key,
                                  aws_secret_access_key=secret, aws_session_token=token,
                                  config=Config(retries={"max_attempts": 0}))
    with pytest.raises(ClientError) as refused:
        revoked_lambda.list_functions()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_function_key_survives_a_restart(tmp_path, unique):
    server = GustServer(tmp_path / "data", extra_args=["--python-packages", PACKAGES]).start()
    try:
        lam = lambda_client_for(server.endpoint)
        name = unique("restart")
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": make_zip({"app.py": KEY_APP})}, Timeout=30)
        before = invoke_json(lam, name, {})[1]
        server.stop()
        server.start()
        after = invoke_json(lambda_client_for(server.endpoint), name, {})[1]
        assert after["AWS_ACCESS_KEY_ID"] == before["AWS_ACCESS_KEY_ID"]
        assert after["AWS_SESSION_TOKEN"] == before["AWS_SESSION_TOKEN"]
        sqs_client(server.endpoint, after["AWS_ACCESS_KEY_ID"], after["AWS_SECRET_ACCESS_KEY"],
                   after["AWS_SESSION_TOKEN"]).list_queues()
    finally:
        server.stop()


def test_bundled_boto3_wins_over_the_runtime_package(lam, function, unique):
    name = function(unique("bundled"), {
        "app.py": BUNDLED_APP,
        "boto3/__init__.py": "__version__ = 'bundled-by-the-function'\n",
    })
    response, result = invoke_json(lam, name, {})
    assert "FunctionError" not in response, result
    assert result["version"] == "bundled-by-the-function"
    assert not result["file"].startswith(PACKAGES)
