"""Assistance workshops (帮扶车间) and, later, their attendance."""
