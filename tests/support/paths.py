"""Where things are, and the app's pages as the browser sees them (URL path, title, number of charts)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
FIXTURES = ROOT / "tests" / "fixtures"

# Every page by URL path: its sidebar label (which is also its title) and how many Plotly charts it draws.
PAGES = {
    "/": ("Gradient Descent Lab", 1),
    "/Autograd": ("1 · Autograd", 3),
    "/Loss_and_optimizer": ("2 · Loss & optimizer", 3),
    "/Model_loss_and_optimizer": ("3 · Model, loss & optimizer", 3),
    "/Model_as_a_class": ("4 · Model as a class", 3),
}
LESSON_PATH = {1: "/Autograd", 2: "/Loss_and_optimizer", 3: "/Model_loss_and_optimizer", 4: "/Model_as_a_class"}


def reference(n: int) -> str:
    """The document's program n's output after torch.manual_seed(0)."""
    return (FIXTURES / f"section{n}.manual_seed0.txt").read_text()
