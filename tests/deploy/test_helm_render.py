"""Render the Helm chart with Helm's own engine (helm-python-sdk embeds Helm v4) and check the manifests.

No helm binary can be installed here; helm-python-sdk (a dev dependency) carries Helm's engine. It closes
the gap static checks of test_helm_chart.py leave (whitespace control, nindent, sprig functions, numbers).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helm_python.chart import Chart, lint
from helm_python.errors import HelmError

from curation.ops.envelopes import SigningKeys
from curation.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "helm" / "curation-service"


@pytest.fixture(scope="module")
def chart() -> Chart:
    return Chart.load(CHART_DIR)


def _render(chart: Chart, values: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Rendered objects by ``Kind/name`` (NOTES.txt left out)."""
    out: dict[str, dict[str, Any]] = {}
    rendered = chart.render(values, name="curation-service", namespace="ml", is_install=True)
    for path, text in rendered.items():
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                out[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return out


def _container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (container,) = objects["Deployment/curation-service"]["spec"]["template"]["spec"]["containers"]
    assert isinstance(container, dict)
    return container


def test_lint_is_clean() -> None:
    for kube in ("v1.24.0", "v1.33.0"):
        report = lint(CHART_DIR, strict=True, kube_version=kube)
        assert report["errors"] == []
        assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_default_objects(chart: Chart) -> None:
    objects = _render(chart)
    assert set(objects) == {
        "Deployment/curation-service",
        "Service/curation-service",
        "Service/curation-service-headless",
        "ServiceAccount/curation-service",
        "PodDisruptionBudget/curation-service",
        "Pod/curation-service-test-connection",
        "Secret/curation-service-signing",
    }
    assert objects["Service/curation-service-headless"]["spec"]["clusterIP"] == "None"
    ports = {p["name"]: p["port"] for p in objects["Service/curation-service"]["spec"]["ports"]}
    assert ports == {"http": 8080, "grpc": 50051}


def test_default_deployment(chart: Chart) -> None:
    objects = _render(chart)
    pod = objects["Deployment/curation-service"]["spec"]["template"]["spec"]
    container = _container(objects)
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 8080, "grpc": 50051}
    assert container["readinessProbe"]["grpc"] == {"port": 50051, "service": ""}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["terminationGracePeriodSeconds"] == 30
    assert container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    # Helm reads numbers as float64: large ones must not come out as 5.36870912e+08.
    assert env["CURATION_MAX_REQUEST_BYTES"] == "536870912"
    assert env["CURATION_SHUTDOWN_GRACE_SECONDS"] == "10"
    assert all(isinstance(v, str) for v in env.values())
    assert "REDIS_URL" not in env


def test_redis_from_existing_secret_or_url(chart: Chart) -> None:
    secret = _container(_render(chart, {"redis": {"existingSecret": "creds", "url": "redis://r:6379/0"}}))
    (redis,) = [e for e in secret["env"] if e["name"] == "REDIS_URL"]
    assert redis["valueFrom"] == {"secretKeyRef": {"name": "creds", "key": "redis-url"}}
    url = _container(_render(chart, {"redis": {"url": "redis://r:6379/0"}}))
    assert {"name": "REDIS_URL", "value": "redis://r:6379/0"} in url["env"]


