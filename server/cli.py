"""The `wayline` command: one entry point for operators and marketers' tooling.

Subcommands grow with the product; each is a small function that reads settings, does one
thing and returns an exit code. Misconfiguration stops here, with the variable named.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from runtime.settings import (
    SECRETS,
    SettingsError,
    describe_settings,
    load_settings,
    masked,
)
from server.cli_team import add_team_commands
from server.offline import offline_wayline, schema_ready, shown

UP_DEMO_CUSTOMERS = 20_000
"""Demo customers `wayline up --demo` loads on a first start: enough to preview and dry-run
with, loaded in seconds, so the first page is not minutes away (`wayline demo` loads more)."""


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the configured database to the newest schema."""
    from runtime.store.db import migrate

    settings = load_settings()
    migrate(settings.database, args.revision)
    print(f"database at {shown(settings.database)} is at {args.revision}")
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
    issues = validate_journey(raw, limits=load_settings().limits)
    for issue in issues:
        where = " ".join(part for part in (issue.node_id, issue.field) if part)
        print(f"{issue.severity:<7} {issue.code:<20} {where:<28} {issue.message}")
    errors = sum(issue.severity == "error" for issue in issues)
    print(f"{path}: {errors} error(s), {len(issues) - errors} warning(s)"
          if issues else f"{path}: no problems")
    return 1 if has_errors(issues) else 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a worker: batches of customer steps, deliveries, and (when leading) the sweeper.

    Unless in burst mode, this process supervises: the worker runs in a child process that
    is restarted if it dies (`server.supervisor`)."""
    import os

    from runtime.redis_server import redis_url_for
    from runtime.run.jobs import build_runtime
    from runtime.run.worker import run_worker
    from server.supervisor import child_command, is_child, supervise

    settings = load_settings()
    _configure_logging(settings)
    url, embedded = redis_url_for(settings)  # the embedded Redis outlives restarted children
    try:
        if args.burst or is_child():
            run_worker(build_runtime(settings, url), burst=args.burst)
        else:
            return supervise(child_command(), {**os.environ, "WAYLINE_REDIS_URL": url})
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    """Serve the API, the journeys page and the canvas on WAYLINE_HOST:WAYLINE_PORT.

    With `--workers N`, N processes share the port (uvicorn's supervisor restarts one that
    dies); they share the database, Redis and the keys under the data dir, made here first.
    """
    import uvicorn

    from runtime.messaging.tracking import secret_for
    from runtime.redis_server import redis_url_for
    from server.app import create_web_app
    from server.context import api_key_for, build_wayline

    settings = load_settings()
    _configure_logging(settings)
    if not schema_ready(settings) or not _safe_to_serve(settings):
        return 2
    url, embedded = redis_url_for(settings)
    # log_config=None: uvicorn's records go through Wayline's handler (text or JSON).
    # The client's address (sign-in lockout, the audit trail) comes from forwarding
    # headers only when a trusted proxy sent them: WAYLINE_FORWARDED_ALLOW_IPS.
    options = {"host": settings.host, "port": settings.port,
               "log_level": settings.log_level.lower(), "log_config": None,
               "proxy_headers": bool(settings.forwarded_allow_ips),
               "forwarded_allow_ips": settings.forwarded_allow_ips or None}
    try:
        if args.workers > 1:
            api_key_for(settings)  # made once here, not raced for by the processes
            secret_for(settings)
            os.environ["WAYLINE_REDIS_URL"] = url
            uvicorn.run("server.app:web_app_from_settings", factory=True,
                        workers=args.workers, **options)
        else:
            uvicorn.run(create_web_app(build_wayline(settings, url)), **options)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    """Everything on this machine: migrate, then the server and a worker until Ctrl-C."""
    from server.launcher import run_up

    settings = load_settings()
    _configure_logging(settings)
    if not schema_ready(settings):
        return 2
    if _is_empty(settings) and _wants_demo(args):
        print("First start: loading demo data (wayline demo) …", flush=True)
        _load_demo(settings, args.customers)
    link = _owner_link()
    if not _safe_to_serve(settings):
        return 2
    return run_up(settings, greeting=link)


def _owner_link() -> str | None:
    """While the workspace's owner has no password: a one-time link to sign them in (made
    with the owner on a first start), to print with the address."""
    from server.services.users import first_start_link

    with offline_wayline() as wl:
        made = first_start_link(wl)
    if made is None:
        return None
    return (f"Sign in: {made.link}\n  (a one-time link for {made.user.email}, valid 24 "
            "hours; set a password on your account page, or run `wayline user reset "
            f"{made.user.email}` for a new link)")


def _safe_to_serve(settings) -> bool:
    """Refuse to answer on a network address with nobody to sign in or no secret key set."""
    import ipaddress

    host = settings.host.strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return True
    from server.services.users import has_users

    with offline_wayline() as wl:
        missing = [] if has_users(wl) else ["a user (`wayline user add you@example.com "
                                             "--role admin`)"]
    if not settings.secret_key:
        missing.append("WAYLINE_SECRET_KEY (a long random value shared by every server)")
    if missing:
        print(f"wayline: refusing to serve on {settings.host}, a network address, without "
              f"{' and '.join(missing)}. Add them, or listen on 127.0.0.1.", file=sys.stderr)
        return False
    return True


def _wants_demo(args: argparse.Namespace) -> bool:
    """On a first start: --demo says yes; at a terminal, ask; else say how to load it later."""
    if args.demo:
        return True
    offer = (f"No customers yet. Load the demo — {args.customers:,} customers with Korean and "
             "English names, their events, and four starter journeys?")
    if not sys.stdin.isatty():
        print(f"{offer} Run `wayline up --demo` (or `wayline demo` for 100,000) to load it.",
              flush=True)
        return False
    try:
        answer = input(f"{offer} [Y/n] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("", "y", "yes")


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo audience and the starter journeys (nothing is loaded twice)."""
    settings = load_settings()
    _configure_logging(settings)
    if not schema_ready(settings):
        return 2
    _load_demo(settings, args.customers)
    return 0


