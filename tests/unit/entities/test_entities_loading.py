"""Models load per language on first use in a worker, never all at start (issue 17, item 3)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from presspipe.pipelines.enrich.entities import EntityConfig, EntityConfigError, build_tagger
from presspipe.pipelines.enrich.entities.config import DEFAULT_MODELS
from presspipe.pipelines.enrich.entities.recognizers import LazyRecognizer, check_reference


def test_default_models_cover_english_hindi_french_and_russian():
    assert dict(DEFAULT_MODELS) == {"en": "bundled:en_ner", "hi": "bundled:hi_ner", "fr": "fr_core_news_sm",
                                    "ru": "natasha"}


def test_nothing_is_loaded_until_a_document_of_the_language_arrives():
    tagger = build_tagger(EntityConfig(gazetteer=False))
    assert tagger.languages_with_models == {"en", "hi", "fr", "ru"}
    assert tagger.loaded_languages == frozenset()
    tagger.tag("Vladimir Putin arrived in Hanoi on Wednesday.", "en")
    assert tagger.loaded_languages == {"en"}
    tagger.tag("Il est arrivé.", "fr-FR")
    assert tagger.loaded_languages == {"en", "fr"}


def test_a_language_model_is_loaded_once_per_tagger():
    lazy = LazyRecognizer("hi", "bundled:hi_ner")
    assert not lazy.loaded
    first = lazy.get()
    lazy.find("नरेंद्र मोदी दिल्ली पहुंचे।")
    assert lazy.loaded and lazy.get() is first


def test_an_english_only_run_never_imports_the_other_models():
    """In a fresh interpreter, as a worker starts: tagging English imports neither natasha nor the French package,
    and loads only the English model."""
    program = (
        "import json, sys\n"
        "from presspipe.pipelines.enrich.entities import build_tagger\n"
        "tagger = build_tagger()\n"
        "entities = tagger.tag('Angela Merkel met Emmanuel Macron in Berlin.', 'en')\n"
        "print(json.dumps({'loaded': sorted(tagger.loaded_languages),\n"
        "                  'modules': sorted(m for m in sys.modules if m.split('.')[0] in ('natasha', 'slovnet', 'navec', 'fr_core_news_sm')),\n"
        "                  'entities': len(entities)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"loaded": ["en"], "modules": [], "entities": report["entities"]}
    assert report["entities"] >= 1


def test_references_are_checked_without_loading(tmp_path):
    assert check_reference("natasha") == "natasha"
    assert check_reference("bundled:en_ner") == "bundled:en_ner"
    with pytest.raises(EntityConfigError):
        check_reference("bundled:no_such_model")
    with pytest.raises(EntityConfigError):
        check_reference("xx_not_an_installed_package")
    with pytest.raises(EntityConfigError):
        build_tagger(EntityConfig(models={"de": "xx_not_an_installed_package"}, gazetteer=False))


def test_a_model_that_fails_to_load_fails_its_documents_and_is_retried(tmp_path):
    broken = tmp_path / "not_a_model"
    broken.mkdir()  # a directory passes the check; spaCy refuses it when the first document comes
    tagger = build_tagger(EntityConfig(models={"de": str(broken)}, gazetteer=False))
    for _ in range(2):
        with pytest.raises(EntityConfigError):
            tagger.tag("Angela Merkel in Berlin.", "de")
        assert tagger.loaded_languages == frozenset()
    assert tagger.tag("Some English text.", "en") == ()  # other languages are unaffected
