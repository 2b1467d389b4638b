"""The dashboard's charts as geometry for inline SVG: bars with their coordinates, axes and labels,
computed here and drawn by the template (no JavaScript, nothing fetched). Coordinates are in the
SVG's viewBox units; the SVG scales to its container."""

import math
from dataclasses import dataclass

CHART_WIDTH = 480
# Axes have four equal steps, each a round number.
AXIS_STEPS = 4


def nice_axis_max(value: int) -> int:
    """The top of an axis for values up to `value`: four steps of 1, 2, 2.5 or 5 times a power of ten,
    all whole numbers (an empty chart still gets 0-4)."""
    needed = max(1, math.ceil(value / AXIS_STEPS))
    magnitude = 10 ** math.floor(math.log10(needed))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step >= needed and step == int(step):
            return int(step) * AXIS_STEPS
    return 10 * magnitude * AXIS_STEPS


def _ticks(scale_max: int, start: float, end: float) -> list["Tick"]:
    return [
        Tick(value=scale_max * step // AXIS_STEPS, position=round(start + (end - start) * step / AXIS_STEPS, 2))
        for step in range(AXIS_STEPS + 1)
    ]


@dataclass(frozen=True)
class Tick:
    value: int
    position: float


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    fill: str = "#0b4f8a"
    key: str = ""
    href: str = ""


@dataclass(frozen=True)
class AxisLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class ColumnChart:
    """Vertical bars over a time axis, with horizontal grid lines."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[AxisLabel]
    total: int
    peak: int


# One axis label a day on the week's chart.
HOURS_PER_LABEL = 24


def week_volume_chart(volume: list, *, links: list[str], height: int = 240) -> ColumnChart:
    """Tickets received per hour over seven days (tickets.dashboard.figures.HourCount), oldest left,
    each bar linking to its hour's tickets; a label at each of India's midnights."""
    left, right, top, bottom = 40.0, CHART_WIDTH - 12.0, 14.0, height - 30.0
    peak = max((row.received for row in volume), default=0)
    scale_max = nice_axis_max(peak)
    slot = (right - left) / max(len(volume), 1)
    bars, labels = [], []
    for index, (row, href) in enumerate(zip(volume, links, strict=True)):
        bar_height = (bottom - top) * row.received / scale_max
        x = left + index * slot
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(bottom - bar_height, 2),
                width=round(max(slot * 0.8, 0.5), 2),
                height=round(bar_height, 2),
                value=row.received,
                label=f"{row.hour:%d/%m %H}:00",
                href=href,
            )
        )
        if row.hour.hour == 0:
            labels.append(AxisLabel(x=round(x, 2), y=bottom + 18, text=f"{row.hour:%d/%m}"))
    return ColumnChart(
        width=CHART_WIDTH,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=bars,
        ticks=_ticks(scale_max, bottom, top),
        labels=labels,
        total=sum(row.received for row in volume),
        peak=peak,
    )


# The map's fills, lightest (fewest open tickets) to darkest; a state with none of the user's units is
# grey. Each region also says its figure in words (its title, and the table behind the map).
MAP_FILLS = ["#dbe9f6", "#a9cbe8", "#6aa3d5", "#2f78b8", "#0b4f8a"]
MAP_NO_UNIT = "#eef0f2"


def map_fill(value: int, peak: int) -> str:
    if peak <= 0:
        return MAP_FILLS[0]
    return MAP_FILLS[min(len(MAP_FILLS) - 1, (len(MAP_FILLS) * value) // (peak + 1))]
