"""Background jobs: long work (training the ranker, batch proposals) run off the request, with progress.

A job's row in the `jobs` table is what pages read (state, done/total, message, result, error); Huey
only carries "run job N" to a consumer. See runner.py for which queue and which consumer.
"""
