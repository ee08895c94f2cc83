"""Per-layer cycles as an SVG bar chart (pure function returning a string; every label escaped).

>>> layer_cycles_svg([{"index": 0, "model_ops": "0", "op": "CONV_2D", "cycles": 1200, "macs": 900}])
"""
from __future__ import annotations

from html import escape


def layer_cycles_svg(layers: list[dict], width: int = 760, bar_h: int = 16) -> str:
    """One horizontal bar per layer: 'OP (op N)' on the left (N: the model's operator index(es), `model_ops`, as
    ops.layer_name names layers; a result cached before that field existed: '#i OP', its place in the compiled order),
    bar length = cycles, value and share on the right."""
    from ..ops import ops_ref

    total = sum(l["cycles"] for l in layers) or 1
    top = max((l["cycles"] for l in layers), default=0) or 1
    label_w, value_w, pad = 170, 150, 4
    plot_w = width - label_w - value_w
    height = pad * 2 + len(layers) * (bar_h + pad) + 18
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" '
           f'aria-label="cycles per layer">']
    for i, l in enumerate(layers):
        y = pad + i * (bar_h + pad)
        w = max(1.0, plot_w * l["cycles"] / top)
        share = 100.0 * l["cycles"] / total
        op = (f'{escape(str(l["op"]))} ({escape(ops_ref(str(l["model_ops"])))})' if "model_ops" in l
              else f'#{l["index"]} {escape(str(l["op"]))}')
        out.append(f'<g><title>layer {l["index"]}, {op}: {l["cycles"]:,} cycles, {l.get("macs", 0):,} MACs</title>'
                   f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{op}</text>'
                   f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#4c78a8"/>'
                   f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h - 4}">{l["cycles"]:,} ({share:.1f}%)</text></g>')
    out.append(f'<text x="{label_w}" y="{height - 4}" fill="#555">cycles per layer (total {total:,})</text>')
    out.append("</svg>")
    return "\n".join(out)
