"""AWS's own Python runtime client (awslambdaric) runs unchanged as a `provided.al2023` function."""

import os
import subprocess
import sys

import pytest

# The interpreter running pytest with a venv's symlinks resolved: awslambdaric's C extension
# must be installed and run by the same Python.
REAL_PYTHON = os.path.realpath(sys.executable)

APP = """
def handler(event, context):
    print("ric saw", event)
    if event.get("fail"):
        raise RuntimeError("ric boom")
    return {"doubled": event["x"] * 2, "function": context.function_name}
"""
# Gust's runtime-API client here is AWS's C++ one (libcurl): the Runtime API must speak plain AWS.
BOOTSTRAP = f"""#!/bin/sh
export PYTHONPATH="$LAMBDA_TASK_ROOT${{PYTHONPATH:+:$PYTHONPATH}}"
exec {REAL_PYTHON} -m awslambdaric "$_HANDLER"
"""


@pytest.fixture(scope="module")
def awslambdaric_files(tmp_path_factory):
    target = tmp_path_factory.mktemp("awslambdaric")
    proc = subprocess.run([REAL_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--target", str(target), "awslambdaric"],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"install awslambdaric: pip install awslambdaric\n{proc.stdout}{proc.stderr}")
    files = {}
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target)
        if path.is_file() and "__pycache__" not in relative.parts and relative.parts[0] != "bin":
            files[str(relative)] = path.read_bytes()
    return files


def test_awslambdaric_function(awslambdaric_files, create_function, unique, invoke):
    name = unique("awslambdaric")
    files = dict(awslambdaric_files, **{"app.py": APP, "bootstrap": BOOTSTRAP})
    create_function(name, files, runtime="provided.al2023", handler="app.handler", Timeout=10)

    response, result = invoke(name, {"x": 21}, LogType="Tail")
    assert "FunctionError" not in response, result
    assert result == {"doubled": 42, "function": name}

    response, error = invoke(name, {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "RuntimeError"
    assert error["errorMessage"] == "ric boom"

    # The same instance goes on serving after the error.
    assert invoke(name, {"x": 1})[1]["doubled"] == 2
