"""Function CRUD through boto3: create, get, list (paginated), update code and configuration, delete, errors."""

import base64
import hashlib
import re

APP = """
import os

def handler(event, context):
    return {"code": "v1", "color": os.environ.get("COLOR"), "memory": context.memory_limit_in_mb,
            "remaining": context.get_remaining_time_in_millis()}

def other(event, context):
    result = handler(event, context)
    result["handler"] = "other"
    return result
"""
NODE_APP = "exports.handler = async (event) => ({ node: true, got: event });\n"
SH_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
while true; do
  curl -sS -D "$HEADERS" -o /dev/null "$API/invocation/next"
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | cut -d: -f2 | tr -d ' \\r')
  curl -sS -o /dev/null -X POST --data-binary '{"shell": true}' "$API/invocation/$ID/response"
done
"""


def test_create_python_function(lam, create_function, unique, zip_files, invoke):
    name = unique("create-py")
    files = {"app.py": APP}
    created = create_function(name, files, Description="e2e")
    code = zip_files(files)
    assert created["FunctionName"] == name
    assert re.fullmatch(rf"arn:aws:lambda:us-east-1:\d{{12}}:function:{name}", created["FunctionArn"])
    assert created["Runtime"] == "python3.11"
    assert created["Handler"] == "app.handler"
    assert created["MemorySize"] == 128 and created["Timeout"] == 3  # Lambda's defaults
    assert created["Version"] == "$LATEST"
    assert created["CodeSize"] == len(code)
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    _, result = invoke(name)
    assert result["code"] == "v1"


def test_create_node_and_provided_functions(lam, create_function, unique, invoke):
    node, shell = unique("create-node"), unique("create-sh")
    create_function(node, {"index.js": NODE_APP}, runtime="nodejs20.x", handler="index.handler")
    create_function(shell, {"bootstrap": SH_BOOTSTRAP}, runtime="provided", handler="unused")
    assert lam.get_function_configuration(FunctionName=node)["Runtime"] == "nodejs20.x"
    assert lam.get_function_configuration(FunctionName=shell)["Runtime"] == "provided"
    assert invoke(node, {"a": 1})[1] == {"node": True, "got": {"a": 1}}
    assert invoke(shell)[1] == {"shell": True}


def test_get_function_and_configuration(lam, create_function, unique):
    name = unique("get")
    created = create_function(name, {"app.py": APP}, MemorySize=256, Timeout=7,
                              Environment={"Variables": {"COLOR": "blue"}})
    configuration = lam.get_function_configuration(FunctionName=name)
    function = lam.get_function(FunctionName=name)
    for view in (configuration, function["Configuration"]):
        for key in ("FunctionName", "FunctionArn", "Runtime", "Handler", "CodeSha256", "CodeSize"):
            assert view[key] == created[key], key
        assert view["MemorySize"] == 256 and view["Timeout"] == 7
        assert view["Environment"]["Variables"] == {"COLOR": "blue"}
    # The function's ARN works as its name too.
    assert lam.get_function_configuration(FunctionName=created["FunctionArn"])["FunctionName"] == name


def test_list_functions_paginates(lam, create_function, unique):
    prefix = unique("list")
    names = {f"{prefix}-{i}" for i in range(3)}
    for name in sorted(names):
        create_function(name, {"app.py": APP})
    seen, marker, pages = [], None, 0
    while True:
        page = lam.list_functions(MaxItems=1, **({"Marker": marker} if marker else {}))
        assert len(page["Functions"]) <= 1
        seen += [f["FunctionName"] for f in page["Functions"]]
        pages += 1
        marker = page.get("NextMarker")
        if not marker:
            break
        assert pages < 1000, "pagination never ends"
    assert names <= set(seen)
    assert len(seen) == len(set(seen)), "a function appeared on two pages"


def test_update_function_code(lam, create_function, unique, zip_files, invoke):
    name = unique("update-code")
    create_function(name, {"app.py": APP})
    assert invoke(name)[1]["code"] == "v1"
    new_code = zip_files({"app.py": APP.replace('"v1"', '"v2"')})
    updated = lam.update_function_code(FunctionName=name, ZipFile=new_code)
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(new_code).digest()).decode()
    assert invoke(name)[1]["code"] == "v2"


def test_update_function_configuration(lam, create_function, unique, invoke):
    name = unique("update-config")
    create_function(name, {"app.py": APP})
    before = invoke(name)[1]
    assert before["memory"] == 128 and before["color"] is None and before["remaining"] <= 3000
    updated = lam.update_function_configuration(
        FunctionName=name, MemorySize=256, Timeout=20, Handler="app.other",
        Environment={"Variables": {"COLOR": "green"}})
    assert updated["MemorySize"] == 256 and updated["Timeout"] == 20 and updated["Handler"] == "app.other"
    after = invoke(name)[1]
    assert after["handler"] == "other"
    assert after["memory"] == 256
    assert after["color"] == "green"
    assert after["remaining"] > 10000


def test_delete_function(lam, create_function, unique, expect_error):
    name = unique("delete")
    create_function(name, {"app.py": APP})
    response = lam.delete_function(FunctionName=name)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(lambda: lam.get_function(FunctionName=name), "ResourceNotFoundException", 404)
    assert name not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]


def test_invalid_names_and_code(lam, unique, zip_files, expect_error):
    code = {"ZipFile": zip_files({"app.py": APP})}
    for bad in ("bad name!", "a" * 65, "semi;colon"):
        expect_error(lambda: lam.create_function(FunctionName=bad, Runtime="python3.11", Role="r",
                                                 Handler="app.handler", Code=code),
                     "InvalidParameterValueException", 400)
    name = unique("bad-input")
    expect_error(lambda: lam.create_function(FunctionName=name, Runtime="python3.11", Role="r",
                                             Handler="app.handler", Code={"ZipFile": b"not a zip file"}),
                 "InvalidParameterValueException", 400)
    expect_error(lambda: lam.create_function(FunctionName=name, Runtime="cobol85", Role="r",
                                             Handler="app.handler", Code=code),
                 "InvalidParameterValueException", 400)
    expect_error(lambda: lam.get_function(FunctionName=name), "ResourceNotFoundException", 404)


def test_create_twice_conflicts(lam, create_function, unique, zip_files, expect_error):
    name = unique("twice")
    create_function(name, {"app.py": APP})
    response = expect_error(
        lambda: lam.create_function(FunctionName=name, Runtime="python3.11", Role="r", Handler="app.handler",
                                    Code={"ZipFile": zip_files({"app.py": APP})}),
        "ResourceConflictException", 409)
    assert name in response["Error"]["Message"]


def test_unknown_function(lam, unique, expect_error):
    name = unique("missing")
    for call in (lambda: lam.get_function(FunctionName=name),
                 lambda: lam.get_function_configuration(FunctionName=name),
                 lambda: lam.delete_function(FunctionName=name),
                 lambda: lam.invoke(FunctionName=name, Payload=b"{}"),
                 lambda: lam.update_function_configuration(FunctionName=name, MemorySize=256)):
        expect_error(call, "ResourceNotFoundException", 404)
