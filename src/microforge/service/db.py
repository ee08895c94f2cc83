"""The service's tables (SQLAlchemy Core) and the engine; the schema itself is created by alembic (migrations/).

    engine = make_engine(settings.database_url); migrate(engine)
    with engine.begin() as c: c.execute(jobs.select())
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import (Column, Engine, Float, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text,
                        UniqueConstraint, create_engine, event)

metadata = MetaData()

models = Table(            # each uploaded model once, by content; workers on other machines read it from here
    "models", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("tflm_arena", Text),          # JSON {"total", "head"} or {"error"}; null until measured
    Column("created", Float, nullable=False),
)

jobs = Table(
    "jobs", metadata,
    Column("id", String(32), primary_key=True),             # secrets.token_urlsafe
    Column("sha256", String(64), ForeignKey("models.sha256"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),        # shown, never used as a path
    Column("status", String(16), nullable=False, index=True),   # queued, running, done, failed
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(128)),
    Column("lease_until", Float),
    Column("client", String(64)),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Column("finished", Float),
)

job_targets = Table(
    "job_targets", metadata,
    Column("job_id", String(32), ForeignKey("jobs.id"), primary_key=True),
    Column("target", String(16), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),           # queued, compiling, running, done, failed
    Column("error", Text),
    Column("result_id", Integer, ForeignKey("results.id")),
    Column("cached", Integer, nullable=False, default=0),
)

results = Table(           # the cache: one row per (model sha256, target, microforge version)
    "results", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("target", String(16), nullable=False),
    Column("version", String(32), nullable=False),
    Column("report", Text, nullable=False),                 # Report.to_dict() as JSON (`bench --json`)
    Column("library_zip", LargeBinary, nullable=False),     # CompiledModel.files
    Column("plan_svg", Text, nullable=False),
    Column("created", Float, nullable=False),
    UniqueConstraint("sha256", "target", "version", name="uq_results_key"),
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine; for SQLite: WAL, a 30 s busy timeout and BEGIN IMMEDIATE, so web and workers can write at once."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None       # let the "begin" hook below open transactions
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")   # take the write lock up front: no upgrade deadlocks
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest alembic revision (a no-op when it is there)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
