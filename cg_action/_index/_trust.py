"""The run's TLS trust: the one context every https request verifies servers with.

Index pages, files and the GitHub REST calls, direct or through a proxy, all use the context
``tls_context`` gives. Its certificate authorities come from the first of these that is set:

1. ``--cert FILE`` (``CG_ACTION_CERT``): a PEM bundle that replaces every default, as pip's
   ``--cert`` does;
2. ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` (a PEM bundle, a folder of hashed certificates as
   ``c_rehash`` makes it; both when both are set): the variables OpenSSL reads;
3. the operating system's trust store. The authority of a company's TLS-inspecting proxy is
   installed there, so such a network needs no setting. On macOS (the Keychain) and Windows
   (the certificate store) through truststore, as pip does. Elsewhere the system's store is
   OpenSSL's default paths (``/etc/ssl/certs`` and the like), else the first bundle found at
   the places distributions keep it; they are loaded into one context here. truststore would
   load them again at each new connection (measured on Linux: about 18 ms for Debian's 144
   certificates, against 0.004 ms: 0.6-0.7 s more for 300 projects over kept-alive HTTP/1.1,
   6.5 s instead of 0.8 s against a server that closes each connection);
4. certifi's bundle (Mozilla's authorities), when the system's store cannot be found or used.

A context is made once per run (per source of trust; the command line sets the run's with
``use_trust``). Making a certifi one costs about 14 ms (it parses 117 certificates). The
transport that uses the context sets the ALPN protocols (HTTP/2, HTTP/1.1).

A ``--cert`` file, or an ``SSL_CERT_*`` path, that cannot be used is a ``UsageError`` naming the
file and what to do (exit 2); it is checked before any request (``check_trust``).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cg_action._errors import UsageError

if TYPE_CHECKING:
    import ssl

logger = logging.getLogger(__name__)

NOT_TRUSTED = "the server's TLS certificate was not trusted"
CERT_HINT = (
    "if a proxy or firewall inspects TLS, give the certificate authority that signs its "
    "certificates with --cert FILE (CG_ACTION_CERT) or SSL_CERT_FILE, or add it to the "
    "system's trust store"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trust:
    """Where the run's certificate authorities come from (see the module docstring)."""

    cert: Path | None = None  # --cert / CG_ACTION_CERT: replaces every default
    cert_file: Path | None = None  # SSL_CERT_FILE
    cert_dir: Path | None = None  # SSL_CERT_DIR

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, cert: Path | None = None) -> Trust:
        """The trust a run with ``environ`` has (an empty variable counts as unset)."""
        cert_file = environ.get("SSL_CERT_FILE") or None
        cert_dir = environ.get("SSL_CERT_DIR") or None
        return cls(
            cert=cert,
            cert_file=Path(cert_file) if cert_file else None,
            cert_dir=Path(cert_dir) if cert_dir else None,
        )

    def describe(self) -> str:
        """Where the authorities come from, in a few words (for the log)."""
        if self.cert is not None:
            return f"the certificates in {self.cert} (--cert)"
        given = [
            f"{name}={path}"
            for name, path in (("SSL_CERT_FILE", self.cert_file), ("SSL_CERT_DIR", self.cert_dir))
            if path is not None
        ]
        if given:
            return " and ".join(given)
        return "the operating system's trust store"


_run_trust: Trust | None = None


def use_trust(trust: Trust | None) -> None:
    """Set the run's trust (the command line does, from its options and environment); None:
    read ``SSL_CERT_*`` from the process environment when a context is made."""
    global _run_trust  # noqa: PLW0603 - one trust for the run, as the process has one environment
    _run_trust = trust


def current_trust() -> Trust:
    """The run's trust: what ``use_trust`` set, else the process environment's."""
    return _run_trust if _run_trust is not None else Trust.from_environment(os.environ)


def tls_context() -> ssl.SSLContext:
    """The run's TLS context (made once per source of trust, then shared)."""
    return _make_context(current_trust(), _openssl_environment())


def _openssl_environment() -> tuple[str | None, str | None]:
    """``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` of the process: OpenSSL's default paths, so the
    system's store, follow them whatever the run's own settings say. Part of a context's
    cache key: a process whose variables change (a test, a program calling ``main`` again)
    gets a context that holds what they name now."""
    return os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")


def check_trust(trust: Trust) -> None:
    """``UsageError`` unless every file ``trust`` names can be used: the --cert bundle is read
    whole (its context is made here); the ``SSL_CERT_*`` paths must exist (they are read when
    the first request needs them)."""
    if trust.cert is not None:
        _make_context(trust, _openssl_environment())  # made now, once: requests reuse it
        return
    if trust.cert_file is not None and not trust.cert_file.is_file():
        raise _unusable(
            trust.cert_file,
            "SSL_CERT_FILE",
            "is not a file" if trust.cert_file.exists() else "does not exist",
        )
    if trust.cert_dir is not None and not trust.cert_dir.is_dir():
        raise _unusable(
            trust.cert_dir,
            "SSL_CERT_DIR",
            "is not a folder" if trust.cert_dir.exists() else "does not exist",
        )


