"""Layer 6, the dashboard: the SolaraViz app (:mod:`orgsim.dashboard.app`), its server
(:mod:`orgsim.dashboard.serve`) and solara's browser assets (:mod:`orgsim.dashboard.assets`)."""
