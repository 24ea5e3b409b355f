"""The emulated account refuses what AWS refuses before it acts (the rendered scripts/aws_strict): each
validator refuses known-bad inputs, taken from the services' documentation and from what users of the
providers met in their issue trackers, and accepts a known-good one; in the running emulator a refusal
reaches the SDK as the error class AWS returns, and what was checked is counted."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.emulator.account import ADMINISTRATOR, EmulatedAccount
from aws_strict import (dashboards, documents, ecr_lifecycle, errors, key_use, logs_insights, metric_math, policies,
                        rds_instances, shapes, task_definitions)
from aws_strict.requests import Request

REGION = "us-east-1"
ACCOUNT = "123456789012"
ELB = ["LoadBalancer", "app/svc/0123456789abcdef"]
METRICS_MESSAGE = 'Field \\"metrics\\" has to be an array of array of strings'


def refusals(found: list[str]) -> list[str]:
    return [problem for problem in found if not problem.startswith(errors.ADVICE)]


def advice(found: list[str]) -> list[str]:
    return [problem for problem in found if problem.startswith(errors.ADVICE)]


def metric_widget(**properties) -> dict:
    return {"type": "metric", "width": 12, "height": 6,
            "properties": {"region": REGION, "title": "t", "period": 60, **properties}}


def body(*widgets) -> str:
    return json.dumps({"widgets": list(widgets)})


GOOD_DASHBOARD = body(
    metric_widget(stat="Sum", view="timeSeries", metrics=[
        ["AWS/ApplicationELB", "RequestCount", *ELB, {"label": "Requests"}],
        [".", "HTTPCode_Target_5XX_Count", ".", ".", {"label": "5xx", "color": "#d62728"}]]),
    metric_widget(metrics=[
        [{"expression": "SUM([FILL(healthy0, 0), FILL(healthy1, 0)])", "label": "Healthy tasks", "id": "tasks"}],
        ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "targetgroup/a/1", *ELB,
         {"id": "healthy0", "stat": "Minimum", "visible": False}],
        ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "targetgroup/b/2", *ELB,
         {"id": "healthy1", "stat": "Minimum", "visible": False}]],
        annotations={"horizontal": [{"label": "min", "value": 2}]}),
    {"type": "alarm", "width": 24, "height": 4, "properties": {
        "title": "Alarms", "alarms": [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:svc-5xx"]}},
    {"type": "text", "width": 6, "height": 2, "properties": {"markdown": "# Service"}},
)

# The widget this template once rendered: Terraform's flatten() is recursive, so the metric arrays of every
# target group became one flat list of strings and objects.
FLATTENED = metric_widget(metrics=[
    "AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "targetgroup/a/1", *ELB, {"stat": "Minimum"},
    "AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", "targetgroup/a/1", *ELB, {"stat": "Maximum"}])

BAD_DASHBOARDS = {
    "flattened metric arrays (this template's own defect)": body(FLATTENED),
    "an expression object not wrapped in an array (pulumi/pulumi#13059)": body(metric_widget(metrics=[
        {"expression": "m1 * 2", "id": "e1"}])),
    "a metric widget without a region (aws-samples/aws-eda-slurm-cluster#116)": json.dumps({"widgets": [{
        "type": "metric", "properties": {"metrics": [["AWS/EC2", "CPUUtilization"]]}}]}),
    "an alarm widget without alarms (aws-solutions-library-samples ...-network-monitoring#7)": body(
        {"type": "alarm", "properties": {"alarms": []}}),
    "a colour name instead of a hex code (aws/aws-cdk#5025)": body(metric_widget(metrics=[
        ["AWS/EC2", "CPUUtilization", {"color": "red"}]])),
    "an id that starts with a capital (Dashboard Body Structure: ids start lowercase)": body(metric_widget(metrics=[
        ["AWS/EC2", "CPUUtilization", {"id": "Cpu"}]])),
    "an expression over an id the widget does not define": body(metric_widget(metrics=[
        [{"expression": "SUM([m1, m2])", "id": "e1"}], ["AWS/EC2", "CPUUtilization", {"id": "m1"}]])),
    "a widget wider than the grid": body({**metric_widget(metrics=[["AWS/EC2", "CPUUtilization"]]), "width": 25}),
    "an unknown widget type": body({"type": "graph", "properties": {}}),
    "a period that is neither high-resolution nor whole minutes": body(metric_widget(
        metrics=[["AWS/EC2", "CPUUtilization"]], period=45)),
}


def test_dashboard_validator_accepts_a_documented_body():
    assert dashboards.problems(GOOD_DASHBOARD) == []


@pytest.mark.parametrize("bad", BAD_DASHBOARDS.values(), ids=BAD_DASHBOARDS.keys())
def test_dashboard_validator_refuses_what_cloudwatch_refuses(bad):
    found = refusals(dashboards.problems(bad))
    assert found
    assert dashboards.refusal(found).message.startswith("The dashboard body is invalid, there are ")


def test_what_the_reference_describes_but_cloudwatch_may_store_is_advice():
    odd = body(metric_widget(metrics=[["AWS/EC2", "CPUUtilization", "InstanceId", {"unknownKey": 1}]]))
    found = dashboards.problems(odd)
    assert refusals(found) == [] and len(advice(found)) == 2, found


def test_a_flattened_metrics_list_is_refused_with_cloudwatchs_words():
    message = dashboards.refusal(dashboards.problems(body(FLATTENED))).message
    assert METRICS_MESSAGE in message and '"dataPath": "/widgets/0/properties/metrics/0"' in message


IDENTITY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ecs:UpdateService"],
                                                    "Resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/svc/svc"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                   "token.actions.githubusercontent.com:sub": "repo:acme/svc:ref:refs/heads/main"}}}]}
KEY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
     "Resource": "*"},
    {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
     "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"], "Resource": "*",
     "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"}}}]}
BUCKET = {"Version": "2012-10-17", "Statement": [{
    "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": ["arn:aws:s3:::svc-state", "arn:aws:s3:::svc-state/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
TOPIC = {"Version": "2012-10-17", "Statement": [{
    "Sid": "TheseAlarmsPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": "sns:Publish", "Resource": f"arn:aws:sns:{REGION}:{ACCOUNT}:svc-alarms",
    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:svc-*"},
                  "StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}
REPOSITORY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AccountPulls", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}
CONTEXT = policies.Context(ACCOUNT, bucket="svc-state", topic="svc-alarms")


def changed(document: dict, **statement) -> str:
    return json.dumps({**document, "Statement": [{**document["Statement"][0], **statement},
                                                 *document["Statement"][1:]]})


GOOD_POLICIES = {
    "identity": (json.dumps(IDENTITY), policies.IDENTITY_MANAGED),
    "trust": (json.dumps(TRUST), policies.TRUST),
    "key": (json.dumps(KEY), policies.KMS_KEY),
    "bucket": (json.dumps(BUCKET), policies.S3_BUCKET),
    "topic": (json.dumps(TOPIC), policies.SNS_TOPIC),
    "repository": (json.dumps(REPOSITORY), policies.ECR_REPOSITORY),
}
# What the services store but does not do what it says: reported as advice, never refused.
ADVISED_POLICIES = {
    "an action that does not exist (a typo)": changed(IDENTITY, Action="ecs:UpdateServices"),
    "a resource no listed action applies to": changed(IDENTITY, Resource="arn:aws:s3:::b/*"),
    "no Version (IAM: it defaults to 2008-10-17, where variables do not work)": json.dumps(
        {"Statement": IDENTITY["Statement"]}),
    "a condition key the action does not support": changed(IDENTITY, Condition={"StringEquals": {
        "s3:prefix": "logs/"}}),
}
BAD_POLICIES = {
    "an unknown condition operator (IAM: Invalid Condition type)": (changed(IDENTITY, Condition={
        "StringEqualz": {"aws:SourceAccount": ACCOUNT}}), policies.IDENTITY_MANAGED),
    "a Sid that is not alphanumeric (IAM)": (changed(IDENTITY, Sid="update the service"), policies.IDENTITY_MANAGED),
    "a principal in an identity policy (IAM: should not specify a principal)": (
        changed(IDENTITY, Principal={"AWS": ACCOUNT}), policies.IDENTITY_MANAGED),
    "a trust policy with a Resource (IAM: prohibited field)": (changed(TRUST, Resource="*"), policies.TRUST),
    "a trust policy granting something else than sts": (changed(TRUST, Action="iam:PassRole"), policies.TRUST),
    "a bucket policy about another bucket (S3: Policy has invalid resource)": (
        changed(BUCKET, Resource="arn:aws:s3:::someone-else/*"), policies.S3_BUCKET),
    "a bucket policy with a KMS action (S3: Policy has invalid action)": (
        changed(BUCKET, Action="kms:Decrypt"), policies.S3_BUCKET),
    "a topic policy about another topic (SNS: Invalid parameter: Policy Error)": (
        changed(TOPIC, Resource=f"arn:aws:sns:{REGION}:{ACCOUNT}:someone-elses"), policies.SNS_TOPIC),
    "a topic policy without a principal (SNS: Policy Error)": (
        json.dumps({**TOPIC, "Statement": [{key: value for key, value in TOPIC["Statement"][0].items()
                                            if key != "Principal"}]}), policies.SNS_TOPIC),
    "a repository policy with an S3 action (ECR: Invalid repository policy provided)": (
        changed(REPOSITORY, Action="s3:GetObject"), policies.ECR_REPOSITORY),
    "a policy over the managed-policy size": (changed(IDENTITY, Sid="x" * 7000), policies.IDENTITY_MANAGED),
    "not JSON": ("{'Version': '2012-10-17'}", policies.IDENTITY_MANAGED),
}


@pytest.mark.parametrize("text, kind", GOOD_POLICIES.values(), ids=GOOD_POLICIES.keys())
def test_policy_validator_accepts_well_formed_policies(text, kind):
    assert refusals(policies.problems(text, kind, CONTEXT)) == []


@pytest.mark.parametrize("text, kind", BAD_POLICIES.values(), ids=BAD_POLICIES.keys())
def test_policy_validator_refuses_what_the_services_refuse(text, kind):
    assert refusals(policies.problems(text, kind, CONTEXT))


@pytest.mark.parametrize("text", ADVISED_POLICIES.values(), ids=ADVISED_POLICIES.keys())
def test_policy_validator_advises_on_what_the_services_store_but_ignore(text):
    found = policies.problems(text, policies.IDENTITY_MANAGED, CONTEXT)
    assert refusals(found) == [] and advice(found), found


def test_kms_s3_and_sns_take_sids_with_spaces_and_the_old_version():
    default_key_policy = changed(KEY, Sid="Enable IAM User Permissions")
    assert refusals(policies.problems(default_key_policy, policies.KMS_KEY, CONTEXT)) == []
    old_topic_policy = json.dumps({"Version": "2008-10-17", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish",
        "Resource": f"arn:aws:sns:{REGION}:{ACCOUNT}:svc-alarms",
        "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}}]})
    assert refusals(policies.problems(old_topic_policy, policies.SNS_TOPIC, CONTEXT)) == []


def test_iam_answers_a_policy_over_its_quota_with_limit_exceeded():
    found = policies.problems(changed(IDENTITY, Sid="x" * 7000), policies.IDENTITY_MANAGED, CONTEXT)
    refusal = documents.IAM_MALFORMED(refusals(found))
    assert (refusal.code, refusal.status) == ("LimitExceeded", 409)
    assert "Cannot exceed quota for PolicySize: 6144" in refusal.message


def test_a_key_policy_that_locks_the_account_out_is_refused_unless_the_check_is_bypassed():
    locked = changed(KEY, Action=["kms:Describe*", "kms:Get*"])
    refused = documents.key_policy(locked, Request("kms", "json", "CreateKey", {"Policy": locked}), CONTEXT)
    assert "will not allow you to update the key policy in the future" in " ".join(refusals(refused))
    bypassed = Request("kms", "json", "CreateKey", {"Policy": locked, "BypassPolicyLockoutSafetyCheck": True})
    assert refusals(documents.key_policy(locked, bypassed, CONTEXT)) == []


def lifecycle_rule(priority: int = 1, **selection) -> dict:
    return {"rulePriority": priority, "description": "d", "action": {"type": "expire"},
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                          "countNumber": 14, **selection}}


def rules(*items) -> str:
    return json.dumps({"rules": list(items)})


KEEP_FIFTY = lifecycle_rule(2, tagStatus="any", countType="imageCountMoreThan", countNumber=50)
del KEEP_FIFTY["selection"]["countUnit"]
GOOD_LIFECYCLE = rules(lifecycle_rule(1), KEEP_FIFTY)
BAD_LIFECYCLES = {
    "a null countUnit (cloudposse/terraform-aws-ecr#132)": rules(lifecycle_rule(countUnit=None)),
    "tagged without a tag list (ECR guide: tagPrefixList or tagPatternList required)": rules(
        lifecycle_rule(tagStatus="tagged")),
    "an any rule before another (ECR guide: any must be evaluated last)": rules(
        lifecycle_rule(1, tagStatus="any"), lifecycle_rule(2)),
    "two rules with one priority": rules(lifecycle_rule(1), lifecycle_rule(1, tagStatus="tagged",
                                                                           tagPrefixList=["v"])),
    "countNumber 0 (ECR guide: positive integers)": rules(lifecycle_rule(countNumber=0)),
    "a count unit on an image count": rules(lifecycle_rule(countType="imageCountMoreThan")),
    "five wildcards in a pattern (ECR guide: at most four)": rules(lifecycle_rule(
        tagStatus="tagged", tagPatternList=["a*b*c*d*e*f"])),
    "an unknown field": rules(lifecycle_rule() | {"priority": 3}),
}


def test_lifecycle_policy_validator_accepts_a_documented_policy():
    assert ecr_lifecycle.problems(GOOD_LIFECYCLE) == []


@pytest.mark.parametrize("bad", BAD_LIFECYCLES.values(), ids=BAD_LIFECYCLES.keys())
def test_lifecycle_policy_validator_refuses_what_ecr_refuses(bad):
    found = ecr_lifecycle.problems(bad)
    assert found
    assert ecr_lifecycle.refusal(found).message.startswith(
        "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure")


CONTAINER = {"name": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc:3f2c9e1", "essential": True,
             "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
             "healthCheck": {"command": ["CMD", "python", "-m", "app.healthcheck"], "interval": 30, "timeout": 5,
                             "retries": 3, "startPeriod": 10},
             "stopTimeout": 30, "readonlyRootFilesystem": True,
             "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
             "secrets": [{"name": "APP_API_KEY", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/svc/api-key"}],
             "logConfiguration": {"logDriver": "awslogs", "options": {
                 "awslogs-group": "/ecs/svc", "awslogs-region": REGION, "awslogs-stream-prefix": "app"}}}


def task(*containers, cpu="256", memory="512") -> dict:
    return {"family": "svc", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": cpu,
            "memory": memory, "containerDefinitions": list(containers)}


BAD_TASKS = {
    "a host port that is not the container port in awsvpc mode (pulumi/pulumi-awsx#935)": task(
        CONTAINER | {"portMappings": [{"containerPort": 8000, "hostPort": 80}]}),
    "no image (aws-actions/amazon-ecs-render-task-definition#87)": task(CONTAINER | {"image": ""}),
    "a size Fargate does not have (ECS guide: task CPU and memory)": task(CONTAINER, cpu="256", memory="4096"),
    "a stop timeout over Fargate's 120 seconds": task(CONTAINER | {"stopTimeout": 200}),
    "a capability Fargate cannot add": task(CONTAINER | {"linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}}}),
    "awslogs without the stream prefix Fargate requires": task(CONTAINER | {"logConfiguration": {
        "logDriver": "awslogs", "options": {"awslogs-group": "/ecs/svc", "awslogs-region": REGION}}}),
    "a health check timeout over 60 seconds": task(CONTAINER | {"healthCheck": CONTAINER["healthCheck"] | {
        "timeout": 90}}),
    "no essential container": task(CONTAINER | {"essential": False}),
    "eleven containers": task(*[CONTAINER | {"name": f"c{index}"} for index in range(11)]),
}


def test_task_definition_validator_accepts_the_services_kind_of_task():
    assert task_definitions.problems(task(CONTAINER)) == []


@pytest.mark.parametrize("bad", BAD_TASKS.values(), ids=BAD_TASKS.keys())
def test_task_definition_validator_refuses_what_ecs_refuses(bad):
    assert task_definitions.problems(bad)


def query(identifier: str, **fields) -> dict:
    return {"Id": identifier, "ReturnData": False, **fields}


def metric(identifier: str, name: str = "HTTPCode_Target_5XX_Count") -> dict:
    return query(identifier, MetricStat={"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": name,
                                                    "Dimensions": [{"Name": "LoadBalancer", "Value": ELB[1]}]},
                                         "Period": 60, "Stat": "Sum"})


RATE = [metric("errors"), metric("requests", "RequestCount"),
        query("rate", Expression="IF(errors >= 2, 100 * errors / MAX([requests, errors]), 0)", ReturnData=True)]
BAD_ALARMS = {
    "two queries returning data (hashicorp/terraform-provider-aws#29894)": {"Metrics": [
        {**item, "ReturnData": True} for item in RATE]},
    "Statistic beside Metrics (cloudtools/troposphere#1276)": {"Metrics": RATE, "Statistic": "Sum"},
    "SEARCH in an alarm (CloudWatch guide: alarms cannot use SEARCH)": {"Metrics": [query(
        "e1", Expression="SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Average')", ReturnData=True)]},
    "eleven metrics (CloudWatch quotas: at most 10)": {"Metrics": [metric(f"m{index}") for index in range(11)] + [
        query("total", Expression="SUM(METRICS())", ReturnData=True)]},
    "a function that does not exist": {"Metrics": [*RATE[:2], query("rate", Expression="PERCENT(errors, requests)",
                                                                    ReturnData=True)]},
    "an expression over an undefined id": {"Metrics": [*RATE[:2], query("rate", Expression="errors / total",
                                                                        ReturnData=True)]},
    "an id with a capital first letter": {"Metrics": [
        metric("Errors"), query("rate", Expression="Errors * 2", ReturnData=True)]},
    "a period of 45 seconds": {"Metrics": [
        metric("errors") | {"MetricStat": {**metric("errors")["MetricStat"], "Period": 45}},
        query("rate", Expression="errors * 2", ReturnData=True)]},
}


def test_metric_math_validator_accepts_a_rate_alarm():
    assert metric_math.alarm_problems({"Metrics": RATE}) == []


@pytest.mark.parametrize("expression", ["SORT(METRICS(), AVG, DESC, 10)", "m1 * .5 + m1 * 1e3", "LAMBDA('fn', m1)",
                                        "IF(m1 >= 2 OR (m1 >= 1 AND m1 >= m1), 100, 0)",
                                        "SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId)"])
def test_metric_math_validator_accepts_documented_expressions(expression):
    assert metric_math.expression_problems(expression, {"m1"}) == []


@pytest.mark.parametrize("bad", BAD_ALARMS.values(), ids=BAD_ALARMS.keys())
def test_metric_math_validator_refuses_what_cloudwatch_refuses(bad):
    assert metric_math.alarm_problems(bad)


GOOD_QUERY = """fields @timestamp, method, path, status
| filter logger = "app.access" and status >= 500  # only errors
| stats count(*) as errors by method, path, status
| sort errors desc
| limit 50"""
# Logs Insights stores any query (PutQueryDefinition checks no syntax); these fail when someone runs them.
BAD_QUERIES = {
    "an unknown command": "fields @timestamp | where status >= 500",
    "an unterminated string": 'fields @timestamp | filter request_id = "abc',
    "an unclosed bracket": "stats count(* by path",
    "an empty command between pipes": "fields @timestamp | | sort @timestamp",
    "a command without arguments": "fields @timestamp | sort",
}
GOOD_QUERIES = {
    "the errors-by-path query": GOOD_QUERY,
    "a regular expression with a pipe, a quote and a bracket": "filter @message like /a|b|don't|\\[/ | limit 5",
    "bins and arithmetic": "fields duration_ms / 1000 as seconds | stats avg(seconds) by bin(5m)",
}


@pytest.mark.parametrize("query", GOOD_QUERIES.values(), ids=GOOD_QUERIES.keys())
def test_logs_insights_validator_accepts_documented_queries(query):
    assert logs_insights.problems(query) == []


@pytest.mark.parametrize("bad", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_logs_insights_validator_refuses_queries_that_cannot_run(bad):
    assert logs_insights.problems(bad)


def shape_of(model: str, operation: str):
    from moto.core.utils import get_service_model
    return get_service_model(model).operation_model(operation).input_shape


SHAPE_CASES = {
    "a role name over 64 characters": ("iam", "CreateRole", {"RoleName": "r" * 65, "AssumeRolePolicyDocument": "{}"},
                                       "Member must have length less than or equal to 64"),
    "a role name with a space": ("iam", "CreateRole", {"RoleName": "my role", "AssumeRolePolicyDocument": "{}"},
                                 "Member must satisfy regular expression pattern"),
    "a launch type that does not exist": ("ecs", "CreateService", {"serviceName": "s", "launchType": "FARGATES"},
                                          "Member must satisfy enum value set"),
    "a session under 15 minutes": ("sts", "AssumeRole", {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r" + "x" * 10,
                                                         "RoleSessionName": "s", "DurationSeconds": 60},
                                   "Member must have value greater than or equal to 900"),
    "a missing required member": ("logs", "CreateLogGroup", {}, "Member must not be null"),
    "more alarm actions than allowed": ("cloudwatch", "PutMetricAlarm", {
        "AlarmName": "a", "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [f"arn:aws:sns:{REGION}:{ACCOUNT}:t{index}" for index in range(6)]},
        "Member must have length less than or equal to 5"),
}


@pytest.mark.parametrize("model, operation, params, expected", SHAPE_CASES.values(), ids=SHAPE_CASES.keys())
def test_shape_validator_refuses_what_the_service_model_forbids(model, operation, params, expected):
    found = shapes.violations(shape_of(model, operation), params)
    assert any(expected in problem for problem in found), found


def test_shape_validator_accepts_a_valid_request():
    assert shapes.violations(shape_of("iam", "CreateRole"), {
        "RoleName": "svc-deploy", "AssumeRolePolicyDocument": json.dumps(TRUST), "MaxSessionDuration": 3600}) == []


def test_a_document_without_a_validator_is_reported():
    endpoint_policy = json.dumps(IDENTITY)
    request = Request("ec2", "ec2", "CreateVpcEndpoint", {"VpcId": "vpc-1", "PolicyDocument": endpoint_policy})
    assert documents.documents_of(request) == []
    assert documents.unvalidated(request, []) == ["PolicyDocument"]
    delivery = Request("sns", "query", "SetTopicAttributes", {"AttributeName": "DeliveryPolicy",
                                                              "AttributeValue": '{"http": {}}'})
    assert documents.unvalidated(delivery, documents.sns_attribute("Policy")(delivery.params)) == ["AttributeValue"]


# A PostgreSQL instance as the stack creates it; each bad case changes one setting as RDS would refuse it.
DATABASE = {"DBInstanceIdentifier": "svc", "Engine": "postgres", "EngineVersion": "17", "DBName": "svc",
            "MasterUsername": "service_admin", "ManageMasterUserPassword": True, "MasterUserSecretKmsKeyId": "key",
            "AllocatedStorage": 20, "MaxAllocatedStorage": 200, "BackupRetentionPeriod": 14,
            "DBParameterGroupName": "svc-postgres17", "FinalDBSnapshotIdentifier": "svc-final"}
FAMILIES = {"svc-postgres17": "postgres17", "svc-postgres16": "postgres16"}.get
BAD_DATABASES = {
    "a password with a managed one": {"MasterUserPassword": "hunter2hunter2"},
    "a secret key without a managed password": {"ManageMasterUserPassword": False},
    "a parameter group of another major": {"DBParameterGroupName": "svc-postgres16"},
    "a parameter group that does not exist": {"DBParameterGroupName": "svc-postgres"},
    "a storage ceiling less than a tenth above": {"MaxAllocatedStorage": 21},
    "a storage ceiling above gp3's": {"AllocatedStorage": 10000, "MaxAllocatedStorage": 100000},
    "a hyphen in the database's name": {"DBName": "orders-api"},
    "a login name starting with a digit": {"MasterUsername": "1admin"},
    "a snapshot name with two hyphens": {"FinalDBSnapshotIdentifier": "svc--final"},
    "a snapshot name ending with a hyphen": {"FinalDBSnapshotIdentifier": "svc-"},
    "backups kept longer than RDS keeps them": {"BackupRetentionPeriod": 36},
}


def test_rds_instance_validator_accepts_the_stacks_kind_of_instance():
    assert rds_instances.problems(DATABASE, FAMILIES) == []


@pytest.mark.parametrize("change", BAD_DATABASES.values(), ids=BAD_DATABASES.keys())
def test_rds_instance_validator_refuses_what_rds_refuses(change):
    assert len(rds_instances.problems({**DATABASE, **change}, FAMILIES)) == 1


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    account = EmulatedAccount(tmp_path_factory.mktemp("strict")).start()
    yield account
    account.stop()


def test_the_emulator_refuses_a_flattened_dashboard_as_cloudwatch_does(emulator):
    cloudwatch = emulator.client("cloudwatch", ADMINISTRATOR, REGION)
    with pytest.raises(ClientError) as refused:
        cloudwatch.put_dashboard(DashboardName="svc", DashboardBody=body(FLATTENED))
    assert refused.value.response["Error"]["Code"] == "InvalidParameterInput"
    assert METRICS_MESSAGE in str(refused.value)
    cloudwatch.put_dashboard(DashboardName="svc", DashboardBody=GOOD_DASHBOARD)
    assert [entry["DashboardName"] for entry in cloudwatch.list_dashboards()["DashboardEntries"]] == ["svc"]


def test_the_emulator_refuses_requests_that_break_the_service_model(emulator):
    iam = emulator.client("iam", ADMINISTRATOR, REGION)
    with pytest.raises(ClientError) as refused:
        iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument=json.dumps(TRUST))
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64" in str(
        refused.value)
    logs = emulator.client("logs", ADMINISTRATOR, REGION)
    with pytest.raises(ClientError) as refused:
        logs.create_log_group(logGroupName="ecs svc")
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_the_emulator_refuses_a_trust_policy_naming_a_role_that_does_not_exist(emulator):
    iam = emulator.client("iam", ADMINISTRATOR, REGION)
    trust = changed(TRUST, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/nobody"}, Action="sts:AssumeRole",
                    Condition={})
    with pytest.raises(ClientError) as refused:
        iam.create_role(RoleName="svc-trusting", AssumeRolePolicyDocument=trust)
    assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert "Invalid principal in policy" in str(refused.value)


def test_the_emulator_counts_what_it_validated(emulator):
    before = emulator.validation()["counts"]
    emulator.client("sts", ADMINISTRATOR, REGION).get_caller_identity()
    emulator.client("iam", ADMINISTRATOR, REGION).create_policy(PolicyName="svc-read", PolicyDocument=json.dumps(
        IDENTITY))
    after = emulator.validation()["counts"]
    assert after["requests"] - before.get("requests", 0) == 2
    assert after["requests validated against the service model"] - before.get(
        "requests validated against the service model", 0) == 2
    assert after["documents: IAM policy"] - before.get("documents: IAM policy", 0) == 1


LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/svc"


@pytest.mark.parametrize("name, allowed", [("/ecs/svc", True), ("/ecs/other", False)])
def test_a_log_groups_key_must_let_cloudwatch_logs_encrypt_for_that_group(name, allowed):
    key = json.loads(json.dumps(KEY))
    key["Statement"][1]["Condition"] = {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [LOG_GROUP]}}
    found = key_use.log_group_problems(json.dumps(key), f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}", REGION)
    assert (found == []) is allowed, found


def test_a_key_without_the_logs_service_cannot_encrypt_a_log_group():
    account_only = json.dumps({**KEY, "Statement": KEY["Statement"][:1]})
    assert "is not allowed to be used with Arn" in " ".join(key_use.log_group_problems(account_only, LOG_GROUP, REGION))


def test_the_emulator_refuses_a_log_group_whose_key_does_not_let_logs_in(emulator):
    kms = emulator.client("kms", ADMINISTRATOR, REGION)
    account_only = json.dumps({**KEY, "Statement": KEY["Statement"][:1]})
    key = kms.create_key(Policy=account_only)["KeyMetadata"]["Arn"]
    logs = emulator.client("logs", ADMINISTRATOR, REGION)
    with pytest.raises(ClientError) as refused:
        logs.create_log_group(logGroupName="/ecs/svc", kmsKeyId=key)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "is not allowed to be used with Arn 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/svc'" in str(
        refused.value)
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(KEY))
    logs.create_log_group(logGroupName="/ecs/svc", kmsKeyId=key)


def test_a_repository_policy_may_name_another_accounts_role_only_once_it_exists(emulator):
    """ECR refuses a repository policy naming a role that does not exist (so production's bootstrap, which
    creates the roles staging's repository lets in, runs first); the emulator holds every account it serves."""
    other = "210987654321"
    ecr = emulator.client("ecr", ADMINISTRATOR, REGION)
    ecr.create_repository(repositoryName="svc-shared")
    reader = f"arn:aws:iam::{other}:role/svc-reader"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Read", "Effect": "Allow", "Principal": {"AWS": reader}, "Action": ["ecr:BatchGetImage"]}]})
    with pytest.raises(ClientError) as refused:
        ecr.set_repository_policy(repositoryName="svc-shared", policyText=policy)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert f"{reader} does not exist" in str(refused.value)
    administrator = emulator.administrator_of(other, REGION)
    emulator.client("iam", administrator, REGION).create_role(RoleName="svc-reader",
                                                              AssumeRolePolicyDocument=json.dumps(TRUST))
    ecr.set_repository_policy(repositoryName="svc-shared", policyText=policy)


def test_the_emulator_refuses_a_database_whose_parameter_group_is_of_another_major(emulator):
    rds = emulator.client("rds", ADMINISTRATOR, REGION)
    rds.create_db_parameter_group(DBParameterGroupName="svc-postgres16", DBParameterGroupFamily="postgres16",
                                  Description="svc")
    settings = {key: value for key, value in DATABASE.items()
                if key not in ("MasterUserSecretKmsKeyId", "FinalDBSnapshotIdentifier")}  # (a DeleteDBInstance setting)
    with pytest.raises(ClientError) as refused:
        rds.create_db_instance(**{**settings, "DBParameterGroupName": "svc-postgres16"}, DBInstanceClass="db.t4g.micro")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert "Use a parameter group with DBParameterGroupFamily postgres17" in str(refused.value)
