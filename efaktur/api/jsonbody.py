"""The API's JSON bodies, read once and safely: bounded depth and digits, numbers exactly as sent.

Python's json module raises RecursionError on deep nesting and refuses integers of more than
4,300 digits with an error webargs does not catch: both were 500s. Here the body is read before
any view, with every number kept exactly (`1.0000000000000001` stays that, so a quantity with
more than two decimals is refused, never rounded), and anything unreadable is a 400 in the API's
one error shape. Views get the parsed body through `BodyParser`, webargs' documented hook
(`load_json`) for where a JSON body comes from.
"""
import json
import re
from decimal import Decimal

from flask import g, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from efaktur.api.errors import error_response

MAX_DEPTH = 32  # our schemas are at most four deep
MAX_NUMBER_DIGITS = 40
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class BodyError(ValueError):
    """Why a body is not JSON the API reads."""


def _number(text: str) -> int | Decimal:
    if len(text.lstrip("-").replace(".", "").split("e")[0].split("E")[0]) > MAX_NUMBER_DIGITS:
        raise BodyError(f"A number has more than {MAX_NUMBER_DIGITS} digits.")
    return Decimal(text)


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise BodyError(f"A number has more than {MAX_NUMBER_DIGITS} digits.")
    return int(text)


def _constant(name: str):
    raise BodyError(f"{name} is not a number JSON allows.")


def loads(data: bytes):
    """The body as Python values: numbers with a fraction or exponent as Decimal, integers as int."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("The body is not UTF-8.") from None
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise BodyError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    try:
        return json.loads(text, parse_float=_number, parse_int=_integer, parse_constant=_constant)
    except BodyError:
        raise
    except (ValueError, RecursionError) as error:
        raise BodyError(f"The body is not valid JSON: {str(error)[:200]}") from None


def before_request():
    """Read a JSON body before the view: a 400 for one that cannot be read."""
    if request.method not in ("POST", "PUT", "PATCH") or not is_json_request(request):
        return None
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        g.api_json_body = loads(data)
    except BodyError as error:
        return error_response(400, str(error), code="bad_request")
    return None


class BodyParser(FlaskParser):
    """webargs' parser, taking the body read (and checked) by before_request."""

    def load_json(self, req, schema):
        if not is_json_request(req):
            return core.missing
        if "api_json_body" in g:
            return g.api_json_body
        return super().load_json(req, schema)
