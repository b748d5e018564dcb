"""core.analysis.verdict against an independent float64 reading of each run, and every number in its text.

The checker below is written from the math, not from core.analysis: numpy's least squares and eigh, the
run's own history, and a float64 iteration of the error. Each sentence family the verdict can produce is
matched by a regex whose numbers are recomputed here; whatever is left of the text after that may hold
no digit at all, so a new sentence with a number in it and no check fails the sweep.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest

from core.analysis import CONVERGED_TOL, F64_NOISE, KINDS, curvature, optimum, verdict
from core.catalog import lesson
from core.lessons import train

TOL = 1e-4
EDGE = 2 * 2.0**-22  # |η·λmax − 2| this small is "equal to 2 to float rounding"
NUM = r"[-−]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?"
# factor_text's forms: 0.736, −1.241, 1 − 9.6e-13, −(1 + 4.8e-06)
FAC = r"(?:−\(1 [−+] [\d.e+-]*\d\)|1 [−+] [\d.e+-]*\d|−?[\d.e+-]*\d)"


# ---------------------------------------------------------------- an independent reading of a run


class Facts:
    """Everything the checker needs, from numpy and the run's history only."""

    def __init__(self, run):
        s = run.settings
        self.run, self.s = run, s
        self.names = list(run.params)
        X = np.array(s.x, dtype=np.float64)
        A = np.stack([X, np.ones_like(X)], 1) if len(self.names) == 2 else X[:, None]
        self.ref = np.linalg.lstsq(A, np.array(s.y, dtype=np.float64), rcond=None)[0]
        self.H = 2 * A.T @ A / len(X)
        self.lam, self.V = np.linalg.eigh(self.H)
        self.lam = np.clip(self.lam, 0, None)
        self.lmax = self.lam[-1]
        h = run.history
        self.rows = h.drop(columns="epoch").to_numpy(dtype=np.float64)
        finite = np.isfinite(self.rows).all(axis=1)
        self.ok = int(np.argmin(finite)) if not finite.all() else len(h)
        self.theta = np.vstack([[run.initial[p] for p in self.names], h[self.names].to_numpy(np.float64)])
        self.tol = TOL * (1 + np.abs(self.ref))
        act = self.lam > self.lmax * 1e-12 if self.lmax > 0 else np.zeros(len(self.lam), bool)
        self.P = self.V[:, act] @ self.V[:, act].T
        self.active = act

    def err(self, k):
        return (self.theta[k] - self.ref) @ self.P

    def within(self, k):
        return bool(np.all(np.abs(self.err(k)) <= self.tol))

    def comp(self, k, i):
        """The error's component along eigenvector i (sign-insensitive use only)."""
        return float((self.theta[k] - self.ref) @ self.V[:, i])

    def kind(self) -> str:
        """Classify the run from first principles."""
        n = len(self.run.history)
        if self.ok < n or not math.isfinite(self.run.final_loss):
            return "overflowed"
        if self.within(n):
            return "converged"
        d = self.s.lr * self.lmax - 2
        if abs(d) <= EDGE:
            return "on the edge"
        th = self.theta
        # plain gradient descent's next state is a function of the current one: a revisited state repeats for ever
        repeats = any(np.array_equal(th[-1], th[j]) for j in range(len(th) - 1))
        if d > 0:
            return "diverging"
        return "stalled" if repeats else "converging"

    def converged_epoch(self):
        n = len(self.run.history)
        k = n
        while k >= 1 and self.within(k):
            k -= 1
        return k + 1 if k < n else None

    def steps_to_tolerance(self, limit=5_000):
        """Float64 iteration of e ← (I − ηH)e from the run's end: the step after the last one outside tolerance.

        M is symmetric with every |1 − ηλ| < 1, so ‖e‖ only shrinks: once ‖e‖ ≤ min(tol) it stays within.
        """
        M = np.eye(len(self.names)) - self.s.lr * self.H
        e = self.err(len(self.run.history))
        last_out = -1
        for k in range(limit):
            if not np.all(np.abs(e @ self.P) <= self.tol):
                last_out = k
            if np.linalg.norm(e @ self.P) <= self.tol.min():
                return last_out + 1
            e = M @ e
        return None


