"""Static checks of the Helm chart in helm/curation-service (no helm binary on this machine).

Templates are Go templates, so they are checked structurally: every ``{{ ... }}`` action is closed, blocks
(``if``/``with``/``range``/``define``) balance with ``end``, every ``.Values.a.b`` path a template reads
exists in values.yaml, and every ``include`` names a ``define``. values.yaml is validated against
values.schema.json (JSON Schema draft-07), and the chart's defaults are checked against the service's own
settings, Dockerfile and pyproject so that they cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import curation
from curation.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "curation-service"
TEMPLATES = CHART / "templates"

_BLOCK_OPEN = {"if", "with", "range", "define", "block"}
_VALUES_PATH = re.compile(r"(?<![\w$])\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_INCLUDE = re.compile(r"\b(?:include|template)\s+\"([^\"]+)\"")
_DEFINE = re.compile(r"^\s*define\s+\"([^\"]+)\"")


class TemplateSyntaxError(ValueError):
    """A template whose actions or blocks do not balance."""


def _actions(text: str) -> list[str]:
    """The bodies of a Go template's actions, trim markers and comments removed.

    Like text/template's lexer, a ``}}`` inside a quoted or raw string does not close the action. A ``}}``
    in plain text is legal Go but almost always a typo in a chart (``{ .Values.x }}``), so it is refused.
    """
    bodies: list[str] = []
    i = 0
    n = len(text)
    while True:
        start = text.find("{{", i)
        stray = text.find("}}", i, n if start < 0 else start)
        if stray >= 0:
            line = text.count("\n", 0, stray) + 1
            raise TemplateSyntaxError(f"line {line}: '}}}}' outside an action")
        if start < 0:
            return bodies
        j = start + 2
        if text.startswith("/*", j) or text.startswith("- /*", j):
            close = text.find("*/", j)
            if close < 0 or not re.match(r"\s*-?\s*}}", text[close + 2 :]):
                raise TemplateSyntaxError(f"line {text.count(chr(10), 0, start) + 1}: unclosed comment")
            i = text.find("}}", close) + 2
            continue
        j = _action_end(text, j, start)
        if j >= n:
            raise TemplateSyntaxError(f"line {text.count(chr(10), 0, start) + 1}: unclosed action")
        bodies.append(text[start + 2 : j].strip().removeprefix("-").removesuffix("-").strip())
        i = j + 2


def _action_end(text: str, j: int, start: int) -> int:
    """Where the action opened at ``start`` closes (``len(text)`` if it never does), skipping strings."""
    quote = ""
    n = len(text)
    while j < n:
        c = text[j]
        if quote:
            if c == "\\" and quote != "`":
                j += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif text.startswith("}}", j):
            break
        elif text.startswith("{{", j):
            raise TemplateSyntaxError(f"line {text.count(chr(10), 0, start) + 1}: '{{{{' inside an action")
        j += 1
    return j


def _check_blocks(bodies: list[str]) -> None:
    """Every if/with/range/define/block is closed by one ``end``; ``else`` only inside if/with/range."""
    stack: list[str] = []
    for body in bodies:
        word = body.split(maxsplit=1)[0] if body else ""
        if word in _BLOCK_OPEN:
            stack.append(word)
        elif word == "else":
            if not stack or stack[-1] not in {"if", "with", "range"}:
                raise TemplateSyntaxError(f"'else' outside if/with/range: {body!r}")
        elif word == "end":
            if not stack:
                raise TemplateSyntaxError("'end' without an open block")
            stack.pop()
    if stack:
        raise TemplateSyntaxError(f"unclosed blocks: {stack}")


def _values_paths(bodies: list[str]) -> set[str]:
    """Dotted ``.Values`` paths read by the actions (``$.Values`` too), without the ``.Values`` prefix."""
    return {m.group(1)[1:] for body in bodies for m in _VALUES_PATH.finditer(body)}


def _missing_paths(paths: set[str], values: dict[str, Any]) -> list[str]:
    """The paths that do not walk through values.yaml key by key (a null leaf counts as present)."""
    missing = []
    for path in sorted(paths):
        node: Any = values
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                missing.append(path)
                break
            node = node[key]
    return missing


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


def _read(name: str) -> str:
    return (TEMPLATES / name).read_text()


def _snake_upper(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper()


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded = yaml.safe_load((CHART / "values.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded = json.loads((CHART / "values.schema.json").read_text())
    assert isinstance(loaded, dict)
    return loaded


# --- the checkers themselves can fail -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: {{ .Values.x }",
        "a: { .Values.x }}",
        "a: {{ .Values.x {{ .Values.y }}",
        "{{/* never closed",
        'a: {{ "}}" ',
    ],
)
def test_lexer_rejects_unbalanced_actions(text: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        _actions(text)


def test_lexer_reads_strings_comments_and_trim_markers() -> None:
    text = '{{- /* a comment with }} */ -}}\nx: {{ printf "%s}}" .Values.a.b | quote -}}\n{{ `}}` }}'
    assert _actions(text) == ['printf "%s}}" .Values.a.b | quote', "`}}`"]


@pytest.mark.parametrize(
    "text",
    [
        "{{ if .Values.a }}x",
        "{{ end }}",
        '{{ define "n" }}{{ else }}{{ end }}',
        "{{ with .Values.a }}{{ range .b }}{{ end }}",
    ],
)
def test_block_check_rejects_unbalanced_blocks(text: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        _check_blocks(_actions(text))


def test_values_path_check_catches_a_typo(values: dict[str, Any]) -> None:
    bodies = _actions(
        "{{ .Values.image.tagg }} {{ $.Values.ports.grpc }} {{ .Values.probes.readiness.type }}"
    )
    assert _values_paths(bodies) == {"image.tagg", "ports.grpc", "probes.readiness.type"}
    assert _missing_paths(_values_paths(bodies), values) == ["image.tagg"]
    assert _missing_paths({"ports.http.deeper"}, values) == ["ports.http.deeper"]


# --- files parse ---------------------------------------------------------------------------------


def test_chart_yaml(values: dict[str, Any]) -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == CHART.name
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    # The default image tag is appVersion: it names the service version the chart was written for.
    assert chart["appVersion"] == curation.__version__
    assert values["image"]["tag"] == ""


def test_every_yaml_file_of_the_chart_parses() -> None:
    plain = [p for p in CHART.rglob("*.yaml") if TEMPLATES not in p.parents]
    assert {p.name for p in plain} >= {"Chart.yaml", "values.yaml"}
    for path in plain:
        assert yaml.safe_load(path.read_text()) is not None, path


def test_chart_has_the_helm_create_layout() -> None:
    names = {p.relative_to(TEMPLATES).as_posix() for p in _template_files()}
    assert names >= {
        "_helpers.tpl",
        "deployment.yaml",
        "service.yaml",
        "service-headless.yaml",
        "hpa.yaml",
        "pdb.yaml",
        "serviceaccount.yaml",
        "NOTES.txt",
        "tests/test-connection.yaml",
    }
    assert (CHART / ".helmignore").is_file()
    assert (CHART / "README.md").is_file()


# --- templates: structure ------------------------------------------------------------------------


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_template_actions_and_blocks_balance(path: Path) -> None:
    _check_blocks(_actions(path.read_text()))


def test_every_values_path_in_templates_exists(values: dict[str, Any]) -> None:
    used: set[str] = set()
    for path in _template_files():
        used |= _values_paths(_actions(path.read_text()))
    assert len(used) > 40  # the walk really ran over the templates
    assert _missing_paths(used, values) == []


def test_every_include_names_a_define() -> None:
    defined: set[str] = set()
    included: set[str] = set()
    for path in _template_files():
        for body in _actions(path.read_text()):
            defined |= {m.group(1) for m in [_DEFINE.match(body)] if m}
            included |= set(_INCLUDE.findall(body))
    assert "curation-service.fullname" in defined
    assert included - defined == set()


# --- values and schema ---------------------------------------------------------------------------


def test_schema_is_draft07_and_validates_values(values: dict[str, Any], schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(values)
    assert set(schema["required"]) >= {"image", "ports", "securityContext", "probes", "redis", "config"}
    # Every top-level value is described (the schema refuses unknown keys, typos included).
    assert schema["additionalProperties"] is False
    assert set(values) <= set(schema["properties"])


_DELETE = object()


def _set(tree: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``tree`` with the dotted ``path`` set to ``value`` (or removed, for ``_DELETE``)."""
    out = copy.deepcopy(tree)
    *parents, leaf = path.split(".")
    node = out
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return out


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("ports.http", "8080"),
        ("ports.grpc", 70000),
        ("replicaCount", 1.5),
        ("config", _DELETE),
        ("config.workers", 0),
        ("config.logLevel", "LOUD"),
        ("config.cacheTtlSecs", 10),
        ("probes.readiness.type", "tcp"),
        ("redis.url", "http://redis:6379"),
        ("securityContext.readOnlyRootFilesystem", "yes"),
        ("podDisruptionBudget.maxUnavailable", "half"),
        ("image.pullPolicy", "Sometimes"),
        ("replicaCont", 3),
    ],
)
def test_schema_rejects_bad_values(
    values: dict[str, Any], schema: dict[str, Any], path: str, bad: Any
) -> None:
    assert not jsonschema.Draft7Validator(schema).is_valid(_set(values, path, bad))


