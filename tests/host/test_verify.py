"""Layer diff (microforge verify): identical models say so; a corrupted weight is traced to its layer."""
import subprocess
import sys

import flatbuffers
import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge.debug import expose_intermediates, verify
from microforge.modelgen import example_model
from microforge.toolchain.arm import have_arm_gcc

CORRUPTED_OP = 2   # the example's second CONV_2D ('pw1')


def corrupt_weight(model: bytes, op_index: int) -> bytes:
    """`model` with one weight byte of operator `op_index` flipped by 64."""
    m = schema.ModelT.InitFromPackedBuf(model, 0)
    sg = m.subgraphs[0]
    w = sg.tensors[sg.operators[op_index].inputs[1]]
    data = np.array(m.buffers[w.buffer].data, dtype=np.uint8)
    data[5] ^= 0x40
    m.buffers[w.buffer].data = data
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_expose_intermediates_appends_every_op_output():
    m = schema.Model.GetRootAs(expose_intermediates(example_model()), 0).Subgraphs(0)
    orig = schema.Model.GetRootAs(example_model(), 0).Subgraphs(0)
    outs = [m.Outputs(i) for i in range(m.OutputsLength())]
    op_outs = [m.Operators(k).Outputs(0) for k in range(m.OperatorsLength())]
    assert outs[0] == orig.Outputs(0) and sorted(outs) == sorted(set(op_outs))


@pytest.mark.parametrize("target", ["host", pytest.param("m4", marks=pytest.mark.skipif(
    not have_arm_gcc(), reason="arm-none-eabi-gcc not installed"))])
def test_untouched_model_is_identical(target):
    r = verify(example_model(), target)
    assert r.identical and r.first_mismatch is None
    assert len(r.layers) == 9 and all(d.compared and d.differing == 0 for d in r.layers)
    assert "identical" in r.to_text()


def test_corrupted_weight_names_its_layer():
    r = verify(corrupt_weight(example_model(), CORRUPTED_OP), "host", reference=example_model(), seed=3)
    first = r.first_mismatch
    assert not r.identical and first is not None
    assert (first.op_index, first.op, first.tensor) == (CORRUPTED_OP, "CONV_2D", "pw1")
    assert 0 < first.differing <= first.elements and first.max_diff > 0
    assert all(d.identical for d in r.layers[:CORRUPTED_OP])
    assert "first differing layer is op 2 CONV_2D -> 'pw1'" in r.to_text()


def test_cli_verify(tmp_path):
    good, bad = tmp_path / "good.tflite", tmp_path / "bad.tflite"
    good.write_bytes(example_model())
    bad.write_bytes(corrupt_weight(example_model(), CORRUPTED_OP))
    x = np.random.default_rng(1).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    np.save(tmp_path / "x.npy", x)

    def mf(*args):
        return subprocess.run([sys.executable, "-m", "microforge", *map(str, args)], capture_output=True, text=True)

    r = mf("verify", good, "--target", "host", "--layers", "--input", tmp_path / "x.npy")
    assert r.returncode == 0, r.stderr
    assert "identical" in r.stdout and r.stdout.count("identical (") == 9
    r = mf("verify", bad, "--target", "host", "--reference", good)
    assert r.returncode == 1, r.stderr
    assert "first differing layer is op 2 CONV_2D -> 'pw1'" in r.stdout and "differ, max difference" in r.stdout
