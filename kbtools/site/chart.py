"""A stacked horizontal bar chart as inline SVG, drawn at build time (no script, no service)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

ROW = 26
LABEL_WIDTH = 230
BAR_WIDTH = 360
COUNT_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    overdue: int
    due_soon: int

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon


def bar_chart(bars: list[Bar], title: str, names: tuple[str, str] = ("overdue", "due soon")) -> Markup:
    """Bars of two parts each, named `names` in each bar's tooltip (overdue and due soon on the dashboard)."""
    if not bars:
        return Markup("")
    most = max(b.total for b in bars) or 1
    height = ROW * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    rows = Markup("").join(_row(i, bar, most, names) for i, bar in enumerate(bars))
    return Markup(
        '<svg class="kb-chart" role="img" aria-labelledby="kb-chart-title" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}">'
        '<title id="kb-chart-title">{title}</title>{rows}</svg>'
    ).format(w=width, h=height, title=title, rows=rows)


def _row(index: int, bar: Bar, most: int, names: tuple[str, str]) -> Markup:
    y = index * ROW + 4
    overdue_w = round(BAR_WIDTH * bar.overdue / most)
    soon_w = round(BAR_WIDTH * bar.due_soon / most)
    label = bar.label if len(bar.label) <= 30 else bar.label[:29] + "\u2026"
    return Markup(
        '<g><title>{full}: {o} {first}, {s} {second}</title>'
        '<text class="kb-chart__label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
        '<rect class="kb-chart__overdue" x="{x0}" y="{y}" width="{ow}" height="18"></rect>'
        '<rect class="kb-chart__due-soon" x="{x1}" y="{y}" width="{sw}" height="18"></rect>'
        '<text class="kb-chart__count" x="{cx}" y="{ty}">{o} + {s}</text></g>'
    ).format(
        full=bar.label, first=names[0], second=names[1], o=bar.overdue, s=bar.due_soon, label=label,
        lx=LABEL_WIDTH - 8, ty=y + 14, x0=LABEL_WIDTH, x1=LABEL_WIDTH + overdue_w, y=y,
        ow=overdue_w, sw=soon_w, cx=LABEL_WIDTH + overdue_w + soon_w + 6,
    )
