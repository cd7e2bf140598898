"""Microsoft Teams alerts for Airflow 3 task callbacks.

Copied beside the DAGs by create_dag (``dags/teams_alerts.py``) and imported
by them::

    from teams_alerts import TeamsNotifier

    default_args = {"on_failure_callback": [TeamsNotifier(event="failure")]}

What it sends: a Power Automate "Workflows" message, i.e. an Adaptive Card in
the ``{"type": "message", "attachments": [...]}`` envelope; Office 365
connector webhooks (MessageCard) are retired, but ``message_format="legacy"``
still produces one for a team that has a connector left.

Where the webhook URL comes from: the Airflow connection ``conn_id`` (default
``msteams_webhook_url``), in any of these forms:

* ``AIRFLOW_CONN_MSTEAMS_WEBHOOK_URL='{"conn_type": "http", "host": "https://...invoke?...&sig=..."}'``
  (JSON; the host is the whole URL), e.g. from a Kubernetes Secret;
* host ``prod-00.westeurope.logic.azure.com:443/workflows/.../invoke?api-version=...&sig=...``
  with schema ``https`` (the classic HTTP connection form);
* a URI, ``AIRFLOW_CONN_MSTEAMS_WEBHOOK_URL='https://prod-00...:443/workflows/...?api-version=...&sig=...'``.

The URL's query string is its credential (``sig=``). No log line or message
of this module shows it, whatever the server or the connection holds: every
text logged once the URL is known is redacted by the secret's values (the
URL, its query, each query value, also decoded and as repr/JSON quote them),
and every form is registered with Airflow's secrets masker before any request.

The "View log" button links to ``ti.log_url``, which Airflow builds from
``[api] base_url`` (``AIRFLOW__API__BASE_URL``, e.g.
``https://airflow.example.com/``). Without it the link points at
``http://localhost:8080``, which works for nobody in the channel.

What the card shows from the run (the error text, the ids) is text, not
markup: Markdown and ``<at>`` mention tags are escaped, line breaks are sent
the way Teams renders them, and text that is not valid Unicode (an undecodable
file name) or an exception whose ``str()`` fails still gives a card. A context
without dag_id, task_id or run_id is a logged warning, not an empty card.

An alert never changes the task's outcome: every error is logged (without
the URL) and swallowed. ``total_timeout`` is a wall-clock deadline for the
whole alert, from connection look-up to the answer's last byte, that no slow
or drip-feeding server can stretch. One card per failure: a request whose body
went out is sent again only when the server answered that it did not take it
(408, 429, 5xx), with backoff, honouring ``Retry-After``, within that deadline
and a bounded number of attempts; a connection that failed before the body
went out is tried again too. A body sent and then met by silence, a reset or
garbage is not sent again (Teams may have it), and the log says so. A 2xx
status line counts as delivered at once, whatever follows it; redirects are
not followed (urllib would replay the POST as an empty GET). The card stays
under ``MAX_MESSAGE_BYTES`` whatever the context holds (``build_message``).

This module imports only the Airflow SDK's ``BaseNotifier`` at parse time;
connection look-up and HTTP happen when a callback fires.

Two parts, one file. Above ``# === the Teams channel``, the channel-neutral
core: the facts of an alert (``AlertFacts``, from a task's or a deadline's
context), the connection, redaction, the HTTP transport with its deadline and
retries (``post_with_retries``), and the Airflow glue (``Channel``,
``deliver``, ``alert_task``, ``alert_deadline``, ``AlertNotifier``). Below it,
the Teams card and the names DAGs import (``TeamsNotifier``,
``on_failure_alert``, ``deadline_alert``). Another channel is a ``Channel``
subclass (its name, connection, formats and ``build``) and an
``AlertNotifier`` subclass naming it, in its own module beside this one::

    from teams_alerts import AlertNotifier, Channel

    class SlackChannel(Channel):
        name, default_conn_id, formats = "Slack", "slack_webhook_url", ("text",)

        def build(self, facts, message_format):
            return json.dumps({"text": f"{facts.dag_id}.{facts.task_id} {facts.event}"}).encode()

    class SlackNotifier(AlertNotifier):
        channel = SlackChannel()
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import logging
import math
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timezone as dt_timezone
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "msteams_webhook_url"
#: Workflows webhooks reject messages over about 28 KB; stay well below.
MAX_MESSAGE_BYTES = 26_000
#: Exception text is cut to this many characters before the size check.
MAX_EXCEPTION_CHARS = 2_000
#: Answers worth another try: request timeout, throttling, and every server error.
RETRYABLE_STATUS = frozenset({408, 429, *range(500, 600)})
#: Answers that mean the URL or the flow is wrong; retrying only delays the log line.
PERMANENT_STATUS = frozenset({400, 401, 403, 404, 410, 413})

_EVENTS: dict[str, tuple[str, str, str, str]] = {
    # event: (headline word, Adaptive Card colour, MessageCard theme colour, emoji)
    "failure": ("failed", "attention", "D13438", "\N{CROSS MARK}"),
    "retry": ("is retrying", "warning", "FFB900", "\N{CLOCKWISE RIGHTWARDS AND LEFTWARDS OPEN CIRCLE ARROWS}"),
    "success": ("succeeded", "good", "2EB886", "\N{WHITE HEAVY CHECK MARK}"),
}
EVENTS = tuple(_EVENTS)
#: a DAG run that missed its deadline (Airflow 3.1+ ``DeadlineAlert``, see ``deadline_alert``):
#: an event of the run, not of a task, so no ``TeamsNotifier`` event
DEADLINE_EVENT = "missed_deadline"
_EVENTS[DEADLINE_EVENT] = ("missed its deadline", "attention", "D13438", "\N{ALARM CLOCK}")
FORMATS = ("workflows", "legacy")


class AlertConfigError(Exception):
    """The connection does not hold a usable webhook URL."""


# --- what the alert says -----------------------------------------------------------------


@dataclass(frozen=True)
class AlertFacts:
    """The facts an alert shows, taken from the callback context once."""

    event: str
    dag_id: str
    task_id: str
    run_id: str
    logical_date: str | None
    try_number: int | None
    log_url: str | None
    exception: str | None
    #: when the run was due to have finished (a missed deadline's card only)
    deadline: str | None = None


def _valid_unicode(text: str) -> str:
    """``text`` as valid Unicode: a lone surrogate (how Python spells an undecodable byte of a
    file name) becomes U+FFFD; a surrogate pair becomes the character it stands for."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _text(value: object) -> str:
    """``str(value)`` that cannot fail: ``""`` for None and for a value whose ``str()`` raises."""
    if value is None:
        return ""
    try:
        text = value if type(value) is str else str(value)
        return _valid_unicode(str.__str__(text))  # a str subclass could override what we call next
    except Exception:  # noqa: BLE001 - a broken __str__ must not drop the alert
        return ""


