"""Async invocations are durable: accepted events survive `kill -9` of the server and run after restart."""

import signal

APP = """
import time

def handler(event, context):
    time.sleep(2)
    print("processed", event["n"])
    return {"n": event["n"]}
"""
ROLE = "arn:aws:iam::000000000000:role/gust-e2e"


def test_events_survive_kill_9(start_server, client_for, zip_files, records, unique):
    server = start_server()
    lam = client_for(server.endpoint)
    name = unique("durable")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Timeout=10, Code={"ZipFile": zip_files({"app.py": APP})})
    accepted = []
    for n in range(3):
        response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=f'{{"n": {n}}}'.encode())
        assert response["StatusCode"] == 202
        accepted.append(response["ResponseMetadata"]["RequestId"])

    server.proc.send_signal(signal.SIGKILL)  # kill -9, right after the 202s
    server.proc.wait()
    assert server.proc.returncode == -signal.SIGKILL

    restarted = start_server(server.data_dir)

    def three_successes(rs):
        return len({r["RequestId"] for r in rs if r["Mode"] == "Event" and r["Outcome"] == "Success"}) >= 3

    found = records.wait(name, three_successes, timeout=30, endpoint=restarted.endpoint)
    succeeded = {r["RequestId"] for r in found if r["Mode"] == "Event" and r["Outcome"] == "Success"}
    assert len(succeeded) == 3, found  # at-least-once, deduplicated by request id
    assert succeeded == set(accepted), (succeeded, accepted)
    # The function itself survived too.
    assert client_for(restarted.endpoint).get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
