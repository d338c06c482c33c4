"""Statistics for the board: aggregation and small-number suppression."""
