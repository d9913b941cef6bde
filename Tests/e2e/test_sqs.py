"""SQS on Gust's one endpoint, driven with real boto3 and awscli: every operation with AWS's answers
and error codes, long polling, visibility, FIFO order and deduplication, redrive, concurrency,
malformed requests and durability under kill -9. One server for the module (plus its own for the
kill test)."""

import base64
import hashlib
import json
import os
import signal
import struct
import subprocess
import threading
import time
import uuid

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, GUST_BIN, REGION, SECRET_KEY, GustServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-sqs"))
    yield server.start()
    server.stop()


def sqs_client(endpoint):
    return boto3.client(
        "sqs", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 0}, read_timeout=40, connect_timeout=5, max_pool_connections=16))


@pytest.fixture(scope="module")
def sqs(server):
    return sqs_client(server.endpoint)


@pytest.fixture
def name():
    return f"q-{uuid.uuid4().hex[:8]}"


def error_of(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo.value.response


def aws_md5_of_attributes(attributes):
    """AWS's documented algorithm, written independently of the server's."""
    buffer = b""
    for key in sorted(attributes):
        value = attributes[key]
        for part in (key.encode(), value["DataType"].encode()):
            buffer += struct.pack(">I", len(part)) + part
        if "StringValue" in value:
            data = value["StringValue"].encode()
            buffer += b"\x01" + struct.pack(">I", len(data)) + data
        else:
            data = value["BinaryValue"]
            buffer += b"\x02" + struct.pack(">I", len(data)) + data
    return hashlib.md5(buffer).hexdigest()


def raw(endpoint, target, body, signed=True, content_type="application/x-amz-json-1.0"):
    """A hand-made SQS request (signed for `sqs` unless told otherwise)."""
    headers = {"Content-Type": content_type}
    if target:
        headers["X-Amz-Target"] = target
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = AWSRequest(method="POST", url=endpoint + "/", data=data, headers=headers)
    if signed:
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "sqs", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, headers=dict(prepared.headers), data=data, timeout=30)


# Queues


def test_create_get_list_delete(sqs, server, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"http://127.0.0.1:{server.port}/000000000000/{name}"
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url  # idempotent
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    sqs.delete_queue(QueueUrl=url)
    response = error_of(lambda: sqs.get_queue_url(QueueName=name))
    assert response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert response["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")


def test_list_queues_pages(sqs, name):
    urls = [sqs.create_queue(QueueName=f"{name}-{i}")["QueueUrl"] for i in range(5)]
    first = sqs.list_queues(QueueNamePrefix=name, MaxResults=2)
    assert first["QueueUrls"] == urls[:2] and "NextToken" in first
    seen = list(first["QueueUrls"])
    token = first["NextToken"]
    while token:
        page = sqs.list_queues(QueueNamePrefix=name, MaxResults=2, NextToken=token)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
    assert seen == urls
    paginated = [u for p in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=name, PaginationConfig={"PageSize": 2})
                 for u in p.get("QueueUrls", [])]
    assert paginated == urls
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="no-such-prefix-at-all")


def test_queue_attributes(sqs, name):
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "2"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert attributes["VisibilityTimeout"] == "45" and attributes["DelaySeconds"] == "2"
    assert attributes["MaximumMessageSize"] == "262144" and attributes["MessageRetentionPeriod"] == "345600"
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert "CreatedTimestamp" in attributes and "FifoQueue" not in attributes
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "10", "ReceiveMessageWaitTimeSeconds": "1"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert got == {"VisibilityTimeout": "10"}
    response = error_of(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"}))
    assert response["Error"]["Code"] == "InvalidAttributeValue"
    response = error_of(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"]))
    assert response["Error"]["Code"] == "InvalidAttributeName"
    response = error_of(lambda: sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "11"}))
    assert response["Error"]["Code"] == "QueueAlreadyExists"
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "12"})
    response = error_of(lambda: sqs.create_queue(QueueName="bad name!"))
    assert response["Error"]["Code"] == "InvalidParameterValue"


