"""Bar charts as inline SVG: each bar a figure, its tick the target; no chart library, nothing from a CDN.

Inline SVG prints, scales on a phone and needs no script, which is all a
report page asks of a chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW, LABEL, VALUE, WIDTH = 22, 300, 140, 860
LABEL_CHARS = 24  # a longer name is cut with … (the full name is in the tooltip)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float
    text: str  # the value and target as people read them ("1 / 2 门")

    @property
    def met(self) -> bool:
        return self.value + 1e-9 >= self.target


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else "…" + label[-(LABEL_CHARS - 1):]


def bar_chart(bars: list[Bar], title: str) -> Markup:
    """Horizontal bars (green met, red short) against each row's target line, labels on the left."""
    scale_to = max([max(b.value, b.target) for b in bars] + [1e-9])
    plot = WIDTH - LABEL - VALUE
    height = ROW * len(bars) + 8
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, b in enumerate(bars):
        y = 4 + i * ROW
        width = plot * b.value / scale_to
        target_x = LABEL + plot * b.target / scale_to
        css = "met" if b.met else "short"
        parts.append(
            f'<g class="bar {css}" data-value="{b.value:g}" data-target="{b.target:g}">'
            f'<text x="{LABEL - 6}" y="{y + 14}" text-anchor="end"><title>{escape(b.label)}</title>'
            f'{escape(_short(b.label))}</text>'
            f'<rect x="{LABEL}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" rx="2"/>'
            f'<line class="target" x1="{target_x:.1f}" x2="{target_x:.1f}" y1="{y}" y2="{y + ROW - 2}"/>'
            f'<text x="{LABEL + plot + 6}" y="{y + 14}">{escape(b.text)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
