"""`flask --app efaktur users ...`: account management from the shell."""
import click
from flask.cli import AppGroup

from .models import ROLE_ADMIN, ROLES, User, normalise_email
from .services import AccountError, any_admin, create_user, new_password
from ..extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")

DEFAULT_ADMIN_EMAIL = "admin@example.com"


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(email, role, password):
    """Create an account with the given role."""
    try:
        user = create_user(email, role, password)
    except AccountError as error:
        raise click.ClickException(str(error))
    click.echo(f"Created {user.role} {user.email}.")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(email, password):
    """Set a new password for an account."""
    user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    user.set_password(password)
    db.session.commit()
    click.echo(f"Password of {user.email} changed.")


@users_cli.command("ensure-admin")
def ensure_admin():
    """Create an admin account with a random password unless one exists; say how to log in."""
    admin = any_admin()
    if admin is not None:
        click.echo(
            f"Log in at http://127.0.0.1:5000 as {admin.email} with the password you set. "
            f"Forgot it? make reset-admin-password (or flask --app efaktur users set-password {admin.email})."
        )
        return
    password = new_password()
    user = create_user(DEFAULT_ADMIN_EMAIL, ROLE_ADMIN, password)
    click.echo("=" * 64)
    click.echo("An admin account was created. Log in at http://127.0.0.1:5000 with")
    click.echo(f"  Email:    {user.email}")
    click.echo(f"  Password: {password}")
    click.echo("This password is shown once; change it with")
    click.echo(f"  .venv/bin/flask --app efaktur users set-password {user.email}")
    click.echo("=" * 64)
