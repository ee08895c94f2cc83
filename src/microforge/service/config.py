"""Service settings, read once from MICROFORGE_* environment variables (the worker processes inherit them)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "microforge-service"


@dataclass(frozen=True)
class Settings:
    """Where state lives and the limits every job runs under.

    >>> s = Settings.from_env()    # MICROFORGE_DATA_DIR=/srv/mf MICROFORGE_REDIS_URL=redis://q:6379/0 ...
    """

    data_dir: Path
    database_url: str                   # SQLAlchemy URL: sqlite:///... (default) or postgresql+psycopg://...
    redis_url: str | None = None        # set: the queue lives in Redis and workers may run on other machines
    max_upload_bytes: int = 16 << 20
    job_timeout_s: float = 600.0        # wall time of one (model, target) subprocess
    job_memory_mb: int = 4096           # RLIMIT_AS of that subprocess (unicorn alone reserves ~1.4 GB)
    job_max_instructions: int = 2_000_000_000
    worker_threads: int = 2             # concurrent jobs per worker process
    lease_s: float = 30.0               # a running job whose worker stopped renewing for this long is retried
    max_attempts: int = 2               # then it is marked failed with the reason
    rate_limit: tuple[int, float] = (30, 60.0)   # uploads per client per window (seconds)

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        e = os.environ if env is None else env
        data_dir = Path(e.get("MICROFORGE_DATA_DIR") or _default_data_dir()).resolve()
        db = e.get("MICROFORGE_DATABASE_URL") or f"sqlite:///{data_dir / 'results.db'}"
        if db.startswith(("postgres://", "postgresql://")):      # psycopg 3 is the installed driver
            db = "postgresql+psycopg://" + db.split("://", 1)[1]
        n, _, per = e.get("MICROFORGE_RATE_LIMIT", "30/60").partition("/")
        return cls(
            data_dir=data_dir, database_url=db, redis_url=e.get("MICROFORGE_REDIS_URL") or None,
            max_upload_bytes=int(float(e.get("MICROFORGE_MAX_UPLOAD_MB", 16)) * (1 << 20)),
            job_timeout_s=float(e.get("MICROFORGE_JOB_TIMEOUT_S", 600)),
            job_memory_mb=int(e.get("MICROFORGE_JOB_MEMORY_MB", 4096)),
            job_max_instructions=int(e.get("MICROFORGE_JOB_MAX_INSTRUCTIONS", 2_000_000_000)),
            worker_threads=int(e.get("MICROFORGE_WORKER_THREADS", 2)),
            lease_s=float(e.get("MICROFORGE_LEASE_S", 30)),
            max_attempts=int(e.get("MICROFORGE_MAX_ATTEMPTS", 2)),
            rate_limit=(int(n), float(per or 60)),
        )
