"""The ECS release steps of the rendered workflow, call for call, for the emulated account.

The workflow deploys with two JavaScript actions pinned by commit; they cannot run here, so this module
makes the same AWS calls with the same parameters, read from their source at those commits:

- aws-actions/amazon-ecs-render-task-definition v1.9.0 (138c24f): `DescribeTaskDefinition` with
  `include: ["TAGS"]`, drops the read-only attributes, sets the container's image and merges the
  environment variables by name; everything else (secrets, tags, runtime platform, volumes) is kept.
- aws-actions/amazon-ecs-deploy-task-definition v2.6.3 (c465972), with wait-for-service-stability
  false as the workflow uses it: `RegisterTaskDefinition` with the rendered document (empty values
  dropped), `DescribeServices`, `UpdateService` (taskDefinition, forceNewDeployment false,
  volumeConfigurations []). The workflow then waits with scripts/verify-deployment.sh.
- aws-actions/amazon-ecr-login v2.1.7 (03f1aad): `GetAuthorizationToken`, with the registry IDs of its
  `registries` input when the workflow gives one (production in an account of its own logs in to staging's).

The image itself is not built (there is no Docker engine here): `push_image` records a manifest for the
tag with `PutImage`, and the layer uploads `docker push` would make are authorized by the permission
proof as ECR authorizes them (tests/iam/authorization.py).
"""
from __future__ import annotations

import hashlib
import json

# Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take (both actions drop them).
IGNORED_TASK_DEFINITION_ATTRIBUTES = ("compatibilities", "taskDefinitionArn", "requiresAttributes", "revision",
                                      "status", "registeredAt", "deregisteredAt", "registeredBy")


class DeployFailed(Exception):
    """What the deploy action reports when it fails the job."""


def ecr_login(ecr, registry: str | None = None) -> str:
    """The action's `registry` output (with https://): the caller's registry, or the one `registries` names."""
    token = ecr.get_authorization_token(**({"registryIds": [registry]} if registry else {}))["authorizationData"][0]
    return token["proxyEndpoint"]


def image_manifest(tag: str) -> str:
    """The manifest `docker push` would put for an image tagged `tag` (no layers; a config digest per tag)."""
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                                  "digest": "sha256:" + hashlib.sha256(tag.encode()).hexdigest()},
                       "layers": []})


def pushed_digest(tag: str) -> str:
    """The digest ECR gives the stand-in image pushed for `tag` (the SHA-256 of its manifest)."""
    return "sha256:" + hashlib.sha256(image_manifest(tag).encode()).hexdigest()


# A commit whose migrations fail: the emulated account's one-off tasks of its image exit with 1
# (AWS_EMULATOR_FAILING_IMAGES, scripts/aws_emulator.py).
FAILING_MIGRATION_TAG = "5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"


def push_image(ecr, repository: str, tag: str) -> str:
    """Record `repository:tag` as pushed (the final PutImage of `docker push`); returns the digest."""
    image = ecr.put_image(repositoryName=repository, imageManifest=image_manifest(tag), imageTag=tag)["image"]
    return image["imageId"]["imageDigest"]


def render_task_definition(ecs, task_definition_arn: str, container: str, image: str,
                           environment: dict[str, str]) -> dict:
    """amazon-ecs-render-task-definition with task-definition-arn, container-name, image and
    environment-variables."""
    described = ecs.describe_task_definition(taskDefinition=task_definition_arn, include=["TAGS"])
    document = {key: value for key, value in described["taskDefinition"].items()
                if key not in IGNORED_TASK_DEFINITION_ATTRIBUTES}
    document["tags"] = described.get("tags", [])
    for definition in document["containerDefinitions"]:
        if definition["name"] != container:
            continue
        definition["image"] = image
        variables = {item["name"]: item for item in definition.get("environment", [])}
        for name, value in environment.items():
            variables[name] = {"name": name, "value": value}
        definition["environment"] = list(variables.values())
    return document


def without_empty_values(value):
    """The deploy action's cleanNullKeys: None, '', [] and {} are dropped, recursively."""
    if isinstance(value, dict):
        cleaned = {key: without_empty_values(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [without_empty_values(item) for item in value if item not in (None, "", [], {})]
    return value


def deploy_task_definition(ecs, document: dict, cluster: str, service: str) -> str:
    """amazon-ecs-deploy-task-definition without its stability wait: the new revision's ARN, or DeployFailed
    with the action's message."""
    registered = ecs.register_task_definition(**without_empty_values(document))["taskDefinition"]["taskDefinitionArn"]
    described = ecs.describe_services(cluster=cluster, services=[service])
    if described.get("failures"):
        failure = described["failures"][0]
        raise DeployFailed(f"{failure['arn']} is {failure['reason']}")
    if described["services"][0]["status"] != "ACTIVE":
        raise DeployFailed(f"Service is {described['services'][0]['status']}")
    ecs.update_service(cluster=cluster, service=service, taskDefinition=registered, forceNewDeployment=False,
                       volumeConfigurations=[])
    return registered
