"""Where the time of one learning-rate change goes: server script, websocket bytes, browser work.

    python bench/breakdown.py [--rev dcd8a6b | --here] [--lessons 1 3] [--reruns 12] [--parts server wire browser]
                              [--cuts] [--small]

Three instruments, each on the app at --rev (unpacked into a temporary folder) or on this working tree (--here):

server  The script thread of AppTest reruns, each with a learning rate never run before, sampled
        every ~0.5 ms from another thread (sys._current_frames); each sample is filed under the first
        category (in CATEGORIES' order) that any frame of its stack belongs to, so the parts add up
        to the sampled total: training, analysis, Plotly Figure construction/validation, the
        st.plotly_chart call (to_dict + JSON), dataframes, the program listing, other Streamlit
        elements, other (page code).
wire    A real `streamlit run` and Chromium: every websocket frame the browser receives during one
        rate change, decoded as Streamlit ForwardMsgs: bytes per element type, and how many of those
        bytes re-send an element identical to the one the previous run sent at the same place.
browser A Chromium trace (Playwright start_tracing, with the V8 sampling profiler) of one rate change:
        main-thread time of the renderer from Enter to the end of the redraw, split into JS by the
        script it runs in (the bundle chunk, named by the library found in it: plotly, katex, the
        data grid, the code highlighter, React and Streamlit's main bundle), style/layout, paint, GC.
cuts    (--cuts) Throwaway copies of the app in /tmp, each patched by a text substitution (the
        candidate cuts of issue 10), measured with AppTest (uncached server time) and in Chromium
        (Enter → loss line, uncached), alternating with the unpatched copy.

Results: printed, and written to artifacts/bench/breakdown.json. bench/BREAKDOWN.md has the numbers.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Filed in this order: the first category any frame of a sample's stack matches wins.
CATEGORIES = [
    ("training (core.lessons / core.insight)", ("core/lessons.py", "core/insight.py")),
    ("cache lookups (hashing settings)", ("streamlit/runtime/caching/",)),
    ("st.plotly_chart: to_dict + to_json + proto", ("streamlit/elements/plotly_chart.py",)),
    ("dataframes (st.dataframe / data_editor, Arrow)", ("streamlit/elements/arrow.py", "streamlit/dataframe_util.py",
                                                        "streamlit/elements/widgets/data_editor.py", "/pyarrow/")),
    ("analysis (core.analysis, core.landscape)", ("core/analysis.py", "core/landscape.py")),
    ("Plotly Figure construction + validation", ("/plotly/", "/_plotly_utils/")),
    ("figure code (ui/charts.py, own lines)", ("ui/charts.py",)),
    ("program listing (core.script)", ("core/script.py",)),
    ("pandas (epoch log table)", ("/pandas/",)),
    ("other Streamlit elements, widgets, protobuf", ("/streamlit/", "/google/protobuf/")),
]
OTHER = "page code and the rest"


# ---- server: sampled script thread --------------------------------------------------------------


def _category(frame) -> tuple[str, str]:
    """(category, detail): the detail is the outermost frame of that category (its file and function)."""
    frames = []
    while frame is not None:
        frames.append(frame.f_code)
        frame = frame.f_back
    for name, parts in CATEGORIES:
        hits = [c for c in frames if any(p in c.co_filename for p in parts)]
        if hits:
            # Streamlit's own frames start at its script runner: name the st.* call (elements/) instead.
            calls = [c for c in hits if "streamlit/elements/" in c.co_filename]
            top = calls[-1] if calls else hits[-1]
            return name, f"{'/'.join(Path(top.co_filename).parts[-2:])}:{top.co_name}"
    return OTHER, ""


def server_worker(lesson: int, reruns: int) -> None:
    """In the app's folder (cwd): sample the script thread of `reruns` uncached reruns of lesson n; print JSON."""
    root = Path.cwd()
    sys.path.insert(0, str(root))
    from streamlit.testing.v1 import AppTest

    page = sorted((root / "pages").glob(f"{lesson}_*.py"))[0].relative_to(root)
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(str(page))
    at.run()
    for warm in (0.005, 0.006):
        at.number_input(key=f"l{lesson}.lr").set_value(warm)
        at.run()
    samples: collections.Counter[str] = collections.Counter()
    details: collections.Counter[tuple[str, str]] = collections.Counter()
    me = threading.get_ident()
    main = threading.main_thread().ident
    sampling = threading.Event()

    def sample() -> None:
        last = time.perf_counter()
        while sampling.is_set():
            time.sleep(0.0005)
            now = time.perf_counter()
            for tid, frame in sys._current_frames().items():
                if tid in (me, main, threading.get_ident()):
                    continue
                t = threading._active.get(tid)
                if t is not None and "ScriptRunner" not in t.name and "scriptThread" not in t.name:
                    continue
                cat, detail = _category(frame)
                samples[cat] += now - last
                details[cat, detail] += now - last
            last = now

    walls = []
    for i in range(reruns):
        at.number_input(key=f"l{lesson}.lr").set_value(round(0.01 + (i + 1) * 1e-6, 9))
        sampling.set()
        sampler = threading.Thread(target=sample, name="sampler")
        sampler.start()
        t0 = time.perf_counter()
        at.run()
        walls.append(time.perf_counter() - t0)
        sampling.clear()
        sampler.join()
        if at.exception:
            raise SystemExit(f"lesson {lesson} raised {at.exception[0].value}")
    print(json.dumps({"wall_median_ms": statistics.median(walls) * 1000,
                      "per_rerun_ms": {k: v * 1000 / reruns for k, v in samples.most_common()},
                      "detail_ms": [[c, d, v * 1000 / reruns] for (c, d), v in details.most_common(40)],
                      "threads": sorted({t.name for t in threading.enumerate()})}))


