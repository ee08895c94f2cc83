"""Service tests: a real server, worker processes and queue on loopback (see svc.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
