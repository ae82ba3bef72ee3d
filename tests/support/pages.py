"""Pages written for the tests that need one page's behaviour end to end (extraction, the command, the pipeline)."""

from __future__ import annotations

HEADLINE = "Ferry timetable agreed"
ARTICLE = [
    "The harbour council agreed the new ferry timetable on Thursday after a long meeting with the operators.",
    "Crossings to the island will leave every forty minutes instead of every hour from the first of March.",
    "The operators said two more crews would be hired before the summer to keep the evening boats running.",
    "Commuters had asked for earlier morning crossings for years and welcomed the decision on Friday.",
]
#: A paragraph that is one link: trafilatura's precision mode drops it, its default mode keeps it.
LINKED_SENTENCE = "The harbour authority said the new timetable would start in spring next year."


def linked_sentence_page() -> str:
    """An article whose third paragraph is :data:`LINKED_SENTENCE`, the whole of it one link."""
    paragraphs = [*ARTICLE[:2], f"<a href='/harbour/timetable'>{LINKED_SENTENCE}</a>", *ARTICLE[2:]]
    return (f"<html lang='en'><head><title>{HEADLINE}</title></head><body>"
            "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li><li><a href='/sport'>Sport</a>"
            f"</li></ul></nav><main><article><h1>{HEADLINE}</h1>{''.join(f'<p>{p}</p>' for p in paragraphs)}"
            "</article></main><footer><p>© 2024 Island Courier</p></footer></body></html>")