def test_cache_signing_keys_are_a_mounted_secret(chart: Chart) -> None:
    """By default the chart generates one signing key shared by every pod, mounted as a file; given keys or
    an existing Secret replace it; with none, the pods sign with keys of their own (and say so)."""
    objects = _render(chart)
    (volume,) = [
        v
        for v in objects["Deployment/curation-service"]["spec"]["template"]["spec"]["volumes"]
        if v["name"] == "signing-keys"
    ]
    assert volume["secret"]["secretName"] == "curation-service-signing"
    container = _container(objects)
    assert {"name": "signing-keys", "mountPath": "/etc/curation/signing", "readOnly": True} in container[
        "volumeMounts"
    ]
    assert {"name": "CURATION_CACHE_SIGNING_KEYS_FILE", "value": "/etc/curation/signing/keys"} in container[
        "env"
    ]
    generated = base64.b64decode(objects["Secret/curation-service-signing"]["data"]["signing-keys"]).decode()
    assert SigningKeys.parse(generated).ids[0].startswith("helm-")  # a key the service accepts
    given = _render(chart, {"cacheSigning": {"keys": "k1:" + "s" * 20}})
    assert (
        base64.b64decode(given["Secret/curation-service-signing"]["data"]["signing-keys"])
        == b"k1:" + b"s" * 20
    )
    existing = _render(chart, {"cacheSigning": {"existingSecret": "mine", "existingSecretKey": "keys"}})
    assert "Secret/curation-service-signing" not in existing
    (mounted,) = [
        v
        for v in existing["Deployment/curation-service"]["spec"]["template"]["spec"]["volumes"]
        if v["name"] == "signing-keys"
    ]
    assert mounted["secret"]["secretName"] == "mine" and mounted["secret"]["items"] == [
        {"key": "keys", "path": "keys"}
    ]
    none = _render(chart, {"cacheSigning": {"generate": False}})
    assert "Secret/curation-service-signing" not in none
    assert {"name": "CURATION_CACHE_SIGNING_KEYS", "value": ""} in _container(none)["env"]


def test_autoscaling_and_http_readiness(chart: Chart) -> None:
    objects = _render(chart, {"autoscaling": {"enabled": True}, "probes": {"readiness": {"type": "http"}}})
    assert "replicas" not in objects["Deployment/curation-service"]["spec"]
    hpa = objects["HorizontalPodAutoscaler/curation-service"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "curation-service"
    assert _container(objects)["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


def test_grace_period_shorter_than_the_drain_is_refused(chart: Chart) -> None:
    with pytest.raises(HelmError, match="terminationGracePeriodSeconds"):
        chart.render({"terminationGracePeriodSeconds": 12}, name="curation-service", namespace="ml")


def test_schema_is_enforced(chart: Chart) -> None:
    chart.validate_schema(None)
    with pytest.raises(HelmError):
        chart.validate_schema({"ports": {"http": "8080"}})


# --- optional objects: ServiceMonitor, Ingress, Gateway API routes, tracing ----------------------

GATEWAY = {"parentRefs": [{"name": "shared", "namespace": "gateway-system", "sectionName": "https"}]}


def _only(objects: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    [found] = [doc for key, doc in objects.items() if key.startswith(f"{kind}/")]
    return found


def _kinds(objects: dict[str, dict[str, Any]]) -> set[str]:
    return {key.split("/")[0] for key in objects}


def test_optional_objects_are_off_by_default(chart: Chart) -> None:
    assert not _kinds(_render(chart)) & {"ServiceMonitor", "Ingress", "HTTPRoute", "GRPCRoute"}
    env = {e["name"] for e in _container(_render(chart))["env"]}
    assert not {name for name in env if name.startswith("OTEL_")}


def test_service_monitor_scrapes_metrics_through_the_cluster_ip_service_only(chart: Chart) -> None:
    values = {"serviceMonitor": {"enabled": True, "labels": {"release": "kps"}, "interval": "15s"}}
    objects = _render(chart, values)
    monitor = objects["ServiceMonitor/curation-service"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "kps"
    [endpoint] = monitor["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"], endpoint["interval"], endpoint["scrapeTimeout"]) == (
        "http",
        "/metrics",
        "15s",
        "10s",
    )
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["ml"]}

    def selected(service: dict[str, Any]) -> bool:
        labels = service["metadata"]["labels"]
        selector = monitor["spec"]["selector"]
        return all(labels.get(k) == v for k, v in selector["matchLabels"].items()) and all(
            labels.get(e["key"]) not in e["values"] for e in selector["matchExpressions"]
        )

    services = {key: doc for key, doc in objects.items() if key.startswith("Service/")}
    assert {key for key, doc in services.items() if selected(doc)} == {"Service/curation-service"}
    assert "http" in {p["name"] for p in objects["Service/curation-service"]["spec"]["ports"]}
    relabelled = _render(
        chart, {"serviceMonitor": {"enabled": True, "metricRelabelings": [{"action": "drop"}]}}
    )
    assert relabelled["ServiceMonitor/curation-service"]["spec"]["endpoints"][0]["metricRelabelings"] == [
        {"action": "drop"}
    ]


def test_ingress_forwards_rest_to_the_http_port(chart: Chart) -> None:
    ingress_values = {
        "enabled": True,
        "className": "nginx",
        "hosts": [
            {"host": "api.example.com", "paths": [{"path": "/v1", "pathType": "Prefix"}]},
            {"paths": [{"path": "/docs", "pathType": "Prefix"}]},
        ],
        "tls": [{"secretName": "api-tls", "hosts": ["api.example.com"]}],
    }
    ingress = _render(chart, {"ingress": ingress_values})["Ingress/curation-service"]
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["api.example.com"], "secretName": "api-tls"}]
    first, hostless = ingress["spec"]["rules"]
    assert first["host"] == "api.example.com" and "host" not in hostless
    [path] = first["http"]["paths"]
    assert path == {
        "path": "/v1",
        "pathType": "Prefix",
        "backend": {"service": {"name": "curation-service", "port": {"name": "http"}}},
    }


