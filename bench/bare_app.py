"""A bare Flask app answering /healthz as the service does: what gunicorn and Flask cost with nothing behind them.

gunicorn bench.bare_app:app   (started by bench/wrk_mix.py beside the service)
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
