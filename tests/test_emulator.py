"""The emulated account's own machinery: each patch of the rendered `scripts/aws_emulator.py` is needed (plain
moto shows the gap) and works (the emulator does what AWS does); the recorder and the IAM evaluator decide
what the lifecycle tests rely on them to decide."""
from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.conftest import CERTIFICATE, missing
from tests.emulator.account import ADMINISTRATOR, EmulatedAccount, web_identity_token
from tests.emulator.ecs_actions import FAILING_MIGRATION_TAG, image_manifest, push_image, pushed_digest
from tests.emulator.server import rendered_emulator
from aws_strict.requests import decode_cbor
from tests.iam import evaluator
from tests.iam.evaluator import Request

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/svc-execution"
TLS_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": ["arn:aws:s3:::svc-bucket", "arn:aws:s3:::svc-bucket/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    account = EmulatedAccount(tmp_path_factory.mktemp("emulator")).start()
    yield account
    account.stop()


@pytest.fixture
def patched(emulator):
    emulator.reset()
    return lambda service: emulator.client(service, ADMINISTRATOR, REGION)


@pytest.fixture
def plain():
    """moto as it ships, in this process, without the emulator's patches."""
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION, aws_access_key_id="a",
                                           aws_secret_access_key="b")


def ecs_service(client, ec2, **settings) -> dict:
    """A cluster, a task definition whose image is in a (possibly empty) ECR repository, and a service."""
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="svc", Description="svc", VpcId=vpc)["GroupId"]
    client.create_cluster(clusterName="svc")
    client.register_task_definition(family="svc", containerDefinitions=[
        {"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc:one", "memory": 512}])
    return client.create_service(cluster="svc", serviceName="svc", taskDefinition="svc:1", desiredCount=2,
                                 networkConfiguration={"awsvpcConfiguration": {
                                     "subnets": [subnet], "securityGroups": [group]}}, **settings)["service"]


