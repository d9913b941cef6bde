"""examples/log-cleaning (scenario 3): `gust deploy` makes its queues, installs its requirements and
maps raw-logs to the clean-logs function; raw lines sent with boto3 come out as JSON records on
clean-logs, and an unparseable one ends in raw-logs-dlq. Then what a re-deploy does to event source
mappings and async settings. One server for the module."""

import base64
import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import ACCESS_KEY, GUST_BIN, REGION, REPO, SECRET_KEY, GustServer, lambda_client_for

APP = REPO / "examples/log-cleaning"
ACCOUNT = "000000000000"


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-log-cleaning"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def gust(server):
    """gust('deploy', path) -> CompletedProcess, against the module's server."""
    env = dict(os.environ, GUST_ACCESS_KEY=ACCESS_KEY, GUST_SECRET_KEY=SECRET_KEY)

    def run(*args):
        return subprocess.run([GUST_BIN, *args, "--endpoint", server.endpoint], env=env, capture_output=True,
                              text=True, timeout=600, cwd=REPO)

    return run


@pytest.fixture(scope="module")
def sqs(server):
    return boto3.client(
        "sqs", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 0}, read_timeout=40, connect_timeout=5))


@pytest.fixture(scope="module")
def lam(server):
    return lambda_client_for(server.endpoint)


@pytest.fixture(scope="module")
def deployed(gust):
    result = gust("deploy", str(APP))
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def url(sqs, name):
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


def receive_all(sqs, name, count, timeout):
    """Receives (and deletes) messages from `name` until `count` arrived or `timeout` passed."""
    bodies, deadline = [], time.time() + timeout
    while len(bodies) < count and time.time() < deadline:
        answer = sqs.receive_message(QueueUrl=url(sqs, name), MaxNumberOfMessages=10, WaitTimeSeconds=2)
        for message in answer.get("Messages", []):
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url(sqs, name), ReceiptHandle=message["ReceiptHandle"])
    return bodies


def our_mappings(lam):
    return lam.list_event_source_mappings(FunctionName="clean-logs")["EventSourceMappings"]


def uploaded_zip(server, lam, name):
    """The function's code as deploy uploaded it, from the server's content-addressed code store."""
    digest = base64.b64decode(lam.get_function_configuration(FunctionName=name)["CodeSha256"]).hex()
    return (Path(server.data_dir) / "code" / f"{digest}.zip").read_bytes()


def test_deploy_makes_queues_mapping_and_package(deployed, server, sqs, lam):
    assert "queue raw-logs-dlq: created" in deployed or "queue raw-logs-dlq: exists" in deployed
    assert "clean-logs: installing requirements" in deployed or "requirements unchanged, from the cache" in deployed

    attributes = sqs.get_queue_attributes(QueueUrl=url(sqs, "raw-logs"), AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "3"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn("raw-logs-dlq"), "maxReceiveCount": 2}
    assert url(sqs, "clean-logs").endswith("/clean-logs")

    configuration = lam.get_function_configuration(FunctionName="clean-logs")
    assert configuration["Environment"]["Variables"]["CLEAN_QUEUE"] == "clean-logs"
    package = zipfile.ZipFile(io.BytesIO(uploaded_zip(server, lam, "clean-logs")))
    assert "dateutil/parser/isoparser.py" in package.namelist(), "requirements.txt is installed into the package"
    assert not [name for name in package.namelist() if name.startswith(".gust")]

    [mapping] = our_mappings(lam)
    assert mapping["EventSourceArn"] == queue_arn("raw-logs")
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert lam.list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"] == {"gust:deploy": "log-cleaning"}


def test_gust_queues_lists_the_apps_queues(deployed, gust):
    listed = gust("queues", "--json")
    assert listed.returncode == 0, listed.stderr
    names = {queue["QueueName"] for queue in json.loads(listed.stdout)["Queues"]}
    assert {"raw-logs", "raw-logs-dlq", "clean-logs"} <= names


