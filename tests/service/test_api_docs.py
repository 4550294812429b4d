"""The API documentation: /docs and /redoc work without internet, /openapi.json declares how to
send a key, and every enumerated field lists its values in the schema and in the README."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from model.labels import KNOWN_SOURCES, AccountTier
from tests.service.conftest import Api

README = Path(__file__).resolve().parents[2] / "README.md"
SCHEMES = {"ApiKey", "Bearer"}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Assets(HTMLParser):
    """The URLs a page loads: scripts, stylesheets and icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


@pytest.mark.parametrize(("page", "scripts"), [("/docs", 1), ("/redoc", 1)])
def test_docs_pages_load_only_the_services_own_files(api: Api, page: str, scripts: int) -> None:
    response = api.client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
    # And the browser may load no image, font or data from elsewhere (ReDoc wants its logo).
    policy = response.headers["content-security-policy"]
    assert {"img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'"} <= {
        part.strip() for part in policy.split(";")
    }
    # No address of another host anywhere in the page: no CDN, no web fonts.
    assert re.search(r"https?://|//[a-z]", response.text, re.IGNORECASE) is None
    parser = _Assets()
    parser.feed(response.text)
    assert sum(url.endswith(".js") for url in parser.urls) == scripts
    for url in parser.urls:
        assert url.startswith("/static-offline-docs/"), url
        asset = api.client.get(url)
        assert asset.status_code == 200, url
        expected = CONTENT_TYPES[Path(url).suffix]
        assert asset.headers["content-type"].startswith(expected), (url, asset.headers)
        assert len(asset.content) > 1000, url


