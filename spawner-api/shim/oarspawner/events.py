"""Server-Sent Events as the service sends them: 'id: N' then 'data: {json}', a blank line between events."""
import json


class EventParser:
    """Feed it text as it arrives; it returns the complete events, with their ids."""

    def __init__(self):
        self._buffer = ""
        self.last_id = 0

    def feed(self, text: str) -> list:
        self._buffer += text.replace("\r\n", "\n")
        events = []
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            data, event_id = [], None
            for line in block.split("\n"):
                if line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line.startswith("id:"):
                    event_id = line[3:].strip()
            if data:
                event = json.loads("\n".join(data))
                if event_id is not None and event_id.isdigit():
                    self.last_id = int(event_id)
                events.append(event)
        return events
