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


# Provincial-level divisions by the first two digits of their division codes (GB/T 2260), with short names.
PROVINCES: dict[str, str] = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}


def province_of_place(name: str | None) -> str | None:
    """The province code of a place name that starts with its province (浙江省宁波市 → 33), else None."""
    if not name:
        return None
    for code, short in PROVINCES.items():
        if name.startswith(short):
            return code
    return None