def components_worker(lesson: int, repeats: int) -> None:
    """In the app's folder: the best of `repeats` timings of each piece of one uncached rerun, built outside
    Streamlit (the baseline's API: core.catalog, ui.charts, ui.lesson_page.log_table, core.script). The best
    of many resists the load of a shared machine far better than a median of whole reruns."""
    root = Path.cwd()
    sys.path.insert(0, str(root))
    import dataclasses

    import plotly.graph_objects as go
    import plotly.io
    import plotly.tools
    import pyarrow as pa

    from core import analysis
    from core.catalog import lesson as get_lesson
    from core.script import script
    from ui import charts
    from ui.lesson_page import log_table

    les = get_lesson(lesson)
    base = les.defaults()
    counter = iter(range(1, 10**6))

    def best(f) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times) * 1000

    def new_settings():
        return dataclasses.replace(base, lr=round(0.01 + next(counter) * 1e-6, 9))

    run = les.train(new_settings())
    s = run.settings
    figs = {"loss": charts.loss_chart(run), "fit": charts.fit_chart(run, len(run.history)),
            "landscape": charts.landscape_chart(run)}
    out = {
        "train (new settings)": best(lambda: les.train(new_settings())),
        "analysis: optimum + curvature + verdict + finite_epochs": best(lambda: (
            analysis.optimum(s.x, s.y, s.has_bias), analysis.curvature(s.x, s.has_bias), analysis.verdict(run),
            analysis.finite_epochs(run))),
        "program listing: core.script.script": best(lambda: script(s)),
        "epoch log: log_table + Arrow table": best(lambda: pa.Table.from_pandas(log_table(run))),
    }
    for name, fig in figs.items():
        spec = fig.to_dict()
        out[f"{name} chart: build go.Figure (ui.charts)"] = best(lambda name=name: {
            "loss": lambda: charts.loss_chart(run), "fit": lambda: charts.fit_chart(run, len(run.history)),
            "landscape": lambda: charts.landscape_chart(run)}[name]())
        out[f"{name} chart: go.Figure(spec) validated"] = best(lambda spec=spec: go.Figure(spec))
        out[f"{name} chart: go.Figure(spec, _validate=False)"] = best(
            lambda spec=spec: go.Figure(spec, _validate=False))
        # What st.plotly_chart does with its argument (Streamlit 1.67, elements/plotly_chart.py).
        out[f"{name} chart: st.plotly_chart marshalling of a go.Figure"] = best(lambda fig=fig: plotly.io.to_json(
            plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False))
        out[f"{name} chart: st.plotly_chart marshalling of a plain dict"] = best(lambda spec=spec: plotly.io.to_json(
            plotly.tools.return_figure_from_figure_or_data(spec, validate_figure=True), validate=False))
        out[f"{name} chart: JSON bytes"] = len(plotly.io.to_json(fig, validate=False))
    contour = next((t for t in figs["landscape"].data if t.type == "contour"), None)
    if contour is not None and contour.text is not None:
        z = contour.z
        out["landscape: per-point hover text, Python formatting"] = best(
            lambda: [[f"{v:.4g}" for v in row] for row in z])
        out["landscape: per-point hover text, JSON bytes"] = len(json.dumps([list(r) for r in contour.text]))
    print(json.dumps(out))


