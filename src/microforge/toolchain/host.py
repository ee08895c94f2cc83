"""Host build: compile the generated C with the machine's C compiler into a shared library and run it."""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..errors import MicroforgeError
from ..ir import Tensor

HOST_CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fPIC", "-shared"]


def host_cc() -> str:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise MicroforgeError(f"no host C compiler ('{cc}') found", hint="install one: apt-get install gcc")
    return cc


class HostModel:
    """A compiled model loaded in this process: run() takes and returns numpy arrays."""

    def __init__(self, lib_path: Path, inputs: list[Tensor], outputs: list[Tensor]):
        self.lib = ctypes.CDLL(str(lib_path))
        for fn in ("mf_model_input", "mf_model_output"):
            getattr(self.lib, fn).restype = ctypes.c_void_p
            getattr(self.lib, fn).argtypes = [ctypes.c_int]
        self.lib.mf_model_invoke.restype = ctypes.c_int
        self.inputs, self.outputs = inputs, outputs

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if len(inputs) != len(self.inputs):
            raise MicroforgeError(f"the model takes {len(self.inputs)} input(s), {len(inputs)} given",
                                  hint="pass --input once per model input")
        for i, (arr, t) in enumerate(zip(inputs, self.inputs)):
            arr = np.asarray(arr)
            if arr.dtype != t.dtype.np or arr.size != t.num_elements:
                raise MicroforgeError(f"input {i} is {arr.dtype} {list(arr.shape)}, the model expects "
                                      f"{t.dtype.np} {list(t.shape)}", hint="convert the array to the model's input shape and type")
            data = np.ascontiguousarray(arr).tobytes()
            ctypes.memmove(self.lib.mf_model_input(i), data, len(data))
        rc = self.lib.mf_model_invoke()
        if rc != 0:
            raise MicroforgeError(f"mf_model_invoke() returned {rc}")
        outs = []
        for i, t in enumerate(self.outputs):
            raw = ctypes.string_at(self.lib.mf_model_output(i), t.nbytes)
            outs.append(np.frombuffer(raw, dtype=t.dtype.np).reshape(t.shape).copy())
        return outs


def build_host(cm, workdir: Path, opt: str = "-O2") -> HostModel:
    """Write cm's sources into workdir, compile them to a shared library and load it.

    >>> build_host(compile_model("m.tflite"), Path("/tmp/b")).run([x])
    """
    from ..driver import kernel_variants
    from ..targets import get_target

    if kernel_variants(get_target(cm.target)) != ("portable",):
        raise MicroforgeError(f"the model was compiled for {cm.target}, whose kernels use Arm DSP instructions",
                              hint="compile it with target='host' to run it on this machine")
    workdir = Path(workdir)
    src = workdir / "src"
    cm.write(src)
    lib = workdir / "libmodel.so"
    sources = sorted(str(p) for p in src.glob("*.c"))
    cmd = [host_cc(), *HOST_CFLAGS, opt, "-I", str(src), "-o", str(lib), *sources, "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise MicroforgeError(f"the host C compiler failed on the generated code:\n{r.stderr[-4000:]}",
                              hint="this is a microforge bug; please report it with the model")
    return HostModel(lib, cm.graph.inputs, cm.graph.outputs)
