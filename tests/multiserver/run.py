"""Several app servers, one truth: a change made through one is seen on the very next request
by every other (a standalone script that CI runs; pytest does not collect it).

    python tests/multiserver/run.py --database-url postgres://postgres@127.0.0.1:5432/ci \\
        --redis-url redis://127.0.0.1:6379/15          # two servers, PostgreSQL + Redis
    python tests/multiserver/run.py --sqlite            # one server, two workers, no Redis
    (both at once: give all three options)

Each scenario builds a fresh database (PostgreSQL: ``<name>_multiserver``, dropped at the
end; SQLite: a temporary file), migrates it, loads the seed content, collects static files
into a temporary folder and starts gunicorn (config/gunicorn.conf.py, 2 workers, DEBUG off)
on free ports of 127.0.0.1. Every worker first serves the seed term page (so any cache it
has holds the old page); then, through server A's admin with a real login (CSRF token,
cookies, Origin/Referer), a term's summary is edited and a tracking script is added; the
very next requests to server B (concurrent, so every worker answers some) must show the
new summary and the inert script. A consent decision posted to A gives a cookie with which
B shows no banner. Any mismatch fails the scenario with a message; the servers are always
stopped. Prints ``multiserver: N passed, M failed`` last; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the shared harness of benchmarks/

from benchmarks import harness  # noqa: E402

PYTHON = sys.executable
HOST = harness.HOST
WORKERS = 2
REQUESTS_PER_CHECK = 6  # concurrent: with 2 sync workers each answers some
HTTP_TIMEOUT = 15  # seconds, every request
STEP_TIMEOUT = 300  # seconds, every manage.py step
ADMIN_USER = "multiserver"
SCRIPT_SRC = "https://stats.example.org/multiserver.js"
BANNER_MARK = 'id="consent-banner"'


class Mismatch(Exception):
    """What a server showed differs from what it should."""


STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"{time.monotonic() - STARTED:5.1f}s {text}", flush=True)


# --- HTTP -------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_cookies(self) -> dict[str, str]:
        found = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                found[name.strip()] = rest.split(";", 1)[0]
        return found


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    cookies: dict[str, str] | None = None,
    form: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a new connection (so gunicorn may hand it to any worker)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT)
    sent = {"Host": f"{HOST}:{port}", "Accept": "text/html", "Connection": "close"}
    sent.update(headers or {})
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


class AdminSession:
    """A logged-in editor on one server: cookies, CSRF token, same-origin headers."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Response:
        response = fetch(self.port, path, cookies=self.cookies)
        self.cookies.update(response.set_cookies())
        return response

    def post(self, path: str, form: list[tuple[str, str]]) -> Response:
        headers = {"Origin": self.origin, "Referer": self.origin + path}
        response = fetch(
            self.port, path, method="POST", cookies=self.cookies, form=form, headers=headers
        )
        self.cookies.update(response.set_cookies())
        return response

    def login(self, username: str, password: str) -> None:
        page = self.get("/admin/login/?next=/admin/")
        fields = form_fields(page.text, "login-form")
        fields = [(k, v) for k, v in fields if k not in ("username", "password")]
        fields += [("username", username), ("password", password)]
        done = self.post("/admin/login/?next=/admin/", fields)
        if done.status != 302 or "sessionid" not in self.cookies:
            raise Mismatch(f"admin login on {self.origin} failed (HTTP {done.status})")

    def submit(self, path: str, changes: dict[str, str], form_id: str) -> Response:
        """Load an admin form, change some fields, save it; the admin answers 302."""
        page = self.get(path)
        if page.status != 200:
            raise Mismatch(f"GET {path} on {self.origin}: HTTP {page.status}")
        fields = [(k, v) for k, v in form_fields(page.text, form_id) if k not in changes]
        fields += [*changes.items(), ("_save", "Save")]
        done = self.post(path, fields)
        if done.status != 302:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', done.text, re.S)
            raise Mismatch(
                f"saving {path} on {self.origin}: HTTP {done.status}, errors: "
                + "; ".join(re.sub(r"<[^>]+>", " ", e).strip() for e in errors)[:500]
            )
        return done


