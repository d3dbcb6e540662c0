"""Idempotency-Key: a retried POST gets the first answer and changes nothing again.

The first request with a key takes it (a row, unique per token and key, committed at
once); its answer is kept when it is done. A retry with the same key and the same body
gets that answer; with another body, a 422. A retry that arrives while the first is still
being answered waits for it a few seconds, then gets its answer (or a 409 to try later); a
key left unanswered for five minutes (its worker died) is free again.
Answers that are files (exports) are not kept: a retry exports again, the same data.
Kept answers are forgotten after a day.
"""
import hashlib
import time
from datetime import timedelta

from flask import Response, g, request
from sqlalchemy.exc import IntegrityError

from efaktur.api.errors import error_response
from efaktur.api.models import IdempotencyRecord
from efaktur.database import write_transaction
from efaktur.extensions import db
from efaktur.rules.clock import utc_now

HEADER = "Idempotency-Key"
KEEP = timedelta(days=1)
WAIT_SECONDS = 10.0
ABANDONED = timedelta(minutes=5)  # a key still unanswered after this was held by a worker that died
STREAMED = -1  # status_code of a record whose answer was a file


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.query_string.decode('latin-1')}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _take(token_id: int, key: str, request_hash: str) -> int | None:
    """Take the key for this request; the record's id, or None when another request has it."""
    try:
        with write_transaction():
            db.session.execute(db.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utc_now() - KEEP))
            record = IdempotencyRecord(token_id=token_id, key=key, request_hash=request_hash)
            db.session.add(record)
            db.session.flush()
            return record.id
    except IntegrityError:
        db.session.rollback()
        return None


def _existing(token_id: int, key: str) -> IdempotencyRecord | None:
    db.session.rollback()  # a fresh read each time: the first request commits its answer meanwhile
    return db.session.scalar(
        db.select(IdempotencyRecord).where(IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key)
    )


def before_request():
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST" or not hasattr(g, "api_token"):
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        return error_response(400, "An Idempotency-Key is 1 to 255 printable characters.", fields={HEADER: "Not a usable key."})
    request_hash = _request_hash()
    record_id = _take(g.api_token.id, key, request_hash)
    if record_id is not None:
        g.idempotency_record_id = record_id
        return None
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = _existing(g.api_token.id, key)
        if record is None:  # the first request failed and let the key go: take it now
            record_id = _take(g.api_token.id, key, request_hash)
            if record_id is not None:
                g.idempotency_record_id = record_id
                return None
        elif record.status_code is None and record.created_at < utc_now() - ABANDONED:
            _forget(record.id, unanswered=True)  # then taken above, on the next turn
            continue
        elif record.request_hash != request_hash:
            return error_response(422, "This Idempotency-Key was used with another request body.",
                                  fields={HEADER: "Use a new key for a different request."}, code="idempotency_mismatch")
        elif record.status_code == STREAMED:
            return None  # a file: exported again, the same data
        elif record.status_code is not None:
            response = Response(record.body, status=record.status_code, mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if time.monotonic() > deadline:
            return error_response(409, "A request with this Idempotency-Key is still being answered; try again shortly.",
                                  code="in_progress", headers={"Retry-After": "2"})
        time.sleep(0.05)


def _forget(record_id: int, unanswered: bool = False) -> None:
    statement = db.delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
    if unanswered:
        statement = statement.where(IdempotencyRecord.status_code.is_(None))
    with write_transaction():
        db.session.execute(statement)


def after_request(response):
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return response
    if response.status_code >= 500:
        _forget(record_id)  # what happened is unknown: a retry must be able to try again
        return response
    status = STREAMED if response.is_streamed else response.status_code
    body = None if response.is_streamed else response.get_data(as_text=True)
    with write_transaction():
        db.session.execute(
            db.update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(status_code=status, body=body)
        )
    return response


def teardown_request(error=None):
    record_id = g.pop("idempotency_record_id", None)
    if record_id is not None:  # the view raised: the key goes back
        try:
            _forget(record_id)
        except Exception:  # the request is failing anyway; the day-old sweep will take the row
            db.session.rollback()
