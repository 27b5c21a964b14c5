"""The administrator's pages: home (accounts and system health), the ranker, the skill dictionary."""
