"""Several organisations in one milieu (issue 12; docs/ecosystem.md, ODD §8).

:class:`~orgsim.ecosystem.model.Ecosystem` steps one :class:`~orgsim.model.model.OrgModel` per
organisation and, between their weeks, the submodels that connect them (``mechanisms/``).
"""
