# The roles the running service uses belong to this stack, not to the pipeline. Whoever gets a job into the
# deploy role's environment must not be able to choose whom these roles trust or how much they may do:
#
# - their trust policies are written here, and the deploy role may neither create, delete nor re-trust a
#   role (permissions.tf denies it explicitly);
# - each carries the permissions boundary below, which the deploy role may neither change nor remove. The
#   service stack still writes the execution and task roles' own policies (the secrets they read, the
#   app's permissions), but what a role may actually do is what its policies AND this boundary allow.
#
# Giving the app more than the boundary allows (a table, a bucket, a queue) is a change here, applied by
# an administrator with `make bootstrap`: docs/decisions.md, "The pipeline cannot widen its own reach".

locals {
  ecs_tasks = { service = "ecs-tasks.amazonaws.com", source_arn = "${local.arn}:ecs:${local.at}:*" }
  service_roles = merge({
    execution = merge(local.ecs_tasks, { description = "ECS starts ${local.name} tasks: pulls its image, writes its logs, reads its secrets" })
    task      = merge(local.ecs_tasks, { description = "Identity of the ${local.name} app; its permissions are the service stack's iam.tf" })
    flow-logs = { service = "vpc-flow-logs.amazonaws.com", source_arn = null, description = "VPC flow logs of ${local.name} deliver to CloudWatch" }
{%- if cookiecutter.deployment_strategy == "canary" %}
    # ECS documents no condition keys it sends when it assumes an infrastructure role, and a condition it
    # does not meet would stop every canary: the trust policy the ECS developer guide gives, unchanged.
    ecs-load-balancing = { service = "ecs.amazonaws.com", source_arn = null, description = "ECS shifts ${local.name}'s traffic between its target groups during canary deployments" }
{%- endif %}
  })
  account_only = { execution = true, task = true, flow-logs = true, ecs-load-balancing = false }
}

data "aws_iam_policy_document" "service_trust" {
  for_each = local.service_roles

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }

    # Only the service acting for this account may assume the role (confused-deputy protection).
    dynamic "condition" {
      for_each = local.account_only[each.key] ? [1] : []
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }

    dynamic "condition" {
      for_each = each.value.source_arn == null ? [] : [each.value.source_arn]
      content {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = [condition.value]
      }
    }
  }
}

# The most any of the service's roles may ever do: act on this project's own image, log groups, secrets
# and (for canaries) load balancer, whatever policies the pipeline writes into them.
data "aws_iam_policy_document" "service_boundary" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  statement {
    sid       = "PullThisRepository"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [local.image_repository_arn]
  }

  statement {
    sid       = "WriteThisProjectsLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = local.log_groups
  }

  statement {
    sid       = "FindTheLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"] # DescribeLogGroups takes no resource (Service Authorization Reference)
  }

  statement {
    sid       = "ReadThisProjectsParameters"
    actions   = ["ssm:GetParameters"]
    resources = [local.parameters]
  }

  # SSM decrypts a SecureString with the parameter's ARN as encryption context: only this project's.
  statement {
    sid       = "DecryptThisProjectsParametersThroughSsm"
    actions   = ["kms:Decrypt"]
    resources = ["*"] # the key is the owner's choice (the service stack's secrets_kms_key_arn)

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringLike" # encryption context values are strings
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = [local.parameters]
    }
  }
{%- if cookiecutter.database == "postgres" %}

  # The database's two logins (database_key.tf): the application login's secret, and the master login's,
  # which RDS names itself and tags with the instance it belongs to. The execution role alone, which hands
  # each container its login: the boundary is every service role's, and the task role is the app's own identity.
  statement {
    sid       = "ExecutionRoleReadsTheApplicationLoginsSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.app_login_secret]

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [local.stack_roles["execution"]]
    }
  }

  statement {
    sid       = "ExecutionRoleReadsThisDatabasesMasterSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.master_secrets]

    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"
      values   = [local.db_instance]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [local.stack_roles["execution"]]
    }
  }

  statement {
    sid       = "ExecutionRoleDecryptsTheLoginsThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.database.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [local.stack_roles["execution"]]
    }
  }
{%- endif %}
{%- if cookiecutter.deployment_strategy == "canary" %}

  # What AmazonECSInfrastructureRolePolicyForLoadBalancers grants, on this project's load balancer only.
  statement {
    sid = "ReadTheLoadBalancers"
    actions = [
      "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
    ]
    resources = ["*"] # the Describe actions take no resource
  }

  statement {
    sid       = "ShiftThisProjectsTraffic"
    actions   = ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"]
    resources = local.load_balancer
  }

  statement {
    sid       = "MoveTasksInThisProjectsTargetGroups"
    actions   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    resources = [local.target_groups]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }
{%- endif %}
}

resource "aws_iam_policy" "service_boundary" {
  name        = "${local.name}-service-boundary"
  description = "The most the roles of ${local.name}'s running service may do, whatever their own policies say"
  policy      = data.aws_iam_policy_document.service_boundary.json
}

resource "aws_iam_role" "service" {
  for_each = local.service_roles

  name                 = "${local.name}-${each.key}"
  description          = each.value.description
  assume_role_policy   = data.aws_iam_policy_document.service_trust[each.key].json
  permissions_boundary = aws_iam_policy.service_boundary.arn
}

# The flow log role's permissions are fixed: they are written here, with the role.
data "aws_iam_policy_document" "flow_logs" {
  statement {
    sid       = "WriteFlowLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [local.flow_log_group, "${local.flow_log_group}:log-stream:*"]
  }

  statement {
    sid       = "FindFlowLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"] # DescribeLogGroups takes no resource: a grant on log-group ARNs does not match it
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.service["flow-logs"].id
  policy = data.aws_iam_policy_document.flow_logs.json
}
{%- if cookiecutter.deployment_strategy == "canary" %}

# The AWS managed policy the ECS developer guide names for this role; the boundary narrows it to this
# project's load balancer.
resource "aws_iam_role_policy_attachment" "ecs_load_balancing" {
  role       = aws_iam_role.service["ecs-load-balancing"].name
  policy_arn = local.ecs_load_balancing_policy
}
{%- endif %}
