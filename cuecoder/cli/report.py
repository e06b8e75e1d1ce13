"""``cuecoder report SCORED --out report.html``: one self-contained HTML report of a corpus."""

from __future__ import annotations

import shlex
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ._common import console, err_console, user_errors


def report_command(
    scored: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="Output of 'cuecoder score' (Parquet, CSV, ...)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="The HTML file.")],
    accounts: Annotated[
        Path | None,
        typer.Option(
            "--accounts", exists=True, dir_okay=False, help="One row per account: followers."
        ),
    ] = None,
    key: Annotated[
        str, typer.Option("--key", help="Account column, in SCORED and in --accounts.")
    ] = "account",
    followers: Annotated[
        str, typer.Option("--followers", help="Follower-count column of --accounts.")
    ] = "followers",
    scheme: Annotated[
        str, typer.Option("--scheme", help="Tiers: influencer (nano..mega) or kol_koc.")
    ] = "influencer",
    account_type: Annotated[
        str | None,
        typer.Option("--account-type", help="Column of --accounts; 'brand' rows form a tier."),
    ] = None,
    koc_below: Annotated[
        float, typer.Option("--koc-below", min=0, help="KOC below this many followers.")
    ] = 10_000,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="Numeric column of --accounts to regress on a cue."),
    ] = None,
    outcome_cue: Annotated[
        str, typer.Option("--outcome-cue", help="Account measure for --outcome.")
    ] = "interactivity_share",
    text_col: Annotated[
        str | None, typer.Option("--text-col", help="Reply text column [default: found].")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            exists=True,
            file_okay=False,
            help="Model folder SCORED was scored with [default: bundled].",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Templates shown.")] = 10,
    n_boot: Annotated[int, typer.Option("--n-boot", min=1, help="Bootstrap resamples.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows read at a time.")
    ] = 50_000,
) -> None:
    """Write one self-contained HTML report: overview, cue prevalence with CIs, the spread
    across accounts, tiers and their comparison, templates, example replies with evidence,
    and the model's validity figures."""
    from ..report import build

    given = {
        "--accounts": accounts,
        "--key": None if key == "account" else key,
        "--followers": None if followers == "followers" else followers,
        "--scheme": None if scheme == "influencer" else scheme,
        "--account-type": account_type,
        "--koc-below": None if koc_below == 10_000 else koc_below,
        "--outcome": outcome,
        "--outcome-cue": None if outcome_cue == "interactivity_share" else outcome_cue,
        "--text-col": text_col,
        "--model": model,
        "--top": None if top == 10 else top,
        "--n-boot": None if n_boot == 2000 else n_boot,
        "--seed": None if seed == 0 else seed,
    }
    words = ["cuecoder", "report", str(scored)]
    for flag, value in given.items():
        if value is not None:
            words += [flag, str(value)]
    command = shlex.join([*words, "--out", str(out)])
    with user_errors(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build(
            scored,
            accounts=accounts,
            key=key,
            followers=followers,
            scheme=scheme,
            account_type=account_type,
            koc_below=koc_below,
            outcome=outcome,
            outcome_cue=outcome_cue,
            text=text_col,
            model=model,
            command=command,
            top_templates=top,
            n_boot=n_boot,
            seed=seed,
            chunk_rows=chunk_rows,
        )
        report.write(out)
    seen = set()
    for w in caught:
        message = str(w.message)
        if message.startswith("[W3") and message not in seen:
            seen.add(message)
            err_console.print(
                f"[yellow]Warning:[/yellow] {escape(message)}", highlight=False, soft_wrap=True
            )
    o = report.overview
    console.print(
        f"Report of {o['rows']:,} replies"
        + (f" from {o['accounts']:,} accounts" if o["accounts"] is not None else "")
        + f" in {report.settings['seconds']:.1f} s -> {out}",
        highlight=False,
    )
