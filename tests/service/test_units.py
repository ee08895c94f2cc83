"""The service's pure parts and its job state machine on a private SQLite file (no server)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from microforge.service.charts import layer_cycles_svg
from microforge.service.config import Settings
from microforge.service.db import make_engine, migrate
from microforge.service.jobs import Store
from microforge.service.ratelimit import RateLimiter


def test_rate_limiter_refills_per_client():
    now = [0.0]
    rl = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert [rl.allow("a")[0] for _ in range(3)] == [True, True, False]
    assert rl.allow("b")[0] is True                     # per client
    ok, wait = rl.allow("a")
    assert not ok and wait == pytest.approx(5.0)
    now[0] = 5.0
    assert rl.allow("a")[0] is True


def test_settings_from_env_postgres_and_redis():
    s = Settings.from_env({"MICROFORGE_DATA_DIR": "/srv/mf", "MICROFORGE_DATABASE_URL": "postgresql://u@db/mf",
                           "MICROFORGE_REDIS_URL": "redis://q:6379/0", "MICROFORGE_RATE_LIMIT": "5/30"})
    assert s.database_url == "postgresql+psycopg://u@db/mf" and s.redis_url == "redis://q:6379/0"
    assert s.rate_limit == (5, 30.0) and s.max_upload_bytes == 16 << 20
    assert Settings.from_env({"MICROFORGE_DATA_DIR": "/srv/mf"}).database_url == "sqlite:////srv/mf/results.db"


def test_chart_escapes_labels_and_scales_bars():
    svg = layer_cycles_svg([{"index": 0, "model_ops": "4,5,7", "op": "<script>", "cycles": 300, "macs": 1},
                            {"index": 1, "model_ops": "<b>", "op": "ADD", "cycles": 100, "macs": 1}])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg
    assert svg.count("<rect") == 2 and "(75.0%)" in svg and "(25.0%)" in svg
    assert ">&lt;script&gt; (ops 4,5,7)</text>" in svg and "layer 1, ADD (ops &lt;b&gt;):" in svg
    # a result cached before layers carried the model's operator indices: labelled by the layer's own place
    assert ">#3 ADD</text>" in layer_cycles_svg([{"index": 3, "op": "ADD", "cycles": 1}])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    migrate(engine)                                     # idempotent
    return Store(engine)


def test_claim_once_reap_retry_then_fail(store):
    job_id, pending = store.create_job(b"m", "a" * 64, "m.tflite", ["m4"], client="x")
    assert pending and len(job_id) == 22
    assert store.claim(job_id, "w1", lease_s=0.05)
    assert not store.claim(job_id, "w2", lease_s=0.05)              # one claim per delivery
    assert store.set_target(job_id, "w1", "m4", "running")
    time.sleep(0.1)
    assert store.reap(lease_s=0.05, max_attempts=2, queue_empty=False) == [job_id]   # w1 stopped renewing
    assert not store.set_target(job_id, "w1", "m4", "done")         # w1 no longer owns it
    assert store.view(job_id)["targets"][0]["status"] == "queued"
    assert store.claim(job_id, "w2", lease_s=0.05)
    time.sleep(0.1)
    assert store.reap(lease_s=0.05, max_attempts=2, queue_empty=False) == []
    job = store.view(job_id)
    assert job["status"] == "failed" and "2 times" in job["error"] and job["targets"][0]["status"] == "failed"
    assert not store.finish(job_id, "w2")                           # a late worker cannot resurrect it


def test_lost_message_is_queued_again_only_when_the_queue_is_empty(store):
    job_id, _ = store.create_job(b"m", "b" * 64, "m.tflite", ["m4"], client="x")
    time.sleep(0.1)
    assert store.reap(lease_s=0.05, max_attempts=2, queue_empty=False) == []
    assert store.reap(lease_s=0.05, max_attempts=2, queue_empty=True) == [job_id]


def test_cached_targets_are_done_at_submission(store):
    sha = "c" * 64
    first, second = {"cycles": 1, "ram_bytes": {"total": 5}}, {"cycles": 2, "ram_bytes": {"total": 5}}
    rid = store.cache_put(sha, "m4", first, b"zip", "<svg/>")
    assert store.cache_put(sha, "m4", second, b"zip", "<svg/>") == rid       # first measurement wins
    store.create_job(b"m", sha, "m.tflite", ["m4"], client="x")
    store.set_tflm_arena(sha, {"total": 10, "head": 8})
    job_id, pending = store.create_job(b"m", sha, "n.tflite", ["m4"], client="x")
    assert not pending
    job = store.view(job_id)
    assert job["status"] == "done" and job["results"]["m4"] == {**first, "model": "n.tflite"}
    assert job["targets"][0]["cached"] and job["targets"][0]["ram_vs_tflm"] == 0.5