def test_config_defaults_match_the_service_settings(values: dict[str, Any]) -> None:
    """Each config knob has the service's own default, so installing the chart changes no behaviour."""
    defaults = Settings()
    attr = {"logLevel": "log_level"}
    for key, value in values["config"].items():
        name = attr.get(key, re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower())
        assert getattr(defaults, name) == value, key
    assert values["ports"] == {"http": defaults.http_port, "grpc": defaults.grpc_port}


def test_every_setting_reaches_the_container() -> None:
    """Every CURATION_* variable settings.py reads is set by the deployment (host excepted)."""
    source = (ROOT / "service" / "curation" / "settings.py").read_text()
    read = set(re.findall(r"\"(CURATION_[A-Z_]+)\"", source)) - {"CURATION_HOST"}
    assert len(read) >= 10
    deployment = _read("deployment.yaml")
    set_by_chart = set(re.findall(r"- name: (CURATION_[A-Z_]+)", deployment))
    assert read == set_by_chart
    for key in yaml.safe_load((CHART / "values.yaml").read_text())["config"]:
        env = f"CURATION_{_snake_upper(key)}"
        assert re.search(rf"- name: {env}\n\s+value: \{{\{{ \.Values\.config\.{key}\b", deployment), key


# --- deployment ----------------------------------------------------------------------------------


