"""Developer tools: the directory benchmark and the generator of the NLU place lookups."""
