"""The not-found and server-error pages keep the site around them."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_with_the_header_search_and_a_way_home(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.text
    assert "<h1>Nothing is here</h1>" in html
    assert 'class="site-search"' in html  # the header's search box
    assert 'action="/search/"' in html
    assert 'href="/">the newest posts</a>' in html


def test_a_missing_post_names_what_was_missing(client):
    response = client.get("/2007/03/21/no-such-post/")
    assert response.status_code == 404
    assert "<p>No Post matches the given query.</p>" in response.text


def test_the_server_error_page_renders_with_the_database_down(django_assert_num_queries):
    refuse = mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")
    )
    with django_assert_num_queries(0), refuse:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert 'class="site-search"' in html
    assert 'href="/">Back to the newest posts</a>' in html


def test_a_database_failure_in_a_page_shows_the_error_page(client):
    client.raise_request_exception = False
    with mock.patch("posts.views.Post.objects.by_author", side_effect=OperationalError("down")):
        response = client.get("/authors/Allahpundit/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