def test_deployment_has_named_http_and_grpc_ports() -> None:
    deployment = _read("deployment.yaml")
    assert re.search(r"- name: http\n\s+containerPort: \{\{ \.Values\.ports\.http \}\}", deployment)
    assert re.search(r"- name: grpc\n\s+containerPort: \{\{ \.Values\.ports\.grpc \}\}", deployment)


def test_probes(values: dict[str, Any]) -> None:
    deployment = _read("deployment.yaml")
    # Startup and liveness: GET on port http, through the helper that makes them HTTPS with TLS (and
    # TCP checks with mutual TLS; test_helm_render.py renders each case).
    helper = (
        _read("_helpers.tpl")
        .split('define "curation-service.httpProbe"', 1)[1]
        .split("{{- end }}\n{{- end }}", 1)[0]
    )
    assert "httpGet:" in helper and "port: http" in helper
    for probe in ("startupProbe", "livenessProbe"):
        block = deployment.split(f"{probe}:", 1)[1].split("Probe:", 1)[0]
        assert 'include "curation-service.httpProbe"' in block, probe
    assert values["probes"]["liveness"]["path"] == "/healthz"
    assert values["probes"]["startup"]["path"] == "/healthz"
    # Readiness: the native gRPC probe by default (a numeric port: grpc probes take no named port),
    # GET /readyz as the documented alternative.
    readiness = deployment.split("readinessProbe:", 1)[1]
    assert re.search(r"grpc:\n\s+port: \{\{ \.Values\.ports\.grpc \}\}", readiness)
    assert values["probes"]["readiness"]["type"] == "grpc"
    assert values["probes"]["readiness"]["path"] == "/readyz"
    assert values["probes"]["readiness"]["grpcService"] == ""


def test_security_context(values: dict[str, Any]) -> None:
    container = values["securityContext"]
    assert container["runAsNonRoot"] is True
    assert container["runAsUser"] == 10001
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"]["drop"] == ["ALL"]
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}
    pod = values["podSecurityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == 10001
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    deployment = _read("deployment.yaml")
    assert "toYaml .Values.securityContext | nindent 12" in deployment
    assert "toYaml .Values.podSecurityContext | nindent 8" in deployment
    # The UID is the one the image's USER names (so runAsNonRoot can be verified by the kubelet).
    user = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)[-1]
    assert user.split(":")[0] == str(container["runAsUser"])


