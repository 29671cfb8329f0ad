"""Rebuild `NotoSansSC-GB2312.ttf`, the CJK font the printed timetables and reports embed.

Not used at run time. A fresh machine has only the Python packages, so the font
ships inside the package: Noto Sans CJK SC (SIL Open Font License 1.1, see
OFL.txt) subset to the GB2312 character set, ASCII and the punctuation and
symbols timetables use, converted from CFF to TrueType outlines (pypdf and
some viewers read text back from TrueType-embedded fonts only). About 2 MB.

    .venv/bin/python scheduler/printing/fonts/make_font.py   # needs Debian's fonts-noto-cjk
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # the collection's order: JP, KR, SC, TC, HK
OUT = Path(__file__).with_name("NotoSansSC-GB2312.ttf")
EXTRA = "·–—→←…×√①②③④⑤⑥⑦⑧⑨⑩「」『』【】〔〕（）、。，：；！？《》“”‘’　"


def characters() -> set[int]:
    chars = set(range(0x20, 0x7F))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars | {ord(c) for c in EXTRA}


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by quadratic TrueType ones (max error 1 unit of 1000)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat, font["head"].glyphDataFormat = 0, 0
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 3.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> None:
    font = TTCollection(SOURCE).fonts[SC_INDEX]
    options = subset.Options()
    options.layout_features, options.name_IDs, options.hinting = [], ["*"], False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    to_truetype(font)
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
