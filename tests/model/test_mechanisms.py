"""Each mechanism in isolation, with a property it must have.

The tests build a small model, put its state arrays into a controlled condition, call one
submodel and compare against a counterfactual condition.
"""

import numpy as np
import pytest

from orgsim.model.mechanisms import (convention, discipline, dissolution, exit, factions, grievance, influence,
                               information, recruitment, voice)
from orgsim.model.mechanisms.information import News, publish
from orgsim.model.mechanisms.regime import openness
from orgsim.model.state import MEMBER, NO_FACTION, ORGANISER, PERIPHERY, RANK_AND_FILE

from helpers import small_model


def members(m):
    return np.flatnonzero(m.state.member)


def rank_and_file(m):
    return np.flatnonzero(m.state.member & (m.state.role == RANK_AND_FILE))


# ---------------------------------------------------------------- influence
def test_bounded_confidence_ignores_neighbours_beyond_the_radius():
    m = small_model(parameters__influence__drift=0.0, regime__unity_of_thought=0.0)
    rows = rank_and_file(m)
    m.state.pos[m.state.member] = 0.5
    m.state.pos[rows[::2]] = 0.1  # two camps 0.4 apart, radius 0.2
    before = m.state.pos.copy()
    influence.step(m)
    assert np.allclose(m.state.pos[rows], before[rows])  # no one hears the other camp


@pytest.mark.parametrize("rule, rate, weeks", [("averaging", 0.1, 30), ("pairwise", 0.3, 60)])
def test_wide_confidence_brings_positions_together(rule, rate, weeks):
    # pairwise: one encounter a week at most, so it takes longer than averaging over all ties
    m = small_model(parameters__influence__drift=0.0, parameters__influence__confidence=1.0,
                    parameters__influence__rule=rule, parameters__influence__rate=rate,
                    regime__unity_of_thought=0.0)
    rows = rank_and_file(m)
    m.state.pos[rows] = m.rng.uniform(0, 1, rows.size)
    spread = m.state.pos[rows].std()
    for _ in range(weeks):
        influence.step(m)
    assert m.state.pos[rows].std() < 0.5 * spread


