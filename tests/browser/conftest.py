"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

The fixtures to reuse:

- `signed_in_page(role_or_username)`: a fresh browser context (its own cookies) signed in through the
  sign-in form as a demo user ("officer", "supervisor", "admin", "auditor", or a username), on the
  queue; returns the Playwright page. The demo configuration is seeded (the `seeded` fixture).
- `new_page()` and `sign_in(page, role)`: the same in two steps, for a page signed out, or a second
  user in a context of their own (a supervisor beside an officer).
- `axe_violations(page)`: the WCAG 2.1 A/AA violations axe-core finds on the page as it stands;
  `describe(violations)` makes them readable in an assertion message.
- `switch_language(page, "hi")`: the header's language switch, as an officer uses it.
- `demo_ticket(text, ..., x=fake_x)`: a ticket made as a citizen's tweet makes one (the file door),
  so it has its acknowledgement, SLA clock and routing as in the demo; with `x`, the fake X knows the
  tweet (replies to it are accepted).
- `tab_to(page, locator)`: Tab through the page until the locator has the focus, as a keyboard user.
- `focus_indicator_failures(page)`: Tab through the whole page; the elements whose focus indicator
  is missing or under 3:1 against what is behind it (axe-core does not check focus).

The live server makes every test here use a transactional database: what a test writes is committed,
so the server sees it, and a page already open sees a ticket the test makes while it looks.
`page.console_errors` lists the page's script errors, refused resources and 4xx/5xx responses.

Chromium is Debian's (`/usr/bin/chromium`, or SEVA_CHROMIUM): Playwright never downloads a browser
here. `scripts/browser.sh` (run by `make test`) installs the package when it is missing; without it
these tests skip, saying why, except where SEVA_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet

