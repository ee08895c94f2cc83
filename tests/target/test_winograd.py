"""Winograd F(2x2, 3x3) stride-1 3x3 convolutions (mix = 9, runtime/dsp/mf_conv2d_wino.h): the integer arithmetic in
numpy against direct convolution, the overflow bound, the buffer plan, and per-op models on the emulated M4/M7/M33
byte for byte against TFLM, with checks that the path is taken (and that it is not where it must not be)."""
from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import Oracle, assert_same_outputs, random_inputs, seed_of
from test_on_target import exact_on_core

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.ops import conv2d
from microforge.sim.run import run_on_target
from microforge.targets import get_target
from microforge.toolchain.arm import have_arm_gcc

needs_gcc = pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed "
                               "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")


def compiled_exact(model: bytes, cm, core: str, tmp_path, seed_key: str, name: str) -> None:
    """exact_on_core for a model already compiled with options of its own (`cm`): run it on the emulated core on
    seeded random inputs and compare every output with TFLM byte for byte."""
    oracle = Oracle(model)
    xs = random_inputs(oracle, np.random.default_rng(seed_of(seed_key, name, core)))
    run = run_on_target(cm, get_target(core), xs, workdir=tmp_path)
    assert_same_outputs(run.outputs, oracle.run(xs), f"{name} on {core}")


# ---- the integer arithmetic --------------------------------------------------------------------------------------

def direct(x: np.ndarray, w: np.ndarray, pad: int, pad_value: int) -> np.ndarray:
    """sum_{ky,kx,c} w * x_raw for a stride-1 3x3 convolution with `pad` rows/columns of pad_value on every side."""
    n, h, wd, ic = x.shape
    xp = np.full((n, h + 2 * pad, wd + 2 * pad, ic), pad_value, np.int64)
    xp[:, pad:pad + h, pad:pad + wd] = x
    oh, ow = h + 2 * pad - 2, wd + 2 * pad - 2
    out = np.zeros((n, oh, ow, w.shape[0]), np.int64)
    for oy in range(oh):
        for ox in range(ow):
            out[:, oy, ox] = np.einsum("nabc,oabc->no", xp[:, oy:oy + 3, ox:ox + 3], w.astype(np.int64))
    return out


@pytest.mark.parametrize("shape,oc,pad", [((1, 8, 8, 64), 7, 1), ((2, 6, 8, 4), 3, 1), ((1, 6, 8, 8), 5, 0),
                                          ((1, 4, 4, 16), 1, 1), ((1, 4, 6, 12), 13, 0),
                                          ((1, 7, 8, 16), 5, 1), ((2, 5, 6, 4), 3, 0)])   # odd out_h
def test_reference_matches_direct_convolution(shape, oc, pad):
    rng = np.random.default_rng(seed_of("wino-ref", *shape, oc, pad))
    x = rng.integers(-128, 128, shape)
    w = rng.integers(-128, 128, (oc, 3, 3, shape[3]))
    for zp in (-128, -3, 0, 17, 127):
        want = direct(x, w, pad, zp)
        got = conv2d.wino_reference(x, w, pad, pad, zp, want.shape[1], want.shape[2])
        assert np.array_equal(got, want), zp


def test_reference_extremes():
    """Every input and weight at an int8 extreme (|V| and |U| at their bounds) is still exact."""
    for xv, wv in ((-128, -128), (127, -128), (-128, 127)):
        x = np.full((1, 4, 4, 8), xv)
        w = np.full((3, 3, 3, 8), wv)
        want = direct(x, w, 1, -xv - 1)
        assert np.array_equal(conv2d.wino_reference(x, w, 1, 1, -xv - 1, 4, 4), want)


def test_overflow_bound():
    """wino_bound_ok takes ic's layers' ranges and refuses a crafted worst case: with every weight -128 each in channel
    adds sum |U| = 128 * (1 + 3 + 1 + 1)^2 = 4608, times WINO_V_MAX * 4 = 2048, to an out channel's bound: 227 in channels
    stay below 2^31, 228 do not; one such channel is enough to refuse the layer."""
    assert int(np.abs(conv2d.wino_u(np.full((1, 3, 3, 1), -128))).sum()) == 4608
    assert conv2d.wino_bound_ok(np.full((2, 3, 3, 227), -128))
    assert not conv2d.wino_bound_ok(np.full((2, 3, 3, 228), -128))
    w = np.full((2, 3, 3, 228), -128)
    w[1] = 1
    assert not conv2d.wino_bound_ok(w)          # channel 0 alone is out of range
    w[0, :, :, 0] = 0
    assert conv2d.wino_bound_ok(w)              # one in channel less is in range


def test_plan():
    """V in one run of the free room, the U halves in what is left or on the stack within WINO_MAX_STACK, the largest
    chunk that fits; None without room."""
    f = dict(in_c=64, batches=1, out_h=8, out_w=8)
    assert conv2d.wino_plan(f, []) is None
    assert conv2d.wino_plan(f, [("mf_arena", 100, 8191)]) is None              # V (8 KB) does not fit after aligning
    p = conv2d.wino_plan(f, [("mf_arena", 16384, 10240)])                     # ic's op 5
    assert p == dict(nt=4, v=("mf_arena", 16384), u=[("mf_arena", 16384 + 8192), None], stack=512 + 2048)
    p = conv2d.wino_plan(f, [("mf_arena", 0, 8192)])                          # both halves would need the stack
    assert p is None
    p = conv2d.wino_plan(dict(in_c=16, batches=1, out_h=8, out_w=8), [("mf_arena", 0, 1 << 16)])
    assert p["nt"] == 16 and p["u"][0] == ("mf_arena", 16 * 16 * 32) and p["stack"] == 512
    # ic's first row pipeline (a band of 8 rows x 32 columns, 1 KB of room): V on the stack, both U halves in the room
    f = dict(in_c=16, batches=1, out_h=8, out_w=32)
    p = conv2d.wino_plan(f, [("mf_arena", 25600, 1024)])
    assert p == dict(nt=4, v=None, u=[("mf_arena", 25600), ("mf_arena", 26112)], stack=512 + 2048)
    assert conv2d.wino_plan(f, []) is None                                    # V, U and M: 3,584 bytes of stack
    # an odd out_h counts its last tile row: 3 rows of 4 columns are 4 tiles, one chunk
    assert conv2d.wino_plan(dict(in_c=4, batches=1, out_h=3, out_w=4), [])["nt"] == 4


