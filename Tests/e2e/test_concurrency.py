"""Reserved concurrency, warm instance reuse, the instance cap under parallel load, scale to zero."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

# An instance is told apart by its pid plus a token made at import: pids alone can repeat
# when every sandbox has its own pid namespace.
APP = """
import os, time, uuid

count = 0
token = uuid.uuid4().hex[:8]

def handler(event, context):
    global count
    count += 1
    time.sleep(event.get("sleep", 0))
    return {"instance": f"{os.getpid()}-{token}", "count": count, "request_id": context.aws_request_id}
"""


def record_of(records, name, request_id):
    found = records.wait(name, lambda rs: any(r["RequestId"] == request_id for r in rs))
    return next(r for r in found if r["RequestId"] == request_id)


def test_put_get_delete_concurrency(lam, create_function, unique, expect_error):
    name = unique("concurrency-api")
    create_function(name, {"app.py": APP})
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    put = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
    assert put["ReservedConcurrentExecutions"] == 3
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 3
    lam.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    expect_error(lambda: lam.put_function_concurrency(FunctionName=unique("nope"), ReservedConcurrentExecutions=1),
                 "ResourceNotFoundException", 404)


def test_sequential_invokes_reuse_the_instance(create_function, unique, invoke, records):
    name = unique("warm")
    create_function(name, {"app.py": APP})
    first = invoke(name)[1]
    second = invoke(name)[1]
    assert second["instance"] == first["instance"]
    assert (first["count"], second["count"]) == (1, 2)
    assert record_of(records, name, first["request_id"])["InitDurationMs"] is not None
    assert record_of(records, name, second["request_id"])["InitDurationMs"] is None


def test_reserved_concurrency_caps_instances(lam, create_function, unique):
    name = unique("capped")
    create_function(name, {"app.py": APP}, Timeout=30)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)

    def call(_):
        try:
            response = lam.invoke(FunctionName=name, Payload=b'{"sleep": 1}')
            result = json.loads(response["Payload"].read())
            assert "FunctionError" not in response, result
            return result["instance"]
        except lam.exceptions.TooManyRequestsException:
            return "throttled"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(8)))
    instances = {r for r in results if r != "throttled"}
    assert 1 <= len(instances) <= 2, results
    assert results.count("throttled") < 8, results


def test_idle_instances_stop_after_keep_alive(create_function, unique, invoke, records):
    name = unique("keepalive")
    create_function(name, {"app.py": APP})
    first = invoke(name)[1]
    time.sleep(4)  # the test server runs with --keep-alive 2
    second = invoke(name)[1]
    assert second["instance"] != first["instance"]
    assert second["count"] == 1
    assert record_of(records, name, second["request_id"])["InitDurationMs"] is not None
