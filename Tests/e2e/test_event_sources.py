"""Event sources end to end with real boto3 and awscli: SQS event source mappings (the API, batches
delivered exactly once, partial batch failures, redrive, disable/enable, resuming after kill -9)
and the async path's policy (FunctionEventInvokeConfig, OnSuccess/OnFailure destinations in
Lambda's record shape, DeadLetterConfig)."""

import json
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, ROLE, SECRET_KEY, GustServer, lambda_client_for, make_zip, signed

ACCOUNT = "000000000000"

# A handler as written for Lambda's SQS trigger: it reports the bodies starting with "bad" as
# batch item failures and prints what it saw, one JSON line per record.
SQS_HANDLER = """
import json

def handler(event, context):
    failures = []
    for record in event["Records"]:
        print("SEEN " + json.dumps({
            "id": record["messageId"], "body": record["body"], "batch": len(event["Records"]),
            "count": int(record["attributes"]["ApproximateReceiveCount"]), "source": record["eventSource"],
            "arn": record["eventSourceARN"], "region": record["awsRegion"], "md5": record["md5OfBody"],
            "attrs": record["messageAttributes"], "receipt": bool(record["receiptHandle"]),
        }))
        if record["body"].startswith("bad"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

# Fails its first attempt at every batch (the whole batch comes back), succeeds after.
FLAKY_HANDLER = """
import json

def handler(event, context):
    for record in event["Records"]:
        print("SEEN " + json.dumps({"id": record["messageId"], "body": record["body"],
                                     "count": int(record["attributes"]["ApproximateReceiveCount"])}))
    if any(int(r["attributes"]["ApproximateReceiveCount"]) == 1 for r in event["Records"]):
        raise RuntimeError("first try fails")
    return "ok"
"""

FAILING_HANDLER = """
def handler(event, context):
    print("ATTEMPT", event.get("n"))
    raise ValueError("cannot handle " + str(event.get("n")))
"""

OK_HANDLER = """
import json

def handler(event, context):
    print("GOT " + json.dumps(event))
    return {"doubled": event.get("n", 0) * 2}
