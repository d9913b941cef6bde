"""The tools users type: the aws CLI against the Lambda API, and the gust CLI itself."""

import json
import time

APP = "def handler(event, context):\n    return {'cli': event.get('name')}\n"


def test_awscli_core_operations(aws, unique, zip_files, tmp_path, lam):
    name = unique("awscli")
    archive = tmp_path / "code.zip"
    archive.write_bytes(zip_files({"app.py": APP}))
    created = aws("create-function", "--function-name", name, "--runtime", "python3.11",
                  "--handler", "app.handler", "--role", "arn:aws:iam::000000000000:role/cli",
                  "--zip-file", f"fileb://{archive}")
    assert created["FunctionName"] == name
    try:
        listed = aws("list-functions")
        assert name in [f["FunctionName"] for f in listed["Functions"]]

        outfile = tmp_path / "out.json"
        result = aws("invoke", "--function-name", name, "--payload", '{"name": "from-cli"}', str(outfile),
                     payload=True)
        assert result["StatusCode"] == 200
        assert json.loads(outfile.read_text()) == {"cli": "from-cli"}

        assert aws("publish-version", "--function-name", name)["Version"] == "1"
        alias = aws("create-alias", "--function-name", name, "--name", "live", "--function-version", "1")
        assert alias["AliasArn"].endswith(f":{name}:live")
        result = aws("invoke", "--function-name", f"{name}:live", "--payload", '{"name": "alias"}',
                     str(outfile), payload=True)
        assert result["ExecutedVersion"] == "1"
        assert json.loads(outfile.read_text()) == {"cli": "alias"}
    finally:
        aws("delete-function", "--function-name", name)
    failed = aws("get-function", "--function-name", name, check=False)
    assert failed.returncode != 0
    assert "ResourceNotFoundException" in failed.stderr


def test_gust_cli_deploy_invoke_logs_rm(gust_cli, lam):
    name = "hello-python"  # from examples/hello-python/gust.yaml
    deployed = gust_cli("deploy", "examples/hello-python")
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout
    try:
        configuration = lam.get_function_configuration(FunctionName=name)
        assert configuration["Runtime"] == "python3.11"
        assert configuration["Environment"]["Variables"]["GREETING"] == "Hello"

        invoked = gust_cli("invoke", name, "--payload", '{"name":"x"}')
        assert invoked.returncode == 0, invoked.stderr
        assert "Hello, x!" in invoked.stdout

        listed = gust_cli("ls", "--json")
        assert listed.returncode == 0, listed.stderr
        functions = json.loads(listed.stdout)
        if isinstance(functions, dict):
            functions = functions.get("Functions") or functions.get("functions")
        names = [f.get("FunctionName") or f.get("name") for f in functions]
        assert name in names

        deadline = time.time() + 15  # log lines may reach the store a moment after the response
        while True:
            logs = gust_cli("logs", name)
            assert logs.returncode == 0, logs.stderr
            if "greeting x" in logs.stdout or time.time() > deadline:
                break
            time.sleep(0.5)
        assert "greeting x" in logs.stdout, logs.stdout
    finally:
        removed = gust_cli("rm", name)
    assert removed.returncode == 0, removed.stderr
    assert name not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]


def test_gust_cli_failure_is_one_line(gust_cli, unique):
    failed = gust_cli("invoke", unique("no-such-function"), "--payload", "{}")
    assert failed.returncode != 0
    message = (failed.stderr.strip() or failed.stdout.strip()).splitlines()
    assert len(message) == 1, failed.stderr + failed.stdout
    assert "Traceback" not in message[0] and "Fatal error" not in message[0]
