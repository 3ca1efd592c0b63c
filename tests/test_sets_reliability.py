"""Issue 14's guarantees for issue 15's commands: replicate-set and comparison folders carry the
orgsim marker, are used only when they hold nothing orgsim did not write, and ``--force`` replaces
only orgsim run folders; their inputs are read strictly; OrgModel's keyword parameters are strict."""

import json

import pytest

from orgsim.cli import main
from orgsim.errors import ScenarioError

SMALL = ["--set", "organisation.members=120", "--set", "organisation.branches=6", "--set", "weeks=30"]


def cli(*args) -> int:
    return main([str(a) for a in args])


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_set_folder_is_marked_and_a_foreign_one_is_refused_untouched(tmp_path, capsys):
    root = tmp_path / "set"
    assert cli("run", "baseline", "--seeds", "1-2", "--out", root, "--workers", 1, "--no-charts", *SMALL) == 0
    assert json.loads((root / "orgsim.json").read_text())["orgsim"] == "replicates"
    assert json.loads((root / "seed-1" / "orgsim.json").read_text())["orgsim"] == "run"
    assert not (root / ".orgsim.lock").exists()
    # extending the set is allowed; a file orgsim did not write makes it refuse before any seed runs
    (root / "thesis.txt").write_text("thesis")
    capsys.readouterr()
    assert cli("run", "baseline", "--seeds", "1-3", "--out", root, "--workers", 1, "--no-charts", *SMALL,
               "--force") == 2
    assert "thesis.txt" in one_line(capsys)
    assert (root / "thesis.txt").read_text() == "thesis" and not (root / "seed-3").exists()
    # a folder of someone else's, with a report.html of its own, is never written into
    other = tmp_path / "mine"
    other.mkdir()
    (other / "report.html").write_text("mine")
    assert cli("run", "baseline", "--seeds", "1", "--out", other, "--workers", 1, "--no-charts", *SMALL) == 2
    one_line(capsys)
    assert (other / "report.html").read_text() == "mine" and list(other.iterdir()) == [other / "report.html"]


def test_force_in_a_set_replaces_only_orgsim_run_folders(tmp_path, capsys):
    root = tmp_path / "set"
    (root / "seed-1").mkdir(parents=True)
    (root / "seed-1" / "notes.txt").write_text("keep")
    assert cli("run", "baseline", "--seeds", "1-2", "--out", root, "--workers", 1, "--no-charts", *SMALL,
               "--force") == 2
    assert "seed-1" in one_line(capsys)
    assert (root / "seed-1" / "notes.txt").read_text() == "keep" and not (root / "seed-2").exists()


def test_a_compare_folder_is_marked_rewritten_and_never_a_foreign_one(tmp_path, capsys):
    a = tmp_path / "a"
    b = tmp_path / "b"
    for folder, voting in ((a, "slate"), (b, "individual")):
        assert cli("run", "baseline", "--seeds", "1-2", "--out", folder, "--workers", 1, "--no-charts", *SMALL,
                   "--set", f"regime.voting={voting}") == 0
    out = tmp_path / "cmp"
    for _ in range(2):  # the second comparison rewrites the first one's folder
        assert cli("compare", a, b, "--no-charts", "--out", out) == 0
    assert json.loads((out / "orgsim.json").read_text())["orgsim"] == "compare"
    assert sorted(p.name for p in out.iterdir()) == ["orgsim.json", "outcomes.csv", "report.html"]
    capsys.readouterr()
    for make in (lambda d: (d / "thesis.txt").write_text("thesis"),        # an unmarked folder
                 lambda d: (d / "orgsim.json").write_text('{"orgsim": "run"}')):  # another kind's
        target = tmp_path / f"foreign-{len(list(tmp_path.iterdir()))}"
        target.mkdir()
        make(target)
        before = sorted(p.name for p in target.iterdir())
        assert cli("compare", a, b, "--no-charts", "--out", target) == 2
        one_line(capsys)
        assert sorted(p.name for p in target.iterdir()) == before
    (out / "thesis.txt").write_text("thesis")
    assert cli("compare", a, b, "--no-charts", "--out", out) == 2
    assert "thesis.txt" in one_line(capsys)


def test_compare_refuses_its_folder_before_running_any_seed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cmp").mkdir()
    (tmp_path / "cmp" / "x.txt").write_text("x")
    sc = tmp_path / "s.toml"
    sc.write_text('name = "small"\nweeks = 20\n[organisation]\nmembers = 100\nbranches = 5\n')
    assert cli("compare", sc, "baseline", "--seeds", "1", "--out", tmp_path / "cmp", "--workers", 1) == 2
    one_line(capsys)
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("content, words", [
    (b"\xef\xbb\xbfname = 'x'\n", ["byte-order mark"]),
    ('name = "x"\nweeks = "10"\n'.encode(), ["weeks", "'10'"]),
    ('name = "x"\n[regime]\nbranch_minutes = "yes"\n'.encode(), ["branch_minutes"]),
])
def test_set_and_compare_inputs_are_read_strictly(content, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    sc = tmp_path / "bad.toml"
    sc.write_bytes(content)
    for args in (["run", sc, "--seeds", "1-2"], ["compare", sc, "baseline", "--seeds", "1"]):
        assert cli(*args) == 2
        err = one_line(capsys)
        for w in words:
            assert w in err
    assert not (tmp_path / "results").exists()


def test_orgmodel_keyword_parameters_are_strict():
    from orgsim.model.model import OrgModel

    for kw in ({"weeks": "10"}, {"weeks": True}, {"organisation__members": 10.0}, {"regime__branch_minutes": "yes"}):
        with pytest.raises(ScenarioError):
            OrgModel(**kw)
    assert OrgModel(weeks=3, organisation__members=60, organisation__branches=3,
                    organisation__organisers=1).scenario.weeks == 3
