"""The hot reads served by a plain Flask + psycopg app: what the same answers cost without the service's layers.

The same tokens (SHA-256 looked up per request), the same scope (the user's villages or county), the
same rows and the same JSON as the service's GET /api/v1/me, /api/v1/laborers?region=…&per_page=…,
/api/v1/openings?region=…&status=…&per_page=…&page=… and /api/v1/openings/<id>; no ORM, no schemas,
one connection per thread. Started by bench/baseline.py beside the service; the database URL comes
from DATABASE_URL and the data key from the service's instance folder (ID numbers are decrypted to be masked).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from datetime import UTC, date, datetime

import psycopg
from flask import Flask, Response, request

from jobmatch import crypto, idnumbers

app = Flask(__name__)
_local = threading.local()
crypto.configure(
    os.environ.get("JOBMATCH_DATA_KEY")
    or open(os.path.join(os.environ["JOBMATCH_INSTANCE"], "data.key")).read().strip()  # noqa: SIM115
)


@app.get("/healthz")
def healthz():
    return _json({"status": "ok"})


def _db() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        conn = _local.conn = psycopg.connect(url, autocommit=True)
    return conn


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False, default=_plain), status, mimetype="application/json")


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return float(value)


def _user():
    header = request.headers.get("Authorization", "")
    digest = hashlib.sha256(header.removeprefix("Bearer ").encode()).hexdigest()
    return (
        _db()
        .execute(
            "SELECT u.id, u.name, u.display_name, u.role, u.active, u.last_login_at, u.created_at FROM api_tokens t "
            "JOIN users u ON u.id = t.user_id WHERE t.token_hash = %s AND t.revoked_at IS NULL "
            "AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active",
            (digest,),
        )
        .fetchone()
    )


def _regions(user_id: int) -> list[tuple]:
    """The user's regions: (id, level, code, county id)."""
    return (
        _db()
        .execute(
            "SELECT r.id, r.level, r.code, CASE WHEN r.level = 'county' THEN r.id WHEN p.level = 'county' THEN p.id "
            "ELSE g.id END FROM user_regions ur JOIN regions r ON r.id = ur.region_id "
            "LEFT JOIN regions p ON p.id = r.parent_id LEFT JOIN regions g ON g.id = p.parent_id "
            "WHERE ur.user_id = %s ORDER BY r.code",
            (user_id,),
        )
        .fetchall()
    )


def _stamp(moment: datetime | None) -> str | None:
    """Stored in UTC without a zone, answered with it (as the service does)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _mask(number: str | None, keep_head: int, keep_tail: int) -> str | None:
    if not number:
        return number
    return number[:keep_head] + "*" * (len(number) - keep_head - keep_tail) + number[-keep_tail:]


def _cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@app.get("/api/v1/me")
def me():
    user = _user()
    if user is None:
        return _json({"status": 401}, 401)
    regions = _regions(user[0])
    workshops = []
    if user[3] == "manager":
        workshops = [
            r[0] for r in _db().execute("SELECT workshop_id FROM workshop_managers WHERE user_id = %s", (user[0],))
        ]
    return _json(
        {
            "id": user[0],
            "name": user[1],
            "display_name": user[2],
            "role": user[3],
            "active": user[4],
            "region_codes": [r[2] for r in regions],
            "workshop_ids": sorted(workshops),
            "last_login_at": _stamp(user[5]),
            "created_at": _stamp(user[6]),
        }
    )


LABORERS = """
SELECT l.id, l.name, l.id_number_encrypted, l.birth_date, l.household_id, h.code, v.code, l.relation_to_head,
       l.phone_encrypted, l.skills, l.skills_raw, l.labor_capacity, l.willingness, l.employment_status,
       l.needs_flexible_hours, l.home_based_only, l.latitude, l.longitude, l.health_note_encrypted IS NOT NULL,
       l.registered_on, l.created_at, l.updated_at,
       (SELECT count(*) FROM (SELECT 1 FROM laborers l2 JOIN households h2 ON h2.id = l2.household_id
          JOIN regions v2 ON v2.id = h2.village_id
          WHERE v2.code LIKE %(prefix)s AND h2.village_id = ANY(%(villages)s) LIMIT 10001) AS capped)
FROM laborers l JOIN households h ON h.id = l.household_id JOIN regions v ON v.id = h.village_id
WHERE v.code LIKE %(prefix)s AND h.village_id = ANY(%(villages)s)
ORDER BY l.id LIMIT %(limit)s
"""


def _prefix(code: str) -> str:
    """A division code's significant digits (361125100201 → 361125100201, 361125000000 → 361125)."""
    for width in (6, 9):
        if code[width:] == "0" * (12 - width):
            return code[:width]
    return code


