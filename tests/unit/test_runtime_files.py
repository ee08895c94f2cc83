"""The runtime files a build ships: the kernels its ops list plus, transitively, what those files include in the
variant the build uses (codegen.generate.runtime_closure)."""
from microforge.codegen.generate import runtime_closure, runtime_source


def test_closure_follows_the_chosen_variants_includes():
    dsp = runtime_closure(["mf_common.h", "mf_depthwise_conv2d.h"], ("dsp", "portable"))
    portable = runtime_closure(["mf_common.h", "mf_depthwise_conv2d.h"], ("portable",))
    assert '#include "mf_dw_band.h"' in runtime_source("mf_depthwise_conv2d.h", ("dsp", "portable"))
    assert '#include "mf_dw_s2.h"' in runtime_source("mf_depthwise_conv2d.h", ("dsp", "portable"))
    # the DSP kernel's stride-2 row path, band helper and column path, in include order
    assert '#include "mf_dw_cols.h"' in runtime_source("mf_depthwise_conv2d.h", ("dsp", "portable"))
    assert dsp == ["mf_common.h", "mf_depthwise_conv2d.h", "mf_dw_s2.h", "mf_dw_band.h", "mf_dw_cols.h"]
    assert portable == ["mf_common.h", "mf_depthwise_conv2d.h"]              # the portable kernel has none


def test_closure_is_transitive_and_lists_each_file_once():
    files = runtime_closure(["mf_conv2d_s16.h"], ("dsp", "portable"))
    assert files == ["mf_conv2d_s16.h", "mf_common.h", "mf_s16_params.h", "mf_fully_connected_s16.h"]
    assert runtime_closure(["mf_conv2d_s16.h", "mf_s16_params.h"], ("dsp", "portable")) == \
        ["mf_conv2d_s16.h", "mf_s16_params.h", "mf_common.h", "mf_fully_connected_s16.h"]
