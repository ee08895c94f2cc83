"""Memory pools (--memory): spec parsing with clear errors, heat-ordered placement, per-pool plans and overflow."""
import pytest

from microforge.driver import compile_model
from microforge.errors import MicroforgeError
from microforge.frontend import load_tflite
from microforge.memory import Buffer, Pool, buffer_traffic, buffers_for, parse_memory, place_in_pools, verify_plan
from microforge.memory.pools import heat_order, subset
from microforge.modelgen import conv2d_model, example_model, reshape_model
from microforge.ops import opdef


@pytest.mark.parametrize("spec, pools", [
    ("dtcm:64K,sram:256K", [("dtcm", 65536), ("sram", 262144)]),
    ("sram:4096", [("sram", 4096)]),
    (" DTCM : 8k , sram_2 : 1M ", [("dtcm", 8192), ("sram_2", 1 << 20)]),
    ("a:1KB,b:2KiB,c:100b", [("a", 1024), ("b", 2048), ("c", 100)]),
    ("tcm:4G", [("tcm", 4 << 30)]),
])
def test_parse_good_specs(spec, pools):
    assert [(p.name, p.capacity) for p in parse_memory(spec)] == pools


@pytest.mark.parametrize("spec, message", [
    ("", "no pools given"),
    ("dtcm", r"pool 1 \('dtcm'\).*name and a size separated by ':'"),
    ("dtcm:64K,", r"pool 2 \(''\).*name and a size"),
    ("dtcm:", "cannot read the size ''"),
    ("dtcm:64Q", "cannot read the size '64Q'"),
    ("dtcm:-1K", "cannot read the size '-1K'"),
    ("dtcm:0", "pool size '0' is 0 bytes"),
    ("dtcm:5G", "holds 1 byte to 4 GiB"),
    ("9tcm:1K", "'9tcm' is not a pool name"),
    ("d-tcm:1K", "'d-tcm' is not a pool name"),
    ("dtcm:1K,DTCM:2K", "pool 'dtcm' is given twice"),
])
def test_parse_bad_specs_say_what_is_wrong(spec, message):
    with pytest.raises(MicroforgeError, match=message) as e:
        parse_memory(spec)
    assert e.value.message.startswith("--memory")


def _place(table, pools):
    """table rows: (name, size, first, last, traffic bytes) -> {name: pool name}, plus the placement."""
    bufs = [Buffer(size, first, last, name=name) for name, size, first, last, _ in table]
    placed = place_in_pools(bufs, [Pool(n, c) for n, c in pools], [row[4] for row in table])
    return {bufs[i].name: p.pool.name for p in placed for i in p.members}, placed


# (buffers: name, size, first, last, traffic), pools, expected pool of each buffer
PLACEMENT = [
    # hot small buffers go fast; the cold big one does not fit there anyway
    ([("a", 1024, 0, 1, 100 * 1024), ("b", 4096, 1, 2, 10 * 4096), ("c", 512, 2, 3, 50 * 512)],
     [("fast", 2048), ("slow", 65536)], {"a": "fast", "b": "slow", "c": "fast"}),
    # the hottest does not fit the fast pool: it goes on, and a colder buffer still fills the fast pool
    ([("big", 8192, 0, 1, 100 * 8192), ("small", 1024, 1, 2, 1024)],
     [("fast", 4096), ("slow", 65536)], {"big": "slow", "small": "fast"}),
    # live together: the second-hottest no longer fits beside the hottest
    ([("a", 1536, 0, 1, 100 * 1536), ("b", 1024, 1, 2, 90 * 1024), ("c", 256, 3, 4, 1 * 256)],
     [("fast", 2048), ("slow", 65536)], {"a": "fast", "b": "slow", "c": "fast"}),
    # heat is per byte: a buffer with more traffic in total but less per byte loses the fast pool
    ([("wide", 2048, 0, 1, 20 * 2048), ("hot", 1024, 0, 1, 30 * 1024)],
     [("fast", 2048), ("slow", 65536)], {"wide": "slow", "hot": "fast"}),
    # equal heat: the smaller buffer first
    ([("x", 2048, 0, 1, 2048), ("y", 1024, 0, 1, 1024)],
     [("fast", 2048), ("slow", 65536)], {"x": "slow", "y": "fast"}),
    # three pools, fastest first
    ([("a", 1024, 0, 2, 9 * 1024), ("b", 1024, 0, 2, 5 * 1024), ("c", 1024, 0, 2, 1024)],
     [("itcm", 1024), ("dtcm", 1024), ("sram", 1024)], {"a": "itcm", "b": "dtcm", "c": "sram"}),
    # one pool: everything in it
    ([("a", 1024, 0, 1, 5), ("b", 1024, 1, 2, 5)], [("sram", 4096)], {"a": "sram", "b": "sram"}),
]


