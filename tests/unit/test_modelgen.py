"""modelgen: every builder model loads and runs in TFLM and its outputs depend on its inputs."""
import numpy as np
import pytest
from helpers import Oracle, random_inputs, seed_of
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge import modelgen as mg

MODELS = {
    "conv2d": lambda: mg.conv2d_model(1),
    "conv2d_valid_s2_dil2": lambda: mg.conv2d_model(2, (1, 11, 10, 5), 7, (3, 2), (2, 1), "VALID",
                                                    (2, 2), "RELU6", per_channel=False),
    "conv2d_no_bias": lambda: mg.conv2d_model(3, bias=False),
    "depthwise": lambda: mg.depthwise_model(4, (1, 7, 7, 5), depth_multiplier=3, act="RELU"),
    "depthwise_per_tensor": lambda: mg.depthwise_model(5, stride=2, dilation=(1, 2),
                                                       per_channel=False),
    "fc": lambda: mg.fc_model(6),
    "fc_per_channel_keep_dims": lambda: mg.fc_model(7, (2, 3, 8), 5, per_channel=True,
                                                    keep_num_dims=True),
    "fc_no_bias": lambda: mg.fc_model(8, bias=False),
    "add": lambda: mg.add_model(0),
    "add_broadcast": lambda: mg.add_model(0, (2, 3, 1, 5), (1, 1, 4, 1), act="RELU"),
    "avg_pool": lambda: mg.pool_model("AVERAGE"),
    "max_pool_same": lambda: mg.pool_model("MAX", (1, 7, 7, 5), 3, 2, "SAME"),
    "mean": lambda: mg.mean_model(),
    "mean_last_axis": lambda: mg.mean_model(axes=(-1,), keep_dims=False),
    "pad": lambda: mg.pad_model(),
    "padv2": lambda: mg.pad_model(v2=True, pad_value=-100),
    "reshape_tensor": lambda: mg.reshape_model(mode="tensor"),
    "reshape_option": lambda: mg.reshape_model(mode="option", new_shape=(2, -1)),
    "reshape_both": lambda: mg.reshape_model(mode="both"),
    "softmax": lambda: mg.softmax_model(),
    "softmax_beta": lambda: mg.softmax_model((1, 3, 3, 7), beta=0.5, in_scale=0.3, in_zp=-20),
    "quantize_float": lambda: mg.quantize_model(),
    "requantize_int8": lambda: mg.quantize_model(in_dtype="int8"),
    "dequantize": lambda: mg.dequantize_model(),
    "example": mg.example_model,
}


@pytest.mark.parametrize("name", MODELS)
def test_model_runs_in_tflm_and_depends_on_input(name):
    oracle = Oracle(MODELS[name]())
    rng = np.random.default_rng(seed_of(name))
    outs = [oracle.run(random_inputs(oracle, rng)) for _ in range(4)]
    for o in outs[0]:
        assert o.size > 0
    assert any(not np.array_equal(outs[0][0], o[0]) for o in outs[1:]), "output ignores input"


def test_models_are_deterministic():
    assert mg.example_model() == mg.example_model()
    assert mg.conv2d_model(np.random.default_rng(5)) == mg.conv2d_model(5)
    assert mg.conv2d_model(5) != mg.conv2d_model(6)


def test_example_model_shape_and_ops():
    data = mg.example_model()
    oracle = Oracle(data)
    assert [tuple(d["shape"]) for d in oracle.inputs] == [(1, 32, 32, 3)]
    assert [tuple(d["shape"]) for d in oracle.outputs] == [(1, 10)]
    model = schema.ModelT.InitFromPackedBuf(data, 0)
    codes = [model.operatorCodes[o.opcodeIndex].builtinCode for o in model.subgraphs[0].operators]
    op = schema.BuiltinOperator
    assert codes == [op.CONV_2D, op.DEPTHWISE_CONV_2D, op.CONV_2D, op.ADD, op.AVERAGE_POOL_2D,
                     op.MEAN, op.RESHAPE, op.FULLY_CONNECTED, op.SOFTMAX]
    rng = np.random.default_rng(0)
    outs = {oracle.run(random_inputs(oracle, rng))[0].tobytes() for _ in range(10)}
    assert len(outs) > 3


@pytest.mark.parametrize("n,k,s,d,pad,want", [
    (8, 3, 1, 1, "SAME", 8), (8, 3, 2, 1, "SAME", 4), (7, 3, 2, 1, "SAME", 4),
    (8, 3, 1, 1, "VALID", 6), (8, 3, 2, 1, "VALID", 3), (11, 3, 2, 2, "VALID", 4),
    (3, 5, 1, 1, "SAME", 3), (9, 1, 3, 1, "VALID", 3),
])
def test_conv_out_size(n, k, s, d, pad, want):
    assert mg.conv_out_size(n, k, s, d, pad) == want


def test_builder_options_object_and_optional_input():
    mb = mg.ModelBuilder()
    x = mb.input("x", (1, 2, 3, 4), "int8", scale=0.1, zero_point=1)
    y = mb.tensor("y", (6, 4), "int8", scale=0.1, zero_point=1)
    opts = schema.ReshapeOptionsT()
    opts.newShape = [6, 4]
    mb.op("RESHAPE", [x, mg.OPTIONAL], [y], options=opts)
    mb.outputs(y)
    data = mb.finish()
    model = schema.ModelT.InitFromPackedBuf(data, 0)
    op = model.subgraphs[0].operators[0]
    assert list(op.inputs) == [0, -1]
    assert op.builtinOptionsType == schema.BuiltinOptions.ReshapeOptions
    assert model.version == 3 and model.buffers[0].data is None
    xq = np.arange(24, dtype=np.int8).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(Oracle(data).run([xq])[0], xq.reshape(6, 4))
    with pytest.raises(TypeError):
        mb.op("RESHAPE", [x], [y], options=opts, new_shape=[6, 4])


def test_const_buffers_are_aligned_and_per_channel_quant_is_recorded():
    data = mg.conv2d_model(0, (1, 4, 4, 3), 5)
    model = schema.Model.GetRootAs(data, 0)
    for i in range(1, model.BuffersLength()):
        buf = model.Buffers(i)
        if buf.DataLength():
            assert buf.DataAsNumpy().ctypes.data % 16 == np.frombuffer(data, np.uint8).ctypes.data % 16
    m = schema.ModelT.InitFromPackedBuf(data, 0)
    w = m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[1]]
    assert len(w.quantization.scale) == 5 and w.quantization.quantizedDimension == 0
    assert list(w.quantization.zeroPoint) == [0] * 5
