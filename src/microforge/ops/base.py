"""OpDef: what every op file provides (checks, MAC count, C emission) and shared shape helpers."""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..errors import MicroforgeError
from ..ir import DType, Op, OpType, Tensor

NO_READ = 1 << 40  # "reads no input byte" in lead_from_reads (larger than any arena)
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


class EmitContext(Protocol):
    """What codegen offers an op while it emits its layer."""

    kernel_variants: tuple[str, ...]  # runtime folders in use, best first, e.g. ("dsp", "portable")

    def ptr(self, tensor: Tensor) -> str:
        """C expression for the address of an activation tensor (typed as its C element type)."""

    def const(self, tensor_or_name: Tensor | str, array: np.ndarray | None = None) -> str:
        """Register a flash-resident constant array; returns its C identifier."""

    def params(self, ctype: str, fields: dict[str, Any]) -> str:
        """Register a `static const` params struct for this layer; returns its identifier."""

    def view(self, tensor: Tensor, of: Tensor, byte_offset: str) -> None:
        """Make `ptr(tensor)` the address of `of` plus the C expression `byte_offset` (a band of rows of `of`)."""

    def place(self, tensor: Tensor) -> tuple[str, int] | None:
        """(arena symbol, byte offset) where `ptr(tensor)` points when that is fixed at compile time; None for
        constants, variable tensors' state and views at a run-time offset (a row pipeline's band loop)."""

    def room(self) -> list[tuple[str, int, int]]:
        """Arena runs (arena symbol, byte offset, bytes) that no buffer live while this layer runs occupies: scratch the
        layer may use (its C address: the symbol plus the offset) without adding RAM. Empty when none."""


class OpDef:
    """Base of every op file. Subclasses set `type`, `kernel_headers` and implement the hooks."""

    type: OpType
    kernel_headers: tuple[str, ...] = ()
    int16_headers: tuple[str, ...] = ()  # kernels for int16 activations (16x8 models); empty: int8 only

    def headers(self, op: Op) -> tuple[str, ...]:
        """The kernel headers this layer includes: the int16 kernels for an int16 layer (is_int16)."""
        return self.int16_headers if self.int16_headers and is_int16(op) else self.kernel_headers

    def check(self, op: Op) -> None:
        """Raise MicroforgeError when the op uses something the compiler does not support."""

    def macs(self, op: Op) -> int:
        return 0

    def emit(self, op: Op, ctx: EmitContext) -> str:
        raise NotImplementedError

    def scratch(self, op: Op) -> list[Tensor]:
        """Arena buffers the op needs only while it runs (the planner places them, the verifier checks them)."""
        return []

    def aliases_input(self, op: Op) -> bool:
        """True when the output may share the input's buffer (no code emitted)."""
        return False

    def overlap_lead(self, op: Op, index: int) -> int | None:
        """How far input `index` must lead the output for the two to share bytes; None: never.

        The output may overlap the input (when the input dies at this op) if
        `input_start - output_start >= lead`. A negative lead lets the output start after the input.
        Derive it from the portable kernel's loop order with `lead_from_reads`.
        """
        return None


# ---- shared checks -------------------------------------------------------------------------

def is_int16(op: Op) -> bool:
    """True for a layer of a 16x8 model: its first input or its output is int16 (QUANTIZE may change width)."""
    return any(t is not None and t.dtype == DType.INT16 for t in op.inputs[:1] + op.outputs[:1])


def fail(op: Op, what: str, hint: str | None = None) -> MicroforgeError:
    return MicroforgeError(what, where=op.where, hint=hint)


def expect_arity(op: Op, n_in: tuple[int, ...], n_out: int = 1) -> None:
    if len(op.inputs) not in n_in or len(op.outputs) != n_out:
        raise fail(op, f"expected {'/'.join(map(str, n_in))} inputs and {n_out} output(s), got {len(op.inputs)} and {len(op.outputs)}",
                   "the model is malformed; re-export it")


def expect_dtype(op: Op, t: Tensor | None, role: str, *dtypes: DType) -> Tensor:
    if t is None:
        raise fail(op, f"missing {role} tensor", "the model is malformed; re-export it")
    if t.dtype not in dtypes:
        names = " or ".join(d.name.lower() for d in dtypes)
        hint = ("convert the model with full-integer (int8) post-training quantisation"
                if t.dtype in (DType.FLOAT32, DType.FLOAT16) else
                "int16 activations (16x8 models) are supported by the ops docs/ops.md marks int16; "
                "convert with int8 activations (TFLITE_BUILTINS_INT8) for the others"
                if t.dtype == DType.INT16 else
                "only int8 activations with int8 weights and int32 biases are supported so far")
        raise fail(op, f"{role} tensor '{t.name}' is {t.dtype.name.lower()}, expected {names}", hint)
    return t


def expect_quant(op: Op, t: Tensor, role: str, per_tensor: bool = True) -> None:
    if t.quant is None:
        raise fail(op, f"{role} tensor '{t.name}' has no quantisation parameters",
                   "convert the model with full-integer (int8) post-training quantisation")
    if per_tensor and t.quant.per_channel:
        raise fail(op, f"{role} tensor '{t.name}' must be quantised per tensor, not per channel")


def expect_const(op: Op, t: Tensor | None, role: str) -> Tensor:
    if t is None or not t.is_const:
        raise fail(op, f"{role} must be a constant tensor", "dynamic weights/shapes are not supported; freeze them in the model")
    return t