def _close(text: str, value: float, digits=None) -> bool:
    """The printed number `text` is `value` rounded as printed (or to the digits it shows)."""
    t = float(text.replace(",", "").replace("−", "-"))
    if not math.isfinite(value):
        return False
    if t == value:
        return True
    mant = re.sub(r"e.*", "", text.replace(",", "").lstrip("-−"))
    shown = len(re.sub(r"^0*\.?0*", "", mant.replace(".", "")).rstrip()) or 1
    if not value:
        return t == 0
    return abs(t - value) <= max(0.51 * 10 ** (math.floor(math.log10(abs(value))) - shown + 1),
                                 4 * math.ulp(value))  # at 16-17 digits a double's own spacing is the limit


def factor_value(text: str) -> float:
    """Read factor_text's forms back: '0.736', '−1.241', '1 − 9.6e-13', '−(1 + 4.8e-06)', '−1'."""
    t = text.strip()
    neg = t.startswith("−") or t.startswith("-")
    t = t.lstrip("−-").strip("()")
    m = re.fullmatch(r"1 ([−+]) (\S+)", t)
    v = (1 - float(m.group(2)) if m.group(1) == "−" else 1 + float(m.group(2))) if m else float(t)
    return -v if neg else v


def _factor_ok(text: str, value: float) -> bool:
    got = factor_value(text)
    if "(" in text or re.search(r"1 [−+] ", text):  # '1 − d' forms: d to two digits
        d_true, d_got = abs(1 - abs(value)), abs(1 - abs(got))
        # two digits of d, and d itself is only known to a few float64 roundings (analysis.F64_NOISE)
        return math.copysign(1, got) == math.copysign(1, value) and abs(d_got - d_true) <= 0.051 * d_true + F64_NOISE
    if text.strip().lstrip("−-") == "1":
        return abs(abs(value) - 1) < 5e-4 and math.copysign(1, got) == math.copysign(1, value)
    return _close(text.replace("−", "-"), value) or abs(got - value) <= F64_NOISE  # '0' for a factor of ±1e-16


# ---------------------------------------------------------------- the sentence checker