def _attribute(obj: object, name: str) -> Any:
    """``getattr(obj, name, None)``, also when the attribute is a property that raises."""
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - e.g. a log_url property that cannot read its config
        return None


#: Why a pod failed, as the cncf-kubernetes provider's errors carry it: the ``remote_pod`` dump
#: after "Pod ... returned a failure." (a container's ``terminated`` state, or the pod's own
#: reason such as DeadlineExceeded or Evicted), and "Image cannot be pulled, unable to start: R".
_TERMINATED = re.compile(r"'terminated':\s*\{(?P<state>[^{}]*)\}")
_EXIT_CODE = re.compile(r"'exit_code':\s*(-?\d+)")
_REASON = re.compile(r"'reason':\s*'([A-Za-z]+)'")
_POD_FAILED = re.compile(r"'phase':\s*'Failed',(?P<rest>.{0,600}?)'reason':\s*'([A-Za-z]+)'", re.S)
_PULL = re.compile(r"Image cannot be pulled, unable to start: ([A-Za-z]+)")


def pod_reason(message: str) -> str | None:
    """The pod's reason in a KubernetesPodOperator error (``OOMKilled (exit code 137)``,
    ``ImagePullBackOff``, ``exit code 2``, ``DeadlineExceeded``), or None when it carries none.

    Shown first on the card: the provider's own first line ("Pod x returned a failure.")
    says only that it failed, and the reason is deep in a pod dump that the card cuts."""
    pulled = _PULL.search(message)
    if pulled:
        return pulled.group(1)
    for state in _TERMINATED.finditer(message):
        code = _EXIT_CODE.search(state.group("state"))
        if code and code.group(1) != "0":
            reason = _REASON.search(state.group("state"))
            if reason and reason.group(1) != "Error":  # Error: Kubernetes' word for a non-zero exit
                return f"{reason.group(1)} (exit code {code.group(1)})"
            return f"exit code {code.group(1)}"
    failed = _POD_FAILED.search(message)
    return failed.group(2) if failed else None