def test_tmp_is_a_writable_emptydir() -> None:
    deployment = _read("deployment.yaml")
    assert re.search(r"- name: tmp\n\s+mountPath: /tmp\n", deployment)
    assert re.search(r"- name: tmp\n\s+emptyDir:", deployment)


def test_grace_period_outlasts_the_service_shutdown(values: dict[str, Any]) -> None:
    drain = values["lifecycle"]["preStopSleepSeconds"] + values["config"]["shutdownGraceSeconds"]
    assert values["terminationGracePeriodSeconds"] > drain
    assert values["config"]["shutdownGraceSeconds"] == Settings().shutdown_grace_seconds
    deployment = _read("deployment.yaml")
    assert "terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}" in deployment
    assert 'include "curation-service.checkGracePeriod"' in deployment


def test_redis_url_from_value_or_existing_secret() -> None:
    helpers = _read("_helpers.tpl")
    redis = helpers.split('define "curation-service.redisEnv"', 1)[1].split("{{- end }}\n{{- end }}", 1)[0]
    assert "secretKeyRef:" in redis
    assert "name: {{ .Values.redis.existingSecret }}" in redis
    assert "key: {{ .Values.redis.existingSecretKey }}" in redis
    assert "value: {{ .Values.redis.url | quote }}" in redis
    assert redis.count("- name: REDIS_URL") == 2
    assert 'include "curation-service.redisEnv"' in _read("deployment.yaml")


def test_prometheus_scrape_annotations(values: dict[str, Any]) -> None:
    annotations = values["podAnnotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(values["ports"]["http"])
    assert annotations["prometheus.io/path"] == "/metrics"
    assert "with .Values.podAnnotations" in _read("deployment.yaml")


def test_replicas_left_to_the_hpa_when_autoscaling() -> None:
    deployment = _read("deployment.yaml")
    assert re.search(
        r"\{\{- if not \.Values\.autoscaling\.enabled \}\}\n\s+replicas: \{\{ \.Values\.replicaCount \}\}",
        deployment,
    )


# --- services, HPA, PDB --------------------------------------------------------------------------


def test_cluster_ip_service_has_both_named_ports(values: dict[str, Any]) -> None:
    service = _read("service.yaml")
    assert values["service"]["type"] == "ClusterIP"
    assert re.search(
        r"- name: http\n\s+port: \{\{ \.Values\.service\.httpPort \}\}\n\s+targetPort: http", service
    )
    assert re.search(
        r"- name: grpc\n\s+port: \{\{ \.Values\.service\.grpcPort \}\}\n\s+targetPort: grpc", service
    )


def test_headless_service_for_grpc_round_robin(values: dict[str, Any]) -> None:
    headless = _read("service-headless.yaml")
    assert re.search(r"^\s+clusterIP: None$", headless, re.MULTILINE)
    assert "publishNotReadyAddresses: false" in headless
    assert re.search(r"- name: grpc\n\s+port: \{\{ \.Values\.ports\.grpc \}\}\n\s+targetPort: grpc", headless)
    assert values["headlessService"]["enabled"] is True
    notes = _read("NOTES.txt")
    readme = (CHART / "README.md").read_text()
    for doc in (notes, readme):
        assert "dns:///" in doc and "round_robin" in doc and "headless" in doc
    assert 'dns:///{{ include "curation-service.headlessName" . }}' in notes


def test_hpa_template() -> None:
    hpa = _read("hpa.yaml")
    assert hpa.startswith("{{- if .Values.autoscaling.enabled }}")
    assert "apiVersion: autoscaling/v2\n" in hpa
    assert "kind: HorizontalPodAutoscaler" in hpa
    assert "averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}" in hpa


def test_pdb_template(values: dict[str, Any]) -> None:
    pdb = _read("pdb.yaml")
    assert pdb.startswith("{{- if .Values.podDisruptionBudget.enabled }}")
    assert "apiVersion: policy/v1\n" in pdb
    assert "kind: PodDisruptionBudget" in pdb
    budget = values["podDisruptionBudget"]
    # With the defaults a voluntary disruption can always evict one pod (minAvailable < replicas).
    assert budget["enabled"] is True
    assert budget["minAvailable"] < values["replicaCount"]


def test_service_account_token_not_mounted(values: dict[str, Any]) -> None:
    assert values["serviceAccount"]["automount"] is False
    assert "automountServiceAccountToken: {{ .Values.serviceAccount.automount }}" in _read("deployment.yaml")
