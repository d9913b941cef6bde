"""examples/image-pipeline (real-time file processing): `gust deploy` makes its buckets, queue and
functions and sets the buckets' notification configurations; photos uploaded with boto3 get
thumbnails and conversions, a zip is unpacked beside itself, and a file that is not an image (or a
hostile zip) ends as an on-failure record on the pipeline-failures queue. Also `gust buckets`, and
what a re-deploy does to notification entries it did not make. One server for the module.

Everything but `gust buckets` and the manifest checks needs the server's bucket notifications
(Put/GetBucketNotificationConfiguration, and delivery of S3 events through the async path)."""

import io
import json
import os
import subprocess
import time
import uuid
import zipfile
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from conftest import ACCESS_KEY, GUST_BIN, REGION, REPO, SECRET_KEY, GustServer, lambda_client_for, signed

APP = REPO / "examples/image-pipeline"
ACCOUNT = "000000000000"
# How long a derived object may take: a first upload also starts the functions' instances.
WAIT = 15


def function_arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def queue_arn(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = GustServer(tmp_path_factory.mktemp("gust-image-pipeline"))
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


def client(kind, server):
    extra = {"s3": {"addressing_style": "path"}, "signature_version": "s3v4"} if kind == "s3" else {}
    return boto3.client(
        kind, endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 0}, read_timeout=40, connect_timeout=5, **extra))


@pytest.fixture(scope="module")
def s3(server):
    return client("s3", server)


@pytest.fixture(scope="module")
def sqs(server):
    return client("sqs", server)


@pytest.fixture(scope="module")
def lam(server):
    return lambda_client_for(server.endpoint)


@pytest.fixture(scope="module")
def deployed(gust):
    """The example deployed as scripts/run.sh deploys it: `gust deploy examples/image-pipeline`."""
    result = gust("deploy", str(APP))
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


class FailureRecords:
    """The on-failure records on pipeline-failures, kept as they are received: each test finds its
    own among them, whatever order they arrive in."""

    def __init__(self, sqs):
        self.sqs = sqs
        self.records = []

    def wait(self, predicate, count=1, timeout=30):
        url = self.sqs.get_queue_url(QueueName="pipeline-failures")["QueueUrl"]
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [record for record in self.records if predicate(record)]
            if len(found) >= count:
                return found
            for message in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                    WaitTimeSeconds=1).get("Messages", []):
                self.records.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        received = [(record.get("requestContext", {}).get("functionArn"), object_key(record)) for record in self.records]
        pytest.fail(f"{count} matching on-failure record(s) not on pipeline-failures within {timeout}s; received {received}")


@pytest.fixture(scope="module")
def failures(sqs):
    return FailureRecords(sqs)


def object_key(record):
    """The key of the S3 event an on-failure record carries, decoded (S3 sends it URL-encoded)."""
    try:
        return unquote_plus(record["requestPayload"]["Records"][0]["s3"]["object"]["key"])
    except (KeyError, IndexError, TypeError):
        return None