def _exception_summary(exception: object) -> str | None:
    """``Type: message`` (or just ``Type``), cut to ``MAX_EXCEPTION_CHARS`` so one card stays readable.

    Never fails: a message that is not valid Unicode has its bad characters replaced, and an
    exception whose ``str()`` raises is shown by its type name alone.
    """
    if exception is None:
        return None
    name = _text(type(exception).__name__) or "Exception"
    if isinstance(exception, BaseException):
        message = _text(exception)
        text = f"{name}: {message}" if message else name
    else:
        text = _text(exception) or name
    reason = pod_reason(text)
    if reason:
        text = f"Pod: {reason}. {text}"
    if len(text) > MAX_EXCEPTION_CHARS:
        text = text[: MAX_EXCEPTION_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return text


def facts_from_context(context: Mapping[str, Any], event: str) -> AlertFacts:
    """Read what the card shows from an Airflow task callback context.

    Every value is read defensively (a property that raises counts as absent) and turned
    into valid text, so nothing a run contains can stop its alert.
    """
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    dag_run = context.get("dag_run")
    isoformat = _attribute(context.get("logical_date"), "isoformat")
    try:
        date = _text(isoformat()) if callable(isoformat) else ""
    except Exception:  # noqa: BLE001 - an odd date object: leave the row out
        date = ""
    try_number = _attribute(ti, "try_number")
    log_url = _text(_attribute(ti, "log_url"))
    return AlertFacts(
        event=event,
        dag_id=_text(_attribute(ti, "dag_id") or _attribute(dag, "dag_id")),
        task_id=_text(_attribute(ti, "task_id")),
        run_id=_text(_attribute(ti, "run_id") or _attribute(dag_run, "run_id")),
        logical_date=date or None,
        try_number=try_number if isinstance(try_number, int) and not isinstance(try_number, bool) else None,
        log_url=log_url if log_url.startswith(("https://", "http://")) else None,
        exception=_exception_summary(context.get("exception")),
    )


def missing_facts(facts: AlertFacts) -> list[str]:
    """The facts that identify an alert and that ``facts`` lacks: an empty or partial context."""
    return [name for name in ("dag_id", "task_id", "run_id") if not getattr(facts, name)]


def deadline_facts(context: Mapping[str, Any] | None) -> AlertFacts | None:
    """The facts of a missed deadline from the context Airflow's deadline machinery passes its
    callback (``Deadline.handle_miss``: ``{"dag_run": <the run as the REST API shows it>,
    "deadline": {"id", "deadline_time"}}``); None when it names no run."""
    if not context or not hasattr(context, "get"):
        return None
    dag_run = context.get("dag_run")
    deadline = context.get("deadline")
    run = dag_run if isinstance(dag_run, Mapping) else {}
    due = deadline.get("deadline_time") if isinstance(deadline, Mapping) else None
    isoformat = _attribute(due, "isoformat")
    try:
        due_text = _text(isoformat()) if callable(isoformat) else _text(due)
    except Exception:  # noqa: BLE001 - an odd date object: leave the row out
        due_text = ""
    facts = AlertFacts(
        event=DEADLINE_EVENT,
        dag_id=_text(run.get("dag_id") or _attribute(dag_run, "dag_id")),
        task_id="",
        run_id=_text(run.get("dag_run_id") or run.get("run_id") or _attribute(dag_run, "run_id")),
        logical_date=_text(run.get("logical_date")) or None,
        try_number=None,
        log_url=None,
        exception=None,
        deadline=due_text or None,
    )
    return facts if facts.dag_id and facts.run_id else None


def _subject(facts: AlertFacts) -> str:
    """``dag.task`` for a task's alert, ``dag`` for a run's."""
    return f"{facts.dag_id}.{facts.task_id}" if facts.task_id else facts.dag_id


# --- where it goes -------------------------------------------------------------------------

#: Inside a URL, any of these is a copy-paste accident (a URL wrapped over two lines, a space), and
#: http.client would refuse it later in an error message that quotes the URL. (Ends are stripped.)
_URL_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def webhook_url_from_connection(conn: Any) -> str:
    """Rebuild the webhook URL from an Airflow connection, in any of its forms."""
    host = (getattr(conn, "host", None) or "").strip()
    if not host:
        raise AlertConfigError("the connection has no host: put the webhook URL in its host field")
    url = host if host.startswith(("https://", "http://")) else _url_from_parts(conn, host)
    if _URL_CONTROL.search(url):
        raise AlertConfigError(
            "the webhook URL holds a space, a line break or another control character: copy it again, "
            "whole and on one line, into the connection"
        )
    return url


def _url_from_parts(conn: Any, host: str) -> str:
    schema = (getattr(conn, "schema", None) or "").strip()
    conn_type = (getattr(conn, "conn_type", None) or "").strip().lower()
    port = getattr(conn, "port", None)
    if schema in ("https", "http"):  # classic: host carries the rest of the URL
        scheme, path = schema, ""
    else:  # URI form: scheme in conn_type, path in schema, query in extras
        scheme = conn_type if conn_type in ("https", "http") else "https"
        path = "/" + schema.lstrip("/") if schema else ""
    netloc, slash, rest = host.partition("/")
    if port and ":" not in netloc:
        netloc = f"{netloc}:{port}"
    url = f"{scheme}://{netloc}{slash}{rest}{path}"
    if "?" not in url:  # a URI's query string comes back as the connection's extras
        extras = getattr(conn, "extra_dejson", None) or {}
        # Airflow parses URI query values as JSON, so "sv=1.0" comes back as the float 1.0:
        # write numbers back as text, or the signature no longer matches the URL.
        query = {k: str(v) for k, v in extras.items() if isinstance(v, str | int | float) and not isinstance(v, bool)}
        if query:
            url += "?" + urllib.parse.urlencode(query)
    return url


#: Shorter values (``sv=1.0``) are no secret and would blank out ordinary words of a message.
_MIN_SECRET_CHARS = 4
#: A ``sig=`` that survived the value-based pass (cut or re-encoded by a server): blank it all the same.
_SIG_PARAMETER = re.compile(r"(?i)(\bsig=)[^&\s'\"]+")
#: What a log line must not carry raw: control characters could forge or hide lines.
_LOG_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MAX_LOGGED_CHARS = 500


def secret_forms(url: str, parameters: Collection[str] | None = None) -> list[str]:
    """Every string in which the URL's credential can show up, longest first.

    The secret is the whole URL, its query string and each query value (or only those
    of ``parameters``), each also percent-decoded and re-encoded, and each as ``repr``,
    ``unicode_escape`` and JSON would quote it (http.client's errors quote the URL with
    ``repr``). The query is split by hand, not with ``urlsplit``, which silently drops CR,
    LF and tab: a URL holding them would give forms that never match the text an error
    message quotes.
    """
    query = url.partition("?")[2].partition("#")[0]
    pairs = [part.partition("=") for part in re.split("[&;]", query)]
    values = [value for name, _, value in pairs if parameters is None or name.lower() in parameters]
    plain = {url, query}
    for value in values:
        decoded = urllib.parse.unquote(value)
        encoded = urllib.parse.quote(decoded, safe="")
        lower_hex = re.sub("%[0-9A-F]{2}", lambda match: match[0].lower(), encoded)
        plain |= {value, decoded, urllib.parse.unquote_plus(value), encoded, lower_hex}
    forms = set()
    for text in plain:
        if len(text) >= _MIN_SECRET_CHARS:
            quoted = {
                repr(text)[1:-1],
                json.dumps(text)[1:-1],
                json.dumps(text, ensure_ascii=False)[1:-1],
                text.encode("unicode_escape").decode("ascii"),
            }
            forms |= {text, *quoted}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, url: str) -> str:
    """``text`` with every form of the URL's secret (see ``secret_forms``) replaced by ``***``."""
    for secret in secret_forms(url):
        text = text.replace(secret, "***")
    return _SIG_PARAMETER.sub(r"\1***", text)


