"""Progress while a large roster is imported, and files too large to import, on the command line and uploaded."""

from __future__ import annotations

import io
import json
import pathlib
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.rosters import service
from tests.accounts.conftest import PASSWORD
from tests.rosters.conftest import LABORER_HEADERS, csv_bytes, person, xlsx_bytes

HUNDRED_MB = 100 * 1024 * 1024


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(service, "BATCH_ROWS", 2)


def five_people() -> bytes:
    return xlsx_bytes([LABORER_HEADERS] + [person(s) for s in (11, 13, 15, 17, 19)])


def sparse_file(path: pathlib.Path, size: int = HUNDRED_MB) -> pathlib.Path:
    """A file of `size` bytes that takes no room on disk."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_the_cli_prints_a_line_on_stderr_when_the_file_is_read_and_after_every_batch(
    runner, households, small_batches, tmp_path
):
    source = tmp_path / "名册.xlsx"
    source.write_bytes(five_people())
    out = runner.invoke(args=["import", "laborers", str(source)])
    assert out.exit_code == 0, out.output
    assert "5 rows read" in out.stderr
    committed = re.findall(r"committed: (\d+)/5", out.stderr)
    assert committed == ["2", "4", "5"]
    assert "created 5" in out.stdout and "committed" not in out.stdout
    dry = runner.invoke(args=["import", "laborers", str(source), "--dry-run"])
    assert re.findall(r"checked: (\d+)/5", dry.stderr) == ["2", "4", "5"]


def test_a_streamed_upload_answers_a_line_per_batch_then_the_result(as_role, small_batches):
    response = as_role("bureau").post(
        "/api/v1/rosters/laborers/import?dry_run=false&stream=true",
        data={"file": (io.BytesIO(five_people()), "名册.xlsx")},
        content_type="multipart/form-data",
        buffered=True,  # read the streamed body in the request's own thread, as the server does
    )
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [(line["done"], line["total"]) for line in lines[:-1]] == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert lines[-1]["result"]["counts"]["created"] == 5
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Laborer)).scalar_one() == 8  # 3 + 5


def test_a_streamed_upload_of_an_unreadable_file_is_still_a_plain_422(as_role):
    response = as_role("bureau").post(
        "/api/v1/rosters/laborers/import?stream=true",
        data={"file": (io.BytesIO(b"not a workbook"), "名册.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and response.json["errors"][0]["code"] == "not_a_spreadsheet"


class NeverRead(io.RawIOBase):
    """A 100 MB request body that fails the test if the server reads any of it."""

    def __init__(self, size: int = HUNDRED_MB):
        self.size, self.position = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        raise AssertionError("the server read the body of an upload it should refuse")


def test_a_hundred_megabyte_upload_is_refused_with_the_bilingual_message_before_it_is_read(as_role):
    response = as_role("bureau").post(
        "/api/v1/rosters/laborers/import?dry_run=false",
        input_stream=NeverRead(),
        content_type="multipart/form-data; boundary=roster",
    )
    assert response.status_code == 422
    error = response.json["errors"][0]
    assert (error["field"], error["code"]) == ("file", "too_large")
    assert "MB" in error["zh"] and "split it by township" in error["en"]


def _page_session(client) -> str:
    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)

    client.post("/login", data={"name": "cadre", "password": PASSWORD, "csrf_token": token("/login")})
    return token("/rosters")


def test_the_upload_page_sends_files_larger_than_other_api_bodies_and_is_refused_a_hundred_megabytes(client, county):
    csrf = _page_session(client)
    # Over the 1 MB of other API bodies: the page's CSRF check reads the form with the roster limit.
    padded = csv_bytes([LABORER_HEADERS, person(21)]) + b",,,,,,,,\r\n" * 200_000
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(padded), "名册.csv")})
    assert len(body) > 1024 * 1024
    response = client.post(
        "/api/v1/rosters/laborers/import",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200, response.json
    assert response.json["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    response = client.post(
        "/api/v1/rosters/laborers/import",
        input_stream=NeverRead(),
        content_type="multipart/form-data; boundary=roster",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["code"] == "too_large"


def test_the_cli_refuses_a_hundred_megabyte_file_from_its_size_without_reading_it(
    runner, households, tmp_path, monkeypatch
):
    big = sparse_file(tmp_path / "名册.xlsx")

    def never(self):
        raise AssertionError(f"{self.name} was read")

    monkeypatch.setattr(pathlib.Path, "read_bytes", never)
    out = runner.invoke(args=["import", "laborers", str(big), "--dry-run"])
    assert out.exit_code == 1
    assert "文件超过 40 MB" in out.output and "split it by township" in out.output
    assert "Traceback" not in out.output
