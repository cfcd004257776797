"""`classify serve`: a real uvicorn server on a loopback port, tagged over HTTP like the CLI."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("starlette", reason="classify serve needs the 'serve' extra (Starlette)")
uvicorn = pytest.importorskip("uvicorn", reason="classify serve needs the 'serve' extra (uvicorn)")

from classify.cli import app  # noqa: E402
from classify.io import MAX_TEXT_CHARS  # noqa: E402
from classify.serve import create_app  # noqa: E402

runner = CliRunner()

RECORDS = [
    {"id": "a", "title": "Regulators fine Alibaba", "text": "SAMR fined Alibaba for monopoly."},
    {"id": "b", "text": "比亚迪发布新款电动车，续航提升", "date": "2024-03-05"},
    {"id": "c", "title": "no text here"},  # an error record, in its place
    {"id": "d", "text": "Tencent games " * (MAX_TEXT_CHARS // 10)},  # truncated, with a warning
    "a bare string is a text too",
    {"id": 7, "text": "numeric ids become strings"},
]


class Server:
    """uvicorn serving ``app`` on a free loopback port, in a thread of this process."""

    def __init__(self, asgi_app: object) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(asgi_app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        ctype: str = "application/json",
        token: str | None = None,
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": ctype} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(
            method, path, body=body.encode() if isinstance(body, str) else body, headers=headers
        )
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture(scope="module")
def registry(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model name directory: v001 (the tiny bundle) current."""
    d = tmp_path_factory.mktemp("serve") / "model"
    d.mkdir()
    shutil.copytree(tiny_bundle, d / "v001")
    (d / "CURRENT").write_text("v001\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def server(registry: Path):  # noqa: ANN201
    s = Server(create_app(str(registry), max_batch=50, max_body=2 * MAX_TEXT_CHARS))
    yield s
    s.stop()


def _cli_lines(registry: Path, tmp_path: Path) -> list[str]:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), "utf-8")
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["tag", str(src), "--model", str(registry), "-o", str(out)])
    assert r.exit_code == 1, r.output  # one error record
    return out.read_text(encoding="utf-8").splitlines()


def test_tag_answers_the_same_bytes_as_the_cli(
    server: Server, registry: Path, tmp_path: Path
) -> None:
    lines = _cli_lines(registry, tmp_path)
    assert len(lines) == len(RECORDS)
    for n, (rec, line) in enumerate(zip(RECORDS, lines, strict=True), 1):
        status, body = server.request("POST", "/tag", json.dumps(rec, ensure_ascii=False))
        assert status == 200
        got = body.decode().rstrip("\n")
        if n == 1 or json.loads(line).get("error") is None:
            assert got == line  # one record: the line number of an error is 1, not n
    status, body = server.request("POST", "/tag", json.dumps(RECORDS, ensure_ascii=False))
    assert status == 200 and body.decode() == "[" + ", ".join(lines) + "]\n"
    tags = json.loads(body)
    assert tags[2]["error"] and tags[2]["line"] == 3  # the error, in its place
    assert any("truncated" in w for w in tags[3]["warnings"])
    assert tags[5]["id"] == "7"


def test_stream_answers_ndjson_in_order_like_the_cli(
    server: Server, registry: Path, tmp_path: Path
) -> None:
    lines = _cli_lines(registry, tmp_path)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)
    body += "not json\n\n" + json.dumps({"id": "z", "text": "after a bad line"}) + "\n"
    status, out = server.request("POST", "/tag/stream", body, ctype="application/x-ndjson")
    assert status == 200
    got = out.decode().splitlines()
    assert got[: len(lines)] == lines  # byte for byte
    bad, last = json.loads(got[-2]), json.loads(got[-1])
    assert bad["line"] == len(RECORDS) + 1 and "JSON" in bad["error"]
    assert last["id"] == "z" and last["error"] is None
    # many lines: batched, every one answered in order
    many = "".join(json.dumps({"id": f"m{i}", "text": "chips"}) + "\n" for i in range(700))
    status, out = server.request("POST", "/tag/stream", many, ctype="application/x-ndjson")
    ids = [json.loads(x)["id"] for x in out.decode().splitlines()]
    assert status == 200 and ids == [f"m{i}" for i in range(700)]


