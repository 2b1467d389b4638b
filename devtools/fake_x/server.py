"""The fake X API over HTTP: a stdlib threading server speaking HTTP/1.1 with keep-alive and chunked streams.

API endpoints (real v2 paths and shapes):
    GET  /2/tweets/search/recent          app or user token
    GET  /2/tweets/search/stream          app token; chunked JSON lines, \\r\\n keep-alives
    GET  /2/tweets/search/stream/rules    app token
    POST /2/tweets/search/stream/rules    app token; add / delete (ids or values), ?dry_run=true (or True);
                                          a rule past `max_rule_length` is invalid (400), one past `max_rules`
                                          is refused in errors[] (RulesCapExceeded)
    POST /2/tweets                        user token ("fake-user-token-<handle>", one of `user_tokens`, one
                                          the OAuth server issued, or an OAuth 1.0a signature with one of
                                          `oauth1_tokens`);
                                          x-rate-limit-* is the account's 15-minute window, x-app-limit-24hour-*
                                          the app's; 429 with the spent window's reset when either is spent
    GET  /2/users/me                      user token: the posting account
    GET  /2/users/:id/tweets              the account's posts, newest first: the outbox's reconciliation lookup
    GET  /i/oauth2/authorize              OAuth 2.0 PKCE: approves as `oauth.signed_in_as`, or asks for a username
    POST /2/oauth2/token                  authorization_code (PKCE S256) and refresh_token grants (oauth.py);
                                          the access tokens it issues post as their user until they expire
Control endpoints (no auth), for a simulator in another process:
    POST /_fake/tweets   a v2 page {"data": [...], "includes": {"users": [...], "tweets": [...]}}: `data` is
                         stored and pushed to open streams, includes are stored only
    GET  /_fake/posted   {"data": [every accepted post]}
    POST /_fake/faults   {"endpoint", "fault", "times"?, plus the fault's parameters}
"""

import hmac
import html
import logging
import queue
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

import orjson

from devtools.fake_x import documents
from devtools.fake_x.faults import (
    ANSWER_FAULTS,
    APP_WINDOW_SECONDS,
    DEFAULT_APP_POST_LIMIT,
    RATE_WINDOW_SECONDS,
    Endpoint,
    Fault,
    FaultQueues,
    InjectedFault,
)
from devtools.fake_x.oauth import SIGN_IN_FORM, FakeOAuth
from devtools.fake_x.state import Answer, FakeXState, PostAttempt, RecordedPost, StreamConnection
from ingestion.x_client import FAKE_APP_TOKEN, FAKE_USER_TOKEN_PREFIX, oauth1_parse_header, oauth1_signature

logger = logging.getLogger(__name__)

_USER_TWEETS_PATH = re.compile(r"/2/users/(\d{1,19})/tweets")
_APP, _USER = "app", "user"