def test_tags_and_purge(sqs, name):
    url = sqs.create_queue(QueueName=name, tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "env": "test"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.purge_queue(QueueUrl=url)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


# Messages


def test_send_receive_delete_with_every_attribute_type(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = {
        "s": {"DataType": "String", "StringValue": "héllo"},
        "n": {"DataType": "Number", "StringValue": "-12.5e3"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "custom": {"DataType": "String.custom", "StringValue": "x"},
        "nf": {"DataType": "Number.float", "StringValue": "3.14"},
        "bj": {"DataType": "Binary.jpeg", "BinaryValue": b"\xff\xd8"},
    }
    body = "body ✓ with unicode"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes,
                            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}})
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == aws_md5_of_attributes(attributes)
    assert "MD5OfMessageSystemAttributes" in sent
    received = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])
    [message] = received["Messages"]
    assert message["MessageId"] == sent["MessageId"] and message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert message["Attributes"]["SenderId"] == ACCESS_KEY
    assert message["Attributes"]["AWSTraceHeader"] == "Root=1-abc"
    assert abs(int(message["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])  # already gone: no error
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # Only the attributes asked for come back, with the digest of those.
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["s", "n"])["Messages"]
    assert set(message["MessageAttributes"]) == {"s", "n"}
    assert message["MD5OfMessageAttributes"] == aws_md5_of_attributes({k: attributes[k] for k in ("s", "n")})
    response = error_of(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage"))
    assert response["Error"]["Code"] == "ReceiptHandleIsInvalid"


def test_message_limits_and_bad_attributes(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 262144)  # exactly the limit
    for size in (262145, 3 * 1024 * 1024):
        response = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * size))
        assert response["Error"]["Code"] == "InvalidParameterValue"
        assert "Message must be shorter than 262144 bytes" in response["Error"]["Message"]
    response = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char"))
    assert response["Error"]["Code"] == "InvalidMessageContents"
    bad_attributes = [
        {"n": {"DataType": "Number", "StringValue": "not a number"}},
        {"x": {"DataType": "Blob", "StringValue": "y"}},
        {"AWS.reserved": {"DataType": "String", "StringValue": "y"}},
        {"s": {"DataType": "String", "StringValue": ""}},
        {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    ]
    for attributes in bad_attributes:
        response = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes))
        assert response["Error"]["Code"] == "InvalidParameterValue", attributes
    response = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901))
    assert response["Error"]["Code"] == "InvalidParameterValue"
    response = error_of(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11))
    assert response["Error"]["Code"] == "InvalidParameterValue"


def test_batches(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    entries = [{"Id": f"e{i}", "MessageBody": f"m{i}"} for i in range(9)] + [{"Id": "bad", "MessageBody": "\x01"}]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(e["Id"] for e in sent["Successful"]) == sorted(f"e{i}" for i in range(9))
    assert sent["Failed"] == [{"Id": "bad", "SenderFault": True, "Code": "InvalidMessageContents",
                               "Message": sent["Failed"][0]["Message"]}]
    for entry in sent["Successful"]:
        assert entry["MD5OfMessageBody"] == hashlib.md5(f"m{entry['Id'][1:]}".encode()).hexdigest()
    codes = {
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest": [{"Id": f"x{i}", "MessageBody": "m"} for i in range(11)],
        "AWS.SimpleQueueService.EmptyBatchRequest": [],
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct": [{"Id": "a", "MessageBody": "m"}, {"Id": "a", "MessageBody": "m"}],
        "AWS.SimpleQueueService.InvalidBatchEntryId": [{"Id": "no spaces", "MessageBody": "m"}],
        "AWS.SimpleQueueService.BatchRequestTooLong": [{"Id": f"x{i}", "MessageBody": "m" * 30000} for i in range(10)],
    }
    for code, bad in codes.items():
        assert error_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=bad))["Error"]["Code"] == code
    messages = []
    while len(messages) < 9:
        messages += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages", [])
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "c0", "ReceiptHandle": messages[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "c1", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
    ])
    assert [e["Id"] for e in changed["Successful"]] == ["c0"]
    assert changed["Failed"][0]["Id"] == "c1" and changed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    again = sqs.receive_message(QueueUrl=url)["Messages"]
    assert again[0]["MessageId"] == messages[0]["MessageId"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(again + messages[1:])])
    assert len(deleted["Successful"]) == 9 and deleted["Failed"] == []
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0" and counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_visibility_timeout(sqs, name):
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="v")
    [first] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    [second] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    # An older receipt still changes visibility while the message is in flight, as on AWS...
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    # ...but not once the message is visible again.
    response = error_of(lambda: sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                                              VisibilityTimeout=10))
    assert response["Error"]["Code"] == "AWS.SimpleQueueService.MessageNotInflight"
    [third] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert third["MessageId"] == first["MessageId"]


def test_delays(sqs, name):
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    sqs.send_message(QueueUrl=url, MessageBody="message delay", DelaySeconds=2)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "2" and attributes["ApproximateNumberOfMessages"] == "1"
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ["no delay"]
    start = time.time()
    got = []
    while len(got) < 2 and time.time() - start < 10:
        got += [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5).get("Messages", [])]
    assert sorted(got) == ["message delay", "queue delay"]
    assert time.time() - start >= 0.8


