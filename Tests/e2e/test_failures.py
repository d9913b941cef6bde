"""Failures are contained: timeout, crash, out of memory, import errors, node exceptions; the server lives on."""

import re

APP = """
import os, time

def handler(event, context):
    action = event.get("action")
    if action == "sleep":
        time.sleep(5)
    elif action == "crash":
        print("about to crash", flush=True)
        os._exit(3)
    elif action == "oom":
        block = bytearray(400 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        return len(block)
    return "fast"
"""


def test_timeout(create_function, unique, invoke, records):
    name = unique("timeout")
    create_function(name, {"app.py": APP}, Timeout=1)
    response, error = invoke(name, {"action": "sleep"}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert re.search(r"Task timed out after 1\.00 seconds", error["errorMessage"]), error
    assert error.get("errorType") in (None, "Sandbox.Timedout"), error
    assert invoke(name, {})[1] == "fast"
    records.wait(name, lambda rs: any(r["Outcome"] != "Success" for r in rs))


def test_crash(create_function, unique, invoke):
    name = unique("crash")
    create_function(name, {"app.py": APP})
    response, error = invoke(name, {"action": "crash"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError", error
    assert "exit status 3" in error["errorMessage"]
    assert invoke(name, {})[1] == "fast"


def test_out_of_memory(create_function, unique, invoke):
    name = unique("oom")
    create_function(name, {"app.py": APP}, MemorySize=128, Timeout=30)
    response, error = invoke(name, {"action": "oom"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.OutOfMemory", error
    assert invoke(name, {})[1] == "fast"


def test_import_error(create_function, unique, invoke):
    name = unique("import-error")
    create_function(name, {"app.py": "import module_that_does_not_exist_xyz\n"})
    response, error = invoke(name, {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist_xyz" in error["errorMessage"]
    # Every invoke reports it again; none hangs.
    assert invoke(name, {})[1]["errorType"] == "Runtime.ImportModuleError"


def test_handler_not_found(create_function, unique, invoke):
    name = unique("no-handler")
    create_function(name, {"app.py": APP}, handler="app.missing")
    response, error = invoke(name, {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.HandlerNotFound"


def test_node_exception(create_function, unique, invoke):
    name = unique("node-throws")
    code = "exports.handler = async () => { throw new TypeError('node went wrong'); };\n"
    create_function(name, {"index.js": code}, runtime="nodejs20.x", handler="index.handler")
    response, error = invoke(name, {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "TypeError"
    assert error["errorMessage"] == "node went wrong"
    assert any("index.js" in line for line in error["trace"])


def test_server_healthy_after_failures(lam, create_function, unique, invoke):
    name = unique("still-alive")
    create_function(name, {"app.py": APP})
    assert invoke(name, {})[1] == "fast"
    assert isinstance(lam.list_functions()["Functions"], list)