def components_part(root: Path, lessons: list[int], repeats: int) -> dict:
    out = {}
    for n in lessons:
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--components-worker", str(n),
                            "--reruns", str(repeats)], cwd=root, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(root)})
        if r.returncode:
            print(f"components, lesson {n}: failed (the app's API may have moved):\n{r.stderr[-1500:]}")
            continue
        out[n] = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"\ncomponents, lesson {n} (best of {repeats}, ms; bytes where said):")
        for k, v in out[n].items():
            print(f"  {v:>9.1f}  {k}" if "bytes" not in k else f"  {v:>9,}  {k}")
    return out


def server_part(root: Path, lessons: list[int], reruns: int) -> dict:
    out = {}
    for n in lessons:
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--server-worker", str(n),
                            "--reruns", str(reruns)], cwd=root, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(root)})
        if r.returncode:
            raise SystemExit(f"server worker for lesson {n} failed:\n{r.stderr[-3000:]}")
        out[n] = json.loads(r.stdout.strip().splitlines()[-1])
        got = out[n]
        print(f"\nserver, lesson {n}: median rerun {got['wall_median_ms']:.0f} ms (uncached, AppTest), "
              f"sampled {sum(got['per_rerun_ms'].values()):.0f} ms of script thread:")
        for k, v in got["per_rerun_ms"].items():
            print(f"  {v:7.1f} ms  {k}")
            for c, d, dv in got["detail_ms"]:
                if c == k and dv >= 2:
                    print(f"  {'':>10}{dv:6.1f} ms  {d}")
    return out


# ---- wire: websocket frames of one rate change ---------------------------------------------------


def wire_part(app, rate: str, previous: dict) -> dict:
    """Bytes the browser receives during one rate change, by element type; re-sent identical elements."""
    from tests.support.browser import element_kind, messages, recorded

    frames = recorded(app, lambda: app.measure_rate_change(rate))
    by_kind: dict[str, dict] = {}
    now: dict = {}
    total = 0
    for payload, msg in zip(frames, messages(frames), strict=True):
        data = payload if isinstance(payload, bytes) else payload.encode()
        kind, what = element_kind(msg)
        path = tuple(msg.metadata.delta_path)
        body = msg.delta.SerializeToString(deterministic=True) if msg.WhichOneof("type") == "delta" else b""
        now[path] = body
        row = by_kind.setdefault(kind + (f":{what}" if what else ""), {"count": 0, "bytes": 0, "unchanged_bytes": 0})
        row["count"] += 1
        row["bytes"] += len(data)
        total += len(data)
        if body and previous.get(path) == body:
            row["unchanged_bytes"] += len(data)
    previous.clear()
    previous.update(now)
    return {"total_bytes": total, "frames": len(frames), "by_kind": dict(sorted(by_kind.items(),
                                                                                key=lambda kv: -kv[1]["bytes"]))}