def log_safe(text: str, url: str) -> str:
    """``text`` fit for a log line: redacted, control characters spelled out, cut to a readable length."""
    text = redact(_valid_unicode(text), url)
    text = redact(_LOG_CONTROL.sub(lambda match: repr(match[0])[1:-1], text), url)
    return text if len(text) <= _MAX_LOGGED_CHARS else text[: _MAX_LOGGED_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"


# --- how it gets there ------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """What became of one alert: ``reason`` never contains the URL, so it can be logged."""

    sent: bool
    attempts: int
    status: int | None
    reason: str
    #: the card went out but no answer said whether Teams took it: it may be in the channel
    unknown: bool = False


def _retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322, but Python returns it naive
        when = when.replace(tzinfo=dt_timezone.utc)
    return max(0.0, when.timestamp() - now())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would turn the POST into a bodiless GET whose 200 looks like success."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


class _Attempt:
    """One POST, made by a worker thread so that the caller's wait is a wall-clock bound.

    A socket timeout restarts at every byte: a server that drips its answer holds a plain
    urllib call for as long as it likes. Here the caller waits on ``done`` for at most the
    time it has, then ``abandon()`` shuts the socket so the worker ends too. ``done`` is set
    as soon as a 2xx status line is read: that line means Teams took the card, whatever
    the headers and body after it do, so nothing after it may lead to a second POST.
    """

    def __init__(self) -> None:
        self.done = threading.Event()
        self.finished = False
        self.status: int | None = None
        self.reason = ""
        self.retry_after: str | None = None
        self.error: BaseException | None = None
        #: the whole request, body included, went out: from now on the server may have the card
        self.body_sent = False
        #: the caller stopped waiting (its deadline) before the worker finished
        self.timed_out = False
        self._lock = threading.Lock()
        self._abandoned = False
        self._connections: list[http.client.HTTPConnection] = []

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def status_line(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason
        if self.accepted:
            self.done.set()

    def connecting(self, connection: http.client.HTTPConnection) -> None:
        """Called before the worker connects: past the deadline (a slow DNS answer) it does not."""
        with self._lock:
            if self._abandoned:
                raise ConnectionAbortedError("the alert's deadline passed before the connection was made")
            self._connections.append(connection)

    def abandon(self) -> None:
        """Shut the socket of a worker still waiting, so it ends now rather than at its socket timeout."""
        with self._lock:
            self._abandoned = True
            connections = list(self._connections)
        for connection in connections:
            sock = connection.sock
            if sock is not None:  # None once urllib has handed the socket to the response, or not yet made
                with contextlib.suppress(OSError, ValueError, AttributeError):  # closed, or mid TLS handshake
                    sock.shutdown(socket.SHUT_RDWR)

    def run(self, opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float) -> None:
        try:
            with opener.open(request, timeout=timeout) as response:
                self.status = self.status if self.status is not None else response.status
        except urllib.error.HTTPError as error:
            self.status, self.reason = error.code, _text(error.reason)
            self.retry_after = error.headers.get("Retry-After") if error.headers else None
            error.close()
        except BaseException as error:  # noqa: BLE001 - uncaught, it would reach the thread excepthook, URL and all
            self.error = error
        finally:
            self.finished = True
            self.done.set()


def _opener(attempt: _Attempt) -> urllib.request.OpenerDirector:
    """An opener whose connections report to ``attempt``: proxies from the environment, no redirects,
    and no scheme but http and https (a ``file:`` URL would "answer" with a local file)."""

    class Response(http.client.HTTPResponse):
        def _read_status(self) -> tuple[str, int, str]:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if status != http.client.CONTINUE:
                attempt.status_line(status, _text(reason).strip())
            return version, status, reason

    class HTTPConnection(http.client.HTTPConnection):
        response_class = Response

        def connect(self) -> None:
            attempt.connecting(self)
            super().connect()

        def request(self, *args: Any, **kwargs: Any) -> None:
            super().request(*args, **kwargs)
            attempt.body_sent = True

    class HTTPSConnection(http.client.HTTPSConnection):
        response_class = Response

        def connect(self) -> None:
            attempt.connecting(self)
            super().connect()

        def request(self, *args: Any, **kwargs: Any) -> None:
            super().request(*args, **kwargs)
            attempt.body_sent = True

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(HTTPConnection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(HTTPSConnection, req, context=tls)

    tls = ssl.create_default_context()
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        HTTPHandler(debuglevel=0),  # a global http.client debuglevel would print the request line, URL and all
        HTTPSHandler(debuglevel=0),
        urllib.request.HTTPDefaultErrorHandler(),
        _NoRedirect(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


def _post_once(url: str, body: bytes, limit: float) -> _Attempt:
    """POST once and wait at most ``limit`` seconds, whatever the server does."""
    attempt = _Attempt()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    worker = threading.Thread(
        target=attempt.run, args=(_opener(attempt), request, limit), name="teams-alert-post", daemon=True
    )
    worker.start()
    # decided before abandon(): shutting the socket makes the worker fail at once (a status line
    # cut in two is a BadStatusLine), and that failure is the deadline's doing, not the server's
    attempt.timed_out = not attempt.done.wait(limit)
    attempt.abandon()
    return attempt


def _describe(error: BaseException, url: str) -> str:
    """A log-safe account of a transport error: type and message with every form of the secret removed."""
    cause = getattr(error, "reason", None) if isinstance(error, urllib.error.URLError) else None
    cause = cause if cause is not None else error
    if isinstance(cause, str):
        return log_safe(cause, url)
    if isinstance(cause, OSError | http.client.HTTPException):
        return log_safe(f"{type(cause).__name__}: {_text(cause)}".rstrip(": "), url)
    return type(cause).__name__  # anything else might quote the URL in a form no one foresaw


def post_with_retries(
    url: str,
    body: bytes,
    *,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    backoff: float = 1.0,
    max_attempts: int = 10,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    label: str = "alert",
) -> SendResult:
    """POST ``body`` to ``url`` once per failure at most; end by ``total_timeout``.

    ``total_timeout`` is a wall-clock deadline for everything: name lookup, connection,
    TLS, the answer's last byte and the waits between tries; no server can stretch it by
    answering slowly. ``timeout`` bounds each attempt the same way. A 2xx status line is
    success (Workflows answers 202 with an empty body) and ends the call at once.

    One card per failure: a request whose body went out is sent again only when the
    server answered that it did not take it (408, 429, 5xx). When the connection failed
    before the body was sent (refused, reset, no name, the deadline during connect), the
    card cannot have arrived and is sent again. When the body went out and then no answer
    came in time, the connection broke or the answer was garbage, the server may have
    taken the card: it is not sent again, and the log says so. Other answers are
    permanent: retrying a 404 only delays the log line that says the flow is gone.
    A ``Retry-After`` header replaces the exponential backoff; when the wait
    it asks for would pass the deadline we stop now rather than retry early.
    ``max_attempts`` stops a server that keeps answering ``Retry-After: 0`` from being
    hammered. Every try that is repeated is logged, as ``label`` (``Teams alert for
    sales_daily.main``), with why. Never raises; ``reason`` holds no form of the secret
    (``log_safe``).
    """
    deadline = clock() + total_timeout
    attempt, status, reason = 0, None, "not sent"
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            return SendResult(False, attempt, status, log_safe(f"{reason}; gave up after {total_timeout:.3g}s", url))
        attempt += 1
        limit = min(timeout, remaining)
        wait: float | None = None
        try:
            if not url.lower().startswith(("https://", "http://")):
                raise ValueError("the webhook URL must start with https://")
            outcome = _post_once(url, body, limit)
        except Exception as error:  # noqa: BLE001 - a URL urllib refuses: retrying will not help
            return SendResult(False, attempt, None, _describe(error, url))
        if outcome.accepted:
            return SendResult(True, attempt, outcome.status, f"HTTP {outcome.status}")
        status = outcome.status
        if status is not None:  # the server answered, and not with a 2xx
            reason = log_safe(f"HTTP {status} {outcome.reason}".rstrip(), url)
            if outcome.timed_out:
                reason = log_safe(f"{reason}, then no complete answer within {limit:.3g}s", url)
            if status not in RETRYABLE_STATUS:
                return SendResult(False, attempt, status, reason)
            reason += ": the webhook did not take the message"
            wait = _retry_after(outcome.retry_after)
        else:
            cause = getattr(outcome.error, "reason", outcome.error)  # urllib wraps what happens while connecting
            if outcome.timed_out or isinstance(cause, TimeoutError):  # the socket's timeout is this try's limit
                failure = f"TimeoutError: no complete answer within {limit:.3g}s (the alert's deadline)"
            else:
                failed = outcome.error or TimeoutError()
                failure = _describe(failed, url)
                if not isinstance(failed, OSError | http.client.HTTPException) or isinstance(
                    failed, http.client.InvalidURL
                ):
                    return SendResult(False, attempt, None, failure)  # a malformed URL: retrying will not help
            if outcome.body_sent:
                reason = log_safe(
                    f"{failure} after the message was sent; not sent again, as the webhook may have taken it "
                    "(one message per failure, never two)", url,
                )  # fmt: skip
                return SendResult(False, attempt, None, reason, unknown=True)
            reason = log_safe(f"{failure} before the message was sent", url)
        if attempt >= max_attempts:
            return SendResult(False, attempt, status, f"{reason}; gave up after {attempt} attempts")
        if wait is None:
            wait = backoff * 2 ** (attempt - 1)
        if clock() + wait >= deadline:
            return SendResult(False, attempt, status, f"{reason}; gave up, next try would pass {total_timeout:.3g}s")
        _log(logging.WARNING, url, "%s: try %d failed (%s); trying again in %.3gs", label, attempt, reason, wait)
        sleep(wait)


# --- the Airflow side: a channel, its delivery and the notifier -----------------------------------------


def _mask(url: str) -> None:
    """Tell Airflow's secrets masker about every form of the secret, so no later log line shows it."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older SDKs
        return
    try:
        # only the credential: Airflow masks these in every later line of the process, and a
        # value such as api-version's 2016-06-01 would be blanked out of ordinary text too
        for secret in secret_forms(url, parameters=("sig",)):
            mask_secret(secret)
    except Exception:  # noqa: BLE001 - masking must never stop an alert
        log.debug("could not register the webhook URL with the secrets masker")


def _base_hook() -> Any:
    """Airflow's ``BaseHook``: in ``airflow.sdk`` from 3.1, only in ``airflow.hooks.base`` on 3.0."""
    try:
        from airflow.sdk import BaseHook

        return BaseHook
    except ImportError:  # Airflow 3.0.x
        import importlib

        # by name: ruff's AIR rules would flag the import that only Airflow 3.0 needs in every dags repo
        return importlib.import_module("airflow.hooks.base").BaseHook


class Channel:
    """What an alert channel adds to the core: everything else (the facts, the connection, the
    transport with its deadline and retries, redaction, the notifier) is shared.

    A channel names itself in log lines (``name``), reads its webhook from a connection
    (``default_conn_id``), writes the message formats it lists (``formats``, the first one
    the default), and builds the request body for a set of facts (``build``), under the
    size its service accepts. The Teams channel below is one; a second one is a subclass
    of this and of ``AlertNotifier``, beside this module, with no transport of its own.
    """

    name = "webhook"
    default_conn_id = "alert_webhook_url"
    formats: tuple[str, ...] = ("json",)
    #: what to check when the service refuses a message for good (a 4xx), in the log line
    rejected_hint = "check that connection {conn_id!r} holds the webhook's current URL"

    def build(self, facts: AlertFacts, message_format: str) -> bytes:
        """The request body (JSON) for ``facts``."""
        raise NotImplementedError

    def url_from_connection(self, conn: Any) -> str:
        """The webhook URL an Airflow connection holds (see ``webhook_url_from_connection``)."""
        return webhook_url_from_connection(conn)

    def deliver(self, facts: AlertFacts, conn_id: str, message_format: str, timeout: float, total_timeout: float,
                backoff: float, sleep: Callable[[float], None], started: float) -> bool:  # fmt: skip
        """Send ``facts`` through this channel: ``deliver``."""
        return deliver(self, facts, conn_id, message_format, timeout, total_timeout, backoff, sleep, started)


def deliver(
    channel: Channel,
    facts: AlertFacts,
    conn_id: str,
    message_format: str,
    timeout: float,
    total_timeout: float,
    backoff: float,
    sleep: Callable[[float], None],
    started: float,
) -> bool:
    """Build the message for ``facts``, read the connection, post with retries, log the outcome."""
    what = f"{channel.name} alert"
    try:
        body = channel.build(facts, message_format)
    except Exception as error:  # noqa: BLE001 - an alert must never fail the task
        log.error("%s not sent: could not build the message (%s)", what, type(error).__name__)
        return False
    try:
        url = channel.url_from_connection(_base_hook().get_connection(conn_id))
    except Exception as error:  # noqa: BLE001 - AirflowNotFoundException, AlertConfigError, ...
        detail = str(error) if isinstance(error, AlertConfigError) else type(error).__name__
        log.error("%s for %s not sent: connection %r unusable (%s)", what, _subject(facts), conn_id, detail)
        return False
    _mask(url)
    left = max(0.0, total_timeout - (time.monotonic() - started))  # the connection look-up counts too
    label = f"{what} for {_subject(facts)}"
    result = post_with_retries(
        url, body, timeout=timeout, total_timeout=left, backoff=backoff, sleep=sleep, label=label
    )
    if result.sent:
        _log(logging.INFO, url, "%s alert for %s sent (%s)", channel.name, _subject(facts), result.reason)
    elif result.unknown:
        _log(logging.ERROR, url, "%s may not have arrived (%s)", label, result.reason)
    elif result.status in PERMANENT_STATUS:
        _log(
            logging.ERROR, url, "%s rejected the alert for %s (%s); not retried: %s",
            channel.name, _subject(facts), result.reason, channel.rejected_hint.format(conn_id=conn_id),
        )  # fmt: skip
    else:
        _log(logging.ERROR, url, "%s not sent after %d attempt(s) (%s)", label, result.attempts, result.reason)
    return result.sent


def _log(level: int, url: str, message: str, *args: object) -> None:
    """Log with every text argument passed through ``log_safe``: the one way out once the URL is known."""
    log.log(level, message, *(log_safe(arg, url) if isinstance(arg, str) else arg for arg in args))


def alert_task(
    channel: Channel,
    context: Mapping[str, Any],
    event: str,
    conn_id: str,
    message_format: str,
    *,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Post one alert for a task callback's ``context`` through ``channel``; return whether it was taken.

    Never raises: the task's outcome is decided before the callback runs, and
    an exception here would only bury the task's own error under ours.
    """
    try:
        started = time.monotonic()
        facts = facts_from_context(context, event) if context and hasattr(context, "get") else None
        missing = missing_facts(facts) if facts else ["context"]
        if facts is None or missing:
            log.warning(
                "%s alert (%s) skipped: the callback context has no %s; an alert that names no task "
                "would be an empty message (is the notifier a DAG-level callback? use it in the tasks' callbacks)",
                channel.name, event, ", ".join(missing),
            )  # fmt: skip
            return False
        return channel.deliver(facts, conn_id, message_format, timeout, total_timeout, backoff, sleep, started)
    except Exception as error:  # noqa: BLE001 - an alert must never fail the task
        log.error("%s alert not sent: unexpected %s", channel.name, type(error).__name__)
        return False


def alert_deadline(
    channel: Channel,
    context: Mapping[str, Any] | None,
    conn_id: str,
    message_format: str,
    *,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Post one "missed deadline" alert for a deadline callback's ``context`` through ``channel``.
    Never raises."""
    try:
        facts = deadline_facts(context)
        if facts is None:
            log.warning("%s deadline alert skipped: the callback context names no DAG run", channel.name)
            return False
        return channel.deliver(facts, conn_id, message_format, timeout, total_timeout, backoff, sleep, time.monotonic())
    except Exception as error:  # noqa: BLE001 - an alert must never fail its caller
        log.error("%s deadline alert not sent: unexpected %s", channel.name, type(error).__name__)
        return False


class AlertNotifier(BaseNotifier):
    """Airflow's notifier for a channel: post an alert when a task fails, retries or succeeds.

    A channel's notifier is this with ``channel`` set (see ``TeamsNotifier``); Airflow calls
    it with the task's context, and ``alert_task`` does the rest.
    """

    template_fields = ("conn_id",)
    channel: Channel = Channel()

    def __init__(
        self,
        event: str = "failure",
        conn_id: str | None = None,
        message_format: str | None = None,
        timeout: float = 10.0,
        total_timeout: float = 30.0,
    ) -> None:
        super().__init__()
        formats = self.channel.formats
        message_format = formats[0] if message_format is None else message_format
        if event not in EVENTS:
            raise ValueError(f"event must be one of {EVENTS}, not {event!r}")
        if message_format not in formats:
            raise ValueError(f"message_format must be one of {formats}, not {message_format!r}")
        self.event = event
        self.conn_id = self.channel.default_conn_id if conn_id is None else conn_id
        self.message_format = message_format
        self.timeout = timeout
        self.total_timeout = total_timeout

    def notify(self, context: Any) -> None:
        alert_task(
            self.channel, context, self.event, self.conn_id, self.message_format,
            timeout=self.timeout, total_timeout=self.total_timeout,
        )  # fmt: skip


# === the Teams channel =====================================================================================
# Everything above is channel-neutral. Below: the Teams card (an Adaptive Card in a Workflows message, or
# a legacy MessageCard), the Teams channel, and the names DAGs import: TeamsNotifier, on_failure_alert,
# deadline_alert (and send_alert, send_deadline_alert).


#: What Adaptive Card Markdown can read as markup anywhere in a line: emphasis (``*``, and
#: ``_`` unless inside a word), links and images (``[``), autolinks and Teams mentions (``<at>``),
#: entities (``&lt;``), code and strike-through. Each gets a CommonMark backslash escape.
_MARKDOWN_INLINE = re.compile(r"[\\`*\[\]<~]|&(?=[#A-Za-z0-9])|_+")
#: After ``<``, what would make a Teams mention tag: ``<at>``, ``</at>``, in any case.
_MENTION_TAIL = re.compile(r"/?\s*at", re.IGNORECASE)
#: What makes a line a quote, list item, heading or rule when it starts one.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)(?:(>|[-+#](?=\s|$)|-(?=\s*-))|(\d+)([.)])(?=\s|$))")


def markdown_text(text: str) -> str:
    """``text`` for a TextBlock or a fact value (both Markdown in Teams), shown as the text it is.

    Markup characters are backslash-escaped, so a task cannot plant a link, an ``<at>``
    mention or formatting through its error message or ids; each line break becomes the
    blank line (``"\\n\\n"``) that Teams needs to show a break at all (it ignores a single one).
    Underscores inside a word (``sales_daily``) stay as they are: Markdown never reads
    them as emphasis, and ids stay readable where a client shows the escapes.
    """
    lines = []
    for line in text.splitlines():
        line = _MARKDOWN_INLINE.sub(_escape_inline, line)  # leaves ">", digits, "-", "+", "#", "." and ")"
        lines.append(_MARKDOWN_LINE_START.sub(_escape_line_start, line, count=1))
    return "\n\n".join(lines)


def _escape_inline(match: re.Match[str]) -> str:
    found, line, start, end = match[0], match.string, match.start(), match.end()
    if found[0] == "_" and start > 0 and end < len(line) and line[start - 1].isalnum() and line[end].isalnum():
        return found  # intraword: sales_daily, manual__2026
    if found == "<" and _MENTION_TAIL.match(line, end):
        # "\<at>" still holds the substring "<at>": a word joiner (invisible) breaks the tag itself
        return "\\<\N{WORD JOINER}"
    return "".join("\\" + char for char in found)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, digits, dot = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{digits}\\{dot}"


def _title(facts: AlertFacts) -> str:
    word, _, _, emoji = _EVENTS[facts.event]
    return f"{emoji} Airflow {'task' if facts.task_id else 'run'} {word}"


def _fact_list(facts: AlertFacts) -> list[tuple[str, str]]:
    rows = [("DAG", facts.dag_id), ("Task", facts.task_id), ("Run", facts.run_id)]
    if not facts.task_id:  # a run's alert (a missed deadline)
        rows.remove(("Task", facts.task_id))
    if facts.logical_date:
        rows.append(("Logical date", facts.logical_date))
    if facts.deadline:
        rows.append(("Deadline", facts.deadline))
    if facts.try_number is not None:
        rows.append(("Try", str(facts.try_number)))
    return rows


def adaptive_card(facts: AlertFacts) -> dict[str, Any]:
    """An Adaptive Card 1.5 for the event, as data."""
    _, colour, _, _ = _EVENTS[facts.event]
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _title(facts),
            "weight": "Bolder",
            "size": "Medium",
            "color": colour,
            "wrap": True,
        },
        {
            "type": "FactSet",
            "facts": [{"title": title, "value": markdown_text(value)} for title, value in _fact_list(facts)],
        },
    ]
    if facts.exception:
        body.append(
            {
                "type": "TextBlock",
                "text": markdown_text(facts.exception),
                "wrap": True,
                "fontType": "Monospace",
                "size": "Small",
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "msteams": {"width": "Full"},
        "body": body,
    }
    if facts.log_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "View log", "url": facts.log_url}]
    return card


def workflows_message(facts: AlertFacts) -> dict[str, Any]:
    """The envelope a Power Automate Workflows webhook expects around the card."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": adaptive_card(facts),
            }
        ],
    }


def legacy_message_card(facts: AlertFacts) -> dict[str, Any]:
    """A MessageCard, for a team still on an Office 365 connector webhook."""
    _, _, theme, _ = _EVENTS[facts.event]
    section: dict[str, Any] = {
        "activityTitle": _title(facts),
        "facts": [{"name": title, "value": value} for title, value in _fact_list(facts)],
        "markdown": False,
    }
    if facts.exception:
        section["text"] = facts.exception
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": f"{_subject(facts)} {_EVENTS[facts.event][0]}",
        "themeColor": theme,
        "title": _title(facts),
        "sections": [section],
    }
    if facts.log_url:
        card["potentialAction"] = [
            {"@type": "OpenUri", "name": "View log", "targets": [{"os": "default", "uri": facts.log_url}]}
        ]
    return card


#: What a fact other than the error is cut to, longest first, when the card is too large even
#: without the error text: a context may hold ids of any length (a 3 MB deadline card was seen).
FACT_CAPS = (1_000, 200, 40)
#: A "View log" link longer than this is left out: a cut URL leads nowhere.
MAX_LOG_URL_CHARS = 2_000
_CUT = "\N{HORIZONTAL ELLIPSIS} (cut)"


def build_message(facts: AlertFacts, message_format: str = "workflows", limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """The request body, under ``limit`` bytes whatever the facts hold.

    The exception text is cut first; only when the card is too large without it are the
    other facts (ids, dates: Airflow's are short, a context's may not be) cut too, to each
    of ``FACT_CAPS`` in turn, and the error text given what room is left."""
    if message_format not in FORMATS:
        raise ValueError(f"message_format must be one of {FORMATS}, not {message_format!r}")
    builder = workflows_message if message_format == "workflows" else legacy_message_card

    def encode(candidate: AlertFacts) -> bytes:
        # "replace" only guards a hand-made AlertFacts: facts_from_context gives valid Unicode
        return json.dumps(builder(candidate), ensure_ascii=False).encode("utf-8", "replace")

    if facts.log_url and len(facts.log_url) > MAX_LOG_URL_CHARS:
        facts = AlertFacts(**{**facts.__dict__, "log_url": None})
    for cap in (None, *FACT_CAPS):
        candidate = facts if cap is None else _capped(facts, cap)
        body = _fitted(candidate, encode, limit)
        if body is not None:
            return body
    raise ValueError(f"no card fits in {limit} bytes")  # only for a limit below an empty card's size


def _capped(facts: AlertFacts, cap: int) -> AlertFacts:
    """``facts`` with every text but the exception cut to ``cap`` characters."""

    def cut(text: str | None) -> str | None:
        return text if text is None or len(text) <= cap else text[:cap] + _CUT

    fields = ("dag_id", "task_id", "run_id", "logical_date", "deadline")
    return AlertFacts(**{**facts.__dict__, **{name: cut(getattr(facts, name)) for name in fields}})


def _fitted(facts: AlertFacts, encode: Callable[[AlertFacts], bytes], limit: int) -> bytes | None:
    """The body for ``facts`` with the longest prefix of its exception text that fits ``limit``;
    None when even no exception text does not fit."""
    body = encode(facts)
    if len(body) <= limit:
        return body
    if not facts.exception:
        return None
    best = encode(_with_exception(facts, None))
    if len(best) > limit:
        return None
    low, high = 0, len(facts.exception)
    while low <= high:  # longest prefix of the exception text that fits
        middle = (low + high) // 2
        candidate = encode(_with_exception(facts, facts.exception[:middle] + _CUT))
        if len(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _with_exception(facts: AlertFacts, exception: str | None) -> AlertFacts:
    return AlertFacts(**{**facts.__dict__, "exception": exception})


class TeamsChannel(Channel):
    """Microsoft Teams through a Workflows (or legacy connector) webhook."""

    name = "Teams"
    default_conn_id = DEFAULT_CONN_ID
    formats = FORMATS
    rejected_hint = "check that the Workflows flow still exists and that connection {conn_id!r} holds its current URL"

    def build(self, facts: AlertFacts, message_format: str) -> bytes:
        return build_message(facts, message_format)

    def deliver(self, *args: Any) -> bool:
        return _deliver(*args)  # by its module name, which older code and tests patch


TEAMS = TeamsChannel()


def _deliver(
    facts: AlertFacts,
    conn_id: str,
    message_format: str,
    timeout: float,
    total_timeout: float,
    backoff: float,
    sleep: Callable[[float], None],
    started: float,
) -> bool:
    """Build the Teams card for ``facts``, read the connection, post with retries, log the outcome."""
    return deliver(TEAMS, facts, conn_id, message_format, timeout, total_timeout, backoff, sleep, started)


def send_alert(
    context: Mapping[str, Any],
    event: str = "failure",
    conn_id: str = DEFAULT_CONN_ID,
    message_format: str = "workflows",
    *,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Post one Teams card for a task callback's ``context``; return whether Teams accepted it. Never raises."""
    return alert_task(TEAMS, context, event, conn_id, message_format, timeout=timeout, total_timeout=total_timeout,
                      backoff=backoff, sleep=sleep)  # fmt: skip


class TeamsNotifier(AlertNotifier):
    """Post a Teams card when a task fails, retries or succeeds.

    Use one per event in a task's (or ``default_args``') callbacks::

        "on_failure_callback": [TeamsNotifier(event="failure")],
        "on_retry_callback": [TeamsNotifier(event="retry")],
    """

    channel = TEAMS

    def __init__(
        self,
        event: str = "failure",
        conn_id: str = DEFAULT_CONN_ID,
        message_format: str = "workflows",
        timeout: float = 10.0,
        total_timeout: float = 30.0,
    ) -> None:
        super().__init__(event, conn_id, message_format, timeout, total_timeout)


def on_failure_alert(context: Any) -> None:
    """A plain callback function, for code that prefers one: ``on_failure_callback=on_failure_alert``."""
    send_alert(context, "failure")


def send_deadline_alert(
    context: Mapping[str, Any] | None,
    conn_id: str = DEFAULT_CONN_ID,
    message_format: str = "workflows",
    *,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Post one "missed deadline" card for ``context``; return whether Teams accepted it. Never raises."""
    return alert_deadline(TEAMS, context, conn_id, message_format, timeout=timeout, total_timeout=total_timeout,
                          backoff=backoff, sleep=sleep)  # fmt: skip


async def deadline_alert(
    context: Mapping[str, Any] | None = None,
    conn_id: str = DEFAULT_CONN_ID,
    message_format: str = "workflows",
    **kwargs: Any,
) -> bool:
    """The callback of a DAG's deadline: ``DeadlineAlert(..., callback=AsyncCallback(deadline_alert,
    kwargs={"conn_id": ...}))``. Airflow's triggerer awaits it with the run's context when the run has
    not finished by its deadline; the post (blocking: the connection look-up and urllib) runs in a
    thread, so the triggerer's other triggers go on meanwhile."""
    import asyncio

    return await asyncio.to_thread(send_deadline_alert, context, conn_id, message_format)
