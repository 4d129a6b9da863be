"""Reading what shifts did: the inbox, the day report, diffs, the portfolio file."""
