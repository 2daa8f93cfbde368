"""Consent in every language: the texts a visitor reads come from their page's language
(or the default language where a text is missing), privacy staff edit them per language
and see what is incomplete, and a record says which language's texts, at which version,
the visitor decided on. Only a change marked as material asks again, and only the
visitors who decided in that language."""

from __future__ import annotations

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

from consent import catalog, state
from consent.catalog import get_catalog
from consent.models import CategoryText, ConsentRecord, ConsentText, CookieText
from core import stamps

from .conftest import SAME_ORIGIN

pytestmark = pytest.mark.django_db

NAME = settings.COOKIE_CONSENT_NAME
BANNER = 'id="consent-banner"'
GERMAN_BANNER = "Wir verwenden Cookies, um Inhalte und Werbung zu personalisieren"
ENGLISH_BANNER = "We use cookies to personalize content and marketing"
TEXTS_URL = "/admin/consent/consenttext/"


def visitor() -> Client:
    return Client(headers=SAME_ORIGIN)


def decides_in(language_prefix: str, client: Client | None = None) -> Client:
    """A visitor who clicks "Accept all" in the banner (no JavaScript) on a page of this
    language (``""`` for English, ``"/de"``…)."""
    client = client or visitor()
    response = client.post(f"{language_prefix}/cookies/accept/", {"all": "1", "next": "/"})
    assert response.status_code == 302
    return client


def shows_banner(client: Client, url: str) -> bool:
    response = client.get(url)
    assert response.status_code == 200
    return BANNER in response.content.decode()


