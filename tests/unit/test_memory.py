"""Memory planner: expected peaks on small lifetime tables, and the verifier catches overlaps."""
import pytest

from microforge.memory import Buffer, Plan, plan_greedy_by_size, verify_plan
from microforge.memory.verify import PlanError


@pytest.mark.parametrize("table, peak", [
    ([(64, 0, 0)], 64),
    ([(64, 0, 1), (64, 2, 3)], 64),                      # disjoint lifetimes share bytes
    ([(64, 0, 1), (64, 1, 2)], 128),                     # touching at a step: both live
    ([(100, 0, 1), (50, 1, 2), (80, 2, 3)], 160),        # 50 rounds up to 56 (8-byte alignment)
    ([(32, 0, 4), (16, 1, 1), (16, 2, 2), (16, 3, 3)], 48),
    ([], 0),
])
def test_greedy_peak(table, peak):
    plan = plan_greedy_by_size([Buffer(s, a, b, name=f"b{i}") for i, (s, a, b) in enumerate(table)])
    verify_plan(plan)
    assert plan.size == peak


def test_verifier_rejects_overlap_of_live_buffers():
    bufs = [Buffer(64, 0, 2, name="a"), Buffer(64, 1, 3, name="b")]
    with pytest.raises(PlanError, match="'a'.*'b'.*overlap"):
        verify_plan(Plan(bufs, [0, 32], 96, "hand-made"))


def test_verifier_accepts_overlap_of_dead_buffers_and_rejects_out_of_arena():
    bufs = [Buffer(64, 0, 1, name="a"), Buffer(64, 2, 3, name="b")]
    verify_plan(Plan(bufs, [0, 0], 64, "hand-made"))
    with pytest.raises(PlanError, match="outside"):
        verify_plan(Plan(bufs, [0, 8], 64, "hand-made"))


# ---------------------------------------------------------------------------------- every planner
import random  # noqa: E402

from microforge.memory import (  # noqa: E402
    peak_lower_bound, plan_best, plan_branch_and_bound, plan_greedy_by_breadth, plan_greedy_by_conflict,
    plan_hill_climb, whole_tensor_bound,
)
from microforge.memory.render import plan_svg, plan_table  # noqa: E402

PLANNERS = [plan_greedy_by_size, plan_greedy_by_breadth, plan_greedy_by_conflict, plan_hill_climb,
            plan_branch_and_bound, plan_best]


def _bufs(table):
    """(size, first, last[, {input index: lead}]) rows -> buffers."""
    return [Buffer(r[0], r[1], r[2], name=f"b{i}", inplace=dict(r[3]) if len(r) > 3 else {}) for i, r in enumerate(table)]


# table -> expected peak per planner: (size_greedy, breadth, conflict, hill_climb, branch_and_bound, best)
PEAKS = [
    ([(64, 0, 0)], [64] * 6),
    ([(64, 0, 1), (64, 2, 3)], [64] * 6),
    ([(64, 0, 1), (64, 1, 2)], [128] * 6),
    ([(100, 0, 1), (50, 1, 2), (80, 2, 3)], [160] * 6),
    ([(32, 0, 4), (16, 1, 1), (16, 2, 2), (16, 3, 3)], [48] * 6),
    # size-first puts both 40s at 0, so the 30s stack above them (40+30 -> 72, +30 -> 102 -> 104);
    # the optimum puts the second 30 at 0 and the second 40 above it (72)
    ([(40, 0, 1), (30, 1, 2), (30, 2, 3), (40, 3, 4)], [104, 104, 104, 72, 72, 72]),
    # in-place: an output may exactly overwrite its dying input (lead 0) ...
    ([(64, 0, 0), (64, 0, 1, {0: 0})], [64] * 6),
    # ... or must start `lead` bytes below it
    ([(64, 0, 0), (96, 0, 1, {0: 40})], [104] * 6),
    # a chain of in-place ops drifts down by the sum of the leads (64 + 3*16); lowest-fit greedy
    # orders start the chain at 0 and must jump disjoint (128)
    ([(64, 0, 0), (64, 0, 1, {0: 16}), (64, 1, 2, {1: 16}), (64, 2, 3, {2: 16})], [128, 128, 128, 112, 112, 112]),
    ([], [0] * 6),
]


@pytest.mark.parametrize("table, peaks", PEAKS, ids=[f"t{i}" for i in range(len(PEAKS))])
@pytest.mark.parametrize("k", range(len(PLANNERS)), ids=[p.__name__ for p in PLANNERS])
def test_planner_peaks(table, peaks, k):
    plan = PLANNERS[k](_bufs(table))
    verify_plan(plan)
    assert plan.size == peaks[k]
    assert plan.size >= peak_lower_bound(plan.buffers)


