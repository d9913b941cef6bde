"""Prints a demo JWT (HS256) that gust.yaml's write routes accept, valid for an hour."""
import base64, hashlib, hmac, json, sys, time


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(sub="demo", secret="demo-secret-change-me", lifetime=3600):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "iss": "https://gust.example", "aud": "items-api", "exp": int(time.time()) + lifetime}
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


if __name__ == "__main__":
    print(token(*(sys.argv[1:2] or ["demo"])))
