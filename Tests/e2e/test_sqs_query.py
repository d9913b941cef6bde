"""SQS's older query protocol (form-encoded `Action=…`, XML answers), as botocore before 1.31 sent
it: hand-signed form requests, answers read as XML."""

import hashlib
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, REGION, SECRET_KEY, GustServer

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-sqs-query"))
    yield server.start()
    server.stop()


def query(server, params, path="/"):
    data = urllib.parse.urlencode({"Version": "2012-11-05", **params}).encode()
    request = AWSRequest(method="POST", url=server.endpoint + path, data=data,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "sqs", REGION).add_auth(request)
    prepared = request.prepare()
    response = requests.post(prepared.url, headers=dict(prepared.headers), data=data, timeout=30)
    return response, ET.fromstring(response.content)


def text(root, path):
    return root.findtext(path, namespaces=NS)


def test_query_protocol_round_trip(server):
    response, root = query(server, {"Action": "CreateQueue", "QueueName": "old-style",
                                    "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "7"})
    assert response.status_code == 200, response.text
    url = text(root, "sqs:CreateQueueResult/sqs:QueueUrl")
    assert url == f"http://127.0.0.1:{server.port}/000000000000/old-style"
    body = "hello & <xml>"
    _, root = query(server, {
        "Action": "SendMessage", "QueueUrl": url, "MessageBody": body,
        "MessageAttribute.1.Name": "n", "MessageAttribute.1.Value.DataType": "Number",
        "MessageAttribute.1.Value.StringValue": "42"})
    assert text(root, "sqs:SendMessageResult/sqs:MD5OfMessageBody") == hashlib.md5(body.encode()).hexdigest()
    assert text(root, "sqs:SendMessageResult/sqs:MD5OfMessageAttributes") is not None
    # Addressed the query way too: the queue URL as the path.
    _, root = query(server, {"Action": "ReceiveMessage", "AttributeName.1": "All", "MessageAttributeName.1": "All"},
                    path="/000000000000/old-style")
    message = root.find("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert text(message, "sqs:Body") == body
    assert text(message, "sqs:MessageAttribute/sqs:Value/sqs:StringValue") == "42"
    names = [a.findtext("sqs:Name", namespaces=NS) for a in message.findall("sqs:Attribute", NS)]
    assert "ApproximateReceiveCount" in names
    _, root = query(server, {"Action": "DeleteMessageBatch", "QueueUrl": url,
                             "DeleteMessageBatchRequestEntry.1.Id": "a",
                             "DeleteMessageBatchRequestEntry.1.ReceiptHandle": text(message, "sqs:ReceiptHandle"),
                             "DeleteMessageBatchRequestEntry.2.Id": "b",
                             "DeleteMessageBatchRequestEntry.2.ReceiptHandle": "garbage"})
    assert text(root, "sqs:DeleteMessageBatchResult/sqs:DeleteMessageBatchResultEntry/sqs:Id") == "a"
    assert text(root, "sqs:DeleteMessageBatchResult/sqs:BatchResultErrorEntry/sqs:Code") == "ReceiptHandleIsInvalid"
    _, root = query(server, {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "VisibilityTimeout"})
    assert text(root, "sqs:GetQueueAttributesResult/sqs:Attribute/sqs:Value") == "7"


def test_query_protocol_errors(server):
    response, root = query(server, {"Action": "GetQueueUrl", "QueueName": "missing"})
    assert response.status_code == 400
    assert text(root, "sqs:Error/sqs:Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert text(root, "sqs:Error/sqs:Type") == "Sender"
    response, root = query(server, {"Action": "Explode"})
    assert response.status_code == 400 and text(root, "sqs:Error/sqs:Code") == "InvalidAction"