def test_long_poll_wakes_when_a_message_arrives(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    start = time.time()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 <= time.time() - start < 3
    latencies = []
    for _ in range(5):
        result = {}

        def receive():
            result["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
            result["at"] = time.perf_counter()

        thread = threading.Thread(target=receive)
        thread.start()
        time.sleep(0.3)
        sent_at = time.perf_counter()
        sqs.send_message(QueueUrl=url, MessageBody="wake")
        thread.join(15)
        [message] = result["response"]["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        latencies.append(result["at"] - sent_at)
    # Woken by the send, not by a polling interval: well under a second each time.
    assert max(latencies) < 0.5, latencies
    response = error_of(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21))
    assert response["Error"]["Code"] == "InvalidParameterValue"


def test_fifo_order_groups_and_deduplication(sqs, name):
    url = sqs.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sequence = []
    for i in range(6):
        sent = sqs.send_message(QueueUrl=url, MessageBody=f"{'ab'[i % 2]}{i}", MessageGroupId="ab"[i % 2],
                                MessageDeduplicationId=f"d{i}")
        sequence.append(int(sent["SequenceNumber"]))
    assert sequence == sorted(sequence)
    again = sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="a", MessageDeduplicationId="d0")
    assert int(again["SequenceNumber"]) == sequence[0]
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                AttributeNames=["All"])["Messages"]
    bodies = [m["Body"] for m in first]
    assert [b for b in bodies if b[0] == "a"] == ["a0", "a2", "a4"]
    assert [b for b in bodies if b[0] == "b"] == ["b1", "b3", "b5"]
    assert first[0]["Attributes"]["MessageGroupId"] in ("a", "b") and "SequenceNumber" in first[0]["Attributes"]
    # Both groups are in flight: nothing more, the duplicate was never stored.
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "6"
    for message in first:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    # A group with one message in flight holds back its later ones.
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"c{i}", MessageGroupId="c", MessageDeduplicationId=f"c{i}")
    [c0] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert c0["Body"] == "c0"
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=c0["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["c1", "c2"]
    response = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="z"))
    assert response["Error"]["Code"] == "MissingParameter"
    response = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g"))
    assert response["Error"]["Code"] == "InvalidParameterValue"
    # In a batch these fail the whole request, as on AWS.
    response = error_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "b", "MessageBody": "x", "MessageDeduplicationId": "2"}]))
    assert response["Error"]["Code"] == "MissingParameter"