# ---- per-op models on the emulated cores -------------------------------------------------------------------------

def wino_model(seed, in_shape, out_c, padding="SAME", act="NONE", per_channel=True, in_zp=-3, room=True,
               out_scale=None, room_bytes=None) -> bytes:
    """A CONV_2D (3x3, stride 1) whose output a PAD then grows (with room=True) so far that the arena has free room
    while the convolution runs: the Winograd buffers' place (the planner sizes the arena for the PAD's step).
    out_scale: the convolution's output scale (a small one makes the requantisation shift a left shift); room_bytes:
    about the free room wanted (a PAD output that much larger than the input), else room for the whole layer in one
    chunk."""
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape
    oh, ow = mg.conv_out_size(h, 3, 1, 1, padding), mg.conv_out_size(w, 3, 1, 1, padding)
    mb = mg.ModelBuilder("wino")
    in_scale = 0.02
    x = mb.input("input", in_shape, "int8", in_scale, in_zp)
    wi, bi, lo, hi = mg._add_weighted(mb, rng, "conv", (out_c, 3, 3, c), 0, per_channel, 9 * c, in_scale, in_zp, True)
    scale, zp = mg._out_quant(lo, hi, act)
    if out_scale is not None:
        scale = out_scale
    y = mb.tensor("conv_out", (n, oh, ow, out_c), "int8", scale, zp)
    mb.op("CONV_2D", [x, wi, bi], [y], padding=padding, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
          fused_activation=act)
    if not room:
        mb.outputs(y)
        return mb.finish()
    need = 16 * c * 32 + 64 * c + n * h * w * c + 4096      # V of up to 16 tiles, both U halves, the input, spare
    if room_bytes is not None:
        need = room_bytes + n * h * w * c
    p = 1
    while n * (oh + 2 * p) * (ow + 2 * p) * out_c < need:
        p += 1
    pads = mb.const("paddings", np.array([[0, 0], [p, p], [p, p], [0, 0]], np.int32))
    z = mb.tensor("output", (n, oh + 2 * p, ow + 2 * p, out_c), "int8", scale, zp)
    mb.op("PAD", [y, pads], [z])
    mb.outputs(z)
    return mb.finish()


# (input shape, out_c, padding, activation, per-channel weights, input zero point)
WINO_CASES = {
    "ic-op5-8x8x64to64-same-relu": ((1, 8, 8, 64), 64, "SAME", "RELU", True, -128),
    "8x8x64to13-valid-none": ((1, 8, 8, 64), 13, "VALID", "NONE", True, 5),
    "6x8x64to5-same-relu6": ((1, 6, 8, 64), 5, "SAME", "RELU6", True, -3),
    "6x8x16to7-same-none-per-tensor": ((1, 6, 8, 16), 7, "SAME", "NONE", False, 9),
    "6x8x8to5-same-relu-batch2": ((2, 6, 8, 8), 5, "SAME", "RELU", True, -1),
    "6x8x8to3-valid-relu6": ((1, 6, 8, 8), 3, "VALID", "RELU6", True, 40),
    "4x4x4to1-same-none": ((1, 4, 4, 4), 1, "SAME", "NONE", True, -7),
    "4x4x4to3-valid-relu6": ((1, 4, 4, 4), 3, "VALID", "RELU6", True, 0),
    "8x8x16to16-valid-none": ((1, 8, 8, 16), 16, "VALID", "NONE", True, -128),
    "8x8x4to7-same-relu6": ((1, 8, 8, 4), 7, "SAME", "RELU6", True, 3),
    "4x4x16to13-same-none-batch2": ((2, 4, 4, 16), 13, "SAME", "NONE", True, 11),
    "4x4x8to64-same-none": ((1, 4, 4, 8), 64, "SAME", "NONE", True, -20),
    # in-channel pair counts outside 2, 4, 8, 16, 32 (the whole-window blocks): passes of 2, 8 and 32 pairs on
    # zeroed sums (mf_wino_gemm's MF_WINO_PASSES)
    "4x4x12to5-same-relu-passes2": ((1, 4, 4, 12), 5, "SAME", "RELU", True, 6),
    "4x6x96to3-valid-none-passes8": ((1, 4, 6, 96), 3, "VALID", "NONE", True, -60),
    "4x4x128to7-same-relu6-passes32": ((1, 4, 4, 128), 7, "SAME", "RELU6", True, -128),
    # the largest in_c (WINO_MAX_IC): mf_wino_build_u's run of loads reaches tap 8 at 8 * in_c = 4096 bytes, past an
    # LDR's immediate offset
    "4x4x512to3-same-none-max-in-c": ((1, 4, 4, 512), 3, "SAME", "NONE", True, -17),
    # an odd out_h: the last tile row's top row only (its bottom row reads padding past the input); with a batch of 2,
    # the second image's tiles after the first's odd last row
    "7x8x16to5-same-relu-odd-out-h": ((1, 7, 8, 16), 5, "SAME", "RELU", True, 2),
    "5x6x8to3-valid-none-odd-out-h-batch2": ((2, 5, 6, 8), 3, "VALID", "NONE", True, -9),
    # one tile a row (out_w 2): both edge columns of every patch padded, the tile row stepping on at every tile; with
    # an odd out_h and a batch of 2, the next image right after the odd last row's top row
    "6x2x8to5-same-relu-one-tile-wide": ((1, 6, 2, 8), 5, "SAME", "RELU", True, 7),
    "3x2x4to3-same-none-one-tile-wide-odd-out-h-batch2": ((2, 3, 2, 4), 3, "SAME", "NONE", True, -100),
}


def wino_taken(model_c: str) -> None:
    assert ".mix = 9" in model_c and "mf_conv2d_s8_wino(" in model_c, "the Winograd path was not taken"


def wino_not_taken(model_c: str) -> None:
    assert ".mix = 9" not in model_c and "mf_conv2d_s8_wino(" not in model_c, "the Winograd path was taken"


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(WINO_CASES))
def test_wino_on_core(name, core, tmp_path):
    shape, oc, padding, act, per_channel, in_zp = WINO_CASES[name]
    model = wino_model(seed_of("wino", name), shape, oc, padding, act, per_channel, in_zp)
    exact_on_core(model, core, tmp_path, "wino", name, took=wino_taken)


