"""Mediation with a *predicted* cue as X: naive vs oracle vs labelled-only vs corrected (DSL).

Run: ``nice -n 10 python benchmarks/simulate_predicted_x.py --grid full --reps 500
--n-boot 500 --seed 17 --out benchmarks/results/simulate_predicted_x_full.csv``. ``--out``
is a checkpoint: one row per finished cell is appended, and a rerun skips the cells already
in it (same reps, n_boot and seed), so a killed run resumes where it stopped. Each cell
draws from its own stream, seeded by ``--seed`` and the cell's parameters, so a cell gives
the same numbers in any grid, order or resumed run. ``--pool FILE... [--summary]`` prints
the markdown table (or the coverage and width summary) of finished cells.

Data-generating process (per replication): J accounts of 20 replies each. Account j has
a style s_j ~ N(0, 1), a 0/1 moderator W_j (p = .5) and a cue propensity theta_j =
logistic(1.2 N(0, 1) + 0.3 s_j); each reply carries the cue (z = 1) with probability
theta_j; the true X_j is the share of its 20 replies with the cue. The classifier scores
each reply as logistic(signal (z - .5) + bias + N(0, 1)); X-hat_j is the mean score.
``signal`` is set so that the classifier's 0/1 label (score > .5) agrees with z at
Krippendorff's alpha .35 / .5 / .7 per reply. Error ``random``: bias = 0; error
``dependent``: bias = 0.6 s_j - 0.5 W_j (the classifier over-calls the cue for one style
and under-calls it when W = 1). Survey: M = 2 X + 0.2 W + 1 X W + e, Y = 0.2 X + 0.4 M + e
(one respondent per account).

Truths (per unit of the true share X): model 4 indirect = (2 + 1 * .5) * .4 = 1.0 (the
first-stage slope averaged over W, which is independent of X); model 7 index = 1 * .4 =
.4, conditional indirect effects .8 (W = 0) and 1.2 (W = 1).

Estimators: ``naive`` (X-hat as X), ``oracle`` (the true X), ``labelled`` (only the coded
accounts, their coded mean as X), ``corrected`` (``mediate(..., codes=, key=)``). Design:
a share pi of accounts drawn at random, k = 5 replies coded in each (or all 20). Every
interval is the 95% percentile bootstrap of ``n_boot`` resamples. Monte-Carlo SE of a
coverage of .95 over R replications: sqrt(.95 * .05 / R) (.0097 at 500, .022 at 100).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import time
import warnings

import numpy as np
import pandas as pd

from cuecoder.errors import CuecoderError
from cuecoder.stats import mediate
from cuecoder.stats.bootstrap import interval

N_REPLIES = 20
A, A3, B, C = 2.0, 1.0, 0.4, 0.2
TRUTH = {
    ("m4", "indirect"): (A + A3 * 0.5) * B,
    ("m7", "index_mm"): A3 * B,
    ("m7", "indirect W=0"): A * B,
    ("m7", "indirect W=1"): (A + A3) * B,
}
ESTIMATORS = ("naive", "oracle", "labelled", "corrected")


def krippendorff_binary(a: np.ndarray, b: np.ndarray) -> float:
    """Krippendorff's alpha of two coders, nominal 0/1, no missing values."""
    n = len(a)
    p = (a.sum() + b.sum()) / (2 * n)
    observed = np.mean(a != b)
    expected = 2 * p * (1 - p) * 2 * n / (2 * n - 1)
    return 1 - observed / expected


def calibrate_signal(target: float, dependent: bool, seed: int = 0) -> float:
    """The classifier signal giving reply-level alpha ``target`` (bisection, 200k replies)."""
    rng = np.random.default_rng(seed)
    lo, hi = 0.0, 12.0
    for _ in range(30):
        mid = (lo + hi) / 2
        data = draw_replies(4000, mid, dependent, rng=np.random.default_rng(seed))
        alpha = krippendorff_binary(data["z"].ravel(), (data["score"] > 0).ravel())
        lo, hi = (mid, hi) if alpha < target else (lo, mid)
    del rng
    return (lo + hi) / 2


def draw_replies(n_accounts: int, signal: float, dependent: bool, rng) -> dict:
    style = rng.normal(size=n_accounts)
    w = rng.integers(0, 2, n_accounts).astype(float)
    theta = 1 / (1 + np.exp(-(1.2 * rng.normal(size=n_accounts) + 0.3 * style)))
    z = (rng.random((n_accounts, N_REPLIES)) < theta[:, None]).astype(int)
    bias = (0.6 * style - 0.5 * w)[:, None] if dependent else 0.0
    score = signal * (z - 0.5) + bias + rng.normal(size=z.shape)  # logit of the prob.
    return {"style": style, "w": w, "z": z, "score": score}


