"""Metadata written into database comments, where a database has nowhere else to keep it:
`#pii`-style hashtags are tags, and a comment starting with "deprecated" marks the table or
column deprecated, the rest of it being the note ("DEPRECATED: use customer_id").
"""

from __future__ import annotations

import re

HASHTAG = re.compile(r"(?<![\w&])#([A-Za-z][\w-]*)")
DEPRECATED = re.compile(r"^\s*deprecated\b[\s:.,;-]*(.*)$", re.IGNORECASE | re.DOTALL)


def comment_metadata(comment: str | None) -> tuple[tuple[str, ...], str | None]:
    """(tags, deprecation note) from a comment; the note is "" when deprecated without one."""
    if not comment:
        return (), None
    tags = tuple(dict.fromkeys(tag.lower() for tag in HASHTAG.findall(comment)))
    match = DEPRECATED.match(comment)
    note = " ".join(HASHTAG.sub("", match.group(1)).split()) if match else None
    return tags, note