def test_fifo_content_based_deduplication(sqs, name):
    url = sqs.create_queue(QueueName=f"{name}.fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    one = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    two = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert one["MessageId"] == two["MessageId"]
    sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ["same", "other"]
    response = error_of(lambda: sqs.create_queue(QueueName=f"{name}-plain", Attributes={"FifoQueue": "true"}))
    assert response["Error"]["Code"] == "InvalidParameterValue"


def test_redrive_to_dead_letter_queue(sqs, name):
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    stored = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert stored == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
    sent = sqs.send_message(QueueUrl=url, MessageBody="poison")
    for _ in range(2):
        [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
        assert message["MessageId"] == sent["MessageId"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    [dead] = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=2, AttributeNames=["All"])["Messages"]
    assert dead["MessageId"] == sent["MessageId"] and dead["Body"] == "poison"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [url]
    bad = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing", "maxReceiveCount": 2})
    response = error_of(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": bad}))
    assert response["Error"]["Code"] == "InvalidParameterValue"


def test_thousand_messages_from_four_threads_each_received_once(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    clients = [sqs_client(sqs.meta.endpoint_url) for _ in range(4)]

    def send(worker):
        for batch in range(25):
            sqs_entries = [{"Id": str(i), "MessageBody": f"{worker}-{batch}-{i}"} for i in range(10)]
            assert clients[worker].send_message_batch(QueueUrl=url, Entries=sqs_entries)["Failed"] == []

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    received = []
    lock = threading.Lock()

    def receive(worker):
        idle = 0
        while idle < 3:
            messages = clients[worker].receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                                       VisibilityTimeout=120).get("Messages", [])
            if not messages:
                idle += 1
                continue
            idle = 0
            with lock:
                received.extend(m["Body"] for m in messages)
            clients[worker].delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    receivers = [threading.Thread(target=receive, args=(w,)) for w in range(4)]
    for t in receivers:
        t.start()
    for t in threads + receivers:
        t.join(120)
    assert len(received) == 1000
    assert len(set(received)) == 1000


# Malformed requests and routing


def test_malformed_requests_get_sqs_errors(server, sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    bad_json = raw(server.endpoint, "AmazonSQS.SendMessage", b"{not json")
    assert bad_json.status_code == 400
    assert bad_json.json()["__type"].endswith("#SerializationException")
    unknown = raw(server.endpoint, "AmazonSQS.Explode", {"QueueUrl": url})
    assert unknown.status_code == 400 and unknown.json()["__type"].endswith("#UnknownOperationException")
    oversize = raw(server.endpoint, "AmazonSQS.SendMessage", {"QueueUrl": url, "MessageBody": "x" * (9 * 1024 * 1024)})
    assert oversize.status_code == 413 and "__type" in oversize.json()
    wrong_type = raw(server.endpoint, "AmazonSQS.SendMessage", {"QueueUrl": url, "MessageBody": 12})
    assert wrong_type.status_code == 400
    missing = raw(server.endpoint, "AmazonSQS.GetQueueUrl", {})
    assert missing.status_code == 400 and missing.headers["x-amzn-query-error"] == "MissingParameter;Sender"
    not_found = raw(server.endpoint, "AmazonSQS.GetQueueUrl", {"QueueName": "nope-never"})
    assert not_found.json() == {"__type": "com.amazonaws.sqs#QueueDoesNotExist",
                                "message": "The specified queue does not exist."}
    assert not_found.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    bad_attrs = raw(server.endpoint, "AmazonSQS.SendMessage", {
        "QueueUrl": url, "MessageBody": "x", "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "%%%"}}})
    assert bad_attrs.status_code == 400
    # Unsigned: the SQS wire form gets SQS's 403; anything else Lambda's.
    unsigned = raw(server.endpoint, "AmazonSQS.ListQueues", {}, signed=False)
    assert unsigned.status_code == 403 and unsigned.json()["__type"].endswith("MissingAuthenticationTokenException")
    plain = requests.post(server.endpoint + "/", data=b"{}", timeout=10)
    assert plain.status_code == 403
    # The server is still up and serving.
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url


def test_lambda_still_answers_on_the_same_port(server):
    lam = boto3.client("lambda", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                       aws_secret_access_key=SECRET_KEY)
    assert "Functions" in lam.list_functions()


def test_awscli_and_gust_queues(server, name, tmp_path):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION=REGION,
               AWS_CONFIG_FILE=str(tmp_path / "c"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "s"), AWS_MAX_ATTEMPTS="1")

    def aws(*args):
        proc = subprocess.run(["aws", "sqs", *args, "--endpoint-url", server.endpoint, "--output", "json"],
                              env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    url = aws("create-queue", "--queue-name", name)["QueueUrl"]
    aws("send-message", "--queue-url", url, "--message-body", "from awscli")
    aws("send-message", "--queue-url", url, "--message-body", "second")
    assert url in aws("list-queues")["QueueUrls"]
    gust = subprocess.run([GUST_BIN, "queues", "--endpoint", server.endpoint],
                          env=dict(os.environ, GUST_ACCESS_KEY=ACCESS_KEY, GUST_SECRET_KEY=SECRET_KEY),
                          capture_output=True, text=True, timeout=60)
    assert gust.returncode == 0, gust.stderr
    [row] = [line.split() for line in gust.stdout.splitlines() if line.startswith(name + " ")]
    assert row[1] == "2"
    [message] = aws("receive-message", "--queue-url", url)["Messages"]
    assert message["Body"] == "from awscli"
    aws("delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    aws("delete-queue", "--queue-url", url)


# Durability


def test_kill_9_during_a_send_loop_loses_no_acknowledged_message(start_server):
    server = start_server()
    client = sqs_client(server.endpoint)
    url = client.create_queue(QueueName="durable")["QueueUrl"]
    acknowledged = []
    stop = threading.Event()

    def send():
        i = 0
        while not stop.is_set():
            try:
                client.send_message(QueueUrl=url, MessageBody=f"m{i}")
            except Exception:
                return
            acknowledged.append(f"m{i}")
            i += 1

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(1.5)
    server.kill()
    stop.set()
    thread.join(30)
    assert len(acknowledged) > 10
    server.start()
    client = sqs_client(server.endpoint)
    url = client.get_queue_url(QueueName="durable")["QueueUrl"]
    bodies = set()
    while True:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        bodies.update(m["Body"] for m in messages)
        client.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    assert set(acknowledged) <= bodies


def test_sigterm_ends_long_polls(start_server):
    server = start_server()
    client = sqs_client(server.endpoint)
    url = client.create_queue(QueueName="draining")["QueueUrl"]
    result = {}

    def poll():
        try:
            result["response"] = client.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as error:  # the connection may close as the server stops
            result["error"] = error

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    start = time.time()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(30)
    thread.join(30)
    # The poll ended with the server, not after its 20 s.
    assert time.time() - start < 10
    assert "Messages" not in result.get("response", {})
