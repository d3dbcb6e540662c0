"""What we rely on inside the libraries we extend, checked against the installed versions.

pyproject.toml pins each of them below the next release we have not tried; these tests fail
when a version inside the pins stops doing what our extension assumes, and say where.
"""
import inspect
import os
import subprocess
import sys

import email_validator
import flask_mail
import flask_smorest
import pytest

from efaktur import PROJECT_ROOT
from efaktur.extensions import mail
from efaktur.rules.emails import EmailError, parse_email
from tests.conftest import SmtpSink, mail_config


def test_flask_mail_opens_its_connection_through_configure_host(app):
    """efaktur/mailer.py gives the SMTP connection a timeout by overriding Connection.configure_host, which
    Flask-Mail's Connection.__enter__ must call (0.10 does): otherwise a silent server holds a request for ever."""
    assert "self.configure_host()" in inspect.getsource(flask_mail.Connection.__enter__)
    with SmtpSink() as sink:
        app.config.update(mail_config(sink.port, MAIL_TIMEOUT=3))
        mail.init_app(app)
        with app.app_context(), mail.connect() as connection:
            assert connection.host is not None and connection.host.timeout == 3.0


def test_flask_smorest_registers_its_error_handlers_in_the_method_we_replace(app):
    """efaktur/extensions.py's JsonApi answers errors itself by replacing Api._register_error_handlers, which
    Api.init_app must call; if it stopped, flask-smorest's handlers would answer in another shape."""
    assert "_register_error_handlers" in inspect.getsource(flask_smorest.Api.init_app)
    smorest_handlers = [
        handler for handlers in app.error_handler_spec.get(None, {}).values() for handler in handlers.values()
        if getattr(handler, "__module__", "").startswith("flask_smorest")
    ]
    assert smorest_handlers == []
    answer = app.test_client().get("/api/v1/invoices/999999", headers={"Authorization": "Bearer efk_nothing"})
    assert answer.status_code == 401 and set(answer.get_json()["error"]) >= {"code", "message", "fields"}


def test_email_validator_reads_its_special_use_list_at_each_call():
    """efaktur/rules/emails.py lets internal `.local` addresses through by taking "local" out of
    email_validator.SPECIAL_USE_DOMAIN_NAMES, which the validator reads at each call (2.x does)."""
    assert "local" not in email_validator.SPECIAL_USE_DOMAIN_NAMES
    assert parse_email("finance@company.local") == "finance@company.local"
    for reserved in ("someone@example.invalid", "someone@printer.localhost"):
        with pytest.raises(EmailError):
            parse_email(reserved)


def test_the_command_line_prints_its_help_without_a_secret_key(tmp_path):
    """Nothing is served by `--help`: it works on a fresh machine, before instance/config.py exists."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env["EFAKTUR_INSTANCE_PATH"] = str(tmp_path / "instance")
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    for arguments in (["--help"], ["users", "--help"], ["backup", "--help"]):
        done = subprocess.run([flask, "--app", "efaktur", *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "Usage:" in done.stdout
    assert "users" in subprocess.run([flask, "--app", "efaktur", "--help"], cwd=PROJECT_ROOT, env=env,
                                     capture_output=True, text=True, timeout=60).stdout
