"""Small tested helpers that turn Python values into C source text."""
from __future__ import annotations

import re

import numpy as np

_C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
}


def c_identifier(name: str, prefix: str = "t") -> str:
    """A safe C identifier from any string (model tensor names are untrusted).

    >>> c_identifier("conv2d/Relu;bias 1")
    'conv2d_Relu_bias_1'
    """
    s = re.sub(r"[^0-9A-Za-z_]", "_", name)
    s = re.sub(r"_+", "_", s).strip("_")[:48] or prefix
    if s[0].isdigit() or s in _C_KEYWORDS or s.startswith("__"):
        s = f"{prefix}_{s}"
    return s


def c_comment(text: str) -> str:
    """Text safe inside a /* */ comment (no terminator, no trigraph tricks, one line, printable)."""
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    return text.replace("*/", "* /").replace("/*", "/ *").replace("??", "? ?")


def c_float(v: float) -> str:
    """An exact float literal (hex), e.g. 0x1.99999ap-4f."""
    f = float(np.float32(v))
    if not np.isfinite(f):
        raise ValueError(f"non-finite constant {v}")
    return f.hex() + "f"


def c_scalar(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        v = int(v)
        if v == -(1 << 31):
            return "(-2147483647 - 1)"
        return str(v)
    if isinstance(v, (float, np.floating)):
        return c_float(v)
    if isinstance(v, str):  # an identifier or expression produced by codegen itself
        return v
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(c_scalar(x) for x in v) + "}"
    raise TypeError(f"no C form for {type(v).__name__}")


def c_array_body(arr: np.ndarray, per_line: int = 24) -> str:
    """Comma-separated values, `per_line` to a line, indented; exact for ints and floats."""
    flat = np.asarray(arr).reshape(-1)
    if flat.dtype.kind == "f":
        items = [c_float(x) for x in flat.tolist()]
    elif flat.dtype == np.int32:
        items = [c_scalar(x) for x in flat.tolist()]
    else:
        items = [str(x) for x in flat.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "    " + ",\n    ".join(lines)
