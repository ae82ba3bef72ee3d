from __future__ import annotations

import json

import pytest

from presspipe.pipelines.enrich.entities import EntityConfigError
from presspipe.pipelines.enrich.entities.gazetteer import build_gazetteer
from presspipe.pipelines.enrich.entities.mentions import on_word_boundaries


def found(gazetteer, text, language):
    return {(text[m.start:m.end], m.label, m.kb_id) for m in gazetteer.find(text, language)}


def test_cldr_names_in_hindi_carry_iso_kb_ids(gazetteer):
    text = "पुतिन वियतनाम पहुंचे, फिर रूस लौटे।"
    assert found(gazetteer, text, "hi") >= {("वियतनाम", "LOC", "iso3166:VN"), ("रूस", "LOC", "iso3166:RU")}


def test_devanagari_suffix_marks_belong_to_the_word(gazetteer):
    # भारतीय ("Indian") continues भारत with a vowel sign (category M): not a mention of India.
    assert found(gazetteer, "भारतीय टीम", "hi") == set()
    assert found(gazetteer, "रूसी राष्ट्रपति", "hi") == set()  # रूसी ("Russian") is not रूस
    assert ("भारत", "LOC", "iso3166:IN") in found(gazetteer, "टीम भारत लौटी", "hi")


def test_boundary_rule_on_latin_and_devanagari():
    assert on_word_boundaries("in Vietnam.", 3, 10)
    assert not on_word_boundaries("Vietnamese", 0, 7)
    assert not on_word_boundaries("भारतीय", 0, 4)
    assert on_word_boundaries("है।भारत", 3, 7)  # the danda is punctuation, a boundary


def test_boundary_rule_on_unspaced_scripts_and_hangul():
    assert on_word_boundaries("我在中国工作", 2, 4)  # Han: no spaces between words, any position
    assert on_word_boundaries("東京都に住む", 0, 2)
    assert on_word_boundaries("한국에서 왔다", 0, 2)  # Hangul: a particle may follow the noun
    assert not on_word_boundaries("대한국", 1, 3)  # but the noun must start a word
    assert not on_word_boundaries("Koreas", 0, 5)  # Latin still needs both edges


def test_french_and_english_names(gazetteer):
    assert ("Allemagne", "LOC", "iso3166:DE") in found(gazetteer, "Elle vit en Allemagne.", "fr")
    assert ("Germany", "LOC", "iso3166:DE") in found(gazetteer, "She lives in Germany.", "en")
    # English names count in every language; French names do not count in English text.
    assert ("Germany", "LOC", "iso3166:DE") in found(gazetteer, "Elle vit en Germany.", "fr")
    assert found(gazetteer, "She said Allemagne.", "en") == set()


def test_language_variants_and_unknown_languages(gazetteer):
    text = "Elle vit en Allemagne."
    assert found(gazetteer, text, "fr-FR") == found(gazetteer, text, "fr") != set()
    # a language without names of its own still gets the English and language-neutral ones
    assert ("Germany", "LOC", "iso3166:DE") in found(gazetteer, "Germany", "xx")
    assert found(gazetteer, text, "xx") == set()


def test_countries_come_before_time_zone_cities_and_private_use_codes_are_not_countries(gazetteer):
    text = "Doha is the capital of Qatar; Pristina that of Kosovo; Hong Kong is not in Macau."
    mentions = found(gazetteer, text, "en")
    # QA and XK are real codes (only AA, QM-QZ and the other X* are private use); a name that is both a
    # country and a time zone's city (Qatar, Hong Kong) is the country.
    assert {("Qatar", "LOC", "iso3166:QA"), ("Kosovo", "LOC", "iso3166:XK"),
            ("Hong Kong", "LOC", "iso3166:HK")} <= mentions
    assert not any(kb_id in ("iso3166:XA", "iso3166:XB", "iso3166:ZZ") for _, _, kb_id in found(
        gazetteer, "Pseudo-Accents, Pseudo-Bidi and Unknown Region", "en"))


def test_names_are_indexed_per_language_when_first_needed():
    gazetteer = build_gazetteer()
    assert gazetteer.covers("hi") and gazetteer.covers("vi")
    hindi = gazetteer.entries_for("hi")
    assert hindi["रूस"][0].kb_id == "iso3166:RU" and "Allemagne" not in hindi and "Germany" in hindi
    assert ("Allemagne", "LOC", "iso3166:DE") in found(gazetteer, "Elle vit en Allemagne.", "fr")


def test_cldr_organisations_and_short_names_filtered(gazetteer):
    assert ("संयुक्त राष्ट्र", "ORG", "iso3166:UN") in found(gazetteer, "संयुक्त राष्ट्र ने कहा", "hi")
    assert gazetteer.covers("hi") and gazetteer.covers("fr") and gazetteer.covers("en")
    assert not gazetteer.covers("xx")
    # two-letter names are dropped as too ambiguous for spaced scripts
    assert all(len(text) >= 3 for text, _, _ in found(gazetteer, "US UK EU UN", "en"))


