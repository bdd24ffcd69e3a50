"""uvicorn's HTTP/1.1 protocol (httptools) with limits on a request's head and the one
error shape: an address or headers past their limit are cut, not kept, and marked on the
request (``scope["extensions"]``) so that the application refuses it in its own shape (414,
431: the API's JSON or the error page); a head far past the limits, or bytes that are not
HTTP at all, get the JSON error shape here instead of uvicorn's plain text.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from mealink.web.middleware import MAX_HEADERS, MAX_URL, REFUSED

__all__ = ["HEAD_CAP", "LimitedHttpProtocol"]

#: bytes of a request's head past which the connection is answered and closed at once
#: (below it an overlong address or header is cut and refused by the application)
HEAD_CAP = 4 * (MAX_URL + MAX_HEADERS)


def error_bytes(status: int, code: str, message: str) -> bytes:
    """A whole HTTP response carrying the error shape, closing the connection."""
    body = json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()
    return b"".join([STATUS_LINE[status], b"content-type: application/json\r\n",
                     b"x-content-type-options: nosniff\r\n",
                     b"content-length: ", str(len(body)).encode(), b"\r\n",
                     b"connection: close\r\n\r\n", body])


class LimitedHttpProtocol(HttpToolsProtocol):
    """The httptools protocol, keeping at most ``MAX_URL`` bytes of an address and
    ``MAX_HEADERS`` of headers, and answering unreadable requests in the error shape."""

    _in_head = True  # reading a request's line and headers (not its body)
    _head_bytes = 0
    _url_bytes = 0
    _header_bytes = 0

    def _mark(self, status: int, size: int) -> None:
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        marks: dict[str, Any] = scope.setdefault("extensions", {})
        if marks.get(REFUSED, (status,))[0] == status:
            marks[REFUSED] = (status, size)

    def _send_error(self, status: int, code: str, message: str) -> None:
        self.transport.write(error_bytes(status, code, message))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes it cannot parse, in the error shape."""
        self._send_error(400, "bad_request", "the request is not valid HTTP: its request "
                         "line or headers cannot be read")

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > HEAD_CAP:
                if self._header_bytes:
                    self._send_error(431, "headers_too_large", (
                        f"the request headers are over {HEAD_CAP:,} bytes; the limit is "
                        f"{MAX_HEADERS:,}"))
                else:
                    self._send_error(414, "uri_too_long", (
                        f"the address is over {HEAD_CAP:,} bytes long; the limit is "
                        f"{MAX_URL:,}"))
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._url_bytes = self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > MAX_URL:
            self._mark(414, self._url_bytes)
            url = url[:max(0, MAX_URL - len(self.url))]
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADERS:
            self._mark(431, self._header_bytes)
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0
