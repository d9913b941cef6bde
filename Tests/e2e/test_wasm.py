"""The `wasm` runtime end to end: C modules built with clang + wasi-libc, deployed with boto3 and
the gust CLI, invoked sync, with LogType=Tail and as events; hostile modules stay contained."""

import base64
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import REPO

HELLO_DIR = REPO / "examples/hello-wasm-c"
REACTOR_DIR = REPO / "examples/hello-wasm-reactor"
HOSTILE_DIR = REPO / "Tests/e2e/wasm"


def build(directory, target):
    """Runs the directory's Makefile (what a user runs) and returns the module's bytes."""
    result = subprocess.run(["make", "-s", "-C", str(directory), target], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(
            f"building {directory}/{target} failed (needs clang with wasm-ld, and "
            f"`apt-get install wasi-libc libclang-rt-dev-wasm32`):\n{result.stdout}{result.stderr}")
    return (Path(directory) / target).read_bytes()


@pytest.fixture(scope="session")
def modules():
    return {
        "hello": build(HELLO_DIR, "hello.wasm"),
        "reactor": build(REACTOR_DIR, "reactor.wasm"),
        "hostile": build(HOSTILE_DIR, "hostile.wasm"),
    }


@pytest.fixture
def wasm_function(create_function, unique, modules):
    def create(module, prefix="wasm", **extra):
        name = unique(prefix)
        create_function(name, {f"{module}.wasm": modules[module]}, runtime="wasm", handler=f"{module}.wasm", **extra)
        return name

    return create


def test_command_sync_tail_and_event(wasm_function, lam, invoke, records):
    name = wasm_function("hello")
    config = lam.get_function_configuration(FunctionName=name)
    assert config["Runtime"] == "wasm" and config["Handler"] == "hello.wasm"

    response, body = invoke(name, {"name": "Ada"}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert body == {"message": "Hello, Ada!", "function": name, "runtime": "wasm"}
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "greeting Ada" in tail and "REPORT RequestId" in tail and "Init Duration" in tail, tail

    event = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"name": "Event"}).encode())
    assert event["StatusCode"] == 202
    records.wait(name, lambda rs: len(rs) >= 2 and all(r["Outcome"] == "Success" for r in rs))


def test_reactor_keeps_its_instance(wasm_function, invoke):
    reactor = wasm_function("reactor")
    counts = [invoke(reactor, {"n": i})[1]["invocations"] for i in range(3)]
    assert counts == [1, 2, 3]


def test_hostile_modules_get_lambda_shaped_errors(wasm_function, invoke):
    # The spinner gets 1 s; the others a timeout that a loaded CI machine cannot reach first (growing
    # 128 MB in a debug build took over a second while other builds shared the cores).
    quick = wasm_function("hostile", Timeout=1, MemorySize=128)
    name = wasm_function("hostile", Timeout=15, MemorySize=128)
    response, error = invoke(quick, "spin")
    assert response["FunctionError"] == "Unhandled" and "Task timed out after 1.00 seconds" in error["errorMessage"], error
    assert invoke(quick, "calm")[1] == "calm"
    cases = {
        "grow": ("Runtime.OutOfMemory", "memory limit 128 MB exceeded"),
        "recurse": ("Runtime.WasmTrap", "wasm trap"),
        "trap": ("Runtime.WasmTrap", "unreachable"),
        "exit": ("Runtime.ExitError", "exit status 3"),
        "flood": ("Function.ResponseSizeTooLarge", "exceeded maximum allowed payload size"),
    }
    for mode, (error_type, message) in cases.items():
        response, error = invoke(name, mode)
        assert response["FunctionError"] == "Unhandled", (mode, error)
        assert error.get("errorType", "Sandbox.Timedout") == error_type, (mode, error)
        assert message in error["errorMessage"], (mode, error)
        # The function is fine again right after.
        assert invoke(name, "calm")[1] == "calm", mode


def test_broken_module_is_an_init_error(create_function, unique, invoke):
    name = unique("broken")
    create_function(name, {"main.wasm": b"\0asm but not really"}, runtime="wasm", handler="main.wasm")
    response, error = invoke(name, {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.InvalidWasmModule", error


def test_server_stays_healthy_under_hostile_loop(wasm_function, invoke, endpoint, lam):
    hostile = wasm_function("hostile", Timeout=1)
    hello = wasm_function("hello")
    stop = threading.Event()
    failures = []

    def attack(mode):
        while not stop.is_set():
            response, _ = invoke(hostile, mode)
            if response.get("FunctionError") != "Unhandled":
                failures.append((mode, response))

    attackers = [threading.Thread(target=attack, args=(mode,)) for mode in ("spin", "grow", "recurse", "trap")]
    for thread in attackers:
        thread.start()
    try:
        deadline = time.time() + 4
        answered = 0
        while time.time() < deadline:
            response, body = invoke(hello, {"name": "Calm"})
            assert "FunctionError" not in response and body["message"] == "Hello, Calm!", body
            assert requests.get(f"{endpoint}/gust/v1/health", timeout=5).status_code == 200
            answered += 1
    finally:
        stop.set()
        for thread in attackers:
            thread.join(timeout=30)
    assert not failures, failures
    assert answered > 0


def test_cli_deploys_and_invokes_the_examples(gust_cli, modules):
    def run(*args):
        result = gust_cli(*args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout

    for directory in (HELLO_DIR, REACTOR_DIR):
        run("deploy", str(directory))
    assert json.loads(run("invoke", "hello-wasm-c", "--payload", '{"name": "CLI"}'))["message"] == "Hello, CLI!"
    assert json.loads(run("invoke", "hello-wasm-reactor"))["invocations"] >= 1
    for name in ("hello-wasm-c", "hello-wasm-reactor"):
        run("rm", name)
