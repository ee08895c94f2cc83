"""A worker killed mid-job: its job is retried by another worker and ends; after max attempts it fails
with the reason. Never stuck in 'running'."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from microforge.modelgen import conv2d_model, example_model
from svc import Service


@pytest.fixture
def service(tmp_path):
    svc = Service(tmp_path, MICROFORGE_LEASE_S="3", MICROFORGE_MAX_ATTEMPTS="2", MICROFORGE_WORKER_THREADS="1")
    try:
        yield svc.start(workers=0)
    finally:
        svc.stop()


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_mid_job(service: Service, worker, job_id: str, attempt: int) -> None:
    """Wait until `worker` is measuring a target of the job (attempt n), then SIGKILL the worker alone."""
    deadline = time.monotonic() + 120
    while True:
        _, job = service.get_json(f"/api/jobs/{job_id}")
        busy = [t for t in job["targets"] if t["status"] in ("compiling", "running")]
        if job["status"] == "running" and job["attempts"] == attempt and busy and children(worker.pid):
            break
        assert job["status"] not in ("done", "failed"), f"the job ended before it could be interrupted: {job}"
        assert time.monotonic() < deadline, service.logs()
        time.sleep(0.1)
    sandboxes = children(worker.pid)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 10                 # its measurement subprocess dies with it (PDEATHSIG)
    while any(alive(p) for p in sandboxes):
        assert time.monotonic() < deadline, f"sandbox outlived its worker: {sandboxes}"
        time.sleep(0.1)


def test_killed_worker_job_is_retried_then_failed_with_reason(service):
    status, sub = service.upload(example_model(), "example.tflite", targets="m0plus,m4,m7")
    assert status == 202
    kill_mid_job(service, service.start_worker(), sub["id"], attempt=1)
    service.start_worker()                           # another worker takes the job again
    job = service.wait_job(sub["id"], timeout=240)
    assert job["status"] == "done" and job["attempts"] == 2, job
    assert [t["status"] for t in job["targets"]] == ["done"] * 3

    # a job whose worker dies on every attempt fails with the reason, once the attempts are used up
    service.stop_workers()
    status, sub = service.upload(conv2d_model(rng=3, in_shape=(1, 24, 24, 3), out_c=8), "conv.tflite",
                                 targets="m0plus,m7")
    assert status == 202
    kill_mid_job(service, service.start_worker(), sub["id"], attempt=1)
    kill_mid_job(service, service.start_worker(), sub["id"], attempt=2)
    job = service.wait_job(sub["id"], timeout=60)    # no worker left: the web app's reaper ends it
    assert job["status"] == "failed" and job["attempts"] == 2
    assert "stopped before finishing it, 2 times" in job["error"]
    assert all(t["status"] in ("done", "failed") for t in job["targets"])
    assert any(t["error"] == job["error"] for t in job["targets"])


def test_job_limits_end_a_target_with_the_reason(service):
    """The emulator's instruction limit and the memory limit (RLIMIT_AS) stop a target, not the service."""
    model = example_model()
    worker = service.start_worker(MICROFORGE_JOB_MAX_INSTRUCTIONS=20000)
    status, sub = service.upload(model, "example.tflite", targets="m4")
    job = service.wait_job(sub["id"], timeout=120)
    assert job["status"] == "done" and job["targets"][0]["status"] == "failed"
    assert "instruction limit of 20,000 exceeded" in job["targets"][0]["error"]
    service.stop_workers()
    assert worker.returncode is not None

    service.start_worker(MICROFORGE_JOB_MEMORY_MB=300)     # unicorn alone reserves more than this
    status, sub = service.upload(model, "example.tflite", targets="m7")
    job = service.wait_job(sub["id"], timeout=120)
    assert job["targets"][0]["status"] == "failed"
    assert "300 MiB of memory" in job["targets"][0]["error"]
    assert job["results"] == {}