class _FormParser(HTMLParser):
    """The fields a browser would submit from one form (by id, or the first form)."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and not self.done and not self.inside:
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(page: str, form_id: str | None = None) -> list[tuple[str, str]]:
    parser = _FormParser(form_id)
    parser.feed(page)
    if not parser.done and not parser.fields:
        raise Mismatch(f"no form {form_id or ''} in the page")
    return parser.fields


def select_options(page: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of a select's options."""
    block = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    if not block:
        raise Mismatch(f"no <select name={name!r}> in the page")
    return [
        (html.unescape(value), html.unescape(label).strip())
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', block[1])
    ]


# --- Servers and setup ----------------------------------------------------------------------


def manage(env: dict, *args: str) -> str:
    return harness.manage(env, *args, timeout=STEP_TIMEOUT)


def server(env: dict, name: str, log_dir: Path) -> harness.Gunicorn:
    """gunicorn with config/gunicorn.conf.py and two workers on a free port, its output in
    ``log_dir``; launched, not yet waited for."""
    log = open(log_dir / f"gunicorn-{name}.log", "w")  # noqa: SIM115 (closed by run_scenario)
    return harness.Gunicorn(env, workers=WORKERS, log=log, name=f"server {name}", quick_stop=True)


def base_env(database_url: str, redis_url: str | None, static_root: Path) -> dict:
    return harness.site_env(
        database_url,
        redis_url,
        static_root=static_root,
        allowed_hosts=f"{HOST},localhost",
        DJANGO_LOG_LEVEL="WARNING",
        CACHE_KEY_PREFIX=f"multiserver-{secrets.token_hex(4)}",  # nothing from earlier runs
        WEB_CONCURRENCY=str(WORKERS),
    )


def postgres_database(server_url: str) -> tuple[str, str]:
    """(the URL of a fresh <name>_multiserver database, its name)."""
    name = f"{(urlsplit(server_url).path.strip('/') or 'glossary')}_multiserver"
    return harness.recreate_postgres(server_url, name), name


# --- The checks ----------------------------------------------------------------------------


def on_every_worker(port: int, path: str, cookies: dict[str, str] | None = None) -> list[str]:
    """The page from REQUESTS_PER_CHECK concurrent requests, each on its own connection."""
    with ThreadPoolExecutor(REQUESTS_PER_CHECK) as pool:
        responses = list(
            pool.map(lambda _: fetch(port, path, cookies=cookies), range(REQUESTS_PER_CHECK))
        )
    for response in responses:
        if response.status != 200:
            raise Mismatch(f"GET {path} on port {port}: HTTP {response.status}")
    return [response.text for response in responses]


def suggested_titles(answer: str) -> list[str]:
    return [item["title"] for item in json.loads(answer)["suggestions"]]


def script_tag(page: str, category: str) -> bool:
    """The inert tag {% tracking_scripts %} writes for our script, with its category."""
    for tag in re.findall(r"<script\b[^>]*>", page):
        if (
            'type="text/plain"' in tag
            and f'data-consent-category="{category}"' in tag
            and f'data-consent-src="{SCRIPT_SRC}"' in tag
        ):
            return True
    return False


class Static:
    """collectstatic once for every scenario (DEBUG off serves hashed file names)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="multiserver-static-"))
        env = base_env("sqlite:///:memory:", None, self.root)
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait(self) -> Path:
        _, errors = self.process.communicate(timeout=STEP_TIMEOUT)
        if self.process.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{errors[-3000:]}")
        return self.root

    def remove(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class EditedTerm:
    """The seed term edited through A, and the addresses that show it."""

    change_path: str
    page_path: str
    old_summary: str
    old_title: str
    new_title: str
    new_summary: str

    @property
    def old_suggestions(self) -> str:
        return f"/search/suggest/?q={quote(self.old_title[:6])}"

    @property
    def new_suggestions(self) -> str:
        return f"/search/suggest/?q={quote(self.new_title[:16])}"


def prepare_database(env: dict, label: str) -> str:
    """Migrate, load the seed content, create the editor; the editor's password."""
    say(f"[{label}] migrate, seed content, superuser")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_seed_content")
    password = secrets.token_urlsafe(16)
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": password},
        "createsuperuser",
        "--noinput",
        "--username",
        ADMIN_USER,
        "--email",
        "multiserver@example.org",
    )
    return password


def start_servers(env: dict, two_servers: bool, work: Path, servers: list) -> None:
    """Server A (and B) side by side, appended to ``servers`` as they launch (so that they
    are stopped whatever happens next), then waited for."""
    for name in ("A", "B") if two_servers else ("A",):
        servers.append(server(env, name, work).launch())
    for each in servers:
        each.wait_until_up()


