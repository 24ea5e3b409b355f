# Roles of the running service. The deploy and plan roles of the pipeline live in terraform/bootstrap.

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only ECS acting for this account may assume the roles (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${var.aws_region}:${local.account_id}:*"]
    }
  }
}

# Execution role: what ECS itself needs to start a task, pull this image and ship its logs.
resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  description        = "ECS starts ${local.name} tasks: pulls its image, writes its logs, reads its secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  statement {
    sid       = "PullThisRepository"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [data.aws_ecr_repository.app.arn]
  }

  statement {
    sid       = "WriteThisLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.app.arn}:log-stream:*"]
  }

  # Exactly the parameters var.secrets names, nothing else of the account's.
  dynamic "statement" {
    for_each = length(var.secrets) > 0 ? [1] : []
    content {
      sid       = "ReadTheseSecrets"
      actions   = ["ssm:GetParameters"]
      resources = sort(values(local.secret_arns))
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets) > 0 && var.secrets_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptTheSecretsThroughSsm"
      actions   = ["kms:Decrypt"]
      resources = [var.secrets_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${var.aws_region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-write-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: the identity of the app's own AWS calls. It has no permissions until the app needs some;
# add them here, scoped to the resources the app uses.
resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  description        = "Identity of the ${local.name} app; no permissions by default"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role" "flow_logs" {
  name               = "${local.name}-flow-logs"
  description        = "VPC flow logs of ${local.name} deliver to CloudWatch"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    sid       = "WriteFlowLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.flow_logs.arn, "${aws_cloudwatch_log_group.flow_logs.arn}:log-stream:*"]
  }

  # DescribeLogGroups takes no resource (Service Authorization Reference): a grant on log-group ARNs does
  # not match it, only "*".
  statement {
    sid       = "FindFlowLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

# Canary deployments: the role ECS uses to move traffic between the two target groups (alb.tf). It
# carries the AWS managed policy made for this, which the ECS developer guide names.
resource "aws_iam_role" "ecs_load_balancing" {
  count = local.canary ? 1 : 0

  name               = "${local.name}-ecs-load-balancing"
  description        = "ECS shifts ${local.name}'s traffic between its target groups during canary deployments"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

# The trust policy the ECS developer guide gives this role, unchanged: ECS documents no condition keys it
# sends when it assumes an infrastructure role, and a condition it does not meet would stop every canary.
data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "ecs_load_balancing" {
  count = local.canary ? 1 : 0

  role       = aws_iam_role.ecs_load_balancing[0].name
  policy_arn = local.ecs_load_balancing_policy
}
