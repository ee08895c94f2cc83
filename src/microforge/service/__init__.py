"""The public benchmarking service: upload a .tflite, get latency, RAM and flash per core.

Outside the compiler pipeline; it only calls the driver, the sim runner and the report:

    app.py       FastAPI web app: HTML pages (Jinja2) + JSON API (/api/jobs, OpenAPI at /openapi.json)
    jobs.py      job records and their state machine in the database (claim, lease, retry, cache)
    db.py        SQLAlchemy tables + alembic migrations (migrations/); SQLite or PostgreSQL
    queue.py     the Huey queue: SQLite file by default, Redis when MICROFORGE_REDIS_URL is set
    worker.py    `microforge worker`: Huey consumer + reaper; one sandboxed subprocess per target
    sandbox.py   the subprocess: rlimits, compile + build + emulate one (model, target) -> files
    charts.py    per-layer cycles bar chart (SVG)
    serve.py     `microforge serve`: migrations, worker processes and uvicorn on one machine
    config.py    Settings from MICROFORGE_* environment variables
"""
