#!/usr/bin/python3
"""Makes the bundled faces: DejaVu Sans Mono 2.37 cut down to the characters a training log can
show, and renamed, as the Bitstream Vera / DejaVu licence asks of modified fonts.

Every glyph fontdue parses is kept in memory as outlines (about 7 MB per full face), so the
saver ships only these ranges (about 800 of 3,377 glyphs, with the components of composite ones). Block elements and the common box
drawing characters are drawn as rectangles by the rasterizer but stay in the font for the rest.

    /usr/bin/python3 fonts/subset.py DejaVuSansMono.ttf DejaVuSansMono-Bold.ttf

with the two files of the DejaVu 2.37 release (https://github.com/dejavu-fonts/dejavu-fonts,
tag version_2_37) in the current directory; needs fontTools (Debian: python3-fonttools).
Writes fonts/TrainsaverMono-Regular.ttf and fonts/TrainsaverMono-Bold.ttf.
"""

import os
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

RANGES = [
    (0x0020, 0x017F),  # Basic Latin, Latin-1, Latin Extended-A
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20BF),  # currency
    (0x2190, 0x21FF),  # arrows
    (0x2500, 0x25FF),  # box drawing, block elements, geometric shapes
    (0xFFFD, 0xFFFD),  # replacement character
]
# Braille (U+2800-28FF) is left out: the rasterizer draws all of it as dots.
FAMILY = "Trainsaver Mono"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))


def rename(font, style):
    ps = f"TrainsaverMono-{style}"
    full = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID == 3:
            rec.string = f"{ps}; subset of DejaVu Sans Mono 2.37"
        elif rec.nameID == 4:
            rec.string = full
        elif rec.nameID == 6:
            rec.string = ps


def main():
    opts = subset.Options()
    opts.hinting = False  # fontdue does not hint
    opts.layout_features = []
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    unicodes = [u for lo, hi in RANGES for u in range(lo, hi + 1)]
    for src, style in zip(sys.argv[1:3], ["Regular", "Bold"]):
        font = TTFont(src)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        rename(font, style)
        out = os.path.join(OUT, f"TrainsaverMono-{style}.ttf")
        font.save(out)
        print(f"{out}: {len(font.getGlyphOrder())} glyphs, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