def _load_demo(settings, customers: int) -> None:
    import time

    from runtime.store.db import make_engine, make_sessionmaker
    from runtime.store.models import utcnow
    from server.demo import load_demo

    engine = make_engine(settings.database)
    started = time.monotonic()

    def show(done: int, total: int) -> None:
        filled = done * 30 // total
        rate = done / max(time.monotonic() - started, 1e-9)
        print(f"\r  customers [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} "
              f"({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    try:
        report = load_demo(make_sessionmaker(engine), utcnow(), customers,
                           timezone=settings.timezone, progress=show)
    finally:
        engine.dispose()
    print(file=sys.stderr)
    print(f"demo: {report.customers:,} customers and {report.events:,} events added, "
          f"{report.journeys} starter journeys ({time.monotonic() - started:.1f} s)", flush=True)


def _is_empty(settings) -> bool:
    """True when the database holds no customers yet (a first start)."""
    from sqlalchemy import func, select

    from runtime.store.db import make_engine
    from runtime.store.models import Customer

    engine = make_engine(settings.database)
    try:
        with engine.connect() as connection:
            return not connection.scalar(select(func.count()).select_from(Customer))
    finally:
        engine.dispose()


def _configure_logging(settings) -> None:
    from runtime.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)


def cmd_import(args: argparse.Namespace) -> int:
    """Import customers from a CSV file, printing progress and then every failed row."""
    from runtime.clock import SystemClock
    from runtime.store.db import make_engine, make_sessionmaker
    from server.services import imports

    settings = load_settings()
    if not schema_ready(settings):
        return 2
    engine = make_engine(settings.database)
    try:
        return imports.import_file(Path(args.file), make_sessionmaker(engine), SystemClock(),
                                   imports.options(args.encoding, args.delimiter,
                                                   args.phone_region), every=args.every)
    finally:
        engine.dispose()


def cmd_settings(args: argparse.Namespace) -> int:
    """Show every WAYLINE_* variable, its value in effect and what it means."""
    from runtime.messaging.gateways import gateways
    from server.context import api_key_for

    if args.markdown:
        print(settings_table())
        print()
        print(providers_table())
        return 0
    settings = load_settings()
    for variable, _default, meaning in describe_settings():
        value = masked(str(getattr(settings, variable.removeprefix("WAYLINE_").lower())))
        if value and variable != "WAYLINE_API_KEY" and \
                variable.removeprefix("WAYLINE_").lower() in SECRETS:
            value = "(set; not shown)"  # signing keys and provider keys stay secret
        if variable == "WAYLINE_API_KEY" and not value:
            value = f"{api_key_for(settings)} (kept in {settings.data_dir}/api_key)"
        print(f"{variable:<24} {value or '(empty)':<40} {meaning}")
    secrets = {f"WAYLINE_{gateway.key.upper()}_{name.upper()}"
               for gateway in gateways() for name, setting in gateway.settings.items()
               if setting.secret}
    for variable, default, meaning in describe_providers():
        value = settings.extra.get(variable.removeprefix("WAYLINE_").lower(), "") or default
        if value and variable in secrets:
            value = "(set; not shown)"
        print(f"{variable:<24} {value or '(empty)':<40} {meaning}")
    return 0


