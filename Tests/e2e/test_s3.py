"""S3 on Gust's one endpoint with real boto3 (path and virtual-host addressing), plus hand-signed
aws-chunked uploads (signed chunks, unsigned with trailing checksums) and bad input: objects,
ranges, conditions, copy, batch delete, listings, tagging, checksums, and S3's XML errors.
One server for the module."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import socket
import subprocess
import uuid
import zlib

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, GustServer

# Virtual-host addressing needs BUCKET.localhost to resolve; glibc does not do that for
# *.localhost without systemd's resolver, so the tests resolve it themselves.
_getaddrinfo = socket.getaddrinfo


def _resolve_localhost_subdomains(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve_localhost_subdomains


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-s3"))
    yield server.start()
    server.stop()


def s3_client(endpoint, style="path"):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 0}, signature_version="s3v4"))


@pytest.fixture(scope="module", params=["path", "virtual"])
def s3(server, request):
    endpoint = server.endpoint if request.param == "path" else server.endpoint.replace("127.0.0.1", "localhost")
    return s3_client(endpoint, request.param)


@pytest.fixture
def bucket(s3):
    name = f"b-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def error_of(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo.value.response


# MARK: buckets


def test_buckets(s3):
    name = f"b-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == REGION
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    s3.create_bucket(Bucket=name)  # in us-east-1 creating one's own bucket again succeeds, as on S3
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    assert error_of(lambda: s3.delete_bucket(Bucket=name))["Error"]["Code"] == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    assert error_of(lambda: s3.head_bucket(Bucket=name))["Error"]["Code"] == "404"
    missing = error_of(lambda: s3.list_objects_v2(Bucket=name))
    assert missing["Error"]["Code"] == "NoSuchBucket" and missing["ResponseMetadata"]["HTTPStatusCode"] == 404
    for bad in ["ab", "UPPER", "a..b", "192.168.1.1", "-start", "x" * 64]:
        assert error_of(lambda: s3_client_raw_create(s3, bad))["Error"]["Code"] == "InvalidBucketName", bad


def s3_client_raw_create(s3, name):
    # botocore validates some names itself; these reach the server.
    return s3.create_bucket(Bucket=name)


# MARK: objects


def test_put_get_head_delete_with_metadata(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="dir/hello world.txt", Body=b"hello world", ContentType="text/plain",
                        CacheControl="no-cache", ContentDisposition="inline", Metadata={"Owner": "me"})
    assert put["ETag"] == '"%s"' % hashlib.md5(b"hello world").hexdigest()
    got = s3.get_object(Bucket=bucket, Key="dir/hello world.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain" and got["CacheControl"] == "no-cache" and got["ContentDisposition"] == "inline"
    assert got["Metadata"] == {"owner": "me"}
    assert got["ContentLength"] == 11 and got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="dir/hello world.txt")
    assert head["ContentLength"] == 11 and head["AcceptRanges"] == "bytes"
    s3.delete_object(Bucket=bucket, Key="dir/hello world.txt")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/hello world.txt"))["Error"]["Code"] == "NoSuchKey"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="dir/hello world.txt"))["Error"]["Code"] == "404"
    s3.delete_object(Bucket=bucket, Key="never-existed")  # deleting a missing key succeeds
    odd = "ünïcödé/ key+with&odd=chars?%20.txt"
    s3.put_object(Bucket=bucket, Key=odd, Body=b"odd")
    assert s3.get_object(Bucket=bucket, Key=odd)["Body"].read() == b"odd"
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b""))["Error"]["Code"] == "KeyTooLongError"


def test_large_object_streams_both_ways(s3, bucket):
    # Over the Lambda API's 80 MiB body limit: a single PUT goes up to S3's own 5 GiB.
    data = os.urandom(96 * 1024 * 1024 + 7)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    got = s3.get_object(Bucket=bucket, Key="big")["Body"].read()
    assert len(got) == len(data) and hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_ranges(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    part = s3.get_object(Bucket=bucket, Key="r", Range="bytes=2-4")
    assert part["Body"].read() == b"234" and part["ContentRange"] == "bytes 2-4/10"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=7-")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-3")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=8-100")["Body"].read() == b"89"
    unsatisfiable = error_of(lambda: s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-12"))
    assert unsatisfiable["Error"]["Code"] == "InvalidRange" and unsatisfiable["ResponseMetadata"]["HTTPStatusCode"] == 416
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=5-2")["Body"].read() == b"0123456789"  # ignored


def test_conditions(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"v1"
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="c", IfMatch='"nope"'))["Error"]["Code"] == "PreconditionFailed"
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag))["Error"]["Code"] == "304"
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future))["Error"]["Code"] == "304"
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=past)["Body"].read() == b"v1"
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past))["Error"]["Code"] == "PreconditionFailed"
    # Conditional writes.
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch="*"))["Error"]["Code"] == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="fresh", Body=b"v1", IfNoneMatch="*")
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfMatch='"nope"'))["Error"]["Code"] == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"v2"


def test_copy_and_batch_delete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"data", ContentType="text/x-src", Metadata={"a": "1"}, Tagging="t=1")
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"data").hexdigest()
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["ContentType"] == "text/x-src" and head["Metadata"] == {"a": "1"}
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   ContentType="text/new", Metadata={"b": "2"})
    head = s3.head_object(Bucket=bucket, Key="dst2")
    assert head["ContentType"] == "text/new" and head["Metadata"] == {"b": "2"}
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src"))["Error"]["Code"] == "InvalidRequest"
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/missing"))["Error"]["Code"] == "NoSuchKey"
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}, {"Key": "ghost"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["dst", "ghost", "src"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["dst2"]


def test_listings(s3, bucket):
    keys = ["a.txt", "b/1", "b/2", "b/c/3", "d", "é", "z/"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    everything = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in everything["Contents"]] == sorted(keys, key=lambda k: k.encode())
    assert everything["KeyCount"] == len(keys) and not everything["IsTruncated"]
    rolled = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in rolled["Contents"]] == ["a.txt", "d", "é"]
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["b/", "z/"]
    nested = s3.list_objects_v2(Bucket=bucket, Prefix="b/", Delimiter="/")
    assert [o["Key"] for o in nested["Contents"]] == ["b/1", "b/2"] and nested["CommonPrefixes"] == [{"Prefix": "b/c/"}]
    pages, token, seen = 0, None, []
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=bucket, MaxKeys=2, **kwargs)
        seen += [o["Key"] for o in page.get("Contents", [])]
        pages += 1
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == [o["Key"] for o in everything["Contents"]] and pages == 4
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, StartAfter="b/2")["Contents"]][:2] == ["b/c/3", "d"]
    v1 = s3.list_objects(Bucket=bucket, Marker="b/1", MaxKeys=2)
    assert [o["Key"] for o in v1["Contents"]] == ["b/2", "b/c/3"] and v1["IsTruncated"]
    encoded = s3.list_objects_v2(Bucket=bucket, Prefix="é", EncodingType="url")
    assert [o["Key"] for o in encoded["Contents"]] == ["%C3%A9"] and encoded["EncodingType"] == "url"
    paginated = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3})
                 for o in page.get("Contents", [])]
    assert len(paginated) == len(keys)


def test_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="team=core&env=dev")
    tags = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "core")]
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "only", "Value": "one"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []


def test_checksums(s3, bucket):
    body = b"checksum me"
    # CRC32C needs botocore[crt] on the client side; the server's CRC32C has a unit test.
    for algorithm in ["CRC32", "SHA1", "SHA256"]:
        put = s3.put_object(Bucket=bucket, Key=f"sum-{algorithm}", Body=body, ChecksumAlgorithm=algorithm)
        got = s3.get_object(Bucket=bucket, Key=f"sum-{algorithm}", ChecksumMode="ENABLED")
        assert got["Body"].read() == body
        assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    assert s3.head_object(Bucket=bucket, Key="sum-CRC32", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert s3.head_object(Bucket=bucket, Key="sum-SHA256", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha
    wrong = error_of(lambda: s3.put_object(Bucket=bucket, Key="bad", Body=body, ChecksumSHA256=base64.b64encode(b"x" * 32).decode()))
    assert wrong["Error"]["Code"] == "BadDigest"
    md5 = error_of(lambda: s3.put_object(Bucket=bucket, Key="bad", Body=body, ContentMD5=base64.b64encode(b"y" * 16).decode()))
    assert md5["Error"]["Code"] == "BadDigest"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="bad"))["Error"]["Code"] == "404"


def test_presigned_get_and_put(server, s3, bucket):
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=60)
    assert requests.put(put_url, data=b"presigned", timeout=10).status_code == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=60)
    answer = requests.get(get_url, timeout=10)
    assert answer.status_code == 200 and answer.content == b"presigned"
    tampered = requests.get(get_url.replace("Key", "Kez").replace("/p?", "/q?"), timeout=10)
    assert tampered.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in tampered.content


# MARK: aws-chunked uploads, signed by hand as the AWS SDKs stream them


def _signing_key(date):
    key = ("AWS4" + SECRET_KEY).encode()
    for part in [date, REGION, "s3", "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _chunked_request(endpoint, bucket, key, data, chunk_size, signed=True, trailer=None, corrupt=False):
    url = f"{endpoint}/{bucket}/{key}"
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    headers["X-Amz-Content-SHA256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" if signed else "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    if trailer:
        headers["x-amz-trailer"] = trailer[0]
    request = AWSRequest(method="PUT", url=url, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
    seed = request.headers["Authorization"].split("Signature=")[1]
    timestamp = request.headers["X-Amz-Date"]
    scope = f"{timestamp[:8]}/{REGION}/s3/aws4_request"
    key_bytes = _signing_key(timestamp[:8])
    body, previous = b"", seed
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for index, chunk in enumerate(chunks):
        if signed:
            text = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous, hashlib.sha256(b"").hexdigest(),
                              hashlib.sha256(chunk).hexdigest()])
            signature = hmac.new(key_bytes, text.encode(), hashlib.sha256).hexdigest()
            if corrupt and index == 1:
                signature = "0" * 64
            previous = signature
            body += b"%x;chunk-signature=%s\r\n" % (len(chunk), signature.encode())
        else:
            body += b"%x\r\n" % len(chunk)
        if chunk:
            body += chunk + b"\r\n"
    if trailer:
        body += f"{trailer[0]}:{trailer[1]}\r\n".encode()
    body += b"\r\n"
    prepared = dict(request.headers)
    prepared["Content-Length"] = str(len(body))
    return requests.put(url, data=body, headers=prepared, timeout=30)


def test_signed_chunked_upload(server, bucket):
    data = os.urandom(200_000)
    answer = _chunked_request(server.endpoint, bucket, "chunked", data, 64 * 1024)
    assert answer.status_code == 200, answer.text
    got = s3_client(server.endpoint).get_object(Bucket=bucket, Key="chunked")["Body"].read()
    assert got == data
    bad = _chunked_request(server.endpoint, bucket, "forged", data, 64 * 1024, corrupt=True)
    assert bad.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in bad.content
    assert error_of(lambda: s3_client(server.endpoint).head_object(Bucket=bucket, Key="forged"))["Error"]["Code"] == "404"


def test_unsigned_chunked_upload_with_trailing_checksum(server, bucket):
    data = b"trailing checksum body " * 1000
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    answer = _chunked_request(server.endpoint, bucket, "trailed", data, 8192, signed=False, trailer=("x-amz-checksum-crc32", crc))
    assert answer.status_code == 200, answer.text
    client = s3_client(server.endpoint)
    assert client.head_object(Bucket=bucket, Key="trailed", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc
    wrong = _chunked_request(server.endpoint, bucket, "mistrailed", data, 8192, signed=False,
                             trailer=("x-amz-checksum-crc32", base64.b64encode(b"\0\0\0\0").decode()))
    assert wrong.status_code == 400 and b"<Code>BadDigest</Code>" in wrong.content


# MARK: bad input


def test_bad_input_gets_s3_errors(server, bucket):
    client = s3_client(server.endpoint)
    wrong_key = boto3.client("s3", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                             aws_secret_access_key="wrong", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}))
    assert error_of(lambda: wrong_key.list_objects_v2(Bucket=bucket))["Error"]["Code"] == "SignatureDoesNotMatch"
    unknown = boto3.client("s3", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id="AKIDUNKNOWN",
                           aws_secret_access_key="x", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}))
    assert error_of(lambda: unknown.list_buckets())["Error"]["Code"] == "InvalidAccessKeyId"
    # A body that is not what x-amz-content-sha256 says.
    request = AWSRequest(method="PUT", url=f"{server.endpoint}/{bucket}/lie", data=b"the real body",
                         headers={"X-Amz-Content-SHA256": hashlib.sha256(b"another body").hexdigest()})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
    answer = requests.put(request.url, data=b"the real body", headers=dict(request.headers), timeout=10)
    assert answer.status_code == 400 and b"XAmzContentSHA256Mismatch" in answer.content
    assert error_of(lambda: client.head_object(Bucket=bucket, Key="lie"))["Error"]["Code"] == "404"
    # Malformed XML in a batch delete.
    request = AWSRequest(method="POST", url=f"{server.endpoint}/{bucket}?delete", data=b"<Delete><Object>",
                         headers={"X-Amz-Content-SHA256": hashlib.sha256(b"<Delete><Object>").hexdigest(),
                                  "Content-MD5": base64.b64encode(hashlib.md5(b"<Delete><Object>").digest()).decode()})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
    answer = requests.post(request.url, data=b"<Delete><Object>", headers=dict(request.headers), timeout=10)
    assert answer.status_code == 400 and b"<Code>MalformedXML</Code>" in answer.content
    # The server is still up.
    assert client.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_unserved_subresources_never_touch_the_object_or_bucket(server, bucket):
    s3 = s3_client(server.endpoint)
    s3.put_object(Bucket=bucket, Key="kept", Body=b"precious")
    assert error_of(lambda: s3.get_object_legal_hold(Bucket=bucket, Key="kept"))["Error"]["Code"] == "NotImplemented"
    # `?acl` is served now, by GET and PUT only: DELETE ?acl must not delete the object.
    answer = _signed("DELETE", f"{server.endpoint}/{bucket}/kept?acl")
    assert answer.status_code == 405 and b"<Code>MethodNotAllowed</Code>" in answer.content
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="kept", VersionId="bogus"))["Error"]["Code"] == "InvalidArgument"
    assert error_of(lambda: s3.delete_object(Bucket=bucket, Key="kept", VersionId="bogus"))["Error"]["Code"] == "InvalidArgument"
    assert s3.get_object(Bucket=bucket, Key="kept", VersionId="null")["Body"].read() == b"precious"
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"precious"
    s3.delete_object(Bucket=bucket, Key="kept")
    assert error_of(lambda: s3.delete_bucket_cors(Bucket=bucket))["Error"]["Code"] == "NotImplemented"
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_expect_100_continue_is_answered(server, bucket):
    body = b"after the interim answer"
    request = AWSRequest(method="PUT", url=f"{server.endpoint}/{bucket}/continued", data=body,
                         headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest(), "Expect": "100-continue",
                                  "Content-Length": str(len(body))})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
    head = f"PUT /{bucket}/continued HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in request.headers.items()) + \
        f"Host: 127.0.0.1:{server.port}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head.encode())
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert s3_client(server.endpoint).get_object(Bucket=bucket, Key="continued")["Body"].read() == body


def test_conditional_writes_by_etag(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1", IfNoneMatch="*")["ETag"]
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch="*"))["Error"]["Code"] == "PreconditionFailed"
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch=etag))["Error"]["Code"] == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch='"0123"')
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="c", Body=b"v3", IfMatch=etag))["Error"]["Code"] == "PreconditionFailed"
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="missing", Body=b"x", IfMatch="*"))["Error"]["Code"] == "NoSuchKey"


def test_list_buckets_pages(s3):
    names = [f"page-{uuid.uuid4().hex[:8]}-{i}" for i in range(3)]
    for name in names:
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(MaxBuckets=1, Prefix="page-")
    assert len(first["Buckets"]) == 1 and first["ContinuationToken"]
    rest = s3.list_buckets(ContinuationToken=first["ContinuationToken"], Prefix="page-")
    assert {b["Name"] for b in first["Buckets"] + rest["Buckets"]} >= set(names)
    for name in names:
        s3.delete_bucket(Bucket=name)


# MARK: multipart

MiB = 1024 * 1024


def test_multipart_upload(s3, bucket):
    parts_data = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail bytes"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big/file.bin", ContentType="video/mp4", Metadata={"kind": "movie"})
    upload_id = upload["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["UploadId"] for u in listed.get("Uploads", [])] == [upload_id]
    etags = []
    # Parts may arrive in any order and be uploaded again; the last upload of a number counts.
    s3.upload_part(Bucket=bucket, Key="big/file.bin", UploadId=upload_id, PartNumber=2, Body=b"replaced below")
    for number in (3, 2, 1):
        answer = s3.upload_part(Bucket=bucket, Key="big/file.bin", UploadId=upload_id, PartNumber=number, Body=parts_data[number - 1])
        assert answer["ETag"] == '"%s"' % hashlib.md5(parts_data[number - 1]).hexdigest()
    etags = ['"%s"' % hashlib.md5(p).hexdigest() for p in parts_data]
    parts = s3.list_parts(Bucket=bucket, Key="big/file.bin", UploadId=upload_id)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts["Parts"]] == \
        [(i + 1, etags[i], len(parts_data[i])) for i in range(3)]
    page = s3.list_parts(Bucket=bucket, Key="big/file.bin", UploadId=upload_id, MaxParts=2)
    assert page["IsTruncated"] and page["NextPartNumberMarker"] == 2
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="big/file.bin", UploadId=upload_id,
                                                     PartNumberMarker=2)["Parts"]] == [3]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="big/file.bin", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": etags[i]} for i in range(3)]})
    expected_etag = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts_data)).hexdigest() + "-3"
    assert done["ETag"] == '"%s"' % expected_etag
    got = s3.get_object(Bucket=bucket, Key="big/file.bin")
    assert got["Body"].read() == b"".join(parts_data)
    assert got["ETag"] == done["ETag"] and got["ContentType"] == "video/mp4" and got["Metadata"] == {"kind": "movie"}
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # The upload is gone once completed.
    again = error_of(lambda: s3.upload_part(Bucket=bucket, Key="big/file.bin", UploadId=upload_id, PartNumber=1, Body=b"x"))
    assert again["Error"]["Code"] == "NoSuchUpload" and again["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_multipart_errors(s3, bucket):
    key = "m/errors"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    small = [s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=b"small %d" % n)["ETag"] for n in (1, 2)]
    complete = lambda parts: s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert error_of(lambda: complete([{"PartNumber": 1, "ETag": small[0]}, {"PartNumber": 2, "ETag": small[1]}]))["Error"]["Code"] == "EntityTooSmall"
    assert error_of(lambda: complete([{"PartNumber": 2, "ETag": small[1]}, {"PartNumber": 1, "ETag": small[0]}]))["Error"]["Code"] == "InvalidPartOrder"
    assert error_of(lambda: complete([{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]))["Error"]["Code"] == "InvalidPart"
    assert error_of(lambda: complete([{"PartNumber": 7, "ETag": small[0]}]))["Error"]["Code"] == "InvalidPart"
    assert error_of(lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=10001, Body=b"x"))["Error"]["Code"] == "InvalidArgument"
    assert error_of(lambda: s3.upload_part(Bucket=bucket, Key="other", UploadId=upload_id, PartNumber=1, Body=b"x"))["Error"]["Code"] == "NoSuchUpload"
    assert error_of(lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId="nope"))["Error"]["Code"] == "NoSuchUpload"
    # A one-part upload may be small: the last part has no minimum.
    done = complete([{"PartNumber": 1, "ETag": small[0]}])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"small 1"
    assert done["ETag"].endswith('-1"')
    # Abort forgets an upload and its parts.
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key + "2")["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key + "2", UploadId=upload_id, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key=key + "2", UploadId=upload_id)
    assert error_of(lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key + "2", UploadId=upload_id))["Error"]["Code"] == "NoSuchUpload"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key + "2"))["Error"]["Code"] == "404"


def test_malformed_complete_xml(server, bucket):
    s3 = s3_client(server.endpoint)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="x")["UploadId"]
    for body in [b"<CompleteMultipartUpload><Part>", b"<CompleteMultipartUpload></CompleteMultipartUpload>",
                 b"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
                 b"not xml at all"]:
        request = AWSRequest(method="POST", url=f"{server.endpoint}/{bucket}/x?uploadId={upload_id}", data=body,
                             headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
        answer = requests.post(request.url, data=body, headers=dict(request.headers), timeout=10)
        assert answer.status_code == 400 and b"<Code>MalformedXML</Code>" in answer.content, body
    s3.abort_multipart_upload(Bucket=bucket, Key="x", UploadId=upload_id)


def test_upload_part_copy_and_checksums(s3, bucket):
    source = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="copied", ChecksumAlgorithm="SHA256")
    assert upload["ChecksumAlgorithm"] == "SHA256"
    upload_id = upload["UploadId"]
    first = s3.upload_part_copy(Bucket=bucket, Key="copied", UploadId=upload_id, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "source"}, CopySourceRange="bytes=0-%d" % (5 * MiB - 1))
    assert first["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(source[:5 * MiB]).hexdigest()
    bad_range = error_of(lambda: s3.upload_part_copy(Bucket=bucket, Key="copied", UploadId=upload_id, PartNumber=2,
                                                     CopySource={"Bucket": bucket, "Key": "source"}, CopySourceRange="bytes=0-%d" % (7 * MiB)))
    assert bad_range["Error"]["Code"] == "InvalidRange"
    second = s3.upload_part(Bucket=bucket, Key="copied", UploadId=upload_id, PartNumber=2, Body=b"end", ChecksumAlgorithm="SHA256")
    part_sums = [p["ChecksumSHA256"] for p in s3.list_parts(Bucket=bucket, Key="copied", UploadId=upload_id)["Parts"]]
    assert part_sums[1] == second["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"end").digest()).decode()
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="copied", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"], "ChecksumSHA256": part_sums[0]},
                                   {"PartNumber": 2, "ETag": second["ETag"], "ChecksumSHA256": part_sums[1]}]})
    composite = base64.b64encode(hashlib.sha256(b"".join(base64.b64decode(s) for s in part_sums)).digest()).decode() + "-2"
    assert done["ChecksumSHA256"] == composite
    assert s3.get_object(Bucket=bucket, Key="copied")["Body"].read() == source[:5 * MiB] + b"end"


def test_multipart_parts_attributes_checksum_types_and_repeated_complete(s3, bucket):
    data = [os.urandom(5 * MiB), b"second part"]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="parts", ChecksumAlgorithm="CRC32")["UploadId"]
    answers = [s3.upload_part(Bucket=bucket, Key="parts", UploadId=upload_id, PartNumber=n + 1, Body=d, ChecksumAlgorithm="CRC32")
               for n, d in enumerate(data)]
    parts = [{"PartNumber": n + 1, "ETag": a["ETag"], "ChecksumCRC32": a["ChecksumCRC32"]} for n, a in enumerate(answers)]
    wrong = error_of(lambda: s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=upload_id, ChecksumCRC32="AAAAAA==",
                                                          MultipartUpload={"Parts": parts}))
    assert wrong["Error"]["Code"] == "BadDigest"
    done = s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert done["ChecksumType"] == "COMPOSITE" and done["ChecksumCRC32"].endswith("-2")
    again = s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert again["ETag"] == done["ETag"]
    head = s3.head_object(Bucket=bucket, Key="parts", PartNumber=1)
    assert head["PartsCount"] == 2 and head["ContentLength"] == 5 * MiB and head["ETag"] == done["ETag"]
    second = s3.get_object(Bucket=bucket, Key="parts", PartNumber=2)
    assert second["Body"].read() == data[1] and second["ChecksumCRC32"] == answers[1]["ChecksumCRC32"]
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="parts", PartNumber=3))["Error"]["Code"] == "InvalidPart"
    attributes = s3.get_object_attributes(Bucket=bucket, Key="parts", ObjectAttributes=["ETag", "Checksum", "ObjectParts", "ObjectSize"],
                                          MaxParts=1)
    assert attributes["ObjectSize"] == 5 * MiB + len(data[1]) and attributes["ETag"] == done["ETag"].strip('"')
    assert attributes["Checksum"]["ChecksumType"] == "COMPOSITE"
    assert attributes["ObjectParts"]["TotalPartsCount"] == 2 and attributes["ObjectParts"]["IsTruncated"]
    assert [p["Size"] for p in attributes["ObjectParts"]["Parts"]] == [5 * MiB]
    # A full-object CRC is the CRC of all the bytes.
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="full", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")["UploadId"]
    answers = [s3.upload_part(Bucket=bucket, Key="full", UploadId=upload_id, PartNumber=n + 1, Body=d, ChecksumAlgorithm="CRC32")
               for n, d in enumerate(data)]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="full", UploadId=upload_id, MultipartUpload={"Parts": [
        {"PartNumber": n + 1, "ETag": a["ETag"], "ChecksumCRC32": a["ChecksumCRC32"]} for n, a in enumerate(answers)]})
    assert done["ChecksumType"] == "FULL_OBJECT"
    assert base64.b64decode(done["ChecksumCRC32"]) == zlib.crc32(b"".join(data)).to_bytes(4, "big")
    # Part 1 of an object written whole is all of it.
    s3.put_object(Bucket=bucket, Key="whole", Body=b"body")
    assert s3.get_object(Bucket=bucket, Key="whole", PartNumber=1)["Body"].read() == b"body"
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="whole", PartNumber=2))["Error"]["Code"] == "InvalidPart"


def test_list_multipart_uploads_paging(s3, bucket):
    ids = {}
    for key in ["a/1", "a/2", "b", "c/x/y"]:
        ids[key] = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [u["Key"] for u in listed.get("Uploads", [])] == ["b"]
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["a/", "c/"]
    page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert [u["Key"] for u in page["Uploads"]] == ["a/1", "a/2"] and page["IsTruncated"]
    rest = s3.list_multipart_uploads(Bucket=bucket, KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"])
    assert [u["Key"] for u in rest["Uploads"]] == ["b", "c/x/y"]
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")["Uploads"]] == ["a/1", "a/2"]
    for key, upload_id in ids.items():
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)


# MARK: awscli


@pytest.fixture(scope="module")
def aws_s3(server, tmp_path_factory):
    """aws_s3('s3', 'cp', ...) -> stdout; raises with stderr on failure."""
    home = tmp_path_factory.mktemp("awscli")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION=REGION,
               AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), AWS_MAX_ATTEMPTS="1")

    def run(*args):
        cmd = ["aws", *args, "--endpoint-url", server.endpoint]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}"
        return proc.stdout

    return run


def test_awscli_s3_commands(server, aws_s3, tmp_path):
    name = f"cli-{uuid.uuid4().hex[:10]}"
    aws_s3("s3", "mb", f"s3://{name}")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(64 * MiB))
    aws_s3("s3", "cp", str(big), f"s3://{name}/big.bin")  # 8 MiB parts: a multipart upload
    head = json.loads(aws_s3("s3api", "head-object", "--bucket", name, "--key", "big.bin"))
    assert head["ContentLength"] == 64 * MiB and head["ETag"].endswith('-8"')
    back = tmp_path / "back.bin"
    aws_s3("s3", "cp", f"s3://{name}/big.bin", str(back))  # ranged GETs in parallel
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "sub" / "b.txt").write_text("b")
    aws_s3("s3", "sync", str(tree), f"s3://{name}/tree")
    listing = aws_s3("s3", "ls", "--recursive", f"s3://{name}/tree/")
    assert "tree/a.txt" in listing and "tree/sub/b.txt" in listing
    assert "PRE sub/" in aws_s3("s3", "ls", f"s3://{name}/tree/")
    url = aws_s3("s3", "presign", f"s3://{name}/tree/a.txt", "--expires-in", "60").strip()
    assert requests.get(url, timeout=10).content == b"a"
    aws_s3("s3", "rm", "--recursive", f"s3://{name}/")
    aws_s3("s3", "rb", f"s3://{name}")
    assert name not in aws_s3("s3", "ls")


# MARK: browser uploads (POST Object)


def _v2_form(bucket, conditions, fields, expires_in=600):
    policy = base64.b64encode(json.dumps({
        "expiration": (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "conditions": [{"bucket": bucket}, *conditions]}).encode())
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), policy, hashlib.sha1).digest())
    return {**fields, "AWSAccessKeyId": ACCESS_KEY, "policy": policy, "signature": signature}


def test_post_object_with_a_presigned_policy(server, bucket):
    s3 = s3_client(server.endpoint)
    post = s3.generate_presigned_post(Bucket=bucket, Key="uploads/${filename}", Fields={"Content-Type": "text/plain"},
                                      Conditions=[["starts-with", "$key", "uploads/"], {"Content-Type": "text/plain"},
                                                  ["content-length-range", 1, 1024]], ExpiresIn=600)
    answer = requests.post(post["url"], data=post["fields"], files={"file": ("hello.txt", b"posted bytes")}, timeout=10)
    assert answer.status_code == 204, answer.text
    got = s3.get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"posted bytes" and got["ContentType"] == "text/plain"
    assert answer.headers["ETag"] == got["ETag"]
    # Over the policy's size range: refused, nothing stored.
    answer = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"x" * 2000)}, timeout=10)
    assert answer.status_code == 400 and b"EntityTooLarge" in answer.content
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="uploads/big.txt"))["Error"]["Code"] == "404"


def test_post_object_version_2_answers_and_refusals(server, bucket):
    url = f"{server.endpoint}/{bucket}"
    form = _v2_form(bucket, [["starts-with", "$key", "a"], ["starts-with", "$success_action_status", ""], ["starts-with", "$x-amz-meta-k", ""]],
                    {"key": "a1", "success_action_status": "201", "x-amz-meta-k": "v"})
    answer = requests.post(url, data=form, files={"file": b"one"}, timeout=10)
    assert answer.status_code == 201 and b"<Key>a1</Key>" in answer.content, answer.text
    assert s3_client(server.endpoint).get_object(Bucket=bucket, Key="a1")["Metadata"] == {"k": "v"}
    redirect = _v2_form(bucket, [["starts-with", "$key", ""], ["eq", "$success_action_redirect", "http://example.com/done"]],
                        {"key": "a2", "success_action_redirect": "http://example.com/done"})
    answer = requests.post(url, data=redirect, files={"file": b"two"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("http://example.com/done?bucket=")
    # A field the policy does not name, a wrong signature, an expired policy, no key, no file.
    extra = _v2_form(bucket, [["starts-with", "$key", ""]], {"key": "a3", "x-amz-meta-sneaky": "1"})
    assert requests.post(url, data=extra, files={"file": b"x"}, timeout=10).status_code == 403
    forged = {**_v2_form(bucket, [["starts-with", "$key", ""]], {"key": "a4"}), "signature": "AAAA"}
    answer = requests.post(url, data=forged, files={"file": b"x"}, timeout=10)
    assert answer.status_code == 403 and b"SignatureDoesNotMatch" in answer.content
    expired = _v2_form(bucket, [["starts-with", "$key", ""]], {"key": "a5"}, expires_in=-60)
    assert requests.post(url, data=expired, files={"file": b"x"}, timeout=10).status_code == 403
    keyless = _v2_form(bucket, [], {})
    answer = requests.post(url, data=keyless, files={"file": b"x"}, timeout=10)
    assert answer.status_code == 400 and b"InvalidArgument" in answer.content
    fileless = _v2_form(bucket, [["starts-with", "$key", ""]], {"key": "a6"})
    assert requests.post(url, files={k: (None, v) for k, v in fileless.items()}, timeout=10).status_code == 400
    anonymous = requests.post(url, files={"key": (None, "a7"), "file": ("f", b"x")}, timeout=10)
    assert anonymous.status_code == 403 and b"<Code>AccessDenied</Code>" in anonymous.content
    # The bucket holds exactly what was accepted.
    keys = [o["Key"] for o in s3_client(server.endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["a1", "a2"]


def test_anonymous_post_object_to_a_public_write_bucket(server):
    s3 = s3_client(server.endpoint)
    name = f"pub-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    answer = requests.post(f"{server.endpoint}/{name}", files={"key": (None, "anon.txt"), "acl": (None, "public-read"),
                                                               "file": ("f", b"from anyone")}, timeout=10)
    assert answer.status_code == 204, answer.text
    assert s3.get_object(Bucket=name, Key="anon.txt")["Body"].read() == b"from anyone"
    grants = s3.get_object_acl(Bucket=name, Key="anon.txt")["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("AllUsers") and g["Permission"] == "READ" for g in grants)
    s3.delete_object(Bucket=name, Key="anon.txt")
    s3.delete_bucket(Bucket=name)

# MARK: ACLs and anonymous access

OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
OWNER_FULL = ("CanonicalUser", OWNER_ID, "FULL_CONTROL")
CANNED = {
    "private": [OWNER_FULL],
    "public-read": [OWNER_FULL, ("Group", ALL_USERS, "READ")],
    "public-read-write": [OWNER_FULL, ("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE")],
    "authenticated-read": [OWNER_FULL, ("Group", AUTHENTICATED_USERS, "READ")],
    # One account owns bucket and objects: the bucket owner's grants are the owner's own.
    "bucket-owner-read": [OWNER_FULL],
    "bucket-owner-full-control": [OWNER_FULL],
}


def grants_of(acl):
    return sorted((g["Grantee"]["Type"], g["Grantee"].get("ID") or g["Grantee"].get("URI") or g["Grantee"].get("EmailAddress"),
                   g["Permission"]) for g in acl["Grants"])


def anonymous_like(s3):
    """An unsigned client addressing buckets as `s3` does."""
    return boto3.client("s3", endpoint_url=s3.meta.endpoint_url, region_name=REGION,
                        config=Config(signature_version=UNSIGNED, s3=s3.meta.config.s3, retries={"max_attempts": 0}))


def _signed(method, url, data=b"", headers=None):
    request = AWSRequest(method=method, url=url, data=data,
                         headers={"X-Amz-Content-SHA256": hashlib.sha256(data).hexdigest(), **(headers or {})})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(request)
    return requests.request(method, url, data=data, headers=dict(request.headers), timeout=10)


def test_default_acls_are_private(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for acl in (s3.get_bucket_acl(Bucket=bucket), s3.get_object_acl(Bucket=bucket, Key="k")):
        assert acl["Owner"] == {"ID": OWNER_ID, "DisplayName": "gust"}
        assert grants_of(acl) == [OWNER_FULL]
        assert acl["Grants"][0]["Grantee"]["DisplayName"] == "gust"


def test_canned_acls_on_buckets_and_objects(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for canned, expected in CANNED.items():
        s3.put_bucket_acl(Bucket=bucket, ACL=canned)
        assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == sorted(expected), canned
        s3.put_object_acl(Bucket=bucket, Key="k", ACL=canned)
        assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k")) == sorted(expected), canned
    # Setting the ACL leaves the object as it was.
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    for call in (lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public"),
                 lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="everyone"),
                 lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x", ACL="nope")):
        answer = error_of(call)
        assert answer["Error"]["Code"] == "InvalidArgument" and answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="k2"))["Error"]["Code"] == "404"
    assert error_of(lambda: s3.get_object_acl(Bucket=bucket, Key="missing"))["Error"]["Code"] == "NoSuchKey"


def test_acls_on_creation_put_copy_and_multipart(s3, bucket):
    name = f"b-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, ACL="public-read")
    assert grants_of(s3.get_bucket_acl(Bucket=name)) == sorted(CANNED["public-read"])
    s3.delete_bucket(Bucket=name)
    s3.put_object(Bucket=bucket, Key="p", Body=b"x", ACL="public-read-write")
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="p")) == sorted(CANNED["public-read-write"])
    # A copy gets the ACL its request names, not its source's.
    s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "p"})
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="c")) == [OWNER_FULL]
    s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "p"}, ACL="authenticated-read")
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="c")) == sorted(CANNED["authenticated-read"])
    # A multipart upload's ACL is fixed at creation and applied at completion.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m", GrantRead=f'uri="{ALL_USERS}"', GrantFullControl=f'id="{OWNER_ID}"')
    part = s3.upload_part(Bucket=bucket, Key="m", UploadId=upload["UploadId"], PartNumber=1, Body=b"part")
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="m")) == sorted([OWNER_FULL, ("Group", ALL_USERS, "READ")])


def test_explicit_grants_by_document_and_headers(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    policy = {"Owner": {"ID": OWNER_ID}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
        {"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "WRITE_ACP"},
        {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "READ_ACP"},
    ]}
    expected = sorted([OWNER_FULL, ("Group", ALL_USERS, "READ"), ("Group", AUTHENTICATED_USERS, "WRITE_ACP"),
                       ("CanonicalUser", OWNER_ID, "READ_ACP")])
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=policy)
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k")) == expected
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == expected
    # Grant headers are the whole ACL: S3 adds no owner grant to them.
    s3.put_bucket_acl(Bucket=bucket, GrantRead=f'uri="{ALL_USERS}"', GrantWrite=f'uri="{ALL_USERS}"', GrantReadACP=f'id="{OWNER_ID}"',
                      GrantWriteACP=f'uri="{AUTHENTICATED_USERS}"', GrantFullControl=f'id="{OWNER_ID}"')
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == sorted([
        OWNER_FULL, ("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE"), ("CanonicalUser", OWNER_ID, "READ_ACP"),
        ("Group", AUTHENTICATED_USERS, "WRITE_ACP")])
    s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=f'id="{OWNER_ID}"')
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k")) == [("CanonicalUser", OWNER_ID, "READ")]
    # A user this store does not know, by document or header.
    stranger = {"Owner": {"ID": OWNER_ID}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "stranger"}, "Permission": "READ"}]}
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=stranger))["Error"]["Code"] == "InvalidArgument"
    assert error_of(lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead='id="stranger"'))["Error"]["Code"] == "InvalidArgument"
    # The one account has no e-mail address: no address resolves, as S3 answers an unknown one.
    by_email = {"Owner": {"ID": OWNER_ID}, "Grants": [
        {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "someone@example.com"}, "Permission": "READ"}]}
    assert error_of(lambda: s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=by_email))["Error"]["Code"] == \
        "UnresolvableGrantByEmailAddress"
    assert error_of(lambda: s3.put_object_acl(Bucket=bucket, Key="k", GrantRead='emailAddress="a@example.com"'))["Error"]["Code"] == \
        "UnresolvableGrantByEmailAddress"
    both = error_of(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="private", GrantRead=f'uri="{ALL_USERS}"'))
    assert both["Error"]["Code"] == "InvalidRequest"
    # Documents that are not XML, or not an AccessControlPolicy.
    answer = _signed("PUT", f"{server.endpoint}/{bucket}/k?acl", b"<AccessControlPolicy><Owner>")
    assert answer.status_code == 400 and b"<Code>MalformedXML</Code>" in answer.content
    answer = _signed("PUT", f"{server.endpoint}/{bucket}?acl", b"<Policy><Grant/></Policy>")
    assert answer.status_code == 400 and b"<Code>MalformedACLError</Code>" in answer.content
    # The ACL written is exactly what boto3 reads back (xsi:type on every Grantee).
    answer = _signed("GET", f"{server.endpoint}/{bucket}/k?acl")
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"' in answer.content
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_anonymous_reads_follow_acls(s3, bucket):
    anonymous = anonymous_like(s3)
    s3.put_object(Bucket=bucket, Key="public", Body=b"for all", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private", Body=b"mine")
    assert anonymous.get_object(Bucket=bucket, Key="public")["Body"].read() == b"for all"
    assert anonymous.head_object(Bucket=bucket, Key="public")["ContentLength"] == 7
    denied = error_of(lambda: anonymous.get_object(Bucket=bucket, Key="private"))
    assert denied["Error"]["Code"] == "AccessDenied" and denied["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error_of(lambda: anonymous.head_object(Bucket=bucket, Key="private"))["ResponseMetadata"]["HTTPStatusCode"] == 403
    # Without READ on the bucket, a missing key is not told apart from a private one.
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="missing"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.list_objects_v2(Bucket=bucket))["Error"]["Code"] == "AccessDenied"
    # Everything but plain reads stays closed, even on a public object.
    assert error_of(lambda: anonymous.get_object_acl(Bucket=bucket, Key="public"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.get_object_tagging(Bucket=bucket, Key="public"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.list_buckets())["Error"]["Code"] == "AccessDenied"
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert sorted(o["Key"] for o in anonymous.list_objects_v2(Bucket=bucket)["Contents"]) == ["private", "public"]
    assert [o["Key"] for o in anonymous.list_objects(Bucket=bucket)["Contents"]] == ["private", "public"]
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="missing"))["Error"]["Code"] == "NoSuchKey"
    assert error_of(lambda: anonymous.get_object(Bucket=bucket, Key="private"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.get_bucket_acl(Bucket=bucket))["Error"]["Code"] == "AccessDenied"
    # A bucket that does not exist is NoSuchBucket for anyone, as on S3.
    assert error_of(lambda: anonymous.get_object(Bucket="b-not-there", Key="k"))["Error"]["Code"] == "NoSuchBucket"


def test_anonymous_writes_need_public_read_write(s3, bucket):
    anonymous = anonymous_like(s3)
    assert error_of(lambda: anonymous.put_object(Bucket=bucket, Key="drop", Body=b"x"))["Error"]["Code"] == "AccessDenied"
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert error_of(lambda: anonymous.put_object(Bucket=bucket, Key="drop", Body=b"x"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.delete_object(Bucket=bucket, Key="drop"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="drop"))["Error"]["Code"] == "404"
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    anonymous.put_object(Bucket=bucket, Key="drop", Body=b"from anyone", ACL="public-read")
    assert s3.get_object(Bucket=bucket, Key="drop")["Body"].read() == b"from anyone"
    assert anonymous.get_object(Bucket=bucket, Key="drop")["Body"].read() == b"from anyone"
    # Only plain writes: no copies, no multipart, no ACL changes, no bucket changes.
    assert error_of(lambda: anonymous.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "drop"}))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.create_multipart_upload(Bucket=bucket, Key="m"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.put_bucket_acl(Bucket=bucket, ACL="private"))["Error"]["Code"] == "AccessDenied"
    assert error_of(lambda: anonymous.delete_bucket(Bucket=bucket))["Error"]["Code"] == "AccessDenied"
    anonymous.delete_object(Bucket=bucket, Key="drop")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="drop"))["Error"]["Code"] == "404"


def test_unsigned_requests_get_s3_errors(server, bucket):
    # S3's XML, not Lambda's JSON, for anything that is not Lambda's or Gust's API.
    for path in ("/", f"/{bucket}", f"/{bucket}/k", f"/{bucket}?acl"):
        answer = requests.get(server.endpoint + path, timeout=10)
        assert answer.status_code == 403 and b"<Code>AccessDenied</Code>" in answer.content, path
        assert answer.headers["Content-Type"] == "application/xml"
    answer = requests.put(f"{server.endpoint}/{bucket}/k", data=b"x", timeout=10)
    assert answer.status_code == 403 and b"<Code>AccessDenied</Code>" in answer.content
    # Lambda's API stays Lambda's, and a version-2 signed header is no anonymous request.
    answer = requests.get(server.endpoint + "/2015-03-31/functions/", timeout=10)
    assert answer.status_code == 403 and answer.headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    answer = requests.get(f"{server.endpoint}/{bucket}", headers={"Authorization": "AWS AKID:c2lnbmF0dXJl"}, timeout=10)
    assert answer.status_code == 403 and b"<Code>AccessDenied</Code>" in answer.content
    assert requests.get(server.endpoint + "/gust/v1/health", timeout=10).json() == {"Status": "ok"}
