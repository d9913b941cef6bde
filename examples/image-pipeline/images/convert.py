"""convert: a photo uploaded under photos/uploads/ is converted to WebP (to PNG where Pillow was
built without WebP) in the CONVERTED_BUCKET (converted) bucket, under its key with the new
extension: uploads/cat.jpg → converted/uploads/cat.webp.

Same trigger and failure handling as thumbnail (see thumbnail.py): a file that is not an image
raises, and its record goes to the pipeline-failures queue.
"""

import io
import os
import posixpath

import boto3
from PIL import Image, ImageOps, features

from s3event import created_objects

s3 = boto3.client("s3")
TARGET = os.environ.get("CONVERTED_BUCKET", "converted")
FORMAT = "WEBP" if features.check("webp") else "PNG"
EXTENSION = {"WEBP": ".webp", "PNG": ".png"}[FORMAT]


def converted_key(key):
    """`uploads/cat.jpg` → `uploads/cat.webp`; a key without an extension gets one."""
    root, _ = posixpath.splitext(key)
    return root + EXTENSION


def convert(data):
    """The image in `data` as FORMAT bytes; raises if it is not an image."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        # WebP holds RGB or RGBA; PNG no CMYK. Transparency (an alpha band, a palette's
        # transparent colour) is kept as alpha.
        if upright.mode not in ("RGB", "RGBA"):
            upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
        out = io.BytesIO()
        upright.save(out, format=FORMAT, **({"quality": 85} if FORMAT == "WEBP" else {}))
    return out.getvalue()


def handler(event, context):
    written = []
    for bucket, key in created_objects(event):
        if bucket == TARGET:
            print(f"skipped {bucket}/{key}: it is in the converted bucket itself")
            continue
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            converted = convert(data)
        except Exception as error:
            raise ValueError(f"{bucket}/{key} is not an image Pillow can read: {error}") from error
        target = converted_key(key)
        s3.put_object(Bucket=TARGET, Key=target, Body=converted, ContentType=Image.MIME[FORMAT])
        print(f"{bucket}/{key} ({len(data)} bytes) → {TARGET}/{target} ({len(converted)} bytes)")
        written.append(target)
    return {"converted": written}
