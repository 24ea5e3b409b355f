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
import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# The strict layer (scripts/aws_strict) is imported from beside this file, however it is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))

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
    - A deployment also fails when one of the service's deployment alarms (deploymentConfiguration.alarms,
      enabled) went into ALARM after it started; ECS ignores an alarm already in ALARM at the start.
    - A FAILED deployment is rolled back to the last COMPLETED one, which becomes PRIMARY again and
      completes; with none to go back to, the failed deployment stays PRIMARY with no running tasks.
    - Each deployment is also a service deployment (ListServiceDeployments, DescribeServiceDeployments,
      which moto lacks): SUCCESSFUL, ROLLBACK_SUCCESSFUL or STOPPED, with the alarms that triggered it;
      ListServiceDeployments filters by status and createdAt and pages (maxResults, nextToken), oldest first.
    - Each deployment runs a service revision of its own (ecs_service_revisions answers for it).
    """
    from moto.core.responses import ActionResult
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

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

    def list_service_deployments(self: Any) -> Any:
        backend = self.ecs_backend
        services, _ = describe_services(backend, self._get_param("cluster", "default"), [self._get_param("service")])
        found = [item for service in services for item in getattr(service, "emulator_service_deployments", [])]
        return ActionResult(deployments_page(found, self._get_param("status") or [],
                                             self._get_param("createdAt") or {}, self._get_param("nextToken"),
                                             self._get_param("maxResults")))

    def describe_service_deployments(self: Any) -> Any:
        return ActionResult(described("serviceDeployments", deployment_views(self.ecs_backend),
                                      self._get_param("serviceDeploymentArns")))

    EC2ContainerServiceBackend.create_service = create
    EC2ContainerServiceBackend.update_service = update
    EC2ContainerServiceBackend.describe_services = describe
    EC2ContainerServiceResponse.list_service_deployments = list_service_deployments
    EC2ContainerServiceResponse.describe_service_deployments = describe_service_deployments


def ecs_service_revisions() -> None:
    """moto has no DescribeServiceRevisions: each deployment ecs_rollouts starts runs a service revision of its
    own, which this answers with its task definition."""
    from moto.core.responses import ActionResult
    from moto.ecs.responses import EC2ContainerServiceResponse

    def describe_service_revisions(self: Any) -> Any:
        return ActionResult(described("serviceRevisions", service_revisions(self.ecs_backend),
                                      self._get_param("serviceRevisionArns")))

    EC2ContainerServiceResponse.describe_service_revisions = describe_service_revisions


def deployment_views(backend: Any) -> dict[str, dict]:
    """Each service deployment by ARN, as DescribeServiceDeployments shows it."""
    return {item["serviceDeploymentArn"]: {
        **{key: value for key, value in item.items() if key != "targetServiceRevisionArn"},
        "targetServiceRevision": {"arn": item["targetServiceRevisionArn"]}}
        for service in backend.services.values() for item in getattr(service, "emulator_service_deployments", [])}


def service_revisions(backend: Any) -> dict[str, dict]:
    return {arn: item for service in backend.services.values()
            for arn, item in getattr(service, "emulator_service_revisions", {}).items()}


def described(member: str, found: dict[str, dict], wanted: list[str] | None) -> dict:
    """A Describe* answer: the items of the ARNs asked for that exist, and a MISSING failure for each other."""
    wanted = wanted or []
    return {member: [found[arn] for arn in wanted if arn in found],
            "failures": [{"arn": arn, "reason": "MISSING"} for arn in wanted if arn not in found]}


def deployments_page(found: list[dict], wanted: list[str], created: dict, token: Any, size: Any) -> dict:
    """One page of ListServiceDeployments: those of the statuses wanted, created in the window, at most
    maxResults (default 20), with a nextToken while more remain. AWS documents no order; oldest first here,
    so that a caller who takes the first page for the newest deployments is caught."""
    found = [item for item in found if (not wanted or item["status"] in wanted)
             and in_window(item["createdAt"], created.get("after"), created.get("before"))]
    start = int(token or 0)
    end = start + int(size or 20)
    keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt",
            "targetServiceRevisionArn", "status", "statusReason")
    answer = {"serviceDeployments": [{key: item[key] for key in keys if key in item} for item in found[start:end]]}
    if end < len(found):
        answer["nextToken"] = str(end)
    return answer


def in_window(moment: Any, after: Any, before: Any) -> bool:
    """Whether `moment` is after `after` and before `before`: datetimes (naive ones in UTC, as moto keeps
    them), epoch seconds or ISO 8601."""
    from datetime import datetime, timezone

    def when(value: Any) -> datetime:
        if isinstance(value, (int, float)):
            value = datetime.fromtimestamp(value, timezone.utc)
        elif not isinstance(value, datetime):
            value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    return (after is None or when(moment) >= when(after)) and (before is None or when(moment) <= when(before))


def start_deployment(service: Any, task_definition: str, rollback: bool = False) -> dict:
    """A new PRIMARY deployment of `task_definition`, IN_PROGRESS; the previous primary becomes ACTIVE.
    Unless it is a rollback (part of the failed deployment's), it is a new service deployment too."""
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
    # Each deployment runs a service revision: its own ARN, naming the task definition (DescribeServiceRevisions).
    revision = service.arn.replace(":service/", ":service-revision/") + f"/{mock_random.randint(0, 10**19)}"
    service.emulator_service_revisions = {**getattr(service, "emulator_service_revisions", {}), revision: {
        "serviceRevisionArn": revision, "serviceArn": service.arn, "clusterArn": service.cluster_arn,
        "taskDefinition": task_definition, "launchType": service.launch_type, "createdAt": deployment["createdAt"]}}
    deployment["emulatorRevision"] = revision
    if not rollback:
        alarms = (getattr(service, "deployment_configuration", None) or {}).get("alarms") or {}
        arn = service.arn.replace(":service/", ":service-deployment/") + "/" + identifier.split("/")[1]
        record = {"serviceDeploymentArn": arn, "serviceArn": service.arn, "clusterArn": service.cluster_arn,
                  "createdAt": deployment["createdAt"], "startedAt": deployment["createdAt"],
                  "status": "IN_PROGRESS", "targetServiceRevisionArn": revision,
                  "alarms": {"alarmNames": alarms.get("alarmNames", []),
                             "status": "MONITORING" if alarms.get("enable") else "DISABLED"}}
        service.emulator_service_deployments = [*getattr(service, "emulator_service_deployments", []), record]
    return deployment


def service_deployment(service: Any) -> dict:
    return getattr(service, "emulator_service_deployments", [{}])[-1]


def triggered_alarms(backend: Any, service: Any, deployment: dict) -> list[str]:
    """The service's deployment alarms that went into ALARM after `deployment` started."""
    from moto.cloudwatch.models import cloudwatch_backends

    alarms = (getattr(service, "deployment_configuration", None) or {}).get("alarms") or {}
    if not alarms.get("enable"):
        return []
    known = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    return [name for name in alarms.get("alarmNames", []) if name in known and known[name].state_value == "ALARM"
            and known[name].state_updated_timestamp >= deployment["createdAt"]]


def complete(service: Any, deployment: dict) -> None:
    deployment.update(rolloutState="COMPLETED", runningCount=service.desired_count, pendingCount=0,
                      rolloutStateReason=f"ECS deployment {deployment['id']} completed.", emulatorCompleted=True)
    service.deployments[:] = [deployment]
    service.running_count = service.desired_count
    service.task_definition = deployment["taskDefinition"]
    record = service_deployment(service)
    if record.get("status") == "IN_PROGRESS":
        record.update(status="SUCCESSFUL", finishedAt=deployment["updatedAt"])
        record["alarms"]["status"] = "MONITORING_COMPLETE" if record["alarms"]["status"] == "MONITORING" else "DISABLED"


def image_exists(image: str) -> bool:
    """True for an image pushed to this emulated account's ECR (named by its tag or its digest), and for any
    image of another registry."""
    from moto.ecr.models import ecr_backends

    registry, _, rest = image.partition("/")
    if ".dkr.ecr." not in registry:
        return True
    account, region = registry.split(".")[0], registry.split(".")[3]
    repositories = ecr_backends[account][region].repositories
    if "@" in rest:  # REPOSITORY@sha256:..., as the release deploys it
        repository, _, digest = rest.partition("@")
        return repository in repositories and any(
            found.get_image_digest() == digest for found in repositories[repository].images)
    repository, _, tag = rest.partition(":")
    return repository in repositories and any(tag in found.image_tags for found in repositories[repository].images)


def finish_deployment(backend: Any, service: Any) -> None:
    """End the primary deployment: COMPLETED, or FAILED (its tasks cannot start, or a deployment alarm
    fired) and rolled back to the last completed one."""
    primary = service.deployments[0]
    definition = backend.describe_task_definition(primary["taskDefinition"])
    alarms = triggered_alarms(backend, service, primary)
    starts = service.desired_count == 0 or all(image_exists(item["image"]) for item in definition.container_definitions)
    if starts and not alarms:
        complete(service, primary)
        return
    reason = (f"ECS deployment {primary['id']} rolled back: alarm {', '.join(alarms)} in ALARM state." if alarms
              else "ECS deployment circuit breaker: tasks failed to start.")
    primary.update(rolloutState="FAILED", runningCount=0 if not starts else primary["runningCount"],
                   failedTasks=0 if starts else service.desired_count, rolloutStateReason=reason)
    previous = next((item for item in service.deployments[1:] if item.get("emulatorCompleted")), None)
    record = service_deployment(service)
    record.update(statusReason=reason, finishedAt=primary["updatedAt"],
                  status="ROLLBACK_SUCCESSFUL" if previous else "STOPPED")
    if alarms:
        record["alarms"].update(status="TRIGGERED", triggeredAlarmNames=alarms)
    service.deployments[:] = [primary]
    service.running_count = 0
    if previous:
        record["rollback"] = {"reason": reason, "startedAt": primary["updatedAt"],
                              "serviceRevisionArn": previous["emulatorRevision"]}
        complete(service, start_deployment(service, previous["taskDefinition"], rollback=True))
        cause = f"alarm {', '.join(alarms)} in ALARM" if alarms else "deployment circuit breaker tripped"
        service.events.insert(0, {"message": f"(service {service.name}) rolling back to "
                                             f"{previous['taskDefinition']}: {cause}."})


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


def ecr_image_digests() -> None:
    """moto digests an image from its layers' digests alone, so images pushed with no layers (as the suite's
    stand-in for `docker push` pushes them) all share one digest, and a digest names no single image. ECR's
    digest is the SHA-256 of the image manifest as pushed: deploying by digest must run that image only."""
    from moto.ecr.models import Image

    def create_digest(image: Any) -> None:
        image._image_digest = "sha256:" + hashlib.sha256(image.image_manifest.encode()).hexdigest()

    Image._create_digest = create_digest


def ecr_across_accounts() -> None:
    """moto serves an ECR call from the caller's own account only, and answers RepositoryNotFoundException for
    a registryId naming another account. ECR serves it from the registry it names (production in an account of
    its own reads staging's images so), when the repository's policy and the caller's own allow it; moto
    enforces no IAM, and the template's permission proof judges both policies."""
    from moto.ecr.models import ecr_backends
    from moto.ecr.responses import ECRResponse

    def backend(self: Any) -> Any:
        return ecr_backends[self._get_param("registryId") or self.current_account][self.region]

    ECRResponse.ecr_backend = property(backend)


# One-off tasks (the release's migration task) whose containers exit with 1 in the emulated account: the ends of
# their image references (a digest such as @sha256:...), comma-separated, in this variable of the emulator's
# environment; a test sets it to make a release whose migrations fail. Every other one-off task exits with 0.
FAILING_IMAGES_VARIABLE = "AWS_EMULATOR_FAILING_IMAGES"


def ecs_one_off_tasks() -> None:
    """moto cannot start a Fargate task the way the release's migration task is defined: it adds up container
    memory that Fargate task definitions leave unset (a TypeError), and names a network interface attribute
    its EC2 model lacks. AWS starts the task; it then runs, stops, and DescribeTasks reports the essential
    container's exit code. moto's task advances to STOPPED one step per DescribeTasks; here its containers
    stop with it, with the exit code of the image (FAILING_IMAGES_VARIABLE), and the task with the stop code
    and reason ECS gives when an essential container exits."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ecs.models import EC2ContainerServiceBackend, Task

    def dns_name(self: Any) -> str:
        return self.__dict__.get("_dns_name") or f"ip-{self.private_ip_address.replace('.', '-')}.ec2.internal"

    def set_dns_name(self: Any, value: str) -> None:
        self.__dict__["_dns_name"] = value

    NetworkInterface.private_dns_name = property(dns_name, set_dns_name)
    requirements = EC2ContainerServiceBackend._calculate_task_resource_requirements

    def calculate(task_definition: Any) -> Any:
        defined = task_definition.container_definitions
        task_definition.container_definitions = [
            {"cpu": 0, "memory": 0, **{key: value for key, value in item.items() if value is not None}}
            for item in defined]
        try:
            return requirements(task_definition)
        finally:
            task_definition.container_definitions = defined

    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate)
    advance = Task.advance

    def advanced(self: Any) -> None:
        advance(self)
        if self.last_status != "STOPPED" or self.stopped_reason:
            return
        failing = {item.strip() for item in os.environ.get(FAILING_IMAGES_VARIABLE, "").split(",") if item.strip()}
        for container in self.containers:
            container.last_status = "STOPPED"
            container.exitCode = 1 if any(container.image.endswith(item) for item in failing) else 0
        self.stop_code = "EssentialContainerExited"
        self.stopped_reason = "Essential container in task exited"

    Task.advance = advanced


def rds_instance_resource_ids() -> None:
    """moto gives every DB instance the same DbiResourceId. RDS gives each its own, and the provider reads an
    instance back by it: the second instance of an account (staging's and production's) was read as the first."""
    import secrets
    import string

    from moto.rds.models import DBInstance

    created = DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        created(self, *args, **kwargs)
        alphabet = string.ascii_uppercase + string.digits
        self.dbi_resource_id = "db-" + "".join(secrets.choice(alphabet) for _ in range(26))

    DBInstance.__init__ = init


def rds_user_parameters() -> None:
    """RDS reports a parameter set with ModifyDBParameterGroup with the source `user`; moto reports no source,
    and the provider keeps only the parameters whose source is `user` (or system ones the configuration names):
    every plan would add the stack's parameters again."""
    from moto.rds.models import DBParameterGroup

    update = DBParameterGroup.update_parameters

    def update_parameters(self: Any, new_parameters: Any) -> None:
        new_parameters = list(new_parameters)
        update(self, new_parameters)
        for parameter in new_parameters:
            self.parameters[parameter["ParameterName"]]["Source"] = "user"

    DBParameterGroup.update_parameters = update_parameters


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


def acm_dns_validation() -> None:
    """moto issues every DNS-validated certificate a minute after it was requested, whether or not its
    validation record exists. ACM issues one only once the CNAME it asked for resolves; here, once a hosted
    zone of the account holds that record (name, type and value), which is what the stack must create."""
    from moto.acm.models import CertBundle
    from moto.route53.models import route53_backends

    def dns(name: str) -> str:
        return name.lower().rstrip(".")

    def check(self: Any) -> None:
        if self.type != "AMAZON_ISSUED" or self.status != "PENDING_VALIDATION":
            return
        wanted = {(dns(option["ResourceRecord"]["Name"]), dns(option["ResourceRecord"]["Value"]))
                  for option in self.describe()["Certificate"].get("DomainValidationOptions", [])}
        zones = route53_backends[self.arn.split(":")[4]]["global"].zones.values()
        found = {(dns(record.name), dns(value)) for zone in zones
                 for record in zone.rrsets if record.type == "CNAME" for value in record.records}
        if wanted and wanted <= found:
            self.status = "ISSUED"

    CertBundle.check = check


# The AWS managed policies the stacks attach (canary services: ECS's load balancing role, iam.tf).
MANAGED_POLICIES = ("AmazonECSInfrastructureRolePolicyForLoadBalancers",)


def aws_managed_policies() -> None:
    """moto knows AWS's managed policies but loads none unless told to load all of them (over a thousand,
    in every account and region it creates), so attaching one fails with NoSuchEntity. It now loads the
    ones the stacks attach, from its own copy of their documents."""
    import json

    from moto.iam import models
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    wanted = {name: data for name, data in json.loads(aws_managed_policies_data).items() if name in MANAGED_POLICIES}

    def init_aws_policies(self: Any) -> list:
        return [models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
                for name, data in wanted.items()]

    models.IAMBackend._init_aws_policies = init_aws_policies


GAPS: tuple[Callable[[], None], ...] = (
    application_autoscaling_tags,
    ecs_service_keeps_its_settings,
    ecs_rollouts,
    ecs_service_revisions,
    certificates_from_another_account,
    ecr_image_digests,
    ecr_across_accounts,
    s3_tags_on_create,
    logs_query_definitions,
    security_group_rule_descriptions,
    s3_bucket_policy_conditions,
    aws_managed_policies,
    acm_dns_validation,
    ecs_one_off_tasks,
    rds_instance_resource_ids,
    rds_user_parameters,
)


def apply_gaps() -> None:
    for gap in GAPS:
        gap()


# --- Serving --------------------------------------------------------------------------------------------

def make_app() -> Callable:
    """moto, answering CloudWatch in CBOR too, behind AWS's own request validation (scripts/aws_strict)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from aws_strict.strict import StrictAccount
    return StrictAccount(cloudwatch_in_cbor(DomainDispatcherApplication(create_backend_app)))


# --- CloudWatch in Smithy RPC v2 CBOR ---------------------------------------------------------------------
# The AWS SDK for Go v2 (the Terraform provider) and newer AWS SDKs call CloudWatch in Smithy RPC v2 CBOR
# (POST /service/GraniteServiceVersion20100801/operation/<Operation>); moto 5.2.5 answers CloudWatch only
# in the query protocol. The app below turns such a request into the query request it means, lets moto
# answer it, and turns the answer (or the error) back into CBOR, using botocore's own codecs and models.

CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"


def cbor_operation(path: str) -> str | None:
    return path[len(CBOR_PATH):] if path.startswith(CBOR_PATH) else None


def cloudwatch_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("cloudwatch")


def cloudwatch_in_cbor(app: Callable) -> Callable:
    import io
    from urllib.parse import urlencode

    from botocore.parsers import QueryParser
    from botocore.serialize import QuerySerializer

    from aws_strict.requests import cbor_text_map, decode_cbor, encode_cbor

    def translated(environ: dict, start_response: Callable) -> Any:
        operation = cbor_operation(environ.get("PATH_INFO", ""))
        if operation is None:
            return app(environ, start_response)
        model = cloudwatch_model().operation_model(operation)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        params = decode_cbor(environ["wsgi.input"].read(length), model.input_shape)
        query = QuerySerializer().serialize_to_request(params, model)
        form = urlencode(query["body"], doseq=True).encode()
        inner = {**environ, "PATH_INFO": "/", "QUERY_STRING": "", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                 "CONTENT_LENGTH": str(len(form)), "wsgi.input": io.BytesIO(form)}
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            answer.update(status=status, headers=headers)
            return lambda data: None

        xml = b"".join(app(inner, capture))
        code = int(answer["status"].split()[0])
        parsed = QueryParser().parse({"status_code": code, "headers": dict(answer["headers"]), "body": xml},
                                     model.output_shape)
        headers = [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor")]
        if code >= 300:
            error = parsed.get("Error", {})
            body = cbor_text_map({"__type": f"com.amazonaws.cloudwatch#{error.get('Code', 'InternalFailure')}",
                                  "message": error.get("Message", "")})
            headers.append(("x-amzn-query-error", f"{error.get('Code', 'InternalFailure')};Sender"))
        else:
            parsed.pop("ResponseMetadata", None)
            body = encode_cbor(parsed, model.output_shape) or cbor_text_map({})
        start_response(answer["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return translated


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
        # Terraform's version check would ask for a tunnel through the proxy below: off.
        "CHECKPOINT_DISABLE": "1",
        # S3 Control calls go to <account id>.<endpoint host>, a name no resolver knows. Go sends a request
        # for a host that is not loopback to HTTP_PROXY without resolving it, so those arrive here too;
        # requests to 127.0.0.1 itself never use the proxy. Nothing leaves loopback.
        "HTTP_PROXY": endpoint,
        "HTTPS_PROXY": endpoint,
        "NO_PROXY": f"{LOOPBACK},localhost",
    }


def without_profile(environ: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in environ.items() if name != "AWS_PROFILE"}


def validation_summary(report: dict, status: int) -> int:
    """Print what the strict layer checked; a run that left anything unvalidated fails (status 3)."""
    counts = report["counts"]
    documents = {name.split(": ", 1)[1]: count for name, count in counts.items() if name.startswith("documents: ")}
    print(f"aws-emulator: {counts.get('requests validated against the service model', 0)} of "
          f"{counts.get('requests', 0)} requests validated against their service model, "
          f"{counts.get('requests refused', 0)} refused; documents validated: "
          f"{', '.join(f'{kind} {count}' for kind, count in sorted(documents.items())) or 'none'}; "
          f"{counts.get('advice explained (scripts/aws_strict/documents.py)', 0)} explained advice", file=sys.stderr)
    for item, count in sorted(report["advice"].items()):
        print(f"aws-emulator: advice (AWS accepts this, but it looks wrong): {count} x {item}", file=sys.stderr)
    if not report["unvalidated"]:
        return status
    print("aws-emulator: left unvalidated (add a validator in scripts/aws_strict/documents.py):", file=sys.stderr)
    for item, count in sorted(report["unvalidated"].items()):
        print(f"  {count} x {item}", file=sys.stderr)
    return status or 3


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
    app = make_app()
    server, thread = serve(app)
    endpoint = f"http://{LOOPBACK}:{server.server_port}"
    print(f"aws-emulator: moto on {endpoint}, requests validated as AWS validates them", file=sys.stderr)
    try:
        if command:
            environment = {**without_profile(os.environ), **client_environment(endpoint)}
            status = subprocess.run(command, env=environment, check=False).returncode
            return validation_summary(app.tally.report(), status)
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
