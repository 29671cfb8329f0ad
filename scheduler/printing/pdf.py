"""A4 PDF documents with Chinese text, for everything tongpan prints (timetables, reports).

fpdf2 is pure Python and embeds a subset of the font it is given, so a fresh
machine with nothing but the project's Python packages prints Chinese: the
font (Noto Sans CJK SC cut to GB2312, `fonts/`) ships inside the package.
There is one weight (regular): use size, not bold, for emphasis. Loading the
font costs about 0.1 s per document, so print many pages into one document
where the reader wants one file.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_PATH = Path(__file__).with_name("fonts") / "NotoSansSC-GB2312.ttf"
FONT = "NotoSansSC"
MARGIN = 12  # mm
GREY = (110, 110, 110)
LIGHT = (236, 240, 245)


class Document(FPDF):
    """An A4 document (portrait unless told) with the bundled CJK font set, margins and a footer line."""

    def __init__(self, title: str, *, landscape: bool = False, footer: str = "") -> None:
        super().__init__(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
        self.footer_text = footer
        self.add_font(FONT, "", FONT_PATH)
        self.set_font(FONT, size=10)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.set_title(title)
        self.set_creator("tongpan 同盘")
        self.set_lang("zh-CN")
        self.set_creation_date(datetime.now().astimezone())

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-MARGIN)
        self.set_font(FONT, size=7)
        self.set_text_color(*GREY)
        self.cell(0, 4, self.footer_text, align="L")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 16, *, width: float = 0) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=10)

    def note(self, text: str, size: float = 9, *, width: float = 0, grey: bool = True) -> None:
        self.set_font(FONT, size=size)
        if grey:
            self.set_text_color(*GREY)
        self.multi_cell(width, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=10)

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """A QR code of `data` (a subscribe page, say) as a square of `size` mm at (x, y)."""
        png = io.BytesIO()
        segno.make(data, error="m").save(png, kind="png", scale=8, border=2)
        png.seek(0)
        self.image(png, x=x, y=y, w=size, h=size)

    @property
    def content_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def table_of(self, headings: list[str], rows: list[list[str]], widths: list[float], *,
                 size: float = 9, line_height: float | None = None, align: str = "CENTER") -> None:
        """A ruled table with a shaded heading row; cells wrap, rows grow to fit."""
        self.set_font(FONT, size=size)
        with self.table(col_widths=widths, width=sum(widths), line_height=line_height or size * 0.48,
                        text_align=align, headings_style=FontFace(fill_color=LIGHT),
                        first_row_as_headings=True, padding=1) as table:
            for values in [headings, *rows]:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.set_font(FONT, size=10)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
