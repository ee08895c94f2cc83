"""compile --format cmsis-pack: the .pdsc checked against the PACK.xsd rules it relies on (required elements,
attribute patterns, file categories, every file listed and present), then the pack's files, found through the
.pdsc alone, built with arm-none-eabi-gcc into a firmware that matches TFLM on the emulated M4.

No validator ships PACK.xsd on PyPI, so the schema rules used are restated below (Open-CMSIS-Pack PACK.xsd,
schemaVersion 1.7.x); with the `xmlschema` package installed and MICROFORGE_PACK_XSD naming a PACK.xsd file,
the test also validates against the schema itself."""
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import oracle_run

from microforge.driver import compile_model
from microforge.modelgen import example_model
from microforge.sim.emulator import run_firmware
from microforge.targets import get_target
from microforge.toolchain.arm import FILES_DIR, have_arm_gcc, linker_script
from microforge.toolchain.package import pack_name, write_package

# From PACK.xsd: RestrictedString, PackVersionType (without build metadata), ComponentVersionType, CidPartType,
# SimpleVersionType, FileCategoryType.
RESTRICTED = re.compile(r"[\-_A-Za-z0-9]+")
PACK_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?")
COMPONENT_VERSION = re.compile(r"(0|[1-9]\d*)\.([0-9]+)(\.([0-9]+))?(-[0-9A-Za-z.-]+)?")
CID_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+()'/\-\s.]+")
SIMPLE_VERSION = re.compile(r"[0-9]+\.[0-9]+(\.[0-9]+)?")
CATEGORIES = {"doc", "header", "include", "library", "object", "source", "sourceC", "sourceCpp", "sourceAsm",
              "linkerScript", "utility", "image", "other", "preIncludeGlobal", "preIncludeLocal", "genSource",
              "genHeader", "genParams", "genAsset"}
M4 = get_target("m4")


def _pack(tmp_path, target="m4", memory=None, source="model.tflite"):
    cm = compile_model(example_model(), target=target, memory=memory)
    cm.source_name = source
    out = tmp_path / "pack"
    write_package(cm, get_target(target), out, "cmsis-pack")
    return cm, out


def _check_pdsc(out):
    """The structural PACK.xsd checks; returns the parsed root and {component Csub: (include dirs, sources)}."""
    pdscs = list(out.glob("*.pdsc"))
    assert len(pdscs) == 1
    root = ET.parse(pdscs[0]).getroot()
    assert root.tag == "package" and SIMPLE_VERSION.fullmatch(root.get("schemaVersion"))
    for tag in ("name", "vendor", "description", "url", "releases"):   # minOccurs=1 children of <package>
        assert len(root.findall(tag)) == 1, tag
    vendor, name = root.findtext("vendor"), root.findtext("name")
    assert RESTRICTED.fullmatch(vendor) and RESTRICTED.fullmatch(name)
    assert pdscs[0].name == f"{vendor}.{name}.pdsc"                       # <vendor>.<name>.pdsc
    releases = root.findall("releases/release")
    assert releases and all(PACK_VERSION.fullmatch(r.get("version")) for r in releases)
    conditions = {c.get("id") for c in root.findall("conditions/condition")}
    listed, parts = set(), {}
    components = root.findall("components/component")
    assert components
    for c in components:
        for attr in ("Cclass", "Cgroup"):
            assert CID_PART.fullmatch(c.get(attr)), attr
        assert COMPONENT_VERSION.fullmatch(c.get("Cversion"))
        assert c.get("condition") is None or c.get("condition") in conditions
        assert c.find("description") is not None and c.find("files") is not None
        includes, sources = [], []
        for f in c.findall("files/file"):
            assert f.get("category") in CATEGORIES and f.get("name")
            path = out / f.get("name")
            if f.get("category") == "include":
                assert path.is_dir()
                includes.append(path)
            else:
                assert path.is_file(), f.get("name")
                listed.add(path)
            if f.get("category") == "source":
                sources.append(path)
        parts[c.get("Csub")] = (includes, sources)
    on_disk = {p for p in out.rglob("*") if p.is_file() and p.suffix != ".pdsc"}
    assert on_disk == listed, f"files not in the .pdsc: {on_disk - listed}; listed but absent: {listed - on_disk}"
    xsd = os.environ.get("MICROFORGE_PACK_XSD")
    if xsd:   # the schema itself, where the user has it (not on PyPI)
        import xmlschema

        xmlschema.XMLSchema(xsd).validate(str(pdscs[0]))
    return root, parts


