"""The job queue: Huey on a SQLite file by default, on Redis when MICROFORGE_REDIS_URL is set.

Messages carry only a job id; the job itself lives in the database. The web app enqueues, `microforge worker`
processes consume (with Redis, on any number of machines).

    q = Queue(settings); q.enqueue(job_id); q.pending()
"""
from __future__ import annotations

from collections.abc import Callable

from .config import Settings

_handler: Callable[[str], None] | None = None    # set in worker processes: JobRunner.run


def _run_job(job_id: str) -> None:
    if _handler is None:
        raise RuntimeError("no job handler in this process (only `microforge worker` runs jobs)")
    _handler(job_id)


class Queue:
    def __init__(self, settings: Settings):
        if settings.redis_url:
            from huey import RedisHuey

            self.huey = RedisHuey("microforge", url=settings.redis_url, results=False)
        else:
            from huey import SqliteHuey

            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey("microforge", filename=str(settings.data_dir / "queue.db"),
                                   results=False, timeout=30)
        self._task = self.huey.task(retries=0, name="run_job")(_run_job)

    def enqueue(self, job_id: str) -> None:
        self._task(job_id)

    def pending(self) -> int:
        return self.huey.pending_count()

    @staticmethod
    def set_handler(fn: Callable[[str], None]) -> None:
        global _handler
        _handler = fn
