"""thumbnail: a photo uploaded under photos/uploads/ gets a thumbnail, at most THUMBNAIL_SIZE
(256) pixels on its long side and in the photo's own format, in the THUMBNAIL_BUCKET (thumbnails)
bucket under the same key.

The photos bucket invokes it asynchronously on s3:ObjectCreated:* for keys under uploads/. A file
Pillow cannot read raises: the invocation fails and, with `retries: 0`, its record goes at once to
the pipeline-failures queue. boto3 is the runtime's, with no endpoint or keys written here: Gust
gives the function AWS_ENDPOINT_URL and credentials of its own. Pillow comes from requirements.txt.
"""

import io
import os

import boto3
from PIL import Image, ImageOps

from s3event import created_objects

s3 = boto3.client("s3")
TARGET = os.environ.get("THUMBNAIL_BUCKET", "thumbnails")
SIZE = int(os.environ.get("THUMBNAIL_SIZE", "256"))


def thumbnail(data):
    """(bytes, format) of the thumbnail of the image in `data`; raises if it is not one."""
    with Image.open(io.BytesIO(data)) as image:
        # A phone's MPO (a JPEG with more pictures after the first) is a JPEG to every viewer.
        kind = "JPEG" if image.format == "MPO" else image.format
        # Upright as the camera meant it (the EXIF orientation), then no larger than SIZE×SIZE,
        # the aspect ratio kept. A smaller image is left its size.
        small = ImageOps.exif_transpose(image)
        small.thumbnail((SIZE, SIZE))
        out = io.BytesIO()
        small.save(out, format=kind)
    return out.getvalue(), kind


def handler(event, context):
    written = []
    for bucket, key in created_objects(event):
        if bucket == TARGET:
            # Writing a thumbnail where the trigger listens would make thumbnails of thumbnails forever.
            print(f"skipped {bucket}/{key}: it is in the thumbnails bucket itself")
            continue
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            small, kind = thumbnail(data)
        except Exception as error:
            raise ValueError(f"{bucket}/{key} is not an image Pillow can read: {error}") from error
        s3.put_object(Bucket=TARGET, Key=key, Body=small, ContentType=Image.MIME.get(kind, "binary/octet-stream"))
        print(f"{bucket}/{key} ({len(data)} bytes) → {TARGET}/{key} ({kind}, {len(small)} bytes)")
        written.append(key)
    return {"thumbnails": written}