def test_gateway_routes_send_rest_and_grpc_to_their_ports(chart: Chart) -> None:
    values = {
        "gateway": {
            **GATEWAY,
            "httpRoute": {"enabled": True, "hostnames": ["api.example.com"]},
            "grpcRoute": {
                "enabled": True,
                "hostnames": ["grpc.example.com"],
                "matches": [{"method": {"service": "curation.v1.DiagnosticsService"}}],
            },
        }
    }
    objects = _render(chart, values)
    http, grpc = objects["HTTPRoute/curation-service"], objects["GRPCRoute/curation-service"]
    for route, hostname, port in ((http, "api.example.com", 8080), (grpc, "grpc.example.com", 50051)):
        assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
        assert route["spec"]["parentRefs"] == GATEWAY["parentRefs"]
        assert route["spec"]["hostnames"] == [hostname]
        [rule] = route["spec"]["rules"]
        assert rule["backendRefs"] == [{"name": "curation-service", "port": port}]
    assert "matches" not in http["spec"]["rules"][0]  # every path
    assert grpc["spec"]["rules"][0]["matches"] == [{"method": {"service": "curation.v1.DiagnosticsService"}}]
    # The backend port a GRPCRoute names speaks cleartext HTTP/2, which the Service declares.
    [grpc_port] = [p for p in objects["Service/curation-service"]["spec"]["ports"] if p["port"] == 50051]
    assert grpc_port["appProtocol"] == "kubernetes.io/h2c"


def test_a_route_without_a_gateway_is_refused(chart: Chart) -> None:
    for route in ("httpRoute", "grpcRoute"):
        with pytest.raises(HelmError, match=r"gateway\.parentRefs"):
            chart.render({"gateway": {route: {"enabled": True}}}, name="curation-service", namespace="ml")


def test_tracing_exports_to_the_configured_collector(chart: Chart) -> None:
    endpoint = "http://otel-collector.observability:4317"
    container = _container(_render(chart, {"tracing": {"otlpEndpoint": endpoint, "sampleRatio": 0.25}}))
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == endpoint
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    assert (env["OTEL_TRACES_SAMPLER"], env["OTEL_TRACES_SAMPLER_ARG"]) == (
        "parentbased_traceidratio",
        "0.25",
    )
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)"
    names = [e["name"] for e in container["env"]]
    # $(VAR) expands only variables defined earlier in the list.
    assert names.index("POD_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")
    # The service reads these as its settings do: tracing on, over OTLP/gRPC.
    assert Settings.from_env({k: v for k, v in env.items() if v is not None}).trace_exporters == (
        "otlp_proto_grpc",
    )