def register(client, tag: str) -> str:
    """A revision of the image `tag` names: svc:TAG, or svc@sha256:... for a digest, as the release names it."""
    reference = tag if tag.startswith("@") else f":{tag}"
    return client.register_task_definition(family="svc", containerDefinitions=[
        {"name": "app", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc{reference}", "memory": 512}])[
        "taskDefinition"]["taskDefinitionArn"]


def deployments(client) -> list[dict]:
    return client.describe_services(cluster="svc", services=["svc"])["services"][0]["deployments"]


# --- application_autoscaling_tags --------------------------------------------------------------------------

def scalable_target(client_for) -> str:
    client_for("ecs").create_cluster(clusterName="svc")
    ecs_service(client_for("ecs"), client_for("ec2"))
    return client_for("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId="service/svc/svc", ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1, MaxCapacity=2, Tags={"Project": "svc"})["ScalableTargetARN"]


def test_plain_moto_has_no_application_autoscaling_tagging(plain):
    arn = scalable_target(plain)
    with pytest.raises((ClientError, NotImplementedError)):
        plain("application-autoscaling").list_tags_for_resource(ResourceARN=arn)


def test_application_autoscaling_tags_are_kept_and_listed(patched):
    arn = scalable_target(patched)
    autoscaling = patched("application-autoscaling")
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "svc"}
    autoscaling.tag_resource(ResourceARN=arn, Tags={"Team": "core"})
    autoscaling.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Team": "core"}


# --- ecs_service_keeps_its_settings ------------------------------------------------------------------------

SETTINGS = {"healthCheckGracePeriodSeconds": 60, "enableECSManagedTags": True,
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                        "maximumPercent": 200, "minimumHealthyPercent": 100}}


def test_plain_moto_forgets_service_settings(plain):
    ecs_service(plain("ecs"), plain("ec2"), **SETTINGS)
    described = plain("ecs").describe_services(cluster="svc", services=["svc"])["services"][0]
    assert "healthCheckGracePeriodSeconds" not in described


def test_service_settings_read_back_as_created(patched):
    ecs_service(patched("ecs"), patched("ec2"), **SETTINGS)
    described = patched("ecs").describe_services(cluster="svc", services=["svc"])["services"][0]
    assert {key: described.get(key) for key in SETTINGS} == SETTINGS


# --- ecs_rollouts ------------------------------------------------------------------------------------------

def test_plain_moto_never_starts_a_deployment(plain):
    ecs_service(plain("ecs"), plain("ec2"))
    plain("ecs").update_service(cluster="svc", service="svc", taskDefinition=register(plain("ecs"), "two"))
    assert [item["taskDefinition"].rsplit("/", 1)[-1] for item in deployments(plain("ecs"))] == ["svc:1"]


def test_a_rollout_of_a_pushed_image_completes(patched):
    ecs, ecr = patched("ecs"), patched("ecr")
    ecr.create_repository(repositoryName="svc")
    push_image(ecr, "svc", "one")
    ecs_service(ecs, patched("ec2"))
    assert deployments(ecs)[0]["rolloutState"] == "COMPLETED"
    push_image(ecr, "svc", "two")
    revision = register(ecs, "two")
    ecs.update_service(cluster="svc", service="svc", taskDefinition=revision)
    (deployment,) = deployments(ecs)
    assert (deployment["taskDefinition"], deployment["rolloutState"], deployment["runningCount"]) == (
        revision, "COMPLETED", 2)


def test_a_rollout_of_a_missing_image_fails_and_rolls_back(patched):
    ecs, ecr = patched("ecs"), patched("ecr")
    ecr.create_repository(repositoryName="svc")
    push_image(ecr, "svc", "one")
    first = ecs_service(ecs, patched("ec2"))["taskDefinition"]
    deployments(ecs)
    updated = ecs.update_service(cluster="svc", service="svc", taskDefinition=register(ecs, "never-pushed"))
    new = next(item for item in updated["service"]["deployments"] if item["status"] == "PRIMARY")
    assert new["rolloutState"] == "IN_PROGRESS"
    (current,) = deployments(ecs)
    assert current["id"] != new["id"] and current["taskDefinition"] == first
    assert current["rolloutState"] == "COMPLETED"


@pytest.mark.parametrize("pushed", [True, False], ids=["pushed", "never-pushed"])
def test_a_rollout_by_digest_completes_only_for_a_digest_the_repository_holds(patched, pushed):
    ecs, ecr = patched("ecs"), patched("ecr")
    ecr.create_repository(repositoryName="svc")
    push_image(ecr, "svc", "one")
    ecs_service(ecs, patched("ec2"))
    deployments(ecs)
    push_image(ecr, "svc", "two")
    (image,) = ecr.describe_images(repositoryName="svc", imageIds=[{"imageTag": "two"}])["imageDetails"]
    digest = image["imageDigest"] if pushed else "sha256:" + "0" * 64
    revision = register(ecs, f"@{digest}")
    ecs.update_service(cluster="svc", service="svc", taskDefinition=revision)
    (deployment,) = deployments(ecs)
    assert (deployment["taskDefinition"] == revision) == pushed
    assert deployment["rolloutState"] == "COMPLETED"


def test_a_first_rollout_of_a_missing_image_fails_with_nothing_to_return_to(patched):
    ecs = patched("ecs")
    patched("ecr").create_repository(repositoryName="svc")
    ecs_service(ecs, patched("ec2"))
    (deployment,) = deployments(ecs)
    assert deployment["rolloutState"] == "FAILED" and deployment["runningCount"] == 0
    assert "circuit breaker" in deployment["rolloutStateReason"]


def alarmed_service(ecs, ecr, ec2, cloudwatch) -> str:
    """A service on a pushed image whose deployments ECS watches one alarm for, with rollback on."""
    ecr.create_repository(repositoryName="svc")
    push_image(ecr, "svc", "one")
    cloudwatch.put_metric_alarm(AlarmName="svc-deploy-target-5xx-rate", Namespace="AWS/ApplicationELB",
                                MetricName="HTTPCode_Target_5XX_Count", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    ecs_service(ecs, ec2, deploymentConfiguration={"alarms": {
        "alarmNames": ["svc-deploy-target-5xx-rate"], "enable": True, "rollback": True}})
    return deployments(ecs)[0]["taskDefinition"]


def test_plain_moto_has_no_service_deployments(plain):
    ecs_service(plain("ecs"), plain("ec2"))
    with pytest.raises(NotImplementedError):
        plain("ecs").list_service_deployments(cluster="svc", service="svc")


def test_an_alarm_that_fires_during_a_rollout_rolls_it_back_and_is_named(patched):
    ecs, cloudwatch = patched("ecs"), patched("cloudwatch")
    first = alarmed_service(ecs, patched("ecr"), patched("ec2"), cloudwatch)
    push_image(patched("ecr"), "svc", "two")
    ecs.update_service(cluster="svc", service="svc", taskDefinition=register(ecs, "two"))
    cloudwatch.set_alarm_state(AlarmName="svc-deploy-target-5xx-rate", StateValue="ALARM", StateReason="test")
    (current,) = deployments(ecs)
    assert (current["taskDefinition"], current["rolloutState"]) == (first, "COMPLETED")
    # AWS documents no order; the emulator lists the oldest first.
    initial, latest = ecs.list_service_deployments(cluster="svc", service="svc")["serviceDeployments"]
    assert (latest["status"], initial["status"]) == ("ROLLBACK_SUCCESSFUL", "SUCCESSFUL")
    (described,) = ecs.describe_service_deployments(
        serviceDeploymentArns=[latest["serviceDeploymentArn"]])["serviceDeployments"]
    assert described["alarms"]["triggeredAlarmNames"] == ["svc-deploy-target-5xx-rate"]
    (rolled_back_to,) = ecs.describe_service_revisions(
        serviceRevisionArns=[described["rollback"]["serviceRevisionArn"]])["serviceRevisions"]
    assert rolled_back_to["taskDefinition"] == first


def test_an_alarm_already_firing_when_a_rollout_starts_is_ignored(patched):
    ecs, cloudwatch = patched("ecs"), patched("cloudwatch")
    alarmed_service(ecs, patched("ecr"), patched("ec2"), cloudwatch)
    cloudwatch.set_alarm_state(AlarmName="svc-deploy-target-5xx-rate", StateValue="ALARM", StateReason="test")
    push_image(patched("ecr"), "svc", "two")
    revision = register(ecs, "two")
    ecs.update_service(cluster="svc", service="svc", taskDefinition=revision)
    (current,) = deployments(ecs)
    assert (current["taskDefinition"], current["rolloutState"]) == (revision, "COMPLETED")


# --- security_group_rule_descriptions ----------------------------------------------------------------------

def referencing_rule(client) -> list[dict]:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    one, two = (ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
                for name in ("one", "two"))
    ec2.authorize_security_group_ingress(GroupId=one, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000,
        "UserIdGroupPairs": [{"GroupId": two, "Description": "from two"}]}])
    return [rule for rule in ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [one]}])[
        "SecurityGroupRules"] if not rule["IsEgress"]]


