"""The "two, three, many" experiment (issue 12): does plurality check a harsh regime?

    python -m orgsim.validation.ecosystem [--quick] [--workers 2] [--force]

runs the sweep ``scenarios/sweeps/two-three-many.toml`` through the sweep engine (resumable; into
``results/two-three-many/``), one example run per point and the ISO case among its rivals
(``scenarios/ecosystems/iso_2019_milieu.toml``), and writes ``docs/ecosystem.md`` with its charts in
``docs/ecosystem/`` (``--quick``: 3 replicates, into ``results/ecosystem-quick/``; checks the
machinery, not the numbers).

Measures per run, of the harsh organisation: the share of its members lost (1 - final / initial);
expulsions per 100 initial members; mean hidden dissent (share of members dissenting in silence,
averaged over the weeks); years during which every seat was still held by the leadership of week 0;
members who went to a rival, per 100 initial members. Of the milieu: the organised members of all
organisations at the end per initial member ("survival of the left milieu"). Intervals: 95 %
percentile bootstrap of the mean over replicates (2,000 resamples, seeded), Wilson for shares.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.ecosystem.scenario import EcosystemParams, EcosystemScenario
from orgsim.errors import OrgsimError
from orgsim.experiments.analysis import read_runs
from orgsim.experiments.sweep import load_plan, run_sweep

ROOT = Path(__file__).resolve().parents[2]
SWEEP = ROOT / "scenarios" / "sweeps" / "two-three-many.toml"
CASE = ROOT / "scenarios" / "ecosystems" / "iso_2019_milieu.toml"
KEY = "organisations.harsh.share"
MEASURES = (  # (column or None, label, how it is computed from a run row)
    ("lost", "harsh: share of members lost"),
    ("expulsions", "harsh: expulsions per 100 initial members"),
    ("hidden", "harsh: mean hidden dissent (share of members)"),
    ("entrenched", "harsh: years under the leadership of week 0"),
    ("to_rivals", "harsh: members gone to a rival, per 100 initial"),
    ("survival", "milieu: organised members at the end per initial member"),
)
BOOT = 2000


def measures(runs: pd.DataFrame, initial: dict[float, int]) -> pd.DataFrame:
    init = runs[KEY].map(initial).astype(float)
    return pd.DataFrame({
        "share": runs[KEY], "replicate": runs["replicate"],
        "lost": 1.0 - runs["harsh_final_members"] / init,
        "expulsions": 100.0 * runs["harsh_expulsions"] / init,
        "hidden": runs["harsh_mean_hidden_dissent"],
        "entrenched": runs["harsh_years_entrenched"],
        "to_rivals": 100.0 * runs["harsh_transfers_out"] / init,
        "survival": runs["milieu_survival"],
        "dissolved": runs["harsh_outcome"] == "dissolved",
    })


def boot_ci(x: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(x.mean()), float("nan"), float("nan")
    means = rng.choice(x, size=(BOOT, x.size), replace=True).mean(axis=1)
    return float(x.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    z, p = 1.959964, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def summarise(m: pd.DataFrame, seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for share, g in m.groupby("share", sort=True):
        row = {"share": share, "replicates": len(g)}
        for col, _ in MEASURES:
            row[col], row[col + "_lo"], row[col + "_hi"] = boot_ci(g[col].to_numpy(), rng)
        k = int(g["dissolved"].sum())
        row["dissolved"] = k / len(g)
        row["dissolved_lo"], row["dissolved_hi"] = wilson(k, len(g))
        rows.append(row)
    return pd.DataFrame(rows)


def structure_label(share: float, harsh_fraction: float) -> str:
    if harsh_fraction < 0.5:
        return f"plural: harsh {harsh_fraction:.0%} (one of three)"
    return f"dominant: harsh {harsh_fraction:.0%}" if harsh_fraction < 0.95 else f"monopoly: harsh {harsh_fraction:.0%}"


def chart(table: pd.DataFrame, labels: list[str], path: Path) -> Path:
    from orgsim.outputs.plots.style import CYCLE, new_figure, save, styled

    @styled
    def draw():
        fig, axes = new_figure(2, 3, width=7.5, height=4.6)
        for ax, (col, label) in zip(axes.ravel(), MEASURES):
            y = table[col].to_numpy()
            err = np.vstack([y - table[col + "_lo"].to_numpy(), table[col + "_hi"].to_numpy() - y])
            ax.errorbar(range(len(y)), y, yerr=err, fmt="o", color=CYCLE[0], capsize=3)
            ax.set_xticks(range(len(y)), [lab.split(":")[0] for lab in labels])
            ax.set_title(label, fontsize=8)
            ax.set_xlim(-0.5, len(y) - 0.5)
        return fig

    return save(draw(), path)


def fmt(row: pd.Series, col: str, digits: int = 2) -> str:
    return f"{row[col]:.{digits}f} [{row[col + '_lo']:.{digits}f}, {row[col + '_hi']:.{digits}f}]"


def example_runs(dest: Path, shares: list[float], data: Path) -> list[tuple[str, Path, dict]]:
    """One run per structure (seed 1) and the ISO case: its files under ``data``, its three charts
    under ``dest``."""
    from orgsim.ecosystem.scenario import load_ecosystem
    from orgsim.outputs.plots.ecosystem import ecosystem_charts
    from orgsim.runs.ecosystem import simulate_ecosystem

    out = []
    for name, path, overrides in ([(f"share-{s:g}", SWEEP.parent.parent / "ecosystems" / "two_three_many.toml",
                                   {KEY: s}) for s in shares] + [("iso_2019_milieu", CASE, {})]):
        eco = load_ecosystem(path, overrides)
        result = simulate_ecosystem(eco)
        folder, charts = data / name, dest / name
        folder.mkdir(parents=True, exist_ok=True)
        charts.mkdir(parents=True, exist_ok=True)
        result.write_data(folder)
        ecosystem_charts(folder, charts)
        out.append((name, charts, result.summary))
    return out


def render(table: pd.DataFrame, labels: list[str], examples, meta: dict, docs: Path) -> str:
    rel = lambda p: Path(p).relative_to(docs).as_posix()  # noqa: E731
    lines = [
        "# Two, three, many: an ecosystem of organisations",
        "",
        f"Generated by `python -m orgsim.validation.ecosystem` (commit {meta['commit']}, {meta['date']}); "
        "do not edit by hand. The model is in docs/ODD.md §8; the scenario in "
        "`scenarios/ecosystems/two_three_many.toml`, the sweep in `scenarios/sweeps/two-three-many.toml`.",
        "",
        "## The question",
        "",
        "The ISO source ends on a hypothesis (seed 004, last section): a single organisation with a monopoly on the far "
        "left is hard to leave or to criticise, and \"two, three, many revolutionary organizations, with a culture of "
        "serious debate between them\" would check the worst tendencies of any one. The experiment holds everything "
        "else fixed: one milieu of 1,500 organised members at week 0, three regimes (a **harsh** one: slate, factions "
        "banned, dissent expelled, horizontal talk forbidden, secret books, appointed organisers; an **open** one: "
        "individual votes, permanent faction rights, censure at most; a **middling** one: the defaults), the same "
        "scandal in the harsh organisation in year 3 (severity 0.7, the old leadership implicated, spreading from 30 % "
        "of members), eight years. Only the harsh organisation's share of the members changes.",
        "",
        "What connects the organisations (ODD §8): leavers may join a rival at once, stay unaffiliated (and be "
        "recruited later) or withdraw; rivals' attraction (presence, standing, regime, closeness) is the outside "
        "option of each organisation's members; organisations recruit from one another's contacts; rivals publicise "
        "purges; splits large enough found organisations. None of these parameters is fitted to any history "
        "(docs/ODD.md marks them `assumption`).",
        "",
        f"## Results ({int(table['replicates'].min())} replicates per structure, {meta['minutes']:.1f} min on "
        f"{meta['workers']} worker(s))",
        "",
        "Means with 95 % bootstrap intervals over replicates; dissolution with a Wilson interval.",
        "",
        "| measure | " + " | ".join(labels) + " |",
        "| --- |" + " ---: |" * len(labels),
    ]
    for col, label in MEASURES:
        lines.append(f"| {label} | " + " | ".join(fmt(r, col) for _, r in table.iterrows()) + " |")
    lines.append("| harsh: dissolved (share of runs) | " + " | ".join(
        f"{r['dissolved']:.2f} [{r['dissolved_lo']:.2f}, {r['dissolved_hi']:.2f}]" for _, r in table.iterrows()) + " |")
    lines += ["", f"![measures by structure]({rel(meta['chart'])})", "", "## What the model says", ""]
    lines += meta["reading"]
    lines += ["", "## Example runs (seed 1)", ""]
    for name, folder, s in examples:
        lines.append(f"**{name}**: {s['organisations_initial']} organisations -> {s['organisations_final']} "
                     f"({s['organisations_founded']} founded, {s['organisations_ended']} ended); members "
                     f"{s['initial_members']} -> {s['final_members']}; {s['movements_between_organisations']} moved "
                     f"between organisations; {s['withdrawn']} withdrew.")
        lines.append("")
        lines.append(" ".join(f"![{name} {c}]({rel(folder / (c + '.png'))})" for c in ("membership", "flows", "family")))
        lines.append("")
    lines += [
        "## The ISO among its rivals",
        "",
        "`scenarios/ecosystems/iso_2019_milieu.toml`: the ISO case's regime, environment and events "
        "(scenarios/iso_2019.toml) with DSA growing fast to its right from 2016 and two small closed groups to its "
        "left, all at 1:4. It is not a calibration case and nothing in it is fitted: the single-organisation case is "
        "calibrated at 1:1, and at 1:4 the ISO's branches are a quarter of their size. Where the ISO's members went "
        "is the model's: see the flow chart above (`iso_2019_milieu`).",
        "",
        "## The ecosystem file",
        "",
        "An ecosystem file is a scenario file with `[[organisations]]`: each organisation a single-organisation "
        "scenario (its own tables, optionally over a file given as `scenario = \"...\"`, relative to the ecosystem "
        "file), plus `share` (relative size, with the ecosystem's `members`) and `line` (its line in the milieu, 0 to "
        "1). Horizon, seed and start date are the ecosystem's; its `[environment]` keys override each "
        "organisation's, its `[parameters]` lie under each organisation's own. `--set organisations.NAME.KEY=VALUE` "
        "(or `organisations.INDEX.KEY`) sets an organisation's key; sweeps vary the same keys.",
        "",
        "Top level:",
        "",
        reference_table(EcosystemScenario, "", skip=("organisations", "lines", "ecosystem")),
        "",
        "`[ecosystem]` (ODD §8):",
        "",
        reference_table(EcosystemParams, "ecosystem."),
        "",
        "Outputs of `orgsim run ECOSYSTEM_FILE` (one folder): `timeseries.csv` (one row per organisation and week: "
        "the single engine's columns, then `from_milieu`, `transfers_in`, `transfers_out`, `to_unaffiliated`, "
        "`to_withdrawn`, `outside_pull`, `standing`), `census.csv` (members, unaffiliated, withdrawn, milieu, "
        "organisations alive, each week), `flows.csv` (week, source, destination, persons), `events.csv` (with the "
        "organisation), `organisations.csv` (the family tree), `summary.json` (the ecosystem, each organisation, and "
        "`NAME_*` headline metrics of the initial organisations for sweeps), `scenario.toml`, and the charts "
        "`membership.png`, `flows.png`, `family.png` (`orgsim plot FOLDER` redraws them).",
        "",
        "## Limitations",
        "",
        "- A person who changes organisation takes the place (branch, ties) of one of the new organisation's "
        "contacts; ties to former comrades are not carried over, so the pull of friends across organisations is not "
        "modelled.",
        "- Positions are one-dimensional and every organisation's line starts where its `line` key puts it; rivals "
        "differ here by regime, not by programme (all at 0.5), which isolates the regime's effect.",
        "- Fronts and joint work are left out: the source's check is debate and the possibility of exit, which "
        "the pull, the destinations and the polemics carry. Polemics cover purges; a scandal's public part already "
        "lowers the standing that rivals' members and the milieu see.",
        "- The ecosystem's parameters (`[ecosystem]`) are assumptions with no empirical anchor yet; the conclusions "
        "are the model's under them, and a sweep over them is the next step.",
        "",
    ]
    return "\n".join(lines)


def reference_table(model, prefix: str, skip=()) -> str:
    """The keys of a schema model as a table, as in docs/scenario-reference.md."""
    from orgsim.model.reference import table

    lines = table(model, prefix).splitlines()
    return "\n".join(line for line in lines if not any(f"`{prefix}{k}`" in line for k in skip))


# the direction in which each measure favours the source's hypothesis (plurality checks the harsh regime)
BETTER = {"lost": -1, "expulsions": -1, "hidden": -1, "entrenched": -1, "survival": +1, "dissolved": -1}


def verdict(table: pd.DataFrame) -> list[str]:
    """Which measures favour plurality, which monopoly, which neither (intervals of the extremes)."""
    lo, hi = table.iloc[0], table.iloc[-1]
    sides: dict[str, list[str]] = {"plural": [], "monopoly": [], "neither": []}
    names = dict(MEASURES) | {"dissolved": "harsh: dissolved"}
    for col, sign in BETTER.items():
        apart = lo[col + "_hi"] < hi[col + "_lo"] or hi[col + "_hi"] < lo[col + "_lo"]
        if not apart:
            sides["neither"].append(names[col])
        else:
            sides["plural" if sign * (lo[col] - hi[col]) > 0 else "monopoly"].append(names[col])
    out = ["**In sum.** Better with plurality (one of three) than under a monopoly, intervals apart: "
           + ("; ".join(sides["plural"]) or "nothing") + ". Better under the monopoly: "
           + ("; ".join(sides["monopoly"]) or "nothing") + ". No clear difference: "
           + ("; ".join(sides["neither"]) or "nothing") + ".",
           "",
           "How to read it. Expulsions, hidden dissent and years under the founding leadership accrue only while "
           "the harsh organisation exists: where it dissolves sooner (under a monopoly, after the scandal) they stop "
           "accruing, so a higher figure with rivals partly measures a longer life. The members lost by the harsh "
           "organisation are the members its regime and the scandal cost it; the milieu's survival counts the "
           "organised members of all organisations, those the harsh one lost to its rivals included."]
    return out


def reading(table: pd.DataFrame, labels: list[str]) -> list[str]:
    """Plain statements of the direction of each measure from the most plural to the most dominant, with
    whether the intervals of the two extremes overlap (no verdict is written by hand)."""
    lo, hi = table.iloc[0], table.iloc[-1]
    out = []
    for col, label in (*MEASURES, ("dissolved", "harsh: dissolved (share of runs)")):
        a, b = lo[col], hi[col]
        apart = lo[col + "_hi"] < hi[col + "_lo"] or hi[col + "_hi"] < lo[col + "_lo"]
        word = "higher" if b > a else "lower" if b < a else "the same"
        out.append(f"- {label}: {b:.2f} under the most dominant harsh organisation ({labels[-1]}) against {a:.2f} "
                   f"when it is one of three: {word}" + ("; the intervals do not overlap." if apart
                                                          else "; the intervals overlap (no clear difference)."))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m orgsim.validation.ecosystem", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="3 replicates, into results/ecosystem-quick/")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--force", action="store_true", help="discard the finished sweep and run it again")
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    plan = load_plan(SWEEP, replicates=3 if a.quick else None)
    work = ROOT / "results" / ("ecosystem-quick" if a.quick else "two-three-many")
    docs = work if a.quick else ROOT / "docs"
    report = run_sweep(plan, work / "sweep" if a.quick else work, workers=a.workers, force=a.force,
                       show_progress=sys.stderr.isatty())
    runs = read_runs(report.out / "runs.parquet")
    if runs["error"].notna().any():
        raise OrgsimError(f"{report.out}: {int(runs['error'].notna().sum())} run(s) failed: {runs['error'].dropna().iloc[0]}")
    from orgsim.ecosystem.scenario import load_ecosystem

    shares = sorted(runs[KEY].unique())
    initial, fraction = {}, {}
    for s in shares:
        eco = load_ecosystem(SWEEP.parent.parent / "ecosystems" / "two_three_many.toml", {KEY: float(s)})
        initial[s] = eco.organisations[0].organisation.members
        fraction[s] = initial[s] / sum(o.organisation.members for o in eco.organisations)
    table = summarise(measures(runs, initial))
    labels = [structure_label(s, fraction[s]) for s in table["share"]]
    figs = docs / "ecosystem"
    figs.mkdir(parents=True, exist_ok=True)
    chart_path = chart(table, labels, figs / "measures.png")
    examples = example_runs(figs, [float(s) for s in shares], ROOT / "results" / "ecosystem-examples" / work.name)
    table.to_csv(figs / "summary.csv", index=False)  # the table, beside the charts (the sweep folder holds only its own files)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    meta = {"commit": commit, "date": dt.date.today().isoformat(), "minutes": (time.perf_counter() - t0) / 60,
            "workers": a.workers or "all", "chart": chart_path,
            "reading": reading(table, labels) + [""] + verdict(table)}
    text = render(table, labels, examples, meta, docs)
    target = docs / ("ecosystem.md")
    target.write_text(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
