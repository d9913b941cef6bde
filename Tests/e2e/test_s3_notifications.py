"""Bucket notifications end to end with real boto3: the configuration API and its validation,
records in S3's shape delivered to SQS queues and (through the async path, with its retries and
destinations) to functions, prefix/suffix filters, and delivery that survives kill -9 during
parallel uploads."""

import hashlib
import json
import os
import threading
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, ROLE, SECRET_KEY, GustServer, make_zip, signed

ACCOUNT = "000000000000"

# Prints each record it gets; raises for keys containing "bad".
RECORDING_HANDLER = """
import json

def handler(event, context):
    for record in event["Records"]:
        print("SEEN " + json.dumps(record))
        if "bad" in record["s3"]["object"]["key"]:
            raise ValueError("cannot process " + record["s3"]["object"]["key"])
    return "ok"
"""


def clients(endpoint):
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}, signature_version="s3v4", read_timeout=40)
    kwargs = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    return boto3.client("s3", config=config, **kwargs), boto3.client("sqs", config=config, **kwargs), \
        boto3.client("lambda", config=config, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-s3-events"))
    yield server.start()
    server.stop()


@pytest.fixture
def name():
    return "n" + uuid.uuid4().hex[:10]


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def error_of(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo.value.response["Error"]["Code"]


def drain(sqs, url, expect, timeout=15):
    """Receives (and deletes) messages until `expect` records arrived or the time is up."""
    records = []
    deadline = time.time() + timeout
    while len(records) < expect and time.time() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            records += json.loads(message["Body"])["Records"]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return records


def logs(endpoint, function):
    response = signed("GET", endpoint, f"/gust/v1/functions/{function}/logs", params={"limit": "1000"})
    assert response.status_code == 200, response.text
    return response.json()["Logs"]


def wait_until(predicate, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} not reached within {timeout}s")


def test_queue_notifications_have_s3_record_shape(server, name):
    s3, sqs, _ = clients(server.endpoint)
    created = sqs.create_queue(QueueName=name + "-created")["QueueUrl"]
    removed = sqs.create_queue(QueueName=name + "-removed")["QueueUrl"]
    s3.create_bucket(Bucket=name)
    configuration = {"QueueConfigurations": [
        {"Id": "images", "QueueArn": queue_arn(name + "-created"), "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}, {"Name": "suffix", "Value": ".jpg"}]}}},
        {"Id": "removals", "QueueArn": queue_arn(name + "-removed"), "Events": ["s3:ObjectRemoved:*"]},
    ]}
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=configuration)
    got = s3.get_bucket_notification_configuration(Bucket=name)
    assert [c["Id"] for c in got["QueueConfigurations"]] == ["images", "removals"]
    assert got["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"] == \
        [{"Name": "prefix", "Value": "uploads/"}, {"Name": "suffix", "Value": ".jpg"}]

    key = "uploads/my cat (1)+ü.jpg"
    put = s3.put_object(Bucket=name, Key=key, Body=b"first")
    s3.put_object(Bucket=name, Key="uploads/skipped.png", Body=b"png")  # suffix does not match
    s3.put_object(Bucket=name, Key="elsewhere/x.jpg", Body=b"jpg")      # prefix does not match
    s3.put_object(Bucket=name, Key=key, Body=b"second version")
    s3.copy_object(Bucket=name, Key="uploads/copy.jpg", CopySource={"Bucket": name, "Key": key})
    upload = s3.create_multipart_upload(Bucket=name, Key="uploads/multi.jpg")["UploadId"]
    part = s3.upload_part(Bucket=name, Key="uploads/multi.jpg", UploadId=upload, PartNumber=1, Body=b"parts")
    s3.complete_multipart_upload(Bucket=name, Key="uploads/multi.jpg", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    records = drain(sqs, created, expect=4)
    assert [r["eventName"] for r in records] == \
        ["ObjectCreated:Put", "ObjectCreated:Put", "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload"]
    first = records[0]
    assert first["eventVersion"] == "2.1" and first["eventSource"] == "aws:s3" and first["awsRegion"] == REGION
    assert first["s3"]["configurationId"] == "images" and first["s3"]["s3SchemaVersion"] == "1.0"
    assert first["s3"]["bucket"] == {"name": name, "ownerIdentity": {"principalId": first["s3"]["bucket"]["ownerIdentity"]["principalId"]},
                                     "arn": f"arn:aws:s3:::{name}"}
    assert first["s3"]["object"]["key"] == "uploads/my+cat+%281%29%2B%C3%BC.jpg"
    assert first["s3"]["object"]["size"] == 5 and first["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert "x-amz-request-id" in first["responseElements"] and first["eventTime"].endswith("Z")
    # The sequencer grows with each write of a key (hex strings of one length compare as numbers).
    assert records[1]["s3"]["object"]["sequencer"] > first["s3"]["object"]["sequencer"]
    assert records[1]["s3"]["object"]["size"] == len(b"second version")
    assert drain(sqs, created, expect=1, timeout=2) == []

    s3.delete_object(Bucket=name, Key="elsewhere/x.jpg")
    s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": key}, {"Key": "never-existed"}]})
    removals = drain(sqs, removed, expect=2)
    assert sorted(r["s3"]["object"]["key"] for r in removals) == ["elsewhere/x.jpg", "uploads/my+cat+%281%29%2B%C3%BC.jpg"]
    assert {r["eventName"] for r in removals} == {"ObjectRemoved:Delete"}
    assert "size" not in removals[0]["s3"]["object"] and removals[0]["s3"]["object"]["sequencer"]

    # An empty configuration turns notifications off.
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={})
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=name)
    s3.put_object(Bucket=name, Key="uploads/quiet.jpg", Body=b"x")
    assert drain(sqs, created, expect=1, timeout=2) == []


def test_bad_configurations_are_refused(server, name):
    s3, sqs, _ = clients(server.endpoint)
    s3.create_bucket(Bucket=name)
    sqs.create_queue(QueueName=name)

    def put(configuration):
        return error_of(lambda: s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=configuration))

    assert put({"QueueConfigurations": [{"QueueArn": queue_arn("no-such-queue"), "Events": ["s3:ObjectCreated:*"]}]}) == "InvalidArgument"
    assert put({"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:no-such-function", "Events": ["s3:ObjectCreated:*"]}]}) \
        == "InvalidArgument"
    assert put({"QueueConfigurations": [{"QueueArn": queue_arn(name), "Events": ["s3:NoSuchEvent"]}]}) == "InvalidArgument"
    assert put({"TopicConfigurations": [{"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:t", "Events": ["s3:ObjectCreated:*"]}]}) \
        == "InvalidArgument"
    assert put({"QueueConfigurations": [{"QueueArn": queue_arn(name), "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {
        "FilterRules": [{"Name": "prefix", "Value": "a"}, {"Name": "prefix", "Value": "b"}]}}}]}) == "InvalidArgument"
    assert error_of(lambda: s3.get_bucket_notification_configuration(Bucket=name + "-missing")) == "NoSuchBucket"
    # Nothing was stored by the refusals.
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=name)