FALLBACKS = {   # exact on the existing paths, the Winograd path refused
    "one-out-row-3x8x8to5-valid": lambda: wino_model(seed_of("wino-fb", 1), (1, 3, 8, 8), 5, "VALID", "RELU", in_zp=2),
    "odd-out-w-8x7x8to3-valid": lambda: wino_model(seed_of("wino-fb", 2), (1, 8, 7, 8), 3, "VALID", "NONE", in_zp=-9),
    "no-room-8x8x16to16-same": lambda: wino_model(seed_of("wino-fb", 3), (1, 8, 8, 16), 16, "SAME", "NONE", in_zp=4,
                                                  room=False),
    "in-c-6-6x8x6to5-same": lambda: wino_model(seed_of("wino-fb", 4), (1, 6, 8, 6), 5, "SAME", "NONE", in_zp=1),
    "left-shift-6x8x8to5-same": lambda: wino_model(seed_of("wino-fb", 5), (1, 6, 8, 8), 5, "SAME", "NONE", in_zp=-5,
                                                   out_scale=1e-5),
}


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7"])
@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_wino_fallbacks_on_core(name, core, tmp_path):
    exact_on_core(FALLBACKS[name](), core, tmp_path, "wino-fb", name, took=wino_not_taken)


def test_left_shift_case_has_a_left_shift():
    """The left-shift fallback model really requantises with a positive shift (dsp_rq_layout refuses it)."""
    model_c = compile_model(FALLBACKS["left-shift-6x8x8to5-same"](), target="m4").files["model.c"]
    assert ".rq_mode = 0" in model_c


@pytest.mark.parametrize("core", ["m0plus", "host"])
def test_no_wino_without_dsp(core):
    """Cores without the DSP extension keep their kernels."""
    shape, oc, padding, act, per_channel, in_zp = WINO_CASES["6x8x8to5-same-relu-batch2"]
    model = wino_model(seed_of("wino", "nodsp"), shape, oc, padding, act, per_channel, in_zp)
    wino_not_taken(compile_model(model, target=core).files["model.c"])


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_gemm_schedule_per_core(core, tmp_path):
    """ic's op 5 shape (in_c 64: 32 pairs, one block a transform position) compiles the M7's own GEMM schedule (loads
    beside the SMLADs) on the M7 and the grouped loads on the M4 and M33."""
    from test_on_target import gcc_output
    shape, oc, padding, act, per_channel, in_zp = WINO_CASES["ic-op5-8x8x64to64-same-relu"]
    cm = compile_model(wino_model(seed_of("wino", "sched"), shape, oc, padding, act, per_channel, in_zp), target=core)
    for name, text in cm.files.items():
        (tmp_path / name).write_text(text)
    asm = gcc_output(tmp_path, core, "-O2", "-S")
    assert ("@ mf_wino_gemm 32 M7 pairs" in asm) == (core == "m7")
    assert ("@ mf_wino_gemm 32 pairs" in asm) == (core != "m7")


@needs_gcc
@pytest.mark.parametrize("name,k", [("4x4x12to5-same-relu-passes2", 2), ("4x6x96to3-valid-none-passes8", 8),
                                    ("4x4x128to7-same-relu6-passes32", 32)])
def test_gemm_passes_taken(name, k, tmp_path):
    """The pass cases above run mf_wino_gemm's passes of k pairs (their asm marker), not a whole-window block."""
    from test_on_target import gcc_output
    shape, oc, padding, act, per_channel, in_zp = WINO_CASES[name]
    cm = compile_model(wino_model(seed_of("wino", name), shape, oc, padding, act, per_channel, in_zp), target="m4")
    for fname, text in cm.files.items():
        (tmp_path / fname).write_text(text)
    asm = gcc_output(tmp_path, "m4", "-O2", "-S")
    assert f"@ mf_wino_gemm pass of {k} pairs" in asm and "@ mf_wino_gemm 32 pairs" not in asm


def test_group_mirrors_header():
    """ops/conv2d.py WINO_GROUP (the plan's chunk step and M block) is runtime/dsp/mf_conv2d_wino.h's MF_WINO_GROUP."""
    from importlib import resources
    text = resources.files("microforge.runtime").joinpath("dsp", "mf_conv2d_wino.h").read_text()
    assert f"#define MF_WINO_GROUP {conv2d.WINO_GROUP} " in text


# Rooms that hold V for 4 tiles, not 8 (in_c 16: 512 bytes a tile): several chunks, U rebuilt per chunk, chunks'
# out-channel pairs in alternating order (odd out_c: the lone last channel first in every other chunk), a chunk
# boundary between the two images of a batch.
CHUNKED = {
    "chunks-8x8x16to13-same-relu": ((1, 8, 8, 16), 13, "SAME", "RELU", 5),
    "chunks-4x4x16to5-same-none-batch2": ((2, 4, 4, 16), 5, "SAME", "NONE", -30),
    "chunks-6x8x16to16-valid-relu6": ((1, 6, 8, 16), 16, "VALID", "RELU6", 100),
}


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(CHUNKED))
def test_wino_chunks_on_core(name, core, tmp_path):
    shape, oc, padding, act, in_zp = CHUNKED[name]
    model = wino_model(seed_of("wino-chunks", name), shape, oc, padding, act, True, in_zp, room_bytes=3000)

    def four_tile_chunks(model_c):
        wino_taken(model_c)
        assert re.search(r"mf_conv2d_s8_wino\(&\w+, [^,]+, [^,]+, 4, ", model_c), "not in chunks of 4 tiles"
    exact_on_core(model, core, tmp_path, "wino-chunks", name, took=four_tile_chunks)


# ---- row pipelines: the band calls ---------------------------------------------------------------------------------
# Chains of stride-1 3x3 convolutions run band by band (row_pipeline "on"): the first conv reads a view of the chain's
# input, the second a window; bands of 4 rows (a loop over the middle ones), the first conv's top and bottom bands odd
# (5 and 3 rows: the last tile row's top row only), a residual ADD or an odd out_c last (the lone channel). in_c 8: the one-row entries (mix 6) on
# every core, which the Winograd path replaces; in_c 16 (ic's layers): the two-row entries (mix 8) on the M4 / M33,
# which band calls keep (as fast there), the M7 has none and takes the Winograd path.
WINO_CHAINS = {
    "c8-conv-conv-add": (41, (1, 20, 10, 8), [("conv", 8, 3, 1, "SAME", "RELU"), ("conv", 8, 3, 1, "SAME", "NONE"),
                                              ("add", 0)]),
    "c8-conv-conv13-odd-h": (42, (1, 19, 10, 8), [("conv", 8, 3, 1, "SAME", "RELU6"), ("conv", 13, 3, 1, "SAME", "NONE")]),
}
# in_c 16 with free room (the PAD's larger output): (seed, input shape, PAD a side)
WINO_CHAINS_ROOM = {"c16-conv-conv-add-pad": (43, (1, 20, 12, 16), 4)}