def test_plan_best_keeps_the_smallest_and_records_all():
    bufs = _bufs([(40, 0, 1), (30, 1, 2), (30, 2, 3), (40, 3, 4)])
    plan = plan_best(bufs)
    assert plan.size == min(plan.tried.values()) == 72
    assert plan.tried["greedy_by_size"] == 104
    assert set(plan.tried) == {"greedy_by_size", "greedy_by_breadth", "greedy_by_conflict", "hill_climb", "branch_and_bound"}


def test_branch_and_bound_is_exact_on_small_problems():
    """Against brute force over all placement orders (which reach every packing)."""
    import itertools

    from microforge.memory.planner import place_in_order
    rng = random.Random(7)
    for _ in range(30):
        bufs = _random_buffers(rng, n=6, steps=5, leads=True)
        brute = min(place_in_order(bufs, o, "brute").size for o in itertools.permutations(range(len(bufs))))
        plan = plan_branch_and_bound(bufs, node_budget=10**6)
        verify_plan(plan)
        assert plan.size == brute


def _random_buffers(rng, n, steps, leads):
    bufs = []
    for i in range(n):
        first = rng.randrange(steps)
        last = min(steps, first + rng.randrange(3))
        bufs.append(Buffer(rng.choice([8, 16, 24, 40, 64, 100, 128]), first, last, name=f"b{i}"))
    if leads:   # an output may overlap an earlier buffer that dies at its first step
        for y, b in enumerate(bufs):
            for x, a in enumerate(bufs):
                if x != y and a.last == b.first and y not in a.inplace and rng.random() < 0.5:
                    b.inplace[x] = rng.choice([-16, 0, 7, 24, 64])
    return bufs


@pytest.mark.parametrize("seed", range(40))
def test_random_lifetimes_verify(seed):
    rng = random.Random(seed)
    bufs = _random_buffers(rng, n=rng.randrange(1, 25), steps=12, leads=seed % 2 == 0)
    for planner in PLANNERS:
        plan = planner(bufs)
        verify_plan(plan)
        assert peak_lower_bound(bufs) <= plan.size
        if seed % 2:   # without in-place pairs nothing beats whole tensors
            assert plan.size >= whole_tensor_bound(bufs)


# ------------------------------------------------------------------ the verifier enforces each lead
def test_verifier_accepts_output_exactly_over_its_input_at_lead_0():
    bufs = _bufs([(64, 0, 0), (64, 0, 1, {0: 0})])
    verify_plan(Plan(bufs, [0, 0], 64, "hand-made"))


def test_verifier_rejects_output_starting_after_its_input_at_lead_0():
    bufs = _bufs([(64, 0, 0), (64, 0, 1, {0: 0})])
    with pytest.raises(PlanError, match="must lead by >= 0"):
        verify_plan(Plan(bufs, [0, 8], 72, "hand-made"))


@pytest.mark.parametrize("lead", [1, 8, 40, 63])
def test_verifier_rejects_output_closer_than_its_lead(lead):
    bufs = _bufs([(64, 0, 0), (96, 0, 1, {0: lead})])
    for b in bufs:
        b.align = 1
    verify_plan(Plan(bufs, [lead, 0], 96 + max(0, lead + 64 - 96), "hand-made"))
    with pytest.raises(PlanError, match=f"must lead by >= {lead}"):
        verify_plan(Plan(bufs, [lead - 1, 0], 160, "hand-made"))


def test_verifier_rejects_overlap_with_an_input_that_lives_on():
    """The lead only applies when the input dies at the op that makes the output."""
    bufs = _bufs([(64, 0, 1), (64, 0, 1, {0: 0})])
    with pytest.raises(PlanError, match="overlap"):
        verify_plan(Plan(bufs, [0, 0], 64, "hand-made"))


def test_verifier_rejects_overlap_without_a_declared_lead():
    bufs = _bufs([(64, 0, 0), (64, 0, 1)])
    with pytest.raises(PlanError, match="overlap"):
        verify_plan(Plan(bufs, [0, 0], 64, "hand-made"))


def test_verifier_rejects_misaligned_offsets():
    bufs = _bufs([(64, 0, 0)])
    with pytest.raises(PlanError, match="aligned"):
        verify_plan(Plan(bufs, [4], 68, "hand-made"))


# ------------------------------------------------------------------------------------- rendering
def test_render_table_and_svg():
    bufs = _bufs([(64, 0, 0), (96, 0, 1, {0: 40}), (32, 1, 2)])
    plan = plan_best(bufs)
    text = plan_table(plan, op_names=["conv", "pool"])
    assert "b1" in text and "0 conv" in text and "1 pool" in text and "end" in text
    assert "#0 (lead 40)" in text and f"arena {plan.size} bytes" in text
    svg = plan_svg(plan, op_names=["conv", "pool"])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count("<rect") == 3 + 2 and "peak" in svg