"""


def sqs_client(endpoint):
    return boto3.client(
        "sqs", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, config=Config(retries={"max_attempts": 0}, read_timeout=40))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-events"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def sqs(server):
    return sqs_client(server.endpoint)


@pytest.fixture(scope="module")
def lam(server):
    return lambda_client_for(server.endpoint)


@pytest.fixture
def name():
    return f"ev-{uuid.uuid4().hex[:8]}"


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def make_function(lam, name, source, timeout=10):
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": source})}, Timeout=timeout)


def logs(endpoint, function):
    response = signed("GET", endpoint, f"/gust/v1/functions/{function}/logs", params={"limit": "1000"})
    assert response.status_code == 200, response.text
    return response.json()["Logs"]


def seen(endpoint, function, marker="SEEN "):
    return [json.loads(line.split(marker, 1)[1]) for line in logs(endpoint, function).splitlines() if marker in line]


def wait_until(predicate, timeout=30, interval=0.2, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"{what} not reached within {timeout}s")


def depth(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) \
        + int(attributes["ApproximateNumberOfMessagesDelayed"])


def send_bodies(sqs, url, bodies):
    for start in range(0, len(bodies), 10):
        chunk = bodies[start:start + 10]
        answer = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)])
        assert not answer.get("Failed"), answer


# MARK: the mapping API


def test_mapping_api_with_lambdas_errors(server, lam, sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    make_function(lam, name, SQS_HANDLER)
    try:
        created = lam.create_event_source_mapping(
            EventSourceArn=queue_arn(name), FunctionName=name, BatchSize=5, Enabled=False,
            FunctionResponseTypes=["ReportBatchItemFailures"], ScalingConfig={"MaximumConcurrency": 3})
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert created["State"] == "Creating"
        assert created["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        assert created["EventSourceArn"] == queue_arn(name)
        assert created["BatchSize"] == 5 and created["MaximumBatchingWindowInSeconds"] == 0
        assert created["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert created["ScalingConfig"] == {"MaximumConcurrency": 3}
        uuid_ = created["UUID"]
        assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{uuid_}")

        got = lam.get_event_source_mapping(UUID=uuid_)
        assert got["State"] == "Disabled" and got["BatchSize"] == 5

        listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        assert [m["UUID"] for m in listed] == [uuid_]
        assert lam.list_event_source_mappings(EventSourceArn=queue_arn(name))["EventSourceMappings"][0]["UUID"] == uuid_
        assert lam.list_event_source_mappings(FunctionName=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")["EventSourceMappings"]

        updated = lam.update_event_source_mapping(UUID=uuid_, BatchSize=20, MaximumBatchingWindowInSeconds=1, Enabled=True)
        assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert updated["BatchSize"] == 20 and updated["MaximumBatchingWindowInSeconds"] == 1
        assert lam.get_event_source_mapping(UUID=uuid_)["State"] == "Enabled"

        def code(call):
            with pytest.raises(ClientError) as excinfo:
                call()
            return excinfo.value.response["Error"]["Code"]

        # One mapping per function and queue.
        assert code(lambda: lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=name)) \
            == "ResourceConflictException"
        assert code(lambda: lam.update_event_source_mapping(UUID=uuid_, BatchSize=20, MaximumBatchingWindowInSeconds=0)) \
            == "InvalidParameterValueException"
        assert code(lambda: lam.update_event_source_mapping(UUID=uuid_, BatchSize=10001)) == "InvalidParameterValueException"
        assert code(lambda: lam.update_event_source_mapping(UUID=uuid_, FunctionResponseTypes=["Nope"])) \
            in ("InvalidParameterValueException", "ValidationException")
        # Limits botocore checks itself reach the server from other clients: sent raw.
        raw = signed("PUT", server.endpoint, f"/2015-03-31/event-source-mappings/{uuid_}",
                     body={"ScalingConfig": {"MaximumConcurrency": 1}})
        assert raw.status_code == 400 and raw.json()["__type"] == "InvalidParameterValueException", raw.text
        assert code(lambda: lam.create_event_source_mapping(EventSourceArn=queue_arn("no-such-queue"), FunctionName=name)) \
            == "InvalidParameterValueException"
        assert code(lambda: lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName="no-such-fn")) \
            == "ResourceNotFoundException"
        assert code(lambda: lam.get_event_source_mapping(UUID=str(uuid.uuid4()))) == "ResourceNotFoundException"

        deleted = lam.delete_event_source_mapping(UUID=uuid_)
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202 and deleted["State"] == "Deleting"
        assert code(lambda: lam.get_event_source_mapping(UUID=uuid_)) == "ResourceNotFoundException"
        assert lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []
    finally:
        lam.delete_function(FunctionName=name)
        sqs.delete_queue(QueueUrl=url)


def test_mapping_with_awscli_and_tags(endpoint, aws, name):
    """awscli against the session's server (where the `aws` fixture points)."""
    sqs_client(endpoint).create_queue(QueueName=name)
    session_lambda = lambda_client_for(endpoint)
    make_function(session_lambda, name, SQS_HANDLER)
    created = aws("create-event-source-mapping", "--function-name", name, "--event-source-arn", queue_arn(name),
                  "--batch-size", "3", "--tags", "gust:deploy=demo")
    assert created["BatchSize"] == 3
    tags = aws("list-tags", "--resource", created["EventSourceMappingArn"])
    assert tags["Tags"] == {"gust:deploy": "demo"}
    listed = aws("list-event-source-mappings", "--function-name", name)
    assert [m["UUID"] for m in listed["EventSourceMappings"]] == [created["UUID"]]
    aws("delete-event-source-mapping", "--uuid", created["UUID"])
    session_lambda.delete_function(FunctionName=name)


# MARK: delivery


def test_twelve_messages_arrive_in_batches_exactly_once(server, lam, sqs, name):
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    make_function(lam, name, SQS_HANDLER)
    bodies = [f"message {i}" for i in range(12)]
    send_bodies(sqs, url, bodies)
    sqs.send_message(QueueUrl=url, MessageBody="with attributes",
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "demo"}})
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=name, BatchSize=10)
    try:
        wait_until(lambda: len(seen(server.endpoint, name)) >= 13 and depth(sqs, url) == 0, what="all 13 delivered and deleted")
        time.sleep(1.5)  # anything delivered twice would show by now
        records = seen(server.endpoint, name)
        assert sorted(r["body"] for r in records) == sorted(bodies + ["with attributes"])
        assert len({r["id"] for r in records}) == 13
        assert all(r["count"] == 1 for r in records)
        assert max(r["batch"] for r in records) > 1, "messages were delivered one by one, not in batches"
        assert all(r["batch"] <= 10 for r in records)
        first = records[0]
        assert first["source"] == "aws:sqs" and first["arn"] == queue_arn(name) and first["region"] == REGION
        assert first["receipt"]
        attributed = next(r for r in records if r["body"] == "with attributes")
        assert attributed["attrs"] == {"kind": {"stringValue": "demo", "stringListValues": [], "binaryListValues": [],
                                                "dataType": "String"}}
        # The invocation records name the source.
        invocations = signed("GET", server.endpoint, f"/gust/v1/functions/{name}/invocations").json()["Invocations"]
        assert invocations and all(record.get("Source") == "sqs" for record in invocations), invocations[:1]
    finally:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
        lam.delete_function(FunctionName=name)