@functools.lru_cache(maxsize=8)
def _make_context(
    trust: Trust, openssl_environment: tuple[str | None, str | None] = (None, None)
) -> ssl.SSLContext:
    """The context ``trust`` describes (``openssl_environment``: only the cache key, see
    ``_openssl_environment``)."""
    if trust.cert is not None:
        context = _new_client_context()
        _load_cert_bundle(context, trust.cert)
        logger.info("TLS: trusting %s", trust.describe())
        return context
    if trust.cert_file is not None or trust.cert_dir is not None:
        context = _new_client_context()
        _load_environment_paths(context, trust)
        logger.info("TLS: trusting %s", trust.describe())
        return context
    system = _system_context()
    if system is not None:
        context, where = system
        logger.info("TLS: trusting the operating system's trust store (%s)", where)
        return context
    import certifi

    context = _new_client_context()
    context.load_verify_locations(cafile=certifi.where())
    logger.info("TLS: trusting certifi's bundle (the system's trust store cannot be used)")
    return context


def _new_client_context() -> ssl.SSLContext:
    """A client context with the standard library's defaults (TLS 1.2 and later, host names
    checked, certificates required) and no authority yet."""
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _system_context() -> tuple[ssl.SSLContext, str] | None:
    """A context on the operating system's trust store and where it is, or None when there is
    none to use."""
    import sys

    if sys.platform in ("darwin", "win32"):
        return _truststore_context()
    return _openssl_store_context()


def _truststore_context() -> tuple[ssl.SSLContext, str] | None:
    """truststore's context (the Keychain, Windows' store), or None when it cannot make one."""
    import ssl

    try:
        import truststore
    except ImportError as exc:
        logger.debug("truststore cannot be imported: %s", exc)
        return None
    try:
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "truststore"
    except (OSError, ValueError, RuntimeError) as exc:  # ssl.SSLError is an OSError
        logger.debug("truststore cannot make a context: %s", exc)
        return None


# where distributions keep the system's bundle, for an OpenSSL whose default paths are empty
# (a Python built with its own OpenSSL): Debian and Ubuntu, Fedora and RHEL, openSUSE, Alpine
SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)


def _openssl_store_context() -> tuple[ssl.SSLContext, str] | None:
    """One context on OpenSSL's default paths (which ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` of
    the process steer, as for every OpenSSL program), else on the first system bundle found;
    None when neither holds anything."""
    import ssl

    context = _new_client_context()
    paths = ssl.get_default_verify_paths()
    folder = paths.capath if paths.capath and _has_entries(paths.capath) else None
    if (paths.cafile and os.path.isfile(paths.cafile)) or folder:
        context.set_default_verify_paths()
        return context, " and ".join(p for p in (paths.cafile, folder) if p)
    for bundle in SYSTEM_BUNDLES:
        if os.path.isfile(bundle):
            try:
                context.load_verify_locations(cafile=bundle)
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                logger.debug("the bundle %s cannot be used: %s", bundle, exc)
                continue
            return context, bundle
    return None


def _has_entries(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def _load_cert_bundle(context: ssl.SSLContext, path: Path) -> None:
    """Load the --cert bundle; ``UsageError`` naming it when it cannot be read or holds no
    PEM certificate."""
    import ssl

    if path.is_dir():
        raise _unusable(path, "--cert", "is a folder, not a file")
    try:
        context.load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        raise _unusable(path, "--cert", "does not exist") from None
    except ssl.SSLError as exc:
        raise _unusable(
            path, "--cert", f"holds no PEM certificate ({exc.reason or 'unreadable'})"
        ) from None
    except OSError as exc:
        raise _unusable(path, "--cert", f"cannot be read ({exc.strerror or exc})") from None


def _load_environment_paths(context: ssl.SSLContext, trust: Trust) -> None:
    """Load what ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` name; ``UsageError`` naming the one
    that cannot be used."""
    import ssl

    for source, path in (("SSL_CERT_FILE", trust.cert_file), ("SSL_CERT_DIR", trust.cert_dir)):
        if path is None:
            continue
        try:
            if source == "SSL_CERT_FILE":
                context.load_verify_locations(cafile=str(path))
            else:
                context.load_verify_locations(capath=str(path))
        except FileNotFoundError:
            raise _unusable(path, source, "does not exist") from None
        except ssl.SSLError as exc:
            raise _unusable(
                path, source, f"holds no PEM certificate ({exc.reason or 'unreadable'})"
            ) from None
        except OSError as exc:
            raise _unusable(path, source, f"cannot be read ({exc.strerror or exc})") from None


_WHAT = {
    "--cert": "the --cert file (CG_ACTION_CERT)",
    "SSL_CERT_FILE": "the file SSL_CERT_FILE names",
    "SSL_CERT_DIR": "the folder SSL_CERT_DIR names",
}
_FIX = {
    "--cert": (
        "give a PEM file of the certificate authorities to trust with --cert or "
        "CG_ACTION_CERT (your proxy's administrators publish theirs)"
    ),
    "SSL_CERT_FILE": (
        "point SSL_CERT_FILE at a PEM bundle, or unset it to use the system's trust store"
    ),
    "SSL_CERT_DIR": (
        "point SSL_CERT_DIR at a folder of certificates hashed by c_rehash, or unset it to use "
        "the system's trust store"
    ),
}


def _unusable(path: Path, source: str, what: str) -> UsageError:
    """The error of a file the trust names that cannot be used: the file, what is wrong, and
    what to do."""
    from cg_action._report._escape import printable  # a file name may hold a line break

    error = UsageError(f"{printable(str(path))}: {_WHAT[source]} {what}")
    error.hint = _FIX[source]
    return error
