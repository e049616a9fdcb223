import pytest

from syncs.models import SyncSettings
from syncs.selection import included_stores, settings_for_store
from tests.syncs.conftest import make_connection, make_settings, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(affiliate_user):
    return {
        "mine": make_store("Mine"),
        "affiliate": make_store("Affiliate", is_my_store=False, owner=affiliate_user),
        "disabled": make_store("Off", enabled=False),
    }


def names(sync_settings):
    return sorted(s.name for s in included_stores(sync_settings))


def test_it_includes_all_enabled_stores_or_only_mine(stores):
    platform = make_settings(sync_option=SyncSettings.SyncOption.ALL)
    assert names(platform) == ["Affiliate", "Mine"]
    platform.sync_option = SyncSettings.SyncOption.MINE
    assert names(platform) == ["Mine"]
    platform.sync_option = SyncSettings.SyncOption.NONE
    assert names(platform) == []


def test_it_moves_an_affiliate_with_its_own_integration_out_of_the_platform_connection(stores, affiliate_user):
    platform = make_settings(allow_affiliate_integrations=True)
    own = make_settings(make_connection("bobs", owner=affiliate_user))
    assert names(platform) == ["Mine"]
    assert names(own) == ["Affiliate"]
    assert settings_for_store(stores["affiliate"]) == [own]
    assert settings_for_store(stores["mine"]) == [platform]


def test_it_ignores_affiliate_connections_the_platform_does_not_allow(stores, affiliate_user):
    platform = make_settings(allow_affiliate_integrations=False)
    own = make_settings(make_connection("bobs", owner=affiliate_user))
    assert names(platform) == ["Affiliate", "Mine"]
    assert names(own) == []


def test_it_keeps_an_affiliate_whose_own_settings_are_not_saved(stores, affiliate_user):
    platform = make_settings(allow_affiliate_integrations=True)
    make_settings(make_connection("bobs", owner=affiliate_user), save=False)
    assert names(platform) == ["Affiliate", "Mine"]
