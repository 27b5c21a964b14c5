"""A busy morning in the demo county, for Locust (headless, started by bench/load/run_load.py).

- Cadres (token) ask for the best openings for their villages' laborers, list their laborers,
  and now and then the best laborers for an opening.
- Workshop managers (token) open today's sheet and save it (mostly present, a few half days,
  leave or absences), as the attendance page does.
- The bureau (token) lists the county's open openings page by page and opens one.
- People log in at /login with the form and its CSRF token, then open the home page.

LOAD_FIXTURE names the JSON written by bench/load/fixture.py; LOAD_MAX_REQUESTS stops the run
after that many requests (the time bound is Locust's --run-time). Each simulated cadre and
manager takes its own account, in turn; managers never share a workshop.

LOAD_RATE (requests per second for all users together) paces every person instead: each asks
at most LOAD_RATE / LOAD_USERS times a second, so latencies are measured at that arrival rate
rather than at saturation. LOAD_MIX=ceiling replaces the mix with GET /healthz alone: what the
load generator and gunicorn manage on this machine with no application work behind them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import FastHttpUser, constant, constant_throughput, events, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"]).read())  # noqa: SIM115
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
# Each simulated person waits this long between requests (0: as fast as the service answers).
THINK_S = float(os.environ.get("LOAD_THINK_S", "0"))
RATE = float(os.environ.get("LOAD_RATE", "0"))
USERS = int(os.environ.get("LOAD_USERS", "1"))
CEILING = os.environ.get("LOAD_MIX") == "ceiling"
STATUSES = ["present"] * 17 + ["half_day", "leave", "absent"]
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

_cadres = itertools.cycle(FIXTURE["cadres"])
_managers = iter(FIXTURE["managers"])
_logins = itertools.cycle(FIXTURE["cadres"] + FIXTURE["managers"])
_requests = 0


@events.request.add_listener
def _bound(**_kwargs) -> None:
    """Stop after LOAD_MAX_REQUESTS requests, whatever the time left."""
    global _requests
    _requests += 1
    if MAX_REQUESTS and _requests == MAX_REQUESTS:
        runner = _environment.runner if _environment else None
        if runner is not None:
            runner.quit()


_environment = None


@events.init.add_listener
def _keep(environment, **_kwargs) -> None:
    global _environment
    _environment = environment


def pace():
    """How long a person waits between requests: paced to LOAD_RATE, or THINK_S seconds."""
    return constant_throughput(RATE / USERS) if RATE else constant(THINK_S)


class TokenUser(FastHttpUser):
    abstract = True
    wait_time = pace()

    def bearer(self, token: str) -> None:
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(self, path: str, name: str):
        return self.client.get(path, headers=self.headers, name=name)


class Cadre(TokenUser):
    abstract = CEILING
    weight = 10

    def on_start(self) -> None:
        me = next(_cadres)
        self.bearer(me["token"])
        self.laborers = me["laborer_ids"]
        self.villages = me["villages"]
        self.openings = FIXTURE["bureau"]["opening_ids"]

    @task(12)
    def matches_for_laborer(self) -> None:
        laborer = random.choice(self.laborers)
        self.get(f"/api/v1/laborers/{laborer}/matches?limit=10", "GET /laborers/{id}/matches")

    @task(3)
    def list_laborers(self) -> None:
        village = random.choice(self.villages)
        self.get(f"/api/v1/laborers?region={village}&per_page=20", "GET /laborers?region")

    @task(1)
    def matches_for_opening(self) -> None:
        opening = random.choice(self.openings)
        self.get(f"/api/v1/openings/{opening}/matches?limit=10", "GET /openings/{id}/matches")


class Manager(TokenUser):
    abstract = CEILING
    weight = 6

    def on_start(self) -> None:
        me = next(_managers, None)
        if me is None:  # more simulated managers than workshops: this one stays idle
            self.workshop = None
            return
        self.bearer(me["token"])
        self.workshop = me["workshop_id"]
        self.workers = me["laborer_ids"]

    @task(1)
    def open_sheet(self) -> None:
        if self.workshop is not None:
            self.get(f"/api/v1/workshops/{self.workshop}/attendance", "GET /workshops/{id}/attendance")

    @task(1)
    def save_sheet(self) -> None:
        if self.workshop is None:
            return
        entries = [{"laborer_id": w, "status": random.choice(STATUSES)} for w in self.workers]
        self.client.post(
            f"/api/v1/workshops/{self.workshop}/attendance",
            json={"entries": entries},
            headers=self.headers,
            name="POST /workshops/{id}/attendance",
        )


class Bureau(TokenUser):
    abstract = CEILING
    weight = 6

    def on_start(self) -> None:
        self.bearer(FIXTURE["bureau"]["token"])
        self.county = FIXTURE["bureau"]["county"]
        self.openings = FIXTURE["bureau"]["opening_ids"]
        self.pages = max(1, len(self.openings) // 20)

    @task(3)
    def list_openings(self) -> None:
        page = random.randint(1, self.pages)
        self.get(f"/api/v1/openings?region={self.county}&status=open&per_page=20&page={page}", "GET /openings")

    @task(1)
    def get_opening(self) -> None:
        self.get(f"/api/v1/openings/{random.choice(self.openings)}", "GET /openings/{id}")


class Login(FastHttpUser):
    """Someone opens the login page, signs in and lands on the home page."""

    abstract = CEILING
    weight = 1
    wait_time = pace() if RATE else constant(max(THINK_S, 0.5))

    @task
    def login(self) -> None:
        me = next(_logins)
        self.client.cookiejar.clear()
        page = self.client.get("/login", name="GET /login")
        found = CSRF_FIELD.search(page.text or "")
        if not found:
            return
        with self.client.post(
            "/login",
            data={"csrf_token": found.group(1), "name": me["name"], "password": me["password"], "next": ""},
            allow_redirects=False,
            name="POST /login",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login answered {answer.status_code}")
                return
        self.client.get("/", name="GET / (home)")


class Ceiling(FastHttpUser):
    """LOAD_MIX=ceiling: the cheapest answer the service has, as fast as it comes."""

    abstract = not CEILING
    wait_time = pace()

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz")
