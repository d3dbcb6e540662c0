"""`flask --app efaktur backup | restore | check`: the operator's commands."""
import sys
import time

import click
from flask.cli import with_appcontext

from efaktur.language.lang import counted
from efaktur.operations.backups import LABEL, BackupError, make_backup, restore_backup
from efaktur.operations.ledger_check import check_ledger
from efaktur.operations.status import inventory


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


@click.command("backup")
@with_appcontext
@click.argument("path", required=False)
@click.option("--keep", type=click.IntRange(min=1), help="How many backups to keep in the directory (EFAKTUR_BACKUP_KEEP).")
def backup(path, keep):
    """Back up the database (and the PDFs in it) while the app serves.

    PATH is a directory (default: EFAKTUR_BACKUP_DIR, or instance/backups; made if missing), where
    the file is named with the time and only the last backups are kept; or a file name ending in
    .sqlite (SQLite) or .pgdump (PostgreSQL), written as named and never removed.
    """
    try:
        made = make_backup(path, keep)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backed up the {LABEL[made.kind]} database to {made.path}")
    click.echo(f"  size {_size(made.size)}, SHA-256 {made.sha256}, {made.seconds:.1f} s")
    if made.removed:
        click.echo(f"  removed {len(made.removed)} older backup(s): {', '.join(made.removed)}")


def _report_check(result) -> bool:
    if result.ok:
        click.echo(f"Ledger check: ok ({counted(result.ranges, 'range', 'ranges')}, {counted(result.held, 'number', 'numbers')} held, "
                   f"{result.returned:,} returned, {counted(result.files, 'E-Faktur file', 'E-Faktur files')}).")
        return True
    click.echo(f"Ledger check: {len(result.problems)} problem(s):", err=True)
    for problem in result.problems:
        click.echo(f"  - {problem}", err=True)
    return False


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
def restore(path, force):
    """Restore a backup into the app's database, bring it to this release's schema, and check it.

    Stop the app first. An empty database is restored into; one that holds anything only with --force.
    """
    from flask_migrate import upgrade

    try:
        report = restore_backup(path, force)
    except BackupError as error:
        raise click.ClickException(str(error))
    upgrade()  # a backup of an older release gets this release's schema
    counts = inventory()
    click.echo(f"Restored {path}{' (checksum verified)' if report.checksum_verified else ''}:")
    click.echo(f"  {counted(counts['ranges'], 'range', 'ranges')}, {counted(counts['invoices'], 'invoice', 'invoices')}, "
               f"{counted(counts['numbers_held'], 'number', 'numbers')} held, {counted(counts['files'], 'E-Faktur file', 'E-Faktur files')}, "
               f"{counted(counts['users'], 'user', 'users')}")
    if not _report_check(check_ledger()):
        sys.exit(1)


@click.command("check")
@with_appcontext
def check():
    """Check the number ledger's invariants on the live database; exit status 1 when one fails."""
    started = time.monotonic()
    ok = _report_check(check_ledger())
    click.echo(f"  ({time.monotonic() - started:.1f} s)")
    if not ok:
        sys.exit(1)
