"""`python -m console serve` (127.0.0.1:8000) and `python -m console create-user EMAIL --role R`
(the password is read from standard input; there is no default account)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from console.models import ROLES


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise SystemExit("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="add an account; the password comes from stdin")
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=ROLES)
    serve = sub.add_parser("serve", help="serve the console")
    serve.add_argument("--host", default=os.environ.get("CONSOLE_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT", "8000")))
    args = parser.parse_args(argv)

    if args.command == "create-user":
        from console.accounts import AccountError, create_user

        try:
            create_user(args.email, args.role, _read_password())
        except AccountError as exc:
            print(f"not created: {exc}", file=sys.stderr)
            return 2
        print(f"created {args.email.strip().lower()} ({args.role})")
        return 0

    from werkzeug.serving import run_simple

    from console.app import create_app
    from console.settings import Settings
    from privacy.keys import KeyConfigError

    try:
        settings = Settings.from_env()
    except KeyConfigError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    # Werkzeug's threaded server on the loopback address; behind a proxy in production
    run_simple(args.host, args.port, create_app(settings), threaded=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
