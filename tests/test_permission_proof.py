"""The permission proof refuses to pass what it cannot judge: calls built by hand, judged without an emulator
(tests/iam/proof.py, tests/iam/authorization.py). Tests that need the real IAM evaluator say so by their
`judge` fixture."""
from __future__ import annotations

import base64
import itertools
import json

import pytest

import tests.test_lifecycle as lifecycle_tests
from tests.conftest import missing
from tests.emulator.account import ADMINISTRATOR
from tests.emulator.lifecycle import Lifecycle
from tests.emulator.recording import Call
from tests.iam import authorization, evaluator, proof
from tests.iam.authorization import Authorization, Model
from tests.iam.evaluator import Decision, Request
from tests.iam.proof import Proof, prove

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
REGION = "us-east-1"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/svc-deploy"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/svc-deploy/release"
SESSION_KEY = "ASIAEMULATEDSESSION1"
JSON_TARGETS = {"kms": "TrentService"}
SEQUENCE = itertools.count(1)


def call(service: str, operation: str, params: dict, response: dict | None = None, key: str = SESSION_KEY,
         body: bytes = b"") -> Call:
    """A call as the recording reads it back: signed with `key` (unsigned when empty), with its raw request."""
    headers = {"host": f"{service}.{REGION}.amazonaws.com"}
    if key:
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/20260101/{REGION}/{service}/aws4_request, "
                                    "SignedHeaders=host, Signature=0")
    if service in JSON_TARGETS:
        headers.update({"x-amz-target": f"{JSON_TARGETS[service]}.{operation}",
                        "content-type": "application/x-amz-json-1.1"})
    else:
        headers["content-type"] = "application/x-www-form-urlencoded"
        body = body or f"Action={operation}&Version=2016-11-15".encode()
    raw = {"method": "POST", "path": "/", "query": "", "headers": headers, "body": base64.b64encode(body).decode()}
    return Call(next(SEQUENCE), key, service, REGION, operation, params, 200, response or {}, raw)


def sign_in(role_arn: str = DEPLOY_ROLE, key: str = SESSION_KEY) -> Call:
    name = role_arn.rsplit("/", 1)[-1]
    return call("sts", "AssumeRoleWithWebIdentity", {
        "RoleArn": role_arn, "RoleSessionName": "release", "WebIdentityToken": "e30.e30.unsigned"}, {
        "Credentials": {"AccessKeyId": key},
        "AssumedRoleUser": {"Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/release"}}, key="")


