from __future__ import annotations

import argparse
import gzip
import json

from presspipe.commands import enrich as enrich_command

from tests.support.pages import ARTICLE, LINKED_SENTENCE, linked_sentence_page

from .conftest import HTML_FIXTURES


def run(argv, capsys):
    parser = argparse.ArgumentParser()
    enrich_command.register(parser.add_subparsers())
    args = parser.parse_args(["enrich", *argv])
    code = args.func(args)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return code, lines


def test_one_article_per_input_and_errors_do_not_stop_the_rest(tmp_path, capsys):
    good = tmp_path / "story.html.gz"
    good.write_bytes(gzip.compress((HTML_FIXTURES / "fr_daily.html").read_bytes()))
    text = tmp_path / "note.txt"
    text.write_text("A short headline\nThe first paragraph of the note says what happened in town today.\n", "utf-8")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    unknown = tmp_path / "data.pdf"
    unknown.write_bytes(b"%PDF")
    code, lines = run([str(good), str(empty), str(text), str(unknown)], capsys)
    assert code == 1
    assert [line["path"] for line in lines] == [str(good), str(empty), str(text), str(unknown)]
    assert lines[0]["language"] == "fr" and lines[0]["source"]["connector"] == "files" and "error" not in lines[0]
    assert lines[1]["error_type"] == "EmptyArticleError" and lines[1]["stage"] == "extract"
    assert lines[2]["title"] == "A short headline"
    assert lines[3]["error_type"] == "ValueError"


def test_all_ok_exits_zero_and_url_is_used(tmp_path, capsys):
    page = tmp_path / "page.htm"
    page.write_bytes((HTML_FIXTURES / "vi_control.html").read_bytes())
    code, lines = run([str(page), "--url", "https://Example.org/a#b"], capsys)
    assert code == 0
    assert lines[0]["url"] == "https://Example.org/a#b" and lines[0]["language"] == "vi"


def test_url_with_several_paths_is_bad_usage(tmp_path, capsys):
    assert run([str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--url", "https://example.org/"], capsys)[0] == 2


def test_entities_are_tagged_like_in_the_pipeline_unless_switched_off(tmp_path, capsys):
    page = tmp_path / "story.html"
    page.write_bytes((HTML_FIXTURES / "fr_daily.html").read_bytes())
    code, lines = run([str(page)], capsys)
    assert code == 0 and lines[0]["entities"], "the default French model and gazetteer found nothing"
    for entity in lines[0]["entities"]:
        assert lines[0]["body"][entity["start"]:entity["end"]] == entity["text"]
    code, lines = run([str(page), "--no-entities"], capsys)
    assert code == 0 and lines[0]["entities"] == []


def test_a_runaway_page_is_cut_at_the_time_limit_and_the_next_input_goes_on(tmp_path, capsys):
    runaway = tmp_path / "runaway.html"
    runaway.write_text("<html><body>" + "<p>word " * 120_000 + "</body></html>", "utf-8")
    text = tmp_path / "note.txt"
    text.write_text("A short headline\nThe first paragraph of the note says what happened in town today.\n", "utf-8")
    code, lines = run([str(runaway), str(text), "--extract-timeout-ms", "300", "--no-entities"], capsys)
    assert code == 1
    assert lines[0]["error_type"] == "LimitExceededError" and lines[0]["stage"] == "limits"
    assert "extract_timeout" in lines[0]["error"]
    assert lines[1]["title"] == "A short headline"


def test_entity_flags_as_in_the_pipeline(tmp_path, capsys):
    page = tmp_path / "note.txt"
    page.write_text("Ferry fares rise\nThe Lindholm Harbour Trust said fares for the morning ferry rise in March.\n",
                    "utf-8")
    watch_list = tmp_path / "watch.jsonl"
    watch_list.write_text('{"id": "WL-7", "label": "ORG", "names": {"en": ["Lindholm Harbour Trust"]}}\n', "utf-8")
    code, lines = run([str(page), "--entity-list", str(watch_list), "--entity-model", "fr=none"], capsys)
    assert code == 0
    assert [(e["text"], e["kb_id"]) for e in lines[0]["entities"]] == [("Lindholm Harbour Trust", "WL-7")]
    assert run([str(page), "--entity-model", "fr"], capsys)[0] == 2


def test_no_entities_loads_nothing_of_the_entity_stack(tmp_path):
    """Start-up in proportion to the input: ``--no-entities`` imports neither spaCy nor the gazetteer."""
    import subprocess
    import sys

    page = tmp_path / "story.html"
    page.write_bytes((HTML_FIXTURES / "vi_control.html").read_bytes())
    script = ("import sys\nfrom presspipe.cli import main\ncode = main(['enrich', '--no-entities', "
              "'--extract-timeout-ms', '0', sys.argv[1]])\n"
              "print(sorted({m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc', 'pycountry', 'ahocorasick')"
              " or m.startswith('presspipe.pipelines.enrich.entities')}), file=sys.stderr)\nsys.exit(code)")
    completed = subprocess.run([sys.executable, "-c", script, str(page)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.strip().splitlines()[-1] == "[]"
    assert json.loads(completed.stdout)["entities"] == []


def test_entity_flags_are_still_checked_with_no_entities(tmp_path, capsys):
    page = tmp_path / "story.html"
    page.write_bytes((HTML_FIXTURES / "vi_control.html").read_bytes())
    code, lines = run([str(page), "--no-entities", "--entity-model", "xx=no_such_model_here"], capsys)
    assert code == 2 and lines == []


def test_no_recall_safety_net_leaves_out_what_only_the_second_pass_finds(tmp_path, capsys):
    page = tmp_path / "ferry.html"
    page.write_text(linked_sentence_page(), "utf-8")
    code, (thorough,) = run([str(page), "--no-entities", "--extract-timeout-ms", "0"], capsys)
    assert code == 0 and thorough["paragraphs"] == [*ARTICLE[:2], LINKED_SENTENCE, *ARTICLE[2:]]
    code, (precise,) = run([str(page), "--no-entities", "--extract-timeout-ms", "0", "--no-recall-safety-net"], capsys)
    assert code == 0 and precise["paragraphs"] == ARTICLE