# ---- browser: Chromium trace of one rate change --------------------------------------------------

_LIBS = [("plotly", re.compile(rb"plotly\.js|Plotly\.newPlot|plotly_afterplot")),
         ("katex", re.compile(rb"KaTeX|katex-mathml")),
         ("data grid (glide)", re.compile(rb"gdg-|glide-data-grid|DataEditor")),
         ("code highlighting (prism)", re.compile(rb"Prism|prismjs|token\.punctuation|hljs")),
         ("arrow (apache-arrow)", re.compile(rb"RecordBatch|arrow")),
         ]


_BY_NAME = [
    ("React (react-dom, emotion styling)", re.compile(r"^(react-dom|emotion|useEmotion)")),
    ("markdown + KaTeX (StreamlitMarkdown, hast)", re.compile(r"^(StreamlitMarkdown|hast|katex|remark|rehype)")),
    ("data grid (glide) + Arrow", re.compile(r"^(DataFrame|glide|gdg|arrow|pandasStyler|numbro|NumberFormatter)")),
]


def _lib_of(url: str, cache: dict) -> str:
    if not url:
        return ""
    name = url.rsplit("/", 1)[-1].split("?")[0]
    for lib, rx in _BY_NAME:
        if rx.search(name):
            return lib
    if url not in cache:
        try:
            import urllib.request
            with urllib.request.urlopen(url, timeout=10) as r:
                body = r.read()
        except OSError:
            body = b""
        hits = [lib for lib, rx in _LIBS if rx.search(body)]
        if "index" in name or (len(body) > 2_000_000 and "plotly" not in hits):
            cache[url] = "React + Streamlit main bundle"
        else:
            cache[url] = hits[0] if hits else f"other chunk ({name})"
    return cache[url]


def _profile_self_times(events: list[dict], t0_us: float, t1_us: float, libs: dict) -> collections.Counter:
    """Self time (ms) per library from the V8 sampling profiler's ProfileChunk events in [t0, t1]."""
    nodes: dict[int, dict] = {}
    out: collections.Counter[str] = collections.Counter()
    chunks = sorted((e for e in events if e.get("name") in ("Profile", "ProfileChunk")), key=lambda e: e["ts"])
    t = None
    for e in chunks:
        data = e.get("args", {}).get("data", {})
        if e["name"] == "Profile":
            t = data.get("startTime")
            continue
        prof = data.get("cpuProfile", {})
        for node in prof.get("nodes", []):
            nodes[node["id"]] = node
        for sid, dt in zip(prof.get("samples", []), data.get("timeDeltas", []), strict=False):
            t = (t or e["ts"]) + dt
            if not (t0_us <= t <= t1_us):
                continue
            frame = nodes.get(sid, {}).get("callFrame", {})
            fn, _url = frame.get("functionName", ""), frame.get("url", "")
            if fn in ("(idle)",):
                continue
            if fn in ("(garbage collector)", "(program)"):
                out[fn] += dt / 1000
                continue
            # Walk up to the first frame with a URL (builtins and natives have none).
            node = nodes.get(sid)
            while node is not None and not node.get("callFrame", {}).get("url"):
                node = nodes.get(node.get("parent")) if node.get("parent") else None
            lib = _lib_of(node["callFrame"]["url"], libs) if node else "(native, no script)"
            out[lib] += dt / 1000
    return out


_TIMELINE = {"UpdateLayoutTree": "style recalculation", "Layout": "layout", "Paint": "paint",
             "PrePaint": "paint", "Layerize": "paint", "ParseHTML": "parse HTML", "HitTest": "hit test",
             "MinorGC": "GC", "MajorGC": "GC", "V8.GC_SCAVENGER": "GC"}


