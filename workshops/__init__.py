"""Assistance workshops (帮扶车间): registry and certification, attendance, monthly sheets and their evidence."""
