"""An emulated AWS account on this machine: moto in server mode, on 127.0.0.1 only, with the patches the
Terraform stacks need where moto does not answer as AWS does.

    python scripts/aws_emulator.py -- terraform -chdir=terraform test -test-directory=tests/emulator
    python scripts/aws_emulator.py --port-file emulator.port      # serve until SIGTERM

With a command, it starts the emulator on a free port, runs the command with every AWS SDK, the AWS CLI
and Terraform pointed at it (fake credentials, no profile, no instance metadata), stops the emulator and
exits with the command's status.

moto is not AWS: it accepts any credentials, enforces no IAM, and models each API only as far as its
authors did. What an apply here proves is that the stack's resources, arguments and references are
accepted and read back consistently; what it cannot prove (permissions, quotas, real rollouts) is listed
in docs/testing.md. Each patch below names the gap it covers; none of them changes what the stack sends.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
FAKE_ACCESS_KEY = "AKIAEMULATEDACCOUNT0"
FAKE_SECRET_KEY = "emulated-secret"


# --- Gaps -----------------------------------------------------------------------------------------------

def application_autoscaling_tags() -> None:
    """moto has no tagging API for Application Auto Scaling: ListTagsForResource answers 500, and the
    Terraform provider, which reads a scalable target's tags on every refresh, retries for many minutes.
    Tags given to RegisterScalableTarget are kept, and the three tagging operations answer from them."""
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.utilities.tagging_service import TaggingService

    def tagger(backend: ApplicationAutoscalingBackend) -> TaggingService:
        if not hasattr(backend, "emulator_tags"):
            backend.emulator_tags = TaggingService(tag_name="Tags", key_name="Key", value_name="Value")
        return backend.emulator_tags

    register = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: Any) -> str:
        answer = register(self)
        tags = self._get_param("Tags") or {}
        if tags:
            backend = self.applicationautoscaling_backend
            target = backend.targets[self._get_param("ScalableDimension")][self._get_param("ResourceId")]
            tagger(backend).tag_resource(target.arn, [{"Key": key, "Value": value} for key, value in tags.items()])
        return answer

    def tag_resource(self: Any) -> str:
        tags = self._get_param("Tags") or {}
        tagger(self.applicationautoscaling_backend).tag_resource(
            self._get_param("ResourceARN"), [{"Key": key, "Value": value} for key, value in tags.items()])
        return "{}"

    def untag_resource(self: Any) -> str:
        tagger(self.applicationautoscaling_backend).untag_resource_using_names(
            self._get_param("ResourceARN"), self._get_param("TagKeys") or [])
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        import json
        tags = tagger(self.applicationautoscaling_backend).get_tag_dict_for_resource(self._get_param("ResourceARN"))
        return json.dumps({"Tags": tags})

    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
    ApplicationAutoScalingResponse.tag_resource = tag_resource
    ApplicationAutoScalingResponse.untag_resource = untag_resource
    ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource


def ecs_service_keeps_its_settings() -> None:
    """moto's CreateService drops settings it does not model (healthCheckGracePeriodSeconds,
    enableECSManagedTags, deploymentConfiguration, ...), so the next plan wants to set them again.
    UpdateService already keeps every parameter it is given; CreateService now does the same."""
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.core.utils import camelcase_to_underscores

    create = EC2ContainerServiceResponse.create_service
    kept_by_moto = {"cluster", "serviceName", "taskDefinition", "desiredCount", "loadBalancers", "schedulingStrategy",
                    "serviceRegistries", "tags", "deploymentController", "launchType", "platformVersion",
                    "propagateTags", "networkConfiguration", "role", "clientToken"}

    def create_service(self: Any):
        answer = create(self)
        service = answer.result["service"]
        for name, value in self._get_params().items():
            if name not in kept_by_moto and value is not None:
                setattr(service, camelcase_to_underscores(name), value)
        return answer

    EC2ContainerServiceResponse.create_service = create_service


def ecs_rollouts() -> None:
    """moto keeps one deployment per service and never starts another when UpdateService changes the task
    definition, so nothing that follows a rollout (the deploy action's wait, scripts/verify-deployment.sh)
    can run against it. This models ECS's rolling deployments with the circuit breaker on:

    - CreateService and every UpdateService that changes the task definition (or forces a deployment)
      start a new PRIMARY deployment, IN_PROGRESS; the previous one becomes ACTIVE.
    - On the next DescribeServices the deployment ends: COMPLETED when every container image of its task
      definition exists (an image in this account's ECR must have been pushed; any other registry counts
      as reachable) or the service wants no tasks; otherwise FAILED, as when tasks cannot pull their image.
    - A FAILED deployment is rolled back to the last COMPLETED one, which becomes PRIMARY again and
      completes; with none to go back to, the failed deployment stays PRIMARY with no running tasks.
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    create_service = EC2ContainerServiceBackend.create_service
    update_service = EC2ContainerServiceBackend.update_service
    describe_services = EC2ContainerServiceBackend.describe_services

    def create(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
        service = create_service(self, *args, **kwargs)
        if service.deployment_controller.get("type", "ECS") == "ECS":
            service.deployments = []
            start_deployment(service, service.task_definition)
        return service

    def update(self: EC2ContainerServiceBackend, properties: dict[str, Any]) -> Any:
        wanted, forced = properties.get("task_definition"), properties.get("force_new_deployment")
        service = update_service(self, dict(properties))
        current = service.deployments[0]["taskDefinition"] if service.deployments else None
        wanted = self.describe_task_definition(wanted).arn if wanted else None
        if (wanted and wanted != current) or forced:
            start_deployment(service, wanted or current)
        return service

    def describe(self: EC2ContainerServiceBackend, cluster: str, names: list[str]) -> Any:
        services, failures = describe_services(self, cluster, names)
        for service in services:
            if service.deployments and service.deployments[0]["rolloutState"] == "IN_PROGRESS":
                finish_deployment(self, service)
        return services, failures

    EC2ContainerServiceBackend.create_service = create
    EC2ContainerServiceBackend.update_service = update
    EC2ContainerServiceBackend.describe_services = describe


def start_deployment(service: Any, task_definition: str) -> dict:
    """A new PRIMARY deployment of `task_definition`, IN_PROGRESS; the previous primary becomes ACTIVE."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    for deployment in service.deployments:
        if deployment["status"] == "PRIMARY":
            deployment["status"] = "ACTIVE"
    identifier = f"ecs-svc/{mock_random.randint(0, 32**12)}"
    deployment = {
        "id": identifier, "status": "PRIMARY", "taskDefinition": task_definition,
        "desiredCount": service.desired_count, "pendingCount": service.desired_count, "runningCount": 0,
        "failedTasks": 0, "createdAt": utcnow(), "updatedAt": utcnow(), "launchType": service.launch_type,
        "rolloutState": "IN_PROGRESS", "rolloutStateReason": f"ECS deployment {identifier} in progress.",
    }
    service.deployments.insert(0, deployment)
    service.running_count = 0
    return deployment


def complete(service: Any, deployment: dict) -> None:
    deployment.update(rolloutState="COMPLETED", runningCount=service.desired_count, pendingCount=0,
                      rolloutStateReason=f"ECS deployment {deployment['id']} completed.", emulatorCompleted=True)
    service.deployments[:] = [deployment]
    service.running_count = service.desired_count
    service.task_definition = deployment["taskDefinition"]


def image_exists(image: str) -> bool:
    """True for an image pushed to this emulated account's ECR, and for any image of another registry."""
    from moto.ecr.models import ecr_backends

    registry, _, rest = image.partition("/")
    if ".dkr.ecr." not in registry:
        return True
    account, region = registry.split(".")[0], registry.split(".")[3]
    repository, _, tag = rest.partition(":")
    repositories = ecr_backends[account][region].repositories
    return repository in repositories and any(tag in found.image_tags for found in repositories[repository].images)


def finish_deployment(backend: Any, service: Any) -> None:
    """End the primary deployment: COMPLETED, or FAILED and rolled back to the last completed one."""
    primary = service.deployments[0]
    definition = backend.describe_task_definition(primary["taskDefinition"])
    if service.desired_count == 0 or all(image_exists(item["image"]) for item in definition.container_definitions):
        complete(service, primary)
        return
    primary.update(rolloutState="FAILED", runningCount=0, failedTasks=service.desired_count,
                   rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")
    previous = next((item for item in service.deployments[1:] if item.get("emulatorCompleted")), None)
    service.deployments[:] = [primary]
    service.running_count = 0
    if previous:
        complete(service, start_deployment(service, previous["taskDefinition"]))
        service.events.insert(0, {"message": f"(service {service.name}) rolling back to "
                                             f"{previous['taskDefinition']}: deployment circuit breaker tripped."})


def s3_tags_on_create() -> None:
    """moto's CreateBucket drops the tags sent in CreateBucketConfiguration (how the provider tags a new
    bucket), so the bucket reads back untagged and every plan wants to tag it again."""
    import xmltodict
    from moto.s3.responses import S3Response

    put_bucket = S3Response._bucket_response_put

    def bucket_response_put(self: Any, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        answer = put_bucket(self, request, bucket_name, querystring)
        if not querystring and self.body and b"<Tags>" in (self.body if isinstance(self.body, bytes) else b""):
            tags = (xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}).get("Tags") or {}
            found = tags.get("Tag", [])
            found = [found] if isinstance(found, dict) else found
            self.backend.put_bucket_tagging(bucket_name, {tag["Key"]: tag.get("Value") or "" for tag in found})
        return answer

    S3Response._bucket_response_put = bucket_response_put


def logs_query_definitions() -> None:
    """moto has no CloudWatch Logs Insights saved queries (PutQueryDefinition, DescribeQueryDefinitions,
    DeleteQueryDefinition): they are kept per account and region as the API describes them."""
    import json
    import time
    import uuid

    from moto.logs.responses import LogsResponse

    def saved(self: Any) -> dict[str, dict]:
        if not hasattr(self.logs_backend, "emulator_query_definitions"):
            self.logs_backend.emulator_query_definitions = {}
        return self.logs_backend.emulator_query_definitions

    def put_query_definition(self: Any) -> str:
        identifier = self._get_param("queryDefinitionId") or str(uuid.uuid4())
        saved(self)[identifier] = {
            "queryDefinitionId": identifier, "name": self._get_param("name"),
            "queryString": self._get_param("queryString"), "logGroupNames": self._get_param("logGroupNames") or [],
            "lastModified": int(time.time() * 1000),
        }
        return json.dumps({"queryDefinitionId": identifier})

    def describe_query_definitions(self: Any) -> str:
        prefix = self._get_param("queryDefinitionNamePrefix") or ""
        found = [item for item in saved(self).values() if item["name"].startswith(prefix)]
        return json.dumps({"queryDefinitions": found})

    def delete_query_definition(self: Any) -> str:
        return json.dumps({"success": saved(self).pop(self._get_param("queryDefinitionId"), None) is not None})

    LogsResponse.put_query_definition = put_query_definition
    LogsResponse.describe_query_definitions = describe_query_definitions
    LogsResponse.delete_query_definition = delete_query_definition


def certificates_from_another_account() -> None:
    """moto refuses an HTTPS listener whose certificate is not in its own ACM. The certificate a stack
    names was requested in the user's real account and can never be in the emulated one, so listeners
    take the certificate ARN as given."""
    from moto.elbv2 import models

    models.register_certificate = lambda **_: None


def security_group_rule_descriptions() -> None:
    """moto keeps the description of a security group rule only when the rule names a CIDR range; a rule
    that references another security group loses it, and every plan then wants to set it again."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    SecurityGroupRule.description = property(
        lambda rule: rule.ip_range.get("Description") or rule.source_group.get("Description"))


def s3_bucket_policy_conditions() -> None:
    """moto applies a bucket policy's statements without their Condition, so a TLS-only bucket policy
    (Deny when aws:SecureTransport is false) denies every request. Statements with a condition are left
    out of moto's check; IAM decisions are not what this emulator is for."""
    import json

    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy)
        statements = policy.get("Statement", [])
        policy["Statement"] = [statement for statement in ([statements] if isinstance(statements, dict) else statements)
                               if "Condition" not in statement]
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


GAPS: tuple[Callable[[], None], ...] = (
    application_autoscaling_tags,
    ecs_service_keeps_its_settings,
    ecs_rollouts,
    certificates_from_another_account,
    s3_tags_on_create,
    logs_query_definitions,
    security_group_rule_descriptions,
    s3_bucket_policy_conditions,
)


def apply_gaps() -> None:
    for gap in GAPS:
        gap()


# --- Serving --------------------------------------------------------------------------------------------

def make_app() -> Callable:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    return DomainDispatcherApplication(create_backend_app)


def serve(app: Callable) -> tuple[Any, threading.Thread]:
    """Serve `app` on a free port of 127.0.0.1 in a background thread."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would bury real errors
    server = make_server(LOOPBACK, 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def client_environment(endpoint: str, access_key: str = FAKE_ACCESS_KEY, secret_key: str = FAKE_SECRET_KEY,
                       session_token: str = "", region: str = REGION) -> dict[str, str]:
    """What the AWS SDKs, the AWS CLI and Terraform (provider and S3 backend) read: this endpoint, these
    credentials and region, and no configuration files or instance metadata to fall back on. Leave
    AWS_PROFILE out of the environment this is added to (`without_profile`)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_SESSION_TOKEN": session_token,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "3",
        # S3 Control calls go to <account id>.<endpoint host>, a name no resolver knows. Go sends a request
        # for a host that is not loopback to HTTP_PROXY without resolving it, so those arrive here too;
        # requests to 127.0.0.1 itself never use the proxy. Nothing leaves loopback.
        "HTTP_PROXY": endpoint,
        "HTTPS_PROXY": endpoint,
        "NO_PROXY": f"{LOOPBACK},localhost",
    }


def without_profile(environ: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in environ.items() if name != "AWS_PROFILE"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port-file", type=Path, help="write the port here once listening, and serve until SIGTERM")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...] to run against the emulator")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command and not args.port_file:
        parser.error("give a command after --, or --port-file")

    apply_gaps()
    server, thread = serve(make_app())
    endpoint = f"http://{LOOPBACK}:{server.server_port}"
    print(f"aws-emulator: moto on {endpoint}", file=sys.stderr)
    try:
        if command:
            environment = {**without_profile(os.environ), **client_environment(endpoint)}
            return subprocess.run(command, env=environment, check=False).returncode
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        args.port_file.write_text(str(server.server_port))
        stop.wait()
        return 0
    finally:
        server.shutdown()
        thread.join(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
