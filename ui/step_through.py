"""The step-through section: one epoch of the run, phase by phase — the code that runs, the numbers, the autograd graph.

Everything shown comes from `core.trace.trace` (the real run, read at epoch k) and is drawn here:
the program's lines for each phase highlighted, the phase's math with the run's own numbers, the
state the program holds, the graph of `Loss.grad_fn` as DOT for `st.graphviz_chart`, the chain rule
point by point and a gradient check. The section is an expander that computes nothing while closed;
inside it, a fragment reruns alone when the visitor steps (Previous / Next, a phase, an epoch).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.script import line_map, script
from core.trace import PHASES, TraceError, contributions, gradient_check, notable_epochs, trace
from core.view import View
from ui import controls

PHASE_LABELS = {"forward": "1 · forward", "loss": "2 · loss", "backward": "3 · backward", "update": "4 · update",
                "zero_grad": "5 · zero-grad"}
# Roles whose lines a phase calls into (a function it uses, the optimizer it steps): highlighted lightly.
RELATED = {"forward": ("model",), "loss": ("loss_fn",), "update": ("optimizer",), "zero_grad": ("optimizer",)}
SHOWN_TERMS = 6  # points written out term by term; more are summarised
# Colours chosen for a white page and a washed-out projector: dark text, pale fills, one strong accent.
INK, VALUE_FILL, GRAD_FILL, HEAD_FILL, ACCENT, MUTED = "#111111", "#e3efff", "#ffe3c8", "#f2f2f2", "#c0392b", "#777777"
CODE_MARK, CODE_BAR, RELATED_MARK = "#fff1a6", "#d99a00", "#eaf1ff"


# ---- numbers as text ----------------------------------------------------------------------------------


def num(v: float | None, digits: int = 6) -> str:
    """A number for the page: `digits` significant digits, None as "None"."""
    return "None" if v is None else f"{v:.{digits}g}"


def tex(v: float, digits: int = 6) -> str:
    """A number for LaTeX: 1.2e+16 becomes 1.2×10¹⁶, negatives are bracketed where they are multiplied."""
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def _paren(v: float, digits: int = 4) -> str:
    """A number to multiply by in LaTeX (4 digits: a term of a sum), bracketed if negative or in ×10ⁿ form."""
    text = tex(v, digits)
    return f"({text})" if v < 0 or "times" in text else text


def summary(values: list[float] | None) -> str:
    """All values up to 8, else how many and their range."""
    if values is None:
        return "not visible (made inside a library call)"
    if len(values) == 1:
        return num(values[0], 5)
    if len(values) <= 8:  # three to a line, so a node stays narrow enough for half a page
        items = [num(v, 4) for v in values]
        return "[" + ",\n".join(", ".join(items[i:i + 3]) for i in range(0, len(items), 3)) + "]"
    return f"{len(values):,} values, {num(min(values), 4)} … {num(max(values), 4)}"


# ---- the cached trace ------------------------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def cached_trace(settings, k: int) -> dict:
    """core.trace.trace, or {"error": message}: plain dicts, so the cache can pickle them."""
    try:
        return trace(settings, k)
    except TraceError as e:
        return {"error": str(e)}


# ---- the program with a phase's lines highlighted ---------------------------------------------------------


def code_html(s, phase: str) -> str:
    """The program's model, loss and loop lines (numbered as in the program panel), the phase's own lines marked."""
    rows = script(s).split("\n")
    roles = line_map(s)
    first = min(min(roles.get(r, [10**9])) for r in ("model", "loss_fn", "loop"))
    last = max(roles["log"])
    mine, related = set(roles[phase]), {n for r in RELATED.get(phase, ()) for n in roles.get(r, [])}
    out = []
    for n in range(first, last + 1):
        text = html.escape(rows[n - 1]) or " "
        if n in mine:
            style, mark = f"background:{CODE_MARK};border-left:5px solid {CODE_BAR};font-weight:600", "phase"
        elif n in related:
            style, mark = f"background:{RELATED_MARK};border-left:5px dotted #7a9cd6", "related"
        else:
            style, mark = "border-left:5px solid transparent", "none"
        out.append(f'<div data-mark="{mark}" style="{style};white-space:pre;padding:0 .5em 0 0">'
                   f'<span style="color:{MUTED};display:inline-block;width:3.2em;text-align:right;'
                   f'padding-right:.8em;user-select:none">{n}</span>{text}</div>')
    return (f'<div style="font-family:\'Source Code Pro\',ui-monospace,monospace;font-size:13.5px;line-height:1.4;'
            f'color:{INK};background:#fafafa;border:1px solid #ddd;border-radius:6px;padding:.5em 0;'
            f'overflow-x:auto">{"".join(out)}</div>')


# ---- the state and the math --------------------------------------------------------------------------------


def _state(tr: dict, phase: str) -> dict:
    return next(st for st in tr["states"] if st["phase"] == phase)


def _before(phase: str) -> str:
    return ("start", *PHASES)[PHASES.index(phase)]


def state_markdown(tr: dict, phase: str) -> str:
    """What the program holds before and after the phase, as a table; what the phase changed in bold."""
    before, after = _state(tr, _before(phase)), _state(tr, phase)
    rows = ["| | before this phase | after this phase |", "|---|---:|---:|"]
    for p in tr["params"]:
        for name, key in ((f"`{p}`", "params"), (f"`{p}.grad`", "grads")):
            a, b = before[key][p], after[key][p]
            changed = a != b or (a is None) != (b is None)
            shown = f"**{num(b, 8)}**" if changed else num(b, 8)
            rows.append(f"| {name} | {num(a, 8)} | {shown} |")
    i = PHASES.index(phase)
    loss_before = num(tr["loss"], 8) if i > 1 else "not yet computed"
    loss_after = (f"**{num(tr['loss'], 8)}**" if i == 1 else num(tr["loss"], 8)) if i >= 1 else "not yet computed"
    rows.append(f"| `Loss` | {loss_before} | {loss_after} |")
    return "\n".join(rows)


def _terms(items: list[str], n: int, per_line: int = 3) -> str:
    """The terms of a sum, a few to a line of an aligned block; the first few and "⋯ (n terms)" when there are more."""
    if n > SHOWN_TERMS:
        items = [*items[:SHOWN_TERMS - 1], rf"\cdots \text{{ ({n:,} terms)}}"]
    rows = [" + ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return r" \\ &\qquad + ".join(rows)


def _sum_lines(head: str, total: str, factor: int, n: int, terms: list[str], value: float, note: str = "",
               per_line: int = 3) -> str:
    """head = total = (factor/n)[terms...] = value, one step per line so it fits half a page."""
    return (rf"\begin{{aligned}}{head} &= {total} \\ &= \frac{{{factor}}}{{{n}}}\Big[\,"
            rf"{_terms(terms, n, per_line)}\,\Big] \\ &= {tex(value)}{note}\end{{aligned}}")


def math_latex(tr: dict, phase: str) -> list[str]:
    """The phase's equations with the run's own numbers (LaTeX, one string per block)."""
    x, y, yp, n = tr["x"], tr["y"], tr["y_pred"], len(tr["x"])
    p0, g, p1, lr = tr["params_before"], tr["grads"], tr["params_after"], tr["lr"]
    bias = "b" in tr["params"]
    r = [a - b for a, b in zip(yp, y, strict=True)]
    if phase == "forward":
        head = r"\hat y_i = w\,x_i + b" if bias else r"\hat y_i = w\,x_i"
        lines = []
        shown = range(n) if n <= SHOWN_TERMS else [*range(SHOWN_TERMS - 1), n - 1]
        for i in shown:
            if n > SHOWN_TERMS and i == n - 1:
                lines.append(rf"&\;\;\vdots \quad \text{{({n:,} points)}}")
            plus = rf" + {_paren(p0['b'], 6)}" if bias else ""
            lines.append(rf"\hat y_{{{i + 1}}} &= {tex(p0['w'])}\cdot{_paren(x[i], 6)}{plus} = {tex(yp[i])}")
        return [head, r"\begin{aligned}" + r"\\".join(lines) + r"\end{aligned}"]
    if phase == "loss":
        return [_sum_lines("L", r"\frac{1}{N}\sum_{i=1}^{N} (\hat y_i - y_i)^2", 1, n,
                           [rf"({tex(v, 4)})^2" for v in r], tr["loss"])]
    if phase == "backward":
        out = [_sum_lines(r"\frac{\partial L}{\partial w}", r"\frac{2}{N}\sum_i x_i\,(\hat y_i - y_i)", 2, n,
                          [rf"{_paren(xi)}\cdot{_paren(ri)}" for xi, ri in zip(x, r, strict=True)], g["w"],
                          r"\quad\text{(autograd's \texttt{w.grad})}", per_line=2)]
        if bias:
            out.append(_sum_lines(r"\frac{\partial L}{\partial b}", r"\frac{2}{N}\sum_i (\hat y_i - y_i)", 2, n,
                                  [_paren(v) for v in r], g["b"], r"\quad\text{(autograd's \texttt{b.grad})}"))
        return out
    if phase == "update":
        return [rf"\begin{{aligned}}{p} &\leftarrow {p} - \eta\,\frac{{\partial L}}{{\partial {p}}} \\ "
                rf"&= {tex(p0[p])} - {tex(lr)}\cdot{_paren(g[p], 6)} \\ &= {tex(p1[p])}\end{{aligned}}"
                for p in tr["params"]]
    zeroed = tr["zeroed"]
    return [rf"\texttt{{{p}.grad}} \leftarrow " + (r"\texttt{None}" if zeroed[p] is None else tex(zeroed[p]))
            for p in tr["params"]]


def phase_words(tr: dict, phase: str) -> str:
    """What the phase does, in a sentence or two (markdown)."""
    if phase == "forward":
        return ("The model computes ŷ for every point with the current parameters. As it goes, PyTorch "
                "records each operation as a node of the graph below (its `grad_fn`).")
    if phase == "loss":
        return ("The loss compares ŷ with y. `Loss.grad_fn` is the root of the graph: it is where "
                "`backward()` starts.")
    if phase == "backward":
        return ("`Loss.backward()` walks the graph from the loss to the leaves. Each node multiplies the gradient "
                "flowing into it by its own local derivative and passes it on (the chain rule); each leaf adds "
                "what arrives to its `.grad`. The orange numbers are the gradients autograd computed.")
    if phase == "update":
        return ("Each parameter moves against its gradient, scaled by the learning rate η. The gradients are "
                "used; the graph is not (backward() has already freed its saved values).")
    if all(v is None for v in tr["zeroed"].values()):
        return ("`optimizer.zero_grad()` sets each `.grad` to **None** (PyTorch 2.x's default, "
                "`set_to_none=True`): the next `backward()` creates a fresh gradient. Without clearing it, "
                "`backward()` would *add* the next epoch's gradient to this one.")
    return ("`w.grad.zero_()` fills the gradient with **zeros**: `w.grad` stays a tensor, holding 0. Without "
            "it, the next `backward()` would *add* the next epoch's gradient to this one.")


# ---- the autograd graph as DOT ----------------------------------------------------------------------------


def _cell(text: str, fill: str = "#ffffff", bold: bool = False, colspan: int = 1) -> str:
    body = "<BR/>".join(html.escape(line) for line in text.split("\n"))
    if bold:
        body = f"<B>{body}</B>"
    span = f' COLSPAN="{colspan}"' if colspan > 1 else ""
    return f'<TD BGCOLOR="{fill}"{span}>{body}</TD>'


def graph_dot(tr: dict, phase: str) -> str:
    """The autograd graph of the epoch's loss, leaves on top, the loss at the bottom; what the phase uses, marked."""
    i = PHASES.index(phase)
    nodes = tr["graph"]
    keep = set(range(len(nodes)))
    if phase == "forward":  # the graph so far: ŷ and what it was made from
        keep, todo = set(), [next(nd["id"] for nd in nodes if nd["y_pred"])]
        while todo:
            j = todo.pop()
            keep.add(j)
            todo += nodes[j]["next"]
    state = _state(tr, phase)
    lines = ["digraph G {", 'rankdir=TB; bgcolor="#ffffff"; pad=0.15; nodesep=0.3; ranksep=0.3;',
             f'node [shape=plaintext, fontname="Helvetica", fontsize=14, fontcolor="{INK}"];',
             'edge [color="#555555", penwidth=1.5, arrowsize=0.8];']
    for nd in nodes:
        if nd["id"] not in keep:
            continue
        if nd["op"] == "AccumulateGrad":  # a leaf, as micrograd draws it: name | data | grad
            p = nd["param"] or "?"
            grad = "grad —" if i < 2 else f"grad {num(state['grads'].get(p), 6)}"
            border = ACCENT if i >= 2 else "#444444"  # backward fills .grad, update reads it, zero-grad clears it
            rows = [_cell(f"{p}  (leaf)", HEAD_FILL, bold=True, colspan=2),
                    _cell(f"data {num(state['params'].get(p), 6)}", VALUE_FILL)
                    + _cell(grad, GRAD_FILL if i >= 2 else "#ffffff"),
                    _cell(f"AccumulateGrad → {p}.grad", "#ffffff", colspan=2)]
        else:
            role = "  (ŷ)" if nd["y_pred"] else ("  (L)" if nd["loss"] else "")
            rows = [_cell(f"{nd['op']}{role}", HEAD_FILL, bold=True), _cell(nd["label"]),
                    _cell("value " + summary(nd["value"]), VALUE_FILL)]
            if i >= 2:
                rows.append(_cell("grad in " + summary(nd["grad"]), GRAD_FILL))
            # Marked while the phase makes or walks it; after backward() its saved values are freed.
            border = ACCENT if i <= 2 else "#9a9a9a"
        table = "".join(f"<TR>{r}</TR>" for r in rows)
        lines.append(f'n{nd["id"]} [label=<<TABLE BORDER="2" COLOR="{border}" CELLBORDER="1" CELLSPACING="0" '
                     f'CELLPADDING="4">{table}</TABLE>>];')
    for nd in nodes:
        for child in nd["next"]:
            if nd["id"] in keep and child in keep:
                style = ' [dir=back, color="#d35400", penwidth=2.4]' if phase == "backward" else ""
                lines.append(f'n{child} -> n{nd["id"]}{style};')
    lines.append("}")
    return "\n".join(lines)


