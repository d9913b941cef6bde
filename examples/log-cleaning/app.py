"""clean-logs: raw log lines from the raw-logs queue become JSON records on the clean-logs queue.

A raw line is `TIMESTAMP LEVEL SERVICE message key=value…`, the shape most services' plain-text
logs have:

    2025-03-14T09:26:53.589+01:00 WARN payments card declined order=8812 amount=19.99 reason="card expired"

- TIMESTAMP: ISO 8601, extended or basic (`20250314T082653Z`), `T` or a space between date and
  time, fractions optional, `Z` or an offset (a time without one is taken as UTC);
- LEVEL: trace, debug, info, warn (warning), error (err), fatal (critical, crit), any case;
- SERVICE: the emitting service, `[A-Za-z0-9_.-/]+`;
- then a free-text message and, at the end, `key=value` fields (a value with spaces in double quotes).

Each becomes one record:

    {"timestamp": "2025-03-14T08:26:53.589Z", "level": "warn", "service": "payments",
     "message": "card declined", "fields": {"order": 8812, "amount": 19.99, "reason": "card expired"}}

A message may carry several lines (one per line). It is cleaned whole or not at all: if any line
cannot be parsed, nothing of it is sent and its id goes back in `batchItemFailures`, so SQS
delivers it again and, after the queue's maxReceiveCount, moves it to raw-logs-dlq.

boto3 is the runtime's, as on Lambda; python-dateutil comes from requirements.txt, which
`gust deploy` installs into the package.
"""

import json
import os
import re
from datetime import timezone

import boto3
from dateutil.parser import isoparse

sqs = boto3.client("sqs")
_clean_queue_url = None

LINE = re.compile(
    r"^(?P<timestamp>\d{4}-?\d{2}-?\d{2}[T ]\d{2}:?\d{2}:?\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)"
    r"\s+(?P<level>[A-Za-z]+)\s+(?P<service>[A-Za-z0-9_./-]+)(?:\s+(?P<rest>.*))?$"
)
FIELD = re.compile(r'([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')
FIELD_START = re.compile(r"(?:^|(?<=\s))[A-Za-z_][\w.-]*=")
LEVELS = {
    "trace": "trace", "debug": "debug", "info": "info", "warn": "warn", "warning": "warn",
    "error": "error", "err": "error", "fatal": "fatal", "critical": "fatal", "crit": "fatal",
}


class Unparseable(ValueError):
    pass


def parse_timestamp(text):
    try:
        moment = isoparse(text)
    except ValueError as error:
        raise Unparseable(f"bad timestamp: {error}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def field_value(raw):
    if raw.startswith('"'):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(raw, raw)


def split_fields(rest):
    """The message and the key=value fields that end the line (the first run of pairs that reaches the end)."""
    for start in FIELD_START.finditer(rest):
        fields, position = {}, start.start()
        while position < len(rest):
            pair = FIELD.match(rest, position)
            if not pair:
                break
            fields[pair.group(1)] = field_value(pair.group(2))
            position = pair.end()
        else:
            return rest[: start.start()].strip(), fields
    return rest.strip(), {}


def parse_line(line):
    match = LINE.match(line.strip())
    if not match:
        raise Unparseable("not TIMESTAMP LEVEL SERVICE message key=value…")
    level = LEVELS.get(match["level"].lower())
    if level is None:
        raise Unparseable(f"unknown level {match['level']}")
    message, fields = split_fields(match["rest"] or "")
    return {
        "timestamp": parse_timestamp(match["timestamp"]),
        "level": level,
        "service": match["service"],
        "message": message,
        "fields": fields,
    }


def clean_queue_url():
    global _clean_queue_url
    if _clean_queue_url is None:
        _clean_queue_url = sqs.get_queue_url(QueueName=os.environ.get("CLEAN_QUEUE", "clean-logs"))["QueueUrl"]
    return _clean_queue_url


def send(records):
    """Sends (message id, record) pairs in batches of 10; returns the message ids whose records were refused."""
    failed = set()
    for start in range(0, len(records), 10):
        chunk = records[start : start + 10]
        entries = [{"Id": str(n), "MessageBody": json.dumps(record)} for n, (_, record) in enumerate(chunk)]
        answer = sqs.send_message_batch(QueueUrl=clean_queue_url(), Entries=entries)
        failed.update(chunk[int(entry["Id"])][0] for entry in answer.get("Failed", []))
    return failed


def handler(event, context):
    failures, records = [], []
    for message in event.get("Records", []):
        lines = [line for line in message["body"].splitlines() if line.strip()]
        try:
            cleaned = [parse_line(line) for line in lines]
        except Unparseable as error:
            print(f"unparseable message {message['messageId']}: {error}")
            failures.append(message["messageId"])
            continue
        for record in cleaned:
            record["source"] = {"queue": "raw-logs", "messageId": message["messageId"]}
            records.append((message["messageId"], record))
    # A message whose records were refused is retried whole; its other records may then arrive
    # twice, so consumers deduplicate on source.messageId as on any at-least-once queue.
    failures += sorted(send(records))
    print(f"cleaned {len(records)} records; {len(failures)} of {len(event.get('Records', []))} messages failed")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
