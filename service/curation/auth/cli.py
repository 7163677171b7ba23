"""``curation-keys``: create an API key.

Prints the key once (on stdout, for the caller to keep: it is stored nowhere) and the keys-file entry
holding only its hash (on stderr, after a note); add the entry to the file named by
``CURATION_API_KEYS_FILE`` -- the server reloads it within a second.
"""

from __future__ import annotations

import argparse
import json
import sys

from curation.auth.api_keys import key_hash, new_key
from curation.auth.principal import Scope
from curation.contract import is_valid_name

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="curation-keys", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", required=True, help="the namespace calls act in by default")
    parser.add_argument(
        "--scope",
        action="append",
        choices=[s.value for s in Scope],
        help="a scope to grant (repeat; default: read)",
    )
    parser.add_argument("--namespace", action="append", default=[], help="a further namespace to grant")
    parser.add_argument("--id", dest="key_id", help="the key ID (default: 12 random hex digits)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for name in [args.tenant, *args.namespace]:
        if not is_valid_name(name):
            print(f"curation-keys: {name!r} is not a namespace name", file=sys.stderr)
            return 2
    try:
        key = new_key(args.key_id)
    except ValueError as exc:
        print(f"curation-keys: {exc}", file=sys.stderr)
        return 2
    key_id = key.split("_", 2)[1]
    entry = {
        "id": key_id,
        "hash": key_hash(key),
        "tenant": args.tenant,
        "namespaces": sorted(set(args.namespace)),
        "scopes": sorted(set(args.scope or [Scope.READ.value])),
        "revoked": False,
    }
    print(key)
    print("# the key above is shown once; add this entry to the keys file:", file=sys.stderr)
    print(json.dumps(entry), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
