"""Load on loopback: 50 uploads at once of a tiny model on one fast target; every job completes exactly once."""
from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from microforge.modelgen import fc_model
from svc import Service

N = 50
HANG_GUARD_S = 600   # only against a hang; how fast it goes is measured elsewhere, never asserted here


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("load"), MICROFORGE_RATE_LIMIT=f"{N}/60")
    try:
        yield svc.start(workers=1)
    finally:
        svc.stop()


def test_fifty_uploads_at_once_each_complete_once(service):
    model = fc_model(rng=7, in_shape=(1, 16), units=8)
    with ThreadPoolExecutor(N) as pool:
        subs = list(pool.map(lambda i: service.upload(model, f"tiny-{i}.tflite", targets="m4"), range(N)))
    assert [s for s, _ in subs] == [202] * N, [b for s, b in subs if s != 202][:3]
    ids = [b["id"] for _, b in subs]
    assert len(set(ids)) == N

    jobs = {}
    for job_id in ids:
        jobs[job_id] = service.wait_job(job_id, timeout=HANG_GUARD_S)
    assert all(j["status"] == "done" for j in jobs.values()), [j for j in jobs.values() if j["status"] != "done"][:2]
    cycles = {j["results"]["m4"]["cycles"] for j in jobs.values()}
    assert len(cycles) == 1 and cycles.pop() > 0
    assert {j["model"] for j in jobs.values()} == {f"tiny-{i}.tflite" for i in range(N)}

    # nothing lost or duplicated: the database and the queue agree
    db = sqlite3.connect(service.tmp / "data" / "results.db")
    assert db.execute("select count(*), sum(status = 'done'), max(attempts) from jobs").fetchone() == (N, N, 1)
    assert db.execute("select count(*) from job_targets where status = 'done' and result_id is not null").fetchone() == (N,)
    assert db.execute("select count(*) from results").fetchone() == (1,)        # measured once, cached after
    assert db.execute("select count(*) from models").fetchone() == (1,)
    queue = sqlite3.connect(service.tmp / "data" / "queue.db")
    assert queue.execute("select count(*) from task").fetchone() == (0,)
    claimed = service.log("worker-0.log").count(": claimed")
    assert claimed == db.execute("select count(*) from jobs where attempts = 1").fetchone()[0]