def test_falsification_hides_dissent_from_neighbours_and_entrenches_the_line():
    finals = {}
    for fals in (True, False):
        m = small_model(seed=3, parameters__influence__falsification=fals, parameters__influence__drift=0.0,
                        parameters__influence__confidence=0.5, regime__unity_of_thought=0.0)
        rows = rank_and_file(m)
        dissenters = rows[: rows.size // 3]
        m.state.pos[dissenters] = 0.8
        m.state.hidden[dissenters] = True
        for _ in range(20):
            influence.step(m)
        others = np.setdiff1d(rows, dissenters)
        finals[fals] = np.abs(m.state.pos[others] - m.line).mean()
    assert finals[True] < finals[False]


# ---------------------------------------------------------------- grievance and trust
def test_grievance_grows_with_distance_from_the_line():
    m = small_model()
    rows = rank_and_file(m)
    near, far = rows[: rows.size // 2], rows[rows.size // 2:]
    m.state.pos[near] = m.line
    m.state.pos[far] = np.clip(m.line + 0.35, 0, 1)
    for _ in range(40):
        grievance.step(m)
    assert m.state.grievance[far].mean() > 2 * m.state.grievance[near].mean()


def test_scandal_discredit_lowers_trust_and_raises_grievance():
    a, b = small_model(seed=1), small_model(seed=1)
    rows = rank_and_file(b)
    grievance.add_discredit(b, rows, 0.4)
    for _ in range(20):
        grievance.step(a)
        grievance.step(b)
    assert b.state.trust[rows].mean() < a.state.trust[rows].mean() - 0.2
    assert b.state.grievance[rows].mean() > a.state.grievance[rows].mean()


def test_hidden_grievance_accumulates_unless_ablated():
    res = {}
    for acc in (0.004, 0.0):
        m = small_model(seed=2, parameters__grievance__accumulation=acc)
        rows = rank_and_file(m)
        m.state.hidden[rows] = True
        for _ in range(100):
            grievance.step(m)
        res[acc] = m.state.grievance[rows].mean()
    assert res[0.004] > res[0.0] + 0.1


def test_loyal_organisers_discount_damaging_news():
    m = small_model(regime__organiser_appointment="appointed", regime__organiser_loyalty=1.0)
    orgs = np.flatnonzero(m.state.member & (m.state.role == ORGANISER))
    before = m.state.trust[orgs].copy()
    grievance.add_discredit(m, orgs, 0.5)
    assert np.allclose(m.state.trust[orgs], before)


# ---------------------------------------------------------------- voice
@pytest.mark.parametrize("harsher", [("none", "censure"), ("censure", "expulsion")])
def test_harsher_penalty_lowers_voiced_and_raises_hidden_dissent(harsher):
    res = {}
    for penalty in harsher:
        m = small_model(seed=4, regime__dissent_penalty=penalty)
        rows = rank_and_file(m)
        m.state.grievance[rows] = m.rng.uniform(0.2, 0.6, rows.size)
        voice.step(m)
        res[penalty] = (m.state.voicing.sum(), m.state.hidden.sum())
    soft, hard = harsher
    assert res[hard][0] < res[soft][0]
    assert res[hard][1] > res[soft][1]


def test_visible_dissent_lowers_others_threshold():
    res = {}
    for seeded in (False, True):
        m = small_model(seed=5, regime__dissent_penalty="none")
        rows = rank_and_file(m)
        m.state.grievance[rows] = m.state.threshold[rows] * 0.9  # just below their own threshold
        if seeded:
            loud = rows[::4]
            m.state.grievance[loud] = 0.9
            voice.step(m)
        voice.step(m)
        res[seeded] = m.state.voicing.sum()
    assert res[True] > res[False] + 0


# ---------------------------------------------------------------- information
def test_news_spreads_along_ties_and_forbidding_horizontal_talk_slows_it():
    reach = {}
    for rule in ("allowed", "forbidden"):
        m = small_model(seed=6, regime__horizontal_communication=rule, network__cross_degree=3.0)
        first = np.zeros(m.n, dtype=bool)
        b0 = members(m)[m.state.branch[members(m)] == 0]
        first[b0] = True
        news = News("test", "", np.zeros(m.n, dtype=bool), lambda *_: None)
        publish(m, news, first)
        for _ in range(8):
            information.step(m)
        outside = m.state.member & (m.state.branch != 0)
        reach[rule] = news.knows[outside].mean()
    assert reach["allowed"] > 0.25
    assert reach["forbidden"] < 0.5 * reach["allowed"]


# ---------------------------------------------------------------- factions
def _dissenting_cluster(m):
    rows = rank_and_file(m)
    branch0 = rows[m.state.branch[rows] == m.state.branch[rows][0]]
    m.state.voicing[branch0] = True
    m.state.pos[branch0] = 0.8
    m.state.grievance[branch0] = 0.4
    m.state.risk_aversion[branch0] = 0.9
    return branch0


def test_like_minded_connected_dissenters_form_a_faction_when_rights_allow():
    m = small_model(regime__faction_rights="permanent")
    _dissenting_cluster(m)
    factions.step(m)
    assert m.factions_formed >= 1 and (m.state.faction != NO_FACTION).sum() >= 5


def test_banned_factions_deter_risk_averse_dissenters():
    m = small_model(regime__faction_rights="banned", regime__dissent_penalty="expulsion")
    _dissenting_cluster(m)
    factions.step(m)
    assert m.factions_formed == 0


# ---------------------------------------------------------------- discipline
def test_expelling_a_detected_dissenter_removes_him_and_frightens_witnesses():
    m = small_model(regime__dissent_penalty="expulsion", regime__branch_minutes=True,
                    parameters__discipline__detection_base=1.0, parameters__discipline__hearing_weeks=1.0)
    rows = rank_and_file(m)
    target = rows[0]
    m.state.joined[target] = -200  # a full member
    m.state.sanction_level[target] = 2  # already suspended once: next step is expulsion
    m.state.voicing[target] = True
    m.watchers = np.zeros(m.n)
    fear_before = m.state.fear.copy()
    for _ in range(20):  # a three-stage procedure of mean one week each: at least three weeks
        discipline.step(m)
        m.week += 1
    assert m.state.status[target] != MEMBER
    assert m.flows["expulsions"] == 1
    witnesses = m.state.member & (m.state.branch == m.state.branch[target])
    assert (m.state.fear[witnesses] > fear_before[witnesses]).all()
    assert m.state.fear[m.state.member].mean() > fear_before[m.state.member].mean()


def test_no_penalty_no_charges():
    m = small_model(regime__dissent_penalty="none", parameters__discipline__detection_base=1.0)
    m.state.voicing[rank_and_file(m)[:20]] = True
    m.watchers = np.zeros(m.n)
    discipline.step(m)
    assert not any(e[1] == "charged" for e in m.events)


def test_provisional_members_are_removed_faster_than_members_get_a_hearing():
    m = small_model(regime__dissent_penalty="expulsion", parameters__discipline__detection_base=1.0)
    rows = rank_and_file(m)
    prov, full = rows[:30], rows[30:60]
    m.state.joined[prov] = 0
    m.state.joined[full] = -300
    m.state.voicing[np.concatenate([prov, full])] = True
    m.watchers = np.zeros(m.n)
    discipline.step(m)
    delay_prov = (m.state.hearing_week[prov] - m.week).mean()
    delay_full = (m.state.hearing_week[full] - m.week).mean()
    assert delay_prov < delay_full / 2


# ---------------------------------------------------------------- exit
def test_low_commitment_and_outside_options_drive_exit_and_a_monopoly_holds_members():
    left = {}
    for pull in (0.0, 1.0):
        m = small_model(seed=7, environment__competitor_pull=pull)
        m.state.trust[m.state.member] = 0.2
        m.state.grievance[m.state.member] = 0.3
        for _ in range(10):
            exit.step(m)
        left[pull] = m.flows["resignations"]
    assert left[1.0] > 1.5 * left[0.0]


# ---------------------------------------------------------------- recruitment
def test_a_rising_movement_climate_brings_more_recruits():
    got = {}
    for climate in (1.0, 3.0):
        m = small_model(seed=8, environment__climate=climate)
        for _ in range(20):
            recruitment.step(m)
            m.week += 1
        got[climate] = m.flows["recruits"]
    assert got[3.0] > 2 * got[1.0]


def test_recruits_come_from_the_periphery_and_become_agents():
    m = small_model(seed=8, environment__climate=5.0)
    n_agents = len(m.agents)
    periphery = m.state.status == PERIPHERY
    for _ in range(4):  # a month of recruitment in a rising movement
        recruitment.step(m)
    joined = periphery & (m.state.status == MEMBER)
    assert joined.sum() == m.flows["recruits"] > 0
    assert len(m.agents) == n_agents + joined.sum()


# ---------------------------------------------------------------- convention
def _convention(trust_members, trust_organisers, voting, seed=0):
    m = small_model(seed=seed, regime__voting=voting, regime__organiser_appointment="appointed")
    s = m.state
    s.trust[s.member & (s.role == RANK_AND_FILE)] = trust_members
    s.trust[s.member & (s.role == ORGANISER)] = trust_organisers
    convention.hold(m, None)
    return m


def _convention_outcome(*args, **kw):
    return _convention(*args, **kw).old_leadership_share()


def test_slate_with_loyal_organisers_keeps_incumbents_even_when_members_are_restless():
    assert _convention_outcome(0.45, 0.9, "slate") == 1.0


def test_defecting_organisers_bring_the_old_leadership_down():
    assert _convention_outcome(0.45, 0.1, "slate") < 0.5


def test_individual_votes_unseat_more_incumbents_than_a_slate():
    slate = sum(_convention(0.55, 0.6, "slate", seed).seat_changes for seed in range(10))
    indiv = sum(_convention(0.55, 0.6, "individual", seed).seat_changes for seed in range(10))
    assert indiv > slate


def test_a_caucus_wins_its_quota_of_seats_under_individual_votes_and_none_under_a_passing_slate():
    seats = {}
    for voting in ("individual", "slate"):
        m = small_model(seed=4, regime__voting=voting, regime__faction_rights="permanent")
        s = m.state
        s.trust[s.member] = 0.8  # content: incumbents are re-elected, the slate passes
        rf = rank_and_file(m)
        caucus = rf[: rf.size // 3]  # a third of the members, so about a third of the delegates
        s.faction[caucus] = m.new_faction_id()
        delegates = convention.select_delegates(m)
        in_caucus = int(np.count_nonzero(s.faction[delegates] != NO_FACTION))
        due = in_caucus // (delegates.size // (m.n_seats + 1) + 1)
        convention.hold(m, None)
        seats[voting] = (int(np.count_nonzero(s.faction[m.leader_rows()] != NO_FACTION)), due)
    # (hold draws its own delegates: the quota is checked against a draw of the same size)
    assert seats["individual"][0] >= 1 and abs(seats["individual"][0] - seats["individual"][1]) <= 1, seats
    assert seats["slate"][0] == 0, seats


def test_a_convention_adopts_a_democratising_reform_when_delegates_distrust_the_leadership():
    from orgsim.model.scenario import ConventionEvent

    m = small_model(regime__voting="slate")
    m.state.trust[m.state.member] = 0.1
    ev = ConventionEvent.model_validate({"kind": "convention", "week": 0,
                                         "agenda": [{"changes": {"voting": "individual"}}]})
    convention.hold(m, ev)
    assert m.regime.voting == "individual"


# ---------------------------------------------------------------- dissolution
def test_dissolution_vote_passes_only_when_most_members_want_it():
    outcomes = {}
    for share in (0.9, 0.35):
        m = small_model(seed=9)
        rows = members(m)
        want = rows[: int(share * rows.size)]
        m.state.commitment[want] = 0.05
        m.state.trust[want] = 0.05
        m.state.grievance[want] = 0.6
        m.state.efficacy[want] = 0.1
        dissolution.step(m)  # the motion is tabled; the vote comes after the debate
        tabled = len(m.dissolution_votes)
        m.week += m.params.dissolution.debate_weeks
        dissolution.step(m)
        outcomes[share] = (tabled, len(m.dissolution_votes), m.dissolved)
    assert outcomes[0.9] == (0, 1, True)
    assert outcomes[0.35] == (0, 1, False)


def test_a_failed_motion_returns_only_when_support_has_grown():
    m = small_model(seed=9)
    rows = members(m)
    want = rows[: int(0.4 * rows.size)]
    m.state.commitment[want], m.state.trust[want], m.state.grievance[want] = 0.05, 0.05, 0.6
    m.state.efficacy[want] = 0.1
    for _ in range(1 + m.params.dissolution.debate_weeks):
        dissolution.step(m)
        m.week += 1
    assert len(m.dissolution_votes) == 1 and not m.dissolved  # 40% want it: the motion fails
    for _ in range(20):  # the same support: no new motion, however long one waits
        dissolution.step(m)
        m.week += 1
    assert m.motions["dissolution"] is None and len(m.dissolution_votes) == 1
    more = rows[: int(0.8 * rows.size)]  # the crisis deepens
    m.state.commitment[more], m.state.trust[more], m.state.grievance[more] = 0.05, 0.05, 0.6
    m.state.efficacy[more] = 0.1
    for _ in range(1 + m.params.dissolution.debate_weeks):
        dissolution.step(m)
        m.week += 1
    assert len(m.dissolution_votes) == 2 and m.dissolved


def _vote_on_reform(m, share, loyal_rest=True):
    """``share`` of the members committed but distrustful and aggrieved; the rest loyal."""
    rows = members(m)
    k = int(share * rows.size)
    s = m.state
    s.commitment[rows], s.trust[rows], s.grievance[rows] = 0.8, 0.8, 0.05
    s.commitment[rows[:k]], s.trust[rows[:k]], s.grievance[rows[:k]] = 0.6, 0.1, 0.6
    for _ in range(1 + m.params.dissolution.debate_weeks):
        dissolution.step(m)
        m.week += 1


def test_committed_members_who_distrust_the_leadership_vote_to_reform_the_regime():
    regime = dict(regime__faction_rights="banned", regime__horizontal_communication="forbidden",
                  regime__transparency="secret")
    m = small_model(seed=9, **regime)
    _vote_on_reform(m, 0.8)
    assert not m.dissolved and len(m.dissolution_votes) == 0 and len(m.reform_votes) == 1
    assert {k: getattr(m.regime, k) for k in dissolution.REFORM} == dissolution.REFORM
    # once reformed there is nothing left to reform: no further motion, however aggrieved
    _vote_on_reform(m, 0.9)
    assert len(m.reform_votes) == 1
    # a minority of reformers is outvoted by the loyalists, and the regime stays as it was
    m = small_model(seed=9, **regime)
    _vote_on_reform(m, 0.35)
    assert len(m.reform_votes) == 1 and m.reform_votes[0]["share"] < 0.5
    assert m.regime.faction_rights == "banned" and m.regime.transparency == "secret"


def test_members_who_want_dissolution_vote_for_reform_rather_than_the_present_regime():
    m = small_model(seed=9, regime__faction_rights="banned")
    rows = members(m)
    s = m.state
    reformers, dissolvers = rows[:70], rows[70:140]  # 35 % each: neither alone a majority
    s.commitment[rows], s.trust[rows], s.grievance[rows] = 0.8, 0.8, 0.05
    s.commitment[reformers], s.trust[reformers], s.grievance[reformers] = 0.6, 0.1, 0.6
    s.commitment[dissolvers], s.trust[dissolvers], s.grievance[dissolvers] = 0.05, 0.05, 0.6
    s.efficacy[rows] = 0.1
    m.params.dissolution.participation = 1.0  # (everyone votes: the test is on how they vote)
    for _ in range(1 + m.params.dissolution.debate_weeks):
        s.efficacy[rows] = 0.1
        dissolution.step(m)
        m.week += 1
    assert not m.dissolved and m.dissolution_votes[0]["share"] < 0.5
    assert m.reform_votes[0]["share"] > 0.5 and m.regime.faction_rights == "permanent"


def test_hope_of_change_or_mere_indifference_does_not_make_members_want_dissolution():
    m = small_model(seed=9)
    rows = members(m)
    m.state.commitment[rows] = 0.05
    m.state.trust[rows] = 0.05
    m.state.grievance[rows] = 0.6
    m.state.efficacy[rows] = 0.8  # a convention with an organised opposition is coming
    assert not dissolution.wants(m).any()
    m.state.efficacy[rows] = 0.1
    m.state.grievance[rows] = 0.05  # disengaged but not aggrieved
    assert not dissolution.wants(m).any()


def test_procedures_take_at_least_three_weeks_but_provisional_removal_is_summary():
    m = small_model(regime__dissent_penalty="expulsion", parameters__discipline__detection_base=1.0)
    rows = rank_and_file(m)
    full, prov = rows[:40], rows[40:80]
    m.state.joined[full] = -300
    m.state.joined[prov] = 0
    m.state.voicing[np.concatenate([full, prov])] = True
    m.watchers = np.zeros(m.n)
    m.regime = m.regime.model_copy(update={"faction_rights": "banned"})
    discipline.step(m)
    assert (m.state.hearing_week[full] - m.week >= 3).all()
    assert (m.state.hearing_week[prov] - m.week <= 3).mean() > 0.8


def test_open_debate_is_not_charged_but_sabotage_is():
    m = small_model(regime__faction_rights="permanent", regime__horizontal_communication="forbidden",
                    regime__dissent_penalty="expulsion", parameters__discipline__detection_base=1.0)
    rows = rank_and_file(m)
    plain, circulator = rows[:20], rows[20]
    m.state.voicing[rows[:21]] = True
    m.state.cross_offence[circulator] = True
    m.watchers = np.zeros(m.n)
    discipline.step(m)
    assert (m.state.charged_week[plain] < 0).all()
    assert m.state.charged_week[circulator] == m.week


def test_a_critique_is_signed_its_author_is_reported_at_once_and_the_fearful_do_not_write_one():
    from orgsim.model.mechanisms import critique
    from orgsim.model.mechanisms.critique import CritiqueEvent

    m = small_model(regime__dissent_penalty="expulsion", parameters__discipline__detection_base=0.0,
                    parameters__discipline__detection_watchers=0.0)
    rows = rank_and_file(m)
    m.state.joined[rows] = -200  # full members
    nearest = rows[np.argmin(np.abs(m.state.pos[rows] - np.clip(m.line + 0.3, 0, 1)))]
    m.state.fear[nearest] = 0.9  # silenced by fear: someone else signs
    critique.circulate(m, CritiqueEvent(kind="critique", week=m.week, stance=0.3))
    author = m.critics[0]
    assert author != nearest and m.state.fear[author] <= m.params.discipline.recant_fear
    others = rows[(rows != author)][:20]
    m.state.voicing[others] = True  # plain dissent, never reported without minutes or watchers
    m.watchers = np.zeros(m.n)
    discipline.step(m)
    assert m.state.charged_week[author] == m.week
    assert (m.state.charged_week[others] < 0).all()


def test_organisers_take_on_their_regions_mood_unless_loyal_to_the_centre():
    res = {}
    for loyalty in (0.0, 1.0):
        m = small_model(regime__organiser_appointment="appointed", regime__organiser_loyalty=loyalty)
        orgs = np.flatnonzero(m.state.member & (m.state.role == ORGANISER))
        m.state.base_trust[rank_and_file(m)] = 0.1
        m.state.trust[rank_and_file(m)] = 0.1
        for _ in range(10):
            grievance.step(m)
        res[loyalty] = m.state.trust[orgs].mean()
    assert res[0.0] < 0.5 < res[1.0]


def test_no_vote_is_called_in_a_healthy_organisation(model):
    dissolution.step(model)
    assert model.dissolution_votes == [] and not model.dissolved


# ---------------------------------------------------------------- model v2: opinion dynamics as cited
def _clusters(x, gap=0.02, minshare=0.02):
    x = np.sort(x)
    sizes = np.bincount(np.concatenate([[0], np.cumsum(np.diff(x) > gap)]))
    return int((sizes >= minshare * x.size).sum())


def _complete_graph_clusters(rule, eps, seed, n=400, weeks=250):
    import scipy.sparse as sp
    m = small_model(seed=seed, organisation__members=n, organisation__branches=1, organisation__periphery=0.0,
                    parameters__influence__rule=rule, parameters__influence__rate=0.5,
                    parameters__influence__confidence=eps, parameters__influence__drift=0.0,
                    parameters__influence__line_pull=0.0, parameters__influence__falsification=False)
    s = m.state
    s.role[:] = RANK_AND_FILE  # nobody holds the line: Deffuant's setting
    s.pos[:] = m.rng.random(m.n)
    full = sp.csr_matrix(np.ones((m.n, m.n)) - np.eye(m.n))
    m.net.weighted = lambda w: full
    m._rebuild_adjacency()
    for _ in range(weeks):
        influence.step(m)
    return _clusters(s.pos[s.member])


@pytest.mark.parametrize("eps, expected", [(0.15, 3), (0.2, 2), (0.3, 1)])
def test_pairwise_rule_gives_deffuants_cluster_count(eps, expected):
    # Deffuant et al. 2000: from uniform opinions, about floor(1 / (2 eps)) major clusters
    counts = [_complete_graph_clusters("pairwise", eps, seed) for seed in range(3)]
    assert sorted(counts)[1] == expected, counts


def test_averaging_rule_reaches_consensus_where_pairwise_keeps_two_camps():
    # Hegselmann & Krause 2002: consensus on a complete graph above eps ~ 0.2
    assert _complete_graph_clusters("averaging", 0.25, 0, weeks=100) == 1
    assert sorted(_complete_graph_clusters("pairwise", 0.2, s) for s in range(3))[1] == 2


# ---------------------------------------------------------------- model v2: revelations as a process
def _reveal(m, **ev):
    from orgsim.model.mechanisms import scandal
    from orgsim.model.mechanisms.scandal import ScandalEvent
    scandal.reveal(m, ScandalEvent(kind="scandal", week=0, **ev))
    return scandal


def test_a_revelation_is_believed_over_weeks_and_least_by_the_loyal():
    m = small_model(seed=3, regime__transparency="open")
    rows = rank_and_file(m)
    m.state.base_trust[rows[::2]] = m.state.trust[rows[::2]] = 0.95  # loyalists
    m.state.base_trust[rows[1::2]] = m.state.trust[rows[1::2]] = 0.4
    before = m.state.trust[rows].mean()
    scandal = _reveal(m, severity=0.8, implicates="leadership", share=0.5, reach=1.0)
    first_week = before - m.state.trust[rows].mean()
    for _ in range(8):
        scandal.step(m)
    total = before - m.state.trust[rows].mean()
    assert 0 < first_week < 0.5 * total  # most of the damage comes after the first week
    belief = m.news[-1].extra["belief"]
    assert belief[rows[::2]].mean() < belief[rows[1::2]].mean()  # the loyal believe it least


def test_an_independent_inquiry_removes_the_implicated_when_it_reports_and_lifts_discredit():
    m = small_model(seed=4, regime__investigation="independent", regime__transparency="open")
    scandal = _reveal(m, severity=0.8, implicates="leadership", share=0.5, reach=1.0)
    implicated = np.flatnonzero(m.state.implicated)
    assert implicated.size and (m.state.role[implicated] == 2).all()  # still in office
    for week in range(1, m.params.scandal.inquiry_weeks):
        m.week = week
        scandal.step(m)
    assert (m.state.role[implicated] == 2).all()
    discredit = m.state.discredit.sum()
    m.week = m.params.scandal.inquiry_weeks
    scandal.step(m)
    assert (m.state.role[implicated] != 2).all()
    assert m.state.discredit.sum() < (1 - 0.5 * m.params.scandal.credibility_independent) * discredit


# ---------------------------------------------------------------- model v2: caucuses and splits
def test_content_members_with_a_position_of_their_own_form_caucuses_where_rights_allow():
    outcome = {}
    for rights in ("permanent", "banned"):
        m = small_model(seed=5, regime__faction_rights=rights, regime__dissent_penalty="censure")
        s = m.state
        s.grievance[:] = 0.0  # nobody aggrieved: organised difference, not dissent
        s.voicing[:] = False
        s.pos[rank_and_file(m)] = 0.5 + 0.25 * (np.arange(rank_and_file(m).size) % 2)  # a tendency
        for _ in range(3):
            factions.step(m)
        outcome[rights] = np.count_nonzero(s.member & (s.faction != NO_FACTION))
    assert outcome["permanent"] >= 20 and outcome["banned"] == 0, outcome


def test_a_split_takes_the_faction_and_its_like_minded_circle():
    m = small_model(seed=6, regime__faction_rights="permanent", parameters__factions__split_prob=1.0)
    s = m.state
    rows = rank_and_file(m)
    group = rows[s.branch[rows] == s.branch[rows[0]]][:8]
    fid = m.new_faction_id()
    s.faction[group] = fid
    s.pos[rows] = 0.8  # the faction's circle shares its position
    s.trust[group] = 0.05
    before = s.member.sum()
    factions._split(m, True)
    assert not s.member[group].any()
    assert m.splits and m.splits[0] > group.size and before - s.member.sum() == m.splits[0]


def _faction_at_trust(m, trust):
    s = m.state
    rows = rank_and_file(m)
    group = rows[s.branch[rows] == s.branch[rows[0]]][:8]
    s.faction[group] = m.new_faction_id()
    s.trust[group] = trust
    return group


def test_a_faction_outlawed_by_a_reform_leaves_but_one_whose_debate_closes_disbands():
    # the same faction, trust 0.6 (above split_trust): legal, it stays; outlawed by a reform in
    # a closed regime, its voice is gone and it leaves at once; at the scheduled close of a
    # pre-convention debate it disbands as agreed, without leaving
    closed = dict(regime__voting="slate", regime__dissent_penalty="expulsion", regime__transparency="secret",
                  regime__organiser_appointment="appointed")
    outcome = {}
    for case in ("legal", "outlawed", "debate closed"):
        m = small_model(seed=6, regime__faction_rights="permanent", **closed)
        group = _faction_at_trust(m, 0.6)
        factions._split(m, True)  # a week under faction rights
        if case == "outlawed":
            m.regime = m.regime.model_copy(update={"faction_rights": "banned"})
        if case == "debate closed":
            m.regime = m.regime.model_copy(update={"faction_rights": "preconvention"})
            m.faction_rights_before = "preconvention"  # the rule in force all along: the calendar ends it
        factions._split(m, case == "legal")
        outcome[case] = int(m.state.member[group].sum())
    assert outcome == {"legal": 8, "outlawed": 0, "debate closed": 8}, outcome


def test_a_published_platform_recruits_the_like_minded_on_its_side_of_the_line_only():
    joined = {}
    for talk in ("allowed", "forbidden"):
        m = small_model(seed=9, regime__faction_rights="permanent", regime__horizontal_communication=talk,
                        parameters__factions__publicity=1.0)
        s = m.state
        group = _faction_at_trust(m, 0.7)
        line = m.line
        s.pos[group] = line + 0.15
        others = np.setdiff1d(rank_and_file(m), group)[:40]
        s.pos[others[:20]] = line + 0.12   # like-minded, same side
        s.pos[others[20:]] = line - 0.02   # within the radius of the platform, across the line
        cand = np.zeros(m.n, dtype=bool)
        cand[others] = True
        factions._join_published(m, cand)
        joined[talk] = (int((s.faction[others[:20]] != NO_FACTION).sum()), int((s.faction[others[20:]] != NO_FACTION).sum()))
    assert joined["allowed"] == (20, 0), joined
    assert joined["forbidden"][0] <= 5 and joined["forbidden"][1] == 0, joined


def test_shifting_involvements_a_falling_climate_sends_the_unformed_back_to_private_life():
    m = small_model(seed=3)
    ident = np.array([0.0, 0.5, 1.0])
    assert np.allclose(exit.life_events(m, ident), 1.0)  # an ordinary climate: no shift
    m.environment = m.environment.model_copy(update={"climate": 0.5})
    falling = exit.life_events(m, ident)
    assert falling[0] == pytest.approx(2.0) and falling[1] == pytest.approx(2 ** 0.5) and falling[2] == pytest.approx(1.0)
    m.environment = m.environment.model_copy(update={"climate": 2.0})
    assert exit.life_events(m, ident)[0] == pytest.approx(0.5)
    m.params = m.params.model_copy(update={"exit": m.params.exit.model_copy(update={"shifting": 0.0})})
    assert np.allclose(exit.life_events(m, ident), 1.0)  # ablated


# ---------------------------------------------------------------- model v2: attachment
def test_recruits_of_a_surge_have_weaker_identity_and_tenure_strengthens_it():
    m = small_model(seed=7)
    calm = exit.recruit_identity(m, 2000)
    m.environment = m.environment.model_copy(update={"climate": 4.0})
    surge = exit.recruit_identity(m, 2000)
    assert surge.mean() < calm.mean() - 0.15
    assert (exit.socialised(m, calm, 260) > calm).all()


def test_identity_holds_members_through_lost_trust_where_they_own_the_organisation():
    commitment = {}
    for regime in ({"voting": "individual", "faction_rights": "permanent", "transparency": "open",
                    "horizontal_communication": "allowed", "organiser_appointment": "elected",
                    "dissent_penalty": "none"},
                   {"voting": "slate", "faction_rights": "banned", "transparency": "secret",
                    "horizontal_communication": "forbidden", "organiser_appointment": "appointed",
                    "dissent_penalty": "expulsion"}):
        m = small_model(seed=8, **{f"regime__{k}": v for k, v in regime.items()})
        rows = members(m)
        m.state.identity[rows] = 0.9
        m.state.trust[rows] = 0.0  # the leadership is discredited
        m.state.commitment[rows] = 0.5
        for _ in range(10):
            exit.step(m)
        commitment[regime["voting"]] = m.state.commitment[m.state.member].mean()
    assert commitment["individual"] > commitment["slate"] + 0.1, commitment


def test_before_a_convention_widespread_distrust_gives_hope_as_an_organised_opposition_does():
    m = small_model(seed=4, regime__faction_rights="permanent", regime__preconvention_weeks=8)
    rows = members(m)
    m.convention_weeks = [m.week + 4]
    m.state.faction[:] = NO_FACTION
    m.state.trust[rows] = 0.9
    hopeless = exit.efficacy(m)[rows]
    assert np.allclose(hopeless, openness(m.regime))
    m.state.trust[rows[: rows.size // 2 + 1]] = 0.05  # half would vote the leadership down
    assert np.allclose(exit.efficacy(m)[rows], m.params.factions.efficacy)
    m.convention_weeks = [m.week + 20]  # no convention near: distrust is not hope
    assert np.allclose(exit.efficacy(m)[rows], openness(m.regime))
