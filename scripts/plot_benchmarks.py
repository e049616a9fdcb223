"""Draw docs/benchmarks.png (and .svg) from the committed results in docs/bench/: wall time and Zoho calls of the
initial sync against N, ours and the naive per-record sync, on log-log axes. No plotting library: the SVG is
written here and rendered to PNG by Chromium through Playwright (a dev dependency).

    .venv/bin/python -m scripts.plot_benchmarks            # reads docs/bench/n*.json, writes docs/benchmarks.*
"""

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "docs" / "bench"
WIDTH, HEIGHT = 1000, 460
PANEL = {"w": 400, "h": 300, "top": 70, "lefts": (80, 580)}
COLOURS = {"ours": "#1a7f37", "naive": "#cf222e"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def load_points() -> dict:
    """{who: {metric: [(N, value, extrapolated)]}} from the initial runs of docs/bench/n<N>.json."""
    points = {who: {"wall_seconds": [], "zoho_calls": []} for who in COLOURS}
    for path in sorted(BENCH.glob("n*.json")):
        if not path.stem[1:].isdigit():
            continue  # only the 0 ms latency series (n<N>.json)
        report = json.loads(path.read_text())
        for who in COLOURS:
            run = report[who].get("initial")
            if not run:
                continue
            extra = run.get("extrapolated") or {}
            for metric in points[who]:
                points[who][metric].append((report["customers"], extra.get(metric, run[metric]), bool(extra)))
    for who in points:
        for metric in points[who]:
            points[who][metric].sort()
    return points


def decades(values) -> tuple[int, int]:
    positive = [v for v in values if v > 0]
    return math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))


def panel(left: int, title: str, unit: str, series: dict) -> list[str]:
    top, w, h = PANEL["top"], PANEL["w"], PANEL["h"]
    xs = [n for pts in series.values() for n, _, _ in pts]
    ys = [v for pts in series.values() for _, v, _ in pts]
    x0, x1 = decades(xs)
    y0, y1 = decades(ys)
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def sx(n):
        return left + (math.log10(n) - x0) / (x1 - x0) * w

    def sy(v):
        return top + h - (math.log10(max(v, 10 ** y0)) - y0) / (y1 - y0) * h

    out = [f'<text x="{left + w / 2}" y="{top - 28}" class="title">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{w}" height="{h}" class="frame"/>']
    for k in range(x0, x1 + 1):
        x = sx(10 ** k)
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + h}" class="grid"/>')
        out.append(f'<text x="{x}" y="{top + h + 18}" class="tick">{10 ** k:,}</text>')
    for k in range(y0, y1 + 1):
        y = sy(10 ** k)
        out.append(f'<line x1="{left}" y1="{y}" x2="{left + w}" y2="{y}" class="grid"/>')
        label = f"{10 ** k:,}" if k >= 0 else f"{10 ** k:g}"
        out.append(f'<text x="{left - 6}" y="{y + 4}" class="ytick">{label}</text>')
    out.append(f'<text x="{left + w / 2}" y="{top + h + 40}" class="axis">customers (N, log scale)</text>')
    out.append(f'<text x="{left - 60}" y="{top + h / 2}" class="axis" '
               f'transform="rotate(-90 {left - 60} {top + h / 2})">{unit}</text>')
    for who, pts in series.items():
        if not pts:
            continue
        path = " ".join(f"{'M' if i == 0 else 'L'}{sx(n):.1f},{sy(v):.1f}" for i, (n, v, _) in enumerate(pts))
        out.append(f'<path d="{path}" fill="none" stroke="{COLOURS[who]}" stroke-width="2.5"/>')
        for n, v, extrapolated in pts:
            fill = "white" if extrapolated else COLOURS[who]
            out.append(f'<circle cx="{sx(n):.1f}" cy="{sy(v):.1f}" r="5" fill="{fill}" stroke="{COLOURS[who]}" '
                       'stroke-width="2"/>')
            near_right = sx(n) > left + 0.8 * w
            anchor, dx = ("end", -9) if near_right else ("start", 7)
            out.append(f'<text x="{sx(n) + dx:.1f}" y="{sy(v) - 8:.1f}" class="value" fill="{COLOURS[who]}" '
                       f'text-anchor="{anchor}">{v:,.0f}{"*" if extrapolated else ""}</text>')
    return out


def svg(points: dict) -> str:
    body = []
    body += panel(PANEL["lefts"][0], "Wall time of the initial sync (0 ms latency)", "seconds",
                  {who: points[who]["wall_seconds"] for who in COLOURS})
    body += panel(PANEL["lefts"][1], "Zoho API calls of the initial sync", "calls",
                  {who: points[who]["zoho_calls"] for who in COLOURS})
    legend_y = HEIGHT - 14
    body.append(f'<circle cx="90" cy="{legend_y - 4}" r="5" fill="{COLOURS["ours"]}"/>'
                f'<text x="100" y="{legend_y}" class="legend">Zoho Store Sync (batched upsert)</text>')
    body.append(f'<circle cx="340" cy="{legend_y - 4}" r="5" fill="{COLOURS["naive"]}"/>'
                f'<text x="350" y="{legend_y}" class="legend">naive: search + create/update per customer</text>')
    body.append(f'<text x="660" y="{legend_y}" class="legend">* hollow: extrapolated from a measured slice</text>')
    style = """<style>
      text { font-family: DejaVu Sans, Arial, sans-serif; }
      .title { font-size: 16px; font-weight: bold; text-anchor: middle; }
      .tick { font-size: 11px; text-anchor: middle; fill: #444; }
      .ytick { font-size: 11px; text-anchor: end; fill: #444; }
      .axis { font-size: 12px; text-anchor: middle; fill: #222; } .value { font-size: 11px; font-weight: bold; }
      .legend { font-size: 12px; fill: #222; } .frame { fill: none; stroke: #888; } .grid { stroke: #e5e5e5; }
    </style>"""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}"><rect width="100%" height="100%" fill="white"/>{style}'
            + "".join(body) + "</svg>")


def render_png(svg_text: str, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_content(f"<html><body style='margin:0'>{svg_text}</body></html>")
        page.locator("svg").screenshot(path=str(target))
        browser.close()


def main() -> int:
    points = load_points()
    if not any(points[who]["wall_seconds"] for who in points):
        print("No docs/bench/n<N>.json results yet: run manage.py bench_sync --output first.", file=sys.stderr)
        return 1
    text = svg(points)
    (ROOT / "docs" / "benchmarks.svg").write_text(text)
    render_png(text, ROOT / "docs" / "benchmarks.png")
    print("wrote docs/benchmarks.svg and docs/benchmarks.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