def test_partial_batch_failures_redeliver_only_the_failed_ones_then_redrive(server, lam, sqs, name):
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(name + "-dlq"), "maxReceiveCount": "2"}),
    })["QueueUrl"]
    make_function(lam, name, SQS_HANDLER)
    good = [f"good {i}" for i in range(6)]
    bad = ["bad a", "bad b"]
    send_bodies(sqs, url, good + bad)
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=name, BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    try:
        def dead():
            return int(sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
                       ["Attributes"]["ApproximateNumberOfMessages"])
        wait_until(lambda: dead() == 2 and depth(sqs, url) == 0, timeout=40, what="the failed messages in the DLQ")
        records = seen(server.endpoint, name)
        for body in good:
            assert [r["body"] for r in records].count(body) == 1, f"{body} delivered other than once"
        for body in bad:
            counts = sorted(r["count"] for r in records if r["body"] == body)
            assert counts == [1, 2], f"{body}: receive counts {counts}"
        moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in moved) == bad
    finally:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
        lam.delete_function(FunctionName=name)


def test_a_failed_batch_comes_back_whole_and_a_disabled_mapping_delivers_nothing(server, lam, sqs, name):
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    make_function(lam, name, FLAKY_HANDLER)
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=name, BatchSize=10,
                                              Enabled=False)
    try:
        send_bodies(sqs, url, ["one", "two", "three"])
        time.sleep(1.5)
        assert seen(server.endpoint, name) == []
        assert depth(sqs, url) == 3
        lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
        wait_until(lambda: depth(sqs, url) == 0, timeout=30, what="the batch deleted after its retry")
        records = seen(server.endpoint, name)
        for body in ["one", "two", "three"]:
            counts = sorted(r["count"] for r in records if r["body"] == body)
            assert counts[0] == 1 and counts[-1] >= 2, f"{body}: {counts}"
    finally:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
        lam.delete_function(FunctionName=name)


def test_a_batching_window_gathers_a_larger_batch(server, lam, sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    make_function(lam, name, SQS_HANDLER)
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=name, BatchSize=25,
                                              MaximumBatchingWindowInSeconds=2)
    try:
        time.sleep(0.5)
        send_bodies(sqs, url, [f"w{i}" for i in range(25)])
        wait_until(lambda: len(seen(server.endpoint, name)) >= 25, what="25 delivered")
        records = seen(server.endpoint, name)
        assert max(r["batch"] for r in records) > 10, "the window did not gather more than one receive's worth"
    finally:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
        lam.delete_function(FunctionName=name)


# MARK: the async path's policy


