from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consent import tracker_audit
from consent.catalog import get_catalog

MAX_PAGES = 1000


def fail_on_kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(kind.strip() for kind in value.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in tracker_audit.KINDS]
    if unknown or not kinds:
        raise CommandError(
            f"--fail-on takes a comma-separated list of {', '.join(tracker_audit.KINDS)}; "
            f"got {value!r}."
        )
    return kinds


class Command(BaseCommand):
    help = (
        "Visit the site's pages in headless Chromium (Debian's, or CHROMIUM_PATH) once per "
        "consent choice (no decision, reject all, each optional category alone, accept all) "
        "and report every cookie, storage key and other origin that the consent catalog does "
        "not declare, that appears before its category is granted, or that lives longer than "
        "declared. Exit status: 0 clean, 1 findings, 2 the audit could not run completely."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("base_url", nargs="?", help="The site's address (default: SITE_URL).")
        parser.add_argument(
            "--pages",
            type=int,
            default=20,
            metavar="N",
            help="At most N pages from the sitemap, besides / and /cookies/ (default 20).",
        )
        parser.add_argument(
            "--page",
            action="append",
            default=[],
            metavar="PATH",
            dest="extra_paths",
            help="Also visit this path (repeatable), e.g. a landing page not in the sitemap.",
        )
        parser.add_argument(
            "--json", dest="json_path", metavar="FILE", help="Write every observation as JSON."
        )
        parser.add_argument(
            "--html", dest="html_path", metavar="FILE", help="Write a self-contained HTML report."
        )
        parser.add_argument(
            "--fail-on",
            default=",".join(tracker_audit.KINDS),
            metavar="KINDS",
            help="Finding kinds that make the exit status 1 (default: every kind).",
        )

    def handle(self, *args, base_url, pages, extra_paths, json_path, html_path, fail_on, **options):
        failing = fail_on_kinds(fail_on)
        if not 1 <= pages <= MAX_PAGES:
            raise CommandError(f"--pages must be from 1 to {MAX_PAGES}; got {pages}.")
        bad = [path for path in extra_paths if not path.startswith("/") or path.startswith("//")]
        if bad:
            raise CommandError(f"--page takes a path starting with a single /; got {bad[0]!r}.")
        try:
            base = tracker_audit.validate_base_url(base_url or settings.SITE_URL)
            chromium = tracker_audit.chromium_executable(os.environ.get("CHROMIUM_PATH", ""))
            tracker_audit.sync_playwright_or_explain()
            # Read before the browser starts: Playwright's event loop then owns this thread.
            catalog = get_catalog()
            urls = tracker_audit.pages_to_visit(base, pages, extra_paths)
            self.stderr.write(
                f"Auditing {len(urls)} pages of {base} in {len(tracker_audit.plan_passes(catalog))}"
                " passes…"
            )
            result = tracker_audit.run_audit(
                base,
                urls,
                catalog,
                chromium=chromium,
                consent_cookie=settings.COOKIE_CONSENT_NAME,
                progress=lambda message: self.stderr.write(f"  {message}"),
            )
        except tracker_audit.AuditError as error:
            raise CommandError(str(error), returncode=2) from error
        status = result.exit_status(failing)
        self.stdout.write(tracker_audit.text_report(result), ending="")
        if json_path:
            tracker_audit.write_json(result, json_path)
        if html_path:
            with open(html_path, "w", encoding="utf-8") as output:
                output.write(tracker_audit.html_report(result))
        audit = tracker_audit.store_summary(result, status)
        self.stderr.write(f"Stored as tracker audit #{audit.pk} ({result.duration_seconds:.1f} s).")
        if status == 2:
            raise CommandError(
                "Some passes could not be run: " + "; ".join(result.errors), returncode=2
            )
        if status == 1:
            counts = ", ".join(f"{kind} {n}" for kind, n in result.counts.items() if n)
            total = len(result.findings)
            noun = "problem" if total == 1 else "problems"
            raise CommandError(f"The audit found {total} {noun} ({counts}).")
