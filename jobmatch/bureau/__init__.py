"""The county bureau's own pages: its day's tasks, workshops and employers, subsidies, month closing, consistency."""
