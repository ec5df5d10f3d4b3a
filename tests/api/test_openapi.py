"""/api/v1/openapi.json is generated from the views' declared operations: it is valid
OpenAPI 3.1, it lists every route of the API blueprint (walked from the URL map, so a new
route cannot be left out), and what it says about a parameter is what the view accepts."""

import re

import schemathesis

from portal.schemas.openapi import openapi_path

UNDOCUMENTED = {"api.openapi_json"}  # the document itself


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(doc).validate()  # raises on an invalid document


def test_every_route_of_the_api_is_documented_with_its_path_parameters(app, client):
    doc = _document(client)
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in UNDOCUMENTED:
            continue
        path = openapi_path(rule.rule, "/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = doc["paths"][path][method.lower()]
            seen.add((path, method.lower()))
            in_path = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert in_path == set(rule.arguments), (path, method)
            assert all(re.fullmatch(r"[1-5][0-9][0-9]", code) for code in op["responses"])
            errors = [c for c in op["responses"] if c >= "400"]
            assert errors, (path, method)  # every operation documents how it refuses
            for code in errors:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error"
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert documented == seen
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) == 35


def test_the_document_keeps_bounds_examples_and_error_statuses(client, acme):
    """What the hand-written document said survives: bounds, the example, the statuses."""
    doc = _document(client)
    op = doc["paths"]["/workspaces/{slug}/tickets/{number}"]["get"]
    [number] = [p for p in op["parameters"] if p["name"] == "number"]
    assert number["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    listing = doc["paths"]["/workspaces/{slug}/tickets"]["get"]
    [limit] = [p for p in listing["parameters"] if p["name"] == "limit"]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    body = doc["paths"]["/workspaces/{slug}/tickets"]["post"]["requestBody"]
    assert body["content"]["application/json"]["example"]["title"] == "Printer on fire"
    assert set(op["responses"]) == {"200", "401", "404"}
    assert set(doc["paths"]["/workspaces/{slug}/auth/otp"]["post"]["responses"]) == {
        "202", "400", "403", "404", "413", "415", "422", "429"}
