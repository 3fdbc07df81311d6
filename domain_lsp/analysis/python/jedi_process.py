"""jedi, one per process: a cache folder of its own and an interpreter subprocess of its own.

jedi has parso pickle every module it parses into `jedi.settings.cache_directory`, written in
place. A process that reads a module while another is writing it gets half a pickle
(`EOFError: Ran out of input`): the workers of `check --jobs N` on a cold cache, or an editor's
jedi-language-server sharing `~/.cache/jedi`. A different file failed on each run, so the
verdict depended on the machine's load. And a forked worker inherits its parent's jedi
subprocess, whose pipes it would then share with its siblings, each reading the others'
answers. So every process parses into a private folder (removed when the process that made it
exits) and starts its own subprocess.
"""

from __future__ import annotations

import multiprocessing.util
import os
import shutil
import tempfile

_root: str | None = None
"""The folder the private caches of this process and its forked workers live in."""
_inherited: list[object] = []
"""jedi objects a forked worker got from its parent. Kept for good: collecting them would run
their finalizer, which kills the subprocess the parent and its other workers still use."""


def private_cache_directory() -> str:
    """This process's own cache folder, made on first use. A forked worker's lies inside its
    parent's when the parent made one (the parent removes it), else in one of its own."""
    global _root
    if _root is None or not os.path.isdir(_root):
        _root = tempfile.mkdtemp(prefix="domain-lsp-jedi-")
        # multiprocessing's exit hook, not atexit: a pool's forked worker runs only the former.
        multiprocessing.util.Finalize(None, _remove, args=(_root, os.getpid()), exitpriority=0)
    folder = os.path.join(_root, str(os.getpid()))
    os.makedirs(folder, exist_ok=True)
    return folder


def _remove(root: str, owner: int) -> None:
    if os.getpid() == owner:  # not in a child forked some other way, whose parent still uses it
        shutil.rmtree(root, ignore_errors=True)


def keep_inherited(state: object) -> None:
    _inherited.append(state)
