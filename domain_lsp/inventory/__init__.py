"""The team's package inventory (requirements, pyproject, lock files) and installed environment."""
