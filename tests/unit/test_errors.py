"""Hostile and broken models: one targeted test per frontend check, each a MicroforgeError naming op/tensor/field."""
from __future__ import annotations

import copy
import math
import subprocess
import sys
import tracemalloc

import flatbuffers
import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge import modelgen
from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.frontend import load_tflite
from microforge.frontend.flatbuf import MAX_OPERATORS

BO = schema.BuiltinOperator


# ---- helpers -----------------------------------------------------------------------------------

def unpack(data: bytes) -> schema.ModelT:
    return schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))


def pack(m: schema.ModelT) -> bytes:
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def edited(data: bytes, edit) -> bytes:
    m = unpack(data)
    edit(m)
    return pack(m)


def tensor_named(m: schema.ModelT, name: str) -> schema.TensorT:
    return next(t for t in m.subgraphs[0].tensors if t.name in (name, name.encode()))


def rejects(data: bytes, *fragments: str) -> str:
    """compile_model(data) must raise MicroforgeError whose message holds every fragment."""
    with pytest.raises(MicroforgeError) as ei:
        compile_model(data)
    msg = ei.value.message
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    assert "\n" not in msg or "compiler" in msg
    return msg


CONV = modelgen.conv2d_model(1)            # tensors: input, conv/weights(?), ..., output
FC = modelgen.fc_model(3)


def conv_tensor_names() -> list[str]:
    return [t.name.decode() for t in unpack(CONV).subgraphs[0].tensors]


# ---- file-level checks -------------------------------------------------------------------------

@pytest.mark.parametrize("cut", [0, 7, 12, 100, len(CONV) // 2, len(CONV) - 3])
def test_truncated_flatbuffer(cut):
    rejects(CONV[:cut])


def test_root_offset_out_of_range():
    data = bytearray(CONV)
    data[0:4] = (len(data) + 100).to_bytes(4, "little")
    rejects(bytes(data), "root table offset", "corrupt")


def test_vector_length_out_of_range_fails_fast():
    """Patch the tensors vector's length to 2^31-1: must fail fast, without walking it."""
    root = schema.Model.GetRootAs(CONV, 0)
    sg = root.Subgraphs(0)
    o = sg._tab.Offset(4)  # SubGraph.tensors
    vec_len_pos = sg._tab.Vector(o) - 4
    data = bytearray(CONV)
    data[vec_len_pos:vec_len_pos + 4] = (0x7FFFFFFF).to_bytes(4, "little")
    tracemalloc.start()
    try:
        rejects(bytes(data), "subgraphs[0].tensors")   # named by the pre-check, before any unpacking
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


@pytest.mark.parametrize("payload, kind", [
    (b"PK\x03\x04" + b"\0" * 100, "zip archive"),
    (b"\x89HDF\r\n\x1a\n" + b"\0" * 100, "HDF5"),
    (b"unsigned char model_tflite[] = {\n  0x1c, 0x00, 0x00, 0x00, 0x54, 0x46, 0x4c, 0x33,\n};\n", "C source"),
    (b"\x7fELF" + b"\0" * 100, "ELF"),
    (b"hello world, definitely not a model", "not a TensorFlow Lite model"),
    (b"", "too short"),
], ids=["zip", "hdf5", "c-array", "elf", "text", "empty"])
def test_wrong_file_type(payload, kind):
    rejects(payload, kind)


def test_directory_and_missing_file(tmp_path):
    rejects(tmp_path, "directory")
    rejects(tmp_path / "nope.tflite", "cannot read")


def test_schema_version():
    rejects(edited(CONV, lambda m: setattr(m, "version", 2)), "field version", "2")


# ---- subgraphs, control flow, op support ---------------------------------------------------------

def test_multiple_subgraphs_name_control_flow():
    def edit(m):
        m.subgraphs = [m.subgraphs[0], copy.deepcopy(m.subgraphs[0])]
        oc = schema.OperatorCodeT()
        oc.builtinCode, oc.deprecatedBuiltinCode = BO.WHILE, BO.WHILE
        m.operatorCodes.append(oc)
    rejects(edited(CONV, edit), "2 subgraphs", "WHILE", "Control flow")


def test_no_subgraph():
    rejects(edited(CONV, lambda m: setattr(m, "subgraphs", [])), "no subgraph")


def test_unsupported_op_lists_supported():
    def edit(m):
        m.operatorCodes[0].builtinCode = m.operatorCodes[0].deprecatedBuiltinCode = BO.LSTM
    rejects(edited(CONV, edit), "op 0 (LSTM)", "not supported", "CONV_2D", "FULLY_CONNECTED", "SOFTMAX")


def test_custom_op_named():
    def edit(m):
        oc = m.operatorCodes[0]
        oc.builtinCode = oc.deprecatedBuiltinCode = BO.CUSTOM
        oc.customCode = "TFLite_Detection_PostProcess"
    rejects(edited(CONV, edit), "op 0 (CUSTOM)", "TFLite_Detection_PostProcess", "Supported operators")


def test_opcode_index_out_of_range():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].operators[0], "opcodeIndex", 9)),
            "op 0", "field opcode_index", "9")


