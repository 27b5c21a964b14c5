"""Division codes, coordinates and distances. No Flask."""

from __future__ import annotations

import math
import re

from jobmatch.errors import Collector

EARTH_RADIUS_KM = 6371.0088
DIVISION_CODE = re.compile(r"^\d{12}$")


def division_prefix(code: str) -> str:
    """The prefix shared by a division and everything inside it.

    A 12-digit code is province(2) city(2) county(2) township(3) village(3);
    trailing zero groups mean "the whole of": 361125000000 → 361125.
    """
    if code.endswith("000000"):
        return code[:6]
    if code.endswith("000"):
        return code[:9]
    return code


def check_coordinates(errors: Collector, latitude, longitude, prefix: str = "") -> None:
    """Latitude within ±90, longitude within ±180, and both or neither given."""
    lat_field, lon_field = prefix + "latitude", prefix + "longitude"
    if (latitude is None) != (longitude is None):
        missing = lat_field if latitude is None else lon_field
        errors.add(missing, "coordinates_incomplete", "经纬度须同时填写", "latitude and longitude go together")
        return
    if latitude is not None and not -90 <= latitude <= 90:
        errors.add(lat_field, "out_of_range", "纬度须在 -90 到 90 之间", "latitude must be between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        errors.add(lon_field, "out_of_range", "经度须在 -180 到 180 之间", "longitude must be between -180 and 180")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
