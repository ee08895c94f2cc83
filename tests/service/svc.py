"""Run the real service for a test: `microforge serve --workers 0` (uvicorn) and `microforge worker`
processes on a free loopback port, each in its own process group, with a private data dir; plus a tiny
HTTP client (urllib, multipart by hand)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, tmp: Path, **env):
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MICROFORGE_DATA_DIR": str(tmp / "data"), "MICROFORGE_JOB_TIMEOUT_S": "300",
                    "PYTHONUNBUFFERED": "1", **{k: str(v) for k, v in env.items()}}
        self.server: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _spawn(self, args: list[str], log: str, **env) -> subprocess.Popen:
        out = open(self.tmp / log, "ab")
        env = {**self.env, **{k: str(v) for k, v in env.items()}}
        return subprocess.Popen([sys.executable, "-m", "microforge", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def start(self, workers: int = 1, serve_workers: int = 0, timeout: float = 90) -> "Service":
        """`serve` (with `serve_workers` worker children of its own), then `workers` separate worker processes."""
        self.server = self._spawn(["serve", "--host", "127.0.0.1", "--port", str(self.port),
                                   "--workers", str(serve_workers)], "server.log")
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + self.log("server.log"))
            time.sleep(0.2)
        for _ in range(workers):
            self.start_worker()
        return self

    def start_worker(self, **env) -> subprocess.Popen:
        """A `microforge worker` process; `env` overrides MICROFORGE_* settings for it alone."""
        p = self._spawn(["worker"], f"worker-{len(self.workers)}.log", **env)
        self.workers.append(p)
        return p

    def stop_workers(self) -> None:
        for p in self.workers:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)

    def log(self, name: str) -> str:
        p = self.tmp / name
        return p.read_text(errors="replace") if p.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{self.log(p.name)[-4000:]}" for p in sorted(self.tmp.glob("*.log")))

    def stop(self) -> None:
        for p in [*self.workers, self.server]:
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in [*self.workers, self.server]:
            if p is None:
                continue
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    # --- HTTP ---------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)

    def get_json(self, path: str):
        status, _, body = self.get(path)
        return status, json.loads(body)

    def upload(self, data: bytes, filename: str = "model.tflite", targets: str | None = None,
               path: str = "/api/jobs") -> tuple[int, dict]:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="model"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"]
        if targets is not None:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="targets"\r\n\r\n{targets}\r\n'.encode())
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, headers, raw = self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        out = json.loads(raw) if raw.startswith(b"{") else {"body": raw.decode(errors="replace")}
        out["_headers"] = headers
        return status, out

    def wait_job(self, job_id: str, timeout: float = 180, until=("done", "failed")) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status, job = self.get_json(f"/api/jobs/{job_id}")
            assert status == 200, job
            if job["status"] in until:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}\n{self.logs()}")
            time.sleep(0.3)
