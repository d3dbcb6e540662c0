"""`flask --app efaktur tokens ...`: API tokens from the shell."""
import click
from flask.cli import AppGroup

from efaktur.api.tokens import TokenRefused, all_tokens, create_token, revoke_token
from efaktur.app_clock import local_today

tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--read-only", is_flag=True, help="The token may read, never change anything.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="The last day it works: YYYY-MM-DD.")
def create(name, read_only, expires):
    """Create an API token; it is printed once and kept only as a hash."""
    try:
        token, secret = create_token(name, read_only, expires.date() if expires else None, "shell", local_today())
    except TokenRefused as refused:
        raise click.ClickException("; ".join(refused.errors.values()))
    click.echo(f"Created the {token.access.lower()} API token {token.name}. Keep it safe; it is shown once:")
    click.echo(secret)


@tokens_cli.command("list")
def list_tokens():
    """The tokens, with when each was last used."""
    for token in all_tokens():
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M} UTC" if token.last_used_at else "never"
        click.echo(f"{token.id:>4}  {token.name:<30} {token.access:<10} {state:<18} last used {used}")


@tokens_cli.command("revoke")
@click.argument("name")
def revoke(name):
    """Revoke the live token with this name."""
    matching = [t for t in all_tokens() if t.name == name and t.revoked_at is None]
    if not matching:
        raise click.ClickException(f"No live token named {name}.")
    revoke_token(matching[0].id, "shell")
    click.echo(f"Revoked the API token {name}.")
