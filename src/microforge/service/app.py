"""The web app: upload form, live job page, result page, C library zip, and the JSON API (+ OpenAPI).

    uvicorn --factory microforge.service.app:create_app      # what `microforge serve` runs, plus workers

An upload is data: capped in size (middleware counts the body), validated by the frontend
(compile_model for the host: every check the CLI makes) before anything is queued, stored by content
hash. No user string reaches the file system; job ids are secrets.token_urlsafe; uploads are rate-limited
per client address.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from microforge import __version__
from microforge.errors import MicroforgeError
from microforge.targets import TARGETS, get_target

from .charts import layer_cycles_svg
from .config import Settings
from .db import make_engine, migrate
from .jobs import FINISHED, TARGET_NAMES, Store
from .queue import Queue
from .ratelimit import RateLimiter

HERE = Path(__file__).resolve().parent
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
PAGE_CSP = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'"


class Rejected(Exception):
    """An upload the service refuses: HTTP status + the message shown to the user."""

    def __init__(self, status: int, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class BodyLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`, by Content-Length or by counting a stream.
    The rest of the body is read and dropped (up to 8x the limit) so that clients see the answer, not a reset."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(receive, send, 0)
        seen, over, started = 0, False, False

        async def counted():
            nonlocal seen, over
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg):
            nonlocal started
            if not over:
                started = True
                await send(msg)
        await self.app(scope, counted, guarded_send)
        if over and not started:
            await self._refuse(receive, send, seen)

    async def _refuse(self, receive, send, seen: int) -> None:
        while seen <= 8 * self.max_bytes:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            seen += len(msg.get("body", b""))
            if not msg.get("more_body"):
                break
        body = json.dumps({"error": f"the upload is larger than the service's limit of {self.max_bytes >> 20} MiB"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _filename(name: str | None) -> str:
    """For display only: the last path part, printable, at most 100 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable())[:100].strip()
    return base or "model.tflite"


def _targets(raw: list[str]) -> list[str]:
    names: list[str] = []
    for item in raw:
        for part in item.split(","):
            if part.strip():
                t = get_target(part)            # MicroforgeError for an unknown name, with the valid ones
                if t.is_host:
                    raise MicroforgeError("the service measures on emulated cores, not the host", where="targets",
                                          hint="pick from " + ", ".join(TARGET_NAMES))
                if t.name not in names:
                    names.append(t.name)
    return names or list(TARGET_NAMES)


