"""Target table: records, lookup errors, overrides."""
from __future__ import annotations

import dataclasses

import pytest

from microforge.errors import MicroforgeError
from microforge.targets import TARGETS, Target, get_target


def test_table_has_the_six_targets():
    assert list(TARGETS) == ["host", "m0plus", "m4", "m7", "m33", "m55"]


@pytest.mark.parametrize("name,core,mhz,ram,flash", [
    ("m0plus", "cortex-m0plus", 133, 264 * 1024, 2 * 1024 * 1024),
    ("m4", "cortex-m4", 120, 640 * 1024, 2 * 1024 * 1024),
    ("m7", "cortex-m7", 216, 320 * 1024, 1024 * 1024),
    ("m33", "cortex-m33", 160, 786 * 1024, 2 * 1024 * 1024),
])
def test_mcu_records(name, core, mhz, ram, flash):
    t = get_target(name)
    assert (t.core, t.clock_mhz, t.ram_bytes, t.flash_bytes) == (core, mhz, ram, flash)
    assert "-mthumb" in t.cpu_flags
    assert any(f.startswith("-mfloat-abi=") for f in t.cpu_flags)
    assert t.datasheet and t.board and t.unicorn_cpu


def test_dsp_and_fpu_flags():
    assert not get_target("m0plus").dsp
    assert all(get_target(n).dsp for n in ("m4", "m7", "m33", "m55"))
    assert "-mfpu=fpv5-sp-d16" in get_target("m7").cpu_flags  # unicorn rejects double VFP


def test_m55_documents_mve_limitation():
    t = get_target("m55")
    assert t.mve and not t.mve_executable
    assert "+nomve" in t.notes and "MVE" in t.notes
    assert not any("mve" in f and "nomve" not in f for f in t.cpu_flags)


def test_host_has_no_core():
    t = get_target("host")
    assert t.is_host and t.core is None and not t.cpu_flags


def test_unknown_target_lists_valid_names():
    with pytest.raises(MicroforgeError) as exc:
        get_target("m99")
    msg = str(exc.value)
    for name in TARGETS:
        assert name in msg


def test_aliases():
    assert get_target("M4").name == "m4"
    assert get_target("m0+").name == "m0plus"
    assert get_target("cortex-m33").name == "m33"


def test_with_overrides_is_a_copy():
    t = get_target("m4")
    o = t.with_overrides(clock_mhz=80, ram=128 * 1024, flash=512 * 1024)
    assert (o.clock_mhz, o.ram_bytes, o.flash_bytes) == (80, 128 * 1024, 512 * 1024)
    assert (t.clock_mhz, t.ram_bytes) == (120, 640 * 1024)
    assert t.with_overrides() is t
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.clock_mhz = 1  # type: ignore[misc]


def test_with_overrides_rejects_nonsense():
    with pytest.raises(MicroforgeError):
        get_target("m4").with_overrides(ram=0)
    with pytest.raises(MicroforgeError):
        get_target("host").with_overrides(ram=1024)


def test_target_is_frozen_dataclass():
    assert dataclasses.is_dataclass(Target)
