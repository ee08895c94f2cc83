"""Job records and their state machine, all in the database so any web or worker process can act on them.

A job is queued -> running (claimed by one worker under a lease it keeps renewing) -> done | failed.
Each of its targets is queued -> compiling -> running -> done | failed. A worker that dies stops renewing;
`reap()` then puts the job back in the queue, or fails it with the reason after `max_attempts`. Every state
change is one conditional UPDATE, so a job is claimed and finished once even if its message is delivered twice.

    store = Store(make_engine(url))
    job_id, needs_queue = store.create_job(data, sha, "m.tflite", ["m4"], client="127.0.0.1")
    store.claim(job_id, owner, lease_s=30)
"""
from __future__ import annotations

import json
import secrets
import time

from sqlalchemy import Engine, and_, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from microforge import __version__
from microforge.targets import TARGETS

from .db import job_targets, jobs, models, results

VERSION = __version__
TARGET_NAMES = [name for name, t in TARGETS.items() if not t.is_host]
FINISHED = ("done", "failed")


def new_job_id() -> str:
    return secrets.token_urlsafe(16)          # 128 random bits: unguessable, URL-safe, 22 characters


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    # --- submission -------------------------------------------------------------------------------------
    def has_model(self, sha: str) -> bool:
        with self.engine.connect() as c:
            return c.execute(select(models.c.sha256).where(models.c.sha256 == sha)).first() is not None

    def create_job(self, data: bytes, sha: str, filename: str, targets: list[str], client: str) -> tuple[str, bool]:
        """Store the (validated) model and a job for `targets`; targets already in the cache are done at once.
        Returns (job id, whether it needs a worker)."""
        now = time.time()
        job_id = new_job_id()
        with self.engine.begin() as c:
            if c.execute(select(models.c.sha256).where(models.c.sha256 == sha)).first() is None:
                c.execute(insert(models).values(sha256=sha, data=data, size=len(data), created=now))
            cached = dict(c.execute(select(results.c.target, results.c.id).where(
                results.c.sha256 == sha, results.c.version == VERSION, results.c.target.in_(targets))).all())
            arena_known = c.execute(select(models.c.tflm_arena).where(models.c.sha256 == sha)).scalar() is not None
            pending = not arena_known or any(t not in cached for t in targets)
            c.execute(insert(jobs).values(id=job_id, sha256=sha, filename=filename, status="queued" if pending else "done",
                                          attempts=0, client=client, created=now, updated=now,
                                          finished=None if pending else now))
            c.execute(insert(job_targets), [dict(job_id=job_id, target=t, position=i,
                                                  status="done" if t in cached else "queued",
                                                  result_id=cached.get(t), cached=int(t in cached))
                                             for i, t in enumerate(targets)])
        return job_id, pending

    # --- a worker's side ---------------------------------------------------------------------------------
    def claim(self, job_id: str, owner: str, lease_s: float) -> bool:
        now = time.time()
        with self.engine.begin() as c:
            r = c.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "queued").values(
                status="running", lease_owner=owner, lease_until=now + lease_s, attempts=jobs.c.attempts + 1,
                updated=now))
            return r.rowcount == 1

    def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        with self.engine.begin() as c:
            r = c.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.lease_owner == owner,
                                             jobs.c.status == "running").values(lease_until=time.time() + lease_s))
            return r.rowcount == 1

    def _owned(self, job_id: str, owner: str):
        return exists().where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == "running")

    def job_row(self, job_id: str):
        with self.engine.connect() as c:
            job = c.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
            targets = c.execute(select(job_targets).where(job_targets.c.job_id == job_id)
                                .order_by(job_targets.c.position)).mappings().all()
            return job, targets

    def model_data(self, sha: str) -> bytes:
        with self.engine.connect() as c:
            return c.execute(select(models.c.data).where(models.c.sha256 == sha)).scalar_one()

    def set_target(self, job_id: str, owner: str, target: str, status: str, *, error: str | None = None,
                   result_id: int | None = None, cached: bool = False) -> bool:
        with self.engine.begin() as c:
            r = c.execute(update(job_targets).where(job_targets.c.job_id == job_id, job_targets.c.target == target,
                                                    self._owned(job_id, owner))
                          .values(status=status, error=error, result_id=result_id, cached=int(cached)))
            return r.rowcount == 1

    def cache_get(self, sha: str, target: str) -> int | None:
        with self.engine.connect() as c:
            return c.execute(select(results.c.id).where(results.c.sha256 == sha, results.c.target == target,
                                                        results.c.version == VERSION)).scalar()

    def cache_put(self, sha: str, target: str, report: dict, library_zip: bytes, plan_svg: str) -> int:
        try:
            with self.engine.begin() as c:
                return c.execute(insert(results).values(sha256=sha, target=target, version=VERSION,
                                                        report=json.dumps(report), library_zip=library_zip,
                                                        plan_svg=plan_svg, created=time.time())).inserted_primary_key[0]
        except IntegrityError:          # another worker measured the same (model, target, version) first
            return self.cache_get(sha, target)

    def tflm_arena(self, sha: str) -> dict | None:
        with self.engine.connect() as c:
            raw = c.execute(select(models.c.tflm_arena).where(models.c.sha256 == sha)).scalar()
            return json.loads(raw) if raw else None

    def set_tflm_arena(self, sha: str, arena: dict) -> None:
        with self.engine.begin() as c:
            c.execute(update(models).where(models.c.sha256 == sha).values(tflm_arena=json.dumps(arena)))

    def finish(self, job_id: str, owner: str, *, error: str | None = None) -> bool:
        """done (or failed with `error`); the targets not finished fail with the same reason."""
        now = time.time()
        with self.engine.begin() as c:
            r = c.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.lease_owner == owner,
                                             jobs.c.status == "running")
                          .values(status="failed" if error else "done", error=error, finished=now, updated=now,
                                  lease_owner=None, lease_until=None))
            if r.rowcount == 1 and error:
                self._fail_targets(c, job_id, error)
            return r.rowcount == 1

    @staticmethod
    def _fail_targets(c, job_id: str, reason: str) -> None:
        c.execute(update(job_targets).where(job_targets.c.job_id == job_id, job_targets.c.status.not_in(FINISHED))
                  .values(status="failed", error=reason))

    # --- recovery ----------------------------------------------------------------------------------------
    def reap(self, lease_s: float, max_attempts: int, queue_empty: bool) -> list[str]:
        """Jobs whose worker stopped renewing: back to the queue, or failed after max_attempts. With an empty
        queue, jobs queued for longer than a lease lost their message (a worker died between taking it and
        claiming the job): they are queued again. Returns the ids to enqueue."""
        now = time.time()
        again = []
        with self.engine.begin() as c:
            stale = c.execute(select(jobs.c.id, jobs.c.attempts).where(jobs.c.status == "running",
                                                                       jobs.c.lease_until < now)).all()
            for job_id, attempts in stale:
                cond = and_(jobs.c.id == job_id, jobs.c.status == "running", jobs.c.lease_until < now)
                if attempts >= max_attempts:
                    reason = (f"the worker running this job stopped before finishing it, {attempts} times "
                              "(killed, or the machine went down); giving up")
                    if c.execute(update(jobs).where(cond).values(status="failed", error=reason, finished=now,
                                                                 updated=now, lease_owner=None)).rowcount:
                        self._fail_targets(c, job_id, reason)
                elif c.execute(update(jobs).where(cond).values(status="queued", lease_owner=None, updated=now)).rowcount:
                    c.execute(update(job_targets).where(job_targets.c.job_id == job_id,
                                                        job_targets.c.status.in_(("compiling", "running")))
                              .values(status="queued"))
                    again.append(job_id)
            if queue_empty:
                lost = c.execute(select(jobs.c.id).where(jobs.c.status == "queued", jobs.c.updated < now - lease_s)).scalars().all()
                if lost:
                    c.execute(update(jobs).where(jobs.c.id.in_(lost), jobs.c.status == "queued").values(updated=now))
                    again += lost
        return again

    # --- reading -----------------------------------------------------------------------------------------
    def view(self, job_id: str) -> dict | None:
        """The API's answer: status per target and, per finished target, the `microforge bench --json` report."""
        with self.engine.connect() as c:
            job = c.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
            if job is None:
                return None
            model = c.execute(select(models.c.size, models.c.tflm_arena).where(models.c.sha256 == job["sha256"])).first()
            rows = c.execute(select(job_targets, results.c.report).select_from(
                job_targets.outerjoin(results, job_targets.c.result_id == results.c.id))
                .where(job_targets.c.job_id == job_id).order_by(job_targets.c.position)).mappings().all()
        arena = json.loads(model.tflm_arena) if model.tflm_arena else None
        tflm_total = arena.get("total") if arena else None
        targets, reports = [], {}
        for r in rows:
            report = json.loads(r["report"]) if r["report"] and r["status"] == "done" else None
            if report is not None:
                report["model"] = job["filename"]
                reports[r["target"]] = report
            targets.append({
                "target": r["target"], "status": r["status"], "error": r["error"], "cached": bool(r["cached"]),
                "tflm_arena_bytes": tflm_total,
                "ram_vs_tflm": round(report["ram_bytes"]["total"] / tflm_total, 3) if report and tflm_total else None,
                "library_url": f"/jobs/{job_id}/{r['target']}/library.zip" if report else None,
                "plan_url": f"/jobs/{job_id}/{r['target']}/plan.svg" if report else None,
            })
        return {"id": job_id, "status": job["status"], "error": job["error"], "model": job["filename"],
                "sha256": job["sha256"], "bytes": model.size, "microforge_version": VERSION,
                "attempts": job["attempts"], "created": job["created"], "finished": job["finished"],
                "tflm_arena": arena, "targets": targets, "results": reports}

    def artifact(self, job_id: str, target: str, column: str):
        col = {"zip": results.c.library_zip, "svg": results.c.plan_svg}[column]
        with self.engine.connect() as c:
            return c.execute(select(col, jobs.c.sha256).select_from(
                job_targets.join(results, job_targets.c.result_id == results.c.id).join(jobs, jobs.c.id == job_targets.c.job_id))
                .where(job_targets.c.job_id == job_id, job_targets.c.target == target,
                       job_targets.c.status == "done")).first()

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            return dict(c.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all())
