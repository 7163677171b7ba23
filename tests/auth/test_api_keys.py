"""The keys file: every problem names its entry (never a key), keys compare by hash, revocation, reload
when the file changes (looked at once per second), and curation-keys."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from curation.auth.api_keys import ApiKey, key_hash, load_keys, new_key, parse_key, verify_key
from curation.auth.cli import main as curation_keys
from curation.auth.principal import Scope
from curation.auth.watched_file import WatchedFile
from curation.errors import Unauthenticated


def _write(path: Path, *entries: dict[str, object]) -> None:
    path.write_text(json.dumps({"keys": list(entries)}))


def _entry(key: str, **changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "id": key.split("_")[1],
        "hash": key_hash(key),
        "tenant": "acme",
        "scopes": ["read"],
    }
    doc.update(changes)
    return doc


def test_a_key_has_its_documented_shape() -> None:
    key = new_key("k1")
    parsed = parse_key(key)
    assert parsed is not None and parsed.key_id == "k1" and len(key) == len("cur_k1_") + 43
    assert key not in repr(parsed)
    assert parse_key("cur_k1_short") is None and parse_key("Bearer x") is None
    with pytest.raises(ValueError, match="key ID"):
        new_key("has_underscore")


def test_verify_by_hash_revoked_and_unknown(tmp_path: Path) -> None:
    good, revoked = new_key("good"), new_key("old")
    _write(tmp_path / "k.json", _entry(good, namespaces=["acme-eval"]), _entry(revoked, revoked=True))
    entries = load_keys(str(tmp_path / "k.json"))
    entry = verify_key(ApiKey("good", good), entries)
    assert entry.tenant == "acme" and entry.scopes == {Scope.READ}
    assert entry.namespaces == {"acme", "acme-eval"}
    for key, reason in [
        (ApiKey("old", revoked), "revoked key"),
        (ApiKey("good", good[:-1] + ("A" if good[-1] != "A" else "B")), "wrong key"),
        (ApiKey("nobody", new_key("nobody")), "unknown key id"),
    ]:
        with pytest.raises(Unauthenticated) as info:
            verify_key(key, entries)
        assert info.value.reason == reason and info.value.message == "missing or invalid credentials"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"hash": "md5:abc"}, "hash must be"),
        ({"tenant": "bad name!"}, "tenant must be"),
        ({"scopes": ["read", "root"]}, "scopes must be"),
        ({"namespaces": "acme"}, "namespaces must be"),
        ({"revoked": "yes"}, "revoked must be"),
        ({"revokd": True}, "unknown fields"),
    ],
)
def test_every_problem_names_the_entry_and_no_key(
    tmp_path: Path, change: dict[str, object], says: str
) -> None:
    key = new_key("k2")
    _write(tmp_path / "k.json", _entry(new_key("k1")), _entry(key, **change))
    with pytest.raises(ValueError) as info:
        load_keys(str(tmp_path / "k.json"))
    message = str(info.value)
    assert "keys[1] (id 'k2')" in message and says in message
    assert key not in message and key.split("_", 2)[2] not in message


def test_a_duplicate_id_and_a_file_that_is_not_json_are_refused(tmp_path: Path) -> None:
    key = new_key("k1")
    _write(tmp_path / "k.json", _entry(key), _entry(key))
    with pytest.raises(ValueError, match="listed twice"):
        load_keys(str(tmp_path / "k.json"))
    (tmp_path / "k.json").write_text("{")
    with pytest.raises(ValueError, match="not JSON"):
        load_keys(str(tmp_path / "k.json"))


def test_the_file_is_reloaded_when_it_changes_at_most_once_per_second(tmp_path: Path) -> None:
    path, now = tmp_path / "k.json", [100.0]
    first, second = new_key("k1"), new_key("k2")
    _write(path, _entry(first))
    watched = WatchedFile(str(path), load_keys, clock=lambda: now[0])
    _write(path, _entry(first, revoked=True), _entry(second))
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    now[0] += 0.5
    assert set(watched.current()) == {"k1"} and not watched.current()["k1"].revoked  # not looked at yet
    now[0] += 0.6
    assert set(watched.current()) == {"k1", "k2"} and watched.current()["k1"].revoked
    path.write_text("{ half written")  # a bad rewrite keeps the last good keys, and is tried again
    now[0] += 1.1
    assert set(watched.current()) == {"k1", "k2"}
    _write(path, _entry(second))
    now[0] += 1.1
    assert set(watched.current()) == {"k2"}


def test_curation_keys_prints_the_key_once_and_an_entry_with_its_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        curation_keys(["--tenant", "acme", "--scope", "read", "--scope", "write", "--namespace", "acme-eval"])
        == 0
    )
    out, err = capsys.readouterr()
    key = out.strip()
    entry = json.loads(err.strip().splitlines()[-1])
    assert key not in err and entry["hash"] == key_hash(key)
    _write(tmp_path / "k.json", entry)
    found = verify_key(ApiKey(entry["id"], key), load_keys(str(tmp_path / "k.json")))
    assert found.scopes == {Scope.READ, Scope.WRITE} and found.namespaces == {"acme", "acme-eval"}
    assert curation_keys(["--tenant", "not valid"]) == 2


def test_without_authentication_a_public_host_is_served_on_loopback_only() -> None:
    from tests.auth.server import running_server  # a real server, started by this test only

    with running_server({"CURATION_HOST": "0.0.0.0", "CURATION_COMPUTE_PROCESSES": "0"}) as server:
        records = server.records()
        [note] = [r for r in records if str(r.get("message", "")).startswith("no authentication configured")]
        assert (note["host"], note["configured_host"], note["level"]) == ("127.0.0.1", "0.0.0.0", "warning")
        with httpx.Client(base_url=server.base_url) as client:  # reachable on loopback, anonymously
            body = {"class_names": ["a", "b"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0]}
            assert client.post("/v1/diagnostics/classification:score", json=body).status_code == 200
