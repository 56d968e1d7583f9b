"""An error's `detail` is in one language, the request's (issue 15: no "中文。English" mixes)."""

import re

CJK = re.compile(r"[\u4e00-\u9fff]")


def _unknown_slot(client, **headers):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/bookings/", {"slot": 999999}, format="json", **headers)
    assert response.status_code == 404
    assert response.json()["code"] == "slot_not_found"
    return response.json()["detail"]


def test_an_english_request_gets_an_english_detail(resident_client):
    detail = _unknown_slot(resident_client, HTTP_ACCEPT_LANGUAGE="en")
    assert detail == "The slot does not exist."
    assert not CJK.search(detail)


def test_a_chinese_request_gets_no_language_mix(resident_client):
    # Chinese once the catalogue has the message (the English msgid until then): never both.
    detail = _unknown_slot(resident_client, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert not (CJK.search(detail) and re.search(r"[A-Za-z]{3,}", detail)), detail


def test_an_invalid_rrule_is_explained_in_one_language(resident_client):
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory()
    organisation.members.add(resident_client.handler._force_user)
    body = {
        "organisation": organisation.pk,
        "title_zh": "周末太极",
        "category": "fitness",
        "location_zh": "洪湖公园",
        "starts_at": "2030-05-04T08:00:00+08:00",
        "ends_at": "2030-05-04T09:00:00+08:00",
        "rrule": "FREQ=WEEKLY;COUNT=3;UNTIL=20300601T000000Z",
    }
    response = resident_client.post(
        "/api/v1/events/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rrule"
    assert response.json()["detail"] == "COUNT and UNTIL cannot both be given (RFC 5545)."
