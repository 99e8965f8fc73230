"""Server-Sent Events as the service sends them: 'id: N' then 'data: {json}', a blank line between events."""
import codecs
import json


class EventParser:
    """Feed it bytes (or text) as they arrive; it returns the complete events, with their ids. Bytes are decoded
    incrementally: a multibyte UTF-8 character split across two chunks is decoded once both have come."""

    def __init__(self):
        self._buffer = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.last_id = 0

    def reset(self):
        """A new connection: forget a partial event and partial character of the old one; keep last_id."""
        self._buffer = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def feed(self, data) -> list:
        text = self._decoder.decode(data) if isinstance(data, (bytes, bytearray)) else data
        # The whole buffer: a CR LF may be split across two chunks too.
        self._buffer = (self._buffer + text).replace("\r\n", "\n")
        events = []
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            data_lines, event_id = [], None
            for line in block.split("\n"):
                if line.startswith("data:"):
                    data_lines.append(line[5:].lstrip())
                elif line.startswith("id:"):
                    event_id = line[3:].strip()
            if data_lines:
                event = json.loads("\n".join(data_lines))
                if event_id is not None and event_id.isdigit():
                    self.last_id = int(event_id)
                events.append(event)
        return events