def image_bytes(kind, size, mode="RGB"):
    image = Image.new(mode, size, (180, 40, 40) if mode == "RGB" else (20, 60, 200, 128))
    # Something to compress: a thumbnail of a flat colour would hide a wrong resampling.
    for x in range(0, size[0], 7):
        for y in range(0, size[1], 11):
            image.putpixel((x, y), (x % 256, y % 256, 90) + ((255,) if mode == "RGBA" else ()))
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def wait_for_object(s3, bucket, key, timeout=WAIT):
    """The object's bytes once it exists; fails after `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            if time.time() > deadline:
                listed = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
                pytest.fail(f"{bucket}/{key} did not appear within {timeout}s; {bucket} holds {listed}")
            time.sleep(0.25)


def keys(s3, bucket, prefix=""):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def logs(server, function):
    response = signed("GET", server.endpoint, f"/gust/v1/functions/{function}/logs", params={"limit": "1000"})
    assert response.status_code == 200, response.text
    return response.json()["Logs"]


def filter_rules(entry):
    """{'prefix': 'uploads/'}: S3 answers the rule names capitalised, whatever they were put as."""
    rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    return {rule["Name"].lower(): rule["Value"] for rule in rules}


# MARK: the deploy


def test_deploy_makes_buckets_queue_functions_and_notifications(deployed, s3, sqs, lam):
    for bucket in ("photos", "thumbnails", "converted", "archives"):
        assert f"bucket {bucket}: created" in deployed or f"bucket {bucket}: exists" in deployed
        s3.head_bucket(Bucket=bucket)
    assert sqs.get_queue_url(QueueName="pipeline-failures")["QueueUrl"].endswith("/pipeline-failures")

    photos = s3.get_bucket_notification_configuration(Bucket="photos")
    entries = {entry["Id"]: entry for entry in photos.get("LambdaFunctionConfigurations", [])}
    assert sorted(entries) == ["gust-deploy:image-pipeline:convert:1", "gust-deploy:image-pipeline:thumbnail:1"]
    thumbnail = entries["gust-deploy:image-pipeline:thumbnail:1"]
    assert thumbnail["LambdaFunctionArn"] == function_arn("thumbnail")
    assert thumbnail["Events"] == ["s3:ObjectCreated:*"]
    assert filter_rules(thumbnail) == {"prefix": "uploads/"}
    assert entries["gust-deploy:image-pipeline:convert:1"]["LambdaFunctionArn"] == function_arn("convert")

    [unzip] = s3.get_bucket_notification_configuration(Bucket="archives")["LambdaFunctionConfigurations"]
    assert unzip["Id"] == "gust-deploy:image-pipeline:unzip:1"
    assert unzip["LambdaFunctionArn"] == function_arn("unzip")
    assert filter_rules(unzip) == {"suffix": ".zip"}
    for bucket in ("thumbnails", "converted"):
        assert not s3.get_bucket_notification_configuration(Bucket=bucket).get("LambdaFunctionConfigurations")

    for name in ("thumbnail", "convert", "unzip"):
        config = lam.get_function_event_invoke_config(FunctionName=name)
        assert config["MaximumRetryAttempts"] == 0
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn("pipeline-failures")


def test_redeploy_keeps_entries_it_did_not_make(deployed, gust, s3, sqs):
    # An entry made by hand (awscli's put-bucket-notification-configuration), on other events.
    sqs.create_queue(QueueName="photo-audit")
    current = s3.get_bucket_notification_configuration(Bucket="photos")
    current.pop("ResponseMetadata")
    by_hand = {"Id": "audit", "QueueArn": queue_arn("photo-audit"), "Events": ["s3:ObjectRemoved:*"]}
    s3.put_bucket_notification_configuration(
        Bucket="photos", NotificationConfiguration={**current, "QueueConfigurations": [by_hand]})
    try:
        again = gust("deploy", str(APP))
        assert again.returncode == 0, again.stderr + again.stdout
        assert "bucket photos: notifications unchanged" in again.stdout
        assert "1 other entry kept" in again.stdout
        after = s3.get_bucket_notification_configuration(Bucket="photos")
        assert [(q["Id"], q["QueueArn"], q["Events"]) for q in after["QueueConfigurations"]] == [
            ("audit", queue_arn("photo-audit"), ["s3:ObjectRemoved:*"])]
        assert len(after["LambdaFunctionConfigurations"]) == 2
    finally:
        s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration=current)


# MARK: photos


@pytest.mark.parametrize("kind, size, mode, key", [
    ("JPEG", (800, 600), "RGB", "uploads/summer trip/cat 1.jpg"),   # a key S3 sends URL-encoded
    ("PNG", (300, 1000), "RGBA", "uploads/diagram.png"),
])
def test_photos_get_thumbnails_and_conversions(deployed, s3, kind, size, mode, key):
    s3.put_object(Bucket="photos", Key=key, Body=image_bytes(kind, size, mode))

    small = Image.open(io.BytesIO(wait_for_object(s3, "thumbnails", key)))
    assert small.format == kind
    assert max(small.size) == 256   # at most 256 px, and a larger photo's long side scaled down to it
    # The aspect ratio is kept (to a pixel of rounding).
    assert abs(small.size[0] / small.size[1] - size[0] / size[1]) < 0.02
    assert small.mode == mode

    stem = key.rsplit(".", 1)[0]
    deadline = time.time() + WAIT
    while not (found := keys(s3, "converted", stem + ".")) and time.time() < deadline:
        time.sleep(0.25)
    assert found in ([stem + ".webp"], [stem + ".png"]), f"converted holds {keys(s3, 'converted')}"
    converted = Image.open(io.BytesIO(s3.get_object(Bucket="converted", Key=found[0])["Body"].read()))
    assert converted.format == ("WEBP" if found[0].endswith(".webp") else "PNG")
    assert converted.size == size
    assert s3.head_object(Bucket="converted", Key=found[0])["ContentType"] == Image.MIME[converted.format]


def test_uploads_outside_uploads_are_left_alone(deployed, s3):
    s3.put_object(Bucket="photos", Key="originals/cat.jpg", Body=image_bytes("JPEG", (400, 300)))
    s3.put_object(Bucket="photos", Key="uploads/marker.jpg", Body=image_bytes("JPEG", (400, 300)))
    # By the time a later upload under uploads/ is processed, an earlier one elsewhere would have been.
    wait_for_object(s3, "thumbnails", "uploads/marker.jpg")
    time.sleep(1)
    assert "originals/cat.jpg" not in keys(s3, "thumbnails")


def test_a_malformed_image_lands_on_the_failure_queue_and_good_ones_still_work(deployed, s3, failures):
    s3.put_object(Bucket="photos", Key="uploads/broken.jpg", Body=b"\xff\xd8\xff\xe0 this is no JPEG at all")

    found = failures.wait(lambda record: object_key(record) == "uploads/broken.jpg", count=2)
    assert sorted(record["requestContext"]["functionArn"].rsplit(":", 1)[0] for record in found) == [
        function_arn("convert"), function_arn("thumbnail")]
    for record in found:
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 1   # retries: 0
        assert record["responseContext"]["functionError"] == "Unhandled"
        assert "is not an image Pillow can read" in record["responsePayload"]["errorMessage"]
        [event] = record["requestPayload"]["Records"]
        assert event["eventSource"] == "aws:s3"
        assert event["eventName"].startswith("ObjectCreated:")
        assert event["s3"]["bucket"]["name"] == "photos"
        assert event["s3"]["bucket"]["arn"] == "arn:aws:s3:::photos"
    assert "uploads/broken.jpg" not in keys(s3, "thumbnails")

    s3.put_object(Bucket="photos", Key="uploads/after-broken.jpg", Body=image_bytes("JPEG", (640, 480)))
    assert Image.open(io.BytesIO(wait_for_object(s3, "thumbnails", "uploads/after-broken.jpg"))).size == (256, 192)


# MARK: archives


def zip_bytes(members):
    """Zip `{name: bytes or None}` (None: a directory entry)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data if data is not None else b"")
    return out.getvalue()


