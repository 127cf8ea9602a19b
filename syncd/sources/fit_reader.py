"""A fast reader for the few FIT messages syncd needs: sessions, their heart-rate zones, the
athlete's maximum heart rate, and the sets of a strength activity.

A full decoder (fitdecode) turns every record message of a file into Python objects: a
first scan of a thousand activities took minutes. This reader walks the message headers
instead. A definition message says how long each data message of its local type is, so
every message syncd does not need is skipped with one addition; only ``session`` (18),
``time_in_zone`` (216), ``zones_target`` (7) and ``set`` (225) are decoded, with the FIT
profile's scales; a set's category and exercise numbers become the profile's names in upper
case (SQUAT / BARBELL_BACK_SQUAT, as Garmin Connect spells them).
The values are the full decoder's (a test compares them on every sample file).

The file CRC is not checked: computing it in Python would cost more than the whole walk,
and a bad CRC never stopped syncd from using the data. What is checked is the structure:
a file cut short, or followed by bytes that are not FIT, keeps what was read before the
break and says so in a note; a file with no readable session is an error with a reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
DEVICE_TIME_LIMIT = 0x10000000  # smaller date_time values count from the device's power-on
SESSION, TIME_IN_ZONE, ZONES_TARGET, SET = 18, 216, 7, 225

# global message → field number → (name, scale); the field's base type comes from the file.
WANTED: dict[int, dict[int, tuple[str, float | None]]] = {
    SESSION: {
        253: ("timestamp", None), 254: ("message_index", None), 2: ("start_time", None),
        5: ("sport", None), 6: ("sub_sport", None), 7: ("total_elapsed_time", 1000),
        8: ("total_timer_time", 1000), 9: ("total_distance", 100), 14: ("avg_speed", 1000),
        16: ("avg_heart_rate", None), 17: ("max_heart_rate", None),
        24: ("total_training_effect", 10), 59: ("total_moving_time", 1000),
        65: ("time_in_hr_zone", 1000), 124: ("enhanced_avg_speed", 1000),
        137: ("total_anaerobic_training_effect", 10),
    },
    TIME_IN_ZONE: {0: ("reference_mesg", None), 1: ("reference_index", None),
                   2: ("time_in_hr_zone", 1000), 6: ("hr_zone_high_boundary", None),
                   11: ("max_heart_rate", None)},
    ZONES_TARGET: {1: ("max_heart_rate", None)},
    SET: {254: ("timestamp", None), 0: ("duration", 1000), 3: ("repetitions", None),
          4: ("weight", 16), 5: ("set_type", None), 6: ("start_time", None),
          7: ("category", None), 8: ("category_subtype", None),
          11: ("wkt_step_index", None)},
}
MAX_SETS = 1000  # set messages kept a file: a strength session has dozens
TIME_FIELDS = frozenset({"timestamp", "start_time"})

# base type number (low 5 bits) → (struct code, size, invalid value or None for "all ones")
BASE_TYPES: dict[int, tuple[str, int, int | None]] = {
    0: ("B", 1, 0xFF), 1: ("b", 1, 0x7F), 2: ("B", 1, 0xFF), 3: ("h", 2, 0x7FFF),
    4: ("H", 2, 0xFFFF), 5: ("i", 4, 0x7FFFFFFF), 6: ("I", 4, 0xFFFFFFFF), 7: ("s", 1, None),
    8: ("f", 4, None), 9: ("d", 8, None), 10: ("B", 1, 0), 11: ("H", 2, 0), 12: ("I", 4, 0),
    13: ("B", 1, 0xFF), 14: ("q", 8, 0x7FFFFFFFFFFFFFFF), 15: ("Q", 8, 0xFFFFFFFFFFFFFFFF),
    16: ("Q", 8, 0),
}


class FitStructureError(ValueError):
    """The bytes stop being a FIT file at ``pos``."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


@dataclass
class FitSummary:
    """What one file holds: its sessions, in order, each a dict of the wanted fields."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    zones: list[dict[str, Any]] = field(default_factory=list)  # time_in_zone messages
    sets: list[dict[str, Any]] = field(default_factory=list)  # set messages, in order
    max_heart_rate: int | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class _Definition:
    global_num: int
    size: int
    fields: list[tuple[str, float | None, int, int, int]]  # name, scale, offset, size, base
    endian: str


def read_summary(path: Path) -> FitSummary:
    """Never raises for a bad file: an unreadable one comes back with ``error`` set."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FitSummary(error=f"cannot read it: {exc.strerror or exc}")
    return parse(data)


def parse(data: bytes) -> FitSummary:
    out = FitSummary()
    if not data:
        return FitSummary(error="the file is empty (0 bytes); copy it again from the watch")
    pos = 0
    part = 0
    while pos < len(data):
        try:
            pos = _walk_part(data, pos, out)
        except FitStructureError as exc:
            if part == 0 and not out.sessions:
                out.error = f"{exc} at byte {exc.pos}"
                return out
            out.notes.append(f"{exc} at byte {exc.pos} of {len(data)}; "
                             "the part before it is used")
            break
        part += 1
    if not out.sessions and out.error is None:
        out.error = "no session record (not an activity, or cut before its summary)"
    return out


