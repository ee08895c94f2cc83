"""microforge: compile int8 TFLite models to fast, lean C for Arm Cortex-M, bit-exact with TFLM."""
__version__ = "0.1.0"

__all__ = ["Model", "compile", "verify"]


def __getattr__(name: str):
    # Lazy, so that `import microforge` (the CLI, the service) does not load numpy, Jinja2 and the compiler.
    if name in ("compile", "Model"):
        from . import api

        return getattr(api, name)
    if name == "verify":
        from .debug import verify

        return verify
    raise AttributeError(f"module 'microforge' has no attribute {name!r}")
