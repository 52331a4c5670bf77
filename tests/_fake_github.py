"""A stand-in for GitHub's REST API on 127.0.0.1, for the pull-request comment tests.

The real API cannot be reached from the tests, so this server answers the issue-comment calls
(list, create, update) from memory and checks every request against GitHub's own OpenAPI
description (the subset kept in shared/data): the path must match a path template, the method
must be described for it, path and query parameters must have the described types, a request
body must be JSON with the required fields. A request that does not conform is answered 400 and
recorded in ``violations``, so a test can assert there were none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests._servers import serving


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    operation: str = ""  # the OpenAPI operationId it matched, e.g. ".../list-comments"


@dataclass
class _Operation:
    template: str
    pattern: re.Pattern[str]
    method: str
    spec: dict[str, Any]


def _load_operations(spec_file: Path) -> list[_Operation]:
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    operations = []
    for template, methods in spec["paths"].items():
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        for method, operation in methods.items():
            operations.append(_Operation(template, re.compile(regex), method.upper(), operation))
    return operations


def _type_ok(value: str, schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    return True


@dataclass
class FakeGitHub:
    """The server's state: comments per issue, recorded requests and answers to force."""

    url: str
    token: str
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    force_status: dict[str, int] = field(default_factory=dict)  # "POST" -> 403, ...
    bot_login: str = "github-actions[bot]"
    _next_id: int = 1000

    def add_comment(self, issue: int, body: str, login: str = "someone") -> int:
        """Put a comment on an issue as if ``login`` had written it (a ``[bot]`` is a Bot)."""
        self._next_id += 1
        self.comments.setdefault(issue, []).append(
            {
                "id": self._next_id,
                "body": body,
                "user": {
                    "login": login,
                    "id": 1,
                    "type": "Bot" if login.endswith("[bot]") else "User",
                },
                "performed_via_github_app": None,
                "html_url": f"https://github.example/c/{self._next_id}",
            }
        )
        return self._next_id


def _handler(state: FakeGitHub, operations: list[_Operation]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _reject(self, message: str) -> None:
            state.violations.append(f"{self.command} {self.path}: {message}")
            self._answer(400, {"message": message})

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            state.requests.append(
                Recorded(self.command, parts.path, query, dict(self.headers.items()), body)
            )
            matched = [
                (op, m) for op in operations if (m := op.pattern.match(parts.path)) is not None
            ]
            if not matched:
                return self._reject("no path template of the API matches")
            found = [(op, m) for op, m in matched if op.method == self.command]
            if not found:
                return self._reject("method not described for this path")
            op, match = found[0]
            state.requests[-1].operation = op.spec["operationId"].rsplit("/", 1)[-1]
            params = {p["name"]: p for p in op.spec.get("parameters", [])}
            for name, value in match.groupdict().items():
                if not _type_ok(value, params[name]["schema"]):
                    return self._reject(f"path parameter {name}={value!r} has the wrong type")
            for name, values in query.items():
                param = params.get(name)
                if param is None or param["in"] != "query":
                    return self._reject(f"query parameter {name!r} is not described")
                if not all(_type_ok(v, param["schema"]) for v in values):
                    return self._reject(f"query parameter {name!r} has the wrong type")
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._answer(401, {"message": "Bad credentials"})
            request_body = op.spec.get("requestBody")
            if request_body is not None:
                content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if content_type not in request_body["content"]:
                    return self._reject(f"content type {content_type!r} is not accepted")
                schema = request_body["content"][content_type]["schema"]
                if not isinstance(body, dict):
                    return self._reject("the body is not a JSON object")
                missing = [k for k in schema.get("required", []) if k not in body]
                if missing:
                    return self._reject(f"required body fields missing: {missing}")
                for key, value in body.items():
                    prop = schema.get("properties", {}).get(key)
                    if prop is None:
                        return self._reject(f"body field {key!r} is not described")
                    if prop.get("type") == "string" and not isinstance(value, str):
                        return self._reject(f"body field {key!r} must be a string")
            elif raw:
                return self._reject("this operation takes no body")
            forced = state.force_status.get(self.command)
            if forced is not None:
                return self._answer(forced, {"message": "Resource not accessible by integration"})
            return self._serve(state.requests[-1].operation, match.groupdict(), query, body)

        def _serve(
            self, operation: str, args: dict[str, str], query: dict[str, list[str]], body: Any
        ) -> None:
            if operation in ("list-comments", "create-comment"):
                issue = int(args["issue_number"])
                if operation == "list-comments":
                    items = state.comments.get(issue, [])
                    per_page = int(query.get("per_page", ["30"])[0])
                    page = int(query.get("page", ["1"])[0])
                    chunk = items[(page - 1) * per_page : page * per_page]
                    headers = {}
                    if page * per_page < len(items):
                        base = f"{state.url}{urlsplit(self.path).path}"
                        headers["Link"] = (
                            f'<{base}?per_page={per_page}&page={page + 1}>; rel="next", '
                            f'<{base}?per_page={per_page}&page=1>; rel="first"'
                        )
                    return self._answer(200, chunk, headers)
                comment_id = state.add_comment(issue, body["body"], login=state.bot_login)
                return self._answer(201, state.comments[issue][-1] | {"id": comment_id})
            if operation == "update-comment":
                wanted = int(args["comment_id"])
                for items in state.comments.values():
                    for comment in items:
                        if comment["id"] == wanted:
                            comment["body"] = body["body"]
                            return self._answer(200, comment)
                return self._answer(404, {"message": "Not Found"})
            return self._answer(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_PATCH(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

    return Handler


@contextmanager
def fake_github(spec_file: Path, *, token: str = "fake-token") -> Iterator[FakeGitHub]:  # noqa: S107 - a test fake
    """Serve the stand-in API on 127.0.0.1 until the context ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = FakeGitHub(url=f"http://127.0.0.1:{server.server_address[1]}", token=token)
    server.RequestHandlerClass = _handler(state, _load_operations(spec_file))
    with serving(server):
        yield state
