"""PMC motions and votes (SPEC §9) — built by the committee issue."""
