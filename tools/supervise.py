"""``python -m tools.supervise PROCFILE [NAME ...]``: a Procfile's processes under supervisor.

Why not honcho, which `make run` used before: when one process dies honcho stops all the
others and restarts nothing, so one Rasa replica killed takes the whole profile down with it.
supervisord (4.3, pinned in requirements/app.in) restarts a process that exits
(``autorestart``), in the foreground (``nodaemon``) so the caller keeps honcho's interface:
the same Procfile and names (PRODUCTION_PROCESSES), one environment for every process, each
line of output on standard output prefixed with its process's name, and Ctrl-C (SIGINT) or
SIGTERM stops everything. The configuration, pid file and control socket go to a folder of
this run's own (SUPERVISE_DIR, else a new temporary one: a `make run` and a test stack in one
checkout must not share a socket); the first line printed names it, and ``supervisorctl -c``
its ``supervisord.conf`` shows the processes (`status`) or restarts one by hand.
supervisord's own lines (a process exited, was started again) go to standard output too, so
the stack's log tells that a replica came back.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: seconds a process must stay up to count as started (a replica that exits sooner is
#: retried this many times, then given up: supervisord marks it FATAL and keeps the others)
START_SECONDS, START_RETRIES = 2, 20
#: seconds between SIGTERM and SIGKILL when stopping (Rasa takes a few to close its stores)
STOP_WAIT = 15


def read_procfile(path: Path) -> dict[str, str]:
    """The Procfile's processes by name, in order (``name: command``; ``#`` comments)."""
    processes: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(f"{path}:{number}: not 'name: command'")
        processes[name.strip()] = command.strip()
    return processes


def config(processes: dict[str, str], folder: Path) -> str:
    """supervisord's configuration for ``processes`` (name -> shell command)."""
    sock = folder / "supervisord.sock"
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={folder / 'supervisord.log'}",
        "logfile_maxbytes=1MB",
        "logfile_backups=1",
        f"pidfile={folder / 'supervisord.pid'}",
        f"directory={ROOT}",
        "",
        "[unix_http_server]",
        f"file={sock}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{sock}",
        "",
    ]
    for name, command in processes.items():
        # each output line prefixed with the name, as honcho does; the pipeline is one process
        # group (stopasgroup), so stopping or restarting it reaches the command itself
        prefixed = f"exec > >(exec sed -u 's/^/{name} | /') 2>&1; exec {command}"
        lines += [
            f"[program:{name}]",
            f"command=/bin/bash -c {shlex.quote(prefixed)}".replace("%", "%%"),
            f"directory={ROOT}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT}",
            "stopasgroup=true",
            "killasgroup=true",
            # O_APPEND on the caller's standard output: every process writes at its end
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
            "redirect_stderr=true",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m tools.supervise PROCFILE [NAME ...]", file=sys.stderr)
        return 2
    procfile, names = ROOT / args[0], args[1:]
    every = read_procfile(procfile)
    unknown = [name for name in names if name not in every]
    if unknown:
        print(f"{procfile.name} has no process {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = {name: every[name] for name in names} if names else every
    given = os.environ.get("SUPERVISE_DIR", "").strip()
    folder = Path(given).resolve() if given else Path(tempfile.mkdtemp(prefix="supervise-"))
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "supervisord.conf"
    conf.write_text(config(chosen, folder), "utf-8")
    print(f"supervisord: {', '.join(chosen)} (supervisorctl -c {conf} status)", flush=True)
    # supervisord writes its own lines through its standard output and every process's through
    # /dev/stdout opened again: when that is a file, only O_APPEND keeps one from overwriting
    # another's (each open has its own offset)
    for fd in (1, 2):
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    supervisord = Path(sys.executable).with_name("supervisord")
    os.execv(supervisord, [str(supervisord), "-c", str(conf)])


if __name__ == "__main__":
    sys.exit(main())
