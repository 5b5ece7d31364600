"""Who is looking: the sign-in gate app.py runs before any page, and the audit of what they do.

With an `[auth]` section in `.streamlit/secrets.toml`, people sign in with the retailer's OpenID
Connect provider through Streamlit's own `st.login`; the access file (config/access.py) gives them
a role and a scope, and anyone it does not name sees no data. Without `[auth]` the app is in local
mode: it serves the machine it runs on only (a non-loopback address gets a refusal, not data) and
the person at it has every role (CX_LOCAL_ROLE narrows it).

The person is kept in the session (`viewer()`); dashboard/data.py asks for it on every query, so a
run that did not pass the gate gets no rows.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import uuid

import streamlit as st

from config import access
from config.access import AccessFileError, User
from config.settings import Settings
from dashboard.labels import escape_markdown
from warehouse import audit

LOG = logging.getLogger("cx.dashboard")
USER_STATE = "_cx_user"
PAGE_STATE = "_cx_page"
SIGNED_IN_STATE = "_cx_sign_in_recorded"
VIEW_STATE = "_cx_last_view"
NEXT_COOKIE = "cx_next"  # the page (and filters) a signed-out visitor asked for, kept across sign-in


class NotSignedIn(Exception):
    """A query was asked for in a run with nobody signed in."""


def viewer() -> User:
    user = st.session_state.get(USER_STATE)
    if not isinstance(user, User):
        raise NotSignedIn("nobody is signed in")
    return user


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all (FileNotFoundError, StreamlitSecretNotFoundError)
        return False


def is_loopback(address: str | None) -> bool:
    if not address:  # unset: Streamlit listens on every interface
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def gate(settings: Settings, db) -> User | None:
    """The person allowed to look, or None after drawing what they see instead (the sign-in page,
    "no access", a refusal). A broken access file stops here with a message: never fails open."""
    st.session_state.pop(USER_STATE, None)
    if not auth_configured():
        if not is_loopback(st.get_option("server.address")):
            st.title("Retail CX dashboard")
            st.error(
                "Sign-in is not configured, so this dashboard only serves the machine it runs on. "
                "Configure an identity provider in `.streamlit/secrets.toml` (`[auth]`, see the "
                "README's *Sign-in* section) or start it on 127.0.0.1.",
                icon=":material/lock:",
            )
            return None
        try:
            user = access.local_user(settings.local_role)
        except AccessFileError as exc:
            st.error(escape_markdown(exc), icon=":material/lock:")
            return None
        st.caption(
            ":material/lan: Local mode: no sign-in is configured, so this dashboard serves this machine "
            f"only; you have {'every role' if len(user.roles) > 1 else 'the role ' + user.role_label}."
        )
    else:
        if not st.user.is_logged_in:
            _sign_in_page()
            return None
        try:
            access_file = access.load(settings.access)
        except AccessFileError as exc:
            LOG.error("access file refused: %s", exc)
            st.error(  # the file's names and roles are text someone typed: shown as plain text
                f"The dashboard is closed until its access file is fixed: {escape_markdown(exc)}",
                icon=":material/lock:",
            )
            return None
        email = st.user.get("email")
        user = access.resolve(access_file, email, st.user.get("email_verified"))
        if user is None:
            _no_access_page(db, email)
            return None
    st.session_state[USER_STATE] = user
    if auth_configured() and not st.session_state.get(SIGNED_IN_STATE):
        st.session_state[SIGNED_IN_STATE] = True
        # every page load is a new session; a sign-in is one ID token (its issue time), logged once
        token = (user.email, str(st.user.get("iat") or st.user.get("auth_time") or ""))
        seen = _sign_ins()
        if token not in seen or not token[1]:
            seen.add(token)
            record(db, "sign_in", detail=user.granted_by)
    _return_to_wanted_page()
    return user


@st.cache_resource(show_spinner=False)
def _sign_ins() -> set:
    """The ID tokens whose sign-in this server process has logged."""
    return set()


def _sign_in_page() -> None:
    st.title("Retail CX dashboard")
    st.write("Sign in with your company account to see the dashboard.")
    # Streamlit lands on / after the provider's callback: remember the page and filters asked for
    # in a short-lived cookie, and go back to them once signed in (_return_to_wanted_page).
    st.html(
        "<script>if (location.pathname.length > 1 || location.search) {"
        f"document.cookie = '{NEXT_COOKIE}=' + encodeURIComponent(location.pathname + location.search)"
        " + '; path=/; max-age=900; samesite=lax';}</script>",
        unsafe_allow_javascript=True,
    )
    providers = _providers()
    for provider in providers:
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=f"sign_in_{provider}", type="primary", icon=":material/login:"):
            st.login(provider)


def _providers() -> list[str | None]:
    """None for the single provider of `[auth]`; the names of `[auth.<name>]` sections otherwise."""
    section = st.secrets["auth"]
    named = [k for k, v in section.items() if hasattr(v, "items") and k != "client_kwargs"]
    return named if named and "client_id" not in section else [None]


def _no_access_page(db, email: str | None) -> None:
    st.title("No access")
    st.text(f"Signed in as {email or 'an account without an e-mail address'}.")
    st.warning("You have no access to this dashboard: ask your CX governance team.", icon=":material/block:")
    if not st.session_state.get(SIGNED_IN_STATE):
        st.session_state[SIGNED_IN_STATE] = True
        audit.record(db, "denied", email or "(no e-mail)", detail="not in the access file")
    if st.button("Sign out", key="sign_out_denied"):
        st.logout()


def _return_to_wanted_page() -> None:
    wanted = st.context.cookies.get(NEXT_COOKIE)
    if not isinstance(wanted, str) or not wanted:  # (AppTest's context is a stand-in object)
        return
    from urllib.parse import unquote, urlsplit

    target = unquote(wanted)
    parts = urlsplit(target)
    # only a path of this app (no scheme, no host, no //): never an open redirect
    safe = target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc
    script = f"document.cookie = '{NEXT_COOKIE}=; path=/; max-age=0';"
    url = st.context.url
    if safe and isinstance(url, str) and urlsplit(url).path in ("", "/"):
        script += f"window.location.replace({json.dumps(target)});"
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def sign_out_button() -> None:
    user = st.session_state.get(USER_STATE)
    if not auth_configured() or not isinstance(user, User):
        return
    st.sidebar.caption(f"Signed in as {escape_markdown(user.email)} ({user.role_label})")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        record(None, "sign_out")
        st.logout()


# -- audit ------------------------------------------------------------------------------------
_db = None


def use_db(db) -> None:
    """app.py says which warehouse's audit log to write."""
    global _db
    _db = db