def test_pack_layout_and_schema_rules(tmp_path):
    _, out = _pack(tmp_path, source="kws model.tflite")
    root, parts = _check_pdsc(out)
    assert root.findtext("name") == pack_name("kws model.tflite") == "kws_model"
    assert set(parts) == {"Kernels", "kws_model"}
    assert [p.name for p in parts["kws_model"][1]] == ["model.c"] and parts["Kernels"][1] == []   # kernels: headers
    assert all(h.suffix == ".h" for h in (out / "kernels").iterdir())
    model = next(c for c in root.findall("components/component") if c.get("Csub") == "kws_model")
    needs = {(r.get("Cgroup"), r.get("Csub")) for cond in root.findall("conditions/condition")
             if cond.get("id") == model.get("condition") for r in cond.findall("require")}
    assert ("microforge", "Kernels") in needs
    kernels = next(c for c in root.findall("components/component") if c.get("Csub") == "Kernels")
    dsp = [r.get("Ddsp") for cond in root.findall("conditions/condition") if cond.get("id") == kernels.get("condition")
           for r in cond.findall("require")]
    assert dsp == ["DSP"]                                   # m4 gets the SIMD kernels: they need the DSP extension
    _, out0 = _pack(tmp_path / "m0", target="m0plus")
    root0, _ = _check_pdsc(out0)
    assert not root0.findall("conditions/condition/require[@Ddsp]")
    assert "cpackget add microforge.kws_model.pdsc" in (out / "README.md").read_text()


@pytest.mark.skipif(not have_arm_gcc(), reason="arm-none-eabi-gcc not installed")
@pytest.mark.parametrize("memory", [None, "fast:4K,slow:64K"])
def test_pack_files_build_with_arm_gcc_and_match_tflm_on_m4(tmp_path, memory):
    cm, out = _pack(tmp_path, memory=memory)
    _, parts = _check_pdsc(out)
    includes = [d for inc, _ in parts.values() for d in inc]
    sources = [s for _, src in parts.values() for s in src]
    flags = [*M4.cpu_flags, "-O2", "-std=c99", "-Wall", "-Werror", "-ffunction-sections", "-fdata-sections",
             *[f"-I{d}" for d in includes]]
    objs = []
    for src in [*sources, FILES_DIR / "startup.c", FILES_DIR / "firmware_main.c"]:
        obj = tmp_path / (src.stem + ".o")
        std = ["-std=gnu11"] if src.parent == FILES_DIR else []
        r = subprocess.run(["arm-none-eabi-gcc", *flags, *std, "-c", str(src), "-o", str(obj)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        objs.append(str(obj))
    (tmp_path / "fw.ld").write_text(linker_script(M4, pools=cm.pool_usage))
    r = subprocess.run(["arm-none-eabi-gcc", *M4.cpu_flags, "--specs=nano.specs", "-nostartfiles", "-Wl,--gc-sections",
                        f"-Wl,-T,{tmp_path / 'fw.ld'}", *objs, "-lm", "-o", str(tmp_path / "fw.elf")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    x = np.random.default_rng(3).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8)
    res = run_firmware(tmp_path / "fw.elf", M4, [x.tobytes()], [t.nbytes for t in cm.graph.outputs])
    assert res.status == 0 and res.outputs[0] == oracle_run(example_model(), [x])[0].tobytes()
