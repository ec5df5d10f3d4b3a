"""Files under a local directory (UPLOAD_DIR): the embedded default, one host only."""

import shutil
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, send_file

from portal.storage import PRIVATE, FileMissing, check_key


class LocalStorage:
    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()  # send_file would read a relative one elsewhere

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
            return
        with path.open("wb") as out:
            shutil.copyfileobj(data, out)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise FileMissing(key) from None

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("could not remove stored file %s", key)
            return False
        return True

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise FileMissing(key) from None

    def download_response(self, key: str, *, filename: str, content_type: str,
                          as_attachment: bool) -> Response:
        path = self.path(key)
        if not path.is_file():
            raise FileMissing(key)
        response = send_file(path, mimetype=content_type, as_attachment=as_attachment,
                             download_name=filename, conditional=True, max_age=0)
        response.headers["Cache-Control"] = PRIVATE
        return response