DEMO_PASSWORD = "demo-pass-123"  # the `seeded` fixture's
ROLE_USERS = {
    "officer": "bsnl_officer",
    "supervisor": "bsnl_supervisor",
    "admin": "admin",
    "auditor": "auditor",
    "posts_officer": "posts_officer",
}
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Long enough for a loaded CI machine, short enough that a missing element fails in seconds.
TIMEOUT_MS = 15_000
# As the machine's notes advise: without the background-networking flags Chromium keeps trying hosts
# this closed network refuses.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """SEVA_CHROMIUM when set, else Debian's /usr/bin/chromium, else a chromium on the PATH."""
    if chosen := os.environ.get("SEVA_CHROMIUM"):
        return chosen if os.access(chosen, os.X_OK) else None
    path = "/usr/bin/chromium"
    return path if os.access(path, os.X_OK) else shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser():
    # CI sets SEVA_REQUIRE_BROWSER: there a missing browser fails the run instead of skipping.
    missing = pytest.fail if os.environ.get("SEVA_REQUIRE_BROWSER") else pytest.skip
    executable = chromium_path()
    if executable is None:
        missing(
            f"no Chromium at {os.environ.get('SEVA_CHROMIUM') or '/usr/bin/chromium'}"
            " (scripts/browser.sh, which make test runs, installs Debian's package)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (requirements-dev.txt)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    # While Playwright's sync API runs, its asyncio loop counts as running on this thread, and Django
    # refuses the ORM calls the tests make (seeding, asserting rows, flushing the database), though
    # they are synchronous. Allowed for exactly that long: per module, so the tests after these run
    # with Django's check and no loop.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _no_tasks_left_behind():
    """These tests commit, so the outbox's and the inbox's kicks reach the test broker for real, and
    no worker takes them here: removed, so a later test's in-process worker never runs them."""
    from seva.celery import app

    yield
    app.control.purge()


@pytest.fixture
def new_page(browser, live_server):
    """A page in a fresh context (no cookies) whose relative URLs go to the live server."""
    contexts = []

    def make(*, locale: str = "en-GB"):
        context = browser.new_context(base_url=live_server.url, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        # A script error or a refused script or style (the CSP) shows in the console, a broken link
        # as a response: the tests assert none. (Chromium asks for /favicon.ico by itself.)
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and page.console_errors.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and page.console_errors.append(f"{response.status} {response.request.method} {response.url}")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in():
    """Sign a page in through the form, as a person does; ends on the queue."""

    def act(page, role_or_username: str, *, password: str = DEMO_PASSWORD):
        username = ROLE_USERS.get(role_or_username, role_or_username)
        if "/desk/login/" not in page.url:
            page.goto("/desk/login/")
        # By name, not label: the form may be in Hindi.
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form[action='/desk/login/'] button[type=submit]").click()
        page.wait_for_url("**/desk/")
        return page

    return act


@pytest.fixture
def signed_in_page(seeded, new_page, sign_in):
    """signed_in_page("officer") -> a Playwright page on the queue, signed in as bsnl_officer."""

    def make(role_or_username: str = "officer", **context_options):
        return sign_in(new_page(**context_options), role_or_username)

    return make


@pytest.fixture
def demo_ticket(ingest_lines):
    """A ticket made as a citizen's tweet makes one, through the file door (acknowledgement, SLA, routing)."""
    from tickets.models import TicketMessage

    def make(
        text: str = "@BSNLCorporate broadband down for a week in Kochi #BSNLSeva", *, mentions=(BSNL,), x=None, **tweet
    ):
        page = v2_tweet(text, mentions=list(mentions), **tweet)
        if x is not None:  # the fake X knows the tweet, so replies to it are accepted
            x.add_tweets(page["data"], page["includes"]["users"])
        ingest_lines(page)
        return TicketMessage.objects.select_related("ticket").get(tweet_id=int(tweet_id_of(page))).ticket

    return make


def tab_to(page, locator, *, most: int = 80) -> None:
    """Press Tab until `locator` has the focus; fails if it is not reachable within `most` presses."""
    target = locator.element_handle()
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", target):
            return
    raise AssertionError(f"{locator} was not reached by {most} presses of Tab")


# The focused element's indicator (outline, or box-shadow ring) and the colour behind it: WCAG 2.1's
# 1.4.11 asks 3:1 for the visual information that identifies a state, focus included. axe-core does
# not check focus, so the tests do.
_FOCUS_PROBE = """() => {
    const el = document.activeElement;
    window.focusSeen = window.focusSeen || new Set();
    if (!el || el === document.body || window.focusSeen.has(el)) return null;
    window.focusSeen.add(el);
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const parse = text => (text.match(/rgba?\\([^)]*\\)/g) || []).map(m => m.match(/[\\d.]+/g).map(Number));
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const ratio = (a, b) => {
        const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
    };
    let behind = [255, 255, 255];
    for (let node = el.parentElement; node; node = node.parentElement) {
        const [colour] = parse(getComputedStyle(node).backgroundColor);
        if (colour && (colour.length < 4 || colour[3] > 0)) { behind = colour; break; }
    }
    const style = getComputedStyle(el);
    const colours = [];
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    if (outlined) colours.push(...parse(style.outlineColor));
    if (style.boxShadow !== "none") colours.push(...parse(style.boxShadow));
    const best = Math.max(0, ...colours.map(c => ratio(c, behind)));
    const text = (el.innerText || el.name || "").trim().split("\\n")[0].slice(0, 40);
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + text;
    return {name, best: Math.round(best * 100) / 100, outline: style.outlineColor + " " + style.outlineStyle,
            shadow: style.boxShadow};
}"""


def focus_indicator_failures(page, *, most: int = 120, least_ratio: float = 3.0) -> list[str]:
    """Tab through the whole page from the top; each element whose focus indicator is missing or
    under 3:1 against what is behind it, described."""
    page.reload()  # Tab then starts from the top, wherever the focus was
    failures = []
    for _ in range(most):
        page.keyboard.press("Tab")
        probe = page.evaluate(_FOCUS_PROBE)
        if probe is None:
            break  # back to the top: every element has had its turn
        if probe["best"] < least_ratio:
            failures.append(f"{probe['name']}: {probe['best']}:1 ({probe['outline']}; {probe['shadow']})")
    return failures


def switch_language(page, code: str) -> None:
    """Press the header's language button (its text is the language's own name, its lang the code)."""
    page.locator(f".language-switch button[value='{code}']").click()
    page.wait_for_load_state()
    page.locator(f"html[lang='{code}']").wait_for()


@pytest.fixture
def axe_violations():
    """axe_violations(page) -> the WCAG 2.1 A and AA violations on the page as it stands now."""
    source = AXE_JS.read_text(encoding="utf-8")

    def run(page, *, tags=WCAG_21_AA) -> list[dict]:
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
        # govern: the CSP stays on, so the pages are checked as they are served.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(f"{source}\n;undefined")
        return page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {
                    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                });
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({
                        target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 200),
                    })),
                }));
            }""",
            list(tags),
        )

    return run


def describe(violations: list[dict]) -> str:
    """The violations, one node a line, for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(
            f"    {node['target']}: {node['html']}\n{node['summary']}".replace("\n", "\n      ")
            for node in violation["nodes"][:8]
        )
    return "\n".join(lines)
