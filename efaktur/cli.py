"""The command line: `flask --app efaktur users|tokens|backup|restore|check`."""
from flask import Flask

from efaktur.api.cli import tokens_cli
from efaktur.auth.cli import users_cli
from efaktur.operations.cli import backup, check, restore


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    for command in (backup, restore, check):
        app.cli.add_command(command)
