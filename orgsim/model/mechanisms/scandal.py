"""Scandals: revelations that members learn, weigh and come to believe over weeks.

A scandal implicates a share of the old leadership (the leaders of week 0 and those they
co-opted), of the leaders elected since, of all current leaders, or nobody in office.

Channels. A share ``reach`` of members hold the document in the first week (a leak, a
circulated letter); leaders always know. Where the regime is open the leadership discloses it
to every member itself; a public scandal reaches a further ``press_reach`` of the uninformed
members each week through the press; everyone else hears it along ties (information).

Belief. Knowing is not believing. On his own a member would believe it to the degree ``1 - framing x trust``
(those who trust the leadership take its framing and discount it; the implicated deny it
outright). Belief starts at nothing; in the week he learns of it and each week after, an
informed member's belief moves a share
``processing`` of the way to ``(1 - framing x trust)`` averaged with the mean belief of his
informed, engaged ties (DeGroot-style social processing of news): loyal cadre contest the
news to their ties, disaffected ties confirm it, and as trust falls the framing loses its hold,
so a crisis unfolds over weeks and can stop with a loyal core that does not believe it.

Damage. What belief costs the leadership, per unit of belief, is

    severity x (1 - credibility) x (0.3 + 0.7 x b) x (cover_up_factor if covered up or withheld),

with b the share of leadership seats held by implicated persons. Each week's rise in belief adds
its share of that damage to the member's discredit (and takes the trust and commitment resting
on it at once; see grievance). An internal inquiry is barely credible (``credibility_internal``),
and not at all when the implicated hold a majority of the leadership that runs it. An
independent inquiry takes ``inquiry_weeks`` to report: until then the news does full damage;
when it reports, the implicated leaders stand down and a share ``credibility_independent`` of
the discredit the scandal caused is lifted (the organisation is seen to have dealt with it).
A public scandal lowers recruitment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from orgsim.model.mechanisms.grievance import add_discredit
from orgsim.model.events import EventBase
from orgsim.model.mechanisms.information import News, publish
from orgsim.model.schema import Prob, Strict
from orgsim.model.state import LEADER, RANK_AND_FILE

if TYPE_CHECKING:
    from orgsim.model.model import OrgModel


class ScandalParams(Strict):
    credibility_internal: Prob = Field(0.2, description="Credibility of an internal inquiry (0 if the inquirers are implicated).")
    credibility_independent: Prob = Field(0.8, description="Credibility of an independent inquiry.")
    cover_up_factor: float = Field(1.5, ge=1.0, le=5.0, description="Damage multiplier when a withheld scandal is learnt through leaks.")
    reputation_hit: Prob = Field(0.5, description="Drop of public reputation (recruitment) after a public scandal of severity 1.")
    framing: Prob = Field(0.25, description="How far trust in the leadership discounts damaging news (belief on one's own = 1 - framing x trust).")
    processing: Prob = Field(0.3, description="Weekly share of the way an informed member's belief moves toward his own judgement averaged with his informed ties' beliefs.")
    press_reach: Prob = Field(0.3, description="Weekly share of uninformed members who learn a public scandal from the press.")
    inquiry_weeks: int = Field(8, ge=1, le=104, description="Weeks an independent inquiry takes to report.")


class ScandalEvent(EventBase):
    kind: Literal["scandal"]
    severity: Prob = Field(0.5, description="Gravity of what is revealed.")
    implicates: Literal["old", "new", "leadership", "none"] = Field(
        "leadership", description="Who is implicated: the old leadership (present at week 0 and its co-optees), leaders elected since, all current leaders, or nobody in office."
    )
    share: Prob = Field(0.5, description="Share of that group implicated.")
    reach: Prob = Field(0.1, description="Share of members who learn of it at once (a leak or a publication); the rest hear it along ties.")
    cover_up: bool = Field(False, description="Whether it reveals that the leadership covered something up.")
    public: bool = Field(False, description="Whether it is public outside the organisation (hurts recruitment).")


def reveal(model: "OrgModel", ev: ScandalEvent) -> None:

    s, prm = model.state, model.params.scandal
    leaders = np.flatnonzero(s.member & (s.role == LEADER))
    group = {
        "old": leaders[s.establishment[leaders]],
        "new": leaders[~s.establishment[leaders]],
        "leadership": leaders,
        "none": leaders[:0],
    }[ev.implicates]
    k = int(np.ceil(ev.share * group.size)) if ev.share > 0 else 0
    implicated = model.rng.choice(group, size=min(k, group.size), replace=False) if k else group[:0]
    s.implicated[implicated] = True

    independent = model.regime.investigation == "independent"
    blame = implicated.size / model.n_seats  # share of the leadership implicated
    if independent:
        credibility = 0.0  # until the inquiry reports
    else:
        credibility = 0.0 if blame > 0.5 else prm.credibility_internal
    # nobody in office to blame: the organisation's standing still suffers (0.3)
    damage = ev.severity * (1.0 - credibility) * (0.3 + 0.7 * min(1.0, blame))
    withheld = model.regime.transparency == "secret"
    if ev.cover_up or withheld:
        damage *= prm.cover_up_factor

    model.log("scandal", None, severity=ev.severity, implicated=int(implicated.size),
              inquiry=model.regime.investigation, label=ev.label)
    if ev.public:
        model.public_standing *= 1.0 - prm.reputation_hit * ev.severity

    news = News("scandal", ev.label, np.zeros(model.n, dtype=bool), lambda m, who: learn(m, news, who))
    news.extra.update(damage=damage, belief=np.zeros(model.n), denies=s.implicated.copy(),
                      caused=np.zeros(model.n), public=ev.public,
                      report_week=model.week + prm.inquiry_weeks if independent else None,
                      implicated=implicated)
    first = model.rng.random(model.n) < ev.reach
    first[leaders] = True
    if not withheld:
        first[:] = True  # an open leadership tells every member itself
    publish(model, news, first)


def _target(model: "OrgModel", news: News, rows: np.ndarray) -> np.ndarray:
    """What a member would believe on his own: the news discounted by his trust."""
    t = 1.0 - model.params.scandal.framing * model.state.trust[rows]
    return np.where(news.extra["denies"][rows], 0.0, t)


def _believe(model: "OrgModel", news: News, rows: np.ndarray, belief: np.ndarray) -> None:
    """Set the belief of ``rows`` and charge the rise in belief as discredit."""
    ex = news.extra
    rise = np.maximum(belief - ex["belief"][rows], 0.0)
    ex["belief"][rows] = belief
    hit = ex["damage"] * rise
    some = hit > 0
    if some.any():
        add_discredit(model, rows[some], hit[some])
        ex["caused"][rows[some]] += hit[some]


def learn(model: "OrgModel", news: News, learners: np.ndarray) -> None:
    """Learning starts the weighing: in his first week a member goes a share ``processing`` of
    the way from disbelief to his own judgement."""
    rows = np.flatnonzero(learners)
    _believe(model, news, rows, model.params.scandal.processing * _target(model, news, rows))


def step(model: "OrgModel") -> None:
    """Weekly: the press reaches more members; informed members weigh the news together; an
    independent inquiry reports."""
    prm = model.params.scandal
    s = model.state
    for news in model.news:
        if news.kind != "scandal":
            continue
        ex = news.extra
        if ex["public"] and prm.press_reach > 0:
            fresh = s.member & ~news.knows & (model.rng.random(model.n) < prm.press_reach)
            if fresh.any():
                news.knows |= fresh
                learn(model, news, fresh)
        informed = model.engaged & news.knows
        rows = np.flatnonzero(informed)
        if rows.size:
            b = np.where(informed, ex["belief"], 0.0)
            heard = model.member_tie_sum(b)[rows]
            ties = model.member_tie_sum(informed.astype(np.float64))[rows]
            own = _target(model, news, rows)
            mix = np.where(ties > 0, 0.5 * own + 0.5 * np.divide(heard, ties, out=np.zeros(rows.size), where=ties > 0), own)
            cur = ex["belief"][rows]
            _believe(model, news, rows, cur + prm.processing * (mix - cur))
        if ex["report_week"] is not None and model.week >= ex["report_week"]:
            _report(model, news)


def _report(model: "OrgModel", news: News) -> None:
    """An independent inquiry reports: the implicated stand down, credibility lifts discredit."""
    from orgsim.model.agents import change_role  # (lazy: the schema above must not load Mesa)
    s, prm, ex = model.state, model.params.scandal, news.extra
    ex["report_week"] = None
    for row in ex["implicated"]:
        agent = model.agent_at[row]
        if agent is not None and s.member[row] and s.role[row] == LEADER:
            change_role(model, agent, RANK_AND_FILE)
            model.log("stood_down", agent, reason="implicated; independent inquiry reported")
    lift = prm.credibility_independent * ex["caused"]
    s.discredit[:] = np.maximum(s.discredit - lift, 0.0)
    ex["caused"] -= lift
    ex["damage"] *= 1.0 - prm.credibility_independent  # what is still learnt does less harm
    model.log("inquiry_report", None, label=news.label)
