"""Layer 5, validation: the case patterns measured over replicates (:mod:`orgsim.validation.patterns`)
and the validation document (``python -m orgsim.validation.report``)."""
