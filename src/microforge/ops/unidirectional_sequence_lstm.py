"""UNIDIRECTIONAL_SEQUENCE_LSTM: int8 (or int16) input, int8 weights, int16 gates and cell state, state kept between invocations."""
from __future__ import annotations

import math

import numpy as np

from ..ir import DType, Op, OpType
from ..quant import quantize_multiplier
from ._requant import expect_supported_rescale
from .base import OpDef, expect_const, expect_dtype, expect_quant, fail
from .logistic import _checked_log2, sigmoid_table_s16

# TFLite's tensor order (lstm_shared.h): input 0, input weights 1-4, recurrent weights 5-8, peephole 9-11,
# biases 12-15, projection 16-17, hidden (output) state 18, cell state 19, layer-norm coefficients 20-23.
GATES = ("input", "forget", "cell", "output")
X_WEIGHTS, H_WEIGHTS, BIASES = (1, 2, 3, 4), (5, 6, 7, 8), (12, 13, 14, 15)
HIDDEN, CELL = 18, 19
VARIANTS = {9: "peephole", 10: "peephole", 11: "peephole", 16: "projection", 17: "projection",
            20: "layer-norm", 21: "layer-norm", 22: "layer-norm", 23: "layer-norm"}
GATE_SCALE = 2.0 ** -12   # TFLM rescales every gate's FC outputs to Q3.12 ...
GATE_OUT_SCALE = 2.0 ** -15  # ... and its sigmoid/tanh outputs are Q0.15
SUPPORTED = ("supported: the standard LSTM the TFLite converter writes and TFLM's kernel runs (all four gates, "
             "per-tensor int8 weights, int16 cell state, tanh cell activation; int8 input, output and hidden state with "
             "int32 biases, or int16 ones with int64 biases)")


def _f32(x: float) -> float:
    return float(np.float32(x))


def fc_scale(x_scale: float, w_scale: float) -> float:
    """TFLM's gate FC rescale: the float32 product input * weight scale, widened, over 2^-12 (GetQuantizedConvolutionMultipler)."""
    return float(np.float32(x_scale) * np.float32(w_scale)) / GATE_SCALE


def cell_tanh_input(cell_scale: float) -> tuple[int, int]:
    """(mult, shift) of tanh(cell state): TFLM takes the cell scale as 2^p (p its rounded log2, power of two or not)
    and rescales to the table's input (15 + p - 3 bits left, times 3); a right shift when that is negative."""
    left = 15 + _checked_log2(cell_scale)[1] - 3
    return (3, -left) if left < 0 else (3 << left, 0)


def quantized_cell_clip(clip: float, cell_scale: float) -> int:
    """TFLM's int16 clip bound: double clip / scale, clamped to int16, truncated; 0 (no clipping) unless clip > 0."""
    if not clip > 0:
        return 0
    return int(math.trunc(min(max(float(clip) / float(cell_scale), -32768.0), 32767.0)))


