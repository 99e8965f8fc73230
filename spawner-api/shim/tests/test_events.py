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


def test_a_multibyte_character_split_across_chunks():
    p = EventParser()
    raw = 'id: 3\ndata: {"progress": 30, "message": "Job 5 attend, position 1, début estimé 07:13 CET ✓"}\n\n'.encode("utf-8")
    split = raw.index("é".encode("utf-8")) + 1  # between the two bytes of é
    assert p.feed(raw[:split]) == []
    events = p.feed(raw[split:])
    assert events[0]["message"] == "Job 5 attend, position 1, début estimé 07:13 CET ✓"
    assert p.last_id == 3


def test_every_byte_alone():
    p = EventParser()
    raw = 'id: 9\r\ndata: {"message": "nœud ⚡ 𝔾PU"}\r\n\r\n'.encode("utf-8")
    events = []
    for i in range(len(raw)):
        events += p.feed(raw[i:i + 1])
    assert events == [{"message": "nœud ⚡ 𝔾PU"}]
    assert p.last_id == 9


def test_reset_forgets_a_partial_event_and_keeps_the_last_id():
    p = EventParser()
    p.feed(b'id: 4\ndata: {"progress": 10}\n\nid: 5\ndata: {"progr\xc3')
    p.reset()
    assert p.last_id == 4
    assert p.feed(b'id: 5\ndata: {"progress": 20}\n\n') == [{"progress": 20}]
