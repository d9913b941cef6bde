"""HTTP triggers end to end: routes set through the Gust API and gust.yaml, reached with plain HTTP
on the --http-port listener; API Gateway HTTP API payload 2.0 in, API Gateway responses out."""

import base64
import json
import textwrap

import pytest
import requests

from conftest import signed

# A handler written for API Gateway HTTP APIs (payload format 2.0), unchanged.
APP = textwrap.dedent('''
    import base64, json, time

    def handler(event, context):
        action = (event.get("queryStringParameters") or {}).get("action")
        if action == "fail":
            raise RuntimeError("boom")
        if action == "sleep":
            time.sleep(5)
        if action == "bare":
            return {"just": "json"}
        if action == "binary":
            return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                    "body": base64.b64encode(bytes([0, 1, 255])).decode(), "isBase64Encoded": True}
        return {
            "statusCode": 201 if event["requestContext"]["http"]["method"] == "POST" else 200,
            "headers": {"content-type": "application/json", "x-route": event["routeKey"]},
            "cookies": ["session=abc; Path=/", "theme=dark"],
            "body": json.dumps({"event": event}),
        }
''')


def set_routes(endpoint, name, routes):
    return signed("PUT", endpoint, f"/gust/v1/functions/{name}/routes", body=json.dumps({"Routes": routes}).encode())


@pytest.fixture
def routed(create_function, unique, endpoint):
    def make(routes, **extra):
        name = unique("http")
        create_function(name, {"app.py": APP}, **extra)
        response = set_routes(endpoint, name, routes)
        assert response.status_code == 200, response.text
        return name

    return make


