"""A stacked horizontal bar chart as inline SVG, drawn at build time (no script, no service).

Above the bars, a scale says what the numbers count (`axis`), with its ticks; each bar ends in
its counts in words ("2 overdue, 1 due soon") and may link somewhere (a bar of the review
dashboard opens its owner's page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

ROW = 26
HEAD = 40  # the scale above the bars: its title and tick numbers
LABEL_WIDTH = 230
BAR_WIDTH = 360
COUNT_WIDTH = 170
TICKS = 5  # at most, besides 0


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    overdue: int
    due_soon: int
    href: str | None = None  # where the bar links to (relative to the page)

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon


def bar_chart(bars: list[Bar], title: str, names: tuple[str, str] = ("overdue", "due soon"),
              axis: str = "", label: str = "") -> Markup:
    """Bars of two parts each, named `names` (overdue and due soon on the dashboard); `axis` says what
    the numbers count and `label` what the bars are (printed above the bars' names)."""
    if not bars:
        return Markup("")
    most = max(b.total for b in bars) or 1
    step = max(1, math.ceil(most / TICKS))
    most = step * math.ceil(most / step)  # the scale ends on a tick
    height = HEAD + ROW * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    rows = Markup("").join(_row(i, bar, most, names) for i, bar in enumerate(bars))
    role = "group" if any(b.href for b in bars) else "img"  # an image's parts cannot be links (axe: nested-interactive)
    return Markup(
        '<svg class="kb-chart" role="{role}" aria-labelledby="kb-chart-title" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}">'
        '<title id="kb-chart-title">{title}</title>{scale}{rows}</svg>'
    ).format(role=role, w=width, h=height, title=title, scale=_scale(most, step, height, axis, label), rows=rows)


def _x(value: int, most: int) -> int:
    return LABEL_WIDTH + round(BAR_WIDTH * value / most)


def _scale(most: int, step: int, height: int, axis: str, label: str) -> Markup:
    ticks = Markup("").join(
        Markup('<line class="kb-chart__grid" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"></line>'
               '<text class="kb-chart__tick" x="{x}" y="{ty}" text-anchor="middle">{n}</text>')
        .format(x=_x(n, most), top=HEAD - 6, bottom=height - 4, ty=HEAD - 10, n=n)
        for n in range(0, most + 1, step)
    )
    names = Markup("")
    if axis:
        names += Markup('<text class="kb-chart__axis" x="{}" y="14">{}</text>').format(LABEL_WIDTH, axis)
    if label:
        names += Markup('<text class="kb-chart__axis" x="{}" y="{}" text-anchor="end">{}</text>').format(
            LABEL_WIDTH - 8, HEAD - 10, label)
    return Markup('<g class="kb-chart__scale">{}{}</g>').format(names, ticks)


def _row(index: int, bar: Bar, most: int, names: tuple[str, str]) -> Markup:
    y = HEAD + index * ROW + 4
    overdue_w = _x(bar.overdue, most) - LABEL_WIDTH
    soon_w = _x(bar.total, most) - LABEL_WIDTH - overdue_w
    label = bar.label if len(bar.label) <= 30 else bar.label[:29] + "\u2026"
    counts = Markup("{o} {first}, {s} {second}").format(o=bar.overdue, first=names[0], s=bar.due_soon,
                                                         second=names[1])
    row = Markup(
        '<title>{full}: {counts}</title>'
        '<text class="kb-chart__label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
        '<rect class="kb-chart__overdue" x="{x0}" y="{y}" width="{ow}" height="18"></rect>'
        '<rect class="kb-chart__due-soon" x="{x1}" y="{y}" width="{sw}" height="18"></rect>'
        '<text class="kb-chart__count" x="{cx}" y="{ty}">{counts}</text>'
    ).format(
        full=bar.label, counts=counts, label=label, lx=LABEL_WIDTH - 8, ty=y + 14, x0=LABEL_WIDTH,
        x1=LABEL_WIDTH + overdue_w, y=y, ow=overdue_w, sw=soon_w, cx=LABEL_WIDTH + overdue_w + soon_w + 6,
    )
    if bar.href:
        return Markup('<a class="kb-chart__link" href="{}">{}</a>').format(bar.href, row)
    return Markup("<g>{}</g>").format(row)