def test_unsupported_activation_option():
    def edit(m):
        m.subgraphs[0].operators[0].builtinOptions.fusedActivationFunction = schema.ActivationFunctionType.TANH
    rejects(edited(CONV, edit), "op 0 (CONV_2D)", "activation TANH", "Supported: NONE, RELU")


def test_unsupported_padding_option():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].operators[0].builtinOptions, "padding", 5)),
            "op 0 (CONV_2D)", "padding", "SAME, VALID")


def test_zero_stride_option():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].operators[0].builtinOptions, "strideH", 0)),
            "op 0 (CONV_2D)", "stride 0")


def test_mismatched_options_type():
    def edit(m):
        op = m.subgraphs[0].operators[0]
        op.builtinOptionsType, op.builtinOptions = schema.BuiltinOptions.Pool2DOptions, schema.Pool2DOptionsT()
    rejects(edited(CONV, edit), "op 0 (CONV_2D)", "field builtin_options", "Pool2DOptions", "Conv2DOptions")


# ---- numeric kinds: float, hybrid, float16, int16 -------------------------------------------------

def float_conv(weights: str = "float32", act: str = "float32") -> bytes:
    rng = np.random.default_rng(0)
    mb = modelgen.ModelBuilder("float conv")
    q = dict(scale=0.05, zero_point=0) if act == "int8" else {}
    x = mb.input("x", (1, 4, 4, 2), act, **q)
    wq = dict(scale=0.02, zero_point=0) if weights == "int8" else {}
    w = mb.const("w", rng.standard_normal((3, 1, 1, 2)).astype(np.float32) if weights == "float32" else
                 rng.integers(-127, 128, (3, 1, 1, 2)).astype(np.int8), **wq)
    y = mb.tensor("y", (1, 4, 4, 3), act, **q)
    mb.op("CONV_2D", [x, w], [y], padding="VALID")
    mb.outputs(y)
    return mb.finish()


def test_float_model():
    rejects(float_conv(), "op 0 (CONV_2D)", "float32", "float model", "full-integer (int8)")


def test_dynamic_range_model():
    rejects(float_conv(weights="int8"), "op 0 (CONV_2D)", "dynamic-range")


def test_float_weights_in_int8_model():
    rejects(float_conv(weights="float32", act="int8"), "op 0 (CONV_2D)", "'w'", "float weights")


def test_float16_weights_dequantized():
    mb = modelgen.ModelBuilder("fp16")
    x = mb.input("x", (1, 4), "float32")
    w16 = mb.tensor("w16", (4,), "float32")
    mb._tensors[w16].type = schema.TensorType.FLOAT16
    buf = schema.BufferT()
    buf.data = np.zeros(8, np.uint8)
    mb._buffers.append(buf)
    mb._tensors[w16].buffer = len(mb._buffers) - 1
    w = mb.tensor("w", (4,), "float32")
    mb.op("DEQUANTIZE", [w16], [w])
    y = mb.tensor("y", (1, 4), "float32")
    mb.op("ADD", [x, w], [y])
    mb.outputs(y)
    rejects(mb.finish(), "op 0 (DEQUANTIZE)", "'w16'", "float16 quantised model")


def test_float_io_around_int8_graph_is_supported():
    compile_model(modelgen.quantize_model())
    compile_model(modelgen.dequantize_model())