def test_bad_input_gets_a_clear_4xx_never_a_500(server: Server) -> None:
    cases = [
        ("/tag", b'{"id": "x", "text": "ok"}', "text/plain", 415),
        ("/tag", b'{"id": "x", "text": ', "application/json", 400),
        ("/tag", b"\xff\xfe not utf-8", "application/json", 400),
        ("/tag", json.dumps([{"text": "x"}] * 51).encode(), "application/json", 413),
        ("/tag", b'{"text": "' + b"x" * (2 * MAX_TEXT_CHARS + 10) + b'"}', "application/json", 413),
        ("/tag/stream", b'{"text": "x"}\n', "application/json", 415),
    ]
    for path, body, ctype, want in cases:
        status, out = server.request("POST", path, body, ctype=ctype)
        assert status == want, (path, body[:40], status, out[:200])
        assert json.loads(out)["error"]
    # a stream line over the limit is an error record in its place, the rest still answered
    big = b'{"text": "' + b"y" * (2 * MAX_TEXT_CHARS + 10) + b'"}\n{"id": "after", "text": "ok"}\n'
    status, out = server.request("POST", "/tag/stream", big, ctype="application/x-ndjson")
    rows = [json.loads(x) for x in out.decode().splitlines()]
    assert status == 200 and "over the limit" in rows[0]["error"] and rows[1]["id"] == "after"
    # wrong method, unknown path: starlette's 405 / 404, not 500
    assert server.request("GET", "/tag")[0] == 405
    assert server.request("GET", "/nothing")[0] == 404


def test_health_model_and_openapi(server: Server) -> None:
    status, out = server.request("GET", "/health")
    assert status == 200 and json.loads(out)["status"] == "ok"
    status, out = server.request("GET", "/model")
    info = json.loads(out)
    assert status == 200 and info["version"] == "v001" and info["labels"]["sectors"]
    assert "ids" not in info["training_data"]
    status, out = server.request("GET", "/openapi.json")
    doc = json.loads(out)
    assert status == 200 and {"/tag", "/tag/stream", "/health", "/model", "/admin/reload"} <= set(
        doc["paths"]
    )


def test_token_guards_every_endpoint_but_health(registry: Path) -> None:
    s = Server(create_app(str(registry), token="s3cret"))
    try:
        assert s.request("POST", "/tag", '{"text": "x"}')[0] == 401
        assert s.request("POST", "/tag", '{"text": "x"}', token="wrong")[0] == 401
        assert s.request("POST", "/tag", '{"text": "x"}', token="s3cret")[0] == 200
        assert s.request("GET", "/model")[0] == 401
        assert s.request("POST", "/admin/reload")[0] == 401
        assert s.request("GET", "/health")[0] == 200
    finally:
        s.stop()


@pytest.mark.slow
def test_reload_swaps_the_current_version_refuses_a_bad_one_and_loses_no_request(
    registry: Path, tiny_bundle: Path
) -> None:
    s = Server(create_app(str(registry)))
    results: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            status, _ = s.request("POST", "/tag", json.dumps(RECORDS[:2]))
            results.append(status)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.3)
        shutil.copytree(tiny_bundle, registry / "v002")
        (registry / "CURRENT").write_text("v002\n", encoding="utf-8")
        status, out = s.request("POST", "/admin/reload")
        assert status == 200 and json.loads(out)["version"] == "v002"
        # a tampered bundle is refused and v002 keeps serving
        shutil.copytree(tiny_bundle, registry / "v003")
        arrays = registry / "v003" / "model.npz"
        arrays.write_bytes(arrays.read_bytes()[:-50])
        (registry / "CURRENT").write_text("v003\n", encoding="utf-8")
        status, out = s.request("POST", "/admin/reload")
        assert status == 409 and "previous model keeps serving" in json.loads(out)["error"]
        assert json.loads(s.request("GET", "/model")[1])["version"] == "v002"
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
        (registry / "CURRENT").write_text("v001\n", encoding="utf-8")
        s.stop()
    assert len(results) > 10 and set(results) == {200}, (len(results), set(results))


def test_cli_serve_refuses_an_unusable_model_and_documents_itself(tmp_path: Path) -> None:
    r = runner.invoke(app, ["serve", "--model", str(tmp_path / "none")])
    assert r.exit_code == 2 and "error:" in r.output
    assert "Example" in runner.invoke(app, ["serve", "--help"]).output


@pytest.mark.slow
def test_sighup_reloads_a_running_server(tmp_path: Path) -> None:
    """The `classify serve` process itself: SIGHUP reloads (the signal needs the main thread)."""
    import os
    import signal
    import subprocess
    import sys

    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    exe = Path(sys.executable).with_name("classify")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], stderr=subprocess.PIPE)
    try:

        def model() -> dict:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/model")
            return json.loads(conn.getresponse().read())

        deadline = time.time() + 60
        while True:
            try:
                before = model()
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.1)
        os.kill(proc.pid, signal.SIGHUP)
        deadline = time.time() + 30
        while model()["reloads"] == before["reloads"]:
            assert time.time() < deadline, "SIGHUP did not reload"
            time.sleep(0.1)
        assert model()["model"] == before["model"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
