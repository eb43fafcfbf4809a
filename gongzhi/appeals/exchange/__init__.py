"""Data exchange for appeals (issue 8, parts 2–3): importing other hotline systems' spreadsheets and
exporting appeals and the monthly three-rates report."""