def replicate(n_accounts, signal, dependent, pi, k, n_boot, rng, cis=("percentile",)) -> list[dict]:
    rep = draw_replies(n_accounts, signal, dependent, rng)
    z, w = rep["z"], rep["w"]
    x = z.mean(axis=1)
    xhat = (1 / (1 + np.exp(-rep["score"]))).mean(axis=1)
    m = A * x + 0.2 * w + A3 * x * w + rng.normal(size=n_accounts)
    y = C * x + B * m + rng.normal(size=n_accounts)
    data = pd.DataFrame({"account": np.arange(n_accounts), "x": xhat, "m": m, "y": y, "w": w})
    sampled = np.sort(rng.choice(n_accounts, int(round(pi * n_accounts)), replace=False))
    per = N_REPLIES if k == "all" else k
    picks = np.argsort(rng.random((len(sampled), N_REPLIES)), axis=1)[:, :per]
    coded = np.take_along_axis(z[sampled], picks, axis=1)
    codes = pd.DataFrame(
        {
            "account": np.repeat(sampled, per),
            "x": coded.ravel(),
            "pi_group": pi,
            "pi_reply": per / N_REPLIES,
        }
    )
    frames = {
        "naive": (data, {}),
        "oracle": (data.assign(x=x), {}),
        "labelled": (data.iloc[sampled].assign(x=coded.mean(axis=1)), {}),
        "corrected": (data, {"codes": codes, "key": "account"}),
    }
    seed = int(rng.integers(2**31))
    out = []
    for est, (frame, extra) in frames.items():
        for model, kwargs in (("m4", {}), ("m7", {"moderator": "w", "stage": "first"})):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res, dist = mediate(
                        frame,
                        x="x",
                        m="m",
                        y="y",
                        n_boot=n_boot,
                        ci="bca" if "bca" in cis else "percentile",
                        seed=seed,
                        n_jobs=1,  # one thread (shared machine); results do not depend on it
                        return_dist=True,
                        **kwargs,
                        **extra,
                    )
            except CuecoderError as exc:  # e.g. too few coded accounts for the design
                code = str(exc).partition("]")[0].lstrip("[")  # "[E327] ..." -> "E327"
                out.append({"estimator": est, "model": model, "failed": code})
                continue
            # plain arrays: indexing the result frame (and copying its attrs) cost more
            # than the fit
            path = res["path"].to_numpy()
            wval = res["moderator_value"].to_numpy() if "moderator_value" in res else None
            coef, low, high = (res[c].to_numpy() for c in ("coef", "ci_low", "ci_high"))
            outcome, mediator = res["outcome"].to_numpy(), res["mediator"].to_numpy()
            for (mod, target), truth in TRUTH.items():
                if mod != model:
                    continue
                sel = path == target.split()[0]
                if "W=" in target:
                    sel &= wval == float(target[-1])
                row = np.flatnonzero(sel)[0]
                draws = dist[
                    f"{path[row]}|{outcome[row]}|{mediator[row]}|"
                    f"{wval[row] if wval is not None else np.nan:g}"
                ].to_numpy()
                for method in cis:  # every interval from the same resamples
                    if method == "bca":  # needs the jackknife: mediate's own limits
                        lo, hi = low[row], high[row]
                    else:
                        lo, hi = interval(draws, coef[row], method, 0.05)
                    out.append(
                        {
                            "estimator": est if method == "percentile" else f"{est}:{method}",
                            "model": model,
                            "target": target,
                            "error": coef[row] - truth,
                            "covered": lo <= truth <= hi,
                            "width": hi - lo,
                        }
                    )
    return out


GRIDS = {
    # the issue's grid: 3 x 2 x 3 x 3 x 2 = 108 cells
    "full": {
        "alpha": (0.35, 0.5, 0.7),
        "error": ("random", "dependent"),
        "J": (100, 300, 1000),
        "pi": (0.1, 0.25, 0.5),
        "k": (5, "all"),
    },
    # what fits in an hour on a shared 2-core machine: every alpha and error type at
    # J = 300, pi = .25, both k; then J and pi varied at alpha .5, dependent error, k = 5
    "reduced": None,
    # run after "reduced": J = 1,000 at the other alphas, whole accounts at J = 100, and
    # few accounts (pi = .1) of many (J = 1,000)
    "extra": None,
}


