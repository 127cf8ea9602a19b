"""Write FIT activity files for tests: multisport, treadmill, zones, cut short, many records,
and the ``set`` messages (225) of a strength activity.

The real sample files have no multisport or treadmill activity, so tests build them here
from the FIT protocol (header, definition and data messages, CRC-16). fitdecode, an
independent decoder, reads every file this writes (tests check that), so the files are FIT.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
SPORT = {"generic": 0, "running": 1, "cycling": 2, "transition": 3, "swimming": 5,
         "training": 10, "walking": 11, "multisport": 18}
SUB_SPORT = {"generic": 0, "treadmill": 1, "street": 2, "trail": 3, "track": 4,
             "strength_training": 20, "indoor_running": 45}
# base type: (number, struct code)
ENUM, UINT8, UINT16, UINT32 = (0x00, "B"), (0x02, "B"), (0x84, "H"), (0x86, "I")
CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        for nibble in (byte & 0x0F, byte >> 4):
            tmp = CRC_TABLE[crc & 0x0F]
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ CRC_TABLE[nibble]
    return crc


def fit_time(when: datetime) -> int:
    return int((when - FIT_EPOCH).total_seconds())


@dataclass
class Leg:
    """One session of an activity (a multisport file has several)."""

    sport: str
    start: datetime
    minutes: float
    sub_sport: str = "generic"
    distance_m: float | None = None
    avg_hr: int | None = None
    aerobic_te: float | None = None
    anaerobic_te: float | None = None
    moving_minutes: float | None = None
    hr_zone_minutes: tuple[float, ...] = ()  # as time_in_zone: below zone 1, zones 1-5, above
    records: int = 10


@dataclass
class FitSet:
    """One ``set`` message: the profile's numbers (exercise_category, <category>_exercise_name);
    None writes the field's invalid value, as a watch does for an unknown."""

    start: datetime
    seconds: float
    active: bool = True
    reps: int | None = None
    weight_kg: float | None = None
    category: int | None = None
    subtype: int | None = None
    step_index: int | None = None


def _or(value: int | None, invalid: int) -> int:
    return invalid if value is None else value


def write_sets(w: _Writer, sets: list[FitSet]) -> None:
    for st in sets:
        t0 = fit_time(st.start)
        w.message(6, 225, [
            (254, UINT32, t0 + int(st.seconds)), (0, UINT32, int(st.seconds * 1000)),
            (3, UINT16, _or(st.reps, 0xFFFF)),
            (4, UINT16, 0xFFFF if st.weight_kg is None else round(st.weight_kg * 16)),
            (5, UINT8, 1 if st.active else 0), (6, UINT32, t0),
            (7, UINT16, _or(st.category, 0xFFFF)), (8, UINT16, _or(st.subtype, 0xFFFF)),
            (11, UINT16, _or(st.step_index, 0xFFFF))])


@dataclass
class _Writer:
    body: bytearray = field(default_factory=bytearray)
    layouts: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = field(default_factory=dict)

    def message(self, local: int, global_num: int,
                fields: list[tuple[int, tuple[int, str], object]]) -> None:
        layout = (global_num, tuple((num, base[0]) for num, base, _ in fields))
        sizes = [struct.calcsize("<" + base[1]) * (len(v) if isinstance(v, tuple) else 1)
                 for _, base, v in fields]
        if self.layouts.get(local) != layout:
            self.body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))
            for (num, base, _), size in zip(fields, sizes, strict=True):
                self.body += struct.pack("<BBB", num, size, base[0])
            self.layouts[local] = layout
        self.body.append(local)
        for _, base, value in fields:
            values = value if isinstance(value, tuple) else (value,)
            self.body += struct.pack(f"<{len(values)}{base[1]}", *values)


def activity_file(legs: list[Leg], max_hr: int | None = None,
                  sets: list[FitSet] | None = None) -> bytes:
    w = _Writer()
    first = legs[0].start
    w.message(0, 0, [(0, ENUM, 4), (1, UINT16, 1), (4, UINT32, fit_time(first))])
    if max_hr is not None:
        w.message(1, 7, [(1, UINT8, max_hr)])
    end = first
    for index, leg in enumerate(legs):
        t0 = fit_time(leg.start)
        seconds = leg.minutes * 60
        for i in range(leg.records):
            w.message(2, 20, [(253, UINT32, t0 + int(seconds * i / max(1, leg.records))),
                              (3, UINT8, leg.avg_hr or 0xFF)])
        if leg.hr_zone_minutes:
            w.message(3, 216, [(253, UINT32, t0 + int(seconds)), (0, UINT16, 18),
                               (1, UINT16, index),
                               (2, UINT32, tuple(int(m * 60_000) for m in leg.hr_zone_minutes))])
        fields: list[tuple[int, tuple[int, str], object]] = [
            (253, UINT32, t0 + int(seconds)), (254, UINT16, index), (2, UINT32, t0),
            (5, ENUM, SPORT[leg.sport]), (6, ENUM, SUB_SPORT[leg.sub_sport]),
            (7, UINT32, int(seconds * 1000)), (8, UINT32, int(seconds * 1000))]
        if leg.distance_m is not None:
            fields.append((9, UINT32, int(leg.distance_m * 100)))
        if leg.avg_hr is not None:
            fields.append((16, UINT8, leg.avg_hr))
        if leg.aerobic_te is not None:
            fields.append((24, UINT8, round(leg.aerobic_te * 10)))
        if leg.moving_minutes is not None:
            fields.append((59, UINT32, int(leg.moving_minutes * 60_000)))
        if leg.anaerobic_te is not None:
            fields.append((137, UINT8, round(leg.anaerobic_te * 10)))
        w.message(4, 18, fields)
        end = max(end, leg.start)
    write_sets(w, sets or [])
    w.message(5, 34, [(253, UINT32, fit_time(end)), (1, UINT16, len(legs)), (2, ENUM, 0)])
    body = bytes(w.body)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    data = header + body
    return data + struct.pack("<H", crc16(data))
