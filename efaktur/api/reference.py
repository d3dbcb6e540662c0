"""A readable reference of the API, rendered from the OpenAPI document flask-smorest generates.

Served by the app itself (no documentation site from a CDN, nothing the Content Security
Policy would have to allow).
"""
import re

from flask import Blueprint, render_template
from markupsafe import Markup, escape

from efaktur.extensions import api

bp = Blueprint("api_reference", __name__)


def _resolve(spec: dict, node):
    """The schema behind a $ref (one level: the template shows properties, not whole trees)."""
    if isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return name, spec["components"]["schemas"].get(name, {})
    return None, node or {}


def inline_code(text: str) -> Markup:
    """Docstrings mark names as `after`: shown as code, everything else escaped."""
    parts = re.split(r"`([^`]+)`", text or "")
    return Markup("").join(escape(part) if i % 2 == 0 else Markup("<code>%s</code>") % part for i, part in enumerate(parts))


LONG_ENUM = 12  # longer lists of values are summed up ("one of 250 values, e.g. ...")


def type_label(prop: dict) -> str:
    """'string (date)', 'integer or string', 'list of integer': a field's type for people."""
    if "oneOf" in prop:
        return " or ".join(type_label(choice) for choice in prop["oneOf"])
    if prop.get("type") == "array":
        return "list of " + type_label(prop.get("items", {}))
    label = prop.get("type", "any")
    return f"{label} ({prop['format']})" if prop.get("format") else label


def values_label(prop: dict) -> str:
    values = [v for v in prop.get("enum", []) if v is not None]
    if not values:
        return ""
    shown = ", ".join(f'"{v}"' if v == "" else str(v) for v in values[:LONG_ENUM if len(values) > LONG_ENUM else None])
    return f"one of {len(values)} values, e.g. {shown[:60]}..." if len(values) > LONG_ENUM else f"one of: {shown}"


@bp.get("/api/v1/docs")
def reference():
    spec = api.spec.to_dict()
    operations = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            responses = []
            for status, response in sorted(operation.get("responses", {}).items()):
                content = response.get("content", {})
                media, schema = next(iter(content.items()), (None, {}))
                label = "any other" if status == "default" else status
                responses.append((label, response.get("description", ""), media, _resolve(spec, (schema or {}).get("schema"))[0]))
            operations.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "parameters": operation.get("parameters", []),
                "body": _resolve(spec, body)[0], "responses": responses, "tag": (operation.get("tags") or [""])[0],
            })
    return render_template("api/reference.html", spec=spec, operations=operations, type_label=type_label,
                           values_label=values_label, inline_code=inline_code)