def expect_activation(op: Op) -> str:
    act = op.options.get("activation", "NONE")
    if act not in ACTIVATIONS:
        raise fail(op, f"fused activation {act} is not supported", "supported: " + ", ".join(ACTIVATIONS))
    return act


def expect_shape(op: Op, t: Tensor, shape: tuple[int, ...], role: str = "output") -> None:
    if tuple(t.shape) != tuple(shape):
        raise fail(op, f"{role} tensor '{t.name}' has shape {list(t.shape)} but the op computes {list(shape)}",
                   "the model is malformed; re-export it")


def expect_rank(op: Op, t: Tensor, rank: int, role: str) -> None:
    if len(t.shape) != rank:
        raise fail(op, f"{role} tensor '{t.name}' must have rank {rank}, has shape {list(t.shape)}")


def padding_of(op: Op, axis: int) -> str | tuple[int, int]:
    """The padding of spatial `axis` (0: height, 1: width): "SAME"/"VALID", or (before, after) once a pass folded a PAD in."""
    explicit = op.options.get("explicit_padding")
    return tuple(explicit[axis]) if explicit is not None else op.options["padding"]


def window(op: Op, in_size: int, filter_size: int, stride: int, dilation: int,
           padding: str | tuple[int, int]) -> tuple[int, int]:
    """(output size, leading pad) as TFLite computes them; the odd extra pad goes to the end."""
    if stride < 1 or dilation < 1 or filter_size < 1:
        raise fail(op, f"stride {stride}, dilation {dilation} and filter size {filter_size} must all be >= 1")
    eff = (filter_size - 1) * dilation + 1
    if isinstance(padding, tuple):
        before, after = padding
        out = (in_size + before + after - eff) // stride + 1
        if out < 1:
            raise fail(op, f"the {filter_size}-wide window (dilation {dilation}) does not fit an input of size {in_size}")
        return out, before
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise fail(op, f"padding {padding} is not supported", "supported: SAME, VALID")
    if out < 1:
        raise fail(op, f"the {filter_size}-wide window (dilation {dilation}) does not fit an input of size {in_size}")
    total = max((out - 1) * stride + eff - in_size, 0)
    return out, total // 2


def np_ctype(arr: np.ndarray) -> str:
    return {np.dtype("int8"): "int8_t", np.dtype("int16"): "int16_t", np.dtype("int32"): "int32_t",
            np.dtype("uint8"): "uint8_t", np.dtype("float32"): "float", np.dtype("int64"): "int64_t"}[arr.dtype]


def lead_from_reads(first_read: np.ndarray, out_itemsize: int) -> int:
    """The overlap lead of a kernel that writes output element j (in memory order) after its reads.

    `first_read[j]` is the lowest input byte offset the kernel reads between writing elements j-1 and j
    (a large number when it reads nothing). Writing element j clobbers bytes up to
    `out_start + (j+1)*out_itemsize`, which must stay below every input byte still to be read:
    lead = max_j ((j+1)*out_itemsize - min(first_read[j+1:])).

    >>> lead_from_reads(np.arange(4), 1)      # elementwise: output may start exactly at the input
    0
    """
    reads = np.asarray(first_read, dtype=np.int64).reshape(-1)
    if reads.size < 2:
        return -NO_READ  # nothing is read after the only write: any overlap is safe
    later = np.minimum.accumulate(reads[::-1])[::-1][1:]   # min over elements j+1.. for j = 0..n-2
    written = (np.arange(1, reads.size, dtype=np.int64)) * out_itemsize
    return int((written - later).max())


def first_taps(in_h: int, in_w: int, out_h: int, out_w: int, k_h: int, k_w: int, stride_h: int, stride_w: int,
               dil_h: int, dil_w: int, pad_top: int, pad_left: int) -> np.ndarray:
    """(out_h, out_w) index of the lowest input pixel a window reads (iy*in_w + ix), NO_READ when it reads none.

    The kernels skip taps outside the image (padded taps use a constant), so the lowest address read
    is the first in-image row and, within it, the first in-image column.
    """
    def first_valid(n_out, n_in, k, stride, dil, pad):
        start = np.arange(n_out) * stride - pad
        taps = start[:, None] + np.arange(k)[None, :] * dil
        ok = (taps >= 0) & (taps < n_in)
        idx = np.where(ok.any(axis=1), taps[np.arange(n_out), ok.argmax(axis=1)], -1)
        return idx
    iy, ix = first_valid(out_h, in_h, k_h, stride_h, dil_h, pad_top), first_valid(out_w, in_w, k_w, stride_w, dil_w, pad_left)
    pix = iy[:, None] * in_w + ix[None, :]
    return np.where((iy[:, None] >= 0) & (ix[None, :] >= 0), pix, NO_READ)


def refuse_int16(op: Op) -> None:
    """Refuse an int16 (16x8) layer of an op whose TFLM kernels take no int16: there is no reference to match."""
    if is_int16(op):
        raise fail(op, f"{op.type.value} on int16 (16x8) tensors: TFLM has no int16 kernel for {op.type.value} "
                   "(its kernel has no int16 case), so there is no reference to be bit-exact with",
                   "quantise this op with int8 activations, or replace it by ops that have an int16 kernel "
                   "(docs/ops.md, column int16)")
