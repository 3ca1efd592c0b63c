"""Imported first by the local pool's fork server (its preload): the server dies with the sweep
that started it (Linux parent-death signal), and so, in turn, do the workers forked from it
(see ``orgsim.experiments.tasks.ignore_sigint``). Without this a SIGKILLed sweep left them running."""

from orgsim.runs.safety import die_with_parent

die_with_parent()  # the parent's PID comes in $ORGSIM_PARENT_PID (set by LocalPool.start_server)