# ---- the chain rule point by point, and the gradient check ---------------------------------------------------


def chain_table(tr: dict) -> pd.DataFrame:
    """Each point's numbers and its share of each gradient."""
    c = contributions(tr)["rows"]
    table = {"i": list(range(1, len(c["x"]) + 1)), "x": c["x"], "y": c["y"], "ŷ": c["y_pred"], "ŷ − y": c["residual"],
             "∂L/∂ŷ (autograd)": c["dL_dy_pred"], "(2/N)·x·(ŷ − y) → ∂L/∂w": c["w"]}
    if "b" in c:
        table["(2/N)·(ŷ − y) → ∂L/∂b"] = c["b"]
    return pd.DataFrame(table)


def chain_figure(tr: dict) -> go.Figure:
    """A bar per point: its share of ∂L/∂w (and ∂L/∂b); a positive share pulls the parameter down."""
    c = contributions(tr)["rows"]
    index = list(range(1, len(c["x"]) + 1))
    colours = {"w": "#1f5fbf", "b": "#d35400"}
    bars = [go.Bar(x=index, y=c[p], name=f"share of ∂L/∂{p}", marker_color=colours[p], customdata=c["x"],
                   hovertemplate="point %{x} (x = %{customdata:.4g}): %{y:.6g}<extra></extra>")
            for p in tr["params"]]
    # One constructor call with the layout as a dict: add_hline/update_layout cost ~50 ms a step.
    return go.Figure(data=bars, layout={
        "barmode": "group", "height": 300, "margin": {"l": 70, "r": 10, "t": 40, "b": 50},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "font": {"size": 14, "color": INK},
        "legend": {"orientation": "h", "y": 1.12}, "xaxis": {"title": {"text": "point i"}},
        "yaxis": {"title": {"text": "share of the gradient"}, "gridcolor": "#e5e5e5", "zeroline": True,
                  "zerolinecolor": "#333333", "zerolinewidth": 1}})


