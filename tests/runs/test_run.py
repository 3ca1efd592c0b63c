"""One run -> one output folder: the runs layer writes the data files; a decorator injected by
the caller (charts, report) works inside the folder being built, before it is moved into place."""

import pytest

from orgsim.model.scenario import validate
from orgsim.runs.run import simulate, write_outputs

DATA = ("timeseries.csv", "events.csv", "summary.json", "scenario.toml")
TINY = {"name": "tiny", "weeks": 12, "organisation": {"members": 60, "branches": 3}}


@pytest.fixture(scope="module")
def result():
    return simulate(validate(TINY, "tiny"), seed=1)


def test_without_a_decorator_only_the_data_files_are_written(result, tmp_path):
    out = write_outputs(result, tmp_path / "run")
    # and the marker of an orgsim run folder, listing them (issue 14: what --force may replace)
    assert sorted(p.name for p in out.iterdir()) == sorted(DATA + ("orgsim.json",))


def test_the_decorator_works_inside_the_folder_being_built(result, tmp_path):
    out = tmp_path / "run"
    seen = []

    def decorate(folder, res):
        assert folder != out and not out.exists(), "called before the folder is moved into place"
        assert all((folder / name).is_file() for name in DATA)
        assert res is result
        (folder / "extra.txt").write_text("drawn here")
        seen.append(folder)

    write_outputs(result, out, decorate=decorate)
    assert seen and not seen[0].exists()
    assert (out / "extra.txt").read_text() == "drawn here"


def test_a_failing_decorator_leaves_no_folder(result, tmp_path):
    def decorate(folder, res):
        raise RuntimeError("chart failed")

    with pytest.raises(RuntimeError):
        write_outputs(result, tmp_path / "run", decorate=decorate)
    assert list(tmp_path.iterdir()) == []
