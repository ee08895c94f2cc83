"""Flash accounting (issue #7): the .tflite's constants against what microforge stores for them in the linked
image, and code. Every figure is derived here from the .tflite and the ELF, none typed in."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from microforge.driver import compile_model
from microforge.footprint import STORED_RATIO_LIMIT, FlashAccount, flash_account, from_run
from microforge.modelgen import example_model, fc_model
from microforge.report import make_report
from microforge.sim.elf import read_elf
from microforge.sim.run import random_inputs, run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

needs_gcc = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                               "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")
M4 = get_target("m4")


def tflite_constants(data: bytes) -> tuple[int, int]:
    """(bytes of every constant tensor the operators read, bytes of the int8 ones), straight from the flatbuffer."""
    m = schema.ModelT.InitFromPackedBuf(data, 0)
    sg = m.subgraphs[0]
    seen, total, int8 = set(), 0, 0
    for op in sg.operators:
        for ti in op.inputs:
            ti = int(ti)
            if ti < 0 or ti in seen:
                continue
            buf = m.buffers[sg.tensors[ti].buffer]
            if buf.data is not None and len(buf.data):
                seen.add(ti)
                total += len(buf.data)
                int8 += len(buf.data) if sg.tensors[ti].type == schema.TensorType.INT8 else 0
    return total, int8


@needs_gcc
@pytest.mark.parametrize("name", ["example", "fc"])
def test_account_splits_the_linked_image(tmp_path, name):
    data = example_model() if name == "example" else fc_model(rng=3, in_shape=(1, 256), units=128)
    cm = compile_model(data, target="m4")
    run = run_on_target(cm, M4, random_inputs(cm.graph.inputs, 1), workdir=tmp_path)
    acc = flash_account(cm, run.build)
    tflite, int8 = tflite_constants(data)

    assert acc.tflite == cm.tflite_constant_bytes == tflite > 0
    assert acc.stored >= int8                              # every weight byte is somewhere in flash
    assert acc.stored + acc.code + acc.other == acc.total == run.build.flash_bytes
    assert acc.stored == sum(acc.stored_parts.values()) == sum(l["stored"] for l in acc.layers)
    assert sum(l["tflite"] for l in acc.layers) <= acc.tflite
    assert acc.ratio == pytest.approx(acc.stored / tflite)
    # the arrays are all in the image (the weights section is kept): their symbols add up to what codegen emitted,
    # and fill the .mf_weights section but for alignment padding
    arrays = acc.stored_parts["tensor"] + acc.stored_parts["derived"]
    assert arrays == cm.const_bytes
    elf = read_elf(run.build.elf_path)
    weights_section = next(s for s in elf.sections if s.name == ".mf_weights")
    n_arrays = sum(k != "params" for l in cm.layers for k in l.constants.values())
    assert arrays <= weights_section.size < arrays + 4 * n_arrays
    # code: the kernels of model.o as linked, no more than the object file holds
    obj = subprocess.run(["arm-none-eabi-size", "-A", str(tmp_path / "build" / "obj" / "model.o")],
                         capture_output=True, text=True, check=True).stdout
    obj_text = sum(int(p[1]) for p in (l.split() for l in obj.splitlines()) if len(p) == 3 and p[0].startswith(".text"))
    assert 0 < acc.code <= obj_text

    over = acc.ratio > STORED_RATIO_LIMIT or any(l["stored"] > STORED_RATIO_LIMIT * l["tflite"] for l in acc.layers)
    assert bool(acc.warnings()) == over
    report = make_report(cm, M4, run)
    text = report.to_text()
    assert f"weights      .tflite {tflite:,} B -> stored {acc.stored:,} B ({acc.ratio:.3f}x" in text
    assert ("warning: stored constants above 1.05x" in text) == over
    d = json.loads(report.to_json())["flash_account"]
    assert d["tflite"] == tflite and d["stored"] == acc.stored and d["total"] == report.flash_bytes
    fp = from_run(cm, run)
    assert fp.account.stored == acc.stored and f"stored {acc.stored:,} B" in fp.to_text()


def test_large_weights_stay_within_the_limit_small_layers_are_named():
    """The warning logic on an account built by hand: the model's ratio and each layer's are judged separately; a layer
    is named by the model's operator index, not its place in the compiled order."""
    layers = [dict(index=0, model_ops="3", op="CONV_2D", tflite=100, stored=300),
              dict(index=1, model_ops="4", op="FULLY_CONNECTED", tflite=10_000, stored=10_100)]
    acc = FlashAccount(tflite=10_100, stored=10_400, stored_parts=dict(tensor=10_000, derived=400, params=0),
                       code=5000, other=700, total=16_100, layers=layers)
    assert acc.ratio == pytest.approx(10_400 / 10_100) and acc.ratio < STORED_RATIO_LIMIT
    (w,) = acc.warnings()
    assert "model within" in w and "; CONV_2D (op 3) 3.00x (+200 B)" in w and "FULLY_CONNECTED" not in w
    layers[0]["stored"] = 104
    assert FlashAccount(**{**acc.__dict__, "stored": 10_104, "layers": layers}).warnings() == []
    big = FlashAccount(**{**acc.__dict__, "stored": 11_000})
    assert "model 1.089x" in big.warnings()[0]


@needs_gcc
def test_cli_compile_and_bench_show_the_split(tmp_path):
    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    tflite, _ = tflite_constants(example_model())

    def mf(*args):
        return subprocess.run([sys.executable, "-m", "microforge", *map(str, args)], capture_output=True, text=True)

    r = mf("compile", model, "--target", "m4", "-o", tmp_path / "lib")
    assert r.returncode == 0, r.stderr
    assert f"weights: .tflite {tflite:,} B -> stored " in r.stdout and "(model.o .text)" in r.stdout
    r = mf("compile", model, "--target", "host", "-o", tmp_path / "lib2")
    assert r.returncode == 0 and f"weights: .tflite {tflite:,} B -> " in r.stdout and "need a core target" in r.stdout
    r = mf("bench", model, "--target", "m4", "--json")
    assert r.returncode == 0, r.stderr
    acc = json.loads(r.stdout)["flash_account"]
    assert acc["tflite"] == tflite and acc["stored"] + acc["code"] + acc["other"] == acc["total"]