def test_event_shape_and_structured_response(routed, gust_server):
    name = routed([{"Method": "ANY", "Path": "/items/{id}"}, {"Method": "GET", "Path": "/files/{path+}"}])
    base = gust_server.http_endpoint
    response = requests.post(f"{base}/items/42?tag=a&tag=b&q=x%20y", data=json.dumps({"name": "Ada"}),
                             headers={"Content-Type": "application/json", "Cookie": "c1=1; c2=2", "X-Custom": "v"})
    assert response.status_code == 201, response.text
    assert response.headers["x-route"] == "ANY /items/{id}"
    assert response.headers["apigw-requestid"]
    assert "session=abc; Path=/" in response.headers.get("set-cookie", "")
    event = response.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /items/{id}"
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "tag=a&tag=b&q=x%20y"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "x y"}
    assert event["pathParameters"] == {"id": "42"}
    assert event["cookies"] == ["c1=1", "c2=2"]
    assert event["headers"]["x-custom"] == "v" and "cookie" not in event["headers"]
    assert json.loads(event["body"]) == {"name": "Ada"} and event["isBase64Encoded"] is False
    http = event["requestContext"]["http"]
    assert http["method"] == "POST" and http["path"] == "/items/42" and http["sourceIp"] == "127.0.0.1"
    assert http["userAgent"].startswith("python-requests")
    assert event["requestContext"]["requestId"] == response.headers["apigw-requestid"]
    assert isinstance(event["requestContext"]["timeEpoch"], int)

    greedy = requests.get(f"{base}/files/a/b/c.txt").json()["event"]
    assert greedy["pathParameters"] == {"path": "a/b/c.txt"}

    binary = requests.put(f"{base}/items/7", data=bytes([0, 255]), headers={"Content-Type": "application/octet-stream"})
    event = binary.json()["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == bytes([0, 255])


def test_bare_values_binary_bodies_and_errors(routed, gust_server):
    routed([{"Method": "GET", "Path": "/x"}], Timeout=1)
    base = gust_server.http_endpoint
    bare = requests.get(f"{base}/x?action=bare")
    assert bare.status_code == 200 and bare.json() == {"just": "json"}
    assert bare.headers["content-type"] == "application/json"
    binary = requests.get(f"{base}/x?action=binary")
    assert binary.content == bytes([0, 1, 255]) and binary.headers["content-type"] == "application/octet-stream"
    failed = requests.get(f"{base}/x?action=fail")
    assert failed.status_code == 502 and failed.json() == {"message": "Internal Server Error"}
    timed_out = requests.get(f"{base}/x?action=sleep")
    assert timed_out.status_code == 504, timed_out.text
    assert requests.get(f"{base}/nope").status_code == 404
    assert requests.get(f"{base}/nope").json() == {"message": "Not Found"}
    assert requests.post(f"{base}/x").status_code == 404  # wrong method: no route, as API Gateway
    big = requests.get(f"{base}/x", data=b"x" * (6 * 1024 * 1024 + 1))
    assert big.status_code == 413


def test_pipelined_requests_are_answered_in_order(routed, gust_server):
    """Requests sent back to back on one connection (HTTP/1.1 pipelining) are answered in order,
    a `Connection: close` request is the last one served, and the server stays up."""
    import socket
    from urllib.parse import urlparse

    routed([{"Method": "GET", "Path": "/p"}])
    url = urlparse(gust_server.http_endpoint)
    requests_sent = b"".join([
        b"GET /p?n=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",  # answered by the gateway itself, at once
        b"GET /p?n=2 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /p?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /p?n=4 HTTP/1.1\r\nHost: x\r\n\r\n",  # after the close: not served
    ])
    def exchange(data):
        with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
            conn.sendall(data)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        answers = []
        while data:
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            length = int(headers["content-length"])
            answers.append((int(lines[0].split()[1]), rest[:length]))
            data = rest[length:]
        return answers

    answers = exchange(requests_sent)
    assert [status for status, _ in answers] == [200, 404, 200, 200]
    queries = [json.loads(body)["event"]["rawQueryString"] for status, body in answers if status == 200]
    assert queries == ["n=1", "n=2", "n=3"]
    # Malformed input after a good request: its 400 comes after the good answer, then the close.
    answers = exchange(b"GET /p?n=6 HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n")
    assert [status for status, _ in answers] == [200, 400]
    assert json.loads(answers[1][1]) == {"message": "Bad Request"}
    assert requests.get(f"{gust_server.http_endpoint}/p?n=5").status_code == 200


def test_conflicts_and_validation(routed, endpoint, create_function, unique):
    routed([{"Method": "GET", "Path": "/orders/{id}"}])
    other = unique("other")
    create_function(other, {"app.py": APP})
    conflict = set_routes(endpoint, other, [{"Method": "GET", "Path": "/orders/{orderId}"}])
    assert conflict.status_code == 409, conflict.text
    assert "conflicts" in conflict.json()["message"]
    invalid = set_routes(endpoint, other, [{"Method": "GET", "Path": "/{a+}/b"}])
    assert invalid.status_code == 400
    assert set_routes(endpoint, "missing-function", [{"Method": "GET", "Path": "/m"}]).status_code == 404


def test_routes_go_with_their_function(routed, gust_server, lam):
    name = routed([{"Method": "GET", "Path": "/temporary"}])
    assert requests.get(f"{gust_server.http_endpoint}/temporary").status_code == 200
    lam.delete_function(FunctionName=name)
    assert requests.get(f"{gust_server.http_endpoint}/temporary").status_code == 404


def test_wasm_function_behind_a_route(create_function, unique, endpoint, gust_server):
    from test_wasm import HELLO_DIR, build
    name = unique("wasm-route")
    create_function(name, {"hello.wasm": build(HELLO_DIR, "hello.wasm")}, runtime="wasm", handler="hello.wasm")
    assert set_routes(endpoint, name, [{"Method": "POST", "Path": "/hello"}]).status_code == 200
    # The C hello gets the whole payload 2.0 event on stdin; its bare JSON answer becomes a 200.
    response = requests.post(f"{gust_server.http_endpoint}/hello", json={"name": "Route"})
    assert response.status_code == 200, response.text
    assert response.json()["runtime"] == "wasm" and response.json()["function"] == name


def test_gust_yaml_routes(gust_cli, gust_server, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text(APP)
    (app / "gust.yaml").write_text(textwrap.dedent("""
        functions:
          - name: yaml-routes
            runtime: python3.11
            handler: app.handler
            code: .
            events:
              - http:
                  method: GET
                  path: /yaml/{id}
              - http: {path: "/yaml-any"}
    """))
    deployed = gust_cli("deploy", str(app))
    assert deployed.returncode == 0, deployed.stderr
    assert "GET /yaml/{id}" in deployed.stdout
    listed = gust_cli("routes")
    assert "GET /yaml/{id}" in listed.stdout and "ANY /yaml-any" in listed.stdout
    response = requests.get(f"{gust_server.http_endpoint}/yaml/9")
    assert response.status_code == 200 and response.json()["event"]["pathParameters"] == {"id": "9"}
    assert requests.delete(f"{gust_server.http_endpoint}/yaml-any").status_code == 200
    assert gust_cli("rm", "yaml-routes").returncode == 0


def hs256(claims, secret):
    import hashlib, hmac

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def test_api_key_auth(routed, gust_server, gust_cli):
    routed([{"Method": "GET", "Path": "/keyed", "Auth": {"Type": "API_KEY"}}])
    url = f"{gust_server.http_endpoint}/keyed"
    assert requests.get(url).status_code == 403
    assert requests.get(url).json() == {"message": "Forbidden"}
    assert requests.get(url, headers={"x-api-key": "gk_wrong"}).status_code == 403
    made = gust_cli("api-keys", "create", "e2e", "--json")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    assert key["Key"].startswith("gk_")
    assert requests.get(url, headers={"x-api-key": key["Key"]}).status_code == 200
    listed = gust_cli("api-keys", "ls", "--json")
    assert key["Id"] in listed.stdout and key["Key"] not in listed.stdout  # only the hash is kept
    assert gust_cli("api-keys", "revoke", key["Id"]).returncode == 0
    assert requests.get(url, headers={"x-api-key": key["Key"]}).status_code == 403


def test_jwt_auth(routed, gust_server):
    auth = {"Type": "JWT", "Issuer": "https://issuer.example", "Audience": ["items-api"], "Secret": "jwt-secret-0123456789"}
    routed([{"Method": "POST", "Path": "/secure", "Auth": auth}, {"Method": "GET", "Path": "/secure"}])
    url = f"{gust_server.http_endpoint}/secure"
    now = int(__import__("time").time())
    good = hs256({"sub": "ada", "iss": "https://issuer.example", "aud": "items-api", "exp": now + 60,
                  "scope": "items:write"}, "jwt-secret-0123456789")
    response = requests.post(url, headers={"Authorization": f"Bearer {good}"}, json={})
    assert response.status_code == 201, response.text
    jwt = response.json()["event"]["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "ada" and jwt["scopes"] == ["items:write"]
    assert requests.get(url).status_code == 200  # reads are open: only the POST route has auth
    for bad in (None, hs256({"iss": "https://issuer.example", "aud": "items-api", "exp": now - 5}, "jwt-secret-0123456789"),
                hs256({"iss": "https://issuer.example", "aud": "other", "exp": now + 60}, "jwt-secret-0123456789"),
                hs256({"iss": "https://issuer.example", "aud": "items-api", "exp": now + 60}, "wrong-secret")):
        headers = {"Authorization": f"Bearer {bad}"} if bad else {}
        refused = requests.post(url, headers=headers, json={})
        assert refused.status_code == 401 and refused.json() == {"message": "Unauthorized"}


def test_cors_preflight_and_headers(routed, gust_server):
    cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "PUT"], "AllowHeaders": ["content-type"],
            "MaxAge": 300}
    routed([{"Method": "PUT", "Path": "/cors/{id}", "Cors": cors}])
    url = f"{gust_server.http_endpoint}/cors/1"
    # What a browser's fetch() sends before a cross-origin PUT with JSON.
    preflight = requests.options(url, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PUT",
                                               "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,PUT"
    assert preflight.headers["access-control-max-age"] == "300"
    actual = requests.put(url, headers={"Origin": "https://app.example"}, json={})
    assert actual.headers["access-control-allow-origin"] == "https://app.example"
    other = requests.put(url, headers={"Origin": "https://evil.example"}, json={})
    assert "access-control-allow-origin" not in other.headers


def test_throttling(routed, gust_server):
    routed([{"Method": "GET", "Path": "/throttled", "Throttle": {"RateLimit": 0.5, "BurstLimit": 2}}])
    url = f"{gust_server.http_endpoint}/throttled"
    statuses = [requests.get(url).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    limited = requests.get(url)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json() == {"message": "Too Many Requests"}


def test_http_api_example(gust_cli, gust_server):
    """examples/http-api as a user runs it: deploy, read openly, write with a JWT, wasm hello."""
    from test_wasm import HELLO_DIR, build
    from conftest import REPO
    build(HELLO_DIR, "hello.wasm")
    from importlib import util
    spec = util.spec_from_file_location("http_api_token", REPO / "examples/http-api/token.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    deployed = gust_cli("deploy", str(REPO / "examples/http-api"))
    assert deployed.returncode == 0, deployed.stderr
    base = f"{gust_server.http_endpoint}/api"
    try:
        assert requests.get(f"{base}/items").json() == {"items": []}
        assert requests.post(f"{base}/items", json={"name": "tea"}).status_code == 401
        auth = {"authorization": f"Bearer {module.token('ada')}"}
        made = requests.post(f"{base}/items", json={"name": "tea"}, headers=auth)
        assert made.status_code == 201 and made.json()["owner"] == "ada"
        item = made.json()
        assert made.headers["location"] == f"/api/items/{item['id']}"
        assert requests.get(f"{base}/items/{item['id']}").json() == item
        assert requests.post(f"{base}/items", data="not json", headers=auth).status_code == 400
        assert requests.delete(f"{base}/items/{item['id']}").status_code == 401
        assert requests.delete(f"{base}/items/{item['id']}", headers=auth).status_code == 204
        assert requests.get(f"{base}/items/{item['id']}").status_code == 404
        preflight = requests.options(f"{base}/items", headers={"Origin": "https://web.example",
                                                               "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
        hello = requests.get(f"{base}/hello")
        assert hello.status_code == 200 and hello.json()["runtime"] == "wasm"
    finally:
        gust_cli("rm", "http-api-items", "http-api-hello-wasm")


def test_function_urls(create_function, unique, lam, gust_server):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from conftest import ACCESS_KEY, REGION, SECRET_KEY

    name = unique("url")
    create_function(name, {"app.py": APP})
    made = lam.create_function_url_config(FunctionName=name, AuthType="NONE",
                                          Cors={"AllowOrigins": ["https://web.example"], "AllowMethods": ["GET"]})
    url = made["FunctionUrl"]
    assert url == f"{gust_server.http_endpoint}/lambda-url/{name}/"
    assert made["AuthType"] == "NONE" and made["FunctionArn"].endswith(f":function:{name}")
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert lam.get_function_url_config(FunctionName=name)["FunctionUrl"] == url

    response = requests.get(url + "some/path?x=1", headers={"Origin": "https://web.example"})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "https://web.example"
    event = response.json()["event"]
    assert event["routeKey"] == "$default" and event["rawPath"] == "/some/path"
    assert event["queryStringParameters"] == {"x": "1"}

    lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert requests.get(url).status_code == 403
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(request)
    prepared = request.prepare()
    assert requests.get(prepared.url, headers=dict(prepared.headers)).status_code == 200

    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName=name)
    assert requests.get(url).status_code == 404
