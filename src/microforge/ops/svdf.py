"""SVDF: int8 input and feature weights, int16 (or int8) time weights and state kept between invocations, int32 bias."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import quantize_multiplier
from ._requant import expect_supported_rescale
from .base import OpDef, expect_arity, expect_const, expect_dtype, expect_quant, expect_rank, fail


def _f32_scale(a: float, b: float, c: float) -> float:
    """TFLM computes SVDF's effective scales as float32 a * b / c, then widens to double."""
    return float(np.float32(np.float32(a) * np.float32(b)) / np.float32(c))


class Svdf(OpDef):
    type = OpType.SVDF
    kernel_headers = ("mf_svdf.h",)

    def check(self, op: Op) -> None:
        expect_arity(op, (5,))
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8)
        wf = expect_dtype(op, expect_const(op, op.inputs[1], "feature weights"), "feature weights", DType.INT8)
        wt, b, state = expect_const(op, op.inputs[2], "time weights"), op.inputs[3], op.inputs[4]
        wt = expect_dtype(op, wt, "time weights", DType.INT16, DType.INT8)
        state = expect_dtype(op, state, "activation state", DType.INT16, DType.INT8)
        if state.dtype != wt.dtype:
            raise fail(op, f"activation state '{state.name}' is {state.dtype.name.lower()} but the time weights are "
                           f"{wt.dtype.name.lower()}; TFLM reads the state as the time weights' type, so they must match")
        y = expect_dtype(op, op.outputs[0], "output", DType.INT8)
        if not state.variable:
            raise fail(op, f"activation state '{state.name}' must be a variable tensor", "the model is malformed; re-export it")
        if b is None:
            raise fail(op, "SVDF without a bias tensor is not supported",
                       "TFLM reads the bias tensor's scale unconditionally in Prepare; give the op an int32 bias")
        expect_dtype(op, expect_const(op, b, "bias"), "bias", DType.INT32)
        for t, role in ((x, "input"), (wf, "feature weights"), (wt, "time weights"), (b, "bias"),
                        (state, "activation state"), (y, "output")):
            expect_quant(op, t, role)
            if role != "bias":
                expect_rank(op, t, 2, role)
        for t, role in ((wf, "feature weights"), (wt, "time weights")):
            if t.quant.zp != 0:
                raise fail(op, f"{role} zero point must be 0 (TFLM's kernel ignores it)")
        rank = op.options.get("rank", 0)
        batch, n_input = x.shape
        filters, memory = wt.shape
        if rank < 1 or filters % rank:
            raise fail(op, f"rank {rank} must be >= 1 and divide the {filters} filters")
        units = filters // rank
        if wf.shape != (filters, n_input):
            raise fail(op, f"feature weights have shape {list(wf.shape)}, expected {[filters, n_input]}")
        if b.num_elements != units:
            raise fail(op, f"bias has {b.num_elements} elements, expected {units}")
        if tuple(state.shape) != (batch, filters * memory):
            raise fail(op, f"activation state has shape {list(state.shape)}, expected {[batch, filters * memory]}")
        if tuple(y.shape) != (batch, units):
            raise fail(op, f"output has shape {list(y.shape)}, expected {[batch, units]}", "the model is malformed; re-export it")
        if abs(float(b.quant.s) - float(np.float32(state.quant.s) * np.float32(wt.quant.s))) >= 1e-5:
            raise fail(op, "bias scale must equal activation-state scale * time-weights scale (TFLM requires it)")
        expect_supported_rescale(op, _f32_scale(x.quant.s, wf.quant.s, state.quant.s), "the feature scale (input * weights / state)")
        expect_supported_rescale(op, _f32_scale(state.quant.s, wt.quant.s, y.quant.s), "the time scale (state * weights / output)")

    def macs(self, op: Op) -> int:
        x, wt = op.inputs[0], op.inputs[2]
        return x.shape[0] * wt.shape[0] * (x.shape[1] + wt.shape[1])

    def emit(self, op: Op, ctx) -> str:
        x, wf, wt, b, state = op.inputs
        y = op.outputs[0]
        m1, s1 = quantize_multiplier(_f32_scale(x.quant.s, wf.quant.s, state.quant.s))
        m2, s2 = quantize_multiplier(_f32_scale(state.quant.s, wt.quant.s, y.quant.s))
        filters, memory = wt.shape
        s8 = state.dtype == DType.INT8
        p = ctx.params("mf_svdf_s8_params_t" if s8 else "mf_svdf_params_t", dict(
            batches=x.shape[0], n_input=x.shape[1], filters=filters, memory=memory, rank=op.options["rank"],
            in_zp=x.quant.zp, state_zp=state.quant.zp, out_zp=y.quant.zp, mult1=m1, shift1=s1, mult2=m2, shift2=s2,
            weights_feature=ctx.const(wf), weights_time=ctx.const(wt), bias=ctx.const(b)))
        return f"{'mf_svdf_s8_s8' if s8 else 'mf_svdf_s8'}(&{p}, {ctx.ptr(x)}, {ctx.ptr(state)}, {ctx.ptr(y)});"
