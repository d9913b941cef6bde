"""Every admin call needs SigV4 credentials; errors come back in the Lambda API's JSON form."""

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

CREDENTIALS = Credentials("AKIDGUSTTEST", "gustsecret")
LIST_PATH = "/2015-03-31/functions/"


def assert_json_error(response, status):
    assert response.status_code == status, response.text
    assert response.headers.get("x-amzn-ErrorType"), dict(response.headers)
    body = response.json()
    assert isinstance(body, dict)
    assert {"__type", "message", "Message"} & set(body), body
    assert "Traceback" not in response.text


def test_unsigned_request_is_rejected(endpoint):
    assert_json_error(requests.get(endpoint + LIST_PATH, timeout=10), 403)
    assert_json_error(requests.post(endpoint + "/2015-03-31/functions", json={}, timeout=10), 403)


def test_wrong_credentials_are_rejected(client_for, endpoint):
    for client in (client_for(endpoint, secret_key="not-the-secret"),
                   client_for(endpoint, access_key="AKIDUNKNOWN")):
        with pytest.raises(ClientError) as excinfo:
            client.list_functions()
        error = excinfo.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["Error"]["Code"] in ("InvalidSignatureException", "UnrecognizedClientException"), error


def test_tampered_signature_is_rejected(endpoint):
    request = AWSRequest(method="GET", url=endpoint + LIST_PATH)
    SigV4Auth(CREDENTIALS, "lambda", "us-east-1").add_auth(request)
    headers = dict(request.prepare().headers)
    signature = headers["Authorization"]
    headers["Authorization"] = signature[:-4] + ("0000" if not signature.endswith("0000") else "1111")
    assert_json_error(requests.get(endpoint + LIST_PATH, headers=headers, timeout=10), 403)


def test_presigned_url_works(endpoint):
    request = AWSRequest(method="GET", url=endpoint + LIST_PATH)
    SigV4QueryAuth(CREDENTIALS, "lambda", "us-east-1", expires=300).add_auth(request)
    url = request.prepare().url
    assert "X-Amz-Signature=" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["Functions"], list)
    # The same URL with its signature changed is refused.
    assert_json_error(requests.get(url[:-4] + ("0000" if not url.endswith("0000") else "1111"), timeout=10), 403)


def test_signed_request_works(signed_request):
    response = signed_request("GET", LIST_PATH)
    assert response.status_code == 200, response.text
    assert "Functions" in response.json()


def test_malformed_json_body(signed_request):
    response = signed_request("POST", "/2015-03-31/functions", body=b'{"FunctionName": "x", ')
    assert_json_error(response, 400)


def test_server_still_up(lam):
    assert isinstance(lam.list_functions()["Functions"], list)
