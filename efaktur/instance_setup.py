"""Writes instance/config.py with a fresh random SECRET_KEY when it does not exist yet.

Run by `make run` so that a local install gets a real secret without one ever being
committed. It never overwrites an existing file.
"""
import secrets
import sys
from pathlib import Path

TEMPLATE = '''\
# Local configuration for this machine; never commit it.
# Environment variables FLASK_<NAME> override these values.
SECRET_KEY = {secret!r}

# `make run` serves plain HTTP on 127.0.0.1, so the session cookie cannot be Secure.
# Behind HTTPS in production, leave the default (True) instead.
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_SECURE = False

# Outgoing mail for threshold alerts (none configured: alerts are recorded as not sent).
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "..."
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "efaktur@example.com"
'''


def ensure_instance_config(instance_dir: Path) -> bool:
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "config.py"
    if path.exists():
        return False
    path.write_text(TEMPLATE.format(secret=secrets.token_urlsafe(48)))
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "instance")
    if ensure_instance_config(target):
        print(f"Wrote {target / 'config.py'} with a new random SECRET_KEY.")
