"""archive/history.sqlite: every run's inputs and results, read back for history, repaired when damaged."""
