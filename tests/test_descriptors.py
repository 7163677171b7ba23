"""The REST bindings and retry semantics declared in the protos: every unary RPC has a
``google.api.http`` rule that Envoy's gRPC-JSON transcoder (and grpc-gateway) accept as it is."""

from __future__ import annotations

import re

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions

from curation.descriptors import HttpBinding, all_methods, http_bindings, http_rule

# google/api/http.proto's template grammar restricted to what we use: literal segments (RFC 3986
# unreserved characters) and a final ":verb". Primary verbs are lowerCamelCase (AIP-136).
_SEGMENT = r"[A-Za-z0-9._~-]+"
_TEMPLATE = re.compile(rf"^/v1(?:/{_SEGMENT})+:{_SEGMENT}$")
_AIP_VERB = re.compile(r":[a-z][A-Za-z0-9]*$")

UNARY = {name: md for name, md in all_methods().items() if not (md.client_streaming or md.server_streaming)}


def test_every_public_rpc_is_found() -> None:
    assert len(UNARY) == 14 and all(name.startswith("curation.v1.") for name in all_methods())


@pytest.mark.parametrize("name", sorted(UNARY))
def test_every_unary_rpc_posts_its_whole_message(name: str) -> None:
    rule = http_rule(UNARY[name])
    assert rule is not None, f"{name} has no google.api.http option"
    assert rule.WhichOneof("pattern") == "post" and rule.body == "*"
    assert not rule.response_body  # the whole response message is the JSON answer
    for extra in rule.additional_bindings:
        assert extra.body == "*" and not extra.additional_bindings


@pytest.mark.parametrize("name", sorted(UNARY))
def test_paths_are_transcoder_templates_with_aip_verbs(name: str) -> None:
    primary, *deprecated = http_bindings(UNARY[name])
    assert not primary.deprecated and all(b.deprecated for b in deprecated)
    for binding in (primary, *deprecated):
        assert _TEMPLATE.match(binding.path), binding
    assert _AIP_VERB.search(primary.path), f"{primary.path}: the verb is not lowerCamelCase"
    # An old route listed again must differ from the new one in its verb or its path.
    assert all((b.verb, b.path) != (primary.verb, primary.path) for b in deprecated)


def test_the_renamed_routes_keep_their_old_path_for_one_release() -> None:
    found = {
        name.rsplit("/", 1)[1]: http_bindings(md) for name, md in UNARY.items() if len(http_bindings(md)) > 1
    }
    assert found == {
        "FindNearDuplicates": (
            HttpBinding("POST", "/v1/sampling:findNearDuplicates", "*", deprecated=False),
            HttpBinding("POST", "/v1/sampling:near-duplicates", "*", deprecated=True),
        ),
        "PutEmbeddings": (
            HttpBinding("POST", "/v1/embeddings:put", "*", deprecated=False),
            HttpBinding("PUT", "/v1/embeddings:put", "*", deprecated=True),
        ),
    }


def _level(md: MethodDescriptor) -> str:
    options = md.GetOptions()
    assert isinstance(options, MethodOptions)
    return MethodOptions.IdempotencyLevel.Name(options.idempotency_level)


def test_every_rpc_declares_whether_it_is_safe_to_retry() -> None:
    levels = {name.rsplit("/", 1)[1]: _level(md) for name, md in all_methods().items()}
    assert "IDEMPOTENCY_UNKNOWN" not in levels.values()
    # Puts, deletes and the flush change state (the same state again when repeated); the rest only
    # compute or read.
    assert {name for name, level in levels.items() if level == "IDEMPOTENT"} == {
        "FlushCache",
        "PutEmbeddings",
        "DeleteEmbeddings",
        "FitLabelModel",
        "DeleteLabelModel",
    }


def test_a_method_without_the_option_has_no_bindings() -> None:
    pool = descriptor_pool.DescriptorPool()
    proto = descriptor_pb2.FileDescriptorProto(name="bare.proto", package="bare")
    proto.message_type.add(name="M")
    proto.service.add(name="S").method.add(name="Call", input_type=".bare.M", output_type=".bare.M")
    pool.Add(proto)
    md = pool.FindMethodByName("bare.S.Call")
    assert http_rule(md) is None and http_bindings(md) == ()
