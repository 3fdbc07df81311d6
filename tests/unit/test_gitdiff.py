"""Reading `git diff --unified=0`: which lines of which files a branch added."""

from __future__ import annotations

from pathlib import Path

from domain_lsp.gitdiff import parse_diff, touches

PATCH = b"""\
diff --git a/q.sql b/q.sql
index 1..2 100644
--- a/q.sql
+++ b/q.sql
@@ -2 +2 @@
-SELECT 1;
+SELECT 2;
@@ -5,0 +6,3 @@
++++ b/not-a-header.sql
+x
+@@ -1 +100 @@ not a hunk either
@@ -9,2 +11,0 @@
-gone
-gone
diff --git "a/dir with space/\\303\\251\\t.sql" "b/dir with space/\\303\\251\\t.sql"
new file mode 100644
--- /dev/null
+++ "b/dir with space/\\303\\251\\t.sql"
@@ -0,0 +1 @@
+SELECT 1;
diff --git a/plain name.sql b/plain name.sql
--- a/plain name.sql\t
+++ b/plain name.sql\t
@@ -1 +1,2 @@
+a
+b
diff --git a/deleted.sql b/deleted.sql
deleted file mode 100644
--- a/deleted.sql
+++ /dev/null
@@ -1 +0,0 @@
-SELECT 1;
"""


def test_added_lines_per_file() -> None:
    top = Path("/repo")
    assert parse_diff(PATCH, top) == {
        top / "q.sql": {2, 6, 7, 8},
        top / "dir with space" / "\u00e9\t.sql": {1},
        top / "plain name.sql": {1, 2},
    }


def test_touches() -> None:
    assert touches({3, 4}, 4, 6)
    assert not touches({3, 4}, 5, 6)
    assert touches(None, 1, 1)  # a new file: every line