def test_openapi_declares_both_ways_to_send_a_key(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKey"] == schemes["ApiKey"] | {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert schemes["Bearer"] == schemes["Bearer"] | {"type": "http", "scheme": "bearer"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = {name for entry in operation.get("security", []) for name in entry}
            if path in ("/healthz", "/readyz"):
                assert declared == set(), (method, path)
            else:
                # Either scheme alone is enough: one requirement per scheme.
                assert declared == SCHEMES, (method, path)
                assert all(len(entry) == 1 for entry in operation["security"])
                headers = {p["name"].lower() for p in operation.get("parameters", [])}
                assert not headers & {"authorization", "x-api-key"}, (method, path)


def test_keys_are_read_as_before(api: Api) -> None:
    """The declared schemes change nothing: X-API-Key wins, else a bearer key; every missing,
    malformed or unknown key gets the same 401 body, on a read and on a write alike."""
    good, bad = api.keys["admin"], "rt_not-a-real-key"
    body = {"text": "How do I add a second admin?"}
    accepted: list[dict[str, str]] = [
        {"X-API-Key": good},
        {"Authorization": f"Bearer {good}"},
        {"Authorization": f"bearer   {good}  "},
        {"X-API-Key": good, "Authorization": f"Bearer {bad}"},
    ]
    refused: list[tuple[dict[str, str], str]] = [
        ({}, "required"),
        ({"Authorization": f"Basic {good}"}, "required"),
        ({"Authorization": good}, "required"),
        ({"Authorization": "Bearer "}, "required"),
        ({"X-API-Key": "", "Authorization": f"Bearer {good}"}, "required"),
        ({"X-API-Key": bad, "Authorization": f"Bearer {good}"}, "not valid"),
        ({"Authorization": f"Bearer {bad}"}, "not valid"),
    ]
    for headers in accepted:
        assert api.client.get("/v1/items", headers=headers).status_code == 200, headers
        assert api.client.post("/v1/classify", headers=headers, json=body).status_code == 200
    stored = api.get("/v1/items").json()["total"]
    for headers, detail in refused:
        for response in (
            api.client.get("/v1/items", headers=headers),
            api.client.post("/v1/classify", headers=headers, json=body),
        ):
            assert response.status_code == 401, (headers, response.text)
            assert set(response.json()) == {"error", "detail"}
            assert response.json()["error"] == "NotAuthenticatedError"
            assert detail in response.json()["detail"], (headers, response.json())
    assert api.get("/v1/items").json()["total"] == stored  # nothing refused was stored


# ---- enumerated fields ----------------------------------------------------------------------


def _enum(node: dict[str, Any], components: dict[str, Any]) -> tuple[str, ...] | None:
    """The values a property or parameter schema allows, through $ref, null, and arrays."""
    if "$ref" in node:
        node = components[node["$ref"].rsplit("/", 1)[1]]
    if "enum" in node:
        return tuple(node["enum"])
    if node.get("type") == "array":
        return _enum(node["items"], components)
    for option in node.get("anyOf", []):
        if option.get("type") != "null":
            found = _enum(option, components)
            if found is not None:
                return found
    return None


def enumerated_fields(schema: dict[str, Any]) -> set[tuple[str, tuple[str, ...]]]:
    """(field name, its values) for every enumerated property and parameter of the API."""
    components = schema["components"]["schemas"]
    found: set[tuple[str, tuple[str, ...]]] = set()
    nodes = [
        (name, node)
        for component in components.values()
        for name, node in component.get("properties", {}).items()
    ]
    nodes += [
        (parameter["name"], parameter["schema"])
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
    ]
    for name, node in nodes:
        values = _enum(node, components)
        if values is not None:
            found.add((name, values))
    return found


def readme_rows() -> list[tuple[list[str], tuple[str, ...]]]:
    """The README's table of enumerated fields: (field names, values) per row."""
    text = README.read_text(encoding="utf-8")
    section = text.split("**Enumerated fields.**", 1)[1]
    table = section[section.index("| field | where | values |") :].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        names, _, values = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((re.findall(r"`([^`]+)`", names), tuple(re.findall(r"`([^`]+)`", values))))
    return rows


def test_account_tier_lists_its_values(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    tiers = tuple(t.value for t in AccountTier)
    for model in ("ItemIn", "ItemPublic", "ItemDetail", "ClassifyResult"):
        assert _enum(components[model]["properties"]["account_tier"], components) == tiers
    assert ("account_tier", tiers) in enumerated_fields(schema)


def test_the_readme_lists_every_enumerated_field_with_the_values_of_the_schema(
    api: Api,
) -> None:
    in_schema = enumerated_fields(api.client.get("/openapi.json").json())
    rows = readme_rows()
    in_readme = {(name, values) for names, values in rows for name in names}
    assert all(names and values for names, values in rows), rows
    assert in_schema - in_readme == set(), "enumerated in the schema, missing from the README"
    assert in_readme - in_schema == set(), "in the README, not (so) in the schema"


def test_the_readme_lists_the_known_sources() -> None:
    text = README.read_text(encoding="utf-8")
    paragraph = text.split("`source` is not enumerated", 1)[1].split("\n\n", 1)[0]
    assert tuple(re.findall(r"`([^`]+)`", paragraph)) == KNOWN_SOURCES


@pytest.mark.parametrize(
    ("tier", "stored"),
    [("enterprise", "enterprise"), (" Strategic ", "strategic"), ("", None), (None, None)],
)
def test_a_tier_in_any_case_is_taken_and_stored_as_listed(
    api: Api, tier: str | None, stored: str | None
) -> None:
    item = api.post("/v1/classify", json={"text": "How do I export data?", "account_tier": tier})
    assert item.status_code == 200, item.text
    assert item.json()["account_tier"] == stored


@pytest.mark.parametrize("tier", ["standard", "gold", 3, True, "smb enterprise"])
def test_an_unknown_tier_is_a_422_naming_the_field_and_stores_nothing(
    api: Api, tier: object
) -> None:
    response = api.post(
        "/v1/classify", json={"text": "How do I export data?", "account_tier": tier}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationError"
    assert [p["loc"] for p in body["errors"]] == [["body", "account_tier"]]
    assert "strategic" in body["detail"] and "account_tier" in body["detail"]
    batch = api.post("/v1/classify/batch", json={"items": [{"text": "x", "account_tier": tier}]})
    assert batch.status_code == 200 and batch.json()["rejected"] == 1
    assert "account_tier" in batch.json()["errors"][0]["detail"]
    assert api.get("/v1/items").json()["total"] == 0
