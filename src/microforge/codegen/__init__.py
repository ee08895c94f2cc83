"""Codegen: planned graph -> model.c / model.h plus the runtime kernels they need."""
from .generate import generate

__all__ = ["generate"]
