"""`microforge serve`: the whole service on one machine (migrations, N worker processes, uvicorn).

    microforge serve --host 127.0.0.1 --port 8000 --workers 1

The workers are `microforge worker` child processes, restarted if they die. `--workers 0` serves the web
app alone, for when workers run on other machines (MICROFORGE_REDIS_URL + MICROFORGE_DATABASE_URL).
"""
from __future__ import annotations

import logging
import subprocess
import sys
import threading

from .config import Settings
from .db import make_engine, migrate

log = logging.getLogger("microforge.serve")


def _supervise(n: int, stop: threading.Event, procs: list[subprocess.Popen]) -> None:
    cmd = [sys.executable, "-m", "microforge", "worker"]
    procs.extend(subprocess.Popen(cmd) for _ in range(n))
    while not stop.wait(1.0):
        for i, p in enumerate(procs):
            if p.poll() is not None and not stop.is_set():
                log.warning("worker %d exited with %s; starting another", p.pid, p.returncode)
                procs[i] = subprocess.Popen(cmd)


def serve(host: str, port: int, workers: int, settings: Settings | None = None) -> int:
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)                     # before any worker starts, so they find the schema at head
    engine.dispose()
    stop, procs = threading.Event(), []
    sup = threading.Thread(target=_supervise, args=(workers, stop, procs), daemon=True)
    sup.start()
    log.info("data in %s; %d worker process(es); http://%s:%d/", settings.data_dir, workers, host, port)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    finally:
        stop.set()
        sup.join(timeout=3)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0
