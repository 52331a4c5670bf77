"""URL helpers that need no HTTP library: redaction, credentials, and well-known hosts.

Every URL shown anywhere (reports, logs, errors, cache keys) goes through ``redact_url``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from cg_action._errors import UsageError

CHAINGUARD_HOST = "libraries.cgr.dev"
CHAINGUARD_INDEX = "https://libraries.cgr.dev/python/simple/"
CHAINGUARD_REMEDIATED_INDEX = "https://libraries.cgr.dev/python-remediated/simple/"
PYPI_INDEX = "https://pypi.org/simple/"
PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
UPSTREAM_PATH = "/python-upstream/"

# User-info never spans whitespace or quotes: a text is redacted word by word.
_WORD = re.compile(r"[^\s\"'`<>]+")
# "://" as written, percent-encoded once (a URL inside a query string) or twice.
_SEPARATOR = re.compile(r"(://)|(%3a%2f%2f)|(%253a%252f%252f)")
# What ends the authority after a separator of each level: a slash of that level or rawer.
_AUTHORITY_END = (re.compile("/"), re.compile("/|%2f"), re.compile("/|%2f|%252f"))
_AT_FORMS = ("@", "%40", "%2540")


def redact_url(url: str) -> str:
    """``url`` without user-info: ``https://user:secret@host/x`` -> ``https://host/x``.

    A URL carried percent-encoded inside this one (``?next=https%3A%2F%2Fu%3As%40h``) loses
    its user-info too.
    """
    if "@" in url:
        try:
            parts = urlsplit(url)
        except ValueError:
            return redact_text(url)
        if "@" in parts.netloc:
            url = _cut_userinfo(url, parts.netloc)
    if "%" in url:  # rare in index URLs: look for an encoded URL with user-info
        return redact_text(url)
    return url


def _cut_userinfo(url: str, netloc: str) -> str:
    """``url`` with the user-info of its ``netloc`` cut out of the text itself.

    Putting split parts together again would not do: ``urlunsplit`` reads a path that starts
    with ``//`` as a host (``https://@//h/x`` would become ``https://h/x``).
    """
    start = url.find("//") + 2
    if start < 2 or url[start : start + len(netloc)] != netloc:
        return redact_text(url)
    return url[:start] + netloc.rpartition("@")[2] + url[start + len(netloc) :]


def redact_text(text: str) -> str:
    """Remove user-info from every URL-like word of a free text (error messages, logs, diffs).

    Three forms are removed: after a scheme (``https://user:secret@host``, up to the last
    ``@`` before the path, so an unencoded ``@`` in a password goes too), after a scheme written
    percent-encoded (``https%3A%2F%2Fuser%3Asecret%40host``), and without a scheme
    (``user:secret@host/simple``, as pip's configuration accepts it). The time taken is linear
    in the length of the text: every character is looked at a bounded number of times.
    """
    if "@" not in text and "%" not in text:
        return text
    pieces: list[str] = []
    done = 0
    for word in _WORD.finditer(text):
        if "@" not in word.group() and "%" not in word.group():
            continue
        redacted = _redact_word(word.group())
        if redacted != word.group():
            pieces.append(text[done : word.start()])
            pieces.append(redacted)
            done = word.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _redact_word(word: str) -> str:
    lower = word.lower()
    if "@" not in word and "%40" not in lower and "%2540" not in lower:
        return word
    separators = list(_SEPARATOR.finditer(lower))
    pieces: list[str] = []
    done = 0
    head_end = separators[0].start() if separators else len(word)
    cut = _schemeless_userinfo(word, head_end)
    if cut is not None:
        pieces.append(word[: cut[0]])
        done = cut[1]
    for number, separator in enumerate(separators):
        start = separator.end()
        if start <= done:
            continue
        # The authority ends at a slash, and at the next separator at the latest, so that no
        # character is searched twice.
        limit = separators[number + 1].start() if number + 1 < len(separators) else len(word)
        level = (separator.lastindex or 1) - 1
        end_match = _AUTHORITY_END[level].search(lower, start, limit)
        end = end_match.start() if end_match else limit
        at_end = max(
            (
                found + len(form)
                for form in _AT_FORMS
                if (found := lower.rfind(form, start, end)) >= 0
            ),
            default=-1,
        )
        if at_end > start:
            pieces.append(word[done:start])
            done = at_end
    if not pieces:
        return word
    pieces.append(word[done:])
    return "".join(pieces)


def _schemeless_userinfo(word: str, end: int) -> tuple[int, int] | None:
    """Where ``user:secret@`` sits in ``word[:end]`` written without a scheme, else None.

    ``git@github.com:org/repo`` (no colon before the ``@``) and e-mail addresses are not
    user-info. In ``extra-index-url=user:secret@host`` the user-info starts after the ``=``.
    """
    slash = word.find("/", 0, end)
    region_end = slash if slash >= 0 else end
    at = word.rfind("@", 0, region_end)
    if at < 0:
        return None
    colon = word.find(":", 0, at)
    if colon < 0:
        return None
    return word.rfind("=", 0, colon) + 1, at + 1


class InvalidURLError(UsageError, ValueError):
    """A URL that cannot be parsed (``http://[::1``): a usage error, and still a ValueError."""


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(url without user-info, username, password), percent-decoded.

    Raises ``InvalidURLError`` for a URL that cannot be parsed.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidURLError(f"not a valid URL: {redact_text(url)!r} ({exc})") from exc
    if "@" not in parts.netloc:
        return url, None, None
    userinfo = parts.netloc.rpartition("@")[0]
    user, has_password, password = userinfo.partition(":")
    return (
        _cut_userinfo(url, parts.netloc),
        unquote(user) or None,
        unquote(password) if has_password else None,
    )


def normalize_index_url(url: str) -> str:
    """The index URL with exactly one trailing slash."""
    return url.rstrip("/") + "/"


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_pypi_url(url: str) -> bool:
    """Whether ``url`` points at PyPI or its file host."""
    return host_of(url) in PYPI_HOSTS


def is_chainguard_url(url: str) -> bool:
    """Whether ``url`` points at the Chainguard Libraries host."""
    return host_of(url) == CHAINGUARD_HOST


def is_upstream_fallback_url(url: str) -> bool:
    """Whether ``url`` is a Chainguard upstream-fallback file (``/python-upstream/``)."""
    if UPSTREAM_PATH not in url:  # nowhere in the URL, so not in its path (most URLs)
        return False
    try:
        return UPSTREAM_PATH in urlsplit(url).path
    except ValueError:
        return False


_HOST_SHAPE = re.compile(r"[A-Za-z0-9.\-\[\]:]{1,100}")


def _host_shown(url: str) -> str:
    """Only the host part of what should be a URL: anything else could be a credential."""
    rest = url.strip().split("://", 1)[-1]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    return repr(host) if _HOST_SHAPE.fullmatch(host) else "(not shown)"


def check_index_url(url: str, where: str) -> None:
    """``UsageError`` unless ``url`` is an http(s) URL with a host and a port in 1..65535."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise UsageError(
            f"{where}: the index URL for host {_host_shown(url)} has an invalid port or host; "
            "ports go from 1 to 65535"
        ) from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise UsageError(
            f"{where}: the index URL for host {_host_shown(url)} is not an http(s) URL; write "
            f"it in full, e.g. {CHAINGUARD_INDEX} (credentials go in the environment, not in "
            "the URL)"
        )
    if port == 0:
        raise UsageError(
            f"{where}: the index URL for host {_host_shown(url)} has port 0; ports go from 1 "
            "to 65535"
        )
