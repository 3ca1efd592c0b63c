"""Layer 4, outputs: reading run and sweep folders (:mod:`orgsim.outputs.folders`), the charts
(:mod:`orgsim.outputs.plots`) and the HTML reports (:mod:`orgsim.outputs.report`)."""