def browser_part(browser, app, rate: str, out_dir: Path, tag: str) -> dict:
    """Trace one rate change; main-thread time of the renderer by kind and by library."""
    categories = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute",
                  "disabled-by-default-v8.cpu_profiler", "blink.user_timing"]
    browser.start_tracing(page=app.page, categories=categories)
    app.page.evaluate("performance.mark('gdl-start')")
    m = app.measure_rate_change(rate)
    app.page.wait_for_timeout(400)
    raw = browser.stop_tracing()
    path = out_dir / f"trace-{tag}.json"
    path.write_bytes(raw)
    trace = json.loads(raw)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    # The renderer's main thread: the one with the most RunTask time among CrRendererMain threads.
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    mains = [k for k, v in names.items() if v == "CrRendererMain"]
    busy = collections.Counter()
    for e in events:
        if e.get("name") == "RunTask" and (e["pid"], e["tid"]) in mains:
            busy[(e["pid"], e["tid"])] += e.get("dur", 0)
    main = busy.most_common(1)[0][0]
    start = next(e["ts"] for e in events if e.get("name") == "gdl-start")
    window_us = (m["run_ms"] + 400) * 1000
    t0, t1 = start, start + max(window_us, (m["chart_ms"] + 400) * 1000)
    on_main = [e for e in events if (e["pid"], e["tid"]) == main and e.get("ph") == "X" and t0 <= e["ts"] <= t1]
    tasks = sum(e.get("dur", 0) for e in on_main if e["name"] == "RunTask") / 1000
    kinds: collections.Counter[str] = collections.Counter()
    for e in on_main:
        if e["name"] in _TIMELINE:
            kinds[_TIMELINE[e["name"]]] += e.get("dur", 0) / 1000
    js = _profile_self_times([e for e in events if e.get("pid") == main[0]], t0, t1, {})
    return {"marks_ms": m, "main_thread_busy_ms": tasks, "timeline_ms": dict(kinds.most_common()),
            "js_self_ms_by_library": dict(js.most_common()), "trace": str(path)}


# ---- cuts: patched copies ------------------------------------------------------------------------

_NO_VALIDATE = [
    ("ui/charts.py", "go.Scatter(", "go.Scatter(_validate=False, "),
    ("ui/charts.py", "go.Contour(", "go.Contour(_validate=False, "),
    ("ui/charts.py", "go.Figure(traces, ", "go.Figure(traces, _validate=False, "),
]
_NO_HOVER_TEXT = [
    ("ui/charts.py", "z=z, text=[[_g(v) for v in row] for row in surface],", "z=z,"),
    ("ui/charts.py", "<br>L = %{text}<extra></extra>", "<br>L = %{z:.4g}<extra></extra>"),
]
_NO_LOG = [("ui/lesson_page.py", '    st.dataframe(table, hide_index=True, height=300, width="stretch")\n', "")]
_NO_LISTING = [("ui/lesson_page.py", '        st.code(code, language="python", line_numbers=True, wrap_lines=True)\n',
                "        pass\n")]
_NO_EXPLAIN = [("ui/lesson_page.py", "    explain.point_ui(les, result)\n", "")]
_NO_FIT = [("ui/lesson_page.py",
            'st.plotly_chart(charts.fit_chart(run, epoch), key=k("fit_chart"), config=PLOTLY_CONFIG, theme=None)',
            "pass")]
_NO_LANDSCAPE = [("ui/lesson_page.py", 'st.plotly_chart(charts.landscape_chart(run), key=k("landscape_chart"), '
                  "config=PLOTLY_CONFIG, theme=None)", "pass")]
_NOT_RESPONSIVE = [("ui/lesson_page.py", '"responsive": True}', '"responsive": False}')]

