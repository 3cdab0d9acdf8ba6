"""Identity domain: one least-privilege role per workload, documents built by pure functions."""