def conv_chain(mb, rng, x, in_shape, in_zp, convs, add):
    """Stride-1 3x3 SAME convolutions (out_c, activation) in a chain on input x (scale 0.02, zero point in_zp: its pad
    value; a RELU's output zero point -128 is the next layer's), and with add=True an ADD of the input last; returns
    the chain's output tensor with its scale and zero point."""
    n, h, w, c = in_shape
    t, s, z = x, 0.02, in_zp
    for i, (oc, act) in enumerate(convs):
        wi, bi, lo, hi = mg._add_weighted(mb, rng, f"conv{i}", (oc, 3, 3, c), 0, True, 9 * c, s, z, True)
        s, z = mg._out_quant(lo, hi, act)
        y = mb.tensor(f"t{i}", (n, h, w, oc), "int8", s, z)
        mb.op("CONV_2D", [t, wi, bi], [y], padding="SAME", stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
              fused_activation=act)
        t, c = y, oc
    if add:
        lo, hi = ((-128 - z) * s + (-128 - in_zp) * 0.02) * 0.7, ((127 - z) * s + (127 - in_zp) * 0.02) * 0.7
        s, z = mg._out_quant(lo, hi, "NONE")
        r = mb.tensor("sum", (n, h, w, c), "int8", s, z)
        mb.op("ADD", [t, x], [r], fused_activation="NONE")
        t = r
    return t, s, z


def wino_chain_model(seed, in_shape, out_c, pad) -> bytes:
    """conv 3x3 > conv 3x3 > ADD (the input) as ic's first row pipeline, then a PAD of `pad` rows and columns a side:
    with pad > 0 its larger output sizes the arena, which leaves free room while the pipeline runs (for the U halves,
    as in ic)."""
    rng = np.random.default_rng(seed)
    n, h, w, _ = in_shape
    mb = mg.ModelBuilder("wino chain")
    x = mb.input("input", in_shape, "int8", 0.02, -3)
    r, s, z = conv_chain(mb, rng, x, in_shape, -3, [(out_c, "RELU"), (out_c, "NONE")], True)
    if pad:
        pads = mb.const("paddings", np.array([[0, 0], [pad, pad], [pad, pad], [0, 0]], np.int32))
        out = mb.tensor("output", (n, h + 2 * pad, w + 2 * pad, out_c), "int8", s, z)
        mb.op("PAD", [r, pads], [out])
        r = out
    mb.outputs(r)
    return mb.finish()


WINO_HELPER = re.compile(r"static __attribute__\(\(noinline\)\) void (\w+)\(const int8_t \*in, int8_t \*out"
                         r"(?:, const int8_t \*res)?(?:, int32_t first)?\)\n\{\n"
                         r"    int32_t scratch\[(\d+)\];\n    (mf_conv2d_s8_wino(?:_ring)?\(&\w+, in, (?:first, \d+, )?out, .*\);)\n\}\n")


def wino_helpers(model_c: str) -> dict[str, str]:
    """Conv2D._wino's out-of-line band calls (a resident U): helper name -> its body as an inline call would read
    (a fused ADD's helper takes the residual as its third argument, res)."""
    return {name: f"{{ int32_t scratch[{words}]; {call} }}" for name, words, call in WINO_HELPER.findall(model_c)}


def out_of_line(model_c: str) -> int:
    """The pipeline's Winograd band calls (a resident U) all go to helpers (none inlined in its layer function), one
    helper per distinct call, those of equal fields (the middle bands' loops) sharing theirs: the helpers' count."""
    at = model_c.index("/* row pipeline ops")
    raw, helpers = model_c[at:model_c.index("\n}\n", at)], wino_helpers(model_c)
    calls = re.findall(r"\b(\w+_wino(?:_\d+)?)\(", raw)
    assert helpers and "mf_conv2d_s8_wino" not in raw and set(calls) == set(helpers), (calls, list(helpers))
    assert len({h.split(",")[0] for h in helpers.values()}) == len(helpers)   # each params struct's call: one helper
    return len(helpers)


def _pipeline_code(model_c: str) -> str:
    """The row pipeline's layer function (its comment to the function's end), each call of a Winograd helper as the
    helper's kernel call (the call's own pointers in place of in and out)."""
    at = model_c.index("/* row pipeline ops")
    code, helpers = model_c[at:model_c.index("\n}\n", at)], wino_helpers(model_c)

    def expand(m):
        if m.group(1) not in helpers:
            return m.group(0)
        x, y, *r = m.group(2).split(", (")   # the input, output (and residual) pointers, each "(int8_t *)(...)"
        body = helpers[m.group(1)].replace(", in, out, ", f", {x}, ({y}, ")
        return body.replace(", res); }", f", ({r[0]}); }}") if r else body
    return re.sub(r"\b(\w+)\(([^;\n]*)\);", expand, code)


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(WINO_CHAINS) + sorted(WINO_CHAINS_ROOM))
def test_wino_row_pipeline_on_core(name, core, tmp_path):
    from row_chains import chain_model
    from microforge.ir import OpType
    if name in WINO_CHAINS:
        seed, shape, layers = WINO_CHAINS[name]
        model = chain_model(seed, shape, layers)
    else:
        seed, shape, pad = WINO_CHAINS_ROOM[name]
        model = wino_chain_model(seed, shape, shape[3], pad)
    cm = compile_model(model, target=core, row_pipeline="on", band=4, wino_u="off")
    assert cm.graph.ops[0].type is OpType.ROW_PIPELINE and all(op.type is not OpType.CONV_2D for op in cm.graph.ops)
    code = _pipeline_code(cm.files["model.c"])
    assert "resident Winograd U" not in code and set(wino_nr(code)) <= {0}   # --wino-u off: U rebuilt per chunk
    if name.startswith("c16") and core != "m7":   # the two-row entries kept (without a resident U)
        assert "mf_conv2d_s8_wino(" not in code and ".mix = 8," in cm.files["model.c"], "mix 8 not kept"
    else:   # every band call of both convs (odd bands too) on the Winograd path
        assert "mf_conv2d_s8_wino(" in code and "mf_conv2d_s8_scratch(" not in code, "a band call left Winograd"
        assert "for (int32_t j = 0;" in code and "memmove" in code   # the middle bands' loop, the second conv's window
    compiled_exact(model, cm, core, tmp_path, "wino-rows", name)