def record(db, event: str, **fields) -> None:
    """One audit line for the person in this session (never raises into a page)."""
    db = db or _db
    user = st.session_state.get(USER_STATE)
    try:
        audit.record(
            db,
            event,
            user.email if isinstance(user, User) else "(signed out)",
            role=user.role_label if isinstance(user, User) else None,
            page=st.session_state.get(PAGE_STATE),
            scope=user.scope.describe() if isinstance(user, User) else None,
            **fields,
        )
    except OSError:
        LOG.exception("could not write the audit log")


def page_viewed(page: str, filters_text: str) -> None:
    """A page view, once per page and filters (a rerun of the same view is not a new view)."""
    st.session_state[PAGE_STATE] = page
    view = (page, filters_text)
    if st.session_state.get(VIEW_STATE) != view:
        st.session_state[VIEW_STATE] = view
        record(None, "page_view", filters=filters_text)


def record_download(*, name: str, fmt: str, rows: int | None, blob: bytes, filters_text: str | None) -> None:
    """on_click of an eager download button: the audit line for the file just downloaded."""
    record(
        None, "download", filters=filters_text, format=fmt, rows=rows, sha256=audit.digest(blob), detail=name
    )


def audited(render, *, name: str, fmt: str, rows: int | None, filters_text: str | None):
    """A download button's data callable that writes the audit line (who, what, rows, sha256)
    when the file is actually produced. The session's facts are taken now: the callable may run
    outside the script run."""
    user = st.session_state.get(USER_STATE)
    page = st.session_state.get(PAGE_STATE)
    db = _db

    def produce():
        data = render()
        blob = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        try:
            audit.record(
                db,
                "download",
                user.email if isinstance(user, User) else "(signed out)",
                role=user.role_label if isinstance(user, User) else None,
                scope=user.scope.describe() if isinstance(user, User) else None,
                page=page,
                filters=filters_text,
                format=fmt,
                rows=rows,
                sha256=audit.digest(blob),
                detail=name,
            )
        except OSError:
            LOG.exception("could not write the audit log")
        return data

    return produce


def error_id(exc: BaseException) -> str:
    """Log an error with its traceback under a short id and return the id (shown to the viewer)."""
    eid = uuid.uuid4().hex[:10]
    LOG.error("error %s", eid, exc_info=exc)
    return eid