def test_event_invoke_config_api(server, lam, sqs, name):
    make_function(lam, name, OK_HANDLER)
    sqs.create_queue(QueueName=name)
    try:
        put = lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120,
            DestinationConfig={"OnFailure": {"Destination": queue_arn(name)}})
        assert put["MaximumRetryAttempts"] == 1 and put["MaximumEventAgeInSeconds"] == 120
        assert put["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn(name)}}
        assert put["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST"
        got = lam.get_function_event_invoke_config(FunctionName=name)
        assert got["MaximumRetryAttempts"] == 1
        updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        assert updated["MaximumRetryAttempts"] == 0 and updated["MaximumEventAgeInSeconds"] == 120
        assert updated["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn(name)
        listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
        assert len(listed) == 1

        for bad in [{"MaximumRetryAttempts": 3}, {"MaximumEventAgeInSeconds": 30},
                    {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:topic"}}}]:
            raw = signed("PUT", server.endpoint, f"/2019-09-25/functions/{name}/event-invoke-config", body=bad)
            assert raw.status_code == 400 and raw.json()["__type"] == "InvalidParameterValueException", raw.text

        lam.delete_function_event_invoke_config(FunctionName=name)
        with pytest.raises(ClientError) as excinfo:
            lam.get_function_event_invoke_config(FunctionName=name)
        assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
        with pytest.raises(ClientError) as excinfo:
            lam.put_function_event_invoke_config(FunctionName="no-such-fn", MaximumRetryAttempts=0)
        assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    finally:
        lam.delete_function(FunctionName=name)


def test_a_failing_event_is_tried_1_plus_retries_times_then_lands_in_on_failure(server, lam, sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    make_function(lam, name, FAILING_HANDLER)
    try:
        lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": queue_arn(name)}})
        answer = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 7}).encode())
        assert answer["StatusCode"] == 202
        messages = wait_until(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"),
                              timeout=40, what="the OnFailure record")
        record = json.loads(messages[0]["Body"])
        assert record["version"] == "1.0"
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 2
        assert record["requestContext"]["requestId"] == answer["ResponseMetadata"]["RequestId"]
        assert record["requestContext"]["functionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST"
        assert record["requestPayload"] == {"n": 7}
        assert record["responseContext"]["functionError"] == "Unhandled"
        assert record["responseContext"]["statusCode"] == 200
        assert record["responseContext"]["executedVersion"] == "$LATEST"
        assert record["responsePayload"]["errorMessage"] == "cannot handle 7"
        assert "timestamp" in record
        attempts = [line for line in logs(server.endpoint, name).splitlines() if "ATTEMPT 7" in line]
        assert len(attempts) == 2
    finally:
        lam.delete_function(FunctionName=name)


def test_success_goes_to_a_function_destination_and_failures_to_the_dead_letter_queue(server, lam, sqs, name):
    target = name + "-target"
    make_function(lam, name, OK_HANDLER)
    make_function(lam, target, OK_HANDLER)
    dlq_name = name + "-dlq"
    dlq = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    failing = name + "-failing"
    lam.create_function(FunctionName=failing, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": FAILING_HANDLER})},
                        DeadLetterConfig={"TargetArn": queue_arn(dlq_name)})
    try:
        assert lam.get_function_configuration(FunctionName=failing)["DeadLetterConfig"] == {"TargetArn": queue_arn(dlq_name)}
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{target}"}})
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 21}).encode())
        got = wait_until(lambda: [line for line in logs(server.endpoint, target).splitlines() if "GOT " in line],
                         what="the OnSuccess record at the target function")
        record = json.loads(got[0].split("GOT ", 1)[1])
        assert record["requestContext"]["condition"] == "Success"
        assert record["requestContext"]["approximateInvokeCount"] == 1
        assert record["requestPayload"] == {"n": 21}
        assert record["responsePayload"] == {"doubled": 42}
        assert "functionError" not in record["responseContext"]

        lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=0)
        sent = lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"n": 5}).encode())
        messages = wait_until(lambda: sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages"),
                              timeout=30, what="the dead letter")
        assert json.loads(messages[0]["Body"]) == {"n": 5}
        attributes = messages[0]["MessageAttributes"]
        assert attributes["RequestID"]["StringValue"] == sent["ResponseMetadata"]["RequestId"]
        assert attributes["ErrorMessage"]["StringValue"] == "cannot handle 5"

        lam.update_function_configuration(FunctionName=failing, DeadLetterConfig={})
        assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=failing)
    finally:
        for function in (name, target, failing):
            lam.delete_function(FunctionName=function)


# MARK: durability


def test_mappings_resume_after_kill_9(tmp_path):
    server = GustServer(tmp_path / "data").start()
    try:
        sqs, lam = sqs_client(server.endpoint), lambda_client_for(server.endpoint)
        name = f"ev-{uuid.uuid4().hex[:8]}"
        url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
        make_function(lam, name, SQS_HANDLER)
        mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn(name), FunctionName=name, BatchSize=5)
        send_bodies(sqs, url, ["before 1", "before 2"])
        wait_until(lambda: len(seen(server.endpoint, name)) >= 2, what="delivery before the kill")
        server.kill()
        server._reap_group()
        server.start()
        sqs, lam = sqs_client(server.endpoint), lambda_client_for(server.endpoint)
        assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
        send_bodies(sqs, url, [f"after {i}" for i in range(7)])
        wait_until(lambda: sum(1 for r in seen(server.endpoint, name) if r["body"].startswith("after")) >= 7
                   and depth(sqs, url) == 0, what="delivery after the restart")
        bodies = [r["body"] for r in seen(server.endpoint, name) if r["body"].startswith("after")]
        assert sorted(set(bodies)) == sorted(f"after {i}" for i in range(7))
    finally:
        server.stop()