def test_int16_activations():
    """An op TFLM runs only on int8 (REDUCE_MAX) says so for a 16x8 layer (tests/host/test_ops_int16_more.py: all)."""
    mb = modelgen.ModelBuilder("16x8")
    x = mb.input("x", (1, 4, 4, 8), "int16", 0.01, 0)
    y = mb.tensor("y", (1, 1, 1, 8), "int16", 0.01, 0)
    mb.op("REDUCE_MAX", [x, mb.const("axes", np.array([1, 2], np.int32))], [y], keep_dims=True)
    mb.outputs(y)
    rejects(mb.finish(), "op 0 (REDUCE_MAX)", "int16", "16x8", "TFLM has no int16 kernel")


# ---- tensors: shapes, quantisation, buffers ------------------------------------------------------

@pytest.mark.parametrize("shape, fragment", [
    ([1, -1, 8, 3], "negative"), ([1, 0, 8, 3], "zero"), ([1, 1, 1, 1, 1, 1, 1], "rank 7"),
])
def test_bad_shapes(shape, fragment):
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].tensors[0], "shape", np.array(shape, np.int32))),
            "tensor 0 ('input')", "field shape", fragment)


def test_huge_shape_is_not_allocated():
    tracemalloc.start()
    try:
        rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].tensors[0], "shape", np.array([1 << 30, 1 << 30, 4], np.int32))),
                "tensor 0 ('input')", "field shape", "limit")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_huge_activation_within_limits_compiles_without_allocating():
    """A 1x4096x4096x1 activation is legal (64 MiB arena): compile must plan it, not allocate it."""
    mb = modelgen.ModelBuilder("big")
    x = mb.input("x", (1, 4096, 4096, 1), "int8", 0.1, 0)
    y = mb.tensor("y", (1, 2048, 2048, 1), "int8", 0.1, 0)
    mb.op("MAX_POOL_2D", [x], [y], padding="VALID", stride_h=2, stride_w=2, filter_h=2, filter_w=2)
    mb.outputs(y)
    tracemalloc.start()
    try:
        cm = compile_model(mb.finish())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cm.arena_bytes >= 4096 * 4096 and peak < 64 << 20


def quant_edit(name: str, **fields):
    def edit(m):
        q = tensor_named(m, name).quantization
        for k, v in fields.items():
            setattr(q, k, v)
    return edit


def test_scale_and_zero_point_lengths_differ():
    rejects(edited(CONV, quant_edit("input", zeroPoint=np.array([0, 0], np.int64))),
            "tensor 0 ('input')", "quantization.scale", "quantization.zero_point")


def test_per_channel_scale_count_wrong():
    w = next(n for n in conv_tensor_names() if "weight" in n or "filter" in n)
    def edit(m):
        q = tensor_named(m, w).quantization
        q.scale = np.concatenate([q.scale, [0.1]]).astype(np.float32)
        q.zeroPoint = np.zeros(len(q.scale), np.int64)
    rejects(edited(CONV, edit), f"'{w}'", "quantization.scale", "channels")


def test_quantized_dimension_out_of_range():
    w = next(n for n in conv_tensor_names() if "weight" in n or "filter" in n)
    rejects(edited(CONV, quant_edit(w, quantizedDimension=9)), f"'{w}'", "quantization.quantized_dimension")


@pytest.mark.parametrize("bad", [0.0, -0.25, math.nan, math.inf])
def test_bad_scale(bad):
    rejects(edited(CONV, quant_edit("input", scale=np.array([bad], np.float32))),
            "tensor 0 ('input')", "quantization.scale", "finite and positive")


@pytest.mark.parametrize("zp", [128, -129, 1 << 40])
def test_zero_point_out_of_range(zp):
    rejects(edited(CONV, quant_edit("input", zeroPoint=np.array([zp], np.int64))),
            "tensor 0 ('input')", "quantization.zero_point", "[-128, 127]")


def test_buffer_shorter_than_tensor():
    w = next(n for n in conv_tensor_names() if "weight" in n or "filter" in n)
    def edit(m):
        b = m.buffers[tensor_named(m, w).buffer]
        b.data = np.asarray(b.data)[:-3]
    rejects(edited(CONV, edit), f"'{w}'", "buffer", "holds", "needs")