def test_lines_are_cleaned_and_bad_ones_dead_lettered(deployed, sqs, gust):
    raw = url(sqs, "raw-logs")
    sent = sqs.send_message(QueueUrl=raw, MessageBody=(
        '2025-03-14T09:26:53.589+01:00 WARN payments card declined order=8812 amount=19.99 reason="card expired"'))
    sqs.send_message(QueueUrl=raw, MessageBody=(
        "2025-03-14 08:00:00 info api GET /items/7 status=200 ms=12.5\n"
        "2025-03-14T08:00:01Z ERROR db.pool connection lost\n"))
    bad = sqs.send_message(QueueUrl=raw, MessageBody="this is not a log line")

    bodies = receive_all(sqs, "clean-logs", 3, timeout=60)
    if len(bodies) < 3:
        logs = gust("logs", "clean-logs").stdout[-3000:]
        pytest.fail(f"clean-logs got {len(bodies)} of 3 records. The function's logs:\n{logs}")
    records = sorted((json.loads(body) for body in bodies), key=lambda record: record["timestamp"])
    assert records[0] == {
        "timestamp": "2025-03-14T08:00:00.000Z", "level": "info", "service": "api", "message": "GET /items/7",
        "fields": {"status": 200, "ms": 12.5}, "source": records[0]["source"]}
    assert records[1]["level"] == "error" and records[1]["message"] == "connection lost"
    assert records[2] == {
        "timestamp": "2025-03-14T08:26:53.589Z", "level": "warn", "service": "payments", "message": "card declined",
        "fields": {"order": 8812, "amount": 19.99, "reason": "card expired"},
        "source": {"queue": "raw-logs", "messageId": sent["MessageId"]}}

    # Reported as a batch item failure on each receive, then moved after maxReceiveCount (2).
    dead = []
    deadline = time.time() + 60
    while not dead and time.time() < deadline:
        dead = sqs.receive_message(QueueUrl=url(sqs, "raw-logs-dlq"), WaitTimeSeconds=2,
                                   AttributeNames=["All"]).get("Messages", [])
    assert [message["MessageId"] for message in dead] == [bad["MessageId"]]
    assert dead[0]["Body"] == "this is not a log line"
    sqs.delete_message(QueueUrl=url(sqs, "raw-logs-dlq"), ReceiptHandle=dead[0]["ReceiptHandle"])
    assert receive_all(sqs, "clean-logs", 1, timeout=3) == [], "nothing of the bad message was cleaned"


def test_redeploy_keeps_hand_made_mappings_and_follows_the_file(deployed, gust, sqs, lam, tmp_path):
    # A mapping made by hand (no gust:deploy tag) on another queue, as awscli would make it.
    extra = sqs.create_queue(QueueName="extra-logs")["QueueUrl"]
    by_hand = lam.create_event_source_mapping(FunctionName="clean-logs", EventSourceArn=queue_arn("extra-logs"),
                                              BatchSize=1)["UUID"]
    try:
        again = gust("deploy", str(APP))
        assert again.returncode == 0, again.stderr + again.stdout
        assert "requirements unchanged, from the cache" in again.stdout
        assert "mapping" in again.stdout and "unchanged" in again.stdout
        assert sorted(m["EventSourceArn"] for m in our_mappings(lam)) == [queue_arn("extra-logs"), queue_arn("raw-logs")]

        # The same app without its sqs event, and with async settings: ours goes, the hand-made stays.
        copy = tmp_path / "log-cleaning"
        shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = (copy / "gust.yaml").read_text()
        events = manifest.index("    events:")
        (copy / "gust.yaml").write_text(
            manifest[:events] + "    async: {retries: 0, maxEventAge: 60, onFailure: raw-logs-dlq}\n")
        changed = gust("deploy", str(copy))
        assert changed.returncode == 0, changed.stderr + changed.stdout
        assert "deleted (gone from the manifest)" in changed.stdout
        assert [m["UUID"] for m in our_mappings(lam)] == [by_hand]
        config = lam.get_function_event_invoke_config(FunctionName="clean-logs")
        assert config["MaximumRetryAttempts"] == 0
        assert config["MaximumEventAgeInSeconds"] == 60
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn("raw-logs-dlq")

        # Back to the example: the mapping returns, the async settings go.
        restored = gust("deploy", str(APP))
        assert restored.returncode == 0, restored.stderr + restored.stdout
        assert "clean-logs: async settings removed" in restored.stdout
        assert sorted(m["EventSourceArn"] for m in our_mappings(lam)) == [queue_arn("extra-logs"), queue_arn("raw-logs")]
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_function_event_invoke_config(FunctionName="clean-logs")
    finally:
        lam.delete_event_source_mapping(UUID=by_hand)
        sqs.delete_queue(QueueUrl=extra)
