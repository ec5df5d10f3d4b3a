"""S3-compatible object storage (AWS S3, MinIO, Ceph, Garage, ...) through boto3: one
bucket shared by every web host and worker, objects named STORAGE_S3_PREFIX + key."""

import io
from contextlib import contextmanager
from typing import BinaryIO

from flask import Response, current_app, redirect, request, send_file
from werkzeug.utils import get_content_type

from config import ConfigError
from portal.storage import (
    PRIVATE,
    FileMissing,
    StorageUnavailable,
    check_key,
    content_disposition,
)

ADDRESSING = ("auto", "path", "virtual")


def _client(config, endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint or None, region_name=config["STORAGE_S3_REGION"] or None,
        aws_access_key_id=config["STORAGE_S3_ACCESS_KEY"] or None,
        aws_secret_access_key=config["STORAGE_S3_SECRET_KEY"] or None,
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": config["STORAGE_S3_ADDRESSING_STYLE"]},
                      connect_timeout=5, read_timeout=30,
                      retries={"max_attempts": 3, "mode": "standard"}))


@contextmanager
def _answered(key: str):
    """boto3's errors as ours: FileMissing for a missing object, StorageUnavailable for
    anything else (unreachable, refused credentials, no such bucket), logged once."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "") in ("404", "NoSuchKey", "NotFound"):
            raise FileMissing(key) from None
        current_app.logger.warning("object storage refused %s: %s", key, exc)
        raise StorageUnavailable() from exc
    except BotoCoreError as exc:
        current_app.logger.warning("object storage unreachable for %s: %s", key, exc)
        raise StorageUnavailable() from exc


class S3Storage:
    name = "s3"

    def __init__(self, client, bucket: str, *, prefix: str = "", redirect: bool = False,
                 url_seconds: int = 60, signer=None):
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.redirect, self.url_seconds = redirect, url_seconds
        self.signer = signer or client  # a client for the address browsers use

    @classmethod
    def from_config(cls, config) -> "S3Storage":
        if not config["STORAGE_S3_BUCKET"]:
            raise ConfigError("PORTAL_STORAGE_S3_BUCKET must be set when "
                              "PORTAL_STORAGE_BACKEND=s3")
        if config["STORAGE_S3_ADDRESSING_STYLE"] not in ADDRESSING:
            raise ConfigError("PORTAL_STORAGE_S3_ADDRESSING_STYLE must be one of: "
                              + ", ".join(ADDRESSING))
        if not 1 <= int(config["STORAGE_S3_URL_SECONDS"]) <= 7 * 24 * 3600:
            raise ConfigError("PORTAL_STORAGE_S3_URL_SECONDS must be between 1 and 604800 "
                              "(S3's longest signed URL)")
        client = _client(config, config["STORAGE_S3_ENDPOINT_URL"])
        public = config["STORAGE_S3_PUBLIC_ENDPOINT_URL"]
        return cls(client, config["STORAGE_S3_BUCKET"], prefix=config["STORAGE_S3_PREFIX"],
                   redirect=bool(config["STORAGE_S3_REDIRECT"]),
                   url_seconds=int(config["STORAGE_S3_URL_SECONDS"]),
                   signer=_client(config, public) if public else None)

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        with _answered(key):
            if isinstance(data, bytes):
                self.client.put_object(Bucket=self.bucket, Key=self.object_key(key),
                                       Body=data, ContentType=content_type)
            else:
                self.client.upload_fileobj(data, self.bucket, self.object_key(key),
                                           ExtraArgs={"ContentType": content_type})

    def head(self, key: str) -> dict:
        with _answered(key):
            return self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))

    def open(self, key: str) -> BinaryIO:
        return io.BufferedReader(ObjectReader(self, key, self.size(key)), 64 * 1024)

    def delete(self, key: str) -> bool:
        """False (logged) when the storage cannot be reached: the row is gone already."""
        try:
            with _answered(key):
                self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except StorageUnavailable:
            return False
        return True

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except FileMissing:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self.head(key)["ContentLength"])

    def download_response(self, key: str, *, filename: str, content_type: str,
                          as_attachment: bool) -> Response:
        head = self.head(key)
        # a signed URL cannot carry a CSP sandbox or nosniff: only downloads and images
        # leave the app; anything the browser would render is streamed with its headers
        if self.redirect and (as_attachment or content_type.startswith("image/")):
            response = redirect(self.signed_url(key, filename, content_type, as_attachment))
        else:
            size = int(head["ContentLength"])
            response = send_file(ObjectReader(self, key, size), mimetype=content_type,
                                 as_attachment=as_attachment, download_name=filename,
                                 conditional=False, etag=False, max_age=0)
            response.content_length = size
            response.set_etag(head.get("ETag", "").strip('"') or key)
            response.last_modified = head.get("LastModified")
            response = response.make_conditional(request, accept_ranges=True,
                                                  complete_length=size)
        response.headers["Cache-Control"] = PRIVATE
        return response

    def signed_url(self, key: str, filename: str, content_type: str,
                   as_attachment: bool) -> str:
        return self.signer.generate_presigned_url(
            "get_object", ExpiresIn=self.url_seconds,
            Params={"Bucket": self.bucket, "Key": self.object_key(key),
                    "ResponseContentType": get_content_type(content_type, "utf-8"),
                    "ResponseContentDisposition": content_disposition(filename, as_attachment),
                    "ResponseCacheControl": PRIVATE})


class ObjectReader(io.RawIOBase):
    """A stored object as a seekable file: a read after a seek asks for the rest of the
    object from there (a Range GET), so Range requests fetch only what they send."""

    def __init__(self, storage: S3Storage, key: str, size: int):
        super().__init__()
        self.storage, self.key, self.size = storage, key, size
        self.pos, self.body = 0, None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        if base + offset != self.pos:
            self._drop()
            self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer) -> int:
        if self.pos >= self.size:
            return 0
        if self.body is None:
            with _answered(self.key):
                self.body = self.storage.client.get_object(
                    Bucket=self.storage.bucket, Key=self.storage.object_key(self.key),
                    Range=f"bytes={self.pos}-")["Body"]
        data = self.body.read(len(buffer))
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()
        super().close()
