"""Multilingual place and organisation gazetteer, matched with Aho-Corasick on word boundaries.

Where the names come from (nothing is typed by hand):

* CLDR, through Babel: the territory names (countries, and UN M49 regions such as "दक्षिण-पूर्व
  एशिया") of every *base* locale (a language, optionally with a script: ``hi``, ``sr_Latn``;
  regional variants such as ``fr_CA`` mostly repeat their base) and the exemplar city of every
  time zone (``मॉस्को``, ``Singapore``). CLDR flags the European Union and the United Nations as
  territories: they are tagged ORG.
* pycountry (ISO 3166): English country names (name, official and common name) and the names of
  top-level subdivisions (states, provinces, regions).
* user entity lists (JSON lines ``{"id", "label", "names": {"hi": [...], "en": [...], "*": [...]}}``)
  for watch-lists; their ``id`` becomes ``kb_id`` and they take precedence over the data packages.

Why built at run time instead of shipping a prebuilt JSON: the build reads only installed, pinned
data packages (about one second once per worker, measured by ``training/measure_tagging.py``), so
it can never drift from the installed versions and the project redistributes no copy of CLDR or
ISO data. The cost is paid in ``build_tagger`` (Beam ``setup``), never per element.

A name counts in a document of language L when CLDR lists it for L, when it is an English name
(international names often appear untranslated), or when a user list gives it for L or ``*``.
Filters against common words, applied to data-package names only: names with fewer than three
letters (two in unspaced scripts such as Han), the CLDR pseudo-territories (unknown region, world,
outlying Oceania, private-use codes) and time zones whose exemplar "cities" are Antarctic stations
or US county seats named after people or common words (``Davis``, ``Center``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import pycountry
from babel import Locale, localedata

from .errors import EntityConfigError
from .mentions import LABELS, SOURCE_GAZETTEER, SOURCE_USER_LIST, Mention, _script_is_unspaced, on_word_boundaries

ANY_LANGUAGE = "*"
ENGLISH = "en"

#: CLDR territory codes that are not places one can mention: unknown region, world, outlying
#: Oceania, Eurozone; private-use codes (X*, Q* ranges except QO handled above) are skipped by rule.
_NON_PLACE_TERRITORIES = frozenset({"ZZ", "001", "QO", "EZ"})
#: CLDR territory codes that name organisations.
_ORGANISATION_TERRITORIES = frozenset({"EU", "UN"})
#: Time-zone id prefixes whose exemplar cities are not useful place names (see module docstring).
_SKIPPED_ZONE_PREFIXES = ("Etc/", "Antarctica/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")


@dataclass(frozen=True)
class GazetteerEntry:
    """What a name refers to and in which document languages it may be matched."""

    label: str
    kb_id: str
    languages: frozenset[str]
    source: str = SOURCE_GAZETTEER

    def applies_to(self, language: str) -> bool:
        return language in self.languages or ENGLISH in self.languages or ANY_LANGUAGE in self.languages


def base_language(language: str) -> str:
    """``"zh-cn"`` → ``"zh"``, ``"sr_Latn"`` → ``"sr"``: the key used for per-language lookups."""
    return language.replace("_", "-").split("-")[0].lower()


def _clean_name(name: str) -> str | None:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    # Marks count: Devanagari रूस is र + ू + स.
    letters = sum(1 for character in name if unicodedata.category(character)[0] in "LM")
    minimum = 2 if name and _script_is_unspaced(name[0]) else 3
    return name if letters >= minimum else None


def _base_locales() -> list[str]:
    identifiers = []
    for identifier in localedata.locale_identifiers():
        parts = identifier.split("_")
        if identifier == "root":
            continue
        if len(parts) == 1 or (len(parts) == 2 and len(parts[1]) == 4):
            identifiers.append(identifier)
    return sorted(identifiers)


def _territory_kb_id(code: str) -> str:
    return f"unm49:{code}" if code.isdigit() else f"iso3166:{code}"


def _is_pseudo_territory(code: str) -> bool:
    return code in _NON_PLACE_TERRITORIES or (len(code) == 2 and code[0] in "XQ")


def cldr_names() -> Iterable[tuple[str, str, str, str]]:
    """``(name, label, kb_id, language)`` for CLDR territories and exemplar cities of base locales.

    All territory names come before all city names, so a name that is both (``सिंगापुर``) gets the
    territory's ``kb_id``.
    """
    cities: list[tuple[str, str, str, str]] = []
    for identifier in _base_locales():
        locale = Locale.parse(identifier)
        language = base_language(identifier)
        for code, name in locale.territories.items():
            if _is_pseudo_territory(code):
                continue
            label = "ORG" if code in _ORGANISATION_TERRITORIES else "LOC"
            yield name, label, _territory_kb_id(code), language
        for zone, zone_names in locale.time_zones.items():
            city = zone_names.get("city")
            if city and not zone.startswith(_SKIPPED_ZONE_PREFIXES):
                cities.append((city, "LOC", f"tz:{zone}", language))
    yield from cities


def iso_names() -> Iterable[tuple[str, str, str, str]]:
    """``(name, label, kb_id, "en")`` for ISO 3166 countries and top-level subdivisions."""
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                yield name, "LOC", f"iso3166:{country.alpha_2}", ENGLISH
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is None:
            yield subdivision.name, "LOC", f"iso3166-2:{subdivision.code}", ENGLISH


def read_entity_list(path: Path) -> Iterable[tuple[str, str, str, str]]:
    """``(name, label, kb_id, language)`` from a user JSON-lines entity list; malformed lines raise."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EntityConfigError(f"cannot read entity list {path}: {error}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EntityConfigError(f"{where}: not JSON: {error}") from error
        if not isinstance(record, dict) or not isinstance(record.get("names"), dict):
            raise EntityConfigError(f"{where}: expected an object with 'id', 'label' and 'names'")
        entity_id, label = record.get("id"), record.get("label")
        if not isinstance(entity_id, str) or not entity_id:
            raise EntityConfigError(f"{where}: 'id' must be a non-empty string")
        if label not in LABELS:
            raise EntityConfigError(f"{where}: 'label' must be one of {LABELS}, got {label!r}")
        for language, names in record["names"].items():
            if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
                raise EntityConfigError(f"{where}: names[{language!r}] must be a list of strings")
            for name in names:
                key = ANY_LANGUAGE if language == ANY_LANGUAGE else base_language(language)
                yield name, label, entity_id, key


