"""`streamlit run app.py` on a free loopback port: start, wait until healthy, stop.

`root` is the app's folder (default: this repository), so a bench can start an older checkout's copy
side by side with today's. `cpus` pins the server to those cores with `taskset` (a small-machine
stand-in). The server's output goes to `log_dir` (default artifacts/e2e/), one file per port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.paths import ARTIFACTS, ROOT

START_TIMEOUT = 60  # s: Streamlit boots in ~1.5 s here; a loaded CI machine can be much slower


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` in `root` on a free loopback port, its output in log_dir/server-<port>.log."""

    def __init__(self, root: Path | str = ROOT, *, log_dir: Path | None = None, cpus: str | None = None,
                 app: str = "app.py") -> None:
        self.root = Path(root)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = log_dir or ARTIFACTS / "e2e"
        log_dir.mkdir(parents=True, exist_ok=True)
        for old in log_dir.glob("server-*.log"):  # logs of earlier runs: an hour is long enough to read them
            if old.stat().st_mtime < time.time() - 3600:
                old.unlink(missing_ok=True)
        self.log_path = log_dir / f"server-{self.port}.log"
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1"]
        if cpus is not None:
            taskset = shutil.which("taskset")
            if taskset is None:
                raise RuntimeError("pinning the server to cores needs taskset (apt-get install util-linux)")
            command = [taskset, "-c", cpus, *command]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(command, cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> Server:
        """Return once GET /_stcore/health answers "ok" (no page is requested)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return self
            except OSError:
                pass
            time.sleep(0.02)  # polling interval, not synchronisation
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's output (for a failure message)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Kill the server: a test server has nothing to save, and Streamlit's graceful shutdown takes ~2 s."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self.wait_ready()

    def __exit__(self, *exc) -> None:
        self.stop()