def test_wino_band_of_one_row_refused():
    """A band of one output row would waste half of every tile: the middle bands of a band-1 pipeline (ic's second
    one) keep their paths."""
    from row_chains import chain_model
    model = chain_model(44, (1, 8, 8, 8), [("conv", 8, 3, 1, "SAME", "RELU"), ("conv", 8, 3, 1, "SAME", "NONE")])
    code = _pipeline_code(compile_model(model, target="m7", row_pipeline="on", band=1).files["model.c"])
    loop = code[code.index("for (int32_t j = 0;"):]
    loop = loop[:loop.index("\n    }")]
    assert "mf_conv2d_s8_wino(" not in loop and "mf_conv2d_s8_scratch(" in loop


def residual_model(seed, in_shape, act="NONE", in_zp=-3, pad=3) -> bytes:
    """x -> CONV_2D 3x3 SAME (in_c = out_c) -> ADD(conv, x) -> PAD: the input stays live past the convolution, so its
    output lies apart from it, and the PAD's larger output gives the step free room for the Winograd buffers."""
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape
    mb = mg.ModelBuilder("wino_residual")
    x = mb.input("input", in_shape, "int8", 0.02, in_zp)
    wi, bi, lo, hi = mg._add_weighted(mb, rng, "conv", (c, 3, 3, c), 0, True, 9 * c, 0.02, in_zp, True)
    scale, zp = mg._out_quant(lo, hi, act)
    y = mb.tensor("conv_out", (n, h, w, c), "int8", scale, zp)
    mb.op("CONV_2D", [x, wi, bi], [y], padding="SAME", stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
          fused_activation=act)
    z = mb.tensor("sum", (n, h, w, c), "int8", 0.05, 0)
    mb.op("ADD", [y, x], [z], fused_activation="NONE")
    pads = mb.const("paddings", np.array([[0, 0], [pad, pad], [pad, pad], [0, 0]], np.int32))
    o = mb.tensor("output", (n, h + 2 * pad, w + 2 * pad, c), "int8", 0.05, 0)
    mb.op("PAD", [z, pads], [o])
    mb.outputs(o)
    return mb.finish()


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
def test_odd_out_h_writes_no_row_past_the_output(core, tmp_path):
    """An odd out_h stores only the top row of its last tile row: here the convolution's output ends where its V buffer
    begins (checked from model.c), so a bottom row stored past the output would overwrite V while later out-channel
    pairs still read it, and the outputs would differ from TFLM's."""
    model = residual_model(seed_of("wino-odd-guard"), (1, 7, 8, 16), pad=6)

    def v_after_output(model_c):
        wino_taken(model_c)
        args = model_c.split("mf_conv2d_s8_wino(")[1].split(");")[0].split(", ")
        arena = [int(m.group(1)) if m else None for m in (re.search(r"mf_arena \+ (\d+)\)", a) for a in args)]
        assert arena[2] is not None and arena[4] == arena[2] + 7 * 8 * 16, args   # output, then V right after it

    exact_on_core(model, core, tmp_path, "wino-guard", "odd-out-h-residual", took=v_after_output)


# ---- resident U: a row pipeline's Winograd layers keep their whole U in a scratch (built once per band call) ----------

def resident_chain_model(seed, in_shape, convs, add, in_zp, wide=None) -> bytes:
    """conv_chain's model from an input of zero point in_zp. With `wide`, the chain's output is also widened to `wide`
    channels by a 1x1 convolution outside the chain (a second output): that layer sets the arena, and the chain's step
    leaves room (for part of a U)."""
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape[:3] + (convs[-1][0],)
    mb = mg.ModelBuilder("wino resident" if wide is None else "wino resident partial")
    x = mb.input("input", in_shape, "int8", 0.02, in_zp)
    t, s, z = conv_chain(mb, rng, x, in_shape, in_zp, convs, add)
    if wide is None:
        mb.outputs(t)
        return mb.finish()
    wi, bi, lo, hi = mg._add_weighted(mb, rng, "wide", (wide, 1, 1, c), 0, True, c, s, z, True)
    s2, z2 = mg._out_quant(lo, hi, "NONE")
    big = mb.tensor("wide", (n, h, w, wide), "int8", s2, z2)
    mb.op("CONV_2D", [t, wi, bi], [big], padding="VALID", stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
          fused_activation="NONE")
    mb.outputs(t, big)
    return mb.finish()


# (seed, input shape, convs, ADD, input zero point, band): in_c 4 / 8 / 16, odd and even out_c, odd heights (odd band
# calls: the last tile row's top row), pad values at both int8 ends; in_c 16 (ic's layers) leaves the two-row entries
# (mix 8) on the M4 / M33 for Winograd with a resident U.
RESIDENT = {
    "c4-conv4-conv5-odd-h-zp127": (51, (1, 13, 8, 4), [(4, "RELU"), (5, "NONE")], False, 127, 4),
    "c8-conv8-conv13-odd-h-zpm128": (52, (1, 11, 10, 8), [(8, "RELU"), (13, "RELU6")], False, -128, 2),
    "c16-conv16-conv16-add-zpm128": (53, (1, 12, 8, 16), [(16, "RELU"), (16, "NONE")], True, -128, 4),
    "c16-conv16-conv12-odd-h-zp127": (54, (1, 9, 6, 16), [(16, "NONE"), (12, "RELU")], False, 127, 4),
    "c8-conv16-conv7-zp127": (55, (1, 10, 4, 8), [(16, "RELU6"), (7, "NONE")], False, 127, 2),
}


def wino_nr(code: str) -> list[int]:
    """The resident pairs (mf_conv2d_s8_wino's argument nr, before the fused ADD's two) of every Winograd call in
    `code`."""
    return [int(n) for n in re.findall(r"mf_conv2d_s8_wino(?:_ring)?\(.*, (\d+), (?:0|&\w+), (?:0|out|\(int8_t \*\)\S.*?)\); \}",
                                       code)]


