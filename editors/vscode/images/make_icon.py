"""Draws images/icon.png (128x128): a database cylinder with a check mark on a rounded square.

Plain Python (zlib), so the icon is rebuilt without an image library: python3 make_icon.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 128
SAMPLES = 4  # per axis, for smooth edges
BACKGROUND = (31, 58, 95)
CYLINDER = (236, 240, 245)
BAND = (160, 178, 200)
CHECK = (72, 199, 116)


def inside_rounded_square(x: float, y: float) -> bool:
    radius, lo, hi = 24.0, 4.0, SIZE - 4.0
    cx, cy = min(max(x, lo + radius), hi - radius), min(max(y, lo + radius), hi - radius)
    return lo <= x <= hi and lo <= y <= hi and (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def in_ellipse(x: float, y: float, cx: float, cy: float, rx: float, ry: float) -> bool:
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float], width: float) -> bool:
    (ax, ay), (bx, by) = a, b
    t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    return (x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= (width / 2) ** 2


def color_at(x: float, y: float) -> tuple[int, int, int, int]:
    if near_segment(x, y, (70, 92), (84, 106), 11) or near_segment(x, y, (84, 106), (110, 74), 11):
        return (*CHECK, 255)
    left, right, top, bottom, ry = 26.0, 90.0, 30.0, 90.0, 10.0
    cx, rx = (left + right) / 2, (right - left) / 2
    in_body = left <= x <= right and top <= y <= bottom
    if in_ellipse(x, y, cx, top, rx, ry):
        return (*BAND, 255) if not in_ellipse(x, y, cx, top, rx - 4, ry - 3) else (*CYLINDER, 255)
    if in_body or in_ellipse(x, y, cx, bottom, rx, ry):
        for band in (50.0, 70.0):  # the seams between the disks
            if abs(y - band - ry * (1 - ((x - cx) / rx) ** 2) ** 0.5) < 2.0 and in_body:
                return (*BAND, 255)
        return (*CYLINDER, 255)
    if inside_rounded_square(x, y):
        return (*BACKGROUND, 255)
    return (0, 0, 0, 0)


def render() -> bytes:
    rows = []
    for py in range(SIZE):
        row = bytearray([0])  # filter: none
        for px in range(SIZE):
            total = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    r, g, b, a = color_at(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES)
                    total = [total[0] + r * a, total[1] + g * a, total[2] + b * a, total[3] + a]
            alpha = total[3]
            pixel = [round(c / alpha) if alpha else 0 for c in total[:3]] + [round(alpha / SAMPLES**2)]
            row += bytes(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    Path(__file__).with_name("icon.png").write_bytes(render())
