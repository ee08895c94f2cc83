"""JSON API against a real server + worker + queue on loopback: results match `microforge bench --json`."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest

from microforge.modelgen import example_model
from microforge.report import Report
from svc import Service

BAD = b"\x00" * 40 + b"definitely not a flatbuffer" * 10


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("api"), MICROFORGE_MAX_UPLOAD_MB="1", MICROFORGE_RATE_LIMIT="1000/60")
    try:
        yield svc.start(workers=1)
    finally:
        svc.stop()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "microforge", *args], capture_output=True, text=True, timeout=300)


def test_openapi_schema_documents_the_api(service):
    status, schema = service.get_json("/openapi.json")
    assert status == 200
    assert "post" in schema["paths"]["/api/jobs"]
    assert "get" in schema["paths"]["/api/jobs/{job_id}"]
    assert "multipart/form-data" in schema["paths"]["/api/jobs"]["post"]["requestBody"]["content"]


def test_upload_gives_bench_json_per_target_then_hits_the_cache(service, tmp_path):
    model = example_model()
    status, sub = service.upload(model, "example.tflite", targets="m4")
    assert status == 202, sub
    assert len(sub["id"]) >= 22 and sub["status_url"] == f"/api/jobs/{sub['id']}"
    job = service.wait_job(sub["id"])
    assert job["status"] == "done", job
    assert [t["target"] for t in job["targets"]] == ["m4"] and job["targets"][0]["status"] == "done"
    got = job["results"]["m4"]

    # the same numbers, in the same shape, as the CLI gives for the same file
    (tmp_path / "example.tflite").write_bytes(model)
    run = cli("bench", str(tmp_path / "example.tflite"), "--target", "m4", "--json")
    assert run.returncode == 0, run.stderr
    want = json.loads(run.stdout)
    assert got == want
    assert set(got) == {f for f in Report.__dataclass_fields__} | {"latency_ms"}

    t = job["targets"][0]
    assert t["tflm_arena_bytes"] > 0 and t["ram_vs_tflm"] == round(got["ram_bytes"]["total"] / t["tflm_arena_bytes"], 3)
    status, headers, raw = service.get(t["library_url"])
    assert status == 200 and headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    assert "microforge_model/model.c" in names and "microforge_model/model.h" in names
    status, headers, raw = service.get(t["plan_url"])
    assert status == 200 and headers["content-type"].startswith("image/svg+xml") and raw.startswith(b"<svg")

    # same model, same target, same version: answered from the cache, no worker needed
    status, again = service.upload(model, "renamed.tflite", targets="m4")
    assert status == 202
    job2 = service.wait_job(again["id"], timeout=10)
    assert job2["targets"][0]["cached"] is True and job2["attempts"] == 0
    assert job2["results"]["m4"] == {**got, "model": "renamed.tflite"}

    # a file name is shown escaped, under a strict content security policy
    status, sub3 = service.upload(model, "<img src=x onerror=alert(1)>.tflite", targets="m4")
    status, headers, html = service.get(f"/jobs/{sub3['id']}/result")
    assert status == 200 and b"<img src=x" not in html and b"&lt;img src=x onerror=alert(1)&gt;.tflite" in html
    assert "script-src 'self'" in headers["content-security-policy"]


def test_bad_model_is_refused_with_the_cli_words(service, tmp_path):
    (tmp_path / "bad.tflite").write_bytes(BAD)
    run = cli("bench", str(tmp_path / "bad.tflite"), "--target", "m4")
    assert run.returncode == 2
    cli_error = [l for l in run.stderr.splitlines() if l.startswith("error: ")][0]
    status, body = service.upload(BAD, "bad.tflite")
    assert status == 400
    assert "error: " + body["error"] == cli_error


@pytest.mark.parametrize("case", ["too_large", "empty", "host_target", "unknown_target"])
def test_refused_uploads(service, case):
    data = {"too_large": b"\0" * (2 << 20), "empty": b""}.get(case, example_model())
    targets = {"host_target": "host", "unknown_target": "m4,m99"}.get(case)
    status, body = service.upload(data, targets=targets)
    assert status == {"too_large": 413}.get(case, 400), body
    assert {"too_large": "larger than the service's limit of 1 MiB", "empty": "the upload is empty",
            "host_target": "not the host", "unknown_target": "unknown target 'm99'"}[case] in body["error"]


def test_unknown_ids_and_targets_are_404(service):
    assert service.get("/api/jobs/AAAAAAAAAAAAAAAAAAAAAA")[0] == 404
    assert service.get("/api/jobs/..%2F..%2Fetc%2Fpasswd")[0] == 404
    assert service.get("/jobs/AAAAAAAAAAAAAAAAAAAAAA/m4/library.zip")[0] == 404
    assert service.get("/jobs/AAAAAAAAAAAAAAAAAAAAAA/..%2Fm4/plan.svg")[0] == 404


def test_rate_limit_per_client(tmp_path):
    svc = Service(tmp_path, MICROFORGE_RATE_LIMIT="3/3600")
    try:
        svc.start(workers=0)
        codes = [svc.upload(BAD)[0] for _ in range(3)]
        status, body = svc.upload(BAD)
        assert codes == [400, 400, 400]
        assert status == 429 and "too many uploads" in body["error"] and int(body["_headers"]["retry-after"]) > 0
    finally:
        svc.stop()
