"""Every API error has one shape: {"error": {"code", "message", "fields"}}, never an HTML page."""
from flask import jsonify, request
from marshmallow import Schema
from marshmallow import fields as f

API_PREFIX = "/api/"
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "busy",
}


class ErrorBody(Schema):
    code = f.String(required=True, metadata={"description": "Stable, for programs: e.g. invalid, duplicate"})
    message = f.String(required=True, metadata={"description": "For people"})
    fields = f.Dict(
        keys=f.String(), values=f.String(), required=True,
        metadata={"description": "The input fields at fault and what is wrong with each, e.g. lines.0.unit_price"},
    )
    invoice_id = f.Integer(metadata={"description": "With code duplicate: the invoice that has this external_ref"})
    customer_id = f.Integer(metadata={"description": "With code duplicate on /customers: the customer of that name"})


class ErrorSchema(Schema):
    error = f.Nested(ErrorBody, required=True)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


class ApiError(Exception):
    """A refusal the API answers with its status, code, message and fields."""

    def __init__(self, status: int, message: str, fields: dict | None = None, code: str | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields or {}
        self.code = code or CODES.get(status, "error")
        self.extra = extra


def error_response(status: int, message: str, fields: dict | None = None, code: str | None = None,
                   headers: dict | None = None, **extra):
    body = {"code": code or CODES.get(status, "error"), "message": message, "fields": fields or {}, **extra}
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten(messages, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow's nested messages as {"lines.0.unit_price": "..."}."""
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            name = str(key) if prefix == "" else f"{prefix}.{key}"
            flat.update(flatten(value, "" if (prefix == "" and key in ("json", "query", "form")) else name))
        return flat
    if isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_": " ".join(messages)}
        flat = {}
        for i, value in enumerate(messages):
            flat.update(flatten(value, f"{prefix}.{i}" if prefix else str(i)))
        return flat
    return {prefix or "_": str(messages)}
