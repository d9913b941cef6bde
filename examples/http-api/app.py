"""A small REST API behind Gust's HTTP routes, written for API Gateway HTTP APIs (payload 2.0).

Reads are open; writes need a JWT (checked by the gateway, see gust.yaml), whose claims arrive in
requestContext.authorizer.jwt. Items live in this instance's memory: the function is capped at
one instance (concurrency: 1), so every request sees the same list until the instance is reaped.
"""
import json
import uuid

ITEMS = {}


def response(status, body=None, headers=None):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": "" if body is None else json.dumps(body),
    }


def handler(event, context):
    route = event["routeKey"]
    params = event.get("pathParameters") or {}
    if route == "GET /api/items":
        return response(200, {"items": sorted(ITEMS.values(), key=lambda item: item["name"])})
    if route == "GET /api/items/{id}":
        item = ITEMS.get(params["id"])
        return response(200, item) if item else response(404, {"message": "no such item"})
    if route == "POST /api/items":
        try:
            body = json.loads(event.get("body") or "{}")
        except json.JSONDecodeError:
            return response(400, {"message": "the body must be JSON"})
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            return response(400, {"message": "an item needs a name"})
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        item = {"id": uuid.uuid4().hex[:8], "name": body["name"], "owner": claims.get("sub", "")}
        ITEMS[item["id"]] = item
        return response(201, item, {"location": f"/api/items/{item['id']}"})
    if route == "DELETE /api/items/{id}":
        return response(204) if ITEMS.pop(params["id"], None) else response(404, {"message": "no such item"})
    return response(404, {"message": f"no handler for {route}"})