def test_function_notifications_go_through_the_async_path(server, name):
    s3, sqs, lam = clients(server.endpoint)
    failures = sqs.create_queue(QueueName=name + "-failures")["QueueUrl"]
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": RECORDING_HANDLER})}, Timeout=10)
    try:
        lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue_arn(name + "-failures")}})
        s3.create_bucket(Bucket=name)
        s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"Id": "to-function", "LambdaFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
             "Events": ["s3:ObjectCreated:Put"]}]})
        assert s3.get_bucket_notification_configuration(Bucket=name)["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] \
            .endswith(f":function:{name}")
        s3.put_object(Bucket=name, Key="good/one.txt", Body=b"hello")
        s3.put_object(Bucket=name, Key="bad/two.txt", Body=b"broken")
        seen = wait_until(lambda: [json.loads(line.split("SEEN ", 1)[1]) for line in logs(server.endpoint, name).splitlines()
                                   if "SEEN " in line] or None, what="the function's records")
        assert seen[0]["s3"]["object"]["key"] in ("good/one.txt", "bad/two.txt")
        messages = wait_until(lambda: sqs.receive_message(QueueUrl=failures, WaitTimeSeconds=1).get("Messages"),
                              what="the failed event at the OnFailure destination")
        destination = json.loads(messages[0]["Body"])
        assert destination["requestContext"]["condition"] == "RetriesExhausted"
        assert destination["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "bad/two.txt"
        keys = wait_until(lambda: {r["s3"]["object"]["key"] for line in logs(server.endpoint, name).splitlines() if "SEEN " in line
                                   for r in [json.loads(line.split("SEEN ", 1)[1])]} >= {"good/one.txt", "bad/two.txt"},
                          what="both records at the function")
        assert keys
    finally:
        lam.delete_function(FunctionName=name)


def test_kill_9_during_parallel_uploads_loses_no_acknowledged_object_or_event(tmp_path):
    server = GustServer(tmp_path / "data").start()
    try:
        s3, sqs, _ = clients(server.endpoint)
        s3.create_bucket(Bucket="durable")
        queue = sqs.create_queue(QueueName="durable-events")["QueueUrl"]
        s3.put_bucket_notification_configuration(Bucket="durable", NotificationConfiguration={"QueueConfigurations": [
            {"Id": "all", "QueueArn": queue_arn("durable-events"), "Events": ["s3:ObjectCreated:*"]}]})
        acknowledged = {}
        lock = threading.Lock()
        stop = threading.Event()

        def uploader(worker):
            client, _, _ = clients(server.endpoint)
            n = 0
            while not stop.is_set():
                body = os.urandom(256 * 1024 + worker * 1000 + n)
                key = f"w{worker}/object-{n}"
                try:
                    client.put_object(Bucket="durable", Key=key, Body=body)
                except Exception:
                    return  # the server died under this upload: it was never acknowledged
                with lock:
                    acknowledged[key] = hashlib.md5(body).hexdigest()
                n += 1

        threads = [threading.Thread(target=uploader, args=(worker,)) for worker in range(8)]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(acknowledged) >= 40, what="uploads under way")
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(30)
        assert acknowledged
    finally:
        server.kill()

    server.start()
    try:
        s3, sqs, _ = clients(server.endpoint)
        for key, md5 in acknowledged.items():
            assert hashlib.md5(s3.get_object(Bucket="durable", Key=key)["Body"].read()).hexdigest() == md5, key
        # Nothing half-written is visible: every listed object reads whole and matches its ETag.
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="durable"):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket="durable", Key=item["Key"])["Body"].read()
                assert len(body) == item["Size"] and hashlib.md5(body).hexdigest() == item["ETag"].strip('"'), item["Key"]
        keys = set()
        deadline = time.time() + 30
        while not set(acknowledged) <= keys and time.time() < deadline:
            keys |= {r["s3"]["object"]["key"] for r in drain(sqs, queue, expect=len(acknowledged), timeout=2)}
        missing = set(acknowledged) - keys
        assert not missing, f"{len(missing)} acknowledged uploads have no notification: {sorted(missing)[:5]}"
        # No blob is left that no object names (a crash between the rename and the commit).
        blobs = sum(len(files) for _, _, files in os.walk(tmp_path / "data" / "objects" / "blobs"))
        listed = sum(len(page.get("Contents", [])) for page in s3.get_paginator("list_objects_v2").paginate(Bucket="durable"))
        assert blobs == listed
    finally:
        server.stop()