def _validate(data: bytes) -> None:
    """The CLI's own checks (frontend + every op's constraints); raises MicroforgeError with its words."""
    from microforge.driver import compile_model

    try:
        compile_model(data, target="host", row_pipeline="off")   # validation only: skip weighing row pipelines
    except MicroforgeError:
        raise
    except Exception as e:  # a microforge bug on this input: say so, as the CLI does
        raise MicroforgeError(f"internal error: {type(e).__name__}: {e}",
                              hint="this is a microforge bug; report it with the model") from None


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    store = Store(engine)
    queue = Queue(settings)
    limiter = RateLimiter(*settings.rate_limit)
    validated: OrderedDict[str, None] = OrderedDict()     # sha256 of models that passed, most recent last
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    @asynccontextmanager
    async def lifespan(app):
        from .worker import start_reaper

        await run_in_threadpool(migrate, engine)
        start_reaper(settings, store, queue)          # fails jobs of dead workers even if no worker is left
        yield
        engine.dispose()

    app = FastAPI(title="microforge benchmarking service", version=__version__, lifespan=lifespan,
                  description="Upload an int8 .tflite model; get cycles, latency, RAM and flash on emulated "
                              "Cortex-M cores, as `microforge bench --json` reports them.")
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + (64 << 10))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, name: str, status: int = 200, **ctx) -> HTMLResponse:
        resp = templates.TemplateResponse(request, name, {"version": __version__, **ctx}, status_code=status)
        resp.headers["Content-Security-Policy"] = PAGE_CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    async def submit(request: Request, upload: UploadFile, targets: list[str]) -> str:
        client = request.client.host if request.client else "unknown"
        ok, wait = limiter.allow(client)
        if not ok:
            raise Rejected(429, f"too many uploads from your address; try again in {wait:.0f} s", retry_after=wait)
        data = await upload.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise Rejected(413, f"the upload is larger than the service's limit of {settings.max_upload_bytes >> 20} MiB")
        if not data:
            raise Rejected(400, "the upload is empty. Pass a .tflite flatbuffer produced by the TFLite converter.")
        try:
            names = _targets(targets)
            sha = hashlib.sha256(data).hexdigest()
            if sha not in validated and not await run_in_threadpool(store.has_model, sha):
                await run_in_threadpool(_validate, data)
            validated[sha] = None
            validated.move_to_end(sha)
            if len(validated) > 1024:
                validated.popitem(last=False)
        except MicroforgeError as e:
            raise Rejected(400, e.message) from None
        job_id, needs_worker = await run_in_threadpool(store.create_job, data, sha, _filename(upload.filename),
                                                        names, client)
        if needs_worker:
            await run_in_threadpool(queue.enqueue, job_id)
        return job_id

    def job_or_404(job_id: str) -> dict | None:
        return store.view(job_id) if JOB_ID.match(job_id) else None

    # --- pages -------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(request: Request):
        return page(request, "index.html", targets=[TARGETS[n] for n in TARGET_NAMES],
                    max_mb=settings.max_upload_bytes >> 20)

    @app.post("/jobs", include_in_schema=False)
    async def submit_form(request: Request, model: UploadFile = File(...), targets: list[str] = Form(default=[])):
        try:
            job_id = await submit(request, model, targets)
        except Rejected as e:
            return page(request, "error.html", status=e.status, message=e.message, filename=_filename(model.filename))
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    async def job_page(request: Request, job_id: str):
        job = await run_in_threadpool(job_or_404, job_id)
        if job is None:
            return page(request, "error.html", status=404, message="no such job (job links are private and exact)")
        if job["status"] in FINISHED:
            return RedirectResponse(f"/jobs/{job_id}/result", status_code=303)
        return page(request, "job.html", job=job)

    @app.get("/jobs/{job_id}/result", response_class=HTMLResponse, include_in_schema=False)
    async def result_page(request: Request, job_id: str):
        job = await run_in_threadpool(job_or_404, job_id)
        if job is None:
            return page(request, "error.html", status=404, message="no such job (job links are private and exact)")
        if job["status"] not in FINISHED:
            return RedirectResponse(f"/jobs/{job_id}", status_code=303)
        charts = {t: layer_cycles_svg(r["layers"]) for t, r in job["results"].items()}
        return page(request, "result.html", job=job, charts=charts, boards={n: TARGETS[n] for n in TARGET_NAMES})

    @app.get("/jobs/{job_id}/{target}/library.zip", include_in_schema=False)
    async def library(job_id: str, target: str):
        row = await run_in_threadpool(store.artifact, job_id, target, "zip") if JOB_ID.match(job_id) and \
            target in TARGET_NAMES else None
        if row is None:
            return JSONResponse({"error": "no such result"}, status_code=404)
        return Response(row[0], media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="microforge-{target}-{row[1][:12]}.zip"'})

    @app.get("/jobs/{job_id}/{target}/plan.svg", include_in_schema=False)
    async def plan(job_id: str, target: str):
        row = await run_in_threadpool(store.artifact, job_id, target, "svg") if JOB_ID.match(job_id) and \
            target in TARGET_NAMES else None
        if row is None:
            return JSONResponse({"error": "no such result"}, status_code=404)
        return Response(row[0], media_type="image/svg+xml", headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'", "X-Content-Type-Options": "nosniff"})

    # --- JSON API ----------------------------------------------------------------------------------------
    @app.post("/api/jobs", status_code=202, tags=["jobs"], summary="Upload a model; returns the job id",
              responses={400: {"description": "not a model microforge can compile (the CLI's message)"},
                         413: {"description": "upload too large"}, 429: {"description": "rate limit"}})
    async def api_submit(request: Request, model: UploadFile = File(..., description="int8 .tflite model"),
                         targets: list[str] = Form(default=[], description="cores, e.g. m4,m7 (default: all)")):
        try:
            job_id = await submit(request, model, targets)
        except Rejected as e:
            headers = {"Retry-After": str(int(e.retry_after) + 1)} if e.retry_after is not None else None
            return JSONResponse({"error": e.message}, status_code=e.status, headers=headers)
        return {"id": job_id, "status_url": f"/api/jobs/{job_id}", "page_url": f"/jobs/{job_id}"}

    @app.get("/api/jobs/{job_id}", tags=["jobs"], summary="Status per target and results (`bench --json` shape)")
    async def api_job(job_id: str):
        job = await run_in_threadpool(job_or_404, job_id)
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return job

    @app.get("/api/targets", tags=["targets"], summary="The cores the service measures on")
    async def api_targets():
        return [{"name": n, "core": TARGETS[n].core, "board": TARGETS[n].board, "clock_mhz": TARGETS[n].clock_mhz,
                 "ram_bytes": TARGETS[n].ram_bytes, "flash_bytes": TARGETS[n].flash_bytes} for n in TARGET_NAMES]

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"ok": True, "version": __version__}

    return app