def test_plain_moto_drops_a_referencing_rules_description(plain):
    assert [rule.get("Description") for rule in referencing_rule(plain)] == [None]


def test_a_referencing_rule_keeps_its_description(patched):
    assert [rule.get("Description") for rule in referencing_rule(patched)] == ["from two"]


# --- s3_bucket_policy_conditions ---------------------------------------------------------------------------

def tls_only_bucket(client) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="svc-bucket")
    s3.put_bucket_policy(Bucket="svc-bucket", Policy=TLS_ONLY)
    s3.put_object(Bucket="svc-bucket", Key="state", Body=b"{}")


def test_plain_moto_applies_a_tls_only_policy_without_its_condition(plain):
    with pytest.raises(ClientError, match="403|AccessDenied|Forbidden"):
        tls_only_bucket(plain)
        plain("s3").get_object(Bucket="svc-bucket", Key="state")


def test_a_tls_only_bucket_serves_its_objects(patched):
    tls_only_bucket(patched)
    assert patched("s3").get_object(Bucket="svc-bucket", Key="state")["Body"].read() == b"{}"


# --- reaching the emulator ---------------------------------------------------------------------------------

def test_s3_control_calls_reach_the_emulator_through_its_proxy(emulator, patched):
    """The SDKs send S3 Control calls to <account id>.<endpoint host>; the proxy setting takes them there
    without resolving that name."""
    patched("s3").create_bucket(Bucket="svc-bucket")
    started = emulator.mark()
    control = boto3.client("s3control", endpoint_url=emulator.endpoint, region_name=REGION,
                           aws_access_key_id=ADMINISTRATOR.access_key,
                           aws_secret_access_key=ADMINISTRATOR.secret_key,
                           config=Config(proxies={"http": emulator.endpoint}))
    answer = control.list_tags_for_resource(AccountId="123456789012", ResourceArn="arn:aws:s3:::svc-bucket")
    assert answer["Tags"] == []
    (recorded,) = emulator.calls(since=started)  # the recorder reads the path out of the proxied URL
    assert (recorded.operation, recorded.params["ResourceArn"]) == ("ListTagsForResource", "arn:aws:s3:::svc-bucket")
    environment = emulator.env(ADMINISTRATOR, REGION)
    assert environment["HTTP_PROXY"] == emulator.endpoint and "127.0.0.1" in environment["NO_PROXY"]


