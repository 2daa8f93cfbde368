"""People's public pages, and profiles as editors enter them (ORCID, photo)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from editorial.models import Authorship, Person, orcid_checksum_ok
from glossary.models import Term
from tests.glossary.editor_helpers import image_bytes, upload_file

pytestmark = pytest.mark.django_db


def person_form(**overrides) -> dict:
    data = {
        "name": "Dr. Ann Other",
        "slug": "ann-other",
        "credentials": "MD",
        "specialty": "",
        "bio": "",
        "orcid": "",
        "website": "",
        "conflicts_of_interest": "",
        "user": "",
        "public": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client_(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 20))
    return client


class TestProfilePage:
    def test_lists_only_published_work_written_and_reviewed(self, published, make_term, writer):
        hidden = make_term("Hidden draft", slug="hidden-draft", status=Term.Status.DRAFT)
        Authorship.objects.create(term=hidden, person=writer.editorial_person)
        html = Client().get("/people/wendy-writer/").content.decode()
        assert 'href="/glossary/autophagy/"' in html and "Hidden draft" not in html
        assert "Terms written" in html and "Terms medically reviewed" not in html

        reviewer_page = Client().get("/people/rita-review/").content.decode()
        assert "Dr. Rita Review, MD, PhD" in reviewer_page and "Neurologist" in reviewer_page
        assert "Terms medically reviewed" in reviewer_page
        assert 'href="/glossary/autophagy/"' in reviewer_page

    def test_an_unpublished_term_leaves_the_profile(self, published, publisher, as_user, step):
        assert (
            'href="/glossary/autophagy/"' in Client().get("/people/wendy-writer/").content.decode()
        )
        step(as_user(publisher), published, "unpublish")
        assert "autophagy" not in Client().get("/people/wendy-writer/").content.decode()

    def test_shows_links_and_conflicts_of_interest(self, db):
        Person.objects.create(
            name="Dr. Ann Other",
            slug="ann-other",
            orcid="0000-0002-1825-0097",
            website="https://ann.example.org/",
            conflicts_of_interest="Consults for Example Pharma.",
        )
        html = Client().get("/people/ann-other/").content.decode()
        assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
        assert 'href="https://ann.example.org/"' in html
        assert "Consults for Example Pharma." in html

    def test_a_bare_profile_shows_no_empty_sections_nor_the_account(self, writer):
        html = Client().get("/people/wendy-writer/").content.decode()
        for absent in ("ORCID", "Conflicts of interest", "Website", "wendy@example.org", "wendy<"):
            assert absent not in html

    def test_a_private_profile_is_404_and_bylines_do_not_link_it(
        self, draft, writer, reviewer, publisher, as_user, step
    ):
        writer.editorial_person.public = False
        writer.editorial_person.save()
        assert Client().get("/people/wendy-writer/").status_code == 404
        step(as_user(writer), draft, "submit")
        step(as_user(reviewer), draft, "approve")
        step(as_user(publisher), draft, "publish")
        html = Client().get("/glossary/autophagy/").content.decode()
        assert "Written by Wendy Writer" in html and "/people/wendy-writer/" not in html

    def test_unknown_people_are_404(self, db):
        assert Client().get("/people/nobody/").status_code == 404

    def test_a_profile_edit_renews_the_cached_page(self, writer):
        first = Client().get("/people/wendy-writer/")
        person = writer.editorial_person
        person.bio = "Writes about cells."
        person.save()
        second = Client().get("/people/wendy-writer/")
        assert first["ETag"] != second["ETag"] and "Writes about cells." in second.content.decode()


class TestProfileForm:
    URL = "/admin/editorial/person/add/"

    def test_orcid_check_digit(self):
        assert orcid_checksum_ok("0000-0002-1825-0097")
        assert orcid_checksum_ok("0000-0002-9079-593X")
        assert not orcid_checksum_ok("0000-0002-1825-0098")

    @pytest.mark.parametrize("orcid", ["1234", "0000-0002-1825-0098", "abcd-0002-1825-0097"])
    def test_an_invalid_orcid_is_refused_with_a_message(self, admin_client_, orcid):
        response = admin_client_.post(self.URL, person_form(orcid=orcid))
        assert response.status_code == 200
        assert "Enter an ORCID iD as 16 digits" in response.content.decode()
        assert not Person.objects.exists()

    def test_an_orcid_address_is_kept_as_the_bare_id(self, admin_client_):
        response = admin_client_.post(
            self.URL, person_form(orcid="https://orcid.org/0000-0002-9079-593x")
        )
        assert response.status_code == 302
        assert Person.objects.get().orcid == "0000-0002-9079-593X"

    def test_a_website_must_be_https(self, admin_client_):
        response = admin_client_.post(self.URL, person_form(website="http://ann.example.org/"))
        assert "Use an https:// address." in response.content.decode()
        assert not Person.objects.exists()

    def test_a_photo_is_stored_through_the_upload_checks(self, admin_client_, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        data = person_form(photo_upload=upload_file("me.png", image_bytes("PNG"), "image/png"))
        assert admin_client_.post(self.URL, data).status_code == 302
        person = Person.objects.get()
        assert person.photo.startswith("uploads/") and person.photo.endswith(".png")
        assert (tmp_path / person.photo).exists()
        html = Client().get("/people/ann-other/").content.decode()
        assert f'src="/media/{person.photo}"' in html and 'alt="Photo of Dr. Ann Other"' in html

    def test_a_file_that_is_no_image_is_refused(self, admin_client_, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        data = person_form(photo_upload=upload_file("me.png", b"<svg onload=x>", "image/png"))
        response = admin_client_.post(self.URL, data)
        assert response.status_code == 200 and not Person.objects.exists()
        assert "photo_upload" in response.context["adminform"].form.errors

    def test_writers_cannot_edit_profiles(self, writer):
        client = Client()
        client.force_login(writer)
        assert client.post(self.URL, person_form()).status_code == 403
        assert reverse("admin:editorial_person_changelist")
