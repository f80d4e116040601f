"""Where `serve --workers N` keeps prometheus_client's per-process samples.

Apart from `gateway.metrics` because it must run before prometheus_client is
imported: the library picks its single- or multi-process value class once, at
import, from ``PROMETHEUS_MULTIPROC_DIR``. `serve` builds the app in its own
process and forks the workers from it, so the variable has to be set first.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(workers: int) -> Path | None:
    """Before `serve` starts `workers` > 1 processes: an empty samples directory, exported for them.

    Uses ``PROMETHEUS_MULTIPROC_DIR`` when the operator set it (its old sample
    files are removed: counters restart with the server, as in single-process
    mode), else a fresh temporary directory that `cleanup_multiprocess_dir` removes.
    Returns the directory to remove at exit, or None.
    """
    if workers <= 1:
        return None
    configured = multiprocess_dir()
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        return None
    path = Path(tempfile.mkdtemp(prefix="billing-gateway-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def cleanup_multiprocess_dir(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