def test_the_recorder_tells_callers_apart_and_parses_what_they_asked(emulator, patched):
    started = emulator.mark()
    patched("ec2").create_vpc(CidrBlock="10.7.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Project", "Value": "svc"}]}])
    token = web_identity_token({"sub": "repo:acme/svc:pull_request", "aud": "sts.amazonaws.com"})
    emulator.client("sts", ADMINISTRATOR, REGION).assume_role_with_web_identity(
        RoleArn=ROLE, RoleSessionName="job", WebIdentityToken=token)
    create_vpc, assume = emulator.calls(since=started)
    assert (create_vpc.access_key, create_vpc.service, create_vpc.operation) == (
        ADMINISTRATOR.access_key, "ec2", "CreateVpc")
    assert create_vpc.params["TagSpecifications"][0]["Tags"] == [{"Key": "Project", "Value": "svc"}]
    assert create_vpc.response["Vpc"]["VpcId"].startswith("vpc-")
    assert (assume.operation, assume.params["RoleArn"], assume.params["WebIdentityToken"]) == (
        "AssumeRoleWithWebIdentity", ROLE, token)


# --- the evaluator -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evaluate():
    reason = evaluator.unavailable_reason()
    if reason:
        missing("the IAM policy evaluator", reason)
    return evaluator.evaluate


def kms_request(statement: dict, context: dict, key_policy: dict | None) -> Request:
    return Request("arn:aws:sts::123456789012:assumed-role/svc-deploy/apply", "kms:TagResource",
                   "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9", "123456789012",
                   context, {"deploy": {"Version": "2012-10-17", "Statement": [statement]}}, key_policy)


KEY_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
                                                      "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
ANY_KEY = "arn:aws:kms:us-east-1:123456789012:key/*"
ON_RESOURCE_TAG = {"Effect": "Allow", "Action": "kms:TagResource", "Resource": ANY_KEY,
                   "Condition": {"StringEquals": {"aws:ResourceTag/Project": "svc"}}}
ON_REQUEST_TAG = {"Effect": "Allow", "Action": "kms:TagResource", "Resource": ANY_KEY,
                  "Condition": {"StringEquals": {"aws:RequestTag/Project": "svc"},
                                "StringEqualsIfExists": {"aws:ResourceTag/Project": "svc"}}}
AT_CREATION = {"aws:RequestTag/Project": "svc", "aws:TagKeys": ["Project"]}


