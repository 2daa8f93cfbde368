"""Admin → Consent and tracking → Tracker audits: the stored summary of each ``audit_trackers`` run.

Read-only for everyone, superusers included (the command writes them); privacy staff see
them through ``view_trackeraudit`` (migration), editors have no access.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from consent.tracker_audit_models import TrackerAudit


@admin.register(TrackerAudit)
class TrackerAuditAdmin(admin.ModelAdmin):
    list_display = (
        "ran_at",
        "base_url",
        "page_count",
        "undeclared",
        "early",
        "longer_lived",
        "third_party",
        "exit_status",
    )
    list_filter = ("ran_at", "exit_status")
    date_hierarchy = "ran_at"
    fields = (
        "ran_at",
        "base_url",
        "duration_seconds",
        "exit_status",
        "counts",
        "findings_table",
        "passes_table",
        "pages_list",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Pages"))
    def page_count(self, obj: TrackerAudit) -> int:
        return len(obj.pages or [])

    @admin.display(description=gettext_lazy("Findings by kind"))
    def counts(self, obj: TrackerAudit) -> str:
        return gettext(
            "undeclared %(undeclared)d, before consent %(early)d, longer lived "
            "%(longer_lived)d, other origin without consent %(third_party)d"
        ) % {
            "undeclared": obj.undeclared,
            "early": obj.early,
            "longer_lived": obj.longer_lived,
            "third_party": obj.third_party,
        }

    @admin.display(description=gettext_lazy("Findings"))
    def findings_table(self, obj: TrackerAudit) -> str:
        findings = obj.findings or []
        if not findings:
            return gettext("None.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td>"
            "<td><code>{}</code></td><td><code>{}</code></td></tr>",
            (
                (
                    finding.get("kind", ""),
                    finding.get("pass", ""),
                    finding.get("item", ""),
                    finding.get("name", ""),
                    finding.get("category", "") or "—",
                    finding.get("detail", ""),
                    finding.get("set_by", "") or "—",
                    finding.get("page", ""),
                )
                for finding in findings
            ),
        )
        return _table(
            (
                gettext("Kind"),
                gettext("Pass"),
                gettext("What"),
                gettext("Category"),
                gettext("Detail"),
                gettext("Set by / first request"),
                gettext("First page"),
            ),
            rows,
        )

    @admin.display(description=gettext_lazy("Passes"))
    def passes_table(self, obj: TrackerAudit) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    item.get("name", ""),
                    ", ".join(item.get("granted", [])) or gettext("nothing optional"),
                    item.get("pages", 0),
                    item.get("cookies", 0),
                    item.get("storage_keys", 0),
                    ", ".join(item.get("other_origins", [])) or "—",
                    item.get("error", "") or "—",
                )
                for item in obj.passes or []
            ),
        )
        return _table(
            (
                gettext("Pass"),
                gettext("Granted"),
                gettext("Pages"),
                gettext("Cookies"),
                gettext("Storage keys"),
                gettext("Other origins"),
                gettext("Error"),
            ),
            rows,
        )

    @admin.display(description=gettext_lazy("Pages visited"))
    def pages_list(self, obj: TrackerAudit) -> str:
        return format_html_join("", "<code>{}</code><br>", ((page,) for page in obj.pages or []))


def _table(headings: tuple[str, ...], rows: str) -> str:
    """A table with these column headings (already translated) over the rendered rows."""
    head = format_html_join("", "<th>{}</th>", ((heading,) for heading in headings))
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)
