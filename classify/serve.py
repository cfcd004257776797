"""``classify serve``: the predictor over HTTP, on Starlette + uvicorn (the ``serve`` extra).

Endpoints (the OpenAPI document is ``GET /openapi.json``):

* ``POST /tag`` — one Article (a JSON object) or a JSON array of up to ``max_batch``
  Articles; answers the Tag, or the Tags in order, each exactly the JSON ``classify tag``
  writes for that record (the same encoder), a bad record an error Tag in its place;
* ``POST /tag/stream`` — NDJSON in, NDJSON out, streamed in batches: memory stays bounded by
  the batch, however long the request; line numbers in error Tags are the request's lines;
* ``GET /health`` — ``{"status": "ok", "model": id}`` (never needs the token: probes);
* ``GET /model`` — model id, version, path, label set, metrics and training counts from the
  manifest;
* ``POST /admin/reload`` (or ``SIGHUP``) — load the registry's current version, verify it and
  swap it in; a bad bundle is refused with 409 and the old model keeps serving. Requests in
  flight finish on the model they started with.

Bad input is a 4xx with ``{"error": ...}``, never a 500: 400 malformed JSON or not UTF-8,
401 missing/wrong bearer token (when one is set, for every endpoint but ``/health``), 413 body
or batch too large, 415 wrong content type. Texts longer than the CLI's limit are truncated
with a warning on the Tag, as ``classify tag`` does.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from classify.io import article_from_obj, decode_line, records_from_lines
from classify.predictor import Predictor

__all__ = [
    "ModelHolder",
    "create_app",
    "app_from_env",
    "run",
    "MAX_BATCH",
    "MAX_BODY",
    "STREAM_BATCH",
    "OPENAPI",
]

#: Records in one ``POST /tag`` array.
MAX_BATCH = 1000
#: Bytes in one ``POST /tag`` body, and in one line of ``POST /tag/stream``.
MAX_BODY = 10 * 2**20
#: Lines tagged together by ``POST /tag/stream`` (what bounds its memory).
STREAM_BATCH = 256
JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
ENV = "CLASSIFY_SERVE"


class ModelHolder:
    """The predictor being served, swapped atomically by :meth:`reload`."""

    def __init__(self, model: str | Path | None = None, topics: bool | str = False) -> None:
        self.model = model
        self.topics = topics
        self._lock = threading.Lock()
        self.predictor = self._load()
        self.loaded = time.time()
        self.reloads = 0

    def _load(self) -> Predictor:
        p = Predictor.load(self.model)
        if self.topics:
            p.attach_topics(self.topics if isinstance(self.topics, str) else None)
        p.encode_batch([article_from_obj({"id": "warm-up", "text": "warm up"})])
        return p

    def reload(self) -> Predictor:
        """Load and verify the current version; swap it in only if that worked (else raise)."""
        with self._lock:  # one reload at a time; readers never wait for it
            new = self._load()
            self.predictor = new
            self.loaded = time.time()
            self.reloads += 1
            return new


def _info(p: Predictor) -> dict[str, Any]:
    m = p.manifest
    return {
        "model": p.model_id,
        "version": p.path.name,
        "path": str(p.path),
        "labels": m.get("labels"),
        "candidate": m.get("candidate"),
        "metrics": m.get("metrics"),
        "training_data": {k: v for k, v in (m.get("training_data") or {}).items() if k != "ids"},
        "created": m.get("created"),
    }


def _ctype(value: str) -> str:
    return value.split(";")[0].strip().lower()


def create_app(
    model: str | Path | None = None,
    topics: bool | str = False,
    token: str | None = None,
    max_batch: int = MAX_BATCH,
    max_body: int = MAX_BODY,
    holder: ModelHolder | None = None,
) -> Any:
    """The Starlette application serving one model (``holder`` to share one already loaded)."""
    try:
        from starlette.applications import Starlette
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Route
    except ImportError as e:  # pragma: no cover - the extra is in the dev group
        raise ImportError(
            "classify serve needs the 'serve' extra: pip install 'classify[serve]'"
        ) from e

    holder = holder or ModelHolder(model, topics)

    def error(status: int, msg: str) -> Response:
        return JSONResponse({"error": msg}, status_code=status)

    def denied(request: Request) -> Response | None:
        if not token:
            return None
        got = request.headers.get("authorization", "")
        if got.startswith("Bearer ") and hmac.compare_digest(got[7:].encode(), token.encode()):
            return None
        return error(401, "missing or wrong bearer token (Authorization: Bearer <token>)")

    async def body_of(request: Request) -> bytes | Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body:
            return error(413, f"body of {declared} bytes; the limit is {max_body}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                return error(413, f"body over the limit of {max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def tag(request: Request) -> Response:
        if (r := denied(request)) is not None:
            return r
        if _ctype(request.headers.get("content-type", "")) not in JSON_TYPES:
            return error(415, "send application/json: one Article object or an array of them")
        body = await body_of(request)
        if isinstance(body, Response):
            return body
        try:
            doc = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError as e:
            return error(400, f"body is not UTF-8: {e.reason} at byte {e.start}")
        except (ValueError, RecursionError) as e:
            return error(400, f"malformed JSON: {str(e)[:200]}")
        single = not isinstance(doc, list)
        items = [doc] if single else doc
        if len(items) > max_batch:
            return error(413, f"batch of {len(items)} records; the limit is {max_batch}")
        recs = [article_from_obj(obj, n) for n, obj in enumerate(items, 1)]
        p = holder.predictor  # the model this request started with
        lines = await run_in_threadpool(p.encode_batch, recs) if recs else []
        out = lines[0] if single else "[" + ", ".join(lines) + "]"
        return Response(out + "\n", media_type="application/json")

    class Stream:
        """``POST /tag/stream`` as a plain ASGI endpoint: it reads the request body and sends
        the response body at the same time (Starlette's StreamingResponse would compete with
        the body for ``receive``), one batch of lines at a time."""

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            request = Request(scope, receive)
            refusal = denied(request)
            if (
                refusal is None
                and _ctype(request.headers.get("content-type", "")) not in NDJSON_TYPES
            ):
                refusal = error(
                    415, f"send NDJSON ({', '.join(NDJSON_TYPES)}): one Article per line"
                )
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            p = holder.predictor  # the model this request started with

            def encode(batch: list[tuple[int, str | None, str | None]]) -> bytes:
                recs = list(records_from_lines(batch, "request"))
                return ("\n".join(p.encode_batch(recs)) + "\n").encode("utf-8")

            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/x-ndjson")],
                }
            )
            buf, n, batch, skipping, more = b"", 0, [], False, True
            while more:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                buf += msg.get("body", b"")
                more = msg.get("more_body", False)
                *complete, buf = buf.split(b"\n")
                for raw in complete:
                    n += 1
                    if skipping:  # the end of a line over the limit
                        skipping = False
                    elif len(raw) > max_body:
                        batch.append((n, None, f"line over the limit of {max_body} bytes"))
                    elif raw.strip():
                        batch.append(decode_line(n, raw))
                if len(buf) > max_body and not skipping:
                    n += 1
                    batch.append((n, None, f"line over the limit of {max_body} bytes"))
                    buf, skipping = b"", True
                elif skipping:
                    buf = b""
                if len(batch) >= STREAM_BATCH:
                    data = await run_in_threadpool(encode, batch)
                    batch = []
                    await send({"type": "http.response.body", "body": data, "more_body": True})
            if buf.strip() and not skipping:
                batch.append(decode_line(n + 1, buf))
            data = await run_in_threadpool(encode, batch) if batch else b""
            await send({"type": "http.response.body", "body": data, "more_body": False})

    async def health(request: Request) -> Response:  # noqa: ARG001
        return JSONResponse({"status": "ok", "model": holder.predictor.model_id})

    async def model_info(request: Request) -> Response:
        if (r := denied(request)) is not None:
            return r
        return JSONResponse(_info(holder.predictor) | {"reloads": holder.reloads})

    async def reload(request: Request) -> Response:
        if (r := denied(request)) is not None:
            return r
        from classify.errors import ClassifyError

        try:
            p = await run_in_threadpool(holder.reload)
        except ClassifyError as e:
            return error(409, f"reload refused, the previous model keeps serving: {e}")
        return JSONResponse({"status": "reloaded"} | _info(p))

    async def openapi(request: Request) -> Response:
        if (r := denied(request)) is not None:
            return r
        return JSONResponse(OPENAPI)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:  # noqa: ARG001
        import asyncio

        def on_hup() -> None:
            with contextlib.suppress(Exception):  # a bad bundle: keep serving the old model
                holder.reload()

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_hup)
        yield

    app = Starlette(
        routes=[
            Route("/tag", tag, methods=["POST"]),
            Route("/tag/stream", Stream(), methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/model", model_info, methods=["GET"]),
            Route("/admin/reload", reload, methods=["POST"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.holder = holder
    return app


def app_from_env() -> Any:
    """The app of a uvicorn worker process (``--workers N``): settings from ``$CLASSIFY_SERVE``."""
    cfg = json.loads(os.environ.get(ENV, "{}"))
    return create_app(**cfg)


def run(
    model: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    topics: bool | str = False,
    token: str | None = None,
    max_batch: int = MAX_BATCH,
    max_body: int = MAX_BODY,
    log_level: str = "warning",
    holder: ModelHolder | None = None,
) -> None:
    """Serve until interrupted (uvicorn; ``workers`` > 1 starts that many processes, each
    loading the model; one worker serves ``holder`` when given, so nothing is loaded twice)."""
    import uvicorn

    cfg = {
        "model": model,
        "topics": topics,
        "token": token,
        "max_batch": max_batch,
        "max_body": max_body,
    }
    if workers > 1:
        os.environ[ENV] = json.dumps(cfg)
        uvicorn.run(
            "classify.serve:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
    else:
        uvicorn.run(create_app(**cfg, holder=holder), host=host, port=port, log_level=log_level)


_ARTICLE = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "text": {"type": "string"},
        "date": {"type": "string", "description": "ISO 8601 date or datetime"},
    },
}
_TAG = {
    "type": "object",
    "description": "The Tag JSON of `classify tag` (SPEC §1); a bad record has `error` and `line`",
    "properties": {
        "id": {"type": "string"},
        "sectors": {"type": "array", "items": {"type": "string"}},
        "sector_scores": {"type": "object", "additionalProperties": {"type": "number"}},
        "tone": {"type": "string", "enum": ["tightening", "easing", "neutral", "none"]},
        "tone_scores": {"type": "object", "additionalProperties": {"type": "number"}},
        "tone_index": {"type": "number"},
        "companies": {"type": "array", "items": {"type": "string"}},
        "model": {"type": "string"},
        "error": {"type": ["string", "null"]},
    },
}
_ERR = {
    "description": "bad request",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
        }
    },
}
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "classify",
        "version": "1",
        "description": "Sector and regulatory-tone tags for Chinese tech news.",
    },
    "components": {
        "schemas": {"Article": _ARTICLE, "Tag": _TAG},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/tag": {
            "post": {
                "summary": "Tag one Article, or an array of up to max_batch Articles (Tags in order)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/Article"},
                                    {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Article"},
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "the Tag, or the Tags in order",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Tag"},
                                        {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Tag"},
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "400": _ERR,
                    "401": _ERR,
                    "413": _ERR,
                    "415": _ERR,
                },
            }
        },
        "/tag/stream": {
            "post": {
                "summary": "NDJSON Articles in, NDJSON Tags out (streamed, bounded memory)",
                "requestBody": {
                    "required": True,
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                },
                "responses": {
                    "200": {
                        "description": "one Tag per input line, in order",
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    },
                    "401": _ERR,
                    "415": _ERR,
                },
            }
        },
        "/health": {
            "get": {
                "summary": "liveness (no token needed)",
                "security": [],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/model": {
            "get": {
                "summary": "model id, version, label set, metrics",
                "responses": {"200": {"description": "the manifest's summary"}, "401": _ERR},
            }
        },
        "/admin/reload": {
            "post": {
                "summary": "load, verify and swap in the registry's current version",
                "responses": {"200": {"description": "reloaded"}, "401": _ERR, "409": _ERR},
            }
        },
    },
}
