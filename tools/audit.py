"""`make audit`: known vulnerabilities in both lock files (pip-audit), failing on one in a
direct dependency of ours, a requirement named in requirements/app.in or rasa.in.

pip-audit reads every pin of a lock file (``--no-deps --disable-pip``: nothing is installed or
resolved) and asks a vulnerability service about each. Its default, OSV (api.osv.dev), is the
one that works: PyPI's own per-version JSON (``/pypi/NAME/VERSION/json``, pip-audit's ``-s
pypi``) answers 404 with an empty body from these machines, so pip-audit skips every package
and says "No known vulnerabilities found"; ``--strict`` turns such a skip into a failure here,
so an audit that could not look never passes. A vulnerability in a package we do not name
(a dependency of a dependency) is printed but does not fail the run: we cannot pin it without
its parent's consent. `IGNORED` lists, with the reason, those we accept knowingly.

`make test` runs it with ``--where-reachable``: when the vulnerability service cannot be
reached at all (no route, no DNS: these development machines and their CI), it says so in one
line and passes, since it has nothing to judge; wherever OSV answers, the same run audits and
fails as `make audit` does. A service that answers but cannot audit a package still fails.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {
    ROOT / "requirements" / "app.lock": ROOT / "requirements" / "app.in",
    ROOT / "requirements" / "rasa.lock": ROOT / "requirements" / "rasa.in",
}
#: vulnerability id -> why it is accepted. Rasa 3.6.21 pins its environment (TensorFlow 2.12,
#: SQLAlchemy 1.4, sanic, aiohttp, ...): a vulnerable pin there that only a newer Rasa would
#: lift goes here, with the package and the reason, when an audit with OSV reachable finds it.
IGNORED: dict[str, str] = {}
#: pip-audit's default service (OSV); the probe only opens a TCP connection to it.
SERVICE = ("api.osv.dev", 443)


def reachable(address: tuple[str, int] | None = None, timeout: float = 5.0) -> bool:
    """Whether a TCP connection to the vulnerability service opens (name resolved, port up)."""
    try:
        with socket.create_connection(address or SERVICE, timeout=timeout):
            return True
    except OSError:
        return False


def direct(requirements: Path) -> set[str]:
    """The names a .in file requires (normalized as PyPI does)."""
    names = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(normal(re.split(r"[\[=<>!~ ;]", line, maxsplit=1)[0]))
    return names


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def audit(lock: Path) -> list[dict[str, object]]:
    """pip-audit's dependencies with their vulnerabilities; SystemExit when it could not run."""
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--no-deps",
               "--disable-pip", "--strict", "--progress-spinner", "off",
               "--format", "json"]  # fmt: skip
    for vuln in IGNORED:
        command += ["--ignore-vuln", vuln]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        message = f"audit of {lock.name} could not run (exit {done.returncode}): {last}"
        raise SystemExit(message) from None
    dependencies: list[dict[str, object]] = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if skipped:
        raise SystemExit(f"audit of {lock.name}: {len(skipped)} packages not audited, e.g. "
                         f"{skipped[0]['name']}: {skipped[0]['skip_reason']}")  # fmt: skip
    return dependencies


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--where-reachable" in args and not reachable():
        host, port = SERVICE
        print(f"audit not run: {host}:{port} cannot be reached from here (make audit where it can)")
        return 0
    failed = False
    for lock, requirements in LOCKS.items():
        ours = direct(requirements)
        found = [d for d in audit(lock) if d.get("vulns")]
        for dep in found:
            name = str(dep["name"])
            is_direct = normal(name) in ours
            failed = failed or is_direct
            for vuln in dep["vulns"]:  # type: ignore[attr-defined]
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
                kind = "DIRECT" if is_direct else "indirect"
                print(
                    f"{lock.name}: {kind} {name}=={dep['version']} {vuln['id']} (fixed in {fixes})"
                )
        print(f"{lock.name}: {len(found)} vulnerable of the pins, {len(ours)} direct requirements")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
