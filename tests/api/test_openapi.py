"""The OpenAPI document at /api/v1/openapi.json: generated from the served operations and the
same pydantic models, every $ref resolving, every write asking for an Idempotency-Key."""

from __future__ import annotations

from typing import Any

import jsonschema
from openapi_spec_validator import validate as validate_spec

from bot.web.api.schemas import DeclareBody, WriteAnswer
from tests.api.conftest import Api

SERVED = {
    ("get", "/incidents"),
    ("post", "/incidents"),
    ("get", "/incidents/{incident_id}"),
    ("get", "/incidents/{incident_id}/timeline"),
    ("get", "/incidents/{incident_id}/audit"),
    ("post", "/incidents/{incident_id}/acknowledge"),
    ("post", "/incidents/{incident_id}/state"),
    ("post", "/incidents/{incident_id}/notes"),
    ("post", "/incidents/{incident_id}/resolve"),
    ("post", "/incidents/{incident_id}/status-drafts"),
    ("post", "/audit-packages"),
    ("get", "/followups"),
    ("post", "/incidents/{incident_id}/followups"),
    ("post", "/incidents/{incident_id}/changes"),
    ("get", "/ops/runs"),
    ("get", "/ops/runs/{run_id}"),
    ("post", "/incidents/{incident_id}/escalations"),
    ("post", "/incidents/{incident_id}/escalation-holds"),
    ("delete", "/incidents/{incident_id}/escalation-holds"),
}


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_the_document_describes_exactly_what_is_served(api: Api) -> None:
    answer = api.call("GET", "/api/v1/openapi.json")
    assert answer.status == 200
    doc = answer.body
    validate_spec(doc)  # a valid OpenAPI 3.1 document, by the reference validator
    described = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert described == SERVED
    schemas = doc["components"]["schemas"]
    for ref in refs(doc):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    for method, path in SERVED:
        op = doc["paths"][path][method]
        names = {p["name"] for p in op["parameters"]}
        assert ("Idempotency-Key" in names) == (method != "get"), (method, path)
        assert {"401", "403", "429"} <= set(op["responses"])
    # the schemas are the models' own: a field added to a model shows up here
    assert set(schemas["DeclareBody"]["properties"]) == set(DeclareBody.model_fields)
    assert set(schemas["WriteAnswer"]["properties"]) == set(WriteAnswer.model_fields)


def test_real_answers_validate_against_the_documented_schemas(api: Api) -> None:
    doc = api.call("GET", "/api/v1/openapi.json").body
    incident_id = api.alert("schema check")
    for path, template in (
        ("/api/v1/incidents", "/incidents"),
        (f"/api/v1/incidents/{incident_id}", "/incidents/{incident_id}"),
        (f"/api/v1/incidents/{incident_id}/audit", "/incidents/{incident_id}/audit"),
    ):
        answer = api.get(path)
        schema = doc["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
        resolver_doc = {**schema["schema"], "components": doc["components"]}
        jsonschema.validate(answer.body, resolver_doc)
    missing = api.get("/api/v1/incidents/inc-none")
    jsonschema.validate(missing.body, {**doc["components"]["schemas"]["ErrorBody"]})