def _walk_part(data: bytes, start: int, out: FitSummary) -> int:
    """Walk one FIT file (of a chain) from its header; return where the next one starts."""
    if len(data) - start < 12:
        raise FitStructureError("not a FIT file (header cut short)", start)
    header_size = data[start]
    if header_size not in (12, 14) or data[start + 8:start + 12] != b".FIT":
        raise FitStructureError("not a FIT file (corrupt header)", start)
    data_size = struct.unpack_from("<I", data, start + 4)[0]
    pos = start + header_size
    end = pos + data_size
    cut = end + 2 > len(data)
    stop = min(end, len(data))
    defs: dict[int, _Definition] = {}
    while pos < stop:
        head = data[pos]
        if head & 0x80:  # compressed timestamp header: a data message of local type 0-3
            local, is_def = (head >> 5) & 0x3, False
        else:
            local, is_def = head & 0x0F, bool(head & 0x40)
        pos += 1
        if is_def:
            pos = _definition(data, pos, stop, local, bool(head & 0x20), defs)
            continue
        d = defs.get(local)
        if d is None:
            raise FitStructureError(f"data for undefined local message {local}", pos - 1)
        if pos + d.size > stop:
            break  # cut in the middle of a message
        if d.fields:
            _decode(data, pos, d, out)
        pos += d.size
    if cut:
        raise FitStructureError(f"the file is cut short ({len(data)} of {end + 2} bytes)",
                                len(data))
    return end + 2  # the file CRC


def _definition(data: bytes, pos: int, stop: int, local: int, developer: bool,
                defs: dict[int, _Definition]) -> int:
    if pos + 5 > stop:
        raise FitStructureError("definition message cut short", pos)
    endian = ">" if data[pos + 1] == 1 else "<"
    global_num = struct.unpack_from(endian + "H", data, pos + 2)[0]
    count = data[pos + 4]
    pos += 5
    if pos + 3 * count > stop:
        raise FitStructureError("definition message cut short", pos)
    wanted = WANTED.get(global_num)
    fields = []
    offset = 0
    for i in range(count):
        num, size, base = data[pos + 3 * i], data[pos + 3 * i + 1], data[pos + 3 * i + 2]
        if wanted is not None and num in wanted:
            name, scale = wanted[num]
            fields.append((name, scale, offset, size, base))
        offset += size
    pos += 3 * count
    if developer:
        if pos + 1 > stop:
            raise FitStructureError("definition message cut short", pos)
        dev_count = data[pos]
        pos += 1
        if pos + 3 * dev_count > stop:
            raise FitStructureError("definition message cut short", pos)
        offset += sum(data[pos + 3 * i + 1] for i in range(dev_count))
        pos += 3 * dev_count
    defs[local] = _Definition(global_num, offset, fields, endian)
    return pos


def _decode(data: bytes, pos: int, d: _Definition, out: FitSummary) -> None:
    values: dict[str, Any] = {}
    for name, scale, offset, size, base in d.fields:
        values[name] = _value(data, pos + offset, size, base, d.endian, scale, name)
    if d.global_num == SESSION:
        from fitdecode.profile import FIELD_TYPES

        for key in ("sport", "sub_sport"):
            if isinstance(values.get(key), int):
                values[key] = FIELD_TYPES[key].enum.get(values[key], values[key])
        if "avg_speed" in values and values.get("enhanced_avg_speed") is None:
            # The profile makes avg_speed a component of enhanced_avg_speed (older devices).
            values["enhanced_avg_speed"] = values["avg_speed"]
        out.sessions.append(values)
    elif d.global_num == TIME_IN_ZONE:
        from fitdecode.profile import FIELD_TYPES

        if isinstance(values.get("reference_mesg"), int):
            ref = values["reference_mesg"]
            values["reference_mesg"] = FIELD_TYPES["mesg_num"].enum.get(ref, ref)
        out.zones.append(values)
    elif d.global_num == ZONES_TARGET and isinstance(values.get("max_heart_rate"), int):
        out.max_heart_rate = values["max_heart_rate"]
    elif d.global_num == SET and len(out.sets) < MAX_SETS:
        out.sets.append(_exercise_names(values))


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) and value else value


def _exercise_names(values: dict[str, Any]) -> dict[str, Any]:
    """A set's category and exercise as names (the first of each array: the watch's pick)."""
    from fitdecode.profile import FIELD_TYPES

    category, sub = _first(values.get("category")), _first(values.get("category_subtype"))
    name = FIELD_TYPES["exercise_category"].enum.get(category) \
        if isinstance(category, int) else None
    names = FIELD_TYPES.get(f"{name}_exercise_name") if isinstance(name, str) else None
    exercise = names.enum.get(sub) if names is not None and isinstance(sub, int) else None
    values["category"] = name.upper() if isinstance(name, str) else None
    values["category_subtype"] = exercise.upper() if isinstance(exercise, str) else None
    return values


def _value(data: bytes, pos: int, size: int, base: int, endian: str, scale: float | None,
           name: str) -> Any:
    code, width, invalid = BASE_TYPES.get(base & 0x1F, ("B", 1, 0xFF))
    if code == "s":
        raw = data[pos:pos + size].split(b"\x00", 1)[0]
        return raw.decode("utf-8", errors="replace") or None
    if size < width or size % width:
        return None  # a field whose size does not fit its type: the decoders skip it too
    count = size // width
    items = struct.unpack_from(f"{endian}{count}{code}", data, pos)
    out = []
    for v in items:
        if invalid is None:  # floats: all bits set is invalid
            bits = data[pos:pos + width]
            out.append(None if bits == b"\xff" * width else v)
        elif v == invalid:
            out.append(None)
        elif name in TIME_FIELDS:
            out.append(v if v < DEVICE_TIME_LIMIT else FIT_EPOCH + timedelta(seconds=v))
        else:
            out.append(v / scale if scale else v)
        pos += width
    return out[0] if count == 1 else tuple(out)
