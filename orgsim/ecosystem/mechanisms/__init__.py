"""The ecosystem's submodels, one module each (ODD §8): attraction (shared by the others), pull,
destinations, competition, founding, polemics."""
