"""Shell completion: the script `crm completion` prints, and the answers it gets from `crm`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("shell", "marker"), [("bash", "_crm_completion"), ("zsh", "compdef"), ("fish", "complete")]
)
def test_completion_script_for_each_shell(shell: str, marker: str) -> None:
    result = run(["completion", shell])
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_CRM_COMPLETE" in result.stdout


def test_unknown_shell_is_bad_usage() -> None:
    result = run(["completion", "tcsh"])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("crm loo", "1", "lookup"),
        ("crm lookup --status bl", "3", "blocked"),
        ("crm lookup --kind bus", "3", "business"),
        ("crm db ch", "2", "check"),
    ],
)
def test_completion_answers(words: str, cword: str, expected: str) -> None:
    """What bash gets back when the user presses tab (click's bash_complete protocol)."""
    result = run([], COMP_WORDS=words, COMP_CWORD=cword, _CRM_COMPLETE="bash_complete")
    assert result.returncode == 0, result.stderr
    assert f"plain,{expected}" in result.stdout.splitlines()
