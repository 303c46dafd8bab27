#!/usr/bin/env python3
"""Draws Burnbar's icons (no image libraries needed): a rounded dark tile with three rising
bars and an ember on top. `icon.svg` is the same drawing for editors. Re-run after a change:
    python3 icons/make_icons.py
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TILE = (0x1F, 0x23, 0x2B)
BARS = [(0.20, 0.58, 0.34, 0.80), (0.43, 0.44, 0.57, 0.80), (0.66, 0.28, 0.80, 0.80)]
BAR = (0xF5, 0x9E, 0x0B)
EMBER = (0xEF, 0x44, 0x44)


def inside_rounded(x, y, r):
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def colour_at(x, y, tray):
    if not tray and not inside_rounded(x, y, 0.18):
        return None
    for x0, y0, x1, y1 in BARS:
        if x0 <= x <= x1 and y0 <= y <= y1:
            return BAR
    if (x - 0.73) ** 2 + (y - 0.17) ** 2 <= 0.075 ** 2:
        return EMBER
    return None if tray else TILE


def render(size, tray=False, ss=4):
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    c = colour_at((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size, tray)
                    if c:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 1
            n = ss * ss
            if acc[3]:
                row += bytes([acc[0] // acc[3], acc[1] // acc[3], acc[2] // acc[3], 255 * acc[3] // n])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    for name, size, tray in [("32x32.png", 32, False), ("128x128.png", 128, False), ("icon.png", 256, False), ("tray.png", 32, True)]:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(render(size, tray))


if __name__ == "__main__":
    main()
