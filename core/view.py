"""Everything a lesson page shows about one run, computed once: the run, the closed form, the verdict, the landscape.

The page builds one `View` per rerun (cached by the settings) and every section reads from it, so
no figure is computed twice and no drawing code does analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import analysis, landscape
from core.catalog import Lesson, lesson
from core.lessons import Progress, Run, train
from core.settings import Settings


@dataclass(frozen=True, eq=False)
class View:
    """One run and the facts about it that the page shows."""

    lesson: Lesson
    run: Run
    optimum: analysis.Optimum
    curvature: analysis.Curvature
    verdict: analysis.Verdict
    finite: int  # epochs before the loss or a parameter stopped being a finite number
    params_finite: int  # epochs before a parameter stopped being finite (at least `finite`)
    path: dict[str, np.ndarray]  # the parameters after each epoch while all is finite; row 0 is the start
    landscape: landscape.Landscape  # the loss over the region the path and the optimum cover

    @property
    def settings(self) -> Settings:
        return self.run.settings

    def params_after(self, epoch: int) -> dict[str, float]:
        """The parameters after the update of `epoch`; 0 is the start. `epoch` must be at most params_finite."""
        if epoch == 0:
            return dict(self.run.initial)
        return {p: float(self.run.history[p].iat[epoch - 1]) for p in self.lesson.params}

    @property
    def diverged(self) -> bool:
        """Whether the numbers overflowed before the last epoch."""
        return self.finite < len(self.run.history)

    @property
    def distance(self) -> float | None:
        """Distance from the final parameters to the optimum; None if not unique or not finite."""
        return None if self.diverged else analysis.distance(self.run.params, self.optimum)


def build(s: Settings, progress: Progress | None = None) -> View:
    """Run lesson `s.lesson` with settings `s` and compute what its page shows."""
    return of(train(s, progress))


def of(run: Run) -> View:
    """What a page shows about a run that has already been made."""
    s = run.settings
    les = lesson(s.lesson)
    bias = les.has_bias
    opt = analysis.optimum(s.x, s.y, bias)
    curv = analysis.curvature(s.x, bias)
    finite = analysis.finite_epochs(run)
    values = np.column_stack([run.history[p].to_numpy(dtype=float) for p in les.params])
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    # The parameters can stay finite after the loss (their square) overflowed: the fit can show them.
    params_finite = int(bad[0]) if len(bad) else len(values)
    path = {p: np.r_[run.initial[p], values[:finite, i]] for i, p in enumerate(les.params)}
    return View(les, run, opt, curv, analysis.verdict(run, opt, curv), finite, params_finite, path,
                landscape.around(s.x, s.y, path, opt.params))