def test_a_zip_is_unpacked_beside_itself_once(deployed, s3, server):
    inner = zip_bytes({"deeper.txt": b"not unpacked again"})
    s3.put_object(Bucket="archives", Key="batch.zip", Body=zip_bytes({
        "notes.txt": b"two files",
        "docs/": None,
        "docs/nested/": None,
        "docs/nested/readme.md": b"# nested\n",
        "inner.zip": inner,
    }))
    wait_for_object(s3, "archives", "unpacked/batch/docs/nested/readme.md")
    assert wait_for_object(s3, "archives", "unpacked/batch/notes.txt") == b"two files"
    assert wait_for_object(s3, "archives", "unpacked/batch/inner.zip") == inner
    assert s3.get_object(Bucket="archives", Key="unpacked/batch/docs/nested/readme.md")["Body"].read() == b"# nested\n"
    assert s3.head_object(Bucket="archives", Key="unpacked/batch/notes.txt")["ContentType"] == "text/plain"

    # unpacked/batch/inner.zip matches the .zip filter and invokes unzip, which leaves it as it is.
    deadline = time.time() + WAIT
    while time.time() < deadline and "skipped archives/unpacked/batch/inner.zip" not in logs(server, "unzip"):
        time.sleep(0.25)
    assert "skipped archives/unpacked/batch/inner.zip" in logs(server, "unzip")
    # No directory entries, nothing of inner.zip unpacked.
    assert keys(s3, "archives", "unpacked/") == [
        "unpacked/batch/docs/nested/readme.md", "unpacked/batch/inner.zip", "unpacked/batch/notes.txt"]


