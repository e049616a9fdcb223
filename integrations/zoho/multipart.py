"""One file as a multipart/form-data request body that is sent from disk as it is read, never held in memory.

requests reads a file given as `files=` whole into memory to encode it. A body given as `data=` that has a length
and can be read is streamed (Content-Length set, blocks read as the socket takes them). A retried request sends
the body again: `seek(0)` before each attempt.
"""

import io
import secrets
from typing import BinaryIO

BLOCK = 64 * 1024


class MultipartFile:
    def __init__(self, field: str, filename: str, content_type: str, file: BinaryIO):
        boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        self._length = len(head) + file.seek(0, io.SEEK_END) + len(tail)
        self._parts = (io.BytesIO(head), file, io.BytesIO(tail))
        self.seek(0)

    def __len__(self) -> int:
        return self._length

    def __iter__(self):  # requests streams only a body it can iterate
        while block := self.read(BLOCK):
            yield block

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if (offset, whence) != (0, io.SEEK_SET):
            raise io.UnsupportedOperation("A multipart body can only be rewound to its start.")
        for part in self._parts:
            part.seek(0)
        self._current = 0
        return 0

    def read(self, size: int = -1) -> bytes:
        blocks = []
        while self._current < len(self._parts) and size != 0:
            block = self._parts[self._current].read(size)
            if not block:
                self._current += 1
                continue
            blocks.append(block)
            if size > 0:
                size -= len(block)
        return b"".join(blocks)