def test_every_option_on_lints_and_matches_the_schema(chart: Chart) -> None:
    values = {
        "serviceMonitor": {"enabled": True},
        "ingress": {"enabled": True},
        "gateway": {**GATEWAY, "httpRoute": {"enabled": True}, "grpcRoute": {"enabled": True}},
        "tracing": {"otlpEndpoint": "http://collector:4318", "protocol": "http/protobuf"},
        "autoscaling": {"enabled": True},
    }
    chart.validate_schema(values)
    assert _kinds(_render(chart, values)) >= {"ServiceMonitor", "Ingress", "HTTPRoute", "GRPCRoute"}
    report = lint(CHART_DIR, values, strict=True, kube_version="v1.33.0")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
    for bad in (
        {"tracing": {"protocol": "http/json"}},
        {"tracing": {"sampleRatio": 2}},
        {"serviceMonitor": {"interval": "30 seconds"}},
        {"ingress": {"hosts": [{"paths": [{"path": "/", "pathType": "Anything"}]}]}},
        {"gateway": {"parentRefs": [{"namespace": "no-name"}]}},
    ):
        with pytest.raises(HelmError):
            chart.validate_schema(bad)


def test_the_default_image_is_the_one_the_release_workflow_publishes(chart: Chart) -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    image = _container(_render(chart))["image"]
    repository, tag = image.rsplit(":", 1)
    assert repository.startswith("ghcr.io/") and repository.endswith("/curation-service")
    assert tag == chart.metadata["appVersion"]
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "ghcr.io/${OWNER}/curation-service" in text and "values.yaml" in text
    assert workflow[True]["push"]["tags"] == ["v*.*.*"]  # PyYAML reads the key `on` as True


# --- authentication, TLS, NetworkPolicy (issue 12) -----------------------------------------------

HASH = "sha256:" + "ab" * 32
KEY = {"id": "ci", "hash": HASH, "tenant": "team-a", "namespaces": ["team-a", "shared"], "scopes": ["read"]}
JWT = {"jwksUrl": "https://idp.example.com/jwks.json", "issuer": "https://idp.example.com", "audience": "cur"}


def _env(container: dict[str, Any]) -> dict[str, str | None]:
    return {e["name"]: e.get("value") for e in container["env"]}


