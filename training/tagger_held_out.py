"""Score the run-time tagger, not only its model, on a language's held-out split (issue 17: Hindi must not drop).

Variants, each exact-match character spans against the gold of the held-out sentences:

* ``model`` -- the shipped model alone (the model card's figure);
* ``model_with_second_opinion`` -- the model as a worker loads it for the language: generic ORG phrases (made only of
  common words) must be confirmed by its beam (``SpacyRecognizer(language=...)``); the tagger variants use it;
* ``tagger_without_span_rules`` -- model + gazetteer + acronym rules merged by ``combine`` with no language, so none
  of the per-language span rules of ``spans.py`` apply;
* ``tagger`` -- what a worker runs: the same with the language's span rules (titles, organisation heads, place
  lists). Propagation is off: the held-out units are single sentences, not documents.
* ``tagger_gold_without_titles`` -- ``tagger`` against gold PERSON spans with leading titles cut by the same rule,
  since HiNER (and WikiGold) put ``श्री``/``King`` inside names and presspipe does not (a convention, not an error).

Run: ``.venv/bin/python -m training.tagger_held_out --language hi`` (or ``en``; prints JSON).
"""

from __future__ import annotations

import training.single_thread  # noqa: F401  (before numpy loads)

import argparse  # noqa: E402
import json  # noqa: E402

from presspipe.pipelines.enrich.entities.combine import combine  # noqa: E402
from presspipe.pipelines.enrich.entities.gazetteer import build_gazetteer  # noqa: E402
from presspipe.pipelines.enrich.entities.mentions import SOURCE_MODEL, Mention  # noqa: E402
from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer  # noqa: E402
from presspipe.pipelines.enrich.entities.spans import strip_titles  # noqa: E402
from presspipe.pipelines.enrich.entities.tagger import find_all_acronyms  # noqa: E402

from training.second_opinion import held_out  # noqa: E402
from training.spacy_ner import gold_char_spans, span_scores  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=("hi", "en"), default="hi")
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    args = parser.parse_args(argv)
    language = args.language
    sentences = held_out(language, args.split)
    plain = SpacyRecognizer(f"bundled:{language}_ner")
    recognizer = SpacyRecognizer(f"bundled:{language}_ner", language=language)
    gazetteer = build_gazetteer()
    pairs: dict[str, list] = {name: [] for name in ("model", "model_with_second_opinion", "tagger_without_span_rules",
                                                    "tagger", "tagger_gold_without_titles")}
    for sentence in sentences:
        text = sentence.text
        gold = gold_char_spans(recognizer._nlp.vocab, sentence)
        untitled = set()
        for start, end, label in gold:
            trimmed = strip_titles(text, Mention(start, end, label, SOURCE_MODEL), language)
            if trimmed is not None:
                untitled.add((trimmed.start, trimmed.end, label))
        model = recognizer.find(text)
        places = gazetteer.find(text, language)
        acronyms = find_all_acronyms(text, language)
        predictions = {
            "model": {(m.start, m.end, m.label) for m in plain.find(text)},
            "model_with_second_opinion": {(m.start, m.end, m.label) for m in model},
            "tagger_without_span_rules": {(e.start, e.end, e.label) for e in combine(
                text, model, places, propagate=False, acronyms=acronyms, language="")},
        }
        predictions["tagger"] = {(e.start, e.end, e.label) for e in combine(
            text, model, places, propagate=False, acronyms=acronyms, language=language)}
        predictions["tagger_gold_without_titles"] = predictions["tagger"]
        for name, found in predictions.items():
            pairs[name].append((untitled if name == "tagger_gold_without_titles" else gold, found))
    report: dict = {"language": language, "split": args.split, "sentences": len(sentences)}
    report.update({name: span_scores(name_pairs) for name, name_pairs in pairs.items()})
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
