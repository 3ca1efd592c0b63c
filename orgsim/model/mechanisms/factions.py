"""Factions and caucuses: organised difference, and organised dissent.

Who is willing to organise. Where factions are legal (faction rights permanent, or during the
pre-convention period when rights are pre-convention only) members organise around positions,
not only grievance: an engaged member is willing when he voices dissent, or when his position
stands apart from the official line (distance / confidence - 1/2 > 0: a tendency of his own;
content members can be in caucuses) by more than the risk he runs: (R + fear) x S, with S the
severity of the regime's sanction times ``tolerated_risk``, or the full severity where
horizontal communication is forbidden (organising across branches is then "sabotage"). Where factions are illegal only voicing members who
accept the risk are willing: G - R x S > T (no discount for detection), or the author of a
critique who still voices it; membership is then a disciplinary offence.

Formation and life. Willing members tied to one another (cross-branch ties usable with the
probability their communication weight gives) whose positions lie within the confidence
radius form a faction once a connected group reaches ``min_size``. Willing members join a
faction of a like-minded tie, and factions joined by a tie between like-minded members (not
across branches where horizontal talk is forbidden) merge into the largest: one platform, one
faction. Members who are no longer willing drop out; a faction below ``dissolve_below`` fades.

Splits: exit when voice fails (Hirschman 1970). A faction leaves together, with weekly
probability ``split_prob``, when (1 - mean trust) x (1 - its voice efficacy) exceeds
(1 - ``split_trust``) x (1 - ``efficacy``): a legal faction when its trust falls below
``split_trust``, one whose voice counts for less (organised against a ban, or outlawed by a
reform or by the end of the pre-convention period) at a higher trust. A faction weighs this
before its members decide whether to go on organising, so an outlawed faction leaves or
disbands, rather than fading member by member. It takes its close ties with it: each engaged
member within the confidence radius of the faction's mean position follows with probability
equal to the share of his engaged ties who are leaving (a Granovetter threshold drawn
uniformly), so a split is sized by the organised group and its circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from orgsim.model.schema import Prob, Strict

from orgsim.model.mechanisms.regime import cross_weight, openness, severity
from orgsim.model.state import NO_FACTION, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class FactionParams(Strict):
    min_size: int = Field(5, ge=2, le=10_000, description="Voicing, connected, like-minded members needed to form a faction.")
    dissolve_below: int = Field(3, ge=1, le=10_000, description="A faction with fewer members dissolves.")
    split_trust: Prob = Field(0.25, description="Mean trust below which a legal faction considers leaving together (higher where its voice counts for less).")
    split_prob: Prob = Field(0.05, description="Weekly probability that a faction that has given up on voice leaves together.")
    publicity: Prob = Field(0.1, description="Weekly probability that a willing member finds a legal faction's published platform (times the weight of cross-branch talk).")
    efficacy: Prob = Field(0.6, description="Voice efficacy of a member of a legal faction (0 to 1).")


def legal(model: "OrgModel") -> bool:
    rights = model.regime.faction_rights
    return rights == "permanent" or (rights == "preconvention" and model.in_preconvention)


def step(model: "OrgModel") -> None:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    s, prm = model.state, model.params.factions
    eps = model.params.influence.confidence
    is_legal = legal(model)
    # factions judge their prospects under this week's rights before their members decide
    _split(model, is_legal)
    m = model.engaged
    willing = m & s.voicing
    if is_legal:
        # a tendency of one's own: organising around a position apart from the line, worth the
        # risk the regime attaches to organising (across branches where that is forbidden, the
        # full sanction: "sabotage")
        apart = np.abs(s.pos - model.line) / eps - 0.5
        sev = severity(model.regime, model.params.voice)
        if model.regime.horizontal_communication != "forbidden":
            sev *= model.params.voice.tolerated_risk
        willing |= m & (apart > (s.risk_aversion + s.fear) * sev)
    else:
        sev = severity(model.regime, model.params.voice)
        # a critique's author stands by his platform while he still voices it
        willing &= (s.grievance - (s.risk_aversion + s.fear) * sev > s.threshold) | (s.critic >= 0)
    # members who are no longer willing drop out
    drop = (s.faction != NO_FACTION) & ~willing
    s.faction[drop] = NO_FACTION

    cand = willing & (s.faction == NO_FACTION)
    # only the ties of candidates matter below (cand only shrinks); their uniforms are those of
    # rng.random(number of ties), and the generator moves on as if all had been drawn
    src, dst, w, pos = model.out_ties(np.flatnonzero(cand))
    close = like_minded(model, src, dst)
    usable = model.tie_uniforms(pos) < w
    # join a like-minded tie's faction
    e = cand[src] & (s.faction[dst] != NO_FACTION) & willing[dst] & close & usable
    if e.any():
        s.faction[src[e]] = s.faction[dst[e]]
        cand &= s.faction == NO_FACTION
    if is_legal and model.factions:
        _join_published(model, cand)
        cand &= s.faction == NO_FACTION
    # new factions from connected groups of candidates
    e = cand[src] & cand[dst] & close & usable
    if e.sum() >= prm.min_size - 1:
        # components of the graph on the candidates that have such a tie (the others are alone):
        # numbered, like on the whole milieu, in the order of their first row
        nodes = np.unique(np.concatenate([src[e], dst[e]]))
        g = sp.coo_matrix((np.ones(e.sum()), (np.searchsorted(nodes, src[e]), np.searchsorted(nodes, dst[e]))),
                          shape=(nodes.size, nodes.size))
        _, labels = connected_components(g, directed=False)
        sizes = np.bincount(labels)
        for lab in np.flatnonzero(sizes >= prm.min_size):
            rows = nodes[labels == lab]
            fid = model.new_faction_id()
            s.faction[rows] = fid
            model.log("faction_formed", model.agent_at[rows[0]], faction=int(fid), size=int(rows.size),
                      legal=bool(is_legal))
    _merge(model)
    _dissolve_small(model)


def _join_published(model: "OrgModel", cand: np.ndarray) -> None:
    """A legal faction publishes its platform across the organisation (as far as horizontal
    communication carries it): a willing member with no like-minded tie in a faction finds the
    faction whose platform is nearest his own, if like-minded, with weekly probability
    ``publicity`` times the weight of cross-branch talk."""
    s, prm = model.state, model.params.factions
    ip = model.params.information
    reach = prm.publicity * cross_weight(model.regime, 1.0, ip.discouraged_weight, ip.forbidden_weight)
    rows = np.flatnonzero(cand)
    rows = rows[model.rng.random(rows.size) < reach]
    if not rows.size:
        return
    # platforms: the mean position of each faction's members (a faction emptied this week has none)
    ids = np.array(sorted(model.factions))
    inside = s.member & (s.faction != NO_FACTION)
    at = np.searchsorted(ids, s.faction[inside])
    count = np.bincount(at, minlength=ids.size)
    platform = np.divide(np.bincount(at, weights=s.pos[inside], minlength=ids.size), count,
                         out=np.full(ids.size, np.inf), where=count > 0)
    line, eps = model.line, model.params.influence.confidence
    dist = np.abs(s.pos[rows][:, None] - platform[None, :])
    dist[(s.pos[rows][:, None] > line) != (platform[None, :] > line)] = np.inf  # the other side of the line
    best = np.argmin(dist, axis=1)
    ok = dist[np.arange(rows.size), best] < eps
    s.faction[rows[ok]] = ids[best[ok]]


def like_minded(model: "OrgModel", a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether persons a and b could share a platform: positions within the confidence radius,
    on the same side of the official line (a tendency is defined by how it differs from the line)."""
    s, line = model.state, model.line
    return (np.abs(s.pos[a] - s.pos[b]) < model.params.influence.confidence) & ((s.pos[a] > line) == (s.pos[b] > line))


