"""Render the Helm chart with Helm's own engine (helm-python-sdk embeds Helm v4) and check the manifests.

No helm binary can be installed here; helm-python-sdk (a dev dependency) carries Helm's engine. It closes
the gap static checks of test_helm_chart.py leave (whitespace control, nindent, sprig functions, numbers).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml
from helm_python.chart import Chart, lint
from helm_python.errors import HelmError

from curation.ops.envelopes import SigningKeys

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