def test_buffer_index_out_of_range():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].tensors[0], "buffer", 999)),
            "tensor 0 ('input')", "field buffer", "999")


def test_buffer_offset_past_end_of_file():
    w = next(n for n in conv_tensor_names() if "weight" in n or "filter" in n)
    def edit(m):
        b = m.buffers[tensor_named(m, w).buffer]
        b.data, b.offset, b.size = None, 1 << 40, 16
    rejects(edited(CONV, edit), f"'{w}'", "past the end of the file")


def test_variable_and_sparse_tensors():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].tensors[0], "isVariable", True)), "tensor 0", "is_variable")
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].tensors[1], "sparsity", schema.SparsityParametersT())),
            "tensor 1", "sparsity")


def test_unknown_tensor_type():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].tensors[0], "type", schema.TensorType.COMPLEX64)),
            "tensor 0 ('input')", "field type", "COMPLEX64")


# ---- graph structure ---------------------------------------------------------------------------

def two_op_model() -> bytes:
    mb = modelgen.ModelBuilder("two ops")
    x = mb.input("x", (1, 8, 8, 4), "int8", 0.1, 0)
    a = mb.tensor("a", (1, 4, 4, 4), "int8", 0.1, 0)
    b = mb.tensor("b", (1, 2, 2, 4), "int8", 0.1, 0)
    mb.op("MAX_POOL_2D", [x], [a], padding="VALID", stride_h=2, stride_w=2, filter_h=2, filter_w=2)
    mb.op("MAX_POOL_2D", [a], [b], padding="VALID", stride_h=2, stride_w=2, filter_h=2, filter_w=2)
    mb.outputs(b)
    return mb.finish()


def test_tensor_read_before_written():
    def edit(m):
        ops = m.subgraphs[0].operators
        ops[0], ops[1] = ops[1], ops[0]
    rejects(edited(two_op_model(), edit), "op 0 (MAX_POOL_2D)", "'a'", "read before any op writes it")


def test_cycle():
    def edit(m):  # op 0 reads b (written by op 1), op 1 reads a (written by op 0)
        m.subgraphs[0].operators[0].inputs = np.array([2], np.int32)
    rejects(edited(two_op_model(), edit), "op 0 (MAX_POOL_2D)", "'b'", "cycle")


def test_op_tensor_index_out_of_range():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0].operators[0], "inputs", np.array([0, 77], np.int32))),
            "op 0 (CONV_2D)", "field inputs", "77")


def test_no_graph_inputs_and_constant_input():
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0], "inputs", np.array([], np.int32))), "no inputs")
    rejects(edited(CONV, lambda m: setattr(m.subgraphs[0], "inputs", np.array([1], np.int32))), "constant")


# ---- resource limits ---------------------------------------------------------------------------

def shared_table_model(n: int, name_len: int) -> bytes:
    """n tensor slots that all point at one table with a name_len-byte name: tiny file, huge object tree."""
    b = flatbuffers.Builder(0)
    name = b.CreateString("t" * name_len)
    schema.TensorStart(b)
    schema.TensorAddName(b, name)
    t = schema.TensorEnd(b)
    schema.SubGraphStartTensorsVector(b, n)
    for _ in range(n):
        b.PrependUOffsetTRelative(t)
    vec = b.EndVector()
    schema.SubGraphStart(b)
    schema.SubGraphAddTensors(b, vec)
    sg = schema.SubGraphEnd(b)
    schema.ModelStartSubgraphsVector(b, 1)
    b.PrependUOffsetTRelative(sg)
    sgs = b.EndVector()
    schema.ModelStart(b)
    schema.ModelAddVersion(b, 3)
    schema.ModelAddSubgraphs(b, sgs)
    b.Finish(schema.ModelEnd(b), b"TFL3")
    return bytes(b.Output())