# Reads and writes the bucket it is told with both of botocore's addressing styles, through the
# AWS_ENDPOINT_URL and credentials Gust gives it.
BOTH_STYLES_HANDLER = """
import os
import boto3
from botocore.config import Config

def handler(event, context):
    result = {"endpoint": os.environ["AWS_ENDPOINT_URL"]}
    for style in ("virtual", "path"):
        s3 = boto3.client("s3", config=Config(s3={"addressing_style": style}))
        key = "from-function-" + style
        s3.put_object(Bucket=event["bucket"], Key=key, Body=style.encode())
        result[style] = s3.get_object(Bucket=event["bucket"], Key=key)["Body"].read().decode()
        result[style + "_url"] = s3.meta.endpoint_url
    return result
"""


def test_functions_reach_buckets_in_both_addressing_styles(server, name):
    s3, _, lam = clients(server.endpoint)
    s3.create_bucket(Bucket=name)
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": BOTH_STYLES_HANDLER})}, Timeout=20)
    try:
        answer = lam.invoke(FunctionName=name, Payload=json.dumps({"bucket": name}).encode())
        result = json.loads(answer["Payload"].read())
        assert "FunctionError" not in answer, result
        assert result["virtual"] == "virtual" and result["path"] == "path", result
        # A host name, not an IP address: botocore then addresses buckets as BUCKET.gust.internal.
        assert result["endpoint"].startswith("http://gust.internal:"), result
        assert s3.get_object(Bucket=name, Key="from-function-virtual")["Body"].read() == b"virtual"
    finally:
        lam.delete_function(FunctionName=name)