def _merge(model: "OrgModel") -> None:
    """Factions joined by a tie between like-minded members (across branches only where
    horizontal talk is not forbidden) merge into the largest of them: one platform, one faction."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    s = model.state
    if len(model.factions) < 2:
        return
    rows = np.flatnonzero(s.member & (s.faction != NO_FACTION))
    src, dst, w, _ = model.out_ties(rows)
    e = ((s.faction[dst] != NO_FACTION) & (s.faction[dst] != s.faction[src])
         & (w > model.params.information.forbidden_weight) & like_minded(model, src, dst))
    if not e.any():
        return
    ids = np.array(sorted(model.factions))
    a, b = np.searchsorted(ids, s.faction[src[e]]), np.searchsorted(ids, s.faction[dst[e]])
    g = sp.coo_matrix((np.ones(a.size), (a, b)), shape=(ids.size, ids.size))
    _, comp = connected_components(g, directed=False)
    sizes = np.bincount(np.searchsorted(ids, s.faction[rows]), minlength=ids.size)
    for c in np.unique(comp):
        group = np.flatnonzero(comp == c)
        if group.size < 2:
            continue
        target = group[np.argmax(sizes[group])]  # the largest; the oldest among equals
        for i in group[group != target]:
            s.faction[s.faction == ids[i]] = ids[target]
            model.factions.discard(int(ids[i]))
            model.log("faction_merged", None, faction=int(ids[i]), into=int(ids[target]))


def _dissolve_small(model: "OrgModel") -> None:
    s, prm = model.state, model.params.factions
    for fid in list(model.factions):
        rows = np.flatnonzero(s.faction == fid)
        if rows.size < prm.dissolve_below:
            s.faction[rows] = NO_FACTION
            model.factions.discard(fid)
            model.log("faction_dissolved", None, faction=int(fid), size=int(rows.size))


def _split(model: "OrgModel", is_legal: bool) -> None:
    s, prm = model.state, model.params.factions
    # a reform that takes away the rights of factions in being outlaws them: they must choose
    # now, leave together or disband. The scheduled close of a pre-convention debate does not:
    # factions formed under that rule disband as they agreed to (their last week judged as legal).
    rights = model.regime.faction_rights
    was_legal, reformed = model.factions_were_legal, rights != model.faction_rights_before
    model.factions_were_legal, model.faction_rights_before = is_legal, rights
    if not model.factions:
        return
    outlawed = was_legal and not is_legal and reformed
    # the voice a faction has: a legal faction's weight, or only what the regime's openness gives
    voice = prm.efficacy if is_legal or (was_legal and not reformed) else openness(model.regime)
    given_up = (1.0 - prm.split_trust) * (1.0 - prm.efficacy)
    going = []
    for fid in sorted(model.factions):
        rows = np.flatnonzero(s.faction == fid)
        if rows.size < prm.min_size or (1.0 - s.trust[rows].mean()) * (1.0 - voice) <= given_up:
            continue
        if outlawed or model.rng.random() < prm.split_prob:
            going.append((fid, rows))
    # factions leaving in the same week whose platforms are close leave as one group
    eps = model.params.influence.confidence
    while going:
        fid, rows = going.pop(0)
        ids, together = [fid], [rows]
        for other in list(going):
            if abs(s.pos[other[1]].mean() - s.pos[rows].mean()) < eps:
                going.remove(other)
                ids.append(other[0])
                together.append(other[1])
        rows = np.concatenate(together)
        circle = _circle(model, rows)
        model.log("split", model.agent_at[rows[0]], faction=int(fid), size=int(rows.size + circle.size))
        group = np.concatenate([rows, circle])
        model.split_groups.append(group)
        for row in group:
            model.agent_at[row].split_away()
        for f in ids:
            model.factions.discard(f)
        model.splits.append(int(group.size))


def _circle(model: "OrgModel", rows: np.ndarray) -> np.ndarray:
    """Engaged like-minded rank-and-file members who follow a leaving faction, as a Granovetter
    (1978) cascade: each draws a threshold uniformly and follows once the share of his engaged
    ties who are leaving reaches it; followers' ties count in the next round, to a fixed point."""
    s = model.state
    leaving = np.zeros(model.n, dtype=bool)
    leaving[rows] = True
    e = model.engaged_rows
    ties = model.member_tie_sum()[e]
    threshold = model.rng.random(e.size)
    close = np.abs(s.pos[e] - s.pos[rows].mean()) < model.params.influence.confidence
    may = close & (s.role[e] == RANK_AND_FILE) & (ties > 0)
    while True:
        ties_out = model.member_tie_sum(leaving[e].astype(np.float64), engaged_only=True)
        follow = may & ~leaving[e] & (ties_out >= threshold * ties)
        if not follow.any():
            break
        leaving[e[follow]] = True
    leaving[rows] = False
    return np.flatnonzero(leaving)
