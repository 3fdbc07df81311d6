"""Schema from a JSON document in the mapping format served over HTTP (a data catalog's
export). Revalidated with ETag / If-None-Match; the last good copy is kept on disk and used,
with a warning, when the server cannot be reached. A bearer token comes only from the
environment variable the config names and never appears in a message.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources import LiveSource, SourceProblem, SourceUnavailable
from domain_lsp.catalog.sources.live import missing_driver
from domain_lsp.catalog.sources.mapping import MappingError, load_mapping
from domain_lsp.config import Config, SourceSettings
from domain_lsp.trust import public_url

MAX_BYTES = 200 * 1024 * 1024


def copy_paths(url: str) -> tuple[Path, Path]:
    """The last good copy of a URL's document, and its metadata (ETag, when fetched). Named by
    the URL without its user-info: a password is never hashed into a file name."""
    from domain_lsp.catalog.cache import cache_dir

    digest = hashlib.sha256(public_url(url).encode(errors="surrogatepass")).hexdigest()[:32]
    folder = cache_dir() / "http"
    return folder / f"{digest}.json", folder / f"{digest}.meta.json"


def load_http(settings: SourceSettings, config: Config, catalog: Catalog) -> list[SourceProblem]:
    try:
        import httpx
    except ImportError:
        raise missing_driver("httpx", "http") from None
    url = settings.url or ""
    shown = public_url(url)
    body_path, meta_path = copy_paths(url)
    meta = _read_meta(meta_path) if _has_copy(body_path) else {}
    headers = {"Accept": "application/json", "User-Agent": "domain-lsp"}
    if settings.token_env:
        token = os.environ.get(settings.token_env, "")
        if not token:
            raise SourceUnavailable(
                f"the environment variable {settings.token_env} is not set (it should hold the token)"
            )
        headers["Authorization"] = f"Bearer {token}"
    etag = meta.get("etag")
    if isinstance(etag, str):
        headers["If-None-Match"] = etag
    problem: str | None = None
    try:
        with httpx.Client(timeout=settings.timeout, verify=settings.tls_verify, follow_redirects=True) as client:
            response = client.get(url, headers=headers)
            if response.status_code == 304 and _has_copy(body_path):
                _write_meta(meta_path, {**meta, "checked_at": time.time()})
            elif response.status_code == 200:
                body = response.content[: MAX_BYTES + 1]
                problem = _check(body)
                if problem is None:
                    _save(body_path, body)
                    _write_meta(
                        meta_path, {"etag": response.headers.get("etag"), "fetched_at": time.time(), "url": shown}
                    )
            else:
                hint = f" (is the token in {settings.token_env} valid?)" if response.status_code in (401, 403) else ""
                problem = f"{shown} answered HTTP {response.status_code}{hint}"
    except httpx.HTTPError as exc:
        problem = f"{shown} is unreachable ({type(exc).__name__})"
    if not _has_copy(body_path):
        raise SourceUnavailable(problem or f"{shown}: no catalog received")
    problems: list[SourceProblem] = []
    if problem is not None:
        fetched = meta.get("fetched_at")
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(fetched)) if isinstance(fetched, (int, float)) else "?"
        problems.append(SourceProblem(f"{problem}; using the copy fetched {when}", fallback=True))
    try:
        problems.extend(load_mapping(body_path, _read_copy(body_path), catalog))
    except (MappingError, OSError, UnicodeDecodeError) as exc:
        raise SourceUnavailable(f"the saved copy of {shown} is not a mapping: {exc}") from None
    return problems


def _check(body: bytes) -> str | None:
    """Why a response cannot replace the last good copy, or None."""
    if len(body) > MAX_BYTES:
        return f"the catalog is larger than {MAX_BYTES // (1024 * 1024)} MB"
    try:
        data = json.loads(body)
    except ValueError as exc:
        return f"the catalog is not valid JSON ({' '.join(str(exc).split())})"
    return None if isinstance(data, dict) else "the catalog is not a JSON object (schema → table → column)"


def _save(path: Path, body: bytes) -> None:
    """Whole or not at all, readable by the user only. The body is the document as served and
    the metadata holds the ETag, times and the URL without user-info: never a token."""
    from domain_lsp.catalog.cache import write_private

    write_private(path, (body,))


def _has_copy(path: Path) -> bool:
    """A saved copy that is ours: one another user planted (or could have changed) is none."""
    from domain_lsp.catalog.cache import read_private

    return read_private(path) is not None


def _read_copy(path: Path) -> str:
    from domain_lsp.catalog.cache import read_private

    data = read_private(path)
    if data is None:
        raise OSError(f"{path.name} is gone or not ours")
    return bytes(data).decode("utf-8")


def _read_meta(path: Path) -> dict[str, object]:
    from domain_lsp.catalog.cache import read_private

    data = read_private(path)
    try:
        meta = json.loads(bytes(data)) if data is not None else {}
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_meta(path: Path, meta: dict[str, object]) -> None:
    _save(path, json.dumps(meta).encode())


SOURCE = LiveSource("http", load_http, keeps_own_copy=True)