def extra_cells() -> list[tuple]:
    return [
        (0.35, "dependent", 1000, 0.25, 5),
        (0.7, "dependent", 1000, 0.25, 5),
        (0.5, "dependent", 100, 0.5, "all"),
        (0.5, "dependent", 1000, 0.1, 5),
    ]


def reduced_cells() -> list[tuple]:
    cells = list(
        itertools.product((0.35, 0.5, 0.7), ("random", "dependent"), (300,), (0.25,), (5, "all"))
    )
    cells += [(0.5, "dependent", j, 0.25, 5) for j in (100, 1000)]
    cells += [(0.5, "dependent", 300, p, 5) for p in (0.1, 0.5)]
    return cells


CELL_KEYS = ("alpha", "error", "J", "pi", "k")
LONG_KEYS = ["alpha", "error", "J", "pi", "k", "model", "target", "estimator"]
STATS = ("bias", "coverage", "median_width", "reps")


def cell_seed(seed: int, alpha: float, error: str, n_acc: int, pi: float, k) -> list[int]:
    """Entropy of one cell's random stream: the run's seed and the cell itself.

    A cell draws the same numbers whichever grid it is part of and in whichever order the
    cells run, so a resumed run equals an uninterrupted one.
    """
    return [
        seed,
        round(100 * alpha),
        int(error == "dependent"),
        n_acc,
        round(100 * pi),
        0 if k == "all" else int(k),
    ]


def wide_row(cell: pd.DataFrame, failed: dict, extra: dict) -> dict:
    """One checkpoint row per cell: ``model/target/estimator/stat`` columns."""
    row = {key: extra.pop(key) for key in CELL_KEYS}
    for rec in cell.itertuples(index=False):
        for stat in STATS:
            row[f"{rec.model}/{rec.target}/{rec.estimator}/{stat}"] = getattr(rec, stat)
    for (est, model, code), n_failed in failed.items():
        key = f"{model}/failed/{est}"
        row[key] = row.get(key, 0) + int(n_failed)
        row[f"{key}:{code}"] = int(n_failed)
    row.update(extra)
    return row


def read_checkpoint(path: str) -> pd.DataFrame:
    """The finished cells of a checkpoint CSV (a line cut short by a kill is ignored)."""
    try:
        frame = pd.read_csv(path)
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame(columns=[*CELL_KEYS, "done"])
    if "done" not in frame:
        return frame.iloc[:0]
    frame = frame[frame["done"] == 1].copy()
    frame["k"] = frame["k"].astype(str)
    return frame


def long_table(wide: pd.DataFrame) -> pd.DataFrame:
    """Checkpoint rows (one per cell) back to one row per cell, target and estimator."""
    stat_cols = [c for c in wide.columns if c.count("/") == 3]
    frame = wide.melt(id_vars=list(CELL_KEYS), value_vars=stat_cols).dropna(subset=["value"])
    parts = frame["variable"].str.split("/", expand=True)
    frame["model"], frame["target"], frame["estimator"], frame["stat"] = (
        parts[0],
        parts[1],
        parts[2],
        parts[3],
    )
    out = frame.pivot_table(index=LONG_KEYS, columns="stat", values="value", sort=False)
    return out.reset_index()[[*LONG_KEYS, *STATS]]


def pooled(paths: list[str]) -> pd.DataFrame:
    """Pool per-cell tables of independent runs (different seeds), weighting by reps.

    Bias and coverage pool exactly; the pooled median width is the reps-weighted mean of
    the runs' medians (an approximation, stated in the docs). A path is a checkpoint CSV
    (one row per cell, ``--out``) or an older long table (one row per target).
    """
    frames = []
    for path in paths:
        table = pd.read_csv(path)
        if "done" in table:
            table = long_table(read_checkpoint(path))
        frames.append(table)
    frame = pd.concat(frames, ignore_index=True)
    frame["k"] = frame["k"].astype(str)
    for col in ("bias", "coverage", "median_width"):
        frame[col] = frame[col] * frame["reps"]
    out = frame.groupby(LONG_KEYS, sort=False)[["bias", "coverage", "median_width", "reps"]].sum()
    for col in ("bias", "coverage", "median_width"):
        out[col] = out[col] / out["reps"]
    return out.reset_index()


