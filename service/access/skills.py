"""A reviewer key's skills ("expertise, not tenure", issue 19): the red-flag families, languages
and categories its holder knows. The review queue shows the items that match them first
(service/items/queue_order.py); a key without skills sees the plain order.

Skills are stored on `api_keys.skills` as `{"flags": [...], "languages": [...],
"categories": [...]}`, each list sorted and without repeats. The CLI writes them as
`KIND:VALUE` (`flag:legal`, `lang:de`, `category:complaint`); `parse_skill_args` reads that form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError

from core.errors import InvalidInputError
from model.labels import Category, FlagFamily
from service.inputs import InputModel

# ISO 639-1: every two-letter language code. Items carry what the sender gave ("de", "DE",
# "de-AT"); a skill names the language itself, so only these codes are accepted.
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co "
    "cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl "
    "gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg "
    "ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk "
    "ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps "
    "pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta "
    "te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za "
    "zh zu "
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

# The CLI's KIND:VALUE prefixes, and the stored field each fills.
KINDS = {"flag": "flags", "lang": "languages", "category": "categories"}


def _language(code: str) -> str:
    code = code.strip().lower()
    if code not in ISO_639_1:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code (two letters, e.g. en, de)")
    return code


Language = Annotated[str, AfterValidator(_language)]


def _sorted_unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


class Skills(InputModel):
    """What a reviewer knows; any list may be empty. An item matches when one of its red-flag
    families, its language or its category is among them."""

    flags: list[FlagFamily] = Field(
        default_factory=list, max_length=len(FlagFamily), description="Red-flag families."
    )
    languages: list[Language] = Field(
        default_factory=list, max_length=50, description="ISO 639-1 codes: en, de, fr..."
    )
    categories: list[Category] = Field(
        default_factory=list, max_length=len(Category), description="Feedback categories."
    )

    @property
    def empty(self) -> bool:
        return not (self.flags or self.languages or self.categories)

    def stored(self) -> dict[str, list[str]]:
        """The JSON kept on `api_keys.skills`: plain strings, sorted, no repeats."""
        return {
            "flags": _sorted_unique(f.value for f in self.flags),
            "languages": _sorted_unique(self.languages),
            "categories": _sorted_unique(c.value for c in self.categories),
        }


def skills_from_stored(value: dict[str, Any] | None) -> Skills:
    """A key's stored skills (`{}` for a key that has none)."""
    return Skills.model_validate(value or {})


def parse_skill_args(args: Iterable[str]) -> Skills:
    """Skills from `KIND:VALUE` strings (`flag:legal`, `lang:de`, `category:complaint`);
    InvalidInputError naming the first bad one."""
    lists: dict[str, list[str]] = {field: [] for field in KINDS.values()}
    for arg in args:
        kind, sep, value = arg.partition(":")
        if not sep or kind.strip().lower() not in KINDS or not value.strip():
            raise InvalidInputError(
                f"skill {arg!r} is not KIND:VALUE with KIND one of {', '.join(KINDS)} "
                "(e.g. flag:legal, lang:de, category:complaint)"
            )
        lists[KINDS[kind.strip().lower()]].append(value.strip().lower())
    try:
        return Skills.model_validate(lists)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInputError(f"unknown skill: {problems}") from None
