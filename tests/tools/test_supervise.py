"""tools/supervise.py runs a Procfile under the real supervisord: a process that dies is
started again, the others go on, every line reaches standard output with its name, and SIGINT
(Ctrl-C) stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.supervise import ROOT, read_procfile

PROCFILE = """\
# a comment
dies: bash -c 'echo started; sleep 1; exit 3'
lives: bash -c 'while true; do echo 100% alive; sleep 0.5; done'
unused: sleep 100
"""


def test_a_procfile_is_read_in_order_and_a_bad_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Procfile"
    path.write_text(PROCFILE)
    assert list(read_procfile(path)) == ["dies", "lives", "unused"]
    path.write_text("no command here\n")
    with pytest.raises(ValueError, match="not 'name: command'"):
        read_procfile(path)


def test_a_process_that_dies_is_started_again_and_ctrl_c_stops_all(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(PROCFILE)
    log = tmp_path / "out.log"
    env = {**os.environ, "SUPERVISE_DIR": str(tmp_path / "sv")}
    with open(log, "w") as out:  # not O_APPEND: as a test harness or a shell opens it
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.supervise", str(procfile), "dies", "lives"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while log.read_text().count("dies | started") < 3:
                assert time.monotonic() < deadline, log.read_text()
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    text = log.read_text()
    assert "exited: dies (exit status 3; not expected)" in text
    assert "lives | 100% alive" in text  # the others went on, each line named
    assert "unused" not in text.split("supervisord:", 1)[1].splitlines()[0]
    assert "stopped: lives" in text
    found = subprocess.run(["pgrep", "-f", "100% alive"], capture_output=True, text=True)
    assert found.stdout == "", "a process outlived Ctrl-C"
