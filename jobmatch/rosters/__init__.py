"""Roster import and export: Excel and CSV files with Chinese headers."""