def test_the_evaluator_decides_tagging_a_key_as_it_is_created(evaluate):
    allowed = [decision.allowed for decision in evaluate([
        kms_request(ON_RESOURCE_TAG, AT_CREATION, KEY_POLICY),
        kms_request(ON_REQUEST_TAG, AT_CREATION, KEY_POLICY),
        kms_request(ON_REQUEST_TAG, {**AT_CREATION, "aws:ResourceTag/Project": "other"}, KEY_POLICY),
        kms_request(ON_REQUEST_TAG, AT_CREATION, {"Version": "2012-10-17", "Statement": []}),
    ])]
    assert allowed == [False, True, False, False]


def test_the_evaluator_judges_web_identity_against_the_trust_policy(evaluate):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                       "token.actions.githubusercontent.com:sub": "repo:acme/svc:pull_request"}}}]}
    requests = [Request("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
                        "sts:AssumeRoleWithWebIdentity", ROLE, "123456789012",
                        {"token.actions.githubusercontent.com:sub": subject,
                         "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, {}, trust,
                        unvalidated_because="OIDC claims")
                for subject in ("repo:acme/svc:pull_request", "repo:acme@1/svc@2:pull_request")]
    assert [decision.allowed for decision in evaluate(requests)] == [True, False]


# --- certificates_from_another_account ---------------------------------------------------------------------

def https_listener(client) -> None:
    ec2, elbv2 = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.6.{n}.0/24", AvailabilityZone=f"us-east-1{zone}")[
        "Subnet"]["SubnetId"] for n, zone in ((1, "a"), (2, "b"))]
    balancer = elbv2.create_load_balancer(Name="svc", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.create_listener(LoadBalancerArn=balancer, Protocol="HTTPS", Port=443,
                          Certificates=[{"CertificateArn": CERTIFICATE.format(region=REGION)}],
                          DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}])


def test_plain_moto_refuses_a_certificate_of_another_account(plain):
    with pytest.raises(ClientError, match="CertificateNotFound"):
        https_listener(plain)


def test_a_listener_takes_the_certificate_arn_as_given(patched):
    https_listener(patched)


# --- s3_tags_on_create -------------------------------------------------------------------------------------

def tagged_bucket(client) -> dict:
    s3 = client("s3")
    s3.create_bucket(Bucket="svc-bucket", CreateBucketConfiguration={"Tags": [{"Key": "Project", "Value": "svc"}]})
    try:
        return {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket="svc-bucket")["TagSet"]}
    except ClientError:
        return {}


def test_plain_moto_drops_tags_sent_with_create_bucket(plain):
    assert tagged_bucket(plain) == {}


def test_tags_sent_with_create_bucket_are_kept(patched):
    assert tagged_bucket(patched) == {"Project": "svc"}


# --- logs_query_definitions --------------------------------------------------------------------------------

def saved_query(client) -> list[str]:
    logs = client("logs")
    logs.create_log_group(logGroupName="/ecs/svc")
    identifier = logs.put_query_definition(name="svc/errors", queryString="fields @message",
                                           logGroupNames=["/ecs/svc"])["queryDefinitionId"]
    names = [item["name"] for item in logs.describe_query_definitions(queryDefinitionNamePrefix="svc/")[
        "queryDefinitions"]]
    logs.delete_query_definition(queryDefinitionId=identifier)
    return names + [item["name"] for item in logs.describe_query_definitions()["queryDefinitions"]]


def test_plain_moto_has_no_saved_queries(plain):
    with pytest.raises((ClientError, NotImplementedError)):
        saved_query(plain)


def test_saved_queries_are_kept_found_and_deleted(patched):
    assert saved_query(patched) == ["svc/errors"]


# --- aws_managed_policies ----------------------------------------------------------------------------------