@app.get("/api/v1/laborers")
def laborers():
    user = _user()
    if user is None:
        return _json({"status": 401}, 401)
    villages = [r[0] for r in _regions(user[0]) if r[1] == "village"]
    per_page = int(request.args.get("per_page", 20))
    prefix = _prefix(request.args.get("region", "")) + "%"
    rows = _db().execute(LABORERS, {"prefix": prefix, "villages": villages, "limit": per_page + 1}).fetchall()
    today = date.today()
    items = []
    for r in rows[:per_page]:
        number = crypto.decrypt(r[2])
        phone = crypto.decrypt(r[8]) if r[8] else None
        birth = r[3]
        notices = []
        if number and not idnumbers.area_in_county(number[:6], r[6][:6]):
            notices.append(
                {
                    "field": "id_number",
                    "code": "area_outside_county",
                    "zh": "身份证号的地区码不属于本县，请核对是否外县迁入",
                    "en": "the ID number was issued outside this county: check whether the person moved in",
                }
            )
        items.append(
            {
                "id": r[0],
                "name": r[1],
                "id_number": _mask(number, 3, 4),
                "age": today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)),
                "household_id": r[4],
                "household_code": r[5],
                "village_code": r[6],
                "relation_to_head": r[7],
                "phone": phone[:3] + "****" + phone[7:] if phone else phone,
                "skills": r[9],
                "skills_raw": r[10],
                "labor_capacity": r[11],
                "willingness": r[12],
                "employment_status": r[13],
                "needs_flexible_hours": r[14],
                "home_based_only": r[15],
                "latitude": r[16],
                "longitude": r[17],
                "has_health_note": r[18],
                "notices": notices,
                "registered_on": r[19],
                "created_at": _stamp(r[20]),
                "updated_at": _stamp(r[21]),
            }
        )
    total = rows[0][22] if rows else 0
    more = len(rows) > per_page
    pagination = {
        "page": 1,
        "per_page": per_page,
        "pages": -(-total // per_page),
        "total": total,
        "total_is_estimate": False,
        # A list narrowed to a village sorts by a key equal to the id (people.queries.list_order): the cursor
        # holds both.
        "next_cursor": _cursor([items[-1]["id"], items[-1]["id"]]) if more and items else None,
    }
    return _json({"items": items, "pagination": pagination})


OPENING_COLUMNS = """
o.id, o.code, o.kind, o.title, o.employer_id, o.workshop_id, r.code, o.county_id, o.site_name, o.latitude,
o.longitude, o.required_skills, o.required_skills_raw, o.age_min, o.age_max, o.headcount, o.remaining_headcount,
o.wage_min, o.wage_max, o.wage_unit, o.working_pattern, o.physical_intensity, o.shuttle, o.organised_transfer,
o.accommodation, o.deadline, o.status, o.description, o.created_at, o.updated_at
"""


def _opening(r) -> dict:
    return {
        "id": r[0],
        "code": r[1],
        "kind": r[2],
        "title": r[3],
        "employer_id": r[4],
        "workshop_id": r[5],
        "region_code": r[6],
        "county_id": r[7],
        "site_name": r[8],
        "latitude": r[9],
        "longitude": r[10],
        "required_skills": r[11],
        "required_skills_raw": r[12],
        "age_min": r[13],
        "age_max": r[14],
        "headcount": r[15],
        "remaining_headcount": r[16],
        "filled": r[16] == 0,
        "wage_min": float(r[17]) if r[17] is not None else None,
        "wage_max": float(r[18]) if r[18] is not None else None,
        "wage_unit": r[19],
        "working_pattern": r[20],
        "physical_intensity": r[21],
        "shuttle": r[22],
        "organised_transfer": r[23],
        "accommodation": r[24],
        "deadline": r[25],
        "status": r[26],
        "description": r[27],
        "created_at": _stamp(r[28]),
        "updated_at": _stamp(r[29]),
    }


def _counties(user) -> list[int]:
    return sorted({r[3] for r in _regions(user[0]) if r[3] is not None})


@app.get("/api/v1/openings/<int:opening_id>")
def opening(opening_id: int):
    user = _user()
    if user is None:
        return _json({"status": 401}, 401)
    row = (
        _db()
        .execute(
            f"SELECT {OPENING_COLUMNS} FROM openings o LEFT JOIN regions r ON r.id = o.region_id "
            "WHERE o.id = %s AND o.county_id = ANY(%s)",
            (opening_id, _counties(user)),
        )
        .fetchone()
    )
    if row is None:
        return _json({"status": 404}, 404)
    return _json(_opening(row))


@app.get("/api/v1/openings")
def openings():
    user = _user()
    if user is None:
        return _json({"status": 401}, 401)
    per_page, page = int(request.args.get("per_page", 20)), int(request.args.get("page", 1))
    where = "r.code LIKE %(prefix)s AND o.status = %(status)s AND o.county_id = ANY(%(counties)s)"
    params = {
        "prefix": _prefix(request.args.get("region", "")) + "%",
        "status": request.args.get("status", "open"),
        "counties": _counties(user),
        "limit": per_page + 1,
        "offset": (page - 1) * per_page,
    }
    rows = (
        _db()
        .execute(
            f"SELECT {OPENING_COLUMNS}, (SELECT count(*) FROM (SELECT 1 FROM openings o LEFT JOIN regions r "
            f"ON r.id = o.region_id WHERE {where} LIMIT 10001) AS capped) FROM openings o "
            f"LEFT JOIN regions r ON r.id = o.region_id WHERE {where} ORDER BY o.id LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
        .fetchall()
    )
    items = [_opening(r) for r in rows[:per_page]]
    total = rows[0][30] if rows else 0
    more = len(rows) > per_page
    pagination = {
        "page": page,
        "per_page": per_page,
        "pages": -(-total // per_page),
        "total": total,
        "total_is_estimate": False,
        "next_cursor": _cursor([items[-1]["id"]]) if more and items else None,
    }
    return _json({"items": items, "pagination": pagination})
