"""Frontend: .tflite flatbuffer -> validated ir.Graph."""
from .tflite import load_tflite

__all__ = ["load_tflite"]