def term_to_edit(editor: AdminSession) -> EditedTerm:
    """The first English term of the admin's list (at the unprefixed addresses), with a new
    title and summary to give it."""
    listing = editor.get("/admin/glossary/term/?language__exact=en-gb")
    term_id = re.search(r'href="/admin/glossary/term/(\d+)/change/', listing.text)
    if not term_id:
        raise Mismatch("no term in the admin's term list")
    change_path = f"/admin/glossary/term/{term_id[1]}/change/"
    form = dict(form_fields(editor.get(change_path).text, "term_form"))
    return EditedTerm(
        change_path=change_path,
        page_path=f"/glossary/{form['slug']}/",
        old_summary=form["summary"],
        old_title=form["title"],
        new_title=f"Multiserver renamed {secrets.token_hex(3)}",
        new_summary=f"Edited through server A, check {secrets.token_hex(4)}.",
    )


def check_b_before_the_edit(b: harness.Gunicorn, term: EditedTerm) -> None:
    """Every worker of B builds its suggestions and serves (and may cache) the page as it
    is now, so a stale copy anywhere would show after the edit."""
    for answer in on_every_worker(b.port, term.old_suggestions):
        if term.old_title not in suggested_titles(answer):
            raise Mismatch(f"B does not suggest {term.old_title!r} before the edit")
    for page in on_every_worker(b.port, term.page_path):
        if html.escape(term.old_summary, quote=False)[:60] not in page:
            raise Mismatch(f"B does not show the seed summary of {term.page_path} before the edit")
        if BANNER_MARK not in page:
            raise Mismatch("B shows no consent banner to a first-time visitor")


def add_tracking_script(editor: AdminSession) -> str:
    """A tracking script added through A's admin in its first category; that category."""
    add_path = "/admin/consent/trackingscript/add/"
    add_page = editor.get(add_path).text
    categories = [(value, text) for value, text in select_options(add_page, "category") if value]
    if not categories:
        raise Mismatch("the tracking script form offers no category")
    category_id, category_label = categories[0]
    editor.submit(
        add_path,
        {
            "name": "Multiserver check",
            "category": category_id,
            "enabled": "on",
            "placement": "body",
            "order": "0",
            "src": SCRIPT_SRC,
            "code": "",
        },
        "trackingscript_form",
    )
    return category_label


def check_b_shows_the_edit(b: harness.Gunicorn, term: EditedTerm) -> int:
    """Every request to B shows the new summary and the inert script; how many were made."""
    pages = on_every_worker(b.port, term.page_path)
    for number, page in enumerate(pages, 1):
        if html.escape(term.new_summary, quote=False) not in page:
            raise Mismatch(
                f"B request {number}/{len(pages)}: {term.page_path} still shows the old summary"
            )
        categories_shown = re.findall(r'data-consent-category="([^"]+)"', page)
        if not any(script_tag(page, varname) for varname in categories_shown):
            raise Mismatch(
                f"B request {number}/{len(pages)}: no inert tracking script tag "
                f'(<script type="text/plain" data-consent-category=… '
                f'data-consent-src="{SCRIPT_SRC}">)'
            )
    return len(pages)


def check_b_suggests_the_new_title(b: harness.Gunicorn, term: EditedTerm) -> None:
    for number, answer in enumerate(on_every_worker(b.port, term.new_suggestions), 1):
        if term.new_title not in suggested_titles(answer):
            raise Mismatch(f"B request {number}: the new title is not suggested")
    for number, answer in enumerate(on_every_worker(b.port, term.old_suggestions), 1):
        if term.old_title in suggested_titles(answer):
            raise Mismatch(f"B request {number}: the old title is still suggested")


def check_consent_decided_on_a_counts_on_b(
    a: harness.Gunicorn, b: harness.Gunicorn, page_path: str
) -> None:
    origin = f"http://{HOST}:{a.port}"
    decision = fetch(
        a.port,
        "/cookies/accept/",
        method="POST",
        form=[("all", "1"), ("next", page_path)],
        headers={"Origin": origin, "Sec-Fetch-Site": "same-origin", "Referer": origin + "/"},
    )
    consent_cookie = decision.set_cookies().get("cookie_consent")
    if decision.status not in (200, 302, 303) or not consent_cookie:
        raise Mismatch(f"accept all on A: HTTP {decision.status}, no consent cookie")
    for number, page in enumerate(
        on_every_worker(b.port, page_path, {"cookie_consent": consent_cookie}), 1
    ):
        if BANNER_MARK in page:
            raise Mismatch(f"B request {number}: the banner shows after accepting all on A")


