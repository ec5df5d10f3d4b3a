"""A real S3-compatible server on loopback for the storage tests: moto's server (the `test`
extra) in its own process on a free port, with one bucket. Nothing is mocked in-process:
boto3 talks HTTP to it exactly as it would to MinIO or AWS."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CI = os.environ.get("CI", "").lower() == "true"
BUCKET = "helpport-test"
KEYS = {"STORAGE_S3_ACCESS_KEY": "test-access-key", "STORAGE_S3_SECRET_KEY": "test-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status < 500
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The settings that point an app at the server's bucket (path-style addressing)."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        if CI:
            pytest.fail("CI must run the object storage tests: install the test extra")
        pytest.skip("needs moto[server] (the test extra)")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("moto") / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _answers(endpoint + "/moto-api/"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the S3 server on {endpoint} did not start (see {log.name})")
            time.sleep(0.1)
        settings = {"STORAGE_BACKEND": "s3", "STORAGE_S3_ENDPOINT_URL": endpoint,
                    "STORAGE_S3_BUCKET": BUCKET, "STORAGE_S3_REGION": "us-east-1",
                    "STORAGE_S3_ADDRESSING_STYLE": "path", "STORAGE_S3_PREFIX": "hp/", **KEYS}
        s3_client(settings).create_bucket(Bucket=BUCKET)
        yield settings
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def s3_client(settings):
    """A client of its own, to look at the bucket behind the app's back."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=settings["STORAGE_S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id=KEYS["STORAGE_S3_ACCESS_KEY"],
        aws_secret_access_key=KEYS["STORAGE_S3_SECRET_KEY"],
        config=Config(s3={"addressing_style": "path"}))


def object_names(settings) -> set[str]:
    found = s3_client(settings).list_objects_v2(Bucket=settings["STORAGE_S3_BUCKET"])
    return {item["Key"] for item in found.get("Contents", [])}


def instance_config(app, upload_dir, **settings):
    """The config of another instance on the session app's database (and Redis), with an
    UPLOAD_DIR of its own and `settings` on top."""
    from config import TestingConfig

    return type("Config", (TestingConfig,), {
        "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": app.config.get("REDIS_URL", ""),
        "OUTBOX_DIR": app.config["OUTBOX_DIR"], "UPLOAD_DIR": str(upload_dir),
        "BASE_URL": app.config["BASE_URL"], **settings})


def close_instance(other) -> None:
    from portal.extensions import db

    with other.app_context():
        db.session.remove()
        db.engine.dispose()