def resident_taken(code: str, pairs: set[int]) -> None:
    """Every Winograd band call of the pipeline (`code`) in the resident mode with the whole U (nr: a layer's pairs),
    at least one, and no band call (one-row calls too) off Winograd."""
    nr = wino_nr(code)
    assert nr and set(nr) <= pairs and len(nr) == len(re.findall(r"mf_conv2d_s8_wino(?:_ring)?\(", code)), \
        f"a band call left the mode: {nr}"
    assert "resident Winograd U" in code and "mf_conv2d_s8_scratch(" not in code and "mf_conv2d_s8_ring(" not in code


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(RESIDENT))
def test_wino_resident_on_core(name, core, tmp_path):
    """--wino-u on: the whole U of both layers resident, every band call on it (a one-row call of an odd height too:
    half a tile, no direct-path weight layout of its own)."""
    seed, shape, convs, add, in_zp, band = RESIDENT[name]
    model = resident_chain_model(seed, shape, convs, add, in_zp)
    cm = compile_model(model, target=core, row_pipeline="on", band=band, wino_u="on")
    resident_taken(_pipeline_code(cm.files["model.c"]), {(oc + 1) // 2 for oc, _ in convs})
    out_of_line(cm.files["model.c"])
    ring_taken(name, cm.files["model.c"])
    compiled_exact(model, cm, core, tmp_path, "wino-resident", name)


# (seed, input shape, convs, ADD, input zero point, widened channels): --wino-u auto sizes the U to the room the
# chain's step leaves below the widening layer's arena: part of the out-channel pairs resident, the others rebuilt per
# chunk (a lone last channel's among them), odd heights (one-row calls), pad values at both int8 ends.
PARTIAL = {
    "c16-conv16-conv13-odd-h-zpm128": (61, (1, 9, 8, 16), [(16, "RELU"), (13, "NONE")], False, -128, 64),
    "c8-conv8-conv5-odd-h-zp127": (62, (1, 11, 10, 8), [(8, "RELU6"), (5, "RELU")], False, 127, 24),
    "c16-conv16-conv16-add-zp127": (63, (1, 10, 8, 16), [(16, "RELU"), (16, "NONE")], True, 127, 64),
    "c4-conv4-conv7-odd-h-zpm128": (64, (1, 7, 12, 4), [(4, "NONE"), (7, "RELU")], False, -128, 12),
}


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(PARTIAL))
def test_wino_resident_partial_on_core(name, core, tmp_path):
    """--wino-u auto: a U within the arena the model takes without it, of part of a layer's pairs (0 < nr < pairs),
    every band call on the resident mode, the arena as with --wino-u off; exact."""
    seed, shape, convs, add, in_zp, wide = PARTIAL[name]
    model = resident_chain_model(seed, shape, convs, add, in_zp, wide)
    cm = compile_model(model, target=core, row_pipeline="on", band=2)
    off = compile_model(model, target=core, row_pipeline="on", band=2, wino_u="off")
    code = _pipeline_code(cm.files["model.c"])
    size = int(re.search(r"resident Winograd U ([\d,]+) bytes", code).group(1).replace(",", ""))
    ics = [shape[3]] + [oc for oc, _ in convs[:-1]]
    want = [conv2d.wino_resident_pairs(c, oc, size) for c, (oc, _) in zip(ics, convs)]
    assert 0 not in want and any(n < (oc + 1) // 2 for n, (oc, _) in zip(want, convs)), (size, want)   # some partial
    assert set(wino_nr(code)) == set(want) and "mf_conv2d_s8_scratch(" not in code, wino_nr(code)
    out_of_line(cm.files["model.c"])
    assert cm.arena_bytes == off.arena_bytes
    compiled_exact(model, cm, core, tmp_path, "wino-partial", name)


@pytest.mark.parametrize("core", ["m0plus", "m55", "host"])
def test_no_resident_u_without_winograd(core):
    """Cores that do not run Winograd get no resident-U scratch (it would be RAM for nothing)."""
    seed, shape, convs, add, in_zp, band = RESIDENT["c16-conv16-conv16-add-zpm128"]
    cm = compile_model(resident_chain_model(seed, shape, convs, add, in_zp), target=core, row_pipeline="on", band=band,
                       wino_u="on")
    assert not any("resident Winograd U" in d for d in cm.row_pipeline)


def test_resident_u_planning():
    """The scratch's sizes (the whole U, a lone channel a pair's, then whole pairs fewer down to one resident pair
    beside the rebuilt pairs' halves), the resident pairs a size holds, none for bands of one row or a U above
    WINO_RESIDENT_MAX, and wino_plan without U halves (ic's band: V of 4 tiles and the M block on the stack)."""
    from microforge.ops.row_pipeline import resident_sizes, resident_u
    assert conv2d.wino_u_bytes(16, 16) == 8192 == conv2d.WINO_RESIDENT_MAX and conv2d.wino_u_bytes(8, 13) == 3584
    assert [conv2d.wino_resident_pairs(16, 16, n) for n in (8192, 7168, 2048, 1024, 0)] == [8, 6, 1, 0, 0]
    assert conv2d.wino_resident_pairs(16, 13, 7168) == 7 and conv2d.wino_resident_pairs(16, 13, 6144) == 5
    seed, shape, convs, add, in_zp, band = RESIDENT["c8-conv16-conv7-zp127"]
    cm = compile_model(resident_chain_model(seed, shape, convs, add, in_zp), target="host", row_pipeline="off")
    layers = list(cm.graph.ops)
    assert [conv2d.Conv2D().wino_resident(l) for l in layers] == [64 * 8 * 8, 64 * 16 * 4]
    assert resident_sizes(layers, 2) == list(range(4096, 1023, -512)) and resident_sizes(layers, 1) == []  # in_c 8's
    assert resident_u(layers, 2, 4096).nbytes == 4096 and resident_u(layers, 2, 3000) is None
    assert resident_u(layers, 1, 4096) is None
    big = resident_chain_model(56, (1, 8, 8, 16), [(18, "NONE"), (16, "NONE")], False, 0)   # U of 16 x 18: 9 KB
    layers = list(compile_model(big, target="host", row_pipeline="off").graph.ops)
    assert [conv2d.Conv2D().wino_resident(l) for l in layers] == [0, 0]                   # 18 x 16 too: 9 KB
    assert resident_sizes(layers, 4) == []
    wide = resident_chain_model(57, (1, 4, 4, 32), [(8, "NONE"), (4, "NONE")], False, 0)   # in_c 32: U 8 KB, 4 KB
    layers = list(compile_model(wide, target="host", row_pipeline="off").graph.ops)
    # V of 4 tiles at in_c 32 (4 KB) and the M block pass WINO_MAX_STACK: the band calls could not run Winograd
    assert [conv2d.Conv2D().wino_resident(l) for l in layers] == [0, 64 * 8 * 2]
    p = conv2d.wino_plan(dict(in_c=16, batches=1, out_h=8, out_w=32), [], resident=True)
    assert p == dict(nt=4, v=None, u=[], stack=512 + 2048)


def test_wino_u_modes_ram():
    """--wino-u off: no scratch; on: the whole U, at most its bytes on top of off's arena; auto: only what leaves the
    arena as off's (here the chain's step is the arena's peak: none)."""
    seed, shape, convs, add, in_zp, band = RESIDENT["c16-conv16-conv16-add-zpm128"]
    model = resident_chain_model(seed, shape, convs, add, in_zp)
    on = compile_model(model, target="m4", row_pipeline="on", band=band, wino_u="on")
    auto = compile_model(model, target="m4", row_pipeline="on", band=band)
    off = compile_model(model, target="m4", row_pipeline="on", band=band, wino_u="off")
    assert "resident Winograd U 8,192 bytes" in on.row_pipeline[0] and "resident" not in off.row_pipeline[0]
    assert off.arena_bytes < on.arena_bytes <= off.arena_bytes + 8192
    assert "resident" not in auto.row_pipeline[0] and auto.arena_bytes == off.arena_bytes
    assert set(wino_nr(off.files["model.c"])) <= {0}


def test_ic_resident_u_within_the_arena():
    """ic on the M4 (auto): its first pipeline takes the band with the largest resident U that leaves the arena as
    without one, the arena as with --wino-u off: band 2, the ADD fused into the second conv (fused_add), whose freed
    window (1 KB) gives the whole U (8 of 8 pairs; unfused 6, the other two rebuilt per chunk); the remaining window a
    ring."""
    from helpers import shared_model
    model = shared_model("mlperf_tiny/ic.tflite").read_bytes()
    auto, off = compile_model(model, target="m4"), compile_model(model, target="m4", wino_u="off")
    assert auto.arena_bytes == off.arena_bytes
    notes = [d for d in auto.row_pipeline if "resident Winograd U" in d]
    assert len(notes) == 1 and "ops 1-3" in notes[0] and "band 2 row(s)" in notes[0], auto.row_pipeline
    code = _pipeline_code(auto.files["model.c"])
    fused_taken(auto.files["model.c"], code)
    nr = wino_nr(code)
    assert nr and set(nr) == {8}
    # 6 band calls (band 2: first, one loop of the middle bands, last; 2 convs), each out of line in a helper of its
    # own: the second conv reads its window as a ring (phase 1: the first conv's writes, a row ahead, never wrap), so
    # no moves, and the middle bands run in one loop
    assert len(nr) == 6 and out_of_line(auto.files["model.c"]) == 6
    assert "mf_conv2d_s8_wino_ring(" in auto.files["model.c"] and "memmove" not in code


# ---- the ADD fused into the last layer's requantisation (ops/row_pipeline.py fused_add) -------------------------------

def fused_chain_model(seed, in_shape, mid_c, out_c, add_act, conv_first, in_zp, res_scale, add_zp=None) -> bytes:
    """x -> conv 3x3 (mid_c, RELU) -> conv 3x3 (out_c) -> ADD with a residual: x itself when out_c is x's channel
    count and res_scale is None, else a 1x1 convolution of x to out_c channels (computed before the chain, its output
    scale res_scale: the ADD's input scales differ); the ADD's operands in the order conv_first says, its activation
    add_act, its output zero point add_zp (None: the range's own)."""
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape
    mb = mg.ModelBuilder("wino fused add")
    x = mb.input("input", in_shape, "int8", 0.02, in_zp)
    r, rs, rz = x, 0.02, in_zp
    if res_scale is not None:
        wi, bi, lo, hi = mg._add_weighted(mb, rng, "res", (out_c, 1, 1, c), 0, True, c, 0.02, in_zp, True)
        rs, rz = mg._out_quant(lo * res_scale, hi * res_scale, "NONE")
        r = mb.tensor("res", (n, h, w, out_c), "int8", rs, rz)
        mb.op("CONV_2D", [x, wi, bi], [r], padding="VALID", stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
              fused_activation="NONE")
    t, s, z = conv_chain(mb, rng, x, in_shape, in_zp, [(mid_c, "RELU"), (out_c, "NONE")], False)
    lo, hi = ((-128 - z) * s + (-128 - rz) * rs) * 0.6, ((127 - z) * s + (127 - rz) * rs) * 0.6
    s2, z2 = mg._out_quant(lo, hi, add_act, add_zp)
    out = mb.tensor("sum", (n, h, w, out_c), "int8", s2, z2)
    mb.op("ADD", [t, r] if conv_first else [r, t], [out], fused_activation=add_act)
    mb.outputs(out)
    return mb.finish()


# (seed, input shape, mid_c, out_c, ADD activation, conv first, input zero point, residual scale, ADD zero point, band):
# odd out_c (1, 3, 5, 7, 13: the lone channel of the last pair), the residual x itself (in either order) or a 1x1
# convolution's output of another scale, RELU / RELU6 / none, zero points at both int8 ends, odd heights (one-row calls)
FUSED = {
    "c16-m16-o13-relu-convfirst": (71, (1, 10, 8, 16), 16, 13, "RELU", True, -128, 1.7, None, 2),
    "c8-m8-o8-x-relu6-resfirst-zp127": (72, (1, 9, 6, 8), 8, 8, "RELU6", False, 127, None, None, 2),
    "c4-m4-o5-none-zp127": (73, (1, 7, 10, 4), 4, 5, "NONE", True, -3, 0.4, 127, 4),
    "c8-m12-o7-relu-resfirst-zpm128": (74, (1, 11, 4, 8), 12, 7, "RELU", False, -128, 3.1, -128, 2),
    "c4-m8-o3-none-zpm128": (75, (1, 6, 6, 4), 8, 3, "NONE", True, 5, 0.8, -128, 4),
    "c16-m4-o1-relu6": (76, (1, 8, 4, 16), 4, 1, "RELU6", True, -3, 2.2, None, 2),
    "c16-m16-o16-x-none": (77, (1, 12, 8, 16), 16, 16, "NONE", True, -3, None, None, 2),
    "c16-m16-o16-x-relu6-resfirst-zp127": (79, (1, 9, 6, 16), 16, 16, "RELU6", False, 127, None, 127, 2),
}

# The chains whose window the second conv reads as a ring (mf_conv2d_s8_wino_ring; ops/row_pipeline.py _rings: a
# resident-U Winograd reader whose row-entry fallback reads rings too, so even out_c; the writes placed at a phase
# where none wraps, 1 at band 2): no memmove in the pipeline. The others keep their moves.
WINO_RING = {"c16-conv16-conv12-odd-h-zp127", "c16-m16-o16-x-none", "c8-m8-o8-x-relu6-resfirst-zp127",
             "c16-m16-o16-x-relu6-resfirst-zp127"}


def ring_taken(name: str, model_c: str) -> None:
    """The second conv's band calls read their window as a ring (no moves) exactly for the WINO_RING chains."""
    code = _pipeline_code(model_c)
    ring = "mf_conv2d_s8_wino_ring(" in model_c
    assert ring == (name in WINO_RING) and ring != ("memmove" in code), (name, ring)


def fused_residual(code: str) -> set[str]:
    """The residual arguments of the pipeline's fused band calls (mf_conv2d_s8_wino with mf_wino_add_t fields, helpers
    expanded): "out" where the ADD runs in place, else the residual's pointer."""
    return set(re.findall(r"mf_conv2d_s8_wino(?:_ring)?\(.*, \d+, &\w+, (out|\(int8_t \*\)\S.*?)\); \}", code))


def fused_taken(model_c: str, code: str) -> None:
    """The pipeline's ADD runs in its last layer's band calls (mf_wino_add_t fields, the residual), no ADD pass, and
    the segment says so."""
    assert "mf_add_s8(" not in code and "static const mf_wino_add_t " in model_c, "the ADD was not fused"
    assert fused_residual(code) and "ADD fused into the last layer" in code


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7", "m33"])
@pytest.mark.parametrize("name", sorted(FUSED))
def test_wino_fused_add_on_core(name, core, tmp_path):
    """A CONV > CONV > ADD segment with a resident U: the ADD in the second conv's requantisation, exact."""
    seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp, band = FUSED[name]
    model = fused_chain_model(seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp)
    cm = compile_model(model, target=core, row_pipeline="on", band=band, wino_u="on")
    code = _pipeline_code(cm.files["model.c"])
    fused_taken(cm.files["model.c"], code)
    resident_taken(code, {(mid + 1) // 2, (oc + 1) // 2})
    out_of_line(cm.files["model.c"])
    ring_taken(name, cm.files["model.c"])
    compiled_exact(model, cm, core, tmp_path, "wino-fused", name)


def test_no_fused_add_without_resident_u():
    """Without a resident U (--wino-u off, or a core without Winograd) the ADD keeps its own pass and window."""
    seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp, band = FUSED["c16-m16-o13-relu-convfirst"]
    model = fused_chain_model(seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp)
    for core, u in (("m4", "off"), ("m0plus", "on")):
        cm = compile_model(model, target=core, row_pipeline="on", band=band, wino_u=u)
        code = cm.files["model.c"]
        assert "mf_add_s8(" in code and "mf_wino_add_t" not in code and "ADD fused" not in code, core


@needs_gcc
@pytest.mark.parametrize("core", ["m4", "m7"])
def test_no_fused_add_when_the_last_layer_holds_no_pair(core, tmp_path, monkeypatch):
    """A U sized by a layer of fewer input channels may leave the last layer no resident pair (c4-m8-o3: 512 B holds
    two of the first conv's 256 B pairs, none of the last's 512 B pairs with its halves): that layer runs Winograd
    without the U, whose kernel has no fused ADD, so the ADD keeps its own pass; exact (fused regardless, the ADD was
    lost: outputs differed)."""
    import microforge.driver as driver
    from microforge.ir import OpType
    sizes = driver.resident_sizes
    monkeypatch.setattr(driver, "resident_sizes", lambda layers, band: [s for s in sizes(layers, band) if s == 512])
    name = "c4-m8-o3-none-zpm128"
    seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp, band = FUSED[name]
    model = fused_chain_model(seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp)
    cm = compile_model(model, target=core, row_pipeline="on", band=band, wino_u="on")
    seg = [op for op in cm.graph.ops if op.type is OpType.ROW_PIPELINE][0]
    assert seg.options["wino_u"] is not None and seg.options["wino_u"].nbytes == 512
    assert seg.options["fused_add"] is None and "mf_add_s8(" in cm.files["model.c"]
    compiled_exact(model, cm, core, tmp_path, "wino-fused-none", name)


def test_fused_add_frees_the_window():
    """Fused, the segment has no window for the last layer's rows (the arena that frees is what lets ic's first
    pipeline hold its whole U within the arena it had): one window fewer than unfused."""
    from microforge.ir import OpType
    seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp, band = FUSED["c16-m16-o16-x-none"]
    model = fused_chain_model(seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp)
    segs = {u: [op for op in compile_model(model, target="m4", row_pipeline="on", band=band, wino_u=u).graph.ops
                if op.type is OpType.ROW_PIPELINE][0] for u in ("on", "off")}
    assert segs["on"].options["fused_add"] is not None and segs["off"].options["fused_add"] is None
    assert len(segs["on"].options["windows"]) == len(segs["off"].options["windows"]) - 1


def test_fused_add_residual_in_place_and_apart():
    """FUSED covers both forms of the residual: the ADD in place (output over the residual: the kernel's output
    pointer, as in ic) and a residual apart (its own pointer, the helper's third argument)."""
    kinds = set()
    for name, (seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp, band) in FUSED.items():
        model = fused_chain_model(seed, shape, mid, oc, act, conv_first, in_zp, res_scale, add_zp)
        code = _pipeline_code(compile_model(model, target="m4", row_pipeline="on", band=band, wino_u="on").files["model.c"])
        kinds |= {"in place" if r == "out" else "apart" for r in fused_residual(code)}
    assert kinds == {"in place", "apart"}
