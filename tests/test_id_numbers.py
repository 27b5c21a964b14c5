"""Real ID numbers: the area code of the place and time of first issue, whatever the birth date."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from jobmatch import idnumbers
from jobmatch.people.service import age_on
from tests import factories

# Re-designated areas, each with a birth year that python-stdnum's cn.ric refuses for that code
# (it ties the code to the birth year) although people carry exactly such numbers.
REDESIGNATED = [
    # Jiangxi: Hengfeng 362325 until 2000, 361125 since; born 1975, first registered after 2000.
    ("361125", date(1975, 3, 8)),
    # Jiangxi: Hengfeng's old code on someone born after the change (a number issued from old stock).
    ("362325", date(2001, 6, 1)),
    # Jiangxi: Xinjian county 360122 became Xinjian district 360112 in 2015.
    ("360112", date(1980, 1, 15)),
    # Hubei: Xishui 422127 until 1995, 421125 since.
    ("421125", date(1970, 11, 30)),
    # Guangdong: Chaoyang county 442325 until 1983, a city 440582 in 1993–2003, a district 440513 since.
    ("440513", date(1979, 7, 4)),
    ("440582", date(1968, 2, 2)),
    # Sichuan: Chongqing county became Chongzhou city 510184 in 1994.
    ("510184", date(1966, 9, 9)),
]


def number(area: str, birth: date, sequence: int = 123) -> str:
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(("area", "birth"), REDESIGNATED)
def test_numbers_of_redesignated_areas_are_accepted_whatever_the_birth_year(area, birth):
    raw = number(area, birth)
    with pytest.raises(ric.InvalidComponent):
        ric.validate(raw)  # the library alone refuses them: this is the case the table fixes
    parsed = idnumbers.parse(raw)
    assert (parsed.number, parsed.birth_date, parsed.area_code) == (raw, birth, area)


def test_the_checksum_and_the_birth_date_are_still_checked():
    good = number("361125", date(1975, 3, 8))
    wrong_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(idnumbers.InvalidChecksum):
        idnumbers.parse(wrong_digit)
    body = "36112519750230123"  # 30 February
    with pytest.raises(idnumbers.InvalidBirthDate):
        idnumbers.parse(body + ric.calc_check_digit(body + "0"))


@pytest.mark.parametrize("area", ["999999", "360199", "000000"])
def test_an_area_code_that_never_existed_is_refused(area):
    with pytest.raises(idnumbers.UnknownArea):
        idnumbers.parse(number(area, date(1980, 1, 1)))


@pytest.mark.parametrize(
    ("area", "county", "inside"),
    [
        ("361125", "361125", True),
        ("362325", "361125", True),  # Hengfeng before 2000
        ("360122", "360112", True),  # Xinjian county → district
        ("442325", "440513", True),  # Chaoyang county → district
        ("440582", "440513", True),  # Chaoyang city → district
        ("421125", "361125", False),  # Hubei
        ("361121", "361125", False),  # Shangrao county, next door
    ],
)
def test_an_earlier_code_of_the_same_county_is_not_outside_it(area, county, inside):
    assert idnumbers.area_in_county(area, county) is inside


def _errors(response) -> dict:
    return {e["field"]: e for e in response.get_json()["errors"]}


def test_the_api_registers_a_hengfeng_person_born_before_2000_with_the_new_code(api, regions):
    factories.household()
    raw = number("361125", date(1975, 3, 8), sequence=222)
    response = api.post("/api/v1/laborers", json=factories.laborer_data(id_number=raw))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["age"] == age_on(date(1975, 3, 8), date.today())
    assert response.get_json()["notices"] == []


def test_the_api_refuses_an_unknown_area_code_with_a_clear_error(api, regions):
    factories.household()
    response = api.post("/api/v1/laborers", json=factories.laborer_data(id_number=number("999999", date(1980, 1, 1))))
    assert response.status_code == 422
    error = _errors(response)["id_number"]
    assert error["code"] == "unknown_area"
    assert "行政区划代码" in error["zh"] and "division code" in error["en"]


def test_a_number_issued_in_another_province_is_kept_with_a_notice(api, regions):
    factories.household()
    raw = number("421125", date(1970, 11, 30), sequence=224)
    response = api.post("/api/v1/laborers", json=factories.laborer_data(id_number=raw))
    assert response.status_code == 201, response.get_json()
    (notice,) = response.get_json()["notices"]
    assert notice["field"] == "id_number" and notice["code"] == "area_outside_county"
    assert "外县" in notice["zh"] and "outside this county" in notice["en"]
    listed = api.get("/api/v1/laborers").get_json()["items"]
    assert [item["notices"][0]["code"] for item in listed] == ["area_outside_county"]
