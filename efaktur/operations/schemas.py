"""The operator's figures as JSON: one schema for /operations/status.json and GET /api/v1/operations."""
from marshmallow import Schema, fields


class DatabaseOut(Schema):
    kind = fields.String(required=True, metadata={"description": "SQLite, or PostgreSQL with its version"})
    where = fields.String(required=True, metadata={"description": "The file, or database, host and schema (no password)"})
    size_bytes = fields.Integer(required=True, allow_none=True, metadata={"description": "The app's tables with their indexes"})


class BackupOut(Schema):
    at = fields.DateTime(required=True)
    path = fields.String(required=True)
    host = fields.String(required=True)
    size_bytes = fields.Integer(required=True, allow_none=True)
    sha256 = fields.String(required=True, allow_none=True)


class BackupFailureOut(Schema):
    at = fields.DateTime(required=True)
    message = fields.String(required=True)


class BackupsOut(Schema):
    last = fields.Nested(BackupOut, required=True, allow_none=True, metadata={"description": "The last good backup"})
    due = fields.Boolean(required=True, metadata={"description": "True when no good backup was made in the last day"})
    failed_since = fields.Nested(BackupFailureOut, required=True, allow_none=True,
                                 metadata={"description": "The last attempt, when it failed after the last good one"})


class MailOut(Schema):
    server = fields.String(required=True, allow_none=True)
    port = fields.Integer(required=True, allow_none=True)
    security = fields.String(required=True, metadata={"description": "SSL, STARTTLS or none"})
    username = fields.String(required=True, allow_none=True)
    password_set = fields.Boolean(required=True, metadata={"description": "Whether a password is set; never the password"})
    sender = fields.String(required=True, allow_none=True)
    public_url = fields.String(required=True, allow_none=True)


class EmailOutcomeOut(Schema):
    at = fields.DateTime(required=True, allow_none=True)
    outcome = fields.String(required=True, metadata={"description": "sent, partial, failed or not_sent"})
    detail = fields.String(required=True)


class LastEmailsOut(Schema):
    threshold_alert = fields.Nested(EmailOutcomeOut, required=True, allow_none=True)
    customer_email = fields.Nested(EmailOutcomeOut, required=True, allow_none=True)


class VersionOut(Schema):
    package = fields.String(required=True, allow_none=True)
    revision = fields.String(required=True, allow_none=True, metadata={"description": "The git revision, when run from a checkout"})


class DataOut(Schema):
    ranges = fields.Integer(required=True)
    invoices = fields.Integer(required=True)
    numbers_held = fields.Integer(required=True)
    files = fields.Integer(required=True)
    users = fields.Integer(required=True)


class BypassOut(Schema):
    at = fields.DateTime(required=True)
    address = fields.String(required=True)
    path = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "Such requests noted since the first"})


class ProxyOut(Schema):
    hops = fields.Integer(required=True, metadata={"description": "EFAKTUR_PROXY_HOPS: 0 when no proxy is trusted"})
    bypassed = fields.Nested(BypassOut, required=True, allow_none=True,
                             metadata={"description": "The last request that came without the proxy's headers"})


class OperationsOut(Schema):
    proxy = fields.Nested(ProxyOut, required=True)
    database = fields.Nested(DatabaseOut, required=True)
    backups = fields.Nested(BackupsOut, required=True)
    mail = fields.Nested(MailOut, required=True)
    last_emails = fields.Nested(LastEmailsOut, required=True)
    version = fields.Nested(VersionOut, required=True)
    data = fields.Nested(DataOut, required=True)