def _name(model: str, target: str) -> str:
    if model == "m4":
        return "model 4 indirect"
    return "model 7 " + ("index" if target == "index_mm" else target.replace("indirect ", "cond. "))


def _fmt(value: float, spec: str) -> str:
    return "-" if pd.isna(value) else format(value, spec)


def markdown(table: pd.DataFrame) -> str:
    """One line per cell and target: naive, oracle, labelled-only and corrected side by side.

    ``-`` marks an estimator refused in every replication of the cell (too few coded
    accounts); "reps" counts the replications in which the corrected fit ran.
    """
    wide = table.pivot_table(
        index=["alpha", "error", "J", "pi", "k", "model", "target"],
        columns="estimator",
        values=["bias", "coverage", "median_width", "reps"],
        sort=False,
    )
    lines = [
        "| alpha | error | J | pi | k | target | naive bias | naive cov. | oracle cov. | "
        "labelled cov. | corrected bias | corrected cov. | width: naive / oracle / "
        "corrected | reps |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (alpha, error, n_acc, pi, k, model, target), row in wide.iterrows():
        get = row.get
        reps = get(("reps", "corrected"), np.nan)
        lines.append(
            f"| {alpha} | {error} | {n_acc} | {pi} | {k} | {_name(model, target)} | "
            f"{_fmt(get(('bias', 'naive')), '+.2f')} | {_fmt(get(('coverage', 'naive')), '.2f')} | "
            f"{_fmt(get(('coverage', 'oracle')), '.2f')} | "
            f"{_fmt(get(('coverage', 'labelled'), np.nan), '.2f')} | "
            f"{_fmt(get(('bias', 'corrected'), np.nan), '+.3f')} | "
            f"**{_fmt(get(('coverage', 'corrected'), np.nan), '.3f')}** | "
            f"{_fmt(get(('median_width', 'naive')), '.2f')} / "
            f"{_fmt(get(('median_width', 'oracle')), '.2f')} / "
            f"{_fmt(get(('median_width', 'corrected'), np.nan), '.2f')} | "
            f"{0 if pd.isna(reps) else int(reps)} |"
        )
    return "\n".join(lines)


def summary(table: pd.DataFrame, short: float = 0.93, band: tuple = (0.93, 0.97)) -> str:
    """Corrected coverage wherever the naive interval falls short, and the price in width.

    A target line counts as "naive falls short" when the naive coverage is below ``short``.
    Monte-Carlo SE of a coverage of .95 over R replications: sqrt(.95 * .05 / R).
    """
    wide = table.pivot_table(
        index=["alpha", "error", "J", "pi", "k", "model", "target"],
        columns="estimator",
        values=["coverage", "median_width", "reps", "bias"],
        sort=False,
    ).reset_index()
    cov = wide["coverage"]
    reps = wide["reps"]
    out = [
        f"cells: {len(wide.groupby(['alpha', 'error', 'J', 'pi', 'k']))}, target lines: {len(wide)}"
    ]
    ran = reps["corrected"].fillna(0) > 0
    out.append(f"lines where the corrected fit never ran (refused): {int((~ran).sum())}")
    full = reps["corrected"].fillna(0) >= 0.95 * reps["naive"]
    out.append(
        f"lines where the corrected fit ran in < 95% of replications (coverage then "
        f"conditional on the fit being accepted): {int((ran & ~full).sum())}"
    )
    for label, keep in (("ran in >= 95% of replications", full), ("ran in fewer", ran & ~full)):
        short_lines = keep & (cov["naive"] < short)
        if not short_lines.any():
            continue
        c = cov["corrected"][short_lines]
        inside = ((c >= band[0]) & (c <= band[1])).sum()
        out.append(
            f"naive coverage < {short}, corrected {label}: {int(short_lines.sum())} lines, "
            f"corrected coverage {c.min():.3f}-{c.max():.3f}, {int(inside)} inside {band}"
        )
    se = np.sqrt(0.95 * 0.05 / reps["corrected"])
    outside = ran & ((cov["corrected"] < band[0]) | (cov["corrected"] > band[1]))
    out.append(
        f"lines with corrected coverage outside {band} (any naive coverage): {int(outside.sum())}"
    )
    for i in np.flatnonzero(outside):
        r = wide.iloc[i]
        c, n = r[("coverage", "corrected")], int(r[("reps", "corrected")])
        cell = " ".join(f"{key} {r[key].item()}" for key in CELL_KEYS)
        flag = "" if full.iloc[i] else " [fit ran in < 95% of reps]"
        out.append(
            f"  {cell}{flag} {_name(r['model'].item(), r['target'].item())}: corrected "
            f"{c:.3f} (MC SE {se.iloc[i]:.3f}, {(c - 0.95) / se.iloc[i]:+.1f} SE from .95; "
            f"{n} reps), naive {r[('coverage', 'naive')]:.3f}, oracle "
            f"{r[('coverage', 'oracle')]:.3f}"
        )
    ratio_o = wide["median_width"]["corrected"] / wide["median_width"]["oracle"]
    ratio_n = wide["median_width"]["corrected"] / wide["median_width"]["naive"]
    frame = pd.DataFrame(
        {
            "k": wide["k"].astype(str).to_numpy(),
            "pi": wide["pi"].to_numpy(),
            "J": wide["J"].to_numpy(),
            "vs_oracle": ratio_o.to_numpy(),
            "vs_naive": ratio_n.to_numpy(),
            "reps": reps["corrected"].to_numpy(),
        }
    )[(ran & (reps["corrected"] >= 400)).to_numpy()]
    price = frame.groupby(["k", "pi"]).agg(
        lines=("vs_oracle", "size"),
        oracle_median=("vs_oracle", "median"),
        oracle_min=("vs_oracle", "min"),
        oracle_max=("vs_oracle", "max"),
        naive_median=("vs_naive", "median"),
    )
    out.append("corrected / oracle and corrected / naive median width (lines with >= 400 reps):")
    out.append(price.round(2).to_string())
    return "\n".join(out)


def refusals(paths: list[str]) -> str:
    """Share of corrected (and labelled-only) fits refused, by accounts, share coded and k."""
    frame = pd.concat([read_checkpoint(p) for p in paths], ignore_index=True)
    cols = [c for c in frame.columns if "/failed/" in c and ":" not in c]
    cols += sorted(c for c in frame.columns if "/failed/" in c and ":" in c)  # by code
    frame[cols] = frame[cols].fillna(0)
    out = frame.groupby(["J", "pi", "k"])[cols].sum()
    out = out.div(frame.groupby(["J", "pi", "k"])["reps_requested"].sum(), axis=0)
    out["cells"] = frame.groupby(["J", "pi", "k"]).size()
    return "share of fits refused (E327 too few coded accounts, E328/E329 moment matrix):\n" + (
        out.round(3).to_string()
    )


def run_cell(alpha, error, n_acc, pi, k, signal, args) -> tuple[pd.DataFrame, dict]:
    """``args.reps`` replications of one cell: the per-target table and failed fits."""
    rng = np.random.default_rng(cell_seed(args.seed, alpha, error, n_acc, pi, k))
    records = []
    for _ in range(args.reps):
        records += replicate(
            n_acc, signal, error == "dependent", pi, k, args.n_boot, rng, tuple(args.ci)
        )
    frame = pd.DataFrame(records)
    failed = {}
    if "failed" in frame:  # by error code: E327 too few coded accounts, E328/E329 moments
        refused = frame.dropna(subset=["failed"])
        counts = refused.groupby(["estimator", "model", "failed"]).size()
        failed = {key: n for key, n in counts.items() if n > 0}
    frame = frame.dropna(subset=["target"])
    cell = (
        frame.groupby(["model", "target", "estimator"], sort=False)
        .agg(
            bias=("error", "mean"),
            coverage=("covered", "mean"),
            median_width=("width", "median"),
            reps=("covered", "size"),
        )
        .reset_index()
    )
    return cell, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--grid", choices=sorted(GRIDS), default="reduced")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--ci",
        nargs="+",
        choices=("percentile", "bc", "bca"),
        default=["percentile"],
        help="interval methods, all from the same resamples (bca adds the jackknife); "
        "an estimator's rows for a method other than percentile are named ESTIMATOR:METHOD",
    )
    parser.add_argument(
        "--interval",
        choices=("percentile", "bc", "bca"),
        default="percentile",
        help="with --pool: summarise the intervals of this method",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="checkpoint CSV: one row per finished cell, appended; cells already in it "
        "(same reps, n_boot and seed) are skipped, so a killed run resumes",
    )
    parser.add_argument(
        "--order",
        choices=("grid", "cheap-first"),
        default="grid",
        help="run the remaining cells in grid order or fewest accounts first",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=None,
        metavar="ALPHA,ERROR,J,PI,K",
        help="run only these cells of the grid, e.g. 0.5,random,100,0.25,all",
    )
    parser.add_argument(
        "--pool", nargs="+", default=None, help="only pool these per-cell CSVs, print markdown"
    )
    parser.add_argument(
        "--summary", action="store_true", help="with --pool: coverage and width summary"
    )
    args = parser.parse_args()
    if args.pool:
        table = pooled(args.pool)
        parts = table["estimator"].str.partition(":")  # "corrected:bc" -> corrected, bc
        keep = parts[2].replace("", "percentile") == args.interval
        table = table[keep].assign(estimator=parts[0][keep])
        print(summary(table) + "\n" + refusals(args.pool) if args.summary else markdown(table))
        return
    logging.getLogger("cuecoder").setLevel(logging.ERROR)  # dropped resamples: counted
    if args.grid == "full":
        g = GRIDS["full"]
        cells = list(itertools.product(g["alpha"], g["error"], g["J"], g["pi"], g["k"]))
    elif args.grid == "extra":
        cells = extra_cells()
    else:
        cells = reduced_cells()
    finished = set()
    if args.out:
        done = read_checkpoint(args.out)
        if os.path.exists(args.out) and os.path.getsize(args.out):
            with open(args.out, "rb") as handle:
                handle.seek(-1, os.SEEK_END)
                cut = handle.read(1) != b"\n"
            if cut:  # drop a line cut short by a kill before appending
                done.to_csv(args.out, index=False)
        if len(done):
            done = done[
                (done["reps_requested"] == args.reps)
                & (done["n_boot"] == args.n_boot)
                & (done["seed"] == args.seed)
            ]
        for row in done.itertuples(index=False):
            finished.add((float(row.alpha), row.error, int(row.J), float(row.pi), str(row.k)))
    if args.only:
        wanted = {tuple(cell.split(",")) for cell in args.only}
        cells = [
            c
            for c in cells
            if tuple(f"{v:g}" if isinstance(v, float) else str(v) for v in c) in wanted
        ]
        if not cells:
            parser.error(f"--only {' '.join(args.only)} names no cell of the {args.grid} grid")
    todo = [c for c in cells if (c[0], c[1], c[2], c[3], str(c[4])) not in finished]
    if args.order == "cheap-first":  # most cells by a deadline; results do not depend on it
        todo.sort(key=lambda c: c[2])
    print(f"{len(cells) - len(todo)} of {len(cells)} cells already in {args.out}", flush=True)
    signals = {
        (a, e): calibrate_signal(a, e == "dependent")
        for a in (0.35, 0.5, 0.7)
        for e in ("random", "dependent")
    }
    for alpha, error, n_acc, pi, k in todo:
        start = time.perf_counter()
        cell, failed = run_cell(alpha, error, n_acc, pi, k, signals[(alpha, error)], args)
        took = time.perf_counter() - start
        if args.out:  # one line per finished cell, so a killed run keeps what it measured
            row = wide_row(
                cell,
                failed,
                {
                    "alpha": alpha,
                    "error": error,
                    "J": n_acc,
                    "pi": pi,
                    "k": k,
                    "reps_requested": args.reps,
                    "n_boot": args.n_boot,
                    "seed": args.seed,
                    "seconds": round(took, 1),
                    "done": 1,
                },
            )
            append_row(args.out, row)
        note = f", failed fits: {failed}" if failed else ""
        print(f"cell alpha={alpha} error={error} J={n_acc} pi={pi} k={k}: {took:.0f} s{note}")
        wide = cell.pivot_table(
            index=["model", "target"],
            columns="estimator",
            values=["bias", "coverage", "median_width"],
            sort=False,
        )
        with pd.option_context("display.width", 200):
            print(wide.round(3).to_string(), flush=True)
    print(f"\n{args.reps} replications per cell, n_boot = {args.n_boot}, signals {signals}")


def append_row(path: str, row: dict) -> None:
    """Append one cell to the checkpoint CSV; a new column set rewrites the file once."""
    old = read_checkpoint(path)
    if len(old) and set(row) <= set(old.columns):
        line = pd.DataFrame([row]).reindex(columns=old.columns)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line.to_csv(index=False, header=False))
            handle.flush()
            os.fsync(handle.fileno())
        return
    frame = pd.concat([old, pd.DataFrame([row])], ignore_index=True)
    stats = sorted(c for c in frame.columns if c.count("/") >= 2)
    rest = [c for c in frame.columns if c not in stats and c not in CELL_KEYS]
    tmp = f"{path}.tmp"
    frame[[*CELL_KEYS, *stats, *rest]].to_csv(tmp, index=False)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