def ec2_arn(kind: str, identifier: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:{kind}/{identifier}"


def allow_everything(statements: list[dict] | None = None) -> dict:
    return {"Version": "2012-10-17", "Statement": statements or [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def asked(monkeypatch) -> list[Request]:
    """The requests `prove` puts to the evaluator, each answered Allowed, so that no evaluator is needed."""
    requests: list[Request] = []

    def allow(batch: list[Request]) -> list[Decision]:
        requests.extend(batch)
        return [Decision(True, "Allowed") for _ in batch]

    monkeypatch.setattr(proof, "evaluate", allow)
    return requests


@pytest.fixture(scope="module")
def judge():
    reason = evaluator.unavailable_reason()
    if reason:
        missing("the IAM policy evaluator", reason)
    return evaluator.evaluate


def allowed(judge, authorizations: list[Authorization], identity_policy: dict) -> list[bool]:
    return [decision.allowed for decision in judge([
        Request(SESSION, item.action, item.resource, ACCOUNT, item.context, {"deploy": identity_policy},
                item.resource_policy) for item in authorizations])]


def proven(calls: list[Call]) -> Proof:
    return prove(calls, lambda sequence: "step", {DEPLOY_ROLE: {"deploy": allow_everything()}}, ACCOUNT,
                 administrators={ADMINISTRATOR.access_key: ACCOUNT})


# --- 1. named resources, never "*" for an action that has resource types ---------------------------------

def test_a_route_table_is_disassociated_on_the_route_table_and_subnet_the_association_joins():
    model = Model(ACCOUNT)
    model.observe(call("ec2", "AssociateRouteTable", {"RouteTableId": "rtb-1", "SubnetId": "subnet-1"},
                       {"AssociationId": "rtbassoc-1"}))
    found = model.authorizations(call("ec2", "DisassociateRouteTable", {"AssociationId": "rtbassoc-1"}), DEPLOY_ROLE)
    assert [(item.action, item.resource) for item in found] == [
        ("ec2:DisassociateRouteTable", ec2_arn("route-table", "rtb-1")),
        ("ec2:DisassociateRouteTable", ec2_arn("subnet", "subnet-1"))]


def test_an_address_is_disassociated_on_the_elastic_ip_and_interface_the_association_joins():
    model = Model(ACCOUNT)
    model.observe(call("ec2", "DescribeAddresses", {}, {"Addresses": [{
        "AllocationId": "eipalloc-1", "AssociationId": "eipassoc-1", "NetworkInterfaceId": "eni-1",
        "PublicIp": "198.51.100.7", "Domain": "vpc"}]}))
    found = model.authorizations(call("ec2", "DisassociateAddress", {"AssociationId": "eipassoc-1"}), DEPLOY_ROLE)
    assert [item.resource for item in found] == [ec2_arn("elastic-ip", "eipalloc-1"),
                                                 ec2_arn("network-interface", "eni-1")]


def tags_of(found, resource: str) -> dict:
    (context,) = [item.context for item in found if item.resource == resource]
    return {key: value for key, value in context.items() if key.startswith(("aws:ResourceTag/", "aws:RequestTag/"))}


def test_a_new_subnet_lends_its_tags_to_no_other_resource_its_answer_names():
    """The VPC a subnet is created in keeps its own tags: another project's VPC never looks like this one's."""
    model = Model(ACCOUNT)
    model.observe(call("ec2", "CreateVpc", {"TagSpecifications": [{"Tags": [{"Key": "Project", "Value": "other"}]}]},
                       {"Vpc": {"VpcId": "vpc-1"}}))
    tags = [{"ResourceType": "subnet", "Tags": [{"Key": "Project", "Value": "svc"}]}]
    model.observe(call("ec2", "CreateSubnet", {"VpcId": "vpc-1", "TagSpecifications": tags},
                       {"Subnet": {"SubnetId": "subnet-1", "VpcId": "vpc-1"}}))
    found = model.authorizations(call("ec2", "CreateSubnet", {"VpcId": "vpc-1", "TagSpecifications": tags},
                                      {"Subnet": {"SubnetId": "subnet-2", "VpcId": "vpc-1"}}), DEPLOY_ROLE)
    # The request's tags reach the VPC's context too; its own tag stays the other project's.
    assert tags_of(found, ec2_arn("vpc", "vpc-1")) == {
        "aws:ResourceTag/Project": "other", "aws:RequestTag/Project": "svc"}
    assert tags_of(model.authorizations(call("ec2", "DeleteSubnet", {"SubnetId": "subnet-1"}), DEPLOY_ROLE),
                   ec2_arn("subnet", "subnet-1")) == {"aws:ResourceTag/Project": "svc"}


def test_tags_added_or_taken_off_later_are_the_resources_tags_from_then_on():
    model = Model(ACCOUNT)
    added = [{"Key": "Project", "Value": "svc"}, {"Key": "Name", "Value": "default"}]
    model.observe(call("ec2", "CreateTags", {"Resources": ["sg-1"], "Tags": added}))
    group = ec2_arn("security-group", "sg-1")
    revoke = call("ec2", "RevokeSecurityGroupIngress", {"GroupId": "sg-1"})
    assert tags_of(model.authorizations(revoke, DEPLOY_ROLE), group) == {
        "aws:ResourceTag/Project": "svc", "aws:ResourceTag/Name": "default"}
    model.observe(call("ec2", "DeleteTags", {"Resources": ["sg-1"], "Tags": [{"Key": "Name"}]}))
    assert tags_of(model.authorizations(revoke, DEPLOY_ROLE), group) == {"aws:ResourceTag/Project": "svc"}
    group_arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/svc/1"
    model.observe(call("elasticloadbalancing", "AddTags", {"ResourceArns": [group_arn],
                                                           "Tags": [{"Key": "Project", "Value": "svc"}]}))
    found = model.authorizations(call("elasticloadbalancing", "RemoveTags", {"ResourceArns": [group_arn],
                                                                             "TagKeys": ["Project"]}), DEPLOY_ROLE)
    assert found[0].context["aws:ResourceTag/Project"] == "svc" and found[0].context["aws:TagKeys"] == ["Project"]


@pytest.mark.parametrize("operation, association", [
    ("DisassociateRouteTable", "rtbassoc-never-seen"), ("DisassociateAddress", "eipassoc-never-seen")])
def test_an_association_the_model_never_saw_is_unmodelled(operation, association):
    assert Model(ACCOUNT).authorizations(call("ec2", operation, {"AssociationId": association}), DEPLOY_ROLE) is None


def test_no_action_with_resource_types_is_authorized_on_a_wildcard(monkeypatch):
    """Whatever a rule returns: "*" for an action the Service Authorization Reference gives resource types
    (even optional ones) is refused; an action without any is authorized on "*" as AWS does."""
    monkeypatch.setitem(authorization.RULES, ("ec2", "DeleteVpc"), lambda m, c: [Authorization("ec2:DeleteVpc", "*")])
    model = Model(ACCOUNT)
    assert model.authorizations(call("ec2", "DeleteVpc", {"VpcId": "vpc-1"}), DEPLOY_ROLE) is None
    assert [item.resource for item in model.authorizations(call("ec2", "DescribeVpcs", {}), DEPLOY_ROLE)] == ["*"]


def test_a_load_balancer_create_whose_answer_has_no_arn_is_authorized_on_the_arn_it_would_have():
    found = Model(ACCOUNT).authorizations(call("elasticloadbalancing", "CreateLoadBalancer", {"Name": "svc"}),
                                          DEPLOY_ROLE)
    assert found[0].resource == f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/svc/*"


def test_a_policy_naming_another_accounts_resources_does_not_allow_a_disassociation(judge):
    model = Model(ACCOUNT)
    model.observe(call("ec2", "AssociateRouteTable", {"RouteTableId": "rtb-1", "SubnetId": "subnet-1"},
                       {"AssociationId": "rtbassoc-1"}))
    found = model.authorizations(call("ec2", "DisassociateRouteTable", {"AssociationId": "rtbassoc-1"}), DEPLOY_ROLE)
    elsewhere = allow_everything([{"Effect": "Allow", "Action": "ec2:DisassociateRouteTable", "Resource": [
        ec2_arn("route-table", "*", OTHER_ACCOUNT), ec2_arn("subnet", "*", OTHER_ACCOUNT)]}])
    here = allow_everything([{"Effect": "Allow", "Action": "ec2:DisassociateRouteTable", "Resource": [
        ec2_arn("route-table", "*"), ec2_arn("subnet", "*")]}])
    assert allowed(judge, found, elsewhere) == [False, False]
    assert allowed(judge, found, here) == [True, True]


# --- 2. parameters that could not be read ------------------------------------------------------------------

def test_calls_whose_parameters_could_not_be_read_are_reported_never_passed(asked):
    """A reader that fails leaves a call without parameters (recording.py): one that lacks what its operation
    requires, or whose body carries data no parameter was read from, is reported, and nothing is judged."""
    truncated = call("kms", "CreateKey", {}, body=b'{"Policy": "{\\"Statement\\": [')
    without_its_vpc = call("ec2", "DeleteVpc", {}, body=b"Action=DeleteVpc&Version=2016-11-15&VpcId=vpc-1")
    result = proven([sign_in(), truncated, without_its_vpc])
    assert {(service, operation): why for (_, service, operation, why) in result.unreadable} == {
        ("kms", "CreateKey"): "the request carries data but no parameter was read from it",
        ("ec2", "DeleteVpc"): "required parameters missing: VpcId"}
    assert [request.action for request in asked] == ["sts:AssumeRoleWithWebIdentity"]


def test_calls_that_need_no_parameters_are_readable():
    assert proof.unreadable_parameters(call("ec2", "DescribeVpcs", {})) == ""
    assert proof.unreadable_parameters(call("kms", "ListAliases", {}, body=b"{}")) == ""
    assert proof.unreadable_parameters(call("sts", "GetCallerIdentity", {},
                                            body=b"Action=GetCallerIdentity&Version=2011-06-15")) == ""


def test_a_rule_that_finds_nothing_to_authorize_is_unmodelled():
    """Every call but GetCallerIdentity is authorized: an empty answer means the rule found nothing."""
    model = Model(ACCOUNT)
    assert model.authorizations(call("ec2", "DeleteFlowLogs", {"FlowLogIds": []}), DEPLOY_ROLE) is None
    assert model.authorizations(call("sts", "GetCallerIdentity", {}), DEPLOY_ROLE) == []


# --- 3. signers the proof does not know --------------------------------------------------------------------

def test_calls_signed_by_a_key_the_proof_cannot_trace_are_counted(asked):
    other_role = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
    result = proven([
        sign_in(),
        call("ec2", "DescribeVpcs", {}),
        call("ec2", "DescribeVpcs", {}, key=ADMINISTRATOR.access_key),
        call("ec2", "DescribeVpcs", {}, key="AKIANOBODYKNOWS00000"),
        sign_in(other_role, key="ASIAOTHERSESSION0000"),
        call("ec2", "DescribeVpcs", {}, key="ASIAOTHERSESSION0000"),
    ])
    assert dict(result.unknown_signers) == {("AKIANOBODYKNOWS00000", "ec2", "DescribeVpcs"): 1,
                                            (f"a session of {other_role}", "ec2", "DescribeVpcs"): 1}
    assert [request.action for request in asked] == ["sts:AssumeRoleWithWebIdentity", "ec2:DescribeVpcs"]


# --- 4. aws:PrincipalArn ------------------------------------------------------------------------------------

def test_aws_principal_arn_is_the_role_and_the_principal_judged_is_the_session(asked):
    proven([sign_in(), call("ec2", "DescribeVpcs", {})])
    signing_in, describing = asked
    assert (describing.principal, describing.context["aws:PrincipalArn"]) == (SESSION, DEPLOY_ROLE)
    assert describing.context["aws:PrincipalAccount"] == ACCOUNT
    assert "aws:PrincipalArn" not in signing_in.context  # a web identity is no IAM principal


def test_a_condition_on_the_role_arn_allows_its_sessions(judge, asked):
    proven([sign_in(), call("ec2", "DescribeVpcs", {})])
    only_the_role = allow_everything([{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*",
                                       "Condition": {"ArnEquals": {"aws:PrincipalArn": DEPLOY_ROLE}}}])
    request = asked[-1]
    assert judge([Request(request.principal, request.action, request.resource, ACCOUNT, request.context,
                          {"deploy": only_the_role})])[0].allowed


# --- 5. a proof of part of the lifecycle ---------------------------------------------------------------------

@pytest.mark.parametrize("lifecycle", [
    Lifecycle(pipeline=None, failure="make bootstrap exited 2"),
    Lifecycle(pipeline=None),  # never failed, never torn down either
], ids=["a-step-failed", "not-torn-down"])
def test_the_permission_proof_fails_for_a_lifecycle_that_did_not_finish(lifecycle):
    with pytest.raises(AssertionError, match="never reached|did not reach its teardown"):
        lifecycle_tests.TestLifecycle().test_every_call_of_the_pipeline_roles_is_allowed(
            lifecycle=lifecycle, judged=(Proof(), {}), record_property=lambda name, value: None)


# --- 6. implicit authorizations --------------------------------------------------------------------------------

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
ACCOUNT_ADMINISTERS = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]}
TAGS = [{"TagKey": "Project", "TagValue": "svc"}]


def create_key(**extra) -> Call:
    return call("kms", "CreateKey", {"Policy": json.dumps(ACCOUNT_ADMINISTERS), "Tags": TAGS, **extra},
                {"KeyMetadata": {"KeyId": KEY_ARN.rsplit("/", 1)[-1], "Arn": KEY_ARN}})


def key_manager(*actions: str) -> dict:
    return allow_everything([{"Effect": "Allow", "Action": list(actions), "Resource": "*"}])


def test_a_key_policy_sent_with_create_key_must_let_the_caller_change_it(judge):
    found = Model(ACCOUNT).authorizations(create_key(), DEPLOY_ROLE)
    lockout = [item for item in found if item.why == "the key policy lockout safety check"]
    assert [(item.action, item.resource, item.resource_policy) for item in lockout] == [
        ("kms:PutKeyPolicy", KEY_ARN, ACCOUNT_ADMINISTERS)]
    assert allowed(judge, found, key_manager("kms:CreateKey", "kms:TagResource", "kms:PutKeyPolicy")) == [True] * 3
    assert allowed(judge, found, key_manager("kms:CreateKey", "kms:TagResource")) == [True, True, False]


def test_a_new_key_policy_that_locks_the_caller_out_is_refused(judge):
    model = Model(ACCOUNT)
    model.observe(create_key())
    someone_else = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/someone-else"}, "Action": "kms:*",
        "Resource": "*"}]}
    found = model.authorizations(call("kms", "PutKeyPolicy", {"KeyId": KEY_ARN, "Policy": json.dumps(someone_else)}),
                                 DEPLOY_ROLE)
    assert [item.resource_policy for item in found] == [ACCOUNT_ADMINISTERS, someone_else]
    assert allowed(judge, found, key_manager("kms:PutKeyPolicy")) == [True, False]


def test_no_lockout_check_when_it_is_bypassed_or_the_default_key_policy_applies():
    model = Model(ACCOUNT)
    for created in (create_key(BypassPolicyLockoutSafetyCheck=True),
                    call("kms", "CreateKey", {}, {"KeyMetadata": {"KeyId": "1", "Arn": KEY_ARN}})):
        assert "kms:PutKeyPolicy" not in [item.action for item in model.authorizations(created, DEPLOY_ROLE)]
    model.observe(call("kms", "CreateKey", {}, {"KeyMetadata": {"KeyId": "1", "Arn": KEY_ARN}}))
    (describe,) = model.authorizations(call("kms", "DescribeKey", {"KeyId": KEY_ARN}), DEPLOY_ROLE)
    assert describe.resource_policy == authorization.default_key_policy("aws", ACCOUNT)


def test_registering_an_ecs_service_for_scaling_checks_the_callers_access_to_it():
    service = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/svc/svc"
    found = Model(ACCOUNT).authorizations(call("application-autoscaling", "RegisterScalableTarget", {
        "ServiceNamespace": "ecs", "ResourceId": "service/svc/svc", "ScalableDimension": "ecs:service:DesiredCount"},
        {"ScalableTargetARN": f"arn:aws:application-autoscaling:{REGION}:{ACCOUNT}:scalable-target/0123"}),
        DEPLOY_ROLE)
    assert {(item.action, item.resource) for item in found} >= {
        ("ecs:DescribeServices", service), ("ecs:UpdateService", service)}
