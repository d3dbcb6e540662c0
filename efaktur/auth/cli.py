"""`flask --app efaktur users ...`: account management from the shell.

The same rules as the Users page and the login form (efaktur/auth/accounts.py): what the shell
creates can log in, and what the login form would refuse is refused here too. Passwords
are read from a prompt (hidden, asked twice); --generate-password makes one and prints it once.
"""
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from efaktur.auth.accounts import generate_password
from efaktur.auth.models import ROLE_ADMIN, ROLES
from efaktur.auth.services import AccountRefused, any_admin, create_user, set_password, unlock_account

users_cli = AppGroup("users", help="Manage user accounts.")

DEFAULT_ADMIN_EMAIL = "admin@example.com"


def _fail(refused: AccountRefused):
    raise click.ClickException("; ".join(refused.errors.values()))


def _password_option(function):
    function = click.option(
        "--generate-password", is_flag=True, help="Make a random password and print it once, instead of asking."
    )(function)
    return function


def _read_password(generate: bool) -> tuple[str, bool]:
    if generate:
        return generate_password(), True
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@_password_option
def create(email, role, generate_password):
    """Create an account with the given role (the password is asked for)."""
    password, generated = _read_password(generate_password)
    try:
        user, _ = create_user(email, role, password)
    except AccountRefused as refused:
        _fail(refused)
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password (shown once): {password}")


@users_cli.command("set-password")
@click.argument("email")
@_password_option
def set_password_command(email, generate_password):
    """Set a new password for an account (asked for); every session of the account ends."""
    password, generated = _read_password(generate_password)
    try:
        user = set_password(email, password)
    except AccountRefused as refused:
        _fail(refused)
    click.echo(f"Password of {user.email} changed; its sessions have ended.")
    if generated:
        click.echo(f"Password (shown once): {password}")


@users_cli.command("unlock")
@click.argument("email")
def unlock(email):
    """Lift the account's login locks (too many failed logins), from every address."""
    try:
        user = unlock_account(email)
    except AccountRefused as refused:
        _fail(refused)
    click.echo(f"Logins of {user.email} are unlocked.")


@users_cli.command("ensure-admin")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="Where the app is served, for the message.")
def ensure_admin(url):
    """Create an admin account with a random password unless one exists; say how to log in."""
    admin = any_admin()
    if admin is not None:
        click.echo(
            f"Log in at {url} as {admin.email} with the password you set. "
            f"Forgot it? make reset-admin-password (or flask --app efaktur users set-password {admin.email})."
        )
        return
    user, password = create_user(DEFAULT_ADMIN_EMAIL, ROLE_ADMIN)
    click.echo("=" * 64)
    click.echo(f"An admin account was created. Log in at {url} with")
    click.echo(f"  Email:    {user.email}")
    if _on_terminal():
        # Said once, on the terminal of whoever started it; it is never shown again.
        click.echo(f"  Password: {password}")
        click.echo("This password is shown once; change it under your account (Change Password), or with")
    else:
        # Not a terminal (a service's log, a pipe): the password goes to a file only this user can read.
        path = _password_file(password)
        click.echo(f"  Password: in {path} (readable by this user only; delete it once you have logged in)")
        click.echo("Change it under your account (Change Password), or with")
    click.echo(f"  .venv/bin/flask --app efaktur users set-password {user.email}")
    click.echo("=" * 64)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _password_file(password: str) -> str:
    path = os.path.join(current_app.instance_path, "initial-admin-password.txt")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
    os.chmod(path, 0o600)
    return path
