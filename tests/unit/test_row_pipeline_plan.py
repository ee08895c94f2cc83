"""Row pipelines in the memory plan: band geometry, windows planned and counted as scratch, the output's
overlap lead proven by replaying the schedule byte by byte, and the verifier rejecting misplaced windows."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from row_chains import CHAINS, chain_model

from microforge import modelgen as mg
from microforge.driver import compile_model
from microforge.frontend import load_tflite
from microforge.ir import OpType
from microforge.memory import PlanError, verify_plan
from microforge.ops import opdef
from microforge.ops.base import NO_READ
from microforge.ops.row_pipeline import Call, band_rows, row_bytes, schedule, spatial_layers


def _conv(h, k, stride, padding):
    return load_tflite(mg.conv2d_model(0, (1, h, 5, 3), 4, k, stride, padding)).ops[0]


@pytest.mark.parametrize("h,k,stride,padding,band,want", [
    (32, 3, 1, "SAME", (0, 1), (0, 2, 1, 0)),      # top band keeps the top padding
    (32, 3, 1, "SAME", (5, 7), (4, 8, 0, 0)),      # middle bands: none
    (32, 3, 1, "SAME", (31, 32), (30, 32, 0, 1)),  # bottom band keeps the bottom padding
    (32, 3, 2, "SAME", (15, 16), (30, 32, 0, 1)),  # stride 2 SAME pads only at the bottom
    (11, 3, 2, "SAME", (0, 6), (0, 11, 1, 1)),     # one band: the whole op
    (11, 3, 1, "VALID", (4, 9), (4, 11, 0, 0)),
])
def test_band_rows(h, k, stride, padding, band, want):
    assert band_rows(_conv(h, k, stride, padding), *band) == want


def _segments(cm):
    return [op for op in cm.graph.ops if op.type is OpType.ROW_PIPELINE]


def _fused(name, band=1):
    cm = compile_model(chain_model(*CHAINS[name]), "host", row_pipeline="on", band=band)
    assert _segments(cm)
    return cm


def _replay(seg, index: int, gap: int) -> bool:
    """Run the segment's schedule on bytes with the output starting `gap` bytes before input `index`:
    True when every byte of the input is intact when read (whole rows, a superset of the kernel's reads)."""
    names = opdef(seg.type)._names(seg, index)
    x = seg.inputs[index]
    intact = np.ones(x.nbytes, bool)
    spatial = spatial_layers(seg)
    for acts in schedule(seg.options["layers"], seg.options["band"], fused=seg.options.get("fused_add") is not None)[0]:
        for a in acts:
            if not isinstance(a, Call):
                continue
            width = row_bytes(spatial[-1].outputs[0]) * (a.e - a.s)
            if a.res is not None and "r" in names:      # the ADD: element i read, then element i written
                for i in range(a.res[1], a.res[1] + width):
                    if not intact[i]:
                        return False
                    j = a.dst[1] + (i - a.res[1]) - gap
                    if 0 <= j < x.nbytes:
                        intact[j] = False
                continue
            if a.src[0] == "x" and "x" in names:
                lo, hi, _, _ = band_rows(spatial[a.k - 1], a.s, a.e)
                if not intact[a.src[1]:a.src[1] + (hi - lo) * row_bytes(x)].all():
                    return False
            if a.dst[0] == "y":
                w = row_bytes(spatial[min(a.k, len(spatial)) - 1].outputs[0]) * (a.e - a.s)
                intact[max(a.dst[1] - gap, 0):max(a.dst[1] + w - gap, 0)] = False
    return True


@pytest.mark.parametrize("name", sorted(CHAINS))
@pytest.mark.parametrize("band", [1, 2, 5])
def test_overlap_lead_is_safe_and_tight(name, band):
    """At the declared lead the replay reads only intact bytes; one byte less and it reads a clobbered one."""
    cm = _fused(name, band)
    for seg in _segments(cm):
        for index in range(len(seg.inputs)):
            lead = opdef(seg.type).overlap_lead(seg, index)
            if lead <= -NO_READ // 2:
                continue
            assert _replay(seg, index, lead), f"{seg.name}: the output at lead {lead} clobbers input {index}"
            assert not _replay(seg, index, lead - 1), f"{seg.name}: lead {lead} is not the smallest safe one"


@pytest.mark.parametrize("band", [2, 4])
def test_fused_add_schedule_and_overlap_lead(band):
    """With the ADD fused into the last conv (a resident U: ops/row_pipeline.py fused_add) the schedule has no ADD
    calls and no window for the last conv's rows: its calls write the output and read the residual rows; the output's
    lead over the input (the residual here) is still safe and tight on the replay."""
    model = chain_model(81, (1, 12, 8, 16), [("conv", 16, 3, 1, "SAME", "RELU"), ("conv", 16, 3, 1, "SAME", "NONE"),
                                             ("add", 0)])
    seg, = _segments(compile_model(model, "m4", row_pipeline="on", band=band, wino_u="on"))
    assert seg.options["fused_add"] is not None and len(seg.options["windows"]) == 1
    steps, _ = schedule(seg.options["layers"], band, fused=True)
    calls = [a for acts in steps for a in acts if isinstance(a, Call)]
    assert {a.k for a in calls} == {1, 2}
    assert all(a.dst[0] == "y" and a.res == ("r", a.dst[1]) for a in calls if a.k == 2)
    for index in range(len(seg.inputs)):
        lead = opdef(seg.type).overlap_lead(seg, index)
        assert _replay(seg, index, lead) and not _replay(seg, index, lead - 1), lead


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_windows_are_planned_scratch_and_counted(name):
    cm = _fused(name)
    plan, pos = cm.plan, {id(op): i for i, op in enumerate(cm.graph.ops)}
    for seg in _segments(cm):
        step = pos[id(seg)]
        wins = seg.options["windows"]
        assert wins
        for t in wins:
            (i,) = [i for i, b in enumerate(plan.buffers) if any(x is t for x in b.tensors)]
            b = plan.buffers[i]
            assert b.scratch and (b.first, b.last) == (step, step) and b.size == t.nbytes
            assert t.shape[1] <= seg.options["layers"][0].outputs[0].shape[1]
        live = [(o, b) for o, b in zip(plan.offsets, plan.buffers) if b.first <= step <= b.last]
        # windows and the chain input never share bytes, so the arena holds them side by side
        assert plan.size >= sum(t.nbytes for t in wins) + seg.inputs[0].nbytes
        assert max(o + b.size for o, b in live) <= plan.size
    verify_plan(plan)


def _window_buffer(cm):
    seg = _segments(cm)[0]
    t = seg.options["windows"][0]
    (i,) = [i for i, b in enumerate(cm.plan.buffers) if any(x is t for x in b.tensors)]
    (x,) = [j for j, b in enumerate(cm.plan.buffers) if any(u is seg.inputs[0] for u in b.tensors)]
    (y,) = [j for j, b in enumerate(cm.plan.buffers) if any(u is seg.outputs[0] for u in b.tensors)]
    return i, x, y


@pytest.mark.parametrize("name", ["conv_conv_add", "conv_dw_conv_s2"])
@pytest.mark.parametrize("onto", ["input", "output"])
def test_verifier_rejects_a_window_over_a_live_tensor(name, onto):
    cm = _fused(name)
    w, x, y = _window_buffer(cm)
    offsets = list(cm.plan.offsets)
    offsets[w] = offsets[x if onto == "input" else y]
    bad = dataclasses.replace(cm.plan, offsets=offsets, size=max(cm.plan.size, offsets[w] + cm.plan.buffers[w].size + 8))
    with pytest.raises(PlanError, match="overlap"):
        verify_plan(bad)


def test_verifier_rejects_the_output_short_of_the_segments_lead():
    """The ADD writes its output over the dying chain input: at the lead it passes, one step closer it fails."""
    from microforge.memory import Plan

    cm = _fused("conv_conv_add")
    seg = _segments(cm)[0]
    _, x, y = _window_buffer(cm)
    lead = cm.plan.buffers[y].inplace[x]
    assert lead == opdef(seg.type).overlap_lead(seg, 0)
    bx = cm.plan.buffers[x]
    by = dataclasses.replace(cm.plan.buffers[y], inplace={0: lead})
    base = 1024
    for gap, ok in ((lead, True), (lead - 8, False)):
        offs = [base, base - gap]
        plan = Plan([bx, by], offs, max(o + b.size for o, b in zip(offs, (bx, by))) + 8, "test")
        if ok:
            verify_plan(plan)
        else:
            with pytest.raises(PlanError, match=f"must lead by >= {lead}"):
                verify_plan(plan)


def test_unknown_mode_is_a_user_error():
    from microforge.errors import MicroforgeError

    with pytest.raises(MicroforgeError, match="row pipeline mode 'sideways'"):
        compile_model(chain_model(*CHAINS["conv_conv_add"]), "host", row_pipeline="sideways")


def test_plan_command_names_segments_and_the_arena_saved(tmp_path, capsys):
    from microforge.cli import main

    path = tmp_path / "chain.tflite"
    path.write_bytes(chain_model(*CHAINS["conv_dw_conv_s2"]))
    assert main(["plan", str(path), "--row-pipeline", "on", "--band", "2", "--svg", str(tmp_path / "p.svg")]) == 0
    out = capsys.readouterr().out
    assert "ROW_PIPELINE (ops 0-2)" in out and "scratch: " in out
    assert "row pipeline ops 0-2 (CONV_2D > DEPTHWISE_CONV_2D > CONV_2D), band 2 row(s)" in out
    assert "B without" in out
    assert 'stroke-dasharray="3 2"' in (tmp_path / "p.svg").read_text()   # windows drawn dashed


def test_auto_skips_row_pipelines_that_save_little_unless_the_ram_needs_them():
    """kws' only chain saves 448 of its 9,792 arena bytes (4.6%): "auto" leaves it out and says why (a band-by-band
    segment costs cycles), "on" fuses it, and so does "auto" when the target's RAM is below the arena without it."""
    from helpers import shared_model
    from microforge.driver import ROW_PIPELINE_MIN_SAVING
    from microforge.targets import get_target

    path = shared_model("mlperf_tiny/kws.tflite")
    plain = compile_model(path, target="m4", row_pipeline="off").arena_bytes
    assert _segments(compile_model(path, target="m4", row_pipeline="on")), "kws has a chain to fuse"
    auto = compile_model(path, target="m4")
    assert not _segments(auto) and auto.arena_bytes == plain
    assert any("row pipelines not used" in n and f"{plain:,} B arena" in n for n in auto.row_pipeline_flash)
    tight = compile_model(path, target=get_target("m4").with_overrides(ram=plain - 1))
    assert _segments(tight) and tight.arena_bytes <= plain - 1 and not tight.row_pipeline_flash
    assert plain - tight.arena_bytes < ROW_PIPELINE_MIN_SAVING * plain     # the premise: a small saving


def test_chain_runs_start_anywhere_shortest_first():
    """Chain.runs: every run of at least two consecutive spatial ops, shortest first then in program order, the chain
    itself (with its ADD) last."""
    from microforge.passes.row_pipeline import find_chains

    g = load_tflite(chain_model(*CHAINS["dw_s2_conv_add"]))
    chain = next(c for c in find_chains(g) if c.residual_index is not None)
    spatial = [op.index for op in chain.spatial]
    runs = [[op.index for op in r.ops] for r in chain.runs()]
    n = len(spatial)
    want = [spatial[i:i + k] for k in range(2, n + 1) for i in range(n - k + 1)]
    assert runs[:-1] == want and runs[-1] == [op.index for op in chain.ops] and chain.ops[-1].type is OpType.ADD


def test_auto_takes_a_run_that_starts_after_the_chains_first_op():
    """vww's chain starts at its first convolution, but its arena peaks at the 1x1 convolution 8->16 (a 48x48x16 output)
    that the stride-2 depthwise after it halves: auto fuses ops 2-3 alone (Chain.runs), whose arena is smaller than
    every run starting at op 0 could give (ops 0-3 at band 1 the best of those) and within ROW_PIPELINE_RUN_SLACK of
    the smallest run's (ops 1-3)."""
    from helpers import shared_model
    from microforge.driver import ROW_PIPELINE_RUN_SLACK, _quick_plan
    from microforge.passes import PASSES
    from microforge.passes.row_pipeline import Chain, can_schedule, find_chains, fuse

    path = shared_model("mlperf_tiny/vww.tflite")
    (seg,) = _segments(compile_model(path, target="m4"))
    assert [op.index for op in seg.options["layers"]] == [2, 3]
    g = load_tflite(path)
    for rewrite in PASSES:
        g = rewrite(g)
    chain = max(find_chains(g), key=lambda c: len(c.ops))
    sizes = {}
    for run in chain.runs():
        if len(run.ops) <= 8:
            sizes[tuple(op.index for op in run.ops)] = min(
                _quick_plan(fuse(g, [(run, b)])).size for b in (1, 2, 4) if can_schedule(run, b))
    from_first = min(size for ops, size in sizes.items() if ops[0] == 0)
    assert sizes[(2, 3)] < from_first
    assert sizes[(2, 3)] <= min(sizes.values()) * (1 + ROW_PIPELINE_RUN_SLACK)


def test_ring_phase_keeps_the_writes_in_consecutive_slots():
    """A ring's phase (schedule's rings as a dict: the slot of its row 0; RowPipeline._rings picks the least where no
    write wraps): a 3x3 conv > 3x3 conv at band 2 writes rows 2b + 1 .. 2b + 2 of its 4-row window (a row ahead of the
    reader), which wrap at phase 0 but at phase 1 never; the refs are (row + phase) * row bytes and no rows move."""
    model = chain_model(44, (1, 12, 8, 8), [("conv", 8, 3, 1, "SAME", "RELU"), ("conv", 8, 3, 1, "SAME", "NONE")])
    seg, = _segments(compile_model(model, target="host", row_pipeline="on", band=2))
    layers = seg.options["layers"]
    rb = row_bytes(spatial_layers(seg)[0].outputs[0])
    _, cap = schedule(layers, 2)
    assert cap[1] == 4

    def writes(rings):
        steps, _ = schedule(layers, 2, rings)
        assert not [a for acts in steps for a in acts if not isinstance(a, Call)]   # a ring: no moves
        return [(a.dst[2], a.e - a.s, a.s) for acts in steps for a in acts if isinstance(a, Call) and a.dst[0] == "w"]

    def wraps(ws):
        return any((off // rb) % cap[1] + n > cap[1] for off, n, _ in ws)

    assert wraps(writes(frozenset({1}))) and writes(frozenset({1})) == writes({1: 0})
    ws = writes({1: 1})
    assert not wraps(ws) and all(off == (s + 1) * rb for off, _, s in ws)


def test_layers_name_the_models_own_operator_indices():
    """After fusion a compiled layer's place differs from the .tflite's operator index: ic runs its 1x1 shortcut (op 6)
    before the row pipeline of ops 4, 5 and 7. Reports name each layer by the model's indices (ops.model_ops): every
    plain layer by the .tflite operator of that type at that index, a pipeline by all of its ops."""
    from helpers import shared_model
    from microforge.ops import layer_name, model_ops
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    path = shared_model("mlperf_tiny/ic.tflite")
    cm = compile_model(path, target="m4")
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(path.read_bytes(), 0))
    codes = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    tflite_types = [codes[m.operatorCodes[o.opcodeIndex].builtinCode] for o in m.subgraphs[0].operators]
    names = [layer_name(layer.op) for layer in cm.layers]
    assert names[:4] == ["CONV_2D (op 0)", "ROW_PIPELINE (ops 1-3)", "CONV_2D (op 6)", "ROW_PIPELINE (ops 4,5,7)"]
    seen = []
    for layer in cm.layers:
        idx = [int(i) for i in model_ops(layer.op).replace("-", ",").split(",")]
        idx = list(range(idx[0], idx[-1] + 1)) if "-" in model_ops(layer.op) else idx
        if layer.op.type is not OpType.ROW_PIPELINE:
            assert tflite_types[idx[0]] == layer.op.type.value, (layer.index, idx)
        seen += idx
    assert sorted(seen) == list(range(len(tflite_types)))   # every operator of the model named once
