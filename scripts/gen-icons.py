#!/usr/bin/env python3
"""Generate aiops's app icons into icons/ (RGBA PNGs, standard library only).

The mark: a rounded slate square carrying a light, geometric single-storey "a"
(a ring and a stem) with a small teal cursor block beside it. Shapes are drawn
as signed distance fields, so every size is rendered directly with anti-aliased
edges instead of being scaled down from a large bitmap.

The output is deterministic: re-running the script rewrites identical files.
Usage: scripts/gen-icons.py [OUTPUT_DIR]   (default: <repo>/icons)
"""

import math
import struct
import sys
import zlib
from pathlib import Path

# (file name, edge length in pixels); the names are the ones tauri.conf.json lists.
SIZES = [
    ("32x32.png", 32),
    ("128x128.png", 128),
    ("128x128@2x.png", 256),
    ("icon.png", 512),
]

BACKGROUND = (0x1D, 0x23, 0x30)  # slate
GLYPH = (0xE9, 0xED, 0xF4)  # off-white
ACCENT = (0x4F, 0xD1, 0xB5)  # teal


def rounded_box(px, py, cx, cy, hw, hh, r):
    """Signed distance from (px, py) to a box centred at (cx, cy), corner radius r."""
    qx = abs(px - cx) - hw + r
    qy = abs(py - cy) - hh + r
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - r


def ring(px, py, cx, cy, radius, half_width):
    return abs(math.hypot(px - cx, py - cy) - radius) - half_width


def coverage(distance, pixel):
    """Fraction of a pixel covered by the shape, from a distance in unit coordinates."""
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def render(size):
    """Return rows of RGBA bytes for an icon of size x size pixels."""
    pixel = 1.0 / size  # one pixel in unit coordinates
    # Geometry in unit coordinates (0..1, y down).
    tile = (0.5, 0.5, 0.44, 0.44, 0.10)  # centre, half extents, corner radius
    bowl = (0.44, 0.56, 0.155, 0.055)  # centre, radius, half stroke width
    stem = (0.595, 0.56, 0.055, 0.21, 0.055)  # on the right edge of the bowl
    cursor = (0.745, 0.70, 0.045, 0.055, 0.012)
    rows = []
    for y in range(size):
        row = bytearray()
        py = (y + 0.5) * pixel
        for x in range(size):
            px = (x + 0.5) * pixel
            a_tile = coverage(rounded_box(px, py, *tile), pixel)
            if a_tile == 0.0:
                row += b"\x00\x00\x00\x00"
                continue
            glyph = min(ring(px, py, *bowl), rounded_box(px, py, *stem))
            a_glyph = coverage(glyph, pixel)
            a_cursor = coverage(rounded_box(px, py, *cursor), pixel)
            rgb = [
                b * (1 - a_glyph - a_cursor) + g * a_glyph + c * a_cursor
                for b, g, c in zip(BACKGROUND, GLYPH, ACCENT)
            ]
            row += bytes(round(v) for v in rgb) + bytes([round(255 * a_tile)])
        rows.append(bytes(row))
    return rows


def png(size, rows):
    """Encode 8-bit RGBA rows as a PNG file (no ancillary chunks, so output is stable)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 on every scanline
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    repo = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else repo / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for name, size in SIZES:
        (out / name).write_bytes(png(size, render(size)))
        print(f"wrote {out / name} ({size}x{size})")


if __name__ == "__main__":
    main()