def settings_table() -> str:
    """Every setting as the README's Markdown table (variable, default, meaning)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, meaning in describe_settings():
        shown = f"`{default}`" if default else "(empty)"
        rows.append(f"| `{variable}` | {shown} | {_markdown_text(meaning)} |")
    return "\n".join(rows)


def describe_providers() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for choosing provider gateways per channel, then every
    gateway's own settings (`runtime.messaging.gateways.describe`)."""
    from nodes.kit.channel import Transport, default_channels
    from runtime.messaging.gateways import describe, gateways

    rows = []
    for spec in default_channels():
        if spec.transport is not Transport.PROVIDER:
            continue
        carrying = [gateway.key for gateway in gateways() if spec.key in gateway.channels]
        if carrying:
            rows.append((f"WAYLINE_{spec.key.upper()}_PROVIDER", "",
                         f"Provider gateway for {spec.label}: {', '.join(carrying)}; empty: the "
                         f"JSON provider at WAYLINE_{spec.key.upper()}_URL, else the outbox."))
    return rows + describe()


def providers_table() -> str:
    """The provider settings as the README's Markdown table (variable, default, meaning)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, meaning in describe_providers():
        shown = f"`{default}`" if default else "(empty)"
        rows.append(f"| `{variable}` | {shown} | {_markdown_text(meaning)} |")
    return "\n".join(rows)


def _providers_help() -> str:
    lines = ["provider settings (WAYLINE_<CHANNEL>_PROVIDER picks a gateway per channel):"]
    lines += [f"  {variable:<30} {meaning}" + (f" (default {default})" if default else "")
              for variable, default, meaning in describe_providers()]
    return "\n".join(lines)


def _markdown_text(text: str) -> str:
    return text.replace("|", "&#124;").replace("<", "&lt;").replace(">", "&gt;")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="wayline", description="Wayline journey builder.",
                                     epilog=_providers_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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
    up = commands.add_parser("up", help="run Wayline here: migrate, then server + worker")
    up.add_argument("--demo", action="store_true",
                    help="on a first start (no customers yet), load the demo data first")
    up.add_argument("--customers", type=int, default=UP_DEMO_CUSTOMERS,
                    help=f"demo audience size (default {UP_DEMO_CUSTOMERS:,}; `wayline demo` "
                         "loads 100,000)")
    up.set_defaults(handler=cmd_up)
    demo = commands.add_parser("demo", help="load demo customers, events and starter journeys")
    demo.add_argument("--customers", type=int, default=100_000, help="how many (default 100,000)")
    demo.set_defaults(handler=cmd_demo)
    server = commands.add_parser("server", help="serve the API on WAYLINE_HOST:WAYLINE_PORT")
    server.add_argument("--workers", type=int, default=1, metavar="N",
                        help="serve from N processes (default 1; about one per core)")
    server.set_defaults(handler=cmd_server)
    imports = commands.add_parser("import", help="import data from a file")
    kinds = imports.add_subparsers(dest="kind", required=True, metavar="KIND")
    customers = kinds.add_parser("customers", help="customers from a CSV file (exit 1 if rows "
                                 "failed, 2 if the file can't be imported)")
    customers.add_argument("file", help="CSV with a header row naming external_id, email, …")
    customers.add_argument("--encoding", default="utf-8", help="utf-8 (default) or cp949")
    customers.add_argument("--delimiter", default="comma",
                           choices=["comma", "semicolon", "tab", "pipe"])
    customers.add_argument("--phone-region", help="region of numbers without +country code "
                           "(default KR)")
    customers.add_argument("--every", type=int, default=10_000, help="progress every N rows")
    customers.set_defaults(handler=cmd_import)
    add_team_commands(commands)
    settings = commands.add_parser("settings", help="show the WAYLINE_* settings in effect")
    settings.add_argument("--markdown", action="store_true",
                          help="print every setting as a Markdown table (the README's)")
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