class Gazetteer:
    """An immutable name index; build it once per worker with :func:`build_gazetteer`."""

    def __init__(self, entries: Mapping[str, tuple[GazetteerEntry, ...]], languages: frozenset[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for name, name_entries in entries.items():
            self._automaton.add_word(name, (len(name), name_entries))
        if entries:
            self._automaton.make_automaton()
        self._size = len(entries)
        self.languages = languages

    def __len__(self) -> int:
        return self._size

    def covers(self, language: str) -> bool:
        return base_language(language) in self.languages

    def find(self, text: str, language: str) -> tuple[Mention, ...]:
        """All names of ``language`` (and English/``*`` names) found on word boundaries.

        Overlapping matches are all returned; the combiner keeps the longest.
        """
        if self._size == 0 or not text:
            return ()
        language = base_language(language)
        found: list[Mention] = []
        for last_index, (length, name_entries) in self._automaton.iter(text):
            start, end = last_index - length + 1, last_index + 1
            if not on_word_boundaries(text, start, end):
                continue
            entry = next((entry for entry in name_entries if entry.applies_to(language)), None)
            if entry is not None:
                found.append(Mention(start, end, entry.label, entry.source, entry.kb_id))
        return tuple(found)


def build_gazetteer(entity_lists: Iterable[Path] = (), include_data_packages: bool = True) -> Gazetteer:
    """Index CLDR, ISO and user names. User-list entries come first for a name, so they win."""
    by_name: dict[tuple[str, str, str], set[str]] = {}  # (name, label, kb_id) -> languages
    order: list[tuple[str, str, str]] = []
    user_keys: set[tuple[str, str, str]] = set()

    cleaned: dict[str, str | None] = {}  # CLDR repeats most names across locales: clean each once

    def add(rows: Iterable[tuple[str, str, str, str]], from_user: bool) -> None:
        for raw_name, label, kb_id, language in rows:
            if from_user:
                name = " ".join(unicodedata.normalize("NFC", raw_name).split())
            else:
                name = cleaned[raw_name] if raw_name in cleaned else cleaned.setdefault(raw_name, _clean_name(raw_name))
            if not name:
                continue
            key = (name, label, kb_id)
            if key not in by_name:
                by_name[key] = set()
                order.append(key)
            by_name[key].add(language)
            if from_user:
                user_keys.add(key)

    for path in entity_lists:
        add(read_entity_list(Path(path)), from_user=True)
    languages: set[str] = set()
    if include_data_packages:
        add(cldr_names(), from_user=False)
        add(iso_names(), from_user=False)
        languages = {language for key in order for language in by_name[key]}

    entries: dict[str, list[GazetteerEntry]] = {}
    language_sets: dict[frozenset[str], frozenset[str]] = {}  # shared instead of one per entry
    for key in order:
        name, label, kb_id = key
        source = SOURCE_USER_LIST if key in user_keys else SOURCE_GAZETTEER
        key_languages = frozenset(by_name[key])
        key_languages = language_sets.setdefault(key_languages, key_languages)
        entries.setdefault(name, []).append(GazetteerEntry(label, kb_id, key_languages, source))
    return Gazetteer({name: tuple(values) for name, values in entries.items()}, frozenset(languages) - {ANY_LANGUAGE})