@pytest.mark.parametrize("table, pools, expected", PLACEMENT)
def test_placement_table(table, pools, expected):
    got, placed = _place(table, pools)
    assert got == expected
    for p in placed:
        verify_plan(p.plan)
        assert p.used <= p.pool.capacity
    assert sorted(i for p in placed for i in p.members) == list(range(len(table)))   # every buffer, exactly once


def test_overflow_names_the_pool_and_the_missing_bytes():
    table = [("a", 2048, 0, 1, 10 * 2048), ("b", 4096, 0, 1, 4096), ("c", 1024, 0, 1, 1024)]
    with pytest.raises(MicroforgeError, match=r"--memory: the activations do not fit: pool 'slow' needs 5,120 bytes, "
                                              r"1,024 more than its 4,096 \(the others hold fast 2,048 of 2,048\)"):
        _place(table, [("fast", 2048), ("slow", 4096)])
    with pytest.raises(MicroforgeError, match=r"pool 'only' needs 7,168 bytes, 6,144 more than its 1,024\. Enlarge"):
        _place(table, [("only", 1024)])


def test_inplace_partners_kept_inside_a_pool_and_dropped_across():
    bufs = [Buffer(64, 0, 1, name="x"), Buffer(64, 1, 2, name="y", inplace={0: 0}), Buffer(64, 2, 3, name="z", inplace={1: 0})]
    assert [b.inplace for b in subset(bufs, [0, 1])] == [{}, {0: 0}]
    assert [b.inplace for b in subset(bufs, [1, 2])] == [{}, {0: 0}]
    assert [b.inplace for b in subset(bufs, [0, 2])] == [{}, {}]
    assert heat_order(bufs, [64, 640, 64]) == [1, 0, 2]


def _macs(op):
    d = opdef(op.type)
    return None if d.aliases_input(op) else d.macs(op)


def test_traffic_counts_mac_reads_element_reads_and_writes():
    g = load_tflite(conv2d_model(in_shape=(1, 8, 8, 3), out_c=5, kernel=(3, 3)))
    bufs = buffers_for(g, {})
    traffic = buffer_traffic(g, bufs, _macs)
    (op,) = g.ops
    by_name = {b.tensors[0].name: t for b, t in zip(bufs, traffic)}
    assert by_name[op.inputs[0].name] == opdef(op.type).macs(op) > op.inputs[0].nbytes   # read once per MAC
    assert by_name[op.outputs[0].name] == op.outputs[0].nbytes                          # written once


def test_traffic_skips_aliasing_ops():
    g = load_tflite(reshape_model())
    aliases = {id(op.outputs[0]): op.inputs[0] for op in g.ops if opdef(op.type).aliases_input(op)}
    assert aliases, "reshape_model should alias"
    bufs = buffers_for(g, aliases)
    assert buffer_traffic(g, bufs, _macs) == [0] * len(bufs)


def test_compile_with_pools_plans_each_pool_and_keeps_the_default_unchanged():
    plain = compile_model(example_model())
    assert plain.pools is None and plain.pool_usage is None and "mf_arena_" not in plain.files["model.c"]
    cm = compile_model(example_model(), memory="fast:4K,slow:64K")
    use = cm.pool_usage
    assert [u["pool"] for u in use] == ["fast", "slow"] and all(0 < u["used"] <= u["capacity"] for u in use)
    assert cm.arena_bytes == sum(u["used"] for u in use) == cm.ram.arena
    verify_plan(cm.plan)
    for p in cm.pools:
        verify_plan(p.plan)
    src = cm.files["model.c"]
    assert 'MF_ARENA_FAST_SECTION ".bss.mf_arena_fast"' in src and "static uint8_t mf_arena_slow[" in src
    assert "(mf_arena +" not in src and "MF_MODEL_ARENA_FAST_BYTES" in cm.files["model.h"]
    with pytest.raises(MicroforgeError, match="pool 'slow' needs"):
        compile_model(example_model(), memory="fast:1K,slow:2K")
