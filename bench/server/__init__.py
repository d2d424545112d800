"""The server bench/redirect measures: the production site plus two baselines."""
