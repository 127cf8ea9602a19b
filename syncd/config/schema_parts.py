"""The pieces the config schema is made of: a key, a table, and the four ways to give a
secret. Kept apart so the service tables (``schema_services``) and the core schema share them
without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syncd.config.types import Str, ValueType

REQUIRED = object()


@dataclass(frozen=True)
class Key:
    name: str
    type: ValueType
    doc: str
    default: Any = None
    example: Any = None
    secret: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    items: tuple[Key | Table, ...] = ()
    array: bool = False
    max_rows: int = 100
    example_rows: tuple[dict[str, Any], ...] = field(default=())

    def item(self, name: str) -> Key | Table | None:
        return next((i for i in self.items if i.name == name), None)


def secret_keys_of(prefix: str, what: str) -> tuple[Key, ...]:
    """The four ways to give a secret; none is required, plain text is allowed."""
    return (
        Key(f"{prefix}", Str(), f"{what} in plain text (allowed, but prefer one of the next keys).",
            secret=True),
        Key(f"{prefix}_command", Str(nonempty=True),
            f"A command whose first line of output is the {what}, e.g. \"pass show caldav\"."),
        Key(f"{prefix}_env", Str(nonempty=True),
            f"The name of an environment variable that holds the {what}."),
        Key(f"{prefix}_credential", Str(nonempty=True),
            f"The name of a systemd credential (LoadCredential=) that holds the {what}; "
            "read from $CREDENTIALS_DIRECTORY."),
    )
