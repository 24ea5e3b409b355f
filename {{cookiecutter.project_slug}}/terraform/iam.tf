# Roles of the running service. The deploy and plan roles of the pipeline live in terraform/bootstrap.

# The roles themselves, their trust policies and the permissions boundary that caps them belong to the
# bootstrap (terraform/bootstrap/service_roles.tf), so that the pipeline can neither re-trust a role nor
# give it more than the boundary allows. This stack writes the permissions its own variables shape.
data "aws_iam_role" "execution" {
  name = "${local.name}-execution"
}

data "aws_iam_role" "task" {
  name = "${local.name}-task"
}

data "aws_iam_role" "flow_logs" {
  name = "${local.name}-flow-logs"
}

data "aws_iam_role" "ecs_load_balancing" {
  count = local.canary ? 1 : 0

  name = "${local.name}-ecs-load-balancing"
}

# Execution role: what ECS itself needs to start a task, pull this image and ship its logs.
data "aws_iam_policy_document" "execution" {
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
  role   = data.aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: the identity of the app's own AWS calls. It has no permissions until the app needs some; add
# them here as an aws_iam_role_policy on data.aws_iam_role.task, scoped to the resources the app uses. The
# bootstrap's permissions boundary caps them: a resource outside it needs the boundary widened first
# (terraform/README.md, "Giving the app AWS permissions").

# Projects rendered before the roles moved to the bootstrap had them in this stack's state: forget them
# here without deleting them (the bootstrap imports them; docs/updating.md). No-ops for newer projects.
removed {
  from = aws_iam_role.execution

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.task

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.flow_logs

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy.flow_logs

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.ecs_load_balancing

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy_attachment.ecs_load_balancing

  lifecycle {
    destroy = false
  }
}