LOAD_BALANCING_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def attach_load_balancing_policy(client) -> list[str]:
    client.create_role(RoleName="svc-ecs-load-balancing", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ecs.amazonaws.com"}}]}))
    client.attach_role_policy(RoleName="svc-ecs-load-balancing", PolicyArn=LOAD_BALANCING_POLICY)
    return [item["PolicyArn"] for item in client.list_attached_role_policies(
        RoleName="svc-ecs-load-balancing")["AttachedPolicies"]]


def test_plain_moto_has_no_aws_managed_policies(plain):
    with pytest.raises(ClientError, match="NoSuchEntity"):
        attach_load_balancing_policy(plain("iam"))


def test_the_managed_policies_the_stacks_attach_exist(patched):
    assert attach_load_balancing_policy(patched("iam")) == [LOAD_BALANCING_POLICY]
    document = patched("iam").get_policy_version(PolicyArn=LOAD_BALANCING_POLICY, VersionId="v6")
    assert "elasticloadbalancing:ModifyRule" in json.dumps(document["PolicyVersion"]["Document"])


# --- CloudWatch in Smithy RPC v2 CBOR ----------------------------------------------------------------------

SIGNED_FOR_CLOUDWATCH = ("AWS4-HMAC-SHA256 Credential=AKIAEMULATEDACCOUNT0/20260101/us-east-1/monitoring/aws4_request, "
                         "SignedHeaders=host, Signature=0")  # moto reads the scope, never the signature


def cbor_request(operation: str, params: dict) -> dict:
    """A CloudWatch call as the AWS SDK for Go v2 makes it: Smithy RPC v2 CBOR."""
    from botocore.serialize import RpcV2CBORSerializer

    model = rendered_emulator().cloudwatch_model().operation_model(operation)
    request = RpcV2CBORSerializer().serialize_to_request(params, model)
    request["headers"]["Authorization"] = SIGNED_FOR_CLOUDWATCH
    return request


def cbor_call(emulator, operation: str, params: dict) -> tuple[int, dict, bytes]:
    request = cbor_request(operation, params)
    sent = urllib.request.Request(emulator.endpoint + request["url_path"], data=request["body"],
                                  headers=request["headers"], method="POST")
    try:
        with urllib.request.urlopen(sent, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


RATE_ALARM = {"AlarmName": "svc-deploy-target-5xx-rate", "EvaluationPeriods": 3, "Threshold": 5.0,
              "ComparisonOperator": "GreaterThanThreshold", "Metrics": [
                  {"Id": "rate", "Expression": "100 * FILL(errors, 0) / requests", "ReturnData": True},
                  {"Id": "errors", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
                      "Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count",
                      "Dimensions": [{"Name": "LoadBalancer", "Value": "app/svc/0123456789abcdef"}]}}},
                  {"Id": "requests", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
                      "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
                      "Dimensions": [{"Name": "LoadBalancer", "Value": "app/svc/0123456789abcdef"}]}}}]}


def test_plain_moto_does_not_answer_cloudwatch_in_cbor():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    request = cbor_request("PutMetricAlarm", RATE_ALARM)
    answer = Client(DomainDispatcherApplication(create_backend_app)).post(
        request["url_path"], data=request["body"], headers=request["headers"])
    assert answer.status_code == 404


def test_cloudwatch_answers_cbor_as_aws_does(emulator, patched):
    status, headers, _ = cbor_call(emulator, "PutMetricAlarm", RATE_ALARM)
    assert status == 200 and headers["smithy-protocol"] == "rpc-v2-cbor"
    status, _, body = cbor_call(emulator, "DescribeAlarms", {"AlarmNames": ["svc-deploy-target-5xx-rate"]})
    output = rendered_emulator().cloudwatch_model().operation_model("DescribeAlarms").output_shape
    (alarm,) = decode_cbor(body, output)["MetricAlarms"]
    assert alarm["Metrics"] == RATE_ALARM["Metrics"]
    status, headers, body = cbor_call(emulator, "DeleteDashboards", {"DashboardNames": ["none"]})
    assert status == 404 and headers["x-amzn-query-error"].startswith("ResourceNotFound;")


