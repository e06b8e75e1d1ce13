"""Every docstring example in the library runs (numpydoc Examples sections)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cuecoder

SKIP = {"cuecoder.cli"}  # typer app: exercised by the CLI tests
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(cuecoder.__path__, "cuecoder.")
    if m.name not in SKIP and not m.name.startswith("cuecoder.stats")  # tests/stats runs those
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra that is not installed
        pytest.skip(f"{name}: {exc}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
