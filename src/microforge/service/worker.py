"""`microforge worker`: takes job ids from the queue and measures each target in a limited subprocess.

    MICROFORGE_DATA_DIR=/srv/mf microforge worker --threads 2

Per job: claim it under a lease (renewed by a heartbeat thread while it runs), then per target: the
result cache by (model sha256, target, microforge version), else `sandbox.py` in a new process session with
a wall-time limit here and rlimits (memory, CPU) plus the emulator's instruction limit there. A reaper
thread requeues (or fails) jobs whose worker died. Killing this process loses nothing: its sandboxes die
with it (PR_SET_PDEATHSIG) and its jobs come back after one lease.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .config import Settings
from .db import make_engine, migrate
from .jobs import FINISHED, Store
from .queue import Queue

log = logging.getLogger("microforge.worker")


class JobRunner:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.workroot = settings.data_dir / "work"
        self.workroot.mkdir(parents=True, exist_ok=True)
        old = time.time() - 2 * settings.job_timeout_s - 60      # left by workers killed mid-job
        for d in self.workroot.glob("job-*"):
            if d.stat().st_mtime < old:
                shutil.rmtree(d, ignore_errors=True)

    def run(self, job_id: str) -> None:
        s = self.settings
        owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident()}:{time.time():.3f}"
        if not self.store.claim(job_id, owner, s.lease_s):
            return                                    # finished, or another worker has it
        log.info("job %s: claimed", job_id)
        stop = threading.Event()

        def heartbeat():
            while not stop.wait(s.lease_s / 4):
                if not self.store.renew(job_id, owner, s.lease_s):
                    return
        hb = threading.Thread(target=heartbeat, daemon=True, name=f"heartbeat-{job_id}")
        hb.start()
        try:
            self._measure(job_id, owner)
            self.store.finish(job_id, owner)
            log.info("job %s: done", job_id)
        except Exception as e:  # a bug here must still end the job, with the reason
            log.exception("job %s failed", job_id)
            self.store.finish(job_id, owner, error=f"internal error in the worker: {type(e).__name__}: {e}")
        finally:
            stop.set()

    def _measure(self, job_id: str, owner: str) -> None:
        job, targets = self.store.job_row(job_id)
        sha = job["sha256"]
        with tempfile.TemporaryDirectory(prefix="job-", dir=self.workroot) as tmp:
            work = Path(tmp)
            (work / "model.tflite").write_bytes(self.store.model_data(sha))
            for t in targets:
                if t["status"] in FINISHED:
                    continue
                name = t["target"]
                rid = self.store.cache_get(sha, name)
                if rid is not None:
                    self.store.set_target(job_id, owner, name, "done", result_id=rid, cached=True)
                    continue
                self.store.set_target(job_id, owner, name, "compiling")
                on_line = lambda line, name=name: line == "stage running" and \
                    self.store.set_target(job_id, owner, name, "running")
                failure = self._sandbox(["bench", str(work), name], on_line)
                out = work / name
                result = json.loads((out / "result.json").read_text()) if (out / "result.json").is_file() else {}
                if "report" in result:
                    rid = self.store.cache_put(sha, name, result["report"], (out / "library.zip").read_bytes(),
                                               (out / "plan.svg").read_text())
                    self.store.set_target(job_id, owner, name, "done", result_id=rid)
                else:
                    self.store.set_target(job_id, owner, name, "failed", error=result.get("error") or failure)
            if self.store.tflm_arena(sha) is None:
                failure = self._sandbox(["tflm", str(work)], lambda line: None)
                f = work / "tflm.json"
                self.store.set_tflm_arena(sha, json.loads(f.read_text()) if f.is_file() else {"error": failure})

    def _sandbox(self, args: list[str], on_line) -> str | None:
        """Run sandbox.py; None when it exited by itself, else why it was stopped."""
        s = self.settings
        cmd = [sys.executable, "-m", "microforge.service.sandbox", *args, "--memory-mb", str(s.job_memory_mb),
               "--cpu-s", str(s.job_timeout_s), "--max-instructions", str(s.job_max_instructions),
               "--parent", str(os.getpid())]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                             text=True, start_new_session=True)

        def read():
            for line in p.stdout:
                on_line(line.strip())
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            p.wait(timeout=s.job_timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return f"the job took longer than the service's limit of {s.job_timeout_s:g} s"
        finally:
            reader.join(timeout=5)
        limits = f"the service allows {s.job_memory_mb} MiB of memory and {s.job_timeout_s:g} s per target"
        if p.returncode < 0:
            return f"the job process was stopped by {signal.Signals(-p.returncode).name} ({limits})"
        if p.returncode not in (0, 2, 3, 4):    # e.g. unicorn exits when it cannot map its translation buffer
            return f"the job process stopped with status {p.returncode}, likely out of memory ({limits})"
        return None


def start_reaper(settings: Settings, store: Store, queue: Queue) -> threading.Thread:
    """Every third of a lease: requeue or fail jobs whose worker died (runs in web and worker processes)."""
    def loop():
        while True:
            time.sleep(max(0.5, settings.lease_s / 3))
            try:
                for job_id in store.reap(settings.lease_s, settings.max_attempts, queue.pending() == 0):
                    log.warning("job %s: its worker stopped; queued again", job_id)
                    queue.enqueue(job_id)
            except Exception:  # a busy database must not stop the reaper for good
                log.exception("reaper")
    t = threading.Thread(target=loop, daemon=True, name="reaper")
    t.start()
    return t


def run_worker(settings: Settings, threads: int | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = Store(engine)
    queue = Queue(settings)
    Queue.set_handler(JobRunner(settings, store).run)
    start_reaper(settings, store, queue)
    consumer = queue.huey.create_consumer(workers=threads or settings.worker_threads, worker_type="thread",
                                          periodic=False, initial_delay=0.05, backoff=1.2, max_delay=0.5)
    log.info("worker %d: %d threads, queue %s", os.getpid(), threads or settings.worker_threads,
             "redis" if settings.redis_url else settings.data_dir / "queue.db")
    consumer.run()
    return 0
