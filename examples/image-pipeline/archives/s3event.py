"""The objects an S3 event notification names.

S3 invokes a function with one or more records; each names its bucket and key, and the key is
URL-encoded as in a query string (`summer+trip/cat%C3%A9.jpg` for `summer trip/caté.jpg`).
The same file is in images/ and archives/: each is a package of its own.
"""

from urllib.parse import unquote_plus


def created_objects(event):
    """(bucket, key) of each ObjectCreated record in `event`, the key decoded."""
    for record in event.get("Records", []):
        if not record.get("eventName", "").startswith("ObjectCreated:"):
            continue
        yield record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"])
