"""Domain errors raised by services and turned into problem+json by the API.

No Flask here: the import and the web forms raise and show the same errors.
Every message exists in Chinese and English.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One field that is wrong, and why."""

    field: str
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "zh": self.zh, "en": self.en}


@dataclass
class Problem(Exception):
    """A request the service refuses; nothing has been changed."""

    status: int
    title_en: str
    title_zh: str
    errors: list[FieldError] = field(default_factory=list)
    detail: str | None = None
    # Extension members of the problem document (RFC 9457 §3.2), e.g. the steps allowed next.
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title_en}: " + "; ".join(f"{e.field}: {e.en}" for e in self.errors)


class ValidationFailed(Problem):
    def __init__(self, errors: list[FieldError]):
        super().__init__(422, "Invalid input", "输入数据有误", list(errors))


class Conflict(Problem):
    def __init__(
        self, errors: list[FieldError], title_en="Conflict", title_zh="与现有数据冲突", extra: dict | None = None
    ):
        super().__init__(409, title_en, title_zh, list(errors), extra=extra or {})


class NotFound(Problem):
    def __init__(self, what_en: str, what_zh: str):
        super().__init__(404, f"{what_en} not found", f"找不到该{what_zh}")


class Collector:
    """Gathers every field error of a request, so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field_name: str, code: str, zh: str, en: str) -> None:
        self.errors.append(FieldError(field_name, code, zh, en))

    def has(self, field_name: str) -> bool:
        return any(e.field == field_name for e in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
