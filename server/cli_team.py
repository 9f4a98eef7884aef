"""`wayline user …` and `wayline key …`: the team and API keys from a terminal.

What an admin does on the Team page, for operators and scripts: add people (printing their
one-time sign-in link), list, disable, enable, reset (a new link), and make, list and revoke
API keys (a new key is printed once). Changes are audited as made by "the command line".
These commands only touch the database: they need neither Redis nor a running server.
"""

from __future__ import annotations

import argparse
import sys

from runtime.errors import WaylineError
from runtime.settings import load_settings
from runtime.store.audit import Actor
from runtime.store.team_models import KeyScope, Role
from server.offline import offline_wayline, schema_ready

CLI_ACTOR = Actor("system", "cli", "the command line (wayline)")
"""Who the audit trail says made a change from the terminal."""


def cmd_user(args: argparse.Namespace) -> int:
    """People: add, list, disable, enable, reset."""
    from server.schemas.team import UserCreate, UserUpdate
    from server.services import users

    if not schema_ready(load_settings()):
        return 2
    with offline_wayline() as wl:
        try:
            if args.action == "list":
                for user in users.list_users(wl):
                    state = "active" if user.active else "disabled"
                    seen = user.last_sign_in_at.isoformat(timespec="minutes") \
                        if user.last_sign_in_at else "never signed in"
                    print(f"{user.email:<32} {user.role.value:<10} {state:<9} {seen:<22} "
                          f"{user.name}")
                return 0
            if args.action == "add":
                made = users.add_user(wl, CLI_ACTOR, UserCreate(
                    email=args.email, name=args.name or args.email.split("@")[0],
                    role=Role(args.role)))
                return _print_link(made, "added")
            user = users.find_user(wl, args.email)
            if args.action == "reset":
                return _print_link(users.reset_link(wl, CLI_ACTOR, user.id), "reset")
            changed = users.update_user(wl, CLI_ACTOR, user.id,
                                        UserUpdate(active=args.action == "enable"))
            print(f"{changed.email} is {'active' if changed.active else 'disabled'}"
                  f"{'' if changed.active else ' (signed out everywhere)'}")
            return 0
        except WaylineError as error:
            print(f"wayline user {args.action}: {error.message}", file=sys.stderr)
            return 1


def _print_link(made: object, what: str) -> int:
    user = made.user
    print(f"{user.email} ({user.role.value}) {what}. One-time sign-in link, valid until "
          f"{made.expires_at.isoformat(timespec='minutes')}:\n{made.link}")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    """API keys: add (printed once), list, revoke."""
    from server.schemas.team import KeyCreate
    from server.services import keys

    if not schema_ready(load_settings()):
        return 2
    with offline_wayline() as wl:
        try:
            if args.action == "list":
                for key in keys.list_keys(wl):
                    used = key.last_used_at.isoformat(timespec="minutes") \
                        if key.last_used_at else "never used"
                    state = "revoked" if key.revoked_at else "live"
                    print(f"{key.id:<5} {key.name:<24} {key.prefix}… {','.join(key.scopes):<20} "
                          f"{state:<8} {used}")
                return 0
            if args.action == "add":
                scopes = [KeyScope(scope) for scope in args.scopes.split(",") if scope]
                made = keys.create_key(wl, CLI_ACTOR, KeyCreate(name=args.name, scopes=scopes))
                if args.quiet:
                    print(made.key)
                else:
                    print(f"key '{made.detail.name}' ({', '.join(made.detail.scopes)}); it is "
                          f"shown this once, keep it safe:\n{made.key}")
                return 0
            key = keys.find_key(wl, args.key)
            keys.revoke_key(wl, CLI_ACTOR, key.id)
            print(f"key '{key.name}' ({key.prefix}…) revoked")
            return 0
        except (WaylineError, ValueError) as error:
            print(f"wayline key {args.action}: {getattr(error, 'message', error)}",
                  file=sys.stderr)
            return 1


def add_team_commands(commands: argparse._SubParsersAction) -> None:
    """Register `wayline user` and `wayline key` on the command's subparsers."""
    user = commands.add_parser("user", help="people who sign in: add, list, disable, reset")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add someone and print their one-time sign-in link")
    add.add_argument("email")
    add.add_argument("--name", help="their name (default: the email's first part)")
    add.add_argument("--role", default="editor", choices=[role.value for role in Role])
    actions.add_parser("list", help="everyone, with role and last sign-in")
    for action, text in (("disable", "stop someone signing in (signed out everywhere now)"),
                         ("enable", "let a disabled person sign in again"),
                         ("reset", "print a new one-time sign-in link (to set a password)")):
        actions.add_parser(action, help=text).add_argument("email")
    user.set_defaults(handler=cmd_user)
    key = commands.add_parser("key", help="API keys for other systems: add, list, revoke")
    actions = key.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="make a key and print it (shown this once)")
    add.add_argument("name", help="what uses it, e.g. shop or warehouse")
    add.add_argument("--scopes", default="ingest", help="comma-separated: ingest, read, manage "
                     "(default ingest)")
    add.add_argument("--quiet", action="store_true", help="print only the key (for scripts)")
    actions.add_parser("list", help="every key, with scopes and last use")
    actions.add_parser("revoke", help="revoke a key by id or name").add_argument("key")
    key.set_defaults(handler=cmd_key)