def test_an_images_digest_is_its_manifests_as_ecr_computes_it(patched):
    ecr = patched("ecr")
    ecr.create_repository(repositoryName="svc")
    digests = {tag: push_image(ecr, "svc", tag) for tag in ("one", "two")}
    assert digests == {tag: "sha256:" + hashlib.sha256(image_manifest(tag).encode()).hexdigest() for tag in digests}
    assert len(set(digests.values())) == 2


# --- ecs_one_off_tasks -------------------------------------------------------------------------------------

def one_off_task(client_for, image: str) -> str:
    """A Fargate task definition as the migration task is defined (no container memory), run once."""
    ec2, ecs = client_for("ec2"), client_for("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName="svc")
    definition = ecs.register_task_definition(
        family="svc-migrate", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "migrate", "image": image, "command": ["python", "-m", "app.migrate"]}])
    return ecs.run_task(cluster="svc", taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
                        launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                            "subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}})["tasks"][0][
        "taskArn"]


def test_plain_moto_cannot_start_a_fargate_task_without_container_memory(plain):
    """It adds up container memory (None) and then names an attribute its network interfaces lack."""
    with pytest.raises((TypeError, AttributeError)):
        one_off_task(plain, "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc@sha256:00")


@pytest.mark.parametrize(("image", "exit_code"), [
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/svc@sha256:00", 0),
    (f"123456789012.dkr.ecr.us-east-1.amazonaws.com/svc@{pushed_digest(FAILING_MIGRATION_TAG)}", 1),
])
def test_a_one_off_task_runs_stops_and_reports_its_exit_code(patched, image, exit_code):
    """It stops after a few polls, as a short task does; the image the suite's emulator is told fails exits 1."""
    task = one_off_task(patched, image)
    for _ in range(10):
        (described,) = patched("ecs").describe_tasks(cluster="svc", tasks=[task])["tasks"]
        if described["lastStatus"] == "STOPPED":
            break
    assert described["lastStatus"] == "STOPPED" and described["stopCode"] == "EssentialContainerExited"
    (container,) = described["containers"]
    assert (container["name"], container["lastStatus"], container["exitCode"]) == ("migrate", "STOPPED", exit_code)


# --- rds_instance_resource_ids -----------------------------------------------------------------------------

def two_instances(client) -> list[str]:
    for name in ("svc-staging", "svc"):
        client.create_db_instance(DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t4g.micro",
                                  AllocatedStorage=20, MasterUsername="admin_user", ManageMasterUserPassword=True)
    return [item["DbiResourceId"] for item in client.describe_db_instances()["DBInstances"]]


def test_plain_moto_gives_every_instance_one_resource_id(plain):
    first, second = two_instances(plain("rds"))
    assert first == second


def test_each_instance_has_a_resource_id_of_its_own_and_is_found_by_it(patched):
    ids = two_instances(patched("rds"))
    assert len(set(ids)) == 2 and all(item.startswith("db-") and len(item) == 29 for item in ids)
    found = patched("rds").describe_db_instances(Filters=[{"Name": "dbi-resource-id", "Values": [ids[1]]}])
    assert [item["DBInstanceIdentifier"] for item in found["DBInstances"]] == ["svc"]


# --- rds_user_parameters -----------------------------------------------------------------------------------

def modified_parameters(client) -> list[dict]:
    client.create_db_parameter_group(DBParameterGroupName="svc-postgres17", DBParameterGroupFamily="postgres17",
                                     Description="svc")
    client.modify_db_parameter_group(DBParameterGroupName="svc-postgres17", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    return client.describe_db_parameters(DBParameterGroupName="svc-postgres17")["Parameters"]


def test_plain_moto_gives_a_modified_parameter_no_source(plain):
    (parameter,) = modified_parameters(plain("rds"))
    assert "Source" not in parameter


def test_a_modified_parameter_reads_back_as_the_users(patched):
    (parameter,) = modified_parameters(patched("rds"))
    assert (parameter["ParameterName"], parameter["ParameterValue"], parameter["Source"]) == (
        "rds.force_ssl", "1", "user")