def check_servers(label: str, a: harness.Gunicorn, b: harness.Gunicorn, password: str) -> None:
    """An edit and a new script made through A show on the very next requests to B, and a
    consent decision made on A counts on B."""
    editor = AdminSession(a.port)
    editor.login(ADMIN_USER, password)
    term = term_to_edit(editor)
    check_b_before_the_edit(b, term)
    editor.submit(
        term.change_path, {"summary": term.new_summary, "title": term.new_title}, "term_form"
    )
    category_label = add_tracking_script(editor)
    say(f"[{label}] through A: title and summary edited, script added ({category_label})")
    requests = check_b_shows_the_edit(b, term)
    say(f"[{label}] B, {requests} concurrent requests: new summary and the inert script")
    check_b_suggests_the_new_title(b, term)
    say(f"[{label}] B: suggestions show the new title, not the old one")
    check_consent_decided_on_a_counts_on_b(a, b, term.page_path)
    say(f"[{label}] consent decided on A: B shows no banner")


def run_scenario(
    label: str, database_url: str, redis_url: str | None, two_servers: bool, static: Static
) -> None:
    work = Path(tempfile.mkdtemp(prefix="multiserver-"))
    servers: list[harness.Gunicorn] = []
    try:
        env = base_env(database_url, redis_url, static.root)
        password = prepare_database(env, label)
        static.wait()
        start_servers(env, two_servers, work, servers)
        a, b = servers[0], servers[-1]
        say(
            f"[{label}] server A on {a.port}"
            + (f", server B on {b.port}" if b is not a else " (also B)")
            + f", {WORKERS} workers each"
        )
        check_servers(label, a, b, password)
        say(f"[{label}] stopping the servers")
    finally:
        for each in servers:
            each.stop()
            each.log.close()
        shutil.rmtree(work, ignore_errors=True)


def outcome(scenario) -> str | None:
    """None when the scenario passed, else what went wrong."""
    try:
        scenario()
    except Mismatch as error:
        return str(error)
    except Exception:
        return traceback.format_exc(limit=3)
    return None


def postgres_scenario(args: argparse.Namespace, static: Static) -> None:
    name = None
    try:
        database_url, name = postgres_database(args.database_url)
        run_scenario("postgres+redis", database_url, args.redis_url, True, static)
    finally:
        if name:
            harness.drop_postgres(args.database_url, name)


def sqlite_scenario(static: Static) -> None:
    folder = Path(tempfile.mkdtemp(prefix="multiserver-sqlite-"))
    try:
        run_scenario("sqlite", f"sqlite:///{folder / 'db.sqlite3'}", None, False, static)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server (a fresh database is made)")
    parser.add_argument("--redis-url", help="Redis shared by both servers")
    parser.add_argument("--sqlite", action="store_true", help="one server, 2 workers, no Redis")
    args = parser.parse_args()
    if bool(args.database_url) != bool(args.redis_url):
        parser.error("--database-url and --redis-url go together")
    if not (args.database_url or args.sqlite):
        parser.error("give --database-url and --redis-url, or --sqlite, or all three")

    static = Static()
    scenarios = []
    if args.database_url:
        scenarios.append(
            ("two servers, PostgreSQL + Redis", lambda: postgres_scenario(args, static))
        )
    if args.sqlite:
        scenarios.append(("two workers, SQLite, no Redis", lambda: sqlite_scenario(static)))
    # Side by side: they share only the static files (own database, ports, cache prefix).
    try:
        with ThreadPoolExecutor(len(scenarios)) as pool:
            errors = list(pool.map(lambda scenario: outcome(scenario[1]), scenarios))
    finally:
        static.remove()
    outcomes = [(name, error) for (name, _), error in zip(scenarios, errors, strict=True)]
    for scenario, error in outcomes:
        say(
            f"{'PASS' if error is None else 'FAIL'}: {scenario}" + (f"\n  {error}" if error else "")
        )
    failed = sum(1 for _, error in outcomes if error is not None)
    say(f"multiserver: {len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
