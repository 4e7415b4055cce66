"""Hand-written SVG charts for Benchmarks/compare.py (no plotting libraries).

Two charts:
  comparison_chart(rows)      grouped horizontal bars of P50 latency per config, Onyx vs
                              onnxruntime, on a log10 axis, with the ratio at the right.
  op_breakdown_chart(models)  one 100%-stacked horizontal bar per model: the share of Onyx's
                              end-to-end time spent in each op type (profiled run).

Both return the SVG document as a string. Text widths are estimated (no font metrics), so
labels are only drawn inside a segment when the estimate says they fit.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence
from xml.sax.saxutils import escape

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
ONYX_COLOR = "#2f6fb0"
ORT_COLOR = "#e08a2c"
GRID_COLOR = "#d9d9d9"
TEXT_COLOR = "#222222"
MUTED_COLOR = "#666666"

# Colour-blind-friendly-ish qualitative palette (Tableau 10 + extras); op types keep one
# colour across all bars of a chart.
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#a0cbe8",
]
OTHER_COLOR = "#bab0ac"
OVERHEAD_COLOR = "#eeeeee"


def text_width(s: str, size: float) -> float:
    """Rough width of `s` in px for a sans-serif font at `size` px."""
    return len(s) * size * 0.6


def _t(x: float, y: float, s: str, size: float = 12, anchor: str = "start", weight: str = "normal",
       fill: str = TEXT_COLOR, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(s)}</text>')


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"{extra}/>'


def _doc(width: float, height: float, body: Iterable[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}">\n'
            f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>\n')
    return head + "\n".join(body) + "\n</svg>\n"


def fmt_ms(v: float) -> str:
    if v >= 100:
        return f"{v:.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    if v >= 1:
        return f"{v:.2f} ms"
    return f"{v:.3f} ms"


def _tick_label(v: float) -> str:
    if v >= 1:
        return f"{v:g}"
    return f"{v:.{max(0, -int(math.floor(math.log10(v))))}f}"


def comparison_chart(rows: Sequence[dict], title: str = "P50 latency: Onyx vs onnxruntime",
                     subtitle: str = "") -> str:
    """rows: dicts with keys label (str), onyx (float ms or None), ort (float ms or None).

    Log-scale horizontal grouped bars; the right column gives Onyx/ort at P50.
    """
    values = [v for r in rows for v in (r.get("onyx"), r.get("ort")) if v and v > 0]
    if not values:
        values = [1.0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values) * 1.0001))
    if hi <= lo:
        hi = lo * 10
    decades = math.log10(hi) - math.log10(lo)

    label_w = max([text_width(r["label"], 12) for r in rows] + [80]) + 16
    plot_w = max(420.0, 130.0 * decades)
    value_pad = 70.0   # room for the value label right of the longest bar
    ratio_w = 120.0
    left = label_w
    top = 74.0 if subtitle else 58.0
    bar_h, gap_in, group_gap = 13.0, 2.0, 12.0
    group_h = 2 * bar_h + gap_in
    plot_h = len(rows) * (group_h + group_gap) + group_gap
    width = left + plot_w + value_pad + ratio_w + 10
    height = top + plot_h + 46

    def xpos(v: float) -> float:
        return left + (math.log10(v) - math.log10(lo)) / decades * plot_w

    out = [_t(width / 2, 22, title, 16, "middle", "bold")]
    if subtitle:
        out.append(_t(width / 2, 40, subtitle, 11, "middle", fill=MUTED_COLOR))
    if not rows:
        out.append(_t(width / 2, top + 20, "nothing measured", 12, "middle", fill=MUTED_COLOR))
        return _doc(width, top + 40, out)
    # legend
    ly = top - 16
    lx = left
    for name, color in (("Onyx", ONYX_COLOR), ("onnxruntime", ORT_COLOR)):
        out.append(_rect(lx, ly - 10, 12, 12, color))
        out.append(_t(lx + 17, ly, name, 12))
        lx += 17 + text_width(name, 12) + 22
    out.append(_t(left + plot_w + value_pad + ratio_w / 2, ly, "Onyx / ort", 12, "middle", "bold"))

    # grid: decades with labels, 2x and 5x minor lines
    d = lo
    while d <= hi * 1.0001:
        x = xpos(d)
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + plot_h:.1f}" '
                   f'stroke="{GRID_COLOR}" stroke-width="1"/>')
        out.append(_t(x, top + plot_h + 16, _tick_label(d), 11, "middle", fill=MUTED_COLOR))
        for m in (2, 5):
            if d * m < hi:
                xm = xpos(d * m)
                out.append(f'<line x1="{xm:.1f}" y1="{top:.1f}" x2="{xm:.1f}" y2="{top + plot_h:.1f}" '
                           f'stroke="{GRID_COLOR}" stroke-width="0.6" stroke-dasharray="2,3"/>')
        d *= 10
    out.append(_t(left + plot_w / 2, top + plot_h + 34, "P50 latency, ms (log scale; shorter is faster)",
                  12, "middle", fill=MUTED_COLOR))

    y = top + group_gap
    for i, r in enumerate(rows):
        if i % 2 == 1:
            out.append(_rect(0, y - group_gap / 2, width, group_h + group_gap, "#f6f6f6",
                             ' fill-opacity="0.8"'))
        out.append(_t(left - 8, y + group_h / 2 + 4, r["label"], 12, "end"))
        for j, (key, color) in enumerate((("onyx", ONYX_COLOR), ("ort", ORT_COLOR))):
            by = y + j * (bar_h + gap_in)
            v = r.get(key)
            if v and v > 0:
                x1 = xpos(v)
                out.append(_rect(left, by, x1 - left, bar_h, color))
                out.append(_t(x1 + 4, by + bar_h - 3, fmt_ms(v), 10.5, fill=TEXT_COLOR))
            else:
                out.append(_t(left + 4, by + bar_h - 3, "not measured", 10.5, fill=MUTED_COLOR,
                              extra=' font-style="italic"'))
        onyx, ort = r.get("onyx"), r.get("ort")
        rx = left + plot_w + value_pad + ratio_w / 2
        if onyx and ort:
            ratio = onyx / ort
            if ratio >= 1.005:
                out.append(_t(rx, y + group_h / 2 + 4, f"{ratio:.2f}\u00d7 slower", 12, "middle", "bold",
                              fill="#b03030"))
            elif ratio <= 0.995:
                out.append(_t(rx, y + group_h / 2 + 4, f"{1 / ratio:.2f}\u00d7 faster", 12, "middle", "bold",
                              fill="#2e7d32"))
            else:
                out.append(_t(rx, y + group_h / 2 + 4, "parity", 12, "middle"))
        else:
            out.append(_t(rx, y + group_h / 2 + 4, "n/a", 12, "middle", fill=MUTED_COLOR))
        y += group_h + group_gap
    # axis line
    out.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{top + plot_h:.1f}" '
               f'stroke="#888888" stroke-width="1"/>')
    return _doc(width, height, out)


def op_breakdown_chart(models: Sequence[dict], title: str = "Onyx: share of time per op type",
                       subtitle: str = "", max_types: int = 9) -> str:
    """models: dicts with keys label (str), e2e_ms (float, optional), and op_types: list of
    {op_type, share} (share of end-to-end time, 0..1) from an onyx-bench --profile run.

    Each bar is 100% of the end-to-end time; the part not inside any kernel is drawn as
    "outside kernels". Op types beyond the `max_types` largest overall are grouped as "other".
    """
    # Rank op types by their largest share in any model, so colours stay stable per chart.
    best: dict[str, float] = {}
    for m in models:
        for o in m.get("op_types", []):
            best[o["op_type"]] = max(best.get(o["op_type"], 0.0), float(o["share"]))
    ranked = sorted(best, key=lambda k: -best[k])
    kept = ranked[:max_types]
    color = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kept)}
    has_other = len(ranked) > len(kept)

    label_w = max([text_width(m["label"], 12) for m in models] + [80]) + 16
    bar_w = 640.0
    left, top = label_w, (62.0 if subtitle else 48.0)
    bar_h, gap = 26.0, 16.0
    plot_h = len(models) * (bar_h + gap)
    width = left + bar_w + 24

    # legend layout (wrapping rows)
    legend = [(k, color[k]) for k in kept]
    if has_other:
        legend.append(("other", OTHER_COLOR))
    legend.append(("outside kernels", OVERHEAD_COLOR))
    legend_rows: list[list[tuple[str, str, float]]] = [[]]
    lx = 0.0
    for name, c in legend:
        w = 17 + text_width(name, 11.5) + 18
        if lx + w > width - 20 and legend_rows[-1]:
            legend_rows.append([])
            lx = 0.0
        legend_rows[-1].append((name, c, lx))
        lx += w
    legend_top = top + plot_h + 30
    height = legend_top + 20 * len(legend_rows) + 10

    out = [_t(width / 2, 22, title, 16, "middle", "bold")]
    if subtitle:
        out.append(_t(width / 2, 40, subtitle, 11, "middle", fill=MUTED_COLOR))
    if not models:
        out.append(_t(width / 2, top + 20, "no profiled run succeeded", 12, "middle", fill=MUTED_COLOR))
        return _doc(width, top + 40, out)
    # percent axis
    for p in range(0, 101, 25):
        x = left + bar_w * p / 100
        out.append(f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{top + plot_h - gap + 4:.1f}" '
                   f'stroke="{GRID_COLOR}" stroke-width="1"/>')
        out.append(_t(x, top + plot_h - gap + 18, f"{p}%", 11, "middle", fill=MUTED_COLOR))

    y = top
    for m in models:
        out.append(_t(left - 8, y + bar_h / 2 + 4, m["label"], 12, "end"))
        segs: list[tuple[str, float, str]] = []
        other = 0.0
        for o in sorted(m.get("op_types", []), key=lambda o: -float(o["share"])):
            s = max(0.0, float(o["share"]))
            if o["op_type"] in color:
                segs.append((o["op_type"], s, color[o["op_type"]]))
            else:
                other += s
        if other > 0:
            segs.append(("other", other, OTHER_COLOR))
        total = sum(s for _, s, _ in segs)
        if total > 1.0:  # timing jitter: never draw past 100%
            segs = [(n, s / total, c) for n, s, c in segs]
            total = 1.0
        segs.append(("outside kernels", 1.0 - total, OVERHEAD_COLOR))
        x = left
        for name, s, c in segs:
            w = bar_w * s
            if w <= 0:
                continue
            tip = f"{name}: {s * 100:.1f}%"
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h:.1f}" fill="{c}" '
                       f'stroke="#ffffff" stroke-width="0.8"><title>{escape(tip)}</title></rect>')
            dark = c not in (OVERHEAD_COLOR, OTHER_COLOR, "#edc948", "#a0cbe8", "#86bcb6", "#ff9da7", "#76b7b2")
            fill = "#ffffff" if dark else TEXT_COLOR
            full, short = f"{name} {s * 100:.0f}%", f"{s * 100:.0f}%"
            if text_width(full, 11) + 8 <= w:
                out.append(_t(x + w / 2, y + bar_h / 2 + 4, full, 11, "middle", fill=fill))
            elif text_width(short, 11) + 6 <= w:
                out.append(_t(x + w / 2, y + bar_h / 2 + 4, short, 11, "middle", fill=fill))
            x += w
        out.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" fill="none" '
                   f'stroke="#999999" stroke-width="0.8"/>')
        y += bar_h + gap

    for i, row in enumerate(legend_rows):
        ly = legend_top + 20 * i
        for name, c, lx in row:
            out.append(_rect(10 + lx, ly - 10, 12, 12, c, ' stroke="#999999" stroke-width="0.5"'))
            out.append(_t(10 + lx + 17, ly, name, 11.5))
    return _doc(width, height, out)


def write(path, svg: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(svg)


__all__ = ["comparison_chart", "op_breakdown_chart", "write", "fmt_ms"]
