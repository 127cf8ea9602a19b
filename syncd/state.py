"""Everything syncd remembers, in one SQLite file in the state directory.

WAL mode so ``syncd status`` can read while the daemon writes; the directory is 0700 and
the files 0600 because they hold calendar URLs and activity history. The schema carries a
version and each migration is a list of statements applied in one transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from syncd.errors import ConfigError
from syncd.model import Exercise, Session, SessionKind, SessionStatus
from syncd.state_health import unusable

DB_NAME = "state.sqlite3"

MIGRATIONS: list[list[str]] = [
    [  # 1: the first schema
        """CREATE TABLE sessions (
            uid TEXT PRIMARY KEY, kind TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
            status TEXT NOT NULL, payload TEXT NOT NULL, updated TEXT NOT NULL)""",
        "CREATE TABLE known_uids (uid TEXT PRIMARY KEY)",
        """CREATE TABLE sink_items (
            sink TEXT NOT NULL, uid TEXT NOT NULL, href TEXT, etag TEXT, hash TEXT,
            sequence INTEGER NOT NULL DEFAULT 0, dtstamp TEXT, state TEXT NOT NULL,
            body TEXT, PRIMARY KEY (sink, uid))""",
        """CREATE TABLE activities (
            source TEXT NOT NULL, id TEXT NOT NULL, start TEXT NOT NULL, payload TEXT NOT NULL,
            PRIMARY KEY (source, id))""",
        "CREATE INDEX activities_start ON activities (start)",
        """CREATE TABLE components (
            name TEXT PRIMARY KEY, last_run TEXT, last_ok TEXT, last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0, next_try TEXT, detail TEXT)""",
        "CREATE TABLE kv (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT, "
        "PRIMARY KEY (scope, key))",
        """CREATE TABLE fit_files (
            path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
            result TEXT NOT NULL)""",
    ],
    [  # 2: the content hash a write in flight intends, so a crash can be resolved
        "ALTER TABLE sink_items ADD COLUMN pending TEXT",
    ],
    [  # 3: each written event's start, so no stored body is parsed on every cycle
        "ALTER TABLE sink_items ADD COLUMN start TEXT",
    ],
    [  # 4: the UID the event carries on the server, when it is not the session's own
        "ALTER TABLE sink_items ADD COLUMN remote_uid TEXT",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


def resolve_state_dir(explicit: str | None, env: dict[str, str] | None = None) -> Path:
    """--state-dir, $SYNCD_STATE_DIR, $STATE_DIRECTORY (systemd), else the XDG state dir."""
    env = dict(os.environ) if env is None else env
    if explicit:
        return Path(explicit).expanduser()
    if env.get("SYNCD_STATE_DIR"):
        return Path(env["SYNCD_STATE_DIR"]).expanduser()
    if env.get("STATE_DIRECTORY"):
        return Path(env["STATE_DIRECTORY"].split(":")[0])
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", "~")).expanduser()
                                            / ".local" / "state")
    return Path(base) / "syncd"


def ensure_private_dir(path: Path) -> None:
    """Make the folder 0700; folders it must create above it are made 0700 too (the demo's
    state lives beneath the real one, which must not appear world-readable)."""
    try:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for p in reversed(missing):
            p.mkdir(mode=0o700, exist_ok=True)
            os.chmod(p, 0o700)
        os.chmod(path, 0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create the state directory: {exc.strerror}; choose another "
                          "with --state-dir or $SYNCD_STATE_DIR", source=str(path)) from None


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    last_run: str | None
    last_ok: str | None
    last_error: str | None
    failures: int
    next_try: str | None
    detail: str | None


def _open_readonly(path: Path) -> sqlite3.Connection:
    """Open for reading only, creating no file. With no write-ahead log beside the database
    nobody is writing it, and it is read as immutable (no -wal/-shm files made, which also
    works in a folder we may not write). With a log present a daemon has it open: read
    through the log, whose files exist already."""
    if not path.exists():
        raise FileNotFoundError(path)
    if not Path(f"{path}-wal").exists():
        return sqlite3.connect(f"file:{path}?immutable=1", uri=True, timeout=10)
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        return sqlite3.connect(f"file:{path}?immutable=1", uri=True, timeout=10)


class State:
    """``readonly`` reads the file and fails on a write (``syncd status``); ``scratch``
    works on a private in-memory copy of it, so a command that must not write (``plan``)
    can still let sources refresh their caches without touching the file or its folder.

    Opened for writing, it first takes the state dir's writer lock (``syncd.lock``), waiting
    up to ``wait`` seconds for another writer, and keeps it until ``close``: one writer per
    state dir, so two syncd never plan and write at once. A file SQLite cannot use (damaged,
    emptied, unreadable, on a full disk) raises ``StateUnusableError`` with the fix."""

    def __init__(self, directory: Path, *, readonly: bool = False, scratch: bool = False,
                 wait: float = 0.0, command: str | None = None,
                 on_wait: Callable[[str], None] | None = None) -> None:
        from syncd.lock import FileLock, writer_lock

        self.directory = directory
        self.path = directory / DB_NAME
        self.lock: FileLock | None = None
        try:
            if readonly:
                self.db = self._open_checked()
            elif scratch:
                self.db = sqlite3.connect(":memory:", isolation_level=None)
                if self.path.exists():
                    src = _open_readonly(self.path)
                    try:
                        self._check_readable(src)
                        src.backup(self.db)
                    finally:
                        src.close()
                self._migrate()
            else:
                ensure_private_dir(directory)
                self.lock = writer_lock(directory, per_process=True)
                self.lock.acquire(wait=wait, command=command, on_wait=on_wait)
                self._open_for_writing()
        except sqlite3.Error as exc:
            self._release()
            raise unusable(self.path, exc) from None
        except OSError as exc:
            self._release()
            if isinstance(exc, FileNotFoundError) and not self.path.exists():
                raise  # no state yet: the caller says so in its own words
            raise unusable(self.path, exc) from None
        except BaseException:
            self._release()
            raise
        self.db.row_factory = sqlite3.Row

    def _open_for_writing(self) -> None:
        self._refuse_empty()
        old = os.umask(0o077)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        finally:
            os.umask(old)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._check_intact(self.db)
        self._migrate()
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{self.path}{suffix}")
            if p.exists():
                os.chmod(p, 0o600)

    def _open_checked(self) -> sqlite3.Connection:
        """A reader opens without locks when no daemon has the file open (``immutable``),
        so a writer that starts meanwhile may be caught mid-checkpoint: a failed check is
        tried once more before the file is called damaged."""
        for attempt in (1, 2):
            db = _open_readonly(self.path)
            try:
                self._check_readable(db)
                return db
            except sqlite3.DatabaseError:
                db.close()
                if attempt == 2:
                    raise
                time.sleep(0.3)
        raise AssertionError("unreachable")

    def _refuse_empty(self) -> None:
        """An emptied file would open as a new, empty state: say so instead (something cut
        it to nothing), the way a damaged one is said. Under the writer lock a file is
        never seen half-made: the holder that created it has written its schema."""
        if self.path.exists() and self.path.stat().st_size == 0:
            raise sqlite3.DatabaseError("empty file")

    def _check_readable(self, db: sqlite3.Connection | None = None) -> None:
        """A reader's check: the file is a syncd state (its tables are there) and intact."""
        db = db or self.db
        self._check_intact(db)
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        if "sessions" not in names:
            raise sqlite3.DatabaseError("no syncd tables in it")

    @staticmethod
    def _check_intact(db: sqlite3.Connection) -> None:
        """``quick_check`` reads every page (milliseconds for a state of a few hundred kB),
        so a file cut short is found before a cycle writes anything to a calendar."""
        verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(str(verdict))

    def _release(self) -> None:
        try:
            if getattr(self, "db", None) is not None:
                self.db.close()
        finally:  # the lock goes last: nobody else writes before our last write is done
            if self.lock is not None:
                self.lock.release()
                self.lock = None

    def close(self) -> None:
        self._release()

    def _migrate(self) -> None:
        """Each step re-reads the version inside its own ``BEGIN IMMEDIATE``: a process that
        opened the file while another migrated it finds the work done, instead of failing
        with "table sessions already exists" (the writer lock keeps writers apart already;
        this keeps the file safe from any other opener too)."""
        while True:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError(f"the state was written by a newer syncd (schema {version}); "
                                  "upgrade syncd", source=str(self.path))
            if version == SCHEMA_VERSION:
                return
            with self.transaction():
                current = self.db.execute("PRAGMA user_version").fetchone()[0]
                if current != version:
                    continue  # another opener moved it on meanwhile: look again
                for stmt in MIGRATIONS[version]:
                    self.db.execute(stmt)
                self.db.execute(f"PRAGMA user_version={version + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- sessions --------------------------------------------------------------------------

    def sessions(self) -> list[Session]:
        rows = self.db.execute("SELECT * FROM sessions ORDER BY start, uid").fetchall()
        return [session_from_row(r) for r in rows]

    def known_uids(self) -> frozenset[str]:
        return frozenset(r[0] for r in self.db.execute("SELECT uid FROM known_uids"))

    def put_session(self, s: Session, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO sessions (uid, kind, start, end, status, payload, updated) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(uid) DO UPDATE SET kind=excluded.kind, "
            "start=excluded.start, end=excluded.end, status=excluded.status, "
            "payload=excluded.payload, updated=excluded.updated",
            (s.uid, s.kind.value, s.start.isoformat(), s.end.isoformat(), s.status.value,
             json.dumps(session_payload(s)), now.isoformat()))
        self.db.execute("INSERT OR IGNORE INTO known_uids (uid) VALUES (?)", (s.uid,))

    def delete_session(self, uid: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE uid=?", (uid,))

    def set_session_status(self, uid: str, status: SessionStatus,
                           start: datetime | None = None, end: datetime | None = None) -> None:
        if start is not None and end is not None:
            self.db.execute("UPDATE sessions SET status=?, start=?, end=? WHERE uid=?",
                            (status.value, start.isoformat(), end.isoformat(), uid))
        else:
            self.db.execute("UPDATE sessions SET status=? WHERE uid=?", (status.value, uid))

    # -- key/value and component status -------------------------------------------------------

    def get(self, scope: str, key: str) -> str | None:
        """The stored text, or None when the key is absent or was stored as None (NULL)."""
        row = self.db.execute("SELECT value FROM kv WHERE scope=? AND key=?",
                              (scope, key)).fetchone()
        if row is None or row[0] is None:
            return None
        return str(row[0])

    def put(self, scope: str, key: str, value: str | None) -> None:
        """Store ``value``; None is stored as NULL and comes back from ``get`` as None."""
        if value is not None and not isinstance(value, str):
            raise TypeError(f"state values are text or None, not {type(value).__name__}")
        self.db.execute("INSERT INTO kv (scope, key, value) VALUES (?,?,?) ON CONFLICT(scope, key)"
                        " DO UPDATE SET value=excluded.value", (scope, key, value))

    def record_component(self, name: str, now: datetime, error: str | None,
                         next_try: datetime | None = None, detail: str | None = None) -> None:
        row = self.db.execute("SELECT failures FROM components WHERE name=?", (name,)).fetchone()
        failures = 0 if error is None else (row[0] if row else 0) + 1
        self.db.execute(
            "INSERT INTO components (name, last_run, last_ok, last_error, failures, next_try, "
            "detail) VALUES (?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET "
            "last_run=excluded.last_run, last_ok=COALESCE(excluded.last_ok, components.last_ok),"
            " last_error=excluded.last_error, failures=excluded.failures, "
            "next_try=excluded.next_try, detail=COALESCE(excluded.detail, components.detail)",
            (name, now.isoformat(), None if error else now.isoformat(), error, failures,
             next_try.isoformat() if next_try else None, detail))

    def components(self) -> list[ComponentStatus]:
        rows = self.db.execute("SELECT * FROM components ORDER BY name").fetchall()
        return [ComponentStatus(r["name"], r["last_run"], r["last_ok"], r["last_error"],
                                r["failures"], r["next_try"], r["detail"]) for r in rows]

    def forget_components_except(self, keep: set[str]) -> None:
        """Drop the rows of sources and calendars no longer in the config: `syncd status` and
        Home Assistant's "calendar unreachable" speak of the config in force, not of a
        calendar removed after it failed."""
        for c in self.components():
            if c.name.startswith(("source:", "sink:")) and c.name not in keep:
                self.db.execute("DELETE FROM components WHERE name=?", (c.name,))

    def component(self, name: str) -> ComponentStatus | None:
        return next((c for c in self.components() if c.name == name), None)


def session_payload(s: Session) -> dict[str, Any]:
    return {
        "title": s.title, "warmup": s.warmup, "rules": list(s.rules),
        "explanation": s.explanation,
        "exercises": [[e.name, e.pattern, e.sets, e.reps, e.load, e.rest_s, e.note]
                      for e in s.exercises],
    }


def session_from_row(r: sqlite3.Row) -> Session:
    p = json.loads(r["payload"])
    return Session(
        uid=r["uid"], kind=SessionKind(r["kind"]), start=datetime.fromisoformat(r["start"]),
        end=datetime.fromisoformat(r["end"]), status=SessionStatus(r["status"]),
        title=p.get("title", ""), warmup=p.get("warmup", ""),
        exercises=tuple(Exercise(*e) for e in p.get("exercises", [])),
        rules=tuple(p.get("rules", [])), explanation=p.get("explanation", ""))
