"""Event source mapping benchmark: how long a message sent to an SQS queue takes to reach the
handler of a warm Python function through a mapping (send -> handler start), against the same
function invoked directly with a synchronous Invoke (request -> handler start), measured in the
same run on the same server. Timestamps are the machine's one clock, read by the client before
its call and by the handler as it starts.

Run through `Benchmarks/run.sh mapping`. Writes a dated section into BENCHMARKS.md.
"""
import datetime
import json
import statistics
import sys
import time

import boto3
from botocore.config import Config

from bench import KEY, ROOT, SECRET, Client, Server, machine, prepend_section, zip_dir

SAMPLES = 200
SPACING = 0.02  # seconds between sends: each message finds the poller parked in its long poll

HANDLER = b"""
import time

def handler(event, context):
    now = time.time()
    for record in event.get("Records", [event]):
        print("HANDLER_START %s %.6f" % (record.get("body") or record.get("id"), now))
    return None
"""


def starts(client, name):
    """{id: handler start time} from the function's logs."""
    path = "/gust/v1/functions/%s/logs" % name
    result, after = {}, None
    while True:
        query = "limit=1000" + ("&after=%s" % after if after else "")
        headers = client.signed("GET", path + "?" + query)
        answer = client.session.get(client.url + path + "?" + query, headers=headers).json()
        lines = [line for line in answer["Logs"].splitlines() if line.startswith("HANDLER_START ")]
        for line in lines:
            _, ident, ts = line.split()
            result[ident] = float(ts)
        if answer["NextToken"] == after or not answer["Logs"]:
            return result
        after = answer["NextToken"]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    gust = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build/release/gust")
    server = Server(gust, "bwrap")
    try:
        client = Client(server.url)
        sqs = boto3.client("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=KEY,
                           aws_secret_access_key=SECRET, config=Config(retries={"max_attempts": 0}))
        code = zip_dir({"app.py": (HANDLER, 0o644)})
        for name in ("mapped", "direct"):
            client.lam.create_function(FunctionName=name, Role="r", MemorySize=128, Timeout=10, Runtime="python3.11",
                                       Handler="app.handler", Code={"ZipFile": code})
        url = sqs.create_queue(QueueName="bench")["QueueUrl"]
        client.lam.create_event_source_mapping(
            EventSourceArn="arn:aws:sqs:us-east-1:000000000000:bench", FunctionName="mapped", BatchSize=1)
        # Warm both (an instance each) before measuring.
        for i in range(20):
            sqs.send_message(QueueUrl=url, MessageBody="warm%d" % i)
            client.invoke_timed("direct", json.dumps({"id": "warm%d" % i}).encode())
        time.sleep(1)

        sent, returned, called = {}, {}, {}
        for i in range(SAMPLES):
            ident = "m%d" % i
            sent[ident] = time.time()
            sqs.send_message(QueueUrl=url, MessageBody=ident)
            returned[ident] = time.time()
            time.sleep(SPACING)
        for i in range(SAMPLES):
            ident = "d%d" % i
            called[ident] = time.time()
            client.invoke_timed("direct", json.dumps({"id": ident}).encode())
            time.sleep(SPACING)
        time.sleep(1)
        mapped, direct = starts(client, "mapped"), starts(client, "direct")
        missing = [i for i in sent if i not in mapped]
        assert not missing, "messages never reached the handler: %s" % missing[:5]
        from_send = [(mapped[i] - sent[i]) * 1000 for i in sent]
        from_ack = [(mapped[i] - returned[i]) * 1000 for i in sent]
        invoke = [(direct[i] - called[i]) * 1000 for i in called]
    finally:
        server.stop()

    result = {
        "send_to_start_p50": statistics.median(from_send), "send_to_start_p99": percentile(from_send, 99),
        "ack_to_start_p50": statistics.median(from_ack), "ack_to_start_p99": percentile(from_ack, 99),
        "invoke_to_start_p50": statistics.median(invoke), "invoke_to_start_p99": percentile(invoke, 99),
    }
    print(json.dumps(result, indent=1))
    today = datetime.date.today().isoformat()
    lines = [
        "## %s — SQS event source mapping: send → handler start, warm Python" % today,
        "",
        "Machine: %s. Command: `Benchmarks/run.sh mapping` (release build, default sandbox)." % machine(),
        "One queue, a mapping with BatchSize 1 to a warm Python function; %d messages sent one at a time "
        "%d ms apart with boto3; the handler prints `time.time()` as it starts. Baseline: the same handler "
        "in a second function, invoked synchronously (signed Invoke over a kept-alive connection), same "
        "spacing, same run." % (SAMPLES, SPACING * 1000),
        "",
        "| path | p50 | p99 |",
        "|---|---|---|",
        "| SendMessage call start → handler start | %.2f ms | %.2f ms |" % (result["send_to_start_p50"], result["send_to_start_p99"]),
        "| SendMessage acknowledged → handler start | %.2f ms | %.2f ms |" % (result["ack_to_start_p50"], result["ack_to_start_p99"]),
        "| baseline: Invoke call start → handler start | %.2f ms | %.2f ms |" % (result["invoke_to_start_p50"], result["invoke_to_start_p99"]),
        "",
    ]
    prepend_section(lines)


if __name__ == "__main__":
    main()