# ------------------------------------------------------------------------------ persistent state
def test_ram_usage_counts_persistent_state_once():
    """Variable-tensor state lives outside the arena: counted at compile time, then inside the measured static."""
    from microforge.memory import RamUsage
    r = RamUsage(arena=64, persistent=40)
    assert r.total == 104
    assert r.with_measured(stack=12, static=48).total == 64 + 12 + 48   # static (48) already holds the 40 bytes


def test_variable_tensors_get_no_arena_buffer():
    from microforge.ir import DType, Graph, Op, OpType, Tensor
    from microforge.memory import buffers_for
    x, y = Tensor(0, "x", (1, 4), DType.INT8), Tensor(1, "y", (1, 2), DType.INT8)
    state = Tensor(2, "state", (1, 8), DType.INT16, variable=True)
    g = Graph(tensors=[x, y, state], ops=[Op(0, OpType.SVDF, [x, None, None, None, state], [y])], inputs=[x], outputs=[y])
    assert [b.name for b in buffers_for(g, {})] == ["x", "y"]


def test_free_room_is_what_no_live_buffer_holds():
    """memory.free_room: per step, the arena runs outside every buffer live then (an op's scratch: EmitContext.room),
    per arena, lowest first; a buffer dead at a step leaves its bytes free there."""
    from microforge.memory import free_room
    bufs = [Buffer(64, 0, 1), Buffer(32, 1, 2), Buffer(16, 0, 2), Buffer(40, 2, 2)]
    places = [("a", 0), ("a", 64), ("b", 8), ("a", 0)]
    rooms = free_room(bufs, places, {"a": 128, "b": 32}, 3)
    assert rooms[0] == [("a", 64, 64), ("b", 0, 8), ("b", 24, 8)]
    assert rooms[1] == [("a", 96, 32), ("b", 0, 8), ("b", 24, 8)]
    assert rooms[2] == [("a", 40, 24), ("a", 96, 32), ("b", 0, 8), ("b", 24, 8)]
    assert free_room([Buffer(32, 0, 0)], [("a", 0)], {"a": 32}, 1) == [[]]


def test_kws_column_planes_lie_in_free_room():
    """The column path's planes in the arena (ops/depthwise_conv2d.py _emit_cols) lie where no buffer live at their
    layer is, word aligned, none over another."""
    import re
    from helpers import shared_model
    from microforge.driver import compile_model
    from microforge.memory import free_room
    cm = compile_model(shared_model("mlperf_tiny/kws.tflite").read_bytes(), target="m4")
    offsets = {id(t): off for b, off in zip(cm.plan.buffers, cm.plan.offsets) for t in b.tensors}
    rooms = free_room(cm.plan.buffers, [("mf_arena", offsets[id(b.tensors[0])]) for b in cm.plan.buffers],
                      {"mf_arena": cm.plan.size}, len(cm.graph.ops))
    from microforge.ir import OpType
    from microforge.ops.depthwise_conv2d import DepthwiseConv2D
    (op, *_) = [op for op in cm.graph.ops if op.type is OpType.DEPTHWISE_CONV_2D]
    words = (op.outputs[0].shape[2] + 2) * DepthwiseConv2D.cols_pitch(op) // 2   # a plane: (out_w + 2) columns
    seen = 0
    for layer in cm.layers:
        planes = [int(o) for o in re.findall(r"\(int16_t \*\)\(mf_arena \+ (\d+)\)", layer.code)]
        for i, o in enumerate(planes):
            assert o % 4 == 0 and any(a <= o and o + 4 * words <= a + n for _, a, n in rooms[layer.index])
            assert all(abs(o - q) >= 4 * words for q in planes[:i])
        seen += len(planes)
    assert seen == 12


@pytest.mark.parametrize("seed", range(4))
def test_lowest_fit_is_the_lowest_aligned_offset_outside_every_interval(seed):
    """planner._lowest_fit (the placement under every planner) against a scan of every aligned offset: intervals
    open at both ends, overlapping, nested, touching, negative, empty; floors above some of them."""
    from microforge.memory.planner import _lowest_fit

    rng = random.Random(seed)
    for _ in range(500):
        align = rng.choice([1, 4, 16])
        busy = []
        for _ in range(rng.randrange(0, 12)):
            lo = rng.randrange(-40, 300)
            busy.append((lo, lo + rng.randrange(0, 90)))
        floor = rng.choice([0, 0, rng.randrange(0, 200)])
        want = next(x for x in range(-(-floor // align) * align, 10**6, align)
                    if all(not (lo < x < hi) for lo, hi in busy))
        assert _lowest_fit(Buffer(8, 0, 1, align=align), busy, floor) == want, (busy, floor, align)
