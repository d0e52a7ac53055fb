"""The Kubernetes manifests, validated offline against the Kubernetes API schemas (kubernetes-validate, strict: an
unknown or misspelt field is an error), and the properties the deployment relies on."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APPLIED = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))  # what `kubectl apply -f deploy/k8s/` applies
EXAMPLES = sorted((ROOT / "deploy" / "k8s-examples").glob("*.yaml"))
KUBERNETES = "1.30.0"


def documents(path):
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def by_kind(kind):
    return [document for path in APPLIED for document in documents(path) if document["kind"] == kind]


@pytest.mark.parametrize("path", APPLIED + EXAMPLES, ids=lambda path: path.name)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(path):
    for document in documents(path):
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_the_validation_refuses_a_misspelt_field():
    deployment = by_kind("Deployment")[0]
    deployment["spec"]["template"]["spec"]["terminationGracePeriod"] = 30
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)


def test_the_applied_folder_holds_no_secret_and_the_example_is_outside_it():
    assert by_kind("Secret") == []
    assert [document["kind"] for path in EXAMPLES for document in documents(path)] == ["Secret"]


def containers():
    for kind in ("Deployment", "Job"):
        for document in by_kind(kind):
            pod = document["spec"]["template"]["spec"]
            for container in pod["containers"]:
                yield kind, pod, container


def test_no_container_needs_a_shell_or_a_pre_stop_hook():
    for kind, _, container in containers():
        assert "lifecycle" not in container, kind
        assert "command" not in container, kind  # the image's entrypoint is the crmhub binary itself


def test_the_server_drains_before_closing_within_the_termination_grace_period():
    deployment = by_kind("Deployment")[0]
    pod = deployment["spec"]["template"]["spec"]
    env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    assert int(env["CRMHUB_DRAIN_DELAY"]) > 0
    assert int(env["CRMHUB_DRAIN_DELAY"]) + int(env["CRMHUB_SHUTDOWN_GRACE"]) < pod["terminationGracePeriodSeconds"]


def test_a_disruption_budget_covers_the_server_pods():
    budget = by_kind("PodDisruptionBudget")[0]
    deployment = by_kind("Deployment")[0]
    assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert budget["spec"]["minAvailable"] < deployment["spec"]["replicas"]


def test_every_container_mounts_the_postgres_ca_that_the_example_urls_name():
    secret = [document for path in EXAMPLES for document in documents(path)][0]
    for kind, pod, container in containers():
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
        mount = mounts["/etc/crmhub/postgres-ca"]
        assert volumes[mount["name"]]["configMap"]["name"] == "crmhub-postgres-ca", kind
        key = next(item["valueFrom"]["secretKeyRef"]["key"] for item in container["env"] if item["name"] == "CRMHUB_DATABASE_URL")
        url = secret["stringData"][key]
        assert "sslmode=verify-full" in url and "sslrootcert=/etc/crmhub/postgres-ca/ca.crt" in url, (kind, key)