class UnidirectionalSequenceLstm(OpDef):
    type = OpType.UNIDIRECTIONAL_SEQUENCE_LSTM
    kernel_headers = ("mf_lstm_cell.h", "mf_lstm.h")
    int16_headers = kernel_headers   # one kernel file for both: mf_lstm_s8 / mf_lstm_s16

    def check(self, op: Op) -> None:
        if len(op.inputs) != 24 or len(op.outputs) != 1:
            raise fail(op, f"expected 24 inputs and 1 output, got {len(op.inputs)} and {len(op.outputs)}",
                       "the model is malformed; re-export it (TFLM requires all 24 operands, -1 for the absent ones)")
        x = expect_dtype(op, op.inputs[0], "input", DType.INT8, DType.INT16)
        act_dt = x.dtype
        bias_dt = DType.INT64 if act_dt == DType.INT16 else DType.INT32   # TFLM reads the biases as this type
        for k, kind in VARIANTS.items():
            if op.inputs[k] is not None:
                raise fail(op, f"the {kind} LSTM variant (operand {k}, '{op.inputs[k].name}') is not supported",
                           "TFLM's kernel refuses it too; " + SUPPORTED)
        for group, role in ((X_WEIGHTS, "input weights"), (H_WEIGHTS, "recurrent weights"), (BIASES, "bias")):
            for k, gate in zip(group, GATES):
                if op.inputs[k] is None:
                    why = " (a CIFG LSTM, with a coupled input and forget gate)" if gate == "input" else ""
                    raise fail(op, f"the {gate} gate's {role} (operand {k}) is absent{why}; TFLM's kernel needs all four "
                                   "gates", SUPPORTED)
                t = expect_const(op, op.inputs[k], f"{gate} gate {role}")
                if role == "bias" and t.dtype != bias_dt:
                    raise fail(op, f"{gate} gate bias '{t.name}' is {t.dtype.name.lower()}; an LSTM with "
                                   f"{act_dt.name.lower()} activations needs {bias_dt.name.lower()} biases (TFLM reads "
                                   f"them as {bias_dt.name.lower()})", SUPPORTED)
                expect_dtype(op, t, f"{gate} gate {role}", bias_dt if role == "bias" else DType.INT8)
                expect_quant(op, t, f"{gate} gate {role}")
                if role != "bias" and t.quant.zp != 0:
                    raise fail(op, f"{gate} gate {role} zero point must be 0 (symmetric int8 weights)")
        h, c, y = op.inputs[HIDDEN], op.inputs[CELL], op.outputs[0]
        for t, role, dt in ((h, "hidden (output) state", act_dt), (c, "cell state", DType.INT16)):
            expect_dtype(op, t, role, dt)
            if not t.variable:
                raise fail(op, f"{role} '{t.name}' must be a variable tensor", "the model is malformed; re-export it")
            expect_quant(op, t, role)
        expect_dtype(op, y, "output", act_dt)
        expect_quant(op, x, "input")
        act = op.options.get("activation", "NONE")
        if act != "TANH":
            raise fail(op, f"cell gate activation {act} is not supported (TFLM's integer LSTM kernel only runs TANH there)", SUPPORTED)
        if len(x.shape) != 3:
            raise fail(op, f"input must have rank 3 ([batch, time, features] or time-major [time, batch, features]), "
                           f"has shape {list(x.shape)}")
        tm = bool(op.options.get("time_major", False))
        steps, batch = (x.shape[0], x.shape[1]) if tm else (x.shape[1], x.shape[0])
        n_input = x.shape[2]
        if len(h.shape) != 2:
            raise fail(op, f"hidden state must have shape [batch, cells], has {list(h.shape)}")
        n_cell = h.shape[1]
        for k in X_WEIGHTS + H_WEIGHTS + BIASES:
            t = op.inputs[k]
            want = (n_cell,) if k in BIASES else (n_cell, n_input if k in X_WEIGHTS else n_cell)
            if tuple(t.shape) != want:
                raise fail(op, f"operand {k} '{t.name}' has shape {list(t.shape)}, expected {list(want)}",
                           "the model is malformed; re-export it")
        for t, role in ((h, "hidden state"), (c, "cell state")):
            if t.num_elements != batch * n_cell:
                raise fail(op, f"{role} has {t.num_elements} elements, expected batch * cells = {batch * n_cell}",
                           "the model is malformed; re-export it")
        out_shape = (x.shape[0], x.shape[1], n_cell)
        if tuple(y.shape) != out_shape:
            raise fail(op, f"output has shape {list(y.shape)}, expected {list(out_shape)}", "the model is malformed; re-export it")
        if cell_tanh_input(c.quant.s)[0] > 3 << 14:   # |cell| * mult must stay inside int32
            raise fail(op, f"cell state scale {c.quant.s:.3g} is too coarse: above 4, TFLM's tanh rescaling overflows int32")
        for wk, hk, gate in zip(X_WEIGHTS, H_WEIGHTS, GATES):
            for real, what in ((fc_scale(x.quant.s, op.inputs[wk].quant.s), f"the {gate} gate's input scale"),
                               (fc_scale(h.quant.s, op.inputs[hk].quant.s), f"the {gate} gate's recurrent scale")):
                expect_supported_rescale(op, real, what)
                if act_dt == DType.INT16 and quantize_multiplier(real)[1] > 7:
                    raise fail(op, f"{what} {real:.3g} is 128 or more: TFLM's int64 rescaling (int16 activations) "
                                   "only takes shifts up to 7", "check the tensors' quantisation scales")
        for real, what in zip(self._mul_scales(op), ("forget * cell scale", "input * cell gate scale", "hidden state scale")):
            expect_supported_rescale(op, real, f"the {what}")

    @staticmethod
    def _mul_scales(op: Op) -> tuple[float, float, float]:
        """TFLM's three inter-gate Mul rescales (CreateInterGateMulParams: doubles of the float32 scales)."""
        cs, hs = _f32(op.inputs[CELL].quant.s), _f32(op.inputs[HIDDEN].quant.s)
        return GATE_OUT_SCALE * cs / cs, GATE_OUT_SCALE * GATE_OUT_SCALE / cs, GATE_OUT_SCALE * GATE_OUT_SCALE / hs

    @staticmethod
    def packed(op: Op, dsp: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The kernel's constants: weights per cell in the variant's layout (portable: the four gates interleaved,
        [cells][n][4], stored as unsigned bytes w + 128 for int8 activations; DSP: the four gate rows,
        [cells][4][n]) and biases with the zero points folded in ([cells][4]; bias - in_zp * row sum,
        -hid_zp * row sum), as the kernel's accumulators: int32 (wrapping) for int8 activations, int64 for int16."""
        wx = np.stack([op.inputs[k].data for k in X_WEIGHTS], axis=1).astype(np.int8)    # [cells][4][n]
        wh = np.stack([op.inputs[k].data for k in H_WEIGHTS], axis=1).astype(np.int8)
        b = np.stack([op.inputs[k].data.reshape(-1) for k in BIASES], axis=-1).astype(np.int64)
        bx = b - op.inputs[0].quant.zp * wx.astype(np.int64).sum(axis=2)
        bh = -op.inputs[HIDDEN].quant.zp * wh.astype(np.int64).sum(axis=2)
        if not dsp:
            wx, wh = np.ascontiguousarray(wx.transpose(0, 2, 1)), np.ascontiguousarray(wh.transpose(0, 2, 1))
        if op.inputs[0].dtype == DType.INT16:
            return wx, wh, bx, bh
        if not dsp:   # the portable int8 kernel reads its weights as unsigned bytes w + 128 (mf_lstm.h says why)
            wx, wh = ((w.astype(np.int16) + 128).astype(np.uint8).view(np.int8) for w in (wx, wh))
        wrap = lambda v: (((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)).astype(np.int32)  # noqa: E731
        return wx, wh, wrap(bx), wrap(bh)

    def macs(self, op: Op) -> int:
        x, h = op.inputs[0], op.inputs[HIDDEN]
        rows, n_cell = x.shape[0] * x.shape[1], h.shape[1]
        return rows * 4 * n_cell * (x.shape[2] + n_cell)

    def emit(self, op: Op, ctx) -> str:
        x, h, c, y = op.inputs[0], op.inputs[HIDDEN], op.inputs[CELL], op.outputs[0]
        tm = bool(op.options.get("time_major", False))
        xq = [quantize_multiplier(fc_scale(x.quant.s, op.inputs[k].quant.s)) for k in X_WEIGHTS]
        hq = [quantize_multiplier(fc_scale(h.quant.s, op.inputs[k].quant.s)) for k in H_WEIGHTS]
        (fm, fs), (im, is_), (om, os_) = (quantize_multiplier(s) for s in self._mul_scales(op))
        tanh_mult, tanh_shift = cell_tanh_input(c.quant.s)
        s16 = x.dtype == DType.INT16
        wx, wh, bx, bh = self.packed(op, dsp="dsp" in ctx.kernel_variants)
        biases = dict(bx="0", bh="0", bx64=ctx.const(f"{op.name}_bx", bx), bh64=ctx.const(f"{op.name}_bh", bh)) if s16 \
            else dict(bx=ctx.const(f"{op.name}_bx", bx), bh=ctx.const(f"{op.name}_bh", bh), bx64="0", bh64="0")
        p = ctx.params("mf_lstm_params_t", dict(
            batches=x.shape[0 + tm], time_steps=x.shape[1 - tm], n_input=x.shape[2], n_cell=h.shape[1], time_major=tm,
            hid_zp=h.quant.zp,
            x_mult=[m for m, _ in xq], x_shift=[s for _, s in xq], h_mult=[m for m, _ in hq], h_shift=[s for _, s in hq],
            wx=ctx.const(f"{op.name}_wx", wx), wh=ctx.const(f"{op.name}_wh", wh), **biases,
            fc_mult=fm, fc_shift=fs, ic_mult=im, ic_shift=is_, oh_mult=om, oh_shift=os_,
            cell_clip=quantized_cell_clip(op.options.get("cell_clip", 0.0), _f32(c.quant.s)),
            tanh_mult=tanh_mult, tanh_shift=tanh_shift, table=ctx.const(f"{op.name}_sigmoid", sigmoid_table_s16())))
        return f"mf_lstm_{'s16' if s16 else 's8'}(&{p}, {ctx.ptr(x)}, {ctx.ptr(h)}, {ctx.ptr(c)}, {ctx.ptr(y)});"