def _volume(objects: dict[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    volumes = objects["Deployment/curation-service"]["spec"]["template"]["spec"]["volumes"]
    return next((v for v in volumes if v["name"] == name), None)


def test_authentication_is_on_by_default_with_keys_from_a_secret(chart: Chart) -> None:
    """By default the pods read API keys from the Secret <fullname>-api-keys (the operator's to create)
    and never serve anonymously."""
    objects = _render(chart)
    env = _env(_container(objects))
    assert env["CURATION_API_KEYS_FILE"] == "/etc/curation/api-keys/keys.json"
    assert "CURATION_ALLOW_ANONYMOUS" not in env
    assert env["CURATION_METRICS_AUTH"] == "false"
    volume = _volume(objects, "api-keys")
    assert volume is not None
    assert volume["secret"]["secretName"] == "curation-service-api-keys"
    assert volume["secret"]["items"] == [{"key": "keys.json", "path": "keys.json"}]
    mount = {"name": "api-keys", "mountPath": "/etc/curation/api-keys", "readOnly": True}
    assert mount in _container(objects)["volumeMounts"]
    assert "Secret/curation-service-api-keys" not in objects  # nothing to put in it: not created


def test_api_keys_from_values_become_a_secret_of_hashes(chart: Chart) -> None:
    objects = _render(chart, {"auth": {"apiKeys": {"keys": [KEY]}}})
    secret = objects["Secret/curation-service-api-keys"]
    assert json.loads(base64.b64decode(secret["data"]["keys.json"])) == {"keys": [KEY]}
    mine = _render(
        chart, {"auth": {"apiKeys": {"keys": [KEY], "existingSecret": "mine", "existingSecretKey": "k"}}}
    )
    assert "Secret/curation-service-api-keys" not in mine  # an existing Secret wins
    volume = _volume(mine, "api-keys")
    assert volume is not None and volume["secret"]["secretName"] == "mine"
    assert volume["secret"]["items"] == [{"key": "k", "path": "keys.json"}]
    for bad in (
        {**KEY, "key": "cur_ci_secret"},  # a clear key has no place in values
        {**KEY, "hash": "cur_ci_0123456789abcdef"},
        {**KEY, "hash": "sha256:" + "AB" * 32},
        {**KEY, "scopes": ["root"]},
        {**KEY, "scopes": []},
        {k: v for k, v in KEY.items() if k != "tenant"},
    ):
        with pytest.raises(HelmError):
            chart.validate_schema({"auth": {"apiKeys": {"keys": [bad]}}})


def test_jwt_settings_and_the_jwks_from_a_url_or_a_config_map(chart: Chart) -> None:
    env = _env(_container(_render(chart, {"auth": {"apiKeys": {"enabled": False}, "jwt": JWT}})))
    assert env["CURATION_JWKS_URL"] == JWT["jwksUrl"]
    assert env["CURATION_JWT_ISSUER"] == JWT["issuer"]
    assert env["CURATION_JWT_AUDIENCE"] == "cur"
    assert env["CURATION_JWT_ALGORITHMS"] == "RS256,ES256"
    assert env["CURATION_JWT_TENANT_CLAIM"] == "tenant" and env["CURATION_JWT_SCOPE_CLAIM"] == "scope"
    assert env["CURATION_JWT_LEEWAY_SECONDS"] == "30"
    assert "CURATION_API_KEYS_FILE" not in env and "CURATION_JWKS_FILE" not in env
    by_map = {**JWT, "jwksUrl": "", "jwksConfigMap": "idp-keys"}
    objects = _render(chart, {"auth": {"jwt": by_map}})
    env = _env(_container(objects))
    assert env["CURATION_JWKS_FILE"] == "/etc/curation/jwks/jwks.json" and "CURATION_JWKS_URL" not in env
    assert "CURATION_API_KEYS_FILE" in env  # keys and tokens together
    volume = _volume(objects, "jwks")
    assert volume is not None and volume["configMap"]["name"] == "idp-keys"
    for bad in (
        {"jwksUrl": JWT["jwksUrl"]},  # no issuer nor audience
        {**JWT, "audience": ""},
        {**JWT, "jwksConfigMap": "idp-keys"},  # both sources
        {**JWT, "algorithms": "HS256"},
        {**JWT, "algorithms": "none"},
        {**JWT, "leewaySeconds": 301},
    ):
        with pytest.raises(HelmError):
            chart.validate_schema({"auth": {"jwt": bad}})


def test_an_install_without_authentication_is_refused_unless_anonymous_is_chosen(chart: Chart) -> None:
    off = {"auth": {"apiKeys": {"enabled": False}}}
    with pytest.raises(HelmError, match="auth"):
        chart.render(off, name="curation-service", namespace="ml", is_install=True)
    with pytest.raises(HelmError):
        chart.validate_schema(off)
    assert lint(CHART_DIR, off, strict=True, kube_version="v1.33.0")["errors"]
    anonymous = {"auth": {"apiKeys": {"enabled": False}, "allowAnonymous": True}}
    objects = _render(chart, anonymous)
    env = _env(_container(objects))
    assert env["CURATION_ALLOW_ANONYMOUS"] == "true"
    assert "CURATION_API_KEYS_FILE" not in env and _volume(objects, "api-keys") is None


def _tls(mutual: bool = False) -> dict[str, Any]:
    return {"tls": {"enabled": True, "secretName": "curation-tls", "mutual": mutual}}


def test_tls_from_a_secret_with_https_probes(chart: Chart) -> None:
    objects = _render(chart, _tls())
    container = _container(objects)
    env = _env(container)
    assert env["CURATION_TLS_CERT_FILE"] == "/etc/curation/tls/tls.crt"
    assert env["CURATION_TLS_KEY_FILE"] == "/etc/curation/tls/tls.key"
    assert "CURATION_TLS_CLIENT_CA_FILE" not in env
    volume = _volume(objects, "tls")
    assert volume is not None and volume["secret"]["secretName"] == "curation-tls"
    assert "items" not in volume["secret"] and "subPath" not in str(
        container["volumeMounts"]
    )  # updated in place
    assert {"name": "tls", "mountPath": "/etc/curation/tls", "readOnly": True} in container["volumeMounts"]
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        assert container[probe]["httpGet"] == {"path": path, "port": "http", "scheme": "HTTPS"}, probe
    assert "grpc" not in container["readinessProbe"]  # the kubelet's gRPC probe cannot speak TLS
    settings = Settings.from_env({k: v for k, v in env.items() if v is not None})
    assert settings.tls and settings.tls_client_ca_file == ""
    test_pod = objects["Pod/curation-service-test-connection"]["spec"]["containers"][0]["command"][-1]
    assert "https://curation-service:8080/readyz" in test_pod


def test_mutual_tls_adds_the_client_ca_and_tcp_probes(chart: Chart) -> None:
    container = _container(_render(chart, _tls(mutual=True)))
    assert _env(container)["CURATION_TLS_CLIENT_CA_FILE"] == "/etc/curation/tls/ca.crt"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["tcpSocket"] == {"port": "http"}, probe
        assert "httpGet" not in container[probe]
    for bad in ({"tls": {"enabled": True}}, {"tls": {"mutual": True, "secretName": "curation-tls"}}):
        with pytest.raises(HelmError):
            chart.validate_schema(bad)


def test_service_monitor_scrapes_over_https_with_tls(chart: Chart) -> None:
    values = {
        **_tls(),
        "serviceMonitor": {
            "enabled": True,
            "tlsConfig": {"insecureSkipVerify": True},
            "authorization": {"type": "Bearer", "credentials": {"name": "scraper", "key": "key"}},
        },
        "auth": {"metricsAuth": True},
    }
    objects = _render(chart, values)
    (endpoint,) = objects["ServiceMonitor/curation-service"]["spec"]["endpoints"]
    assert endpoint["scheme"] == "https"
    assert endpoint["tlsConfig"] == {"insecureSkipVerify": True}
    assert endpoint["authorization"]["credentials"] == {"name": "scraper", "key": "key"}
    assert _env(_container(objects))["CURATION_METRICS_AUTH"] == "true"


def test_network_policy_admits_only_the_listed_peers(chart: Chart) -> None:
    assert "NetworkPolicy/curation-service" not in _render(chart)
    callers = [
        {"namespaceSelector": {"matchLabels": {"team": "ml"}}},
        {"podSelector": {"matchLabels": {"app": "x"}}},
    ]
    scraper = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    values = {"networkPolicy": {"enabled": True, "from": callers, "metricsFrom": scraper}}
    policy = _render(chart, values)["NetworkPolicy/curation-service"]["spec"]
    assert policy["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "curation-service",
        "app.kubernetes.io/instance": "curation-service",
    }
    assert policy["policyTypes"] == ["Ingress"]
    both, metrics = policy["ingress"]
    assert both["from"] == callers
    assert both["ports"] == [{"port": "http", "protocol": "TCP"}, {"port": "grpc", "protocol": "TCP"}]
    assert metrics == {"from": scraper, "ports": [{"port": "http", "protocol": "TCP"}]}
    closed = _render(chart, {"networkPolicy": {"enabled": True}})["NetworkPolicy/curation-service"]["spec"]
    assert closed["ingress"] == []  # no peers listed: nothing may connect (never "from anywhere")


def test_auth_tls_and_network_policy_together_lint_clean(chart: Chart) -> None:
    values = {
        **_tls(mutual=True),
        "auth": {"apiKeys": {"keys": [KEY]}, "jwt": JWT, "metricsAuth": True},
        "networkPolicy": {"enabled": True, "from": [{"podSelector": {}}]},
    }
    chart.validate_schema(values)
    report = lint(CHART_DIR, values, strict=True, kube_version="v1.33.0")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
