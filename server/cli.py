"""The `wayline` command: one entry point for operators and marketers' tooling.

Subcommands grow with the product; each is a small function that reads settings, does one
thing and returns an exit code. Misconfiguration stops here, with the variable named.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from runtime.settings import SettingsError, describe_settings, load_settings, masked


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the configured database to the newest schema."""
    from runtime.db import migrate

    settings = load_settings()
    migrate(settings.database, args.revision)
    print(f"database at {_shown(settings.database)} is at {args.revision}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Print every issue in a journey file; exit 1 if any is an error."""
    from builder.validation import has_errors, validate_journey

    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as error:
        print(f"wayline validate: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    issues = validate_journey(raw)
    for issue in issues:
        where = " ".join(part for part in (issue.node_id, issue.field) if part)
        print(f"{issue.severity:<7} {issue.code:<20} {where:<28} {issue.message}")
    errors = sum(issue.severity == "error" for issue in issues)
    print(f"{path}: {errors} error(s), {len(issues) - errors} warning(s)"
          if issues else f"{path}: no problems")
    return 1 if has_errors(issues) else 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a worker: batches of customer steps, deliveries, and (when leading) the sweeper."""
    from runtime.jobs import build_runtime
    from runtime.redis_server import redis_url_for
    from runtime.worker import run_worker

    settings = load_settings()
    _configure_logging(settings.log_level)
    url, embedded = redis_url_for(settings)
    try:
        run_worker(build_runtime(settings, url), burst=args.burst)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def _configure_logging(level: str) -> None:
    import logging

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s %(message)s")


def cmd_settings(args: argparse.Namespace) -> int:
    """Show every WAYLINE_* variable, its value in effect and what it means."""
    settings = load_settings()
    for variable, _default, meaning in describe_settings():
        value = masked(str(getattr(settings, variable.removeprefix("WAYLINE_").lower())))
        print(f"{variable:<24} {value or '(empty)':<40} {meaning}")
    return 0


def _shown(url: str) -> str:
    """A database URL with its password hidden, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="wayline", description="Wayline journey builder.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    migrate.set_defaults(handler=cmd_migrate)
    validate = commands.add_parser("validate", help="check a journey JSON file")
    validate.add_argument("file", help="path to the journey document (JSON)")
    validate.set_defaults(handler=cmd_validate)
    worker = commands.add_parser("worker", help="run a worker (steps, deliveries, sweeper)")
    worker.add_argument("--burst", action="store_true",
                        help="stop when the queues are empty (for scripts and tests)")
    worker.set_defaults(handler=cmd_worker)
    settings = commands.add_parser("settings", help="show the WAYLINE_* settings in effect")
    settings.set_defaults(handler=cmd_settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `wayline` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SettingsError as error:
        print(f"wayline: configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