@pytest.fixture
def privacy_client() -> Client:
    user = User.objects.create_user("privacy", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Privacy"))
    client = Client()
    client.force_login(user)
    return client


def texts_of(language: str) -> ConsentText:
    return ConsentText.objects.get(language=language)


def texts_form(language: str, material: bool = False, **fields: str) -> dict[str, str]:
    """The POST of a language's admin page as stored, with ``fields`` changed
    (``banner_text``, ``page_text``, ``marketing_description``, ``<cookie>_purpose``)."""
    row = texts_of(language)
    data = {
        "banner_text": fields.get("banner_text", row.banner_text),
        "page_text": fields.get("page_text", row.page_text),
    }
    if material:
        data["material_change"] = "on"
    categories = list(row.categories.select_related("category"))
    cookies = list(row.cookies.select_related("cookie"))
    for prefix, rows in (("categories", categories), ("cookies", cookies)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(rows)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for index, text in enumerate(categories):
        varname = text.category.varname
        data.update(
            {
                f"categories-{index}-id": str(text.pk),
                f"categories-{index}-texts": str(row.pk),
                f"categories-{index}-category": str(text.category_id),
                f"categories-{index}-name": fields.get(f"{varname}_name", text.name),
                f"categories-{index}-description": fields.get(
                    f"{varname}_description", text.description
                ),
            }
        )
    for index, text in enumerate(cookies):
        name = text.cookie.name
        data.update(
            {
                f"cookies-{index}-id": str(text.pk),
                f"cookies-{index}-texts": str(row.pk),
                f"cookies-{index}-cookie": str(text.cookie_id),
                f"cookies-{index}-purpose": fields.get(f"{name}_purpose", text.purpose),
                f"cookies-{index}-lifetime": text.lifetime,
            }
        )
    return data


def save_texts(client: Client, language: str, material: bool = False, **fields: str):
    url = f"{TEXTS_URL}{texts_of(language).pk}/change/"
    return client.post(url, texts_form(language, material, **fields))


class TestTheShippedTexts:
    def test_every_language_has_its_banner_page_text_and_categories(self):
        languages = [code for code, _name in settings.LANGUAGES]
        assert sorted(ConsentText.objects.values_list("language", flat=True)) == sorted(languages)
        for language in languages:
            built = get_catalog(language)
            assert built.language == language and built.text_version == 1
            assert built.banner_text and built.page_text
        german = get_catalog("de")
        assert german.banner_text.startswith(GERMAN_BANNER)
        assert german.category("necessary").name == "Unbedingt erforderlich"
        assert get_catalog("ar").category("marketing").name == "التسويق"
        assert get_catalog("pl").category("analytics").name == "Analityczne"

    def test_the_site_s_own_cookies_have_purposes_and_lifetimes_in_every_language(self):
        german = {c.name: c for c in get_catalog("de").category("necessary").cookies}
        assert german["csrftoken"].lifetime == "1 Jahr"
        assert german["sessionid"].lifetime == "2 Wochen, oder bis Sie sich abmelden"
        assert german[NAME].purpose.startswith("Speichert, welche Cookie-Kategorien")
        polish = {c.name: c for c in get_catalog("pl").category("necessary").cookies}
        assert polish[NAME].lifetime == "180 dni"
        arabic = {c.name: c for c in get_catalog("ar").category("necessary").cookies}
        assert arabic["sessionid"].lifetime == "أسبوعان، أو حتى تسجيل الخروج"
        recent = {c.name: c for c in get_catalog("fr").category("personalization").cookies}
        assert recent["glossary.recent"].purpose.startswith("Mémorise, dans votre navigateur")

    def test_an_unknown_or_regional_language_gets_its_closest_enabled_one(self):
        assert get_catalog("de-at").language == "de"
        assert get_catalog("xx").language == "en-gb"


class TestPagesInTheirLanguage:
    def test_a_german_page_shows_the_german_banner(self):
        html = visitor().get("/de/").content.decode()
        assert GERMAN_BANNER in html and ENGLISH_BANNER not in html
        assert 'action="/de/cookies/accept/"' in html  # the decision is made in German

    def test_the_german_cookies_page_shows_german_texts(self):
        html = visitor().get("/de/cookies/").content.decode()
        assert "Cookies sind kleine Dateien, die auf Ihrem Gerät gespeichert werden." in html
        assert '<h2 id="category-analytics">Analyse</h2>' in html
        assert "Schützt die Formulare dieser Website" in html
        assert "Cookies are small files saved on your device." not in html

    def test_a_warm_german_page_reads_the_stamp_and_no_consent_table(
        self, django_assert_max_num_queries
    ):
        client = visitor()
        client.get("/de/", {"uncached": "1"})  # builds the German catalog once
        with django_assert_max_num_queries(8) as page:
            html = client.get("/de/", {"uncached": "1"}).content.decode()
        assert GERMAN_BANNER in html
        read = " ".join(query["sql"] for query in page.captured_queries)
        assert "consent.catalog" in read
        assert "cookie_consent_" not in read and '"consent_' not in read

    def test_an_english_page_keeps_the_english_texts(self):
        html = visitor().get("/").content.decode()
        assert ENGLISH_BANNER in html and GERMAN_BANNER not in html

    def test_a_category_without_a_german_text_shows_the_english_one(self):
        CategoryText.objects.filter(texts__language="de", category__varname="marketing").delete()
        CookieText.objects.filter(texts__language="de", cookie__name="csrftoken").update(purpose="")
        html = visitor().get("/de/cookies/").content.decode()
        marketing = CookieGroup.objects.get(varname="marketing")
        assert f'<h2 id="category-marketing">{marketing.name}</h2>' in html
        assert marketing.description in html
        assert '<h2 id="category-analytics">Analyse</h2>' in html  # the others stay German
        csrf = Cookie.objects.get(name="csrftoken")
        assert csrf.description in html

    def test_a_blank_german_banner_falls_back_to_the_english_one(self):
        ConsentText.objects.filter(language="de").update(banner_text="  ")
        catalog.invalidate()
        html = visitor().get("/de/").content.decode()
        assert ENGLISH_BANNER in html


class TestAdminShowsWhatIsIncomplete:
    def test_privacy_staff_see_each_language_and_whether_it_is_complete(self, privacy_client):
        CategoryText.objects.filter(texts__language="de", category__varname="marketing").delete()
        page = privacy_client.get(TEXTS_URL)
        assert page.status_code == 200
        html = page.content.decode()
        assert html.count('class="field-code"') == len(settings.LANGUAGES)
        assert "icon-no.svg" in html and "icon-yes.svg" in html
        incomplete = privacy_client.get(TEXTS_URL, {"complete": "no"}).content.decode()
        assert incomplete.count('class="field-code"') == 1
        assert '<td class="field-code">de</td>' in incomplete
        complete = privacy_client.get(TEXTS_URL, {"complete": "yes"}).content.decode()
        assert complete.count('class="field-code"') == len(settings.LANGUAGES) - 1

    def test_the_german_page_lists_what_is_missing(self, privacy_client):
        CategoryText.objects.filter(texts__language="de", category__varname="marketing").delete()
        html = privacy_client.get(f"{TEXTS_URL}{texts_of('de').pk}/change/").content.decode()
        assert "2 texts are missing" in html
        assert "Category &#x27;Marketing&#x27;: name" in html
        # A new row is offered for the category without a German text.
        assert 'name="categories-TOTAL_FORMS" value="4"' in html
        assert 'name="categories-INITIAL_FORMS" value="3"' in html

    def test_a_missing_category_text_is_added_on_the_language_s_page(self, privacy_client):
        CategoryText.objects.filter(texts__language="de", category__varname="marketing").delete()
        url = f"{TEXTS_URL}{texts_of('de').pk}/change/"
        marketing = CookieGroup.objects.get(varname="marketing")
        offered = {
            "categories-TOTAL_FORMS": "4",
            "categories-3-texts": str(texts_of("de").pk),
            "categories-3-category": str(marketing.pk),
            "categories-3-name": "",
            "categories-3-description": "",
        }
        response = privacy_client.post(url, {**texts_form("de"), **offered})
        assert response.status_code == 302
        # Left as offered, the row is not saved (no blank German text)…
        assert not CategoryText.objects.filter(texts__language="de", category=marketing).exists()
        filled = {**offered, "categories-3-name": "Werbung", "categories-3-description": "Text."}
        response = privacy_client.post(url, {**texts_form("de"), **filled})
        assert response.status_code == 302
        # …filled in, it is, and German pages show it.
        assert get_catalog("de").category("marketing").name == "Werbung"
        assert (
            '<h2 id="category-marketing">Werbung</h2>'
            in visitor().get("/de/cookies/").content.decode()
        )

    def test_the_category_list_and_form_name_the_missing_languages(self, privacy_client):
        CategoryText.objects.filter(texts__language="de", category__varname="marketing").delete()
        marketing = CookieGroup.objects.get(varname="marketing")
        url = "/admin/cookie_consent/cookiegroup/"
        listed = privacy_client.get(url, {"missing_in": "de"}).content.decode()
        assert f"{url}{marketing.pk}/change/" in listed
        assert listed.count('class="field-missing_languages"') == 1
        assert '<td class="field-missing_languages">de</td>' in listed
        form = privacy_client.get(f"{url}{marketing.pk}/change/").content.decode()
        assert "Missing, so the default language is shown, in:" in form
        assert f'href="{TEXTS_URL}{texts_of("de").pk}/change/">Deutsch</a>' in form

    def test_a_new_category_s_form_says_every_other_language_is_missing(self, privacy_client):
        page = privacy_client.get("/admin/cookie_consent/cookiegroup/add/")
        assert page.status_code == 200
        assert "Missing, so the default language is shown, in:" in page.content.decode()

    def test_the_default_language_page_has_no_category_rows(self, privacy_client):
        html = privacy_client.get(f"{TEXTS_URL}{texts_of('en-gb').pk}/change/").content.decode()
        assert 'name="banner_text"' in html and "categories-TOTAL_FORMS" not in html

    def test_editors_have_no_access(self):
        editor = User.objects.create_user("editor", password="x", is_staff=True)
        client = Client()
        client.force_login(editor)
        assert client.get(TEXTS_URL).status_code == 403
        assert client.get(f"{TEXTS_URL}{texts_of('de').pk}/change/").status_code == 403

    def test_a_category_given_twice_is_a_form_error_not_a_500(self, privacy_client):
        data = texts_form("de")
        data["categories-1-category"] = data["categories-0-category"]
        response = privacy_client.post(f"{TEXTS_URL}{texts_of('de').pk}/change/", data)
        assert response.status_code == 200
        assert "Please correct the duplicate data" in response.content.decode()
        assert CategoryText.objects.filter(texts__language="de").count() == 4


class TestTheRecordSaysWhichLanguage:
    def test_a_decision_on_a_german_page_records_german_and_its_text_version(self):
        material = texts_of("de")
        material.record_material_change()
        material.save()
        client = decides_in("/de")
        record = ConsentRecord.objects.get()
        assert (record.language, record.text_version) == ("de", 2)
        stored = state.read_cookie(client.cookies[NAME].value, get_catalog())
        assert (stored.language, stored.text_version, stored.status) == ("de", 2, "current")

    def test_a_decision_on_an_english_page_records_the_default_language(self):
        visitor().post("/cookies/", {"action": "reject_all"})
        record = ConsentRecord.objects.get()
        assert (record.language, record.text_version) == ("en-gb", 1)

    def test_the_visitor_s_own_history_shows_the_language(self):
        client = decides_in("/fr")
        html = client.get("/fr/cookies/").content.decode()
        row = html.split("data-consent-history>")[1].split("</table>")[0]
        assert '<td data-consent-history-language="fr"><span lang="fr">Français</span> (1)' in row

    def test_the_records_admin_shows_the_language(self, privacy_client):
        decides_in("/nl")
        html = privacy_client.get("/admin/consent/consentrecord/").content.decode()
        assert '<td class="field-language">nl</td>' in html
        assert (
            privacy_client.get("/admin/consent/consentrecord/", {"language": "de"})
            .content.decode()
            .count('class="field-language"')
            == 0
        )


class TestAskedAgainPerLanguage:
    def test_a_wording_fix_in_german_asks_nobody_again(self, privacy_client):
        german, french = decides_in("/de"), decides_in("/fr")
        before = stamps.token(catalog.STAMP)
        response = save_texts(privacy_client, "de", banner_text="Wir verwenden Cookies.")
        assert response.status_code == 302
        assert stamps.token(catalog.STAMP) != before
        assert texts_of("de").text_version == 1
        assert "Wir verwenden Cookies." in visitor().get("/de/").content.decode()
        assert not shows_banner(german, "/de/") and not shows_banner(french, "/fr/")

    def test_a_material_german_change_asks_only_those_who_decided_in_german(self, privacy_client):
        german, french, english = decides_in("/de"), decides_in("/fr"), decides_in("")
        response = save_texts(
            privacy_client, "de", material=True, marketing_description="Jetzt mit Partnern."
        )
        assert response.status_code == 302
        assert texts_of("de").text_version == 2
        assert shows_banner(german, "/de/")
        assert shows_banner(german, "/")  # their decision no longer counts anywhere
        assert not shows_banner(french, "/fr/") and not shows_banner(french, "/de/")
        assert not shows_banner(english, "/")
        # Answering again records the new German version, with the reason.
        decides_in("/de", german)
        answer = ConsentRecord.objects.latest("pk")
        assert (answer.language, answer.text_version, answer.reason) == ("de", 2, "policy")
        assert not shows_banner(german, "/de/")

    def test_the_list_action_declares_a_material_change_for_the_chosen_languages(
        self, privacy_client
    ):
        french, dutch = decides_in("/fr"), decides_in("/nl")
        response = privacy_client.post(
            TEXTS_URL,
            {"action": "declare_material_change", "_selected_action": [texts_of("fr").pk]},
            follow=True,
        )
        assert "Material change recorded for Français" in response.content.decode()
        assert shows_banner(french, "/fr/") and not shows_banner(dutch, "/nl/")

    @pytest.mark.parametrize(
        "meta",
        [
            ".l=xx|.t=1",  # not an enabled language
            ".l=de|.t=0",
            ".l=de|.t=abc",
            ".l=de|.t=2",  # a version German never had
            ".l=de",  # no text version
            ".t=1",  # no language
        ],
    )
    def test_a_cookie_without_a_valid_language_and_text_version_is_asked_again(self, meta):
        built = get_catalog()
        moment = state.format_version(state.timezone.now())
        raw = (
            f"analytics={moment}|personalization=-1|marketing=-1|.at={moment}"
            f"|.v={built.policy_version}|{meta}|.id={state.new_consent_id()}"
        )
        assert state.read_cookie(raw, built).status == "outdated"
        client = visitor()
        client.cookies[NAME] = raw
        assert shows_banner(client, "/de/")


class TestCachedPages:
    def test_a_german_page_never_shows_english_text_from_the_cache(self):
        for _ in ("miss", "hit"):
            english = visitor().get("/")
            german = visitor().get("/de/")
        assert german["X-Page-Cache"] == "hit" and english["X-Page-Cache"] == "hit"
        assert GERMAN_BANNER in german.content.decode()
        assert ENGLISH_BANNER not in german.content.decode()
        assert ENGLISH_BANNER in english.content.decode()

    def test_editing_a_german_text_renews_the_german_pages(self, privacy_client):
        for _ in ("miss", "hit"):
            cached = visitor().get("/de/")
        assert cached["X-Page-Cache"] == "hit"
        save_texts(privacy_client, "de", banner_text="Neuer Hinweis zu Cookies.")
        renewed = visitor().get("/de/")
        assert renewed["X-Page-Cache"] != "hit"
        assert "Neuer Hinweis zu Cookies." in renewed.content.decode()
        assert ENGLISH_BANNER in visitor().get("/").content.decode()

    def test_a_material_german_change_shows_the_banner_to_a_cached_german_decider(
        self, privacy_client
    ):
        german = decides_in("/de")
        for _ in ("miss", "hit"):
            assert not shows_banner(german, "/de/")
        save_texts(privacy_client, "de", material=True)
        assert shows_banner(german, "/de/")
