from oarspawner.events import EventParser


def test_events_arrive_in_pieces():
    p = EventParser()
    assert p.feed(":ok\n\nid: 1\ndata: {\"progress\": 10, \"mess") == []
    events = p.feed("age\": \"Submitted as job 4\"}\n\nid: 2\ndata: {\"progress\": 100, \"ready\": true, \"message\": \"ready\"}\n\n")
    assert [e["progress"] for e in events] == [10, 100]
    assert events[0]["message"] == "Submitted as job 4"
    assert events[1]["ready"] is True
    assert p.last_id == 2


def test_crlf_and_comments():
    p = EventParser()
    assert p.feed(": keepalive\r\n\r\nid: 7\r\ndata: {\"progress\": 30}\r\n\r\n") == [{"progress": 30}]
    assert p.last_id == 7