# Each cut is a list of (file, old text, new text) applied to a copy of the app. "Upper bound" cuts remove a
# section outright: what making it lazy (an expander with on_change="rerun", computed only when open) can gain.
CUTS = {
    "contour without per-point hover text": _NO_HOVER_TEXT,
    "figures built without validation (_validate=False)": _NO_VALIDATE,
    "plotly config responsive=False": _NOT_RESPONSIVE,
    "no epoch log table (upper bound: lazy)": _NO_LOG,
    "no program listing (upper bound: lazy)": _NO_LISTING,
    "no explanations / look closer (upper bound: lazy)": _NO_EXPLAIN,
    "no fit chart (its marginal cost)": _NO_FIT,
    "no landscape chart (its marginal cost)": _NO_LANDSCAPE,
    "all but the charts' removal, combined": _NO_HOVER_TEXT + _NO_VALIDATE + _NO_LOG + _NO_LISTING + _NO_EXPLAIN,
}




def patched_copy(src: Path, dst: Path, subs: list[tuple[str, str, str]]) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("artifacts", "__pycache__", ".git"))
    for rel, old, new in subs:
        f = dst / rel
        text = f.read_text()
        if old not in text:
            raise SystemExit(f"cut: {old!r} not in {rel}")
        f.write_text(text.replace(old, new))
    return dst


def cuts_part(base: Path, lessons: list[int], reruns: int, browser_changes: int, small: bool) -> dict:
    """Each cut next to the unpatched copy: AppTest uncached server time, and Chromium Enter → loss line."""
    sys.path.insert(0, str(ROOT))
    rerun = _load_bench("rerun_latency")
    blat = _load_bench("browser_latency")
    from tests.support import fresh_rate, launch, sync_playwright
    from tests.support.browser import LOSS_LINE

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="gdl-cuts-") as tmp:
        copies = {"unpatched": base}
        for i, (name, subs) in enumerate(CUTS.items()):
            copies[name] = patched_copy(base, Path(tmp) / f"cut{i}", subs)
        sides = [rerun.Side(name, root) for name, root in copies.items()]
        try:
            res = rerun.measure(sides, lessons, reruns)
        finally:
            for s in sides:
                s.close()
        for n in lessons:
            for name in copies:
                out.setdefault(name, {})[f"server_l{n}_ms"] = statistics.median(res[n]["uncached"][name]["page"]) * 1000
        with sync_playwright() as pw:
            browser = launch(pw)
            bsides = [blat.Side(name, root, small) for name, root in copies.items()]
            servers = [s.server() for s in bsides]
            try:
                for srv in servers:
                    srv.wait_ready()
                for n in lessons:
                    apps = []
                    for side, srv in zip(bsides, servers, strict=True):
                        app = side.app(browser, srv.url)
                        app.goto(blat.LESSON_PATH[n], wait=False)  # a cut may draw fewer charts
                        app.wait_run(0)
                        app.wait_for(f"() => !!document.querySelector('{LOSS_LINE}')")
                        app.measure_rate_change("0.005")
                        app.measure_rate_change("0.006")
                        apps.append(app)
                    got: dict[str, list] = {s.name: [] for s in bsides}
                    for i in range(browser_changes):
                        for side, app in zip(bsides, apps, strict=True):
                            got[side.name].append(app.measure_rate_change(f"{fresh_rate(i + 1):.6f}"))
                    for app in apps:
                        app.close()
                    for name, rows in got.items():
                        out[name][f"chart_l{n}_ms"] = statistics.median(r["chart_ms"] for r in rows)
                        out[name][f"run_l{n}_ms"] = statistics.median(r["run_ms"] for r in rows)
            finally:
                for srv in servers:
                    srv.stop()
            browser.close()
    print("\ncuts (uncached; medians; each next to the unpatched copy, measured alternately in one run):")
    keys = [k for k in out["unpatched"]]
    print(f"{'':<54}" + "".join(f"{k:>16}" for k in keys))
    for name, row in out.items():
        print(f"{name:<54}" + "".join(f"{row[k]:>13.0f} ms" for k in keys))
    return out


