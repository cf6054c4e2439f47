"""The scripts a newcomer's `make run` depends on."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True)


def test_find_python_prints_an_interpreter_of_the_asked_version() -> None:
    found = run([str(ROOT / "scripts" / "find-python"), "3.12", "3.13", "3.11"])
    assert found.returncode == 0
    version = run(
        [found.stdout.strip(), "-c", "import sys; print(sys.version_info[:2] >= (3, 11))"]
    )
    assert version.stdout.strip() == "True"


def test_find_python_says_how_to_get_a_missing_version() -> None:
    missing = run([str(ROOT / "scripts" / "find-python"), "3.99"])
    assert missing.returncode == 1
    assert "No Python 3.99 found" in missing.stderr and "pyenv install 3.99" in missing.stderr


@pytest.mark.parametrize(
    ("script", "variable", "kept"),
    [
        ("rasa-token", "RASA_TOKEN", "rasa_token"),
        ("gateway-token", "GATEWAY_INTERNAL_TOKEN", "gateway_token"),
    ],
)
def test_token_from_the_environment_wins(
    tmp_path: Path, script: str, variable: str, kept: str
) -> None:
    value = "from-env-" + "x" * 30
    token = run(
        [str(ROOT / "scripts" / script)],
        cwd=tmp_path,
        APP_PROFILE="development",
        APP_VAR_DIR=str(tmp_path / "var"),
        **{variable: value},
    )
    assert token.stdout.strip() == value
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("variable", ["RASA_TOKEN", "GATEWAY_INTERNAL_TOKEN"])
def test_a_token_is_never_made_up_outside_development(tmp_path: Path, variable: str) -> None:
    script = {"RASA_TOKEN": "rasa-token", "GATEWAY_INTERNAL_TOKEN": "gateway-token"}[variable]
    env = {k: v for k, v in os.environ.items() if k not in (variable, "APP_PROFILE")}
    env["APP_VAR_DIR"] = str(tmp_path / "var")
    missing = subprocess.run(
        [str(ROOT / "scripts" / script)], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2 and missing.stdout == ""
    assert f"{variable} is not set" in missing.stderr and "make run" in missing.stderr
    weak = subprocess.run(
        [str(ROOT / "scripts" / script)],
        env={**env, variable: "short"},
        capture_output=True,
        text=True,
    )
    assert weak.returncode == 2 and "shorter than" in weak.stderr
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    ("script", "variable", "kept"),
    [
        ("rasa-token", "RASA_TOKEN", "rasa_token"),
        ("gateway-token", "GATEWAY_INTERNAL_TOKEN", "gateway_token"),
    ],
)
def test_token_is_generated_once_and_kept_private(
    tmp_path: Path, script: str, variable: str, kept: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != variable}
    env.update(APP_PROFILE="development", APP_VAR_DIR=str(tmp_path / "var"))
    first = subprocess.run(
        [str(ROOT / "scripts" / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    second = subprocess.run(
        [str(ROOT / "scripts" / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert len(first.stdout.strip()) >= 40 and first.stdout == second.stdout
    assert stat.S_IMODE((tmp_path / "var" / kept).stat().st_mode) == 0o600
