"""unzip: a .zip dropped in the archives bucket is unpacked into the same bucket, one object per
file, under UNPACKED_PREFIX (unpacked/) and the archive's key without `.zip`:
batch.zip holding docs/a.txt → archives/unpacked/batch/docs/a.txt.

The bucket invokes it on s3:ObjectCreated:* for keys ending in .zip, so the files it writes do not
invoke it again, except a .zip inside an archive: that one is written like any file and its event
skipped here (a filter cannot say "not under unpacked/", and an archive that contains itself would
otherwise unpack forever).

An archive is checked whole before anything is written, and refused (the invocation raises, so
its record goes to the pipeline-failures queue) if a member's name is absolute, has a `..` part
or a backslash (a path that climbs out of unpacked/<archive>/ once copied to a disk), or if it
would unpack to more than MAX_UNPACKED_BYTES. Directory entries are skipped: S3 has no directories.
"""

import mimetypes
import os
import shutil
import tempfile
import zipfile

import boto3

from s3event import created_objects

s3 = boto3.client("s3")
OUTPUT = os.environ.get("UNPACKED_PREFIX", "unpacked/")
MAX_BYTES = int(os.environ.get("MAX_UNPACKED_BYTES", str(512 * 1024 * 1024)))


class RefusedArchive(ValueError):
    pass


def member_key(prefix, name):
    """The object key for member `name` under `prefix`; raises RefusedArchive for a name that climbs out."""
    if name.startswith("/") or "\\" in name or (name[:1].isalpha() and name[1:2] == ":"):
        raise RefusedArchive(f"member {name!r} is an absolute or Windows path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise RefusedArchive(f"member {name!r} climbs out of its directory")
    if not parts:
        raise RefusedArchive(f"member {name!r} names no file")
    return prefix + "/".join(parts)


def plan(archive, prefix):
    """(member, key) for each file in `archive`, all names checked first."""
    files = [info for info in archive.infolist() if not info.is_dir()]
    total = sum(info.file_size for info in files)
    if total > MAX_BYTES:
        raise RefusedArchive(f"it would unpack to {total} bytes, more than {MAX_BYTES}")
    return [(info, member_key(prefix, info.filename)) for info in files]


def unpack(bucket, key):
    prefix = f"{OUTPUT}{key[: -len('.zip')] if key.lower().endswith('.zip') else key}/"
    with tempfile.TemporaryFile() as local:
        shutil.copyfileobj(s3.get_object(Bucket=bucket, Key=key)["Body"], local)
        try:
            archive = zipfile.ZipFile(local)
        except zipfile.BadZipFile as error:
            raise RefusedArchive(f"not a zip archive: {error}") from error
        with archive:
            members = plan(archive, prefix)
            for info, target in members:
                # Spooled through /tmp: a member may be larger than the function's memory.
                with archive.open(info) as source, tempfile.TemporaryFile() as spool:
                    shutil.copyfileobj(source, spool)
                    spool.seek(0)
                    kind = mimetypes.guess_type(info.filename)[0] or "binary/octet-stream"
                    s3.put_object(Bucket=bucket, Key=target, Body=spool, ContentType=kind)
    return [target for _, target in members]


def handler(event, context):
    written = []
    for bucket, key in created_objects(event):
        if key.startswith(OUTPUT):
            print(f"skipped {bucket}/{key}: an archive unpacked from another is not unpacked again")
            continue
        try:
            keys = unpack(bucket, key)
        except RefusedArchive as error:
            raise RefusedArchive(f"{bucket}/{key} refused: {error}") from None
        print(f"{bucket}/{key} → {len(keys)} files under {bucket}/{OUTPUT}")
        written += keys
    return {"unpacked": written}
