"""Matching in the service: the per-process index over the database, match queries, the ranker's life."""