# X answers errors as RFC 7807 problems, labelled so; successes (partial errors included) as JSON.
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class BadBoolean(ValueError):
    """A boolean query parameter with a value X does not take."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"The `{name}` query parameter value [{value}] is not one of [true,false]")
        self.name, self.value = name, value


def query_bool(params: dict[str, str], name: str) -> bool:
    """A boolean query parameter as X reads it: `true` / `false` in any case (tweepy and X's own SDK
    send Python's `True`); absent is false."""
    value = params.get(name)
    if value is None:
        return False
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadBoolean(name, value)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # names lower-cased


@dataclass(frozen=True, slots=True)
class _Admission:
    account: str | None  # the posting account, for user tokens
    fault: InjectedFault | None  # a connection-level fault still to apply
    rate_headers: dict[str, str]


class FakeXApi:
    """A local X API v2 for tests, the demo and the simulator. `with FakeXApi() as fake: fake.base_url ...`"""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        keepalive_interval: float = 20.0,
        app_token: str = FAKE_APP_TOKEN,
        user_tokens: dict[str, str] | None = None,
        rate_limits: dict[Endpoint, int] | None = None,
        app_post_limit: int = DEFAULT_APP_POST_LIMIT,
        window_seconds: int = RATE_WINDOW_SECONDS,
        app_window_seconds: int = APP_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
        max_rules: int = 1000,
        max_rule_length: int = 1024,
        oauth_token_lifetime: int | None = None,
        consumer_key: str = "fake-consumer-key",
        consumer_secret: str = "fake-consumer-secret",  # noqa: S107 (the fake's own, not a secret)
        oauth1_tokens: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.keepalive_interval = keepalive_interval
        self.app_token = app_token
        self.user_tokens = dict(user_tokens or {})  # token -> handle
        # OAuth 1.0a: requests signed with the app's consumer key and secret and one of these
        # tokens (token -> (its secret, handle)) post as that handle.
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.oauth1_tokens = dict(oauth1_tokens or {})
        self.state = FakeXState(max_rules=max_rules, max_rule_length=max_rule_length)
        self.oauth = FakeOAuth(clock) if oauth_token_lifetime is None else FakeOAuth(clock, oauth_token_lifetime)
        # rate_limits[Endpoint.POST] is each account's posts per window_seconds; app_post_limit the app's
        # posts per app_window_seconds (X: 100 per 15 minutes, 10,000 per 24 hours); `clock` lets tests move time.
        self._faults = FaultQueues(
            rate_limits,
            app_post_limit=app_post_limit,
            window_seconds=window_seconds,
            app_window_seconds=app_window_seconds,
            clock=clock,
        )
        self._requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "FakeXApi":
        self.stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        # A short poll interval so stop() returns quickly.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-x-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.stopping.set()
        self.state.close_all_streams()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> "FakeXApi":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- control surface ---

    def add_tweets(self, tweets: Sequence[dict], users: Sequence[dict] = ()) -> None:
        """Store tweets (searchable; known as reply parents) without streaming them, as if posted earlier."""
        self.state.add_tweets(tweets, users)

    def push_to_stream(self, tweets: Sequence[dict], users: Sequence[dict] = ()) -> int:
        """Store tweets and deliver them to the open streams whose rules they match; returns lines queued."""
        return self.state.push_to_stream(tweets, users)

    def push_raw_to_stream(self, line: bytes) -> None:
        """Send one line as is (without its \\r\\n) to every open stream: for malformed or unusual lines."""
        self.state.push_raw_to_stream(line)

    def inject(self, endpoint: Endpoint | str, fault: Fault | str, times: int = 1, **params: float) -> None:
        """Queue a fault for the next `times` requests to `endpoint`; see faults.Fault for names and parameters."""
        with self.state.lock:
            self._faults.inject(endpoint, fault, times, **params)

    @property
    def posted(self) -> list[RecordedPost]:
        with self.state.lock:
            return list(self.state.posted)

    @property
    def post_attempts(self) -> list[PostAttempt]:
        with self.state.lock:
            return list(self.state.post_attempts)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self._requests)

    @property
    def stream_connections_opened(self) -> int:
        """Stream connections accepted so far: a test proves with it that a change did not reconnect."""
        with self.state.lock:
            return self.state.stream_connections_opened

    @property
    def rules(self) -> list[dict]:
        return (self.state.rules().body or {}).get("data", [])

    # --- used by the handler ---

    def record(self, request: RecordedRequest) -> None:
        with self.state.lock:
            self._requests.append(request)

    def identify(
        self, authorization: str | None, method: str = "GET", path: str = "/", query: dict[str, str] | None = None
    ) -> tuple[str, str | None] | None:
        """("user", handle) or ("app", None) for a known bearer token or a valid OAuth 1.0a signature;
        None for a missing, unknown or badly signed one."""
        oauth1 = oauth1_parse_header(authorization or "")
        if oauth1 is not None:
            return self._identify_oauth1(oauth1, method, path, query or {})
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        if token in self.user_tokens:
            return _USER, self.user_tokens[token]
        oauth_account = self.oauth.account_for(token)
        if oauth_account is not None:
            return _USER, oauth_account
        if token.startswith(FAKE_USER_TOKEN_PREFIX) and len(token) > len(FAKE_USER_TOKEN_PREFIX):
            return _USER, token.removeprefix(FAKE_USER_TOKEN_PREFIX)
        if token == self.app_token:
            return _APP, None
        return None

    def _identify_oauth1(
        self, oauth: dict[str, str], method: str, path: str, query: dict[str, str]
    ) -> tuple[str, str | None] | None:
        held = self.oauth1_tokens.get(oauth.get("oauth_token", ""))
        if held is None or oauth.get("oauth_consumer_key") != self.consumer_key:
            return None
        secret, handle = held
        signed = {name: value for name, value in oauth.items() if name != "oauth_signature"}
        expected = oauth1_signature(
            method=method,
            url=f"{self.base_url}{path}",
            params={**query, **signed},
            consumer_secret=self.consumer_secret,
            token_secret=secret,
        )
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            return None
        return _USER, handle

    def take_fault(self, endpoint: Endpoint) -> tuple[InjectedFault | None, Answer | None]:
        """The next queued fault, and the answer it gives when it is one that answers instead of serving."""
        with self.state.lock:
            injected = self._faults.take(endpoint)
            if injected is not None and injected.fault in ANSWER_FAULTS:
                return injected, Answer(*self._faults.answer_for(endpoint, injected))
            return injected, None

    def consume_request(self, endpoint: Endpoint, account: str | None = None) -> tuple[dict[str, str], bool]:
        with self.state.lock:
            return self._faults.consume_request(endpoint, account)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeXApi) -> None:
        super().__init__(address, _Handler)
        self.fake = fake

    def handle_error(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        # A client closing its keep-alive connection is normal, not an error worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and chunked streams
    # Headers and body go out in separate writes; with Nagle on, each keep-alive request waits ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        logger.debug("fake X API: %s", format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake.record(RecordedRequest(method, path, params, headers))
        user_tweets = _USER_TWEETS_PATH.fullmatch(path)
        try:
            if path.startswith("/_fake/"):
                self._control(method, path, raw_body)
            elif (method, path) == ("GET", "/2/tweets/search/recent"):
                self._serve(Endpoint.SEARCH, {_APP, _USER}, lambda _: fake.state.search_recent(params))
            elif (method, path) == ("GET", "/2/tweets/search/stream"):
                self._stream(params)
            elif (method, path) == ("GET", "/2/tweets/search/stream/rules"):
                self._serve(Endpoint.RULES, {_APP}, lambda _: fake.state.rules())
            elif (method, path) == ("POST", "/2/tweets/search/stream/rules"):
                body = _json_or_none(raw_body)
                self._serve(Endpoint.RULES, {_APP}, lambda _: self._change_rules(body, params))
            elif (method, path) == ("POST", "/2/tweets"):
                self._post_tweet(raw_body)
            elif (method, path) == ("GET", "/2/users/me"):
                self._serve(Endpoint.USERS, {_USER}, lambda admission: Answer(200, {
                    "data": fake.state.account_user(admission.account)
                }))  # fmt: skip
            elif (method, path) == ("GET", "/i/oauth2/authorize"):
                self._authorize(params)
            elif (method, path) == ("POST", "/2/oauth2/token"):
                answer = fake.oauth.token(raw_body, self.headers.get("Authorization"))
                self._send(Answer(answer.status, answer.body, {"Cache-Control": "no-store"}))
            elif method == "GET" and user_tweets:
                user_id = user_tweets.group(1)
                self._serve(Endpoint.USERS, {_APP, _USER}, lambda _: fake.state.user_tweets(user_id, params))
            else:
                self._send(Answer(404, documents.NOT_FOUND))
        except ConnectionError:
            self.close_connection = True  # the client went away; nothing to answer
        except Exception:
            # A bug in the fake must not look like a network cut to the client under test.
            logger.exception("fake X API failed on %s %s", method, path)
            self._send(Answer(500, documents.problem(500, "Internal Server Error", "The fake X API failed.")))

    # --- API plumbing ---

    def _admit(self, endpoint: Endpoint, allowed: set[str]) -> _Admission | None:
        """Authenticate, then apply a queued fault or the rate limit. None when that already answered."""
        fake = self.server.fake
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        identity = fake.identify(self.headers.get("Authorization"), self.command, url.path, query)
        if identity is None:
            self._send(Answer(401, documents.UNAUTHORIZED))
            return None
        kind, account = identity
        if kind not in allowed:
            used, supported = (
                ("OAuth 2.0 Application-Only", "OAuth 1.0a User Context, OAuth 2.0 User Context")
                if kind == _APP
                else ("OAuth 2.0 User Context", "OAuth 2.0 Application-Only")
            )
            self._send(Answer(403, documents.unsupported_authentication(used, supported)))
            return None
        injected, answer = fake.take_fault(endpoint)
        if answer is not None:
            self._send(answer)
            return None
        rate_headers, exhausted = fake.consume_request(endpoint, account)
        if exhausted:
            self._send(Answer(429, documents.RATE_LIMITED, rate_headers))
            return None
        return _Admission(account, injected, rate_headers)

    def _serve(self, endpoint: Endpoint, allowed: set[str], produce: Callable[[_Admission], Answer]) -> None:
        admission = self._admit(endpoint, allowed)
        if admission is not None:
            answer = produce(admission)
            self._send(Answer(answer.status, answer.body, {**admission.rate_headers, **answer.headers}))

    def _change_rules(self, body: object, params: dict[str, str]) -> Answer:
        try:
            dry_run = query_bool(params, "dry_run")
        except BadBoolean as error:
            return Answer(400, documents.invalid_request([str(error)], parameters={error.name: [error.value]}))
        return self.server.fake.state.change_rules(body, dry_run)

    def _send(self, answer: Answer) -> None:
        payload = b"" if answer.body is None else orjson.dumps(answer.body)
        self.send_response(answer.status)
        self.send_header("Content-Type", PROBLEM_CONTENT_TYPE if answer.status >= 400 else JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _drop_connection(self) -> None:
        """Close the socket without a response or the last chunk: what a crash or a network cut looks like."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    # --- OAuth 2.0 ---

    def _authorize(self, params: dict[str, str]) -> None:
        location, error = self.server.fake.oauth.authorize(params)
        if location is not None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if error is not None:
            self._send(Answer(400, documents.invalid_request([error])))
            return
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in params.items()
            if name != "username"
        )
        page = SIGN_IN_FORM.format(hidden=hidden).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    # --- POST /2/tweets ---

    def _post_tweet(self, raw_body: bytes) -> None:
        fake = self.server.fake
        admission = self._admit(Endpoint.POST, {_USER})
        if admission is None:
            return
        body = _json_or_none(raw_body)
        injected = admission.fault
        withheld = injected is not None and injected.fault is Fault.TIMEOUT_AFTER_POST
        answer = fake.state.create_tweet(admission.account, body, response_withheld=withheld)
        if withheld:
            if injected.delay is None:
                self._drop_connection()
                return
            fake.stopping.wait(injected.delay)
        self._send(Answer(answer.status, answer.body, admission.rate_headers))

    # --- GET /2/tweets/search/stream ---

    def _stream(self, params: dict[str, str]) -> None:
        fake = self.server.fake
        admission = self._admit(Endpoint.STREAM, {_APP})
        if admission is None:
            return
        opened = fake.state.open_stream(params)
        if isinstance(opened, Answer):
            self._send(Answer(opened.status, opened.body, admission.rate_headers))
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            for name, value in admission.rate_headers.items():
                self.send_header(name, value)
            self.end_headers()
            self._pump(opened, admission.fault)
        finally:
            fake.state.close_stream(opened)

    def _pump(self, connection: StreamConnection, injected: InjectedFault | None) -> None:
        fake = self.server.fake
        lines_sent = 0
        copies = 2 if injected is not None and injected.fault is Fault.DUPLICATE else 1
        while not fake.stopping.is_set():
            if injected is not None and injected.fault is not Fault.DUPLICATE and lines_sent >= injected.after_lines:
                if injected.fault is Fault.DISCONNECT:
                    self._drop_connection()
                    return
                if injected.fault is Fault.OPERATIONAL_DISCONNECT:
                    self._write_chunk(orjson.dumps(documents.OPERATIONAL_DISCONNECT) + b"\r\n")
                    break
                fake.stopping.wait(injected.seconds)  # STALL: not a byte, keep-alives included
                injected = None
                continue
            try:
                line = connection.lines.get(timeout=fake.keepalive_interval)
            except queue.Empty:
                self._write_chunk(b"\r\n")
                continue
            if line is None:
                break
            for _ in range(copies):
                self._write_chunk(line + b"\r\n")
            lines_sent += 1
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    # --- control endpoints ---

    def _control(self, method: str, path: str, raw_body: bytes) -> None:
        fake = self.server.fake
        body = _json_or_none(raw_body)
        if (method, path) == ("GET", "/_fake/posted"):
            self._send(Answer(200, {"data": [asdict(post) for post in fake.posted]}))
        elif (method, path) == ("POST", "/_fake/tweets"):
            self._send(self._control_tweets(body))
        elif (method, path) == ("POST", "/_fake/faults"):
            options = dict(body) if isinstance(body, dict) else {}
            try:
                fake.inject(options.pop("endpoint", ""), options.pop("fault", ""), options.pop("times", 1), **options)
            except (TypeError, ValueError) as error:
                self._send(Answer(400, documents.invalid_request([str(error)])))
                return
            self._send(Answer(201, {"data": {"queued": True}}))
        else:
            self._send(Answer(404, documents.NOT_FOUND))

    def _control_tweets(self, body: object) -> Answer:
        fake = self.server.fake
        if not isinstance(body, dict):
            return Answer(400, documents.invalid_request(["expected a v2 page: {data, includes}"]))
        data = body.get("data", [])
        tweets = [data] if isinstance(data, dict) else data
        includes = body.get("includes") or {}
        if not isinstance(tweets, list) or not isinstance(includes, dict):
            return Answer(400, documents.invalid_request(["expected a v2 page: {data, includes}"]))
        tweets_ok = all(
            _has_strings(item, "id") and item["id"].isdigit() for item in [*tweets, *includes.get("tweets", [])]
        )
        if not tweets_ok or not all(_has_strings(user, "id", "username") for user in includes.get("users", [])):
            return Answer(
                400,
                documents.invalid_request(["tweets need an id of digits (a string), users a string id and username"]),
            )
        fake.add_tweets(includes.get("tweets", []), includes.get("users", []))
        lines = fake.push_to_stream(tweets)
        return Answer(201, {"data": {"stored": len(tweets), "stream_lines": lines}})


def _has_strings(item: object, *keys: str) -> bool:
    return isinstance(item, dict) and all(isinstance(item.get(key), str) for key in keys)


def _json_or_none(raw: bytes) -> object:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