def check_markdown(tr: dict) -> str:
    """autograd, the closed form and a central difference for each parameter, with their relative differences."""
    rows = ["| | autograd (`.grad`, float32) | formula (float64) | central difference (float64) | h "
            "| autograd vs formula | difference vs formula |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in gradient_check(tr):
        rows.append(f"| ∂L/∂{r['param']} | {num(r['autograd'], 9)} | {num(r['formula'], 12)} | "
                    f"{num(r['finite_difference'], 12)} | {num(r['h'], 4)} | {r['autograd_vs_formula']:.1e} | "
                    f"{r['fd_vs_formula']:.1e} |")
    return "\n".join(rows)


# ---- the section -----------------------------------------------------------------------------------------------


def shortcuts(view: View) -> dict[str, int]:
    """First epoch, where the loss first rises or the gradient first flips sign, and the last finite epoch."""
    h = view.run.history
    return notable_epochs(h["loss"].tolist(), {p: h[f"grad_{p}"].tolist() for p in view.lesson.params}, view.finite)


def step_through_section(view: View) -> None:
    """One epoch, phase by phase, stepped in a fragment (the page draws it only while its tab is open)."""
    st.subheader("Inside one step: the backward pass made visible")
    st.markdown("Pick an epoch and step through what one iteration of the loop does: the lines that run, the "
                "numbers they produce, and PyTorch's own autograd graph of that epoch's loss — all read off "
                "this run.")
    stepper(view)  # the page's tab computes this only when it is chosen


def _go(les, delta: int, epochs: int) -> None:
    """Previous / Next: the next phase, or across to the neighbouring epoch."""
    kp, ke = controls.key(les, "trace_phase"), controls.key(les, "trace_epoch")
    i = PHASES.index(st.session_state.get(kp) or PHASES[0]) + delta
    k = st.session_state.get(ke, 1)
    if i < 0 and isinstance(k, int) and k > 1:
        st.session_state[ke], i = k - 1, len(PHASES) - 1
    elif i >= len(PHASES) and isinstance(k, int) and k < epochs:
        st.session_state[ke], i = k + 1, 0
    st.session_state[kp] = PHASES[min(max(i, 0), len(PHASES) - 1)]


def _set_epoch(les, k: int) -> None:
    st.session_state[controls.key(les, "trace_epoch")] = k


def stepper_body(view: View) -> None:
    """The epoch picker, the phase stepper and everything that phase shows."""
    les, s = view.lesson, view.settings
    kp, ke = controls.key(les, "trace_phase"), controls.key(les, "trace_epoch")
    st.session_state.setdefault(kp, PHASES[0])
    st.session_state.setdefault(ke, 1)
    epochs = len(view.run.history)
    marks = shortcuts(view)
    pick, jumps = st.columns([1, 3], vertical_alignment="bottom")
    pick.number_input("Epoch", key=ke, step=1, help=f"1 to {epochs:,}: the iteration of the loop to look inside.")
    names = {"first": "First epoch", "rises": "Loss starts rising", "sign": "A gradient changes sign",
             "last": "Last epoch"}
    if marks.get("last") != epochs and "last" in marks:
        names["last"] = "Last finite epoch"
    with jumps:
        row = st.columns(len(marks))
        for col, (name, k) in zip(row, marks.items(), strict=True):
            col.button(f"{names[name]} ({k:,})", key=controls.key(les, f"trace_go_{name}"), on_click=_set_epoch,
                       args=(les, k), width="stretch")
    prev, phases, nxt = st.columns([1, 5, 1], vertical_alignment="bottom")
    prev.button("◀ Previous", key=controls.key(les, "trace_prev"), on_click=_go, args=(les, -1, epochs),
                width="stretch")
    # No default=: the value lives in session state (Previous / Next write it there).
    phase = phases.segmented_control("Phase", PHASES, format_func=PHASE_LABELS.get, key=kp, required=True,
                                     label_visibility="collapsed", width="stretch")
    nxt.button("Next ▶", key=controls.key(les, "trace_next"), on_click=_go, args=(les, 1, epochs), width="stretch")

    k = st.session_state[ke]
    tr = cached_trace(s, k) if isinstance(k, int) else {"error": f"the epoch must be a whole number, got {k!r}."}
    if "error" in tr:
        st.error(f"Cannot step through this epoch: {tr['error']}", icon=":material/error:")
        return
    show_phase(tr, phase or PHASES[0], s, les)


stepper = st.fragment(stepper_body)  # stepping reruns only this, never the page's run and charts


def show_phase(tr: dict, phase: str, s, les) -> None:
    """The code and the state (left), the phase's words, math and graph (right); then the chain rule and the check."""
    left, right = st.columns([5, 6], gap="medium")
    with left:
        st.markdown(f"**Epoch {tr['epoch']:,} of {tr['epochs']:,}, {PHASE_LABELS[phase]}:** the highlighted lines "
                    "run (numbered as in the program below)")
        st.html(code_html(s, phase))
        st.markdown("**What the program holds**")
        st.markdown(state_markdown(tr, phase))
    with right:
        st.markdown(f"**{PHASE_LABELS[phase]}.** {phase_words(tr, phase)}")
        for block in math_latex(tr, phase):
            st.latex(block)
        same = (" Lessons 3 and 4 make exactly this graph: the class adds no node, its `forward()` only calls the "
                "layer." if any(nd["op"] == "AddmmBackward0" for nd in tr["graph"]) else "")
        if phase == "forward":
            st.markdown("**The autograd graph so far**: ŷ and what it was made from (the loss is not computed "
                        "yet). Leaves on top; blue: the value each node computed." + same)
        else:
            st.markdown("**The autograd graph of this epoch's loss**, walked from `Loss.grad_fn`: leaves on top, "
                        "blue the value each node computed, orange the gradient flowing into it." + same)
        st.graphviz_chart(graph_dot(tr, phase), width="content")  # natural size: a chain must not grow
    if PHASES.index(phase) < 2:
        st.caption("The chain rule point by point and the gradient check appear from the backward phase on.")
        return
    c = contributions(tr)
    st.markdown("**The chain rule, point by point.** Each point's share of the gradient; a positive share pulls "
                "the parameter down at the update, a negative one pulls it up.")
    sums = "; ".join(f"Σ shares of ∂L/∂{p} = {num(c['sum'][p], 9)}, autograd's `{p}.grad` = "
                     f"{num(c['autograd'][p], 9)}, difference {c['difference'][p]:.2g} (float32 rounding)"
                     for p in tr["params"])
    left, right = st.columns([3, 2], gap="medium")
    left.dataframe(chain_table(tr), hide_index=True, height=240, width="stretch")
    right.plotly_chart(chain_figure(tr), config={"displaylogo": False}, theme=None,
                       key=controls.key(les, "trace_chain"))
    st.markdown(sums + ".")
    st.markdown("**Gradient check.** autograd's float32 gradient against the closed form and a central "
                "difference (L(p + h) − L(p − h)) / 2h, both in float64 at this epoch's starting parameters.")
    st.markdown(check_markdown(tr))
    st.caption("Relative differences: |a − b| / max(|a|, |b|). autograd works in float32 (about 7 digits); "
               "L is a quadratic, so the central difference has no truncation error, only float64 rounding.")