def test_user_list_gives_kb_id_and_wins(tmp_path):
    path = tmp_path / "watch.jsonl"
    lines = [
        {"id": "wd:Q7747", "label": "PERSON", "names": {"hi": ["व्लादिमीर पुतिन", "पुतिन"], "en": ["Vladimir Putin"]}},
        {"id": "watch:apec", "label": "ORG", "names": {"*": ["एपीईसी", "APEC"]}},
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    gazetteer = build_gazetteer([path], include_data_packages=False)
    text = "पुतिन एपीईसी में; Vladimir Putin at APEC"
    assert found(gazetteer, text, "hi") == {
        ("पुतिन", "PERSON", "wd:Q7747"), ("एपीईसी", "ORG", "watch:apec"),
        ("Vladimir Putin", "PERSON", "wd:Q7747"), ("APEC", "ORG", "watch:apec"),
    }
    assert {m.source for m in gazetteer.find(text, "hi")} == {"user_list"}


@pytest.mark.parametrize("line", [
    "not json",
    json.dumps({"id": "x", "label": "THING", "names": {"en": ["X"]}}),
    json.dumps({"id": "", "label": "ORG", "names": {"en": ["X"]}}),
    json.dumps({"id": "x", "label": "ORG", "names": {"en": "X"}}),
])
def test_malformed_user_lists_raise(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(EntityConfigError):
        build_gazetteer([path], include_data_packages=False)


def test_translated_iso_names_and_subdivisions_need_their_country(gazetteer):
    assert ("रूसी संघ", "LOC", "iso3166:RU") in found(gazetteer, "वियतनाम और रूसी संघ के बीच", "hi")
    # Hà Nội is both a subdivision (iso-codes) and a city (GeoNames): the subdivision where its country is in the
    # document, else the city (which needs no country).
    with_country = found(gazetteer, "राष्ट्रपति हनोई पहुंचे और वियतनाम के नेताओं से मिले", "hi")
    assert ("हनोई", "LOC", "iso3166-2:VN-HN") in with_country
    assert found(gazetteer, "राष्ट्रपति हनोई पहुंचे", "hi") == {("हनोई", "LOC", "geonames:1581130")}
    # a subdivision that is no city still needs its country: Bà Rịa - Vũng Tàu
    province = "Bà Rịa - Vũng Tàu"
    assert gazetteer.entries_for("vi")[province][0].kb_id == "iso3166-2:VN-43"
    assert "iso3166-2:VN-43" not in {kb_id for _, _, kb_id in found(gazetteer, f"Tỉnh {province} đẹp", "vi")}
    assert (province, "LOC", "iso3166-2:VN-43") in found(gazetteer, f"{province}, Việt Nam", "vi")
    # Samoa's A'ana is "आना" (Hindi "to come"): never a place without Samoa in the text.
    assert found(gazetteer, "उन्हें आना था", "hi") == set()


def test_english_zone_cities(gazetteer):
    assert ("New York", "LOC", "tz:America/New_York") in found(gazetteer, "She flew to New York.", "en")


def test_geonames_city_layer_names_populous_cities_in_the_document_script(gazetteer):
    english = found(gazetteer, "From The Hague to Mumbai and München.", "en")
    assert {("The Hague", "LOC", "geonames:2747373"), ("Mumbai", "LOC", "geonames:1275339"),
            ("München", "LOC", "geonames:2867714")} <= english
    hindi = found(gazetteer, "पुतिन मास्को से मुंबई गए।", "hi")
    assert {("मास्को", "LOC", "geonames:524901"), ("मुंबई", "LOC", "geonames:1275339")} <= hindi
    assert ("Москва", "LOC") in {(text, label) for text, label, _ in found(gazetteer, "Путин вернулся в Москва.", "ru")}
    # Cyrillic names only count in languages written in Cyrillic
    assert found(gazetteer, "Путин Москва", "hi") == set()


@pytest.mark.parametrize("word", ["केंद्र", "पूर्व", "बार", "मान", "आरा", "सार", "आर्थिक"])
def test_common_hindi_words_are_not_places(gazetteer, word):
    text = f"यह {word} है और वह {word} में था।"
    assert found(gazetteer, text, "hi") == set()


def test_capitalised_city_names_that_are_words_need_more_than_a_sentence_start(gazetteer):
    text = "Reading is fun. Nice work! She moved to Reading in 2020.\nMobile phones are banned."
    mentions = sorted((text[m.start:m.end], m.start) for m in gazetteer.find(text, "en"))
    assert mentions == [("Reading", text.rindex("Reading"))]


def test_threads_meeting_a_language_together_build_its_automaton_once(tmp_path):
    """A worker's bundle threads share one tagger: the first documents of a language arriving together must not
    each build (and hold) the language's automaton."""
    import threading
    import time

    from presspipe.pipelines.enrich.entities.gazetteer import Gazetteer

    class CountingGazetteer(Gazetteer):
        builds = 0

        def entries_for(self, language):
            CountingGazetteer.builds += 1
            time.sleep(0.05)  # a real build takes seconds: long enough for every thread to arrive
            return super().entries_for(language)

    path = tmp_path / "list.jsonl"
    path.write_text(json.dumps({"id": "q1", "label": "ORG", "names": {"hi": ["नीति आयोग"]}}) + "\n", encoding="utf-8")
    plain = build_gazetteer([path], include_data_packages=False)
    gazetteer = CountingGazetteer(plain._user_rows, False, plain.languages)
    start = threading.Barrier(8)
    results = []

    def tag():
        start.wait()
        results.append(gazetteer.find("नीति आयोग की बैठक", "hi"))

    threads = [threading.Thread(target=tag) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert CountingGazetteer.builds == 1
    assert len(results) == 8 and all(len(found) == 1 and found[0].kb_id == "q1" for found in results)