def _load_bench(name: str):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="dcd8a6b", help="revision to break down (default: the baseline dcd8a6b)")
    parser.add_argument("--here", action="store_true", help="break down this working tree instead of --rev")
    parser.add_argument("--lessons", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--reruns", type=int, default=12, help="sampled uncached reruns per lesson")
    parser.add_argument("--parts", nargs="+", default=["server", "components", "wire", "browser"],
                        choices=["server", "components", "wire", "browser"])
    parser.add_argument("--cuts", action="store_true", help="also measure the candidate cuts on patched copies")
    parser.add_argument("--cut-changes", type=int, default=8, help="browser rate changes per cut and lesson")
    parser.add_argument("--small", action="store_true", help="browser CPU throttled 4×, server on core 0")
    parser.add_argument("--server-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--components-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.server_worker:
        server_worker(args.server_worker, args.reruns)
        return
    if args.components_worker:
        components_worker(args.components_worker, args.reruns)
        return

    sys.path.insert(0, str(ROOT))
    from tests.support import LESSON_PATH, Server, launch, new_app, sync_playwright
    from tests.support.browser import listen
    from tests.support.checkout import checkout
    from tests.support.paths import ARTIFACTS

    out_dir = ARTIFACTS / "bench" / "breakdown"
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"rev": "working tree" if args.here else args.rev}
    with contextlib.nullcontext(ROOT) if args.here else checkout(args.rev) as root:
        if "server" in args.parts:
            results["server"] = server_part(root, args.lessons, args.reruns)
        if "components" in args.parts:
            results["components"] = components_part(root, args.lessons, max(args.reruns, 20))
        if {"wire", "browser"} & set(args.parts):
            with sync_playwright() as pw:
                browser = launch(pw)
                srv = Server(root, log_dir=ARTIFACTS / "bench" / "servers", cpus="0" if args.small else None)
                try:
                    srv.wait_ready()
                    for n in args.lessons:
                        app = new_app(browser, srv.url)
                        if args.small:
                            app.throttle_cpu(4)
                        listen(app)
                        app.goto(LESSON_PATH[n])
                        for warm in ("0.005", "0.006"):
                            app.measure_rate_change(warm)
                        if "wire" in args.parts:
                            previous: dict = {}
                            wire_part(app, "0.0071", previous)  # fills `previous` with this page's elements
                            w = wire_part(app, f"{0.0072 + 0.0001 * n:.4f}", previous)
                            results.setdefault("wire", {})[n] = w
                            print(f"\nwire, lesson {n}: {w['total_bytes']:,} bytes in {w['frames']} frames for one "
                                  f"uncached rate change")
                            for kind, row in w["by_kind"].items():
                                print(f"  {row['bytes']:>9,} B  {row['count']:>3}×  {kind:<22} of which identical to "
                                      f"the previous run's: {row['unchanged_bytes']:,} B")
                        if "browser" in args.parts:
                            b = browser_part(browser, app, f"{0.0081 + 0.0001 * n:.4f}", out_dir, f"lesson{n}")
                            results.setdefault("browser", {})[n] = b
                            mk = b["marks_ms"]
                            print(f"\nbrowser, lesson {n}: Enter → rerun started {mk['start_ms']:.0f} ms, console "
                                  f"{mk['console_ms']:.0f} ms, loss line {mk['chart_ms']:.0f} ms, rerun finished "
                                  f"{mk['run_ms']:.0f} ms; renderer main thread busy {b['main_thread_busy_ms']:.0f} ms")
                            for k, v in b["timeline_ms"].items():
                                print(f"  {v:7.1f} ms  {k}")
                            print("  JS self time by script:")
                            for k, v in b["js_self_ms_by_library"].items():
                                print(f"  {v:7.1f} ms  {k}")
                        app.close()
                finally:
                    srv.stop()
                browser.close()
        if args.cuts:
            results["cuts"] = cuts_part(root, args.lessons, args.reruns, args.cut_changes, args.small)
    path = ARTIFACTS / "bench" / "breakdown.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nall numbers: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