def check_reason(v, f: Facts) -> None:
    """Every number in v.reason recomputed; afterwards no digit may be left unexplained."""
    text = v.reason
    run, s = f.run, f.s
    n = len(run.history)
    spans = []

    def take(pattern, fn):
        for m in re.finditer(pattern, text):
            fn(m)
            spans.append(m.span())

    assert not re.search(r"epoch \d{4,}\b", text), "epoch numbers over 999 use a thousands separator"
    assert not re.search(r"\bnan\b", text.replace("is nan", "")), "no reasoning with nan"
    lr_crit, lr_over = 2 / f.lmax if f.lmax else math.inf, 1 / f.lmax if f.lmax else math.inf

    def rate(m):
        a, rel1, b, rel2, c = m.groups()
        fa = float(a)
        for rel, shown, true in ((rel1, b, lr_crit), (rel2, c, lr_over)):
            want = "above" if s.lr > true else "below" if s.lr < true else "equal to"
            # 2/λmax from numpy's eigh may differ from core's in the last bit: only a tie may disagree
            if abs(s.lr - true) > 1e-14 * true:
                assert rel == want, (rel, s.lr, true)
            fb = float(shown)
            assert (fa > fb) == (rel == "above") and (fa < fb) == (rel == "below"), (a, rel, shown)
            assert _close(shown, true) or abs(fb - true) <= 1e-14 * true  # two eigen-solvers, a few ulps apart
        assert _close(a, s.lr)

    take(rf"The rate ({NUM}) is (above|below|equal to) 2/λmax = ({NUM}) and (above|below|equal to) "
         rf"1/λmax = ({NUM})", rate)

    def one_d(m):
        fac, lam = m.groups()
        assert _close(lam, f.lmax)
        assert _factor_ok(fac, 1 - s.lr * f.lmax)

    take(rf"multiplies w's error by 1 − ηλ = ({FAC}) \(λ = ({NUM}), the loss's curvature\)", one_d)

    def two_d(m):
        for fac, which, lam, moves in re.findall(
                rf"({FAC}) along the (steep|flat) direction "
                rf"\((?:λmax|λmin) = ({NUM}), ((?:mostly|only) [wb]|w and b equally)\)", m.group(0)):
            i = -1 if which == "steep" else 0
            assert _close(lam, f.lam[i]), (lam, f.lam[i])
            assert _factor_ok(fac, 1 - s.lr * f.lam[i]), (fac, 1 - s.lr * f.lam[i])
            vec = np.abs(f.V[:, i])
            k = int(np.argmax(vec))
            assert moves.endswith(f.names[k]) or "equally" in moves
            assert moves.startswith("only") == (vec[k] ** 2 == 1.0)

    take(r"eigen-direction of the Hessian by 1 − ηλ: .*? and .*?\)\.", two_d)
    take(r"1 along the flat direction \(λ = 0: the line of optima, [^)]*\)", lambda m: None)

    def conv(m):
        assert v.kind == "converged" and int(m.group(1).replace(",", "")) == v.epoch == f.converged_epoch()

    take(r"From epoch ([\d,]+) on, every parameter is within the tolerance", conv)

    def tol_list(m):
        for p, t in re.findall(rf"([wb]) ± ({NUM})", m.group(0)):
            assert _close(t, f.tol[f.names.index(p)])

    take(rf"\(1e-4·\(1 \+ \|optimum\|\) per parameter(?:: (?:[wb] ± {NUM}(?:, )?)+)?\)", tol_list)

    def dist(m):
        d_now, d_start = float(m.group(1)), float(m.group(2))
        assert _close(m.group(1), float(np.linalg.norm(f.err(n)))) and _close(m.group(2), float(
            np.linalg.norm(f.err(0)))), (d_now, d_start)

    take(rf"The parameters are ({NUM}) from the (?:optimum|line of optima) \(they started ({NUM}) away\)", dist)

    def more(m):
        k = int(m.group(1).replace(",", ""))
        assert k == v.more_epochs and int(m.group(2).replace(",", "")) == n + k
        # (I − ηH)^j applied to the run's final error, in float64: within at k and after, not one step before
        # (0.1% slack past 200,000 steps, where core uses a tight bound instead of every step).
        M = np.eye(len(f.names)) - s.lr * f.H
        e = f.err(n)

        def inside(j):
            return bool(np.all(np.abs((np.linalg.matrix_power(M, j) @ e) @ f.P) <= f.tol))

        assert all(inside(k + j) for j in range(0, 30, 3)), k
        assert k == 0 or not inside(max(0, k - 1 - (k // 1000 if k > 200_000 else 0))), k

    take(r"about ([\d,]+) more epochs? (?:is|are) needed, converging at about epoch ([\d,]+)", more)

    def zig(m):
        which, k, steps = m.group(1), int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))
        i = -1 if which == "steep" else 0
        assert 1 - s.lr * f.lam[i] < 0 and k > 0
        c = np.array([f.comp(j, i) for j in range(n + 1)])
        noise = 16 * 2.0**-24 * (1 + np.abs(f.theta).max(axis=1))
        big = (np.abs(c[:-1]) > noise[:-1]) & (np.abs(c[1:]) > noise[1:])
        assert (k, steps) == (int(np.sum(big & (c[:-1] * c[1:] < 0))), int(big.sum()))

    take(r"Along the (steep|flat|only) direction the factor is negative, .*? it did in ([\d,]+) of the ([\d,]+) steps",
         zig)

    def edge(m):
        d = float(m.group(1))
        assert abs(s.lr * f.lmax - 2) <= EDGE and abs(d) <= EDGE
        a, b = float(m.group(2)), float(m.group(3))
        assert _close(m.group(2), abs(f.comp(0, -1))) and _close(m.group(3), abs(f.comp(n, -1))), (a, b)

    take(rf"η·λmax − 2 = ({NUM}), zero to float rounding.*?it measured ({NUM}) at the start and ({NUM}) at the end",
         edge)

    def alternates(m):
        p, a, b = m.groups()
        last = run.history[p].iloc[-2:].tolist()
        assert _close(a, min(last)) and _close(b, max(last))

    take(rf"([wb]) alternates between ({NUM}) and ({NUM}) at the end", alternates)

    def div(m):
        fac, size, a, b, epochs = m.groups()
        assert _factor_ok(fac, 1 - s.lr * f.lmax) and _factor_ok(size, abs(1 - s.lr * f.lmax))
        assert _close(a, abs(f.comp(0, -1))) and _close(b, abs(f.comp(n, -1)))
        assert int(epochs.replace(",", "")) == n

    take(rf"so 1 − ηλmax = ({FAC}): each step flips the error along the steep direction "
         rf"\([^)]*\) and multiplies its size by ({FAC})\. Along it the error went from ({NUM}) to "
         rf"({NUM}) in ([\d,]+) epochs", div)

    def grows(m):
        e = int(m.group(1).replace(",", ""))
        loss = [*run.history["loss"].tolist(), run.final_loss]
        assert e == v.epoch and all(b > a for a, b in zip(loss[e - 1:], loss[e:], strict=False))
        assert e == 1 or loss[e - 2] >= loss[e - 1]

    take(r"The loss grows at every epoch from epoch ([\d,]+) on", grows)

    def stall(m):
        e = int(m.group(1).replace(",", ""))
        th = f.theta
        assert e == v.epoch and np.array_equal(th[e], th[e - 1]) and all(
            np.array_equal(th[j], th[e]) for j in range(e, n + 1))
        assert e == 1 or not np.array_equal(th[e - 1], th[e - 2])

    take(r"From epoch ([\d,]+) on, float32 leaves every parameter unchanged", stall)

    def cycle(m):
        e, q = int(m.group(1).replace(",", "")), int(m.group(2))
        th = f.theta
        # q is the cycle's period: the last state is q states back, and at no smaller distance
        assert np.array_equal(th[-1], th[-1 - q]) and not any(np.array_equal(th[-1], th[-1 - r]) for r in range(1, q))
        assert e == v.epoch and all(np.array_equal(th[j], th[j - q]) for j in range(e + q, n + 1))
        assert e == 1 or not np.array_equal(th[e + q - 1], th[e - 1])
        assert not np.array_equal(th[-1], th[-2])
        assert m.group(3) == (f.names[0] if len(f.names) == 1 else f"({', '.join(f.names)})")
        for p in re.findall(r"([wb]) (?:never changed|last changed)", m.group(4) or ""):  # fixed in the cycle
            i = f.names.index(p)
            assert all(th[j, i] == th[e, i] for j in range(e, n + 1))

    take(r"From epoch ([\d,]+) on, float32 repeats the same (\d+) values of (w|\(w, b\)) over and over"
         r"( \([^)]*\))?", cycle)

    def moved(m):
        p, last = m.group(1), m.group(2)
        i = f.names.index(p)
        changed = np.nonzero(f.theta[1:, i] != f.theta[:-1, i])[0]
        if last is None:
            assert not len(changed)
        else:
            assert int(last.replace(",", "")) == changed[-1] + 1

    take(r"([wb]) (?:never changed|last changed in epoch ([\d,]+))", moved)

    def ups(m):
        last = run.history.iloc[-1]
        for p, u in re.findall(rf"([wb]): ({NUM})", m.group(1)):
            assert _close(u, abs(s.lr * float(last[f"grad_{p}"])))
        for g, p, val in re.findall(rf"({NUM}) at ([wb]) = ({NUM})", m.group(2)):
            x = float(last[p])
            assert _close(val, x) and _close(g, float(np.spacing(np.float32(abs(x)))))

    take(r"each update η·∂L/∂p \(([^)]*)\) is too small .*? float32 values is (.*?)\), so adding", ups)

    def off(m):
        for p, e, t in re.findall(rf"([wb]) is ({NUM}) from [wb]\*, tolerance ({NUM})", m.group(1)):
            i = f.names.index(p)
            assert _close(e, abs(f.err(n)[i])) and _close(t, f.tol[i]) and abs(f.err(n)[i]) > f.tol[i]

    take(r"The run stopped outside the tolerance \((.*?)\), and more", off)

    def overflow(m):
        e = int(m.group(1).replace(",", ""))
        assert e == v.epoch == f.ok + 1

    take(r"overflowed float32 at epoch ([\d,]+)", overflow)

    def still_finite(m):
        p, later = m.group(1), m.group(2)
        vals = run.history[p].to_numpy(np.float64)
        bad = np.nonzero(~np.isfinite(vals))[0]
        if later is None:
            assert not len(bad)
        else:
            assert int(later.replace(",", "")) == bad[0] + 1

    take(r"([wb]) is still finite there(?:, and through all [\d,]+ epochs| and becomes -?inf at epoch ([\d,]+)"
         r"| and becomes nan at epoch ([\d,]+))", lambda m: still_finite(m) if m.group(3) is None else None)
    take(r"The first ([\d,]+) epochs are finite", lambda m: int(m.group(1).replace(",", "")) == f.ok or (
        _ for _ in ()).throw(AssertionError(m.group(0))))
    take(rf"grows by ({FAC}) per step until float32", lambda m: _factor_ok(m.group(1), abs(1 - s.lr * f.lmax))
         or (_ for _ in ()).throw(AssertionError(m.group(0))))
    take(rf"it is ({NUM}) here, below the tolerance", lambda m: None)

    def final_overflow(m):
        assert int(m.group(1).replace(",", "")) == n == f.ok and not math.isfinite(run.final_loss)

    take(r"all ([\d,]+) epochs of the history are finite", final_overflow)

    # Whatever is left: no digits but the fixed phrases.
    left = list(text)
    for a, b in spans:
        left[a:b] = " " * (b - a)
    rest = "".join(left)
    for fixed in ("1 − ηλ", "2/λmax", "1/λmax", "float32", "Float32", "float64", "3.4e38", "(w, b)", "is inf",
                  "is -inf", "is nan", "1e-4·(1 + |optimum|)", "λmax", "λmin", "(λ = 0", "through all",
                  "2/(λmax+λmin)"):
        rest = rest.replace(fixed, "")
    assert not re.search(r"\d", rest), f"unchecked number in: {rest!r}\nfull: {text}"


def check_verdict(run) -> str:
    """The verdict's class against the independent one, its epoch, and every number in its sentences."""
    f = Facts(run)
    v = verdict(run)
    want = f.kind()
    assert v.kind in KINDS
    assert v.kind == want, (v.kind, want, run.settings, v.reason)
    assert v.headline and v.reason.strip()
    if v.epoch is not None:
        assert re.search(rf"\b{v.epoch:,}\b", v.headline + v.reason)
        assert 1 <= v.epoch <= len(run.history)
    if v.kind == "converged":
        assert v.epoch == f.converged_epoch()
    if v.kind == "stalled":
        assert v.more_epochs is None and "more epochs are needed" not in v.reason
    if v.kind == "converging":
        assert "zigzag" not in v.reason or any(d.factor < 0 and d.sign_changes > 0 for d in v.directions)
    # a tolerance the page can state, the same one both ways
    assert v.tolerance == pytest.approx({p: CONVERGED_TOL * (1 + abs(r)) for p, r in zip(f.names, f.ref,
                                                                                          strict=True)})
    check_reason(v, f)
    return v.kind


# ---------------------------------------------------------------- the cases of issue 11


def _run(n, **kw):
    return train(lesson(n).defaults().replace(**kw))


STALL_X, STALL_Y = (0.1, 0.2, 0.3, 0.4, 0.6, 0.8), (2.0, 4.0, 6.0, 8.0, 11.0, 16.0)


@pytest.mark.parametrize(("n", "lr", "epochs", "alternates"), [
    (1, 0.07575757575757576, 20, ("0.496256", "3.38253")),
    (2, 0.046153846153846156, 20, ("2.73303e-07", "3.90769")),
])
def test_case1_at_two_over_lambda_max_is_on_the_edge_not_shrinking(n, lr, epochs, alternates):
    run = _run(n, lr=lr, epochs=epochs)
    v = verdict(run)
    assert v.kind == "on the edge"
    assert "still shrinks" not in v.reason and "shrinks" not in v.reason.replace("neither shrinks", "")
    assert f"w alternates between {alternates[0]} and {alternates[1]}" in v.reason
    check_verdict(run)


def test_case1_lesson3_just_above_two_over_lambda_max_is_diverging_and_says_above():
    run = _run(3, lr=0.04461538461538461)
    v = verdict(run)
    assert v.kind == "diverging"
    assert "The rate 0.0446154 is above 2/λmax = 0.0446153" in v.reason
    assert "below the critical" not in v.reason
    check_verdict(run)


def test_case2_nothing_moves_is_never_still_falling():
    run = _run(2, lr=0.046153846153846156, epochs=5)
    v = verdict(run)
    assert v.kind == "on the edge" and "more epochs" not in v.reason and "still falling" not in v.reason


def test_case2_float32_stall_is_named_with_its_epoch_and_why():
    run = _run(3, x=STALL_X, y=STALL_Y, init_w=19.4, init_b=0.07, lr=0.015, epochs=5000)
    v = verdict(run)
    assert (v.kind, v.epoch) == ("stalled", 2338)
    assert "more epochs cannot help" in v.reason and "about 1,236" not in v.reason and "more epochs are" not in v.reason
    assert "rounds back to the same value" in v.reason
    assert v.headline == "Stalled at epoch 2,338"
    check_verdict(run)
    # 100,000 epochs end at the very same values: the stall is final.
    longer = train(run.settings.replace(epochs=2600))
    assert longer.params == run.params


def test_case2_a_run_that_will_stall_gets_no_estimate():
    run = _run(3, x=STALL_X, y=STALL_Y, init_w=19.4, init_b=0.07, lr=0.015, epochs=100)
    v = verdict(run)
    assert v.kind == "converging" and v.more_epochs is None and "will most likely stall" in v.reason
    later = train(run.settings.replace(epochs=2400))
    assert verdict(later).kind == "stalled"


def test_case2_b_never_leaves_its_start_at_x_1e6():
    run = _run(3, x=(1e6, -1e6, 5e5), y=(1.0, 2.0, 3.0), lr=5e-13, epochs=50)
    v = verdict(run)
    assert v.kind == "stalled" and "b never changed" in v.reason
    assert "9,986,578,877,068" not in v.reason and "more epochs are" not in v.reason
    assert "1 − 9.6e-13" in v.reason  # not "keeps 1"
    check_verdict(run)


def test_case3_float32_noise_is_not_oscillation():
    run = _run(3, x=(-1.0, 0.0, 1.0), y=(-2.0, 0.1, 2.2), lr=0.495, epochs=8, seed=0)
    v = verdict(run)
    assert v.kind == "converging"
    assert "jumps" not in v.reason and "zigzag" not in v.reason and "above 1/λmax = 0.5" not in v.reason
    check_verdict(run)


def test_case8_diverged_run_is_explained_as_divergence():
    run = _run(3, lr=0.05)
    v = verdict(run)
    assert v.kind in ("diverging", "overflowed")
    check_verdict(run)


@pytest.mark.parametrize(("n", "lr", "epochs", "finite"), [(1, 1.0, 200, 13), (1, 0.5, 20, 17)])
def test_overflow_is_named_overflow_with_the_first_non_finite_epoch(n, lr, epochs, finite):
    run = _run(n, lr=lr, epochs=epochs)
    v = verdict(run)
    assert (v.kind, v.epoch) == ("overflowed", finite + 1)
    assert f"The loss overflowed float32 at epoch {finite + 1}" in v.reason
    assert f"The first {finite} epochs are finite" in v.reason
    check_verdict(run)


def test_large_x_says_w_stays_finite_while_the_loss_overflowed():
    from core.data import presets
    big = presets(lesson(2))[3]
    run = _run(2, x=big.x, y=big.y)
    v = verdict(run)
    assert v.kind == "overflowed" and v.overflow[0] == "loss"
    assert "w is still finite there, and through all 20 epochs" in v.reason
    check_verdict(run)


def test_one_tolerance_the_estimate_agrees_with_the_converged_epoch():
    # Lesson 1 defaults: the old text said "about 12 more" while the run converges at epoch 28 (8 more).
    run = _run(1)
    v = verdict(run)
    assert v.kind == "converging"
    longer = train(run.settings.replace(epochs=run.settings.epochs + v.more_epochs + 5))
    assert verdict(longer).epoch == run.settings.epochs + v.more_epochs
    noisy = _run(3, x=(0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6),
                 y=(2.3, 2.6, 4.4, 4.6, 6.5, 6.8, 8.4, 8.6, 10.4, 10.8, 12.3, 13.2))
    vn = verdict(noisy)
    longer = train(noisy.settings.replace(epochs=100 + vn.more_epochs + 5))
    assert abs(verdict(longer).epoch - (100 + vn.more_epochs)) <= 1


def test_epoch_numbers_have_one_format():
    v = verdict(_run(3))
    assert "1,173" in v.reason and "1173" not in v.reason


def test_damped_zigzag_only_where_the_factor_is_negative_and_the_sign_changes():
    run = _run(3, lr=0.0423845, epochs=50, init_w=-3.0, init_b=0.0)
    v = verdict(run)
    assert "zigzag" in v.reason
    check_verdict(run)
    calm = _run(3, lr=0.01, epochs=50, init_w=-3.0, init_b=0.0)  # every factor positive
    assert "zigzag" not in verdict(calm).reason


def test_optimum_and_curvature_can_be_passed_in():
    run = _run(3)
    s = run.settings
    assert verdict(run, optimum(s.x, s.y, True), curvature(s.x, True)) == verdict(run)


# ---------------------------------------------------------------- the sweep


def _rates(x, bias):
    curv = curvature(x, bias)
    lmax = curv.eigenvalues[-1]
    out = []
    for r in (2 / lmax, 1 / lmax):
        r32 = np.float32(r)
        out += [r, float(np.nextafter(r, np.inf)), float(np.nextafter(r, -np.inf)),
                float(np.nextafter(r32, np.float32(np.inf))), float(np.nextafter(r32, np.float32(-np.inf)))]
    out += [f * 2 / lmax for f in (0.05, 0.3, 0.9, 0.99, 1.02, 1.3, 40.0)]
    return [r for r in out if 0 < r <= 10.0]


def _datasets(n):
    x, y = lesson(n).defaults().x, lesson(n).defaults().y
    m = float(np.mean(x))
    return {
        "document": (x, y),
        "centred": (tuple(v - m for v in x), y),
        "x10": (tuple(10 * v for v in x), tuple(10 * v for v in y)),
        "x0.1": (tuple(v / 10 for v in x), y),
        "exact": ((1.0, 2.0, 3.0, 5.0), (3.0, 5.0, 7.0, 11.0) if n >= 3 else (2.0, 4.0, 6.0, 10.0)),
        "two points": ((1.0, 3.0), (2.0, 5.0)),
        "stall": (STALL_X, STALL_Y),
        "huge x": ((1e6, -1e6, 5e5), (1.0, 2.0, 3.0)),
    }


def _starts(n, k):
    rng = np.random.default_rng(1000 * n + k)
    return [{}, {"init_w": float(rng.uniform(-5, 5)), "init_b": float(rng.uniform(-5, 5)) if n >= 3 else None},
            {"seed": int(rng.integers(0, 2**31))}]


def test_sweep_every_verdict_and_every_number():
    t0 = time.perf_counter()
    count, kinds = 0, {}
    for n in (1, 2, 3, 4):
        for k, (x, y) in enumerate(_datasets(n).values()):
            for lr in _rates(x, n >= 3):
                for start in _starts(n, k):
                    epochs = 10
                    s = lesson(n).defaults().replace(x=tuple(map(float, x)), y=tuple(map(float, y)), lr=lr,
                                                     epochs=epochs, **start)
                    run = train(s)
                    kind = check_verdict(run)
                    kinds[kind] = kinds.get(kind, 0) + 1
                    count += 1
    took = time.perf_counter() - t0
    assert count >= 1500, count
    assert set(kinds) >= {"converged", "converging", "on the edge", "diverging", "stalled", "overflowed"}, kinds
    # Budget: under 40 s on an unloaded machine (about 29 s measured on a loaded 2-core one). Not asserted:
    # wall time under someone else's load is no property of the code.
    print(f"sweep: {count} runs in {took:.1f} s: {kinds}")


def test_sweep_of_long_stall_runs():
    """Stall cases need many epochs to reach their fixed point: fewer runs, longer."""
    for n in (3, 4):
        for lr in (0.015, 0.03):
            for w0 in (19.4, 21.0):
                check_verdict(train(lesson(n).defaults().replace(x=STALL_X, y=STALL_Y, lr=lr, epochs=3000,
                                                                 init_w=w0, init_b=0.07)))
    check_verdict(_run(1, lr=1e-6, epochs=3000))