def test_a_zip_that_climbs_out_is_refused_whole(deployed, s3, failures):
    s3.put_object(Bucket="archives", Key="evil.zip", Body=zip_bytes({"fine.txt": b"ok", "../../photos.txt": b"no"}))
    [record] = failures.wait(lambda record: object_key(record) == "evil.zip")
    assert record["requestContext"]["functionArn"].rsplit(":", 1)[0] == function_arn("unzip")
    assert "climbs out" in record["responsePayload"]["errorMessage"]
    assert keys(s3, "archives", "unpacked/evil") == []


# MARK: gust buckets and the manifest's checks (no notifications needed)


def without_expect_continue(request, **kwargs):
    """botocore sends PutObject with `Expect: 100-continue` and waits a second for `100 Continue`
    before it sends the body; Gust does not answer it yet, so a thousand uploads would take a
    thousand seconds. (Not a signed header: dropped before signing all the same.)"""
    del request.headers["Expect"]


def test_gust_buckets_counts_objects_and_bytes(server, gust):
    s3 = client("s3", server)
    s3.meta.events.register("before-sign.s3.PutObject", without_expect_continue)
    name = f"listing-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a", Body=b"x" * 10)
    s3.put_object(Bucket=name, Key="b/c", Body=b"y" * 2038)
    s3.put_object(Bucket=name, Key="empty", Body=b"")
    # More than one ListObjectsV2 page (1,000 keys).
    many = f"paged-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=many)
    for n in range(1001):
        s3.put_object(Bucket=many, Key=f"k{n:04d}", Body=b"z")

    listed = gust("buckets", "--json")
    assert listed.returncode == 0, listed.stderr
    buckets = {bucket["Name"]: bucket for bucket in json.loads(listed.stdout)["Buckets"]}
    assert buckets[name]["ObjectCount"] == 3 and buckets[name]["TotalSize"] == 2048
    assert buckets[many]["ObjectCount"] == 1001 and buckets[many]["TotalSize"] == 1001
    assert buckets[name]["CreationDate"]

    table = gust("buckets")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["NAME", "OBJECTS", "SIZE", "CREATED"]
    row = next(line for line in lines if line.startswith(name + " "))
    assert row.split()[1:4] == ["3", "2.0", "KiB"]
    assert next(line for line in lines if line.startswith(many + " ")).split()[1:4] == ["1001", "1001", "B"]


def test_an_s3_event_on_an_unknown_bucket_is_refused_before_anything_changes(server, gust, s3, tmp_path):
    app = tmp_path / "nowhere"
    app.mkdir()
    (app / "app.py").write_text("def handler(event, context):\n    return event\n")
    (app / "gust.yaml").write_text(
        "functions:\n"
        "  - name: nowhere-fn\n    runtime: python3.11\n    handler: app.handler\n"
        "    events:\n      - s3: {bucket: no-such-bucket-here, prefix: in/}\n")
    result = gust("deploy", str(app))
    assert result.returncode == 1
    assert "no-such-bucket-here" in result.stderr and "neither declared under buckets: nor on the server" in result.stderr
    functions = lambda_client_for(server.endpoint).list_functions()["Functions"]
    assert "nowhere-fn" not in [function["FunctionName"] for function in functions]

    (app / "gust.yaml").write_text(
        "functions:\n"
        "  - name: nowhere-fn\n    runtime: python3.11\n    handler: app.handler\n"
        "    events:\n      - s3: {bucket: photos, prefx: in/}\n")
    misspelt = gust("deploy", str(app))
    assert misspelt.returncode == 1
    assert "unknown key 'prefx'" in misspelt.stderr and ".functions[0].events[0].s3" in misspelt.stderr
