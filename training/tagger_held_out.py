"""Score the run-time tagger, not only its model, on a language's held-out split (issue 17: Hindi must not drop).

Variants, each exact-match character spans against the gold of the held-out sentences:

* ``model`` -- the shipped model alone (the model card's figure);
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
from collections import Counter  # noqa: E402

from spacy.tokens import Doc  # noqa: E402

from presspipe.pipelines.enrich.entities.acronyms import find_acronyms, find_latin_acronyms  # noqa: E402
from presspipe.pipelines.enrich.entities.combine import combine  # noqa: E402
from presspipe.pipelines.enrich.entities.gazetteer import build_gazetteer, language_script  # noqa: E402
from presspipe.pipelines.enrich.entities.mentions import SOURCE_MODEL, Mention  # noqa: E402
from presspipe.pipelines.enrich.entities.spacy_backend import SpacyRecognizer  # noqa: E402
from presspipe.pipelines.enrich.entities.spans import strip_titles  # noqa: E402

from training.hindi_ner import LABELS, char_spans  # noqa: E402
from training.second_opinion import held_out  # noqa: E402


def _prf(tp: int, p: int, g: int) -> dict:
    precision, recall = (tp / p if p else 0.0), (tp / g if g else 0.0)
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall) if precision + recall else 0.0, 4),
            "support": g}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=("hi", "en"), default="hi")
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    args = parser.parse_args(argv)
    language = args.language
    sentences = held_out(language, args.split)
    recognizer = SpacyRecognizer(f"bundled:{language}_ner")
    gazetteer = build_gazetteer()
    latin_acronyms = language_script(language) not in ((), ("LATIN",))
    counts = {name: (Counter(), Counter(), Counter()) for name in
              ("model", "tagger_without_span_rules", "tagger", "tagger_gold_without_titles")}
    for sentence in sentences:
        text = sentence.text
        reference = Doc(recognizer._nlp.vocab, words=list(sentence.words), spaces=list(sentence.spaces))
        gold = char_spans(reference, list(sentence.spans))
        untitled = set()
        for start, end, label in gold:
            trimmed = strip_titles(text, Mention(start, end, label, SOURCE_MODEL), language)
            if trimmed is not None:
                untitled.add((trimmed.start, trimmed.end, label))
        model = recognizer.find(text)
        places = gazetteer.find(text, language)
        acronyms = find_acronyms(text) + (find_latin_acronyms(text) if latin_acronyms else ())
        predictions = {
            "model": {(m.start, m.end, m.label) for m in model},
            "tagger_without_span_rules": {(e.start, e.end, e.label) for e in combine(
                text, model, places, propagate=False, acronyms=acronyms, language="")},
        }
        predictions["tagger"] = {(e.start, e.end, e.label) for e in combine(
            text, model, places, propagate=False, acronyms=acronyms, language=language)}
        predictions["tagger_gold_without_titles"] = predictions["tagger"]
        for name, found in predictions.items():
            reference_spans = untitled if name == "tagger_gold_without_titles" else gold
            tp, predicted, support = counts[name]
            for span in reference_spans:
                support[span[2]] += 1
            for span in found:
                predicted[span[2]] += 1
                tp[span[2]] += span in reference_spans
    report: dict = {"language": language, "split": args.split, "sentences": len(sentences)}
    for name, (tp, predicted, support) in counts.items():
        scores = _prf(sum(tp.values()), sum(predicted.values()), sum(support.values()))
        scores["per_label"] = {label: _prf(tp[label], predicted[label], support[label]) for label in LABELS}
        report[name] = scores
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
