"""Batch proposals for the bureau: run the assignment for a township or the county in the background,
review it as a table, untick lines and confirm the rest as referrals in one step."""
