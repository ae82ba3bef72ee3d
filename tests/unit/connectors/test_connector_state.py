"""SQLite state and the settle-after-acknowledgement bookkeeping."""

from __future__ import annotations

from datetime import datetime, timezone

from presspipe.connectors.state import ConnectorState, PendingGroups, Validators, default_state_path


def test_default_state_path_honours_presspipe_home(tmp_path):
    assert default_state_path("feed", {"PRESSPIPE_HOME": str(tmp_path)}) == tmp_path / "state" / "feed.sqlite"
    assert default_state_path("warc", {}).parts[-3:] == (".presspipe", "state", "warc.sqlite")


def test_pages_and_sources_survive_reopening(tmp_path):
    path = tmp_path / "nested" / "feed.sqlite"
    announced = datetime(2025, 11, 4, 8, 30, tzinfo=timezone.utc)
    with ConnectorState(path) as state:
        assert state.page("https://a.test/1") is None
        state.mark_produced("https://a.test/1", Validators('"e1"', "Tue, 04 Nov 2025 09:00:00 GMT"), "abc", announced)
        state.commit_source("https://a.test/feed", Validators('"f1"'), announced)
    with ConnectorState(path) as state:
        page = state.page("https://a.test/1")
        assert page.produced and page.content_hash == "abc" and page.announced == announced
        assert page.validators == Validators('"e1"', "Tue, 04 Nov 2025 09:00:00 GMT")
        assert state.source("https://a.test/feed") == (Validators('"f1"'), announced)
        assert state.source("https://a.test/other") == (Validators(), None)


def test_warc_resume_only_moves_forward(tmp_path):
    with ConnectorState(tmp_path / "warc.sqlite") as state:
        state.mark_warc_record("f", 100)
        state.mark_warc_record("f", 300)
        state.set_warc_resume("f", 200)
        assert state.warc_progress("f") == (200, False, frozenset({300}))
        state.set_warc_resume("f", 50)
        assert state.warc_progress("f")[0] == 200
        state.set_warc_resume("f", 400, complete=True)
        assert state.warc_progress("f") == (400, True, frozenset())


def test_group_commits_only_after_every_record_is_acknowledged():
    groups, committed = PendingGroups(), []
    groups.add("feed", "a")
    groups.add("feed", "b")
    groups.close("feed", lambda: committed.append("feed"))
    groups.acknowledge("a")
    assert committed == []
    groups.acknowledge("b")
    assert committed == ["feed"]


def test_empty_group_commits_on_close_and_spoiled_group_never():
    groups, committed = PendingGroups(), []
    groups.close("quiet", lambda: committed.append("quiet"))
    groups.add("flaky", "x")
    groups.spoil("flaky")
    groups.close("flaky", lambda: committed.append("flaky"))
    groups.acknowledge("x")
    assert committed == ["quiet"]
