"""``mediate`` against the original SPSS PROCESS 2.16.3 output (HC3, BC bootstrap of 5,000).

The reference files are in ../shared/data/process_reference (MIT, PyProcessMacro's test
fixtures; see its SOURCE.md): the data, and PROCESS's printed output for models 4, 6, 7,
14 and 58. Point estimates, HC3 standard errors, regression CIs, indirect effects,
indices and conditional effects must equal the printed values to the printed 4 decimals;
bootstrap limits and SEs must agree within Monte-Carlo error (two runs of 5,000 draws).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cuecoder.stats import mediate

# tests/conftest.py sets CUECODER_DATA (default ../shared/data beside the checkout)
REFERENCE = Path(os.environ.get("CUECODER_DATA", "../shared/data")) / "process_reference"
# printed to 4 decimals: a value and its rounding differ by at most 5e-5
PRINTED = 5e-5 + 1e-9
# The 2.5% quantile of 5,000 bootstrap draws has an MC SD of about .04 bootstrap SDs
# (sqrt(.025 * .975 / 5000) / phi(1.96)); two independent runs differ by ~.055 SDs. Allow
# 4 such SDs (BC adds a little through z0).
BOOT_TOL = 0.22

pytestmark = pytest.mark.skipif(
    not (REFERENCE / "Results_OLS_Model4.txt").is_file(),
    reason=f"PROCESS reference output not available: {REFERENCE} is absent "
    "(../shared beside the repo)",
)

NUMBER = r"-?\d*\.\d+|-?\d+"


def _numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(NUMBER, line)]


def parse(model: int) -> dict:
    """PROCESS's printed output as dicts: regression rows, indirect effects, indices."""
    text = (REFERENCE / f"Results_OLS_Model{model}.txt").read_text(encoding="utf-8-sig")
    out = {"coef": {}, "indirect": {}, "conditional": {}, "index": {}, "products": {}}
    for m in re.finditer(r"^ (int_\d+)\s+(\w+)\s+X\s+(\w+)", text, re.M):
        out["products"][m.group(1)] = f"{m.group(2)}:{m.group(3)}"
    for block in text.split("Outcome: ")[1:]:
        dep = block.split()[0]
        model_part = block.split("\nModel\n", 1)[1]
        for line in model_part.splitlines()[1:]:
            if not line.strip():
                break
            name, *vals = line.split()
            out["coef"][(dep, name)] = [float(v) for v in vals]
    effects = text.split("DIRECT AND INDIRECT EFFECTS", 1)[1].split("INDEX OF MODERATED")[0]
    for line in effects.splitlines():
        head = line.split()
        if not head:
            continue
        if head[0] in ("TOTAL", "m1", "m2") and len(head) == 5:  # model 4
            out["indirect"][head[0]] = _numbers(line)[-4:]
        elif re.match(r"^(Total|Ind\d)\s*:", line.strip()) and "->" not in line:  # model 6
            out["indirect"][line.split(":")[0].strip()] = _numbers(line.split(":")[1])
        elif head[0] in ("m1", "m2") and len(head) == 6:  # conditional effects
            vals = [float(v) for v in head[1:]]
            out["conditional"][(head[0], vals[0])] = vals[1:]
    if "INDEX OF MODERATED MEDIATION" in text:
        part = text.split("INDEX OF MODERATED MEDIATION", 1)[1].split("\n", 1)[1]
        part = part.split("*****")[0]
        for line in part.splitlines():
            head = line.split()
            if head and head[0] in ("m1", "m2"):
                out["index"][head[0]] = [float(v) for v in head[1:]]
    return out


CONFIGS = {
    4: {"m": ["m1", "m2"]},
    6: {"m": ["m1", "m2"], "serial": True},
    7: {"m": ["m1", "m2"], "moderator": "w", "stage": "first"},
    14: {"m": ["m1", "m2"], "moderator": "v", "stage": "second"},
    58: {"m": ["m1", "m2"], "moderator": "w", "stage": "both"},
}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def fitted(request):
    model = request.param
    data = pd.read_csv(REFERENCE / f"Data_Model{model}.csv")
    res = mediate(data, x="x", y="y", se="hc3", ci="bc", n_boot=5000, seed=2017, **CONFIGS[model])
    return model, res, parse(model)


def our_row(res, dep, term, mediators):
    if dep in mediators:
        sel = res[res.path.isin(["a", "d"]) & (res.mediator == dep) & (res.term == term)]
    else:
        sel = res[res.path.isin(["b", "direct"]) & (res.term == term)]
    assert len(sel) == 1, (dep, term)
    return sel.iloc[0]


def test_regression_rows_equal_process_hc3(fitted):
    model, res, ref = fitted
    assert res.attrs["model"] == model
    checked = 0
    for (dep, name), (coef, se, _t, p, low, high) in ref["coef"].items():
        if name == "constant":
            continue
        term = ref["products"].get(name, name)
        row = our_row(res, dep, term, ["m1", "m2"])
        np.testing.assert_allclose(
            [row.coef, row.se, row.ci_low, row.ci_high], [coef, se, low, high], atol=PRINTED
        )
        assert row.pval < p + PRINTED
        checked += 1
    assert checked >= 5


def test_indirect_effects_indices_and_conditional_effects(fitted):
    model, res, ref = fitted
    ind = res[res.path == "indirect"]
    boot_rows = []
    if model == 4:
        for name, (effect, boot_se, low, high) in ref["indirect"].items():
            mediator = "(all)" if name == "TOTAL" else name
            boot_rows.append((ind[ind.mediator == mediator].iloc[0], effect, boot_se, low, high))
    elif model == 6:
        names = {"Total": "(all)", "Ind1": "m1", "Ind2": "m1 -> m2", "Ind3": "m2"}
        assert set(ref["indirect"]) == set(names)
        for name, (effect, boot_se, low, high) in ref["indirect"].items():
            boot_rows.append((ind[ind.mediator == names[name]].iloc[0], effect, boot_se, low, high))
    else:
        assert len(ref["conditional"]) == 6
        for (mediator, w), (effect, boot_se, low, high) in ref["conditional"].items():
            sel = ind[(ind.mediator == mediator) & (np.abs(ind.moderator_value - w) <= PRINTED)]
            assert len(sel) == 1, (mediator, w)
            boot_rows.append((sel.iloc[0], effect, boot_se, low, high))
        index = res[res.path == "index_mm"]
        for mediator, (effect, boot_se, low, high) in ref["index"].items():
            boot_rows.append(
                (index[index.mediator == mediator].iloc[0], effect, boot_se, low, high)
            )
    assert len(boot_rows) >= 3
    for row, effect, boot_se, low, high in boot_rows:
        np.testing.assert_allclose(row.coef, effect, atol=PRINTED)
        np.testing.assert_allclose(row.se, boot_se, rtol=0.1)
        np.testing.assert_allclose([row.ci_low, row.ci_high], [low, high], atol=BOOT_TOL * boot_se)


def test_reference_counts(fitted):
    """The parser found what the files hold (guards against a test that checks nothing)."""
    model, _res, ref = fitted
    expected_coef = {4: 8, 6: 9, 7: 12, 14: 11, 58: 15}[model]  # incl. constants
    assert len(ref["coef"]) == expected_coef
    assert len(ref["index"]) == (2 if model in (7, 14) else 0)
