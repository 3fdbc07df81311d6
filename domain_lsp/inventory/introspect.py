"""Asking the installed objects what static reading cannot decide (a module `__getattr__`, a
lazy loader): the stdlib-only agent (agent.py) runs in the configured interpreter with `-I`,
from a folder outside the workspace, with a timeout, and answers `hasattr` questions about
modules installed distributions provide. Only in a trusted workspace: the interpreter and the
packages it imports are then the user's choice. Answers are kept per distribution version.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

AGENT = Path(__file__).with_name("agent.py")
AGENT_TIMEOUT_SECONDS = 60

_answers: dict[tuple[str, str, str, str], bool | None] = {}
_lock = threading.Lock()


def has_names(interpreter: Path, version_key: str, questions: list[tuple[str, str]]) -> dict[tuple[str, str], bool]:
    """(module, name) -> whether the installed module has the name, for the questions the
    agent could answer. `version_key` names the distributions' versions the answers hold for."""

    def key(question: tuple[str, str]) -> tuple[str, str, str, str]:
        return (str(interpreter), version_key, question[0], question[1])

    with _lock:
        asked = [q for q in questions if key(q) not in _answers]
    if asked:
        try:
            completed = subprocess.run(
                [str(interpreter), "-I", "-c", AGENT.read_text(encoding="utf-8")],
                input=json.dumps(asked),
                capture_output=True,
                text=True,
                timeout=AGENT_TIMEOUT_SECONDS,
                cwd=interpreter.parent,  # never the workspace
            )
            answers = json.loads(completed.stdout) if completed.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
            answers = None
            log.info("the introspection agent could not run (%s), so %d names are not checked", exc, len(asked))
        if not isinstance(answers, list) or len(answers) != len(asked):
            answers = [None] * len(asked)
        with _lock:
            for question, answer in zip(asked, answers, strict=True):
                _answers[key(question)] = answer if isinstance(answer, bool) else None
    with _lock:
        found = {q: _answers[key(q)] for q in questions}
    return {q: a for q, a in found.items() if a is not None}
