"""Scale-out: the queue in a real Redis server and the results in a real PostgreSQL server (both started
here on loopback from Debian's packages), a web process and two separate worker processes."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from microforge.modelgen import fc_model
from svc import Service, free_port

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(not (REDIS and PG_BIN), reason="redis-server / postgresql not installed "
                                "(tools/setup.sh installs them: apt-get install redis-server postgresql)")
N = 8


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _wait(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    """(redis_url, database_url) of servers that live for this module."""
    import psycopg
    import redis

    tmp = tmp_path_factory.mktemp("scaleout")
    rport, pport = free_port(), free_port()
    rproc = subprocess.Popen([REDIS, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    pgdata = Path(tempfile.mkdtemp(prefix="mf-pg-"))     # not under pytest's 0700 tmp: the postgres user must reach it
    if os.geteuid() == 0:
        shutil.chown(pgdata, "postgres")
    bindir = PG_BIN[-1]
    try:
        _run(_as_postgres([str(bindir / "initdb"), "-D", str(pgdata / "db"), "-U", "mf", "--auth=trust", "-E", "UTF8"]))
        _run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(pgdata / "db"), "-l", str(pgdata / "log"), "-w", "start",
                           "-o", f"-p {pport} -k {pgdata} -c listen_addresses=127.0.0.1"]))
        r = redis.Redis(port=rport)
        _wait(lambda: _pings(r), "redis-server")
        with psycopg.connect(f"host=127.0.0.1 port={pport} user=mf dbname=postgres", autocommit=True) as c:
            c.execute("create database microforge")
        yield f"redis://127.0.0.1:{rport}/0", f"postgresql://mf@127.0.0.1:{pport}/microforge"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(pgdata / "db"), "-m", "fast", "stop"]),
                       capture_output=True)
        rproc.terminate()
        rproc.wait(timeout=30)
        shutil.rmtree(pgdata, ignore_errors=True)


def _run(args: list[str]) -> None:
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")


def _pings(r) -> bool:
    try:
        return bool(r.ping())
    except Exception:
        return False


def test_redis_queue_postgres_results_two_workers(backends, tmp_path):
    import psycopg
    import redis

    redis_url, db_url = backends
    svc = Service(tmp_path, MICROFORGE_REDIS_URL=redis_url, MICROFORGE_DATABASE_URL=db_url,
                  MICROFORGE_RATE_LIMIT=f"{N}/60", MICROFORGE_WORKER_THREADS=1)
    try:
        svc.start(workers=2)
        models = [fc_model(rng=40 + i, in_shape=(1, 8 + i), units=4) for i in range(N)]   # N different models
        subs = [svc.upload(m, f"m{i}.tflite", targets="m4") for i, m in enumerate(models)]
        assert [s for s, _ in subs] == [202] * N, subs[:2]
        jobs = [svc.wait_job(b["id"], timeout=600) for _, b in subs]      # a hang guard, not a timing assertion
        assert all(j["status"] == "done" for j in jobs), [j for j in jobs if j["status"] != "done"][:2]
        assert all(j["results"]["m4"]["cycles"] > 0 for j in jobs)
        logs = [svc.log(f"worker-{k}.log") for k in range(2)]
    finally:
        svc.stop()

    # the state lives in PostgreSQL (no SQLite file was made) and in Redis, not on this disk
    assert not (tmp_path / "data" / "results.db").exists() and not (tmp_path / "data" / "queue.db").exists()
    with psycopg.connect(db_url) as c:
        assert c.execute("select count(*), sum(case when status = 'done' then 1 else 0 end), max(attempts) "
                         "from jobs").fetchone() == (N, N, 1)
        assert c.execute("select count(*) from results").fetchone() == (N,)
    # every job claimed exactly once across the two workers, and the Redis queue drained
    assert sum(log.count(": claimed") for log in logs) == N, logs
    assert redis.Redis.from_url(redis_url).llen("huey.redis.microforge") == 0
