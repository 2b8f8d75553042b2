"""Charts as server-side SVG (pygal), embedded as ``data:`` images.

Why images: the Content-Security-Policy forbids inline ``<style>`` and style
attributes in the page, and pygal's SVG carries its own ``<style>``. Inside an
``<img>`` the SVG is a separate, inert document: its styles apply only to
itself and its scripts never run. We still strip pygal's one inline script
(its tooltip configuration, useless in an image) and its comments (which name
pygal's web site), so the image references nothing outside itself.

Charts are decorative summaries: every chart stands next to a table with the
same numbers, which is what screen readers and exports use.
"""

import math
import re
from base64 import b64encode
from dataclasses import dataclass

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

# The Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Tahoma, sans-serif'

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4a5360",
    colors=PALETTE,
    opacity="1",
    opacity_hover="1",
    font_family=FONT,
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=16,
    title_font_size=16,
    value_font_size=14,
    no_data_font_size=24,
    transition="0ms",
)

_SCRIPTS = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Chart:
    uri: str  # data:image/svg+xml;base64,...
    alt: str
    width: int
    height: int


def _config(**options) -> dict:
    base = {
        "js": [],
        "style": STYLE,
        # Narrow enough that the text stays readable when a phone scales it down.
        "width": 480,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 1,
        "print_values": False,
        "show_y_guides": True,
        "truncate_label": -1,
        "truncate_legend": -1,
        "no_data_text": _("No data"),
        "disable_xml_declaration": True,
        "min_scale": 1,
    }
    base.update(options)
    return base


def svg_of(chart) -> str:
    """The chart's SVG, with nothing that points outside it."""
    svg = chart.render(is_unicode=True)
    return _COMMENTS.sub("", _SCRIPTS.sub("", svg))


def _embed(chart, alt: str) -> Chart:
    data = b64encode(svg_of(chart).encode("utf-8")).decode("ascii")
    return Chart(
        uri=f"data:image/svg+xml;base64,{data}",
        alt=alt,
        width=chart.config.width,
        height=chart.config.height,
    )


def _whole_number_ticks(largest: int) -> list[int]:
    """About five ticks on whole numbers: counts of people have no tenths."""
    step = max(1, math.ceil(largest / 5))
    return list(range(0, largest + step, step))


def _bars(labels: list[str], series: list[tuple[str, list[int]]], alt: str) -> Chart | None:
    """Horizontal bars (labels stay readable on a phone), or None when every
    value is zero (the table says so better)."""
    largest = max((value for _title, values in series for value in values), default=0)
    if not largest:
        return None
    bars = len(labels) * len(series)
    chart = pygal.HorizontalBar(
        **_config(
            height=80 + 28 * bars + 30 * len(series) + 16 * len(labels),
            show_legend=len(series) > 1,
            y_labels=_whole_number_ticks(largest),
        )
    )
    # pygal draws the first label at the bottom; reverse, so it reads like the table.
    chart.x_labels = labels[::-1]
    for title, values in series:
        chart.add(title, values[::-1])
    return _embed(chart, alt)


def seats_by_region(regions) -> Chart | None:
    return _bars(
        [r.label for r in regions],
        [
            (_("Seats"), [r.seats for r in regions]),
            (_("Booked or offered"), [r.taken for r in regions]),
            (_("Waiting list"), [r.waiting for r in regions]),
        ],
        alt=_("Bar chart: seats, booked seats and waiting lists per region (numbers in the table)"),
    )


def childcare_by_region(regions) -> Chart | None:
    return _bars(
        [r.label for r in regions],
        [
            (_("Childcare places"), [r.childcare_places for r in regions]),
            (_("Children booked or waiting"), [r.childcare_demand for r in regions]),
        ],
        alt=_("Bar chart: childcare supply against demand per region (numbers in the table)"),
    )


def unmatched_reasons(reasons: list[tuple[str, str, int]]) -> Chart | None:
    return _bars(
        [label for _code, label, _n in reasons],
        [(_("Open requests"), [n for _code, _label, n in reasons])],
        alt=_("Bar chart: why open coaching requests stayed unmatched (numbers in the table)"),
    )


def coach_load(bands: list[tuple[str, str, int]]) -> Chart | None:
    return _bars(
        [label for _band, label, _n in bands],
        [(_("Coaches"), [n for _band, _label, n in bands])],
        alt=_("Bar chart: coaches by how full they are (numbers in the table)"),
    )


def dashboard_charts(data) -> dict[str, Chart | None]:
    return {
        "seats": seats_by_region(data.regions),
        "childcare": childcare_by_region(data.regions),
        "reasons": unmatched_reasons(data.coaching.reasons),
        "load": coach_load(data.bands),
    }
