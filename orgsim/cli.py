"""The command line: ``orgsim run | sweep | plot | sensitivity | viz``. Thin: parse, call, report.

It is the top layer and composes the others: a run's data files (runs) and then its charts and
report (outputs), in the same atomic folder; a sweep's results (experiments), then its charts.

Errors the user can fix are reported as one short message on stderr (exit status 2);
Ctrl-C exits with status 130 and leaves no half-written output; SIGTERM and SIGHUP stop every
command the same way (exit status 128 + the signal's number).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from orgsim import __version__
from orgsim.errors import OrgsimError
from orgsim.runs.safety import exit_status, restore_signals, short, stop_on_signals

MAX_MESSAGE = 400  # characters per line of an error message (user input is never echoed whole)


def _parse_sets(items: list[str]) -> dict:
    from orgsim.model.scenario import parse_value

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OrgsimError(f"--set {short(item)}: expected KEY=VALUE, e.g. --set organisation.members=10000")
        if len(key) > 200:
            raise OrgsimError(f"--set {short(key)}: not a scenario key (keys are short dotted paths)")
        out[key.strip()] = parse_value(value.strip())
    return out


def _with_progress(simulate, scenario, label: str):
    """``simulate(scenario, on_week=bar)`` with a weekly progress bar (on a terminal)."""
    from orgsim.runs.progress import week_progress

    bar = week_progress(label, scenario.weeks)
    try:
        return simulate(scenario, on_week=bar)
    finally:
        if bar is not None:
            bar.close()


def cmd_run(args: argparse.Namespace) -> int:
    # Light checks first (no numpy, pandas, mesa or matplotlib yet): a missing file, a bad --seeds
    # or --set is reported at once.
    from orgsim.model.catalogue import find_scenario

    path = find_scenario(args.scenario)
    if args.seeds is not None and args.seed is not None:
        raise OrgsimError("give --seed N for one run or --seeds LIST for a replicate set, not both")
    if args.seeds is not None and args.parameters is not None:
        raise OrgsimError("--parameters is for one run; for a replicate set put parameters_file = \"...\" "
                          "in the scenario file")
    from orgsim.ecosystem.scenario import is_ecosystem
    from orgsim.model.scenario import read_toml

    if is_ecosystem(read_toml(path)):
        return _run_ecosystem(args, path)
    if args.seeds is not None:
        return _run_set(args, path)
    from orgsim.experiments.replicates import default_root
    from orgsim.model.scenario import load_scenario

    overrides = _parse_sets(args.set or [])
    if args.seed is not None:
        overrides["seed"] = args.seed
    scenario = load_scenario(path, overrides, parameters=args.parameters)  # checked before the model is even imported
    out = Path(args.out) if args.out else default_root(scenario.name, overrides) / f"seed-{scenario.seed}"
    from orgsim.runs.run import preflight

    preflight(scenario, out, args.force)  # output folder and memory, before any work
    print(f"running {scenario.name} seed {scenario.seed}: {scenario.organisation.members} members, "
          f"{scenario.weeks} weeks", flush=True)
    from orgsim.outputs.report import run_decorator
    from orgsim.runs.run import simulate, write_outputs

    t0 = time.perf_counter()
    result = _with_progress(simulate, scenario, f"{scenario.name} seed {scenario.seed}")
    t1 = time.perf_counter()
    # the data files (runs layer), then the charts and report.html (outputs layer), in the same atomic folder
    write_outputs(result, out, force=args.force, decorate=run_decorator(charts=not args.no_charts))
    s = result.summary
    print(f"{scenario.name} seed {scenario.seed}: {s['outcome']}; members {s['initial_members']} -> "
          f"{s['final_members']} (peak {s['peak_members']}) over {s['weeks_run']} weeks; "
          f"run {t1 - t0:.2f}s, outputs {time.perf_counter() - t1:.2f}s")
    print(f"wrote {out}")
    return 0


def _run_ecosystem(args: argparse.Namespace, path: Path) -> int:
    """``orgsim run ECOSYSTEM_FILE``: several organisations in one milieu, one run folder."""
    if args.seeds is not None or args.parameters is not None:
        raise OrgsimError(f"{path}: an ecosystem file runs one seed at a time (--seed N); --seeds and --parameters "
                          "are for single-organisation scenarios (sweep an ecosystem with orgsim sweep)")
    from orgsim.ecosystem.scenario import load_ecosystem

    overrides = _parse_sets(args.set or [])
    if args.seed is not None:
        overrides["seed"] = args.seed
    eco = load_ecosystem(path, overrides)
    from orgsim.experiments.replicates import default_root
    from orgsim.runs.ecosystem import preflight

    out = Path(args.out) if args.out else default_root(eco.name, overrides) / f"seed-{eco.seed}"
    preflight(eco, out, args.force)
    members = sum(o.organisation.members for o in eco.organisations)
    print(f"running {eco.name} seed {eco.seed}: {len(eco.organisations)} organisations, {members} members, "
          f"{eco.weeks} weeks", flush=True)
    from orgsim.outputs.report import ecosystem_decorator
    from orgsim.runs.ecosystem import simulate_ecosystem
    from orgsim.runs.run import write_outputs

    t0 = time.perf_counter()
    result = _with_progress(simulate_ecosystem, eco, f"{eco.name} seed {eco.seed}")
    write_outputs(result, out, force=args.force, decorate=ecosystem_decorator(charts=not args.no_charts))
    s = result.summary
    print(f"{eco.name} seed {eco.seed}: {s['organisations_initial']} organisations -> {s['organisations_final']} "
          f"({s['organisations_founded']} founded, {s['organisations_ended']} ended); members "
          f"{s['initial_members']} -> {s['final_members']}; {s['movements_between_organisations']} moved between "
          f"organisations; run {time.perf_counter() - t0:.2f}s")
    print(f"wrote {out}")
    return 0


def _run_set(args: argparse.Namespace, path: Path) -> int:
    """``orgsim run SCENARIO --seeds 1-30``: one run folder per seed, then the set's summary,
    bands chart, outcome chart and report."""
    from orgsim.experiments.replicates import parse_seeds

    seeds = parse_seeds(args.seeds)
    overrides = _parse_sets(args.set or [])
    if args.workers is not None and args.workers < 1:
        raise OrgsimError(f"--workers {args.workers}: give 1 or more")
    from orgsim.experiments.executors import LocalPool

    if (args.workers or 2) > 1 and len(seeds) > 1:
        LocalPool.start_server()  # the workers' fork server imports the model while this process does
    import functools

    from orgsim.experiments.replicates import plan_set, run_set, set_summary, write_set_summary
    from orgsim.outputs.replicates import decorate_run, set_outputs, text_table
    from orgsim.runs.progress import make_progress

    planned = plan_set(path, seeds, overrides, root=args.out, force=args.force)
    rs, todo = planned
    print(f"{rs.name}: {len(seeds)} seeds ({len(todo)} to run, {len(seeds) - len(todo)} already in {rs.root})",
          flush=True)
    progress = make_progress(f"{rs.name} seeds", show=bool(todo))
    progress.start(len(seeds), len(seeds) - len(todo), 0)
    t0 = time.perf_counter()
    try:
        rs = run_set(path, seeds, overrides, root=args.out, force=args.force, workers=args.workers,
                     decorate=functools.partial(decorate_run, charts=args.seed_charts),
                     on_run=lambda r: r.status == "ran" and progress.advance(1, 0), planned=planned)
    except KeyboardInterrupt as exc:
        progress.close()
        print(f"orgsim: interrupted; finished seeds are kept in {rs.root}: run the same command again to "
              "continue", file=sys.stderr)
        return exit_status(exc)
    progress.close()
    t1 = time.perf_counter()
    write_set_summary(rs)
    summary = set_summary(rs.scenario_name, rs.summaries, rs.overrides)
    set_outputs(rs.root, rs.name, [r.folder for r in rs.runs], summary, charts=not args.no_charts)
    print(text_table([(rs.name, summary)]))
    print(f"{len(todo)} runs in {t1 - t0:.1f} s; summary, charts and report {time.perf_counter() - t1:.1f} s")
    print(f"wrote {rs.root}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    import shutil
    import textwrap

    from orgsim.model.catalogue import catalogue

    entries = catalogue("sweeps" if args.sweeps else "")
    if not entries:
        print("no scenarios found (looked in $ORGSIM_SCENARIOS_DIR, ./scenarios and orgsim's own)")
        return 0
    width = max(len(e.name) for e in entries)
    cols = shutil.get_terminal_size((100, 20)).columns
    for e in entries:
        text = e.description or "(no description)"
        lines = textwrap.wrap(text, max(30, cols - width - 3)) or [""]
        print(f"{e.name.ljust(width)}  {lines[0]}")
        for line in lines[1:]:
            print(f"{' ' * width}  {line}")
        if args.paths:
            print(f"{' ' * width}  {e.path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from orgsim.model.catalogue import find_scenario

    if len(args.items) < 2:
        raise OrgsimError("compare: give two or more scenarios or replicate folders")
    # every argument checked before anything runs: a folder of runs, or a scenario (name or file)
    sources = []
    for item in args.items:
        p = Path(item)
        sources.append(("folder", p) if p.is_dir() else ("scenario", find_scenario(item)))
    labels = [t.strip() for t in args.labels.split(",")] if args.labels else None
    if labels is not None and len(labels) != len(sources):
        raise OrgsimError(f"--labels {args.labels!r}: {len(labels)} labels for {len(sources)} scenarios")
    if labels is not None and any(not t for t in labels):
        raise OrgsimError(f"--labels {args.labels!r}: a label is empty")
    from orgsim.experiments.replicates import parse_seeds

    seeds = parse_seeds(args.seeds) if args.seeds else None
    if args.workers is not None and args.workers < 1:
        raise OrgsimError(f"--workers {args.workers}: give 1 or more")
    import functools

    from orgsim.experiments.replicates import plan_set, read_set, run_set, set_summary
    from orgsim.outputs.plots.style import slug
    from orgsim.outputs.replicates import check_compare_out, compare_outputs, decorate_run, text_table

    plans = []
    for kind, p in sources:
        if kind == "folder":
            plans.append(("folder", p, read_set(p, seeds)))
        else:
            plans.append(("scenario", p, plan_set(p, seeds or DEFAULT_SEEDS, {}, force=args.force)))
    names = [plan[2].name if plan[0] == "folder" else plan[2][0].name for plan in plans]
    labels = labels or names
    if len(set(labels)) != len(labels):
        raise OrgsimError(f"two sets have the same name ({', '.join(labels)}); give --labels A,B,...")
    out = Path(args.out) if args.out else Path("results") / "compare" / slug("-vs-".join(names))[:100]
    check_compare_out(out)  # before any seed is run: only an orgsim comparison folder is rewritten
    sets = []
    for (kind, p, plan), label in zip(plans, labels):
        if kind == "folder":
            rs = plan
        else:
            rs, todo = plan
            if todo:
                print(f"{label}: running {len(todo)} seeds into {rs.root}", flush=True)
            rs = run_set(p, seeds or DEFAULT_SEEDS, {}, force=args.force, workers=args.workers,
                         decorate=functools.partial(decorate_run, charts=False), planned=plan)
        sets.append((label, [r.folder for r in rs.runs], set_summary(rs.scenario_name, rs.summaries)))
    written = compare_outputs(out, sets, charts=not args.no_charts, fmt=args.format)
    print(text_table([(label, summary) for label, _, summary in sets]))
    for f in written:
        print(f"wrote {f}")
    return 0


DEFAULT_SEEDS = list(range(1, 11))


# --------------------------------------------------------------------------- charts and dashboard (orgsim/outputs/plots, orgsim/dashboard/app.py)
def _int_list(text: str | None, what: str) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(w) for w in text.replace(" ", "").split(",") if w]
    except ValueError:
        raise OrgsimError(f"{what} {text!r}: expected whole numbers separated by commas, e.g. 0,52,104") from None


def cmd_plot(args: argparse.Namespace) -> int:
    from orgsim.outputs.plots.make import plot

    files = plot(args.paths, kind=args.kind, fmt=args.format, out=args.out,
                 weeks=_int_list(args.weeks, "--weeks"), color_by=args.color_by,
                 points=_int_list(args.points, "--points"), window=(args.start, args.end))
    for f in files:
        print(f"wrote {f}")
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    from orgsim.dashboard.serve import serve

    return serve(args.scenario, port=args.port)


def _add_plot_parsers(sub) -> None:
    from orgsim.outputs.plots import COLOR_BY, KINDS

    p = sub.add_parser("plot", help="charts of a run folder, several run folders, or a sweep folder",
                       description="Draw charts. One run folder: overview and network snapshots. Several run "
                                   "folders: replicate bands (same scenario) or a comparison (different "
                                   "scenarios). A sweep folder: phase diagrams, outcomes and metrics by parameter, "
                                   "sensitivity bars, bands per point. See docs/charts.md.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="run folder(s) or one sweep folder")
    p.add_argument("--kind", choices=KINDS, default="auto", help="one chart family (default: all that apply)")
    p.add_argument("--format", choices=("png", "svg"), default="png", help="image format (default png)")
    p.add_argument("--out", help="output folder (default: the run folder; SWEEP/charts; "
                                 "results/plots/<names> for several runs)")
    p.add_argument("--weeks", help="network snapshot weeks, comma-separated (default: four across the run)")
    p.add_argument("--color-by", choices=COLOR_BY, default="position", help="network node colour (default position)")
    p.add_argument("--points", help="sweep points to draw bands for, comma-separated (default: up to six)")
    p.add_argument("--from", dest="start", metavar="WEEK|DATE", help="run overview from this week or date (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", metavar="WEEK|DATE", help="run overview up to this week or date")
    p.set_defaults(func=cmd_plot)

    v = sub.add_parser("viz", help="interactive dashboard in the browser (Mesa SolaraViz)",
                       description="Serve the dashboard on 127.0.0.1: choose a scenario, change the regime, "
                                   "step or play, watch the network and membership. Needs `pip install "
                                   "orgsim[viz]` and the assets from `bash setup.sh --dev` (see docs/charts.md).")
    v.add_argument("scenario", nargs="?", help="scenario file or name in scenarios/ (default baseline)")
    v.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    v.set_defaults(func=cmd_viz)

# --------------------------------------------------------------------------- sweeps (orgsim/experiments/sweep.py)
def _report_sweep(report) -> None:
    rate = f", {report.runs_per_second:.1f} runs/s on {report.executor}" if report.computed else ""
    charts = f"; charts and report {report.chart_seconds:.1f} s" if report.chart_seconds else ""
    print(f"{report.runs} runs, {report.failed} failed; computed {report.computed} in {report.seconds:.1f} s{rate}{charts}")
    print(f"wrote {report.out}")


def _interrupted(out, exc: KeyboardInterrupt) -> int:
    print(f"orgsim: interrupted; finished tasks are kept in {out}: run the same command again to resume",
          file=sys.stderr)
    return exit_status(exc)


def cmd_sweep(args: argparse.Namespace) -> int:
    from orgsim.model.catalogue import find_sweep

    find_sweep(args.sweep)  # a missing file is reported at once, before the imports
    from orgsim.experiments.executors import prestart

    prestart(args.workers, args.scheduler)  # worker start-up overlaps the imports below
    from orgsim.experiments.sweepfile import load_sweep

    sweep, base = load_sweep(args.sweep, args.replicates)  # checked before the engine is even imported
    from orgsim.experiments.sweep import default_out, plan_from_sweep, run_sweep
    from orgsim.outputs.report import write_sweep_report

    plan = plan_from_sweep(sweep, base, args.sweep, allow_large=args.allow_large)
    out = Path(args.out) if args.out else default_out(plan)
    try:
        report = run_sweep(plan, out, workers=args.workers, scheduler=args.scheduler, force=args.force,
                           decorate=None if args.no_charts else write_sweep_report)
    except KeyboardInterrupt as exc:
        return _interrupted(out, exc)
    _report_sweep(report)
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from orgsim.model.catalogue import find_sweep

    find_sweep(args.spec)  # a missing file is reported at once, before the imports
    from orgsim.experiments.executors import prestart

    prestart(args.workers, args.scheduler)  # worker start-up overlaps the imports below
    from orgsim.experiments.sensitivity import run_sensitivity
    from orgsim.outputs.report import write_sensitivity_report

    try:
        result = run_sensitivity(args.spec, method=args.method, out=args.out, workers=args.workers,
                                 scheduler=args.scheduler, force=args.force, decorate=write_sensitivity_report,
                                 allow_large=args.allow_large)
    except KeyboardInterrupt as exc:
        return _interrupted(args.out or "its output folder", exc)
    _report_sweep(result["report"])
    print(f"wrote {result['csv']} and {result['png']}")
    return 0


# --------------------------------------------------------------------------- calibration and discovery
def cmd_calibrate(args: argparse.Namespace) -> int:
    from orgsim.experiments.executors import prestart

    prestart(args.workers, args.scheduler)  # worker start-up overlaps the imports below
    from orgsim.experiments.calibration import calibrate, default_out, load_calibration
    from orgsim.outputs.report import write_calibration_report

    out = Path(args.out) if args.out else default_out(load_calibration(args.file, args.quick))
    t0 = time.perf_counter()
    try:
        result = calibrate(args.file, out, quick=args.quick, workers=args.workers, scheduler=args.scheduler,
                           force=args.force, decorate=None if args.no_charts else write_calibration_report)
    except KeyboardInterrupt as exc:
        return _interrupted(out, exc)
    s = result.summary
    for key, v in s["parameters"].items():
        print(f"  {key}: {v['calibrated']} (90% {v['q05']:.4g} to {v['q95']:.4g}; default {v['default']})")
    print(f"{s['accepted']} posterior points, effective sample size {s['effective_sample_size']:.1f}; "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"wrote {result.out} (posterior.parquet, parameters.toml, ppc.csv, report.html)")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from orgsim.experiments.discovery import discover
    from orgsim.outputs.report import write_discovery_report

    result = discover(args.sweep, args.outcome, threshold=args.threshold, peel_alpha=args.peel_alpha, out=args.out,
                      decorate=write_discovery_report)
    r = result.trajectory.loc[result.chosen]
    print(f"{result.hits} of {result.runs} runs {result.outcome}; box (step {result.chosen}): coverage "
          f"{r['coverage']:.2f}, density {r['density']:.2f}, mass {r['mass']:.2f}")
    for row in result.box.itertuples():
        print(f"  {row.parameter}: {row.box} (of {row.of})")
    print(f"wrote {result.folder}")
    return 0


def _add_calibration_parsers(sub) -> None:
    c = sub.add_parser("calibrate", help="fit parameters to the cases' observations and patterns",
                       description="History matching with Gaussian-process emulators, then ABC rejection, through "
                                   "the sweep engine (resumable: run the same command again). See docs/calibration.md.")
    c.add_argument("file", help="calibration file (TOML)")
    c.add_argument("--quick", action="store_true", help="a small budget that checks the machinery, not the numbers")
    c.add_argument("--out", help="output folder (default results/calibration/<name>[-quick]/)")
    _add_engine_options(c)
    c.set_defaults(func=cmd_calibrate)

    d = sub.add_parser("discover", help="scenario discovery on a sweep folder (PRIM)",
                       description="Find the box of varied parameters that leads to an outcome (PRIM, EMA Workbench); "
                                   "writes SWEEP/discover-<outcome>/. See docs/calibration.md.")
    d.add_argument("sweep", help="a finished sweep folder")
    d.add_argument("--outcome", default="dissolved", help="outcome of interest (default dissolved)")
    d.add_argument("--threshold", type=float, default=0.8, help="minimum density of the box (default 0.8)")
    d.add_argument("--peel-alpha", type=float, default=0.05, help="share peeled per step (default 0.05)")
    d.add_argument("--out", help="output folder (default SWEEP/discover-<outcome>/)")
    d.set_defaults(func=cmd_discover)


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 runs in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786 "
                        "(default: $DASK_SCHEDULER_ADDRESS when --workers is not given)")
    p.add_argument("--force", action="store_true", help="discard results already in the output folder and start again")
    p.add_argument("--no-charts", action="store_true", help="skip the charts and report.html (faster)")
    p.add_argument("--allow-large", action="store_true",
                   help="run a study past the size limit (more than 100,000 points or 1,000,000 runs; docs/sweeps.md)")


def _add_sweep_parsers(sub) -> None:
    s = sub.add_parser("sweep", help="run many seeded replicates over a parameter grid or sample",
                       description="Run a sweep file: every point x replicates, in parallel, resumable "
                                   "(re-run the same command after an interruption). See docs/sweeps.md.")
    s.add_argument("sweep", help="sweep file (TOML) or name (see `orgsim scenarios --sweeps`)")
    s.add_argument("--out", help="output folder (default results/<sweep name>/)")
    s.add_argument("--replicates", type=int, help="replicates per point (overrides the sweep file's)")
    _add_engine_options(s)
    s.set_defaults(func=cmd_sweep)

    a = sub.add_parser("sensitivity", help="Morris or Sobol sensitivity analysis (SALib)",
                       description="Sample parameters within bounds, run the samples through the sweep engine, "
                                   "write sensitivity.csv and sensitivity.png. See docs/sweeps.md.")
    a.add_argument("spec", help="sensitivity spec (TOML) or name (see `orgsim scenarios --sweeps`)")
    a.add_argument("--method", choices=("morris", "sobol"), help="method (overrides the spec's; default morris)")
    a.add_argument("--out", help="output folder (default results/<name>-<method>/)")
    _add_engine_options(a)
    a.set_defaults(func=cmd_sensitivity)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="orgsim", description="Agent-based simulation of left political organisations.")
    p.add_argument("--version", action="version", version=f"orgsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run one scenario and write its outputs",
                       description="Run one scenario file and write timeseries.csv, events.csv, summary.json, "
                                   "scenario.toml and overview.png into a run folder.")
    r.add_argument("scenario", help="scenario name (see `orgsim scenarios`) or file (TOML)")
    r.add_argument("--seed", type=int, help="seed (overrides the scenario's)")
    r.add_argument("--seeds", metavar="LIST",
                   help="a replicate set: seeds as ranges and lists, e.g. 1-30 or 1,4,7-9; one run folder per "
                        "seed, then replicates.csv, replicates.json, charts and report.html in the set's folder")
    r.add_argument("--out", help="output folder (default results/<name>/seed-<seed>/; with --set, "
                                 "results/<name>-<settings>-<hash>/...; with --seeds, the set's folder)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key by its dotted path, e.g. organisation.members=10000 (repeatable)")
    r.add_argument("--parameters", metavar="FILE",
                   help="a parameter file (e.g. a calibration's parameters.toml) over the scenario's own; --set wins")
    r.add_argument("--force", action="store_true", help="overwrite an existing output folder")
    r.add_argument("--no-charts", action="store_true", help="skip the charts (faster)")
    r.add_argument("--seed-charts", action="store_true",
                   help="with --seeds: draw each seed's overview and network too (about 2 s a seed)")
    r.add_argument("--workers", type=int, help="with --seeds: worker processes (default: all cores)")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="compare scenarios over seeded replicates: outcome shares and bands",
                       description="Run (or read) a replicate set for each scenario and compare them: outcome "
                                   "shares with 95%% intervals, the final membership, time-series bands. An "
                                   "argument is a scenario (name or file; its missing seeds are run into "
                                   "results/<name>/) or a folder of seed-* run folders (read as it is).")
    c.add_argument("items", nargs="+", metavar="SCENARIO|FOLDER", help="two or more scenarios or replicate folders")
    c.add_argument("--labels", help="labels for the legend and tables, comma-separated, in order "
                                    "(default: the scenario or folder names)")
    c.add_argument("--seeds", metavar="LIST", help="seeds, e.g. 1-30 (default 1-10 for scenarios; every seed "
                                                   "found for folders)")
    c.add_argument("--out", help="output folder (default results/compare/<names>/)")
    c.add_argument("--workers", type=int, help="worker processes for runs still missing (default: all cores)")
    c.add_argument("--format", choices=("png", "svg"), default="png", help="image format (default png)")
    c.add_argument("--force", action="store_true", help="replace seed folders that hold other runs")
    c.add_argument("--no-charts", action="store_true", help="only outcomes.csv and report.html")
    c.set_defaults(func=cmd_compare)

    sc = sub.add_parser("scenarios", help="list the scenarios that can be given by name",
                        description="List scenario names and descriptions: $ORGSIM_SCENARIOS_DIR, ./scenarios "
                                    "and the scenarios that ship with orgsim (first found wins).")
    sc.add_argument("--sweeps", action="store_true", help="list sweep files instead (their sweeps/ folders)")
    sc.add_argument("--paths", action="store_true", help="show each file's path")
    sc.set_defaults(func=cmd_scenarios)
    _add_plot_parsers(sub)

    _add_sweep_parsers(sub)
    _add_calibration_parsers(sub)
    return p


def _message(exc: OrgsimError) -> str:
    lines = str(exc).splitlines() or [""]
    return "\n".join(line if len(line) <= MAX_MESSAGE else line[:MAX_MESSAGE - 3] + "..." for line in lines)


def main(argv: list[str] | None = None) -> int:
    previous = stop_on_signals()  # SIGTERM and SIGHUP stop any command as Ctrl-C does
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except OrgsimError as exc:
        print(f"orgsim: error: {_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("orgsim: interrupted; no partial output was kept", file=sys.stderr)
        return exit_status(exc)
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        restore_signals(previous)


if __name__ == "__main__":
    sys.exit(main())
