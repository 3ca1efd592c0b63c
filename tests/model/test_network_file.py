"""A scenario's members' network from a file (issue 11, point 10): the ties among members are
the file's, node attributes set branches, roles and positions, the periphery is generated around
them, runs are deterministic, and bad files are refused with one line naming file, key and value."""

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from helpers import ROOT
from orgsim.errors import ScenarioError
from orgsim.experiments.sweepfile import load_sweep
from orgsim.model.model import OrgModel
from orgsim.model.scenario import load_scenario
from orgsim.model.state import LEADER, ORGANISER
from orgsim.runs.run import simulate

EXAMPLES = ROOT / "scenarios" / "networks"
GRAPHML = EXAMPLES / "example_graphml.toml"
CSV = EXAMPLES / "example_csv.toml"


def member_block(model: OrgModel, k: int) -> np.ndarray:
    """The model's weighted adjacency among its k initial members (rows 0..k-1)."""
    return (model.net.within + model.net.cross).toarray()[:k, :k]


def file_graph(path: Path) -> nx.Graph:
    if path.suffix == ".graphml":
        return nx.read_graphml(path)
    edges = pd.read_csv(path)
    return nx.from_pandas_edgelist(edges, "source", "target", edge_attr="weight")


@pytest.mark.parametrize("scenario, data", [(GRAPHML, "example.graphml"), (CSV, "example.csv")])
def test_the_ties_among_members_are_the_files(scenario, data):
    g = file_graph(EXAMPLES / data)
    sc = load_scenario(scenario)
    model = OrgModel(sc, seed=7)
    nodes = list(g.nodes)
    assert sc.organisation.members == len(nodes)
    expected = nx.to_numpy_array(g, nodelist=nodes, weight="weight")
    assert np.array_equal(member_block(model, len(nodes)), expected)
    # the periphery is generated around them, and tied to them
    assert model.n > len(nodes)
    assert (model.net.within + model.net.cross)[: len(nodes), len(nodes):].nnz > 0


def test_node_attributes_set_branches_roles_and_positions():
    g = nx.read_graphml(EXAMPLES / "example.graphml")
    sc = load_scenario(GRAPHML)
    model = OrgModel(sc, seed=1)
    s, attrs = model.state, list(g.nodes(data=True))
    labels = sorted({d["branch"] for _, d in attrs})
    assert sc.organisation.branches == len(labels)
    assert [labels[b] for b in s.branch[: len(attrs)]] == [d["branch"] for _, d in attrs]
    roles = {"leader": LEADER, "organiser": ORGANISER, "member": 0}
    assert list(s.role[: len(attrs)]) == [roles[d["role"]] for _, d in attrs]
    assert np.allclose(s.pos[: len(attrs)], [d["position"] for _, d in attrs])
    # each organiser's region holds his own branch
    for k, row in enumerate(model.organiser_rows):
        assert model.region_of_branch[s.branch[row]] == k


def test_a_run_on_a_loaded_network_is_deterministic():
    sc = load_scenario(GRAPHML)
    a, b = simulate(sc, seed=11), simulate(sc, seed=11)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.summary == b.summary
    c = simulate(sc, seed=12)
    assert not a.timeseries.equals(c.timeseries) or not a.events.equals(c.events)


def test_a_sweep_base_finds_the_file_relative_to_the_scenario(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'name = "s"\nbase = "{GRAPHML.as_posix()}"\nreplicates = 1\n'
                     '[parameters]\n"regime.voting" = ["slate", "individual"]\n')
    _, base = load_sweep(sweep)
    assert Path(base["network"]["file"]) == (EXAMPLES / "example.graphml").resolve()


def scenario_with(tmp_path: Path, content: str, name: str, extra: str = "") -> Path:
    (tmp_path / name).write_text(content)
    path = tmp_path / "sc.toml"
    path.write_text(f'name = "x"\nweeks = 10\n{extra}\n[network]\nfile = "{name}"\n')
    return path


GRAPHML_HEAD = ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                '<key id="r" for="node" attr.name="role" attr.type="string"/><graph edgedefault="undirected">')


@pytest.mark.parametrize("name, content, extra, words", [
    ("none.csv", None, "", ["no such file"]),
    ("net.txt", "a,b\n", "", ["unknown format '.txt'", ".csv or .tsv"]),
    ("net.csv", "a,b\nb,c,1,9\n", "", ["line 2", "source,target[,weight]"]),
    ("net.csv", "a,b\nb,b\n", "", ["line 2: self-loop 'b' - 'b'"]),
    ("net.csv", "a,b\nb,a\n", "", ["duplicate tie 'b' - 'a'", "each pair of nodes once"]),
    ("net.csv", "a,b,2.5\n", "", ["weight = '2.5'", "(0, 1]"]),
    ("net.csv", "a,b\nb,c\nc,a\n", "[organisation]\nmembers = 30\nbranches = 3\n",
     ["organisation.members = 30", "has 3 nodes", "allowed: 3"]),
    ("net.graphml", GRAPHML_HEAD + '<node id="a"><data key="r">leader</data></node>'
     '<node id="b"><data key="r">boss</data></node><edge source="a" target="b"/></graph></graphml>', "",
     ["node 'b' has role = 'boss'", "allowed: member, organiser, leader"]),
    ("net.graphml", GRAPHML_HEAD + '<node id="a"/><node id="b"/><node id="a"/>'
     '<edge source="a" target="b"/></graph></graphml>', "", ["duplicate node id 'a'"]),
    ("net.graphml", "<graphml><graph>", "", ["not valid GraphML"]),
])
def test_bad_files_are_refused_in_one_line(tmp_path, name, content, extra, words):
    path = scenario_with(tmp_path, content, name, extra) if content is not None else None
    if path is None:
        path = tmp_path / "sc.toml"
        path.write_text(f'name = "x"\n[network]\nfile = "{name}"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path)) and f"network.file = '{tmp_path / name}'" in msg
    for w in words:
        assert w in msg, msg


def test_scenarios_without_a_file_are_untouched():
    sc = load_scenario(ROOT / "scenarios" / "baseline.toml")
    assert sc.network.file is None and sc.network_file() is None
