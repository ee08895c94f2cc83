"""C text helpers: identifiers, comments and literals are safe and exact."""
import re

import numpy as np
import pytest

from microforge.codegen.cformat import c_array_body, c_comment, c_float, c_identifier, c_scalar


@pytest.mark.parametrize("name", ["conv2d/Relu;bias", "1abc", "int", "*/ #include <x>\n", "", "__x", "ü" * 80, "a" * 500])
def test_identifier_is_safe(name):
    ident = c_identifier(name)
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,60}", ident)
    assert ident not in {"int", "for", "static"} and not ident.startswith("__")


def test_comment_cannot_close_or_break():
    text = c_comment("evil */ int x; /* \n #define")
    assert "*/" not in text and "/*" not in text and "\n" not in text


@pytest.mark.parametrize("v", [0.1, 1 / 256, 3.0e-8, -7.25, 1e30])
def test_float_literal_is_exact(v):
    lit = c_float(v)
    assert float.fromhex(lit[:-1]) == float(np.float32(v))


def test_int_min_and_arrays():
    assert c_scalar(-(1 << 31)) == "(-2147483647 - 1)"
    assert c_scalar([1, 2, 3]) == "{1, 2, 3}"
    body = c_array_body(np.array([-(1 << 31), 5], np.int32))
    assert "(-2147483647 - 1)" in body and "5" in body