@pytest.mark.parametrize("n, name_len, fragment", [(20000, 10000, "strings"), (200_000, 1, "subgraphs[0].tensors")])
def test_shared_tables_cannot_amplify(n, name_len, fragment):
    """The object API would unpack 200 MB / 200k objects from these small files; the pre-checks stop it."""
    data = shared_table_model(n, name_len)
    tracemalloc.start()
    try:
        rejects(data, fragment)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def test_operator_count_limit():
    mb = modelgen.ModelBuilder("many")
    x = mb.input("x", (1, 4), "int8", 0.1, 0)
    y = mb.tensor("y", (1, 4), "int8", 0.1, 0)
    mb.op("RESHAPE", [x], [y], new_shape=[1, 4])
    mb.outputs(y)
    m = unpack(mb.finish())
    m.subgraphs[0].operators = m.subgraphs[0].operators * (MAX_OPERATORS + 1)
    rejects(pack(m), "subgraphs[0].operators", str(MAX_OPERATORS))


# ---- identifiers -------------------------------------------------------------------------------

HOSTILE = ["*/ int evil = 1; /*", "a\nb\n#include <stdlib.h>", "#include \"x.h\"", "ünï/名前/🙂", "y" * 3000, "int",
           "static", "x", "x", "??/", "\"q\"\\", "\x1b[31mred"]


def test_hostile_tensor_names_compile_to_safe_c(tmp_path):
    def edit(m):
        for t, name in zip(m.subgraphs[0].tensors, HOSTILE):
            t.name = name
    data = edited(modelgen.example_model(), edit)
    cm = compile_model(data)
    src = cm.files["model.c"] + cm.files["model.h"]
    assert "int evil" not in src.replace("* / int evil", "")           # the comment terminator was defused
    directives = [ln.strip() for ln in src.splitlines() if ln.lstrip().startswith("#")]
    assert not any("stdlib" in d or '"x.h"' in d for d in directives)    # no name became a preprocessor line
    assert "\x1b" not in src and all(ord(c) < 128 for c in src)
    from helpers import Oracle, random_inputs

    from microforge.toolchain.host import build_host
    oracle = Oracle(data)
    xs = random_inputs(oracle, np.random.default_rng(0))
    got = build_host(cm, tmp_path).run(xs)
    assert all(g.tobytes() == r.tobytes() for g, r in zip(got, oracle.run(xs)))


def test_hostile_names_in_messages_are_escaped():
    msg = rejects(edited(CONV, lambda m: (setattr(m.subgraphs[0].tensors[0], "name", "evil\n\x1b[2Jname" + "z" * 1000),
                                           setattr(m.subgraphs[0].tensors[0], "shape", np.array([0], np.int32)))),
                  "evil\\x0a\\x1b[2Jname")
    assert "\x1b" not in msg and len(msg) < 1000


# ---- the CLI -----------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, fragment", [
    (CONV[: len(CONV) // 2], "corrupt or truncated"),
    (b"PK\x03\x04" + b"\0" * 64, "zip archive"),
    (float_conv(), "float model"),
], ids=["truncated", "zip", "float"])
def test_cli_exit_2_without_traceback(tmp_path, payload, fragment):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(payload)
    r = subprocess.run([sys.executable, "-m", "microforge", "compile", str(bad), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "error:" in r.stderr and fragment in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("model, tensor_index, scale", [
    (lambda: modelgen.mean_model(), 0, 1e10),              # input/output ratio far above 2^30
    (lambda: modelgen.quantize_model(in_dtype="int8"), 0, 1e30),
    (lambda: modelgen.conv2d_model(1), 3, 1e-30),          # output scale tiny: effective scale overflows
])
def test_rescale_outside_tflm_range_is_refused(model, tensor_index, scale):
    def edit(m):
        q = m.subgraphs[0].tensors[m.subgraphs[0].outputs[0]].quantization if tensor_index == 3 else \
            m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]].quantization
        q.scale = np.full(len(q.scale), scale, np.float32)
    rejects(edited(model(), edit), "outside the range TFLM's integer arithmetic supports")


def test_bias_quantized_dimension_out_of_range_is_ignored_like_tflm():
    """person_detect.tflite's per-channel biases say quantized_dimension 3 on a 1-D tensor; TFLM
    never reads it and runs the model, so the frontend takes the vector's only axis."""
    dw = modelgen.depthwise_model(2, (1, 5, 5, 8))
    cm = compile_model(edited(dw, quant_edit("dw/bias", quantizedDimension=3)))
    bias = next(t for t in cm.graph.tensors if t.name == "dw/bias")
    assert bias.quant.axis == 0
