"""What a wrapped ASGI app answered: for middleware that reports on responses."""

from starlette.types import Message, Send


class ResponseStatus:
    """Passes an app's messages on to ``send`` and remembers the status it sent.

    The access log, the metrics and the unhandled-error middleware each need
    to know whether the response has started and with which status.
    """

    def __init__(self, send: Send) -> None:
        self._send = send
        self.sent: int | None = None
        self.finished = False

    @property
    def started(self) -> bool:
        """Whether the app has started its response (sent its status line)."""
        return self.sent is not None

    @property
    def cut(self) -> bool:
        """Whether the response started and its last body message never went out."""
        return self.started and not self.finished

    @property
    def code(self) -> int:
        """The status sent, or 500 if the app raised before it started a response."""
        return 500 if self.sent is None else self.sent

    async def send(self, message: Message) -> None:
        """The ``send`` to hand the wrapped app."""
        if message["type"] == "http.response.start":
            self.sent = message["status"]
        await self._send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self.finished = True
