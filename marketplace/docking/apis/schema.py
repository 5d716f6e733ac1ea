"""The error statuses every API operation may answer, added to the OpenAPI document
(drf-spectacular documents only the success), so clients and the schemathesis run can hold the
API to them: 400 bad input, 401/403 not allowed, 404 not in your scope, 409 a step the state no
longer allows, 429 throttled or locked out, 503 the matcher not ready (README "API")."""
from __future__ import annotations

ERROR = {
    "description": "an error: `detail`, or field errors by field name",
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}
_WRITES = {"post", "put", "patch", "delete"}


def error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = {"401", "403", "429"}
            if operation.get("parameters") or operation.get("requestBody") or method in _WRITES:
                codes.add("400")
            if "{" in path or any(parameter.get("name") == "page" for parameter in operation.get("parameters", [])):
                codes.add("404")  # an object outside your scope, or a page past the last
            if method in _WRITES:
                codes.add("409")
            if path.endswith("/matches/"):
                codes.add("503")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(code, ERROR)
    return result
