# What the pipeline roles may do, and nothing more. Resources are named after the project, so most
# statements name their exact ARNs; where AWS offers no resource-level permission (creating network
# resources, Describe calls, task definition registration) the statement is limited to this region.
#
# The documents are customer managed policies: IAM allows a role 10,240 characters of inline policy in
# all, and the deploy role's permissions grow with the project name (which appears in most ARNs). Each
# managed policy may hold 6,144 characters and a role may have 10 of them. The template's test suite
# applies this stack into an emulated account with the longest project name and region it accepts, reads
# the policies back and checks their sizes against these quotas.

locals {
  region = var.aws_region
  arn    = "arn:${local.partition}"
  at     = "${local.region}:${local.account_id}"
  # The service stack's names for this environment (its locals.tf): production keeps the project's name.
  name               = var.environment == "production" ? var.project : "${var.project}-${var.environment}"
  load_balancer_name = var.environment == "production" ? var.project : "${trimsuffix(substr(var.project, 0, 31 - length(var.environment)), "-")}-${var.environment}"
  # What every resource of this environment carries from its creation on (default_tags of both stacks),
  # required on each write a name cannot scope: one environment's roles never touch another's resources.
  owner_tags   = { Project = var.project, Environment = var.environment }
  state_bucket = "${local.arn}:s3:::${var.state_bucket}"
  # The service stack's state object and its S3-native lock file, and nothing else in the bucket: not
  # this bootstrap stack's own state, which defines what the pipeline may do.
  state_items = ["${local.state_bucket}/${var.state_key}", "${local.state_bucket}/${var.state_key}.tflock"]
  # The services that use the state key on a role's behalf: S3 for the state (kms.tf), DynamoDB for locks.
  state_services = ["s3.${local.region}.amazonaws.com", "dynamodb.${local.region}.amazonaws.com"]

  stack_roles = { for role in ["execution", "task", "flow-logs", "ecs-load-balancing"] : role => "${local.arn}:iam::${local.account_id}:role/${local.name}-${role}" }
  ecs_cluster = "${local.arn}:ecs:${local.at}:cluster/${local.name}"
  ecs_service = "${local.arn}:ecs:${local.at}:service/${local.name}/${local.name}"
  ecs_family  = "${local.arn}:ecs:${local.at}:task-definition/${local.name}:*"
  ecr_repo    = local.image_repository_arn
  # The service stack's log groups: the app's, the flow logs'{% if cookiecutter.database == 'postgres' %} and the one RDS exports PostgreSQL's log to{% endif %}.
  log_group_names = ["/ecs/${local.name}", "/vpc/${local.name}/flow-logs"{% if cookiecutter.database == 'postgres' %}, "/aws/rds/instance/${local.name}/postgresql"{% endif %}]

  log_groups = flatten([for group in local.log_group_names : [
    "${local.arn}:logs:${local.at}:log-group:${group}",
    "${local.arn}:logs:${local.at}:log-group:${group}:*",
  ]])
  flow_log_group = "${local.arn}:logs:${local.at}:log-group:/vpc/${local.name}/flow-logs"
  # The SSM parameters the service stack's secrets may name (its variables.tf requires /<project>/).
  parameters = "${local.arn}:ssm:${local.at}:parameter/${local.name}/*"
  load_balancer = [
    "${local.arn}:elasticloadbalancing:${local.at}:loadbalancer/app/${local.load_balancer_name}/*",
    "${local.arn}:elasticloadbalancing:${local.at}:listener/app/${local.load_balancer_name}/*",
    "${local.arn}:elasticloadbalancing:${local.at}:listener-rule/app/${local.load_balancer_name}/*",
  ]
  # Target groups are named with a prefix of at most six characters (terraform/alb.tf), which other
  # projects and environments share: the statements that name this pattern also require the owner tags.
  target_groups = "${local.arn}:elasticloadbalancing:${local.at}:targetgroup/${substr(local.name, 0, 6)}*/*"
  # The network resources the stack creates, in groups: each action and the type of resource it creates.
  # A create call's request tags may be in the context of every resource the call names, so no group
  # holds a type that one of its actions names as an existing resource (the VPC of a new subnet, the
  # subnet and address of a NAT gateway, the security group of a new rule, what a flow log watches).
  network_creates = [
    { CreateVpc = "vpc", CreateInternetGateway = "internet-gateway", AllocateAddress = "elastic-ip" },
    { CreateSubnet = "subnet", CreateRouteTable = "route-table", AuthorizeSecurityGroupIngress = "security-group-rule", AuthorizeSecurityGroupEgress = "security-group-rule" },
    { CreateSecurityGroup = "security-group", CreateFlowLogs = "vpc-flow-log" },
    { CreateNatGateway = "natgateway" },
  ]
  scaling_alarms = "${local.arn}:cloudwatch:${local.at}:alarm:TargetTracking-service/${local.name}/${local.name}-*"
  alarms         = "${local.arn}:cloudwatch:${local.at}:alarm:${local.name}-*"
  # Production's alarm names are the project's, so its pattern above also covers every other environment's
  # (orders-api-staging-*): production's roles are refused those explicitly.
  other_alarms    = [for other in var.environments : "${local.arn}:cloudwatch:${local.at}:alarm:${var.project}-${other}-*" if var.environment == "production" && other != var.environment]
  dashboard       = "${local.arn}:cloudwatch::${local.account_id}:dashboard/${local.name}"
  alarm_topic     = "${local.arn}:sns:${local.at}:${local.name}-alarms"
  ecs_deployments = "${local.arn}:ecs:${local.at}:service-deployment/${local.name}/${local.name}/*"
  ecs_revisions   = "${local.arn}:ecs:${local.at}:service-revision/${local.name}/${local.name}/*"
  # The AWS managed policy ECS's load balancing role carries in canary services (service_roles.tf).
  ecs_load_balancing_policy = "${local.arn}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
  db_subnet_group           = "${local.arn}:rds:${local.at}:subgrp:${local.name}-database"
  service_boundary          = "${local.arn}:iam::${local.account_id}:policy/${local.name}-service-boundary"
{%- if cookiecutter.database == 'postgres' %}

  # The release's one-off migration task (the service stack's postgres.tf): its family and its tasks.
  ecs_migration_family = "${local.arn}:ecs:${local.at}:task-definition/${local.name}-migrate:*"
  ecs_task_arns        = "${local.arn}:ecs:${local.at}:task/${local.name}/*"
  # The database (the service stack's postgres.tf) and what RDS creates for it: its final snapshot, and the
  # master login's secret, whose name RDS chooses (rds!db-<uuid>); the application login's secret.
  db_instance        = "${local.arn}:rds:${local.at}:db:${local.name}"
  db_parameter_group = "${local.arn}:rds:${local.at}:pg:${local.name}-postgres*"
  db_option_groups   = "${local.arn}:rds:${local.at}:og:default:postgres-*"
  db_snapshots       = "${local.arn}:rds:${local.at}:snapshot:${local.name}-final"
  master_secrets     = "${local.arn}:secretsmanager:${local.at}:secret:rds!db-*"
  app_login_secret   = "${local.arn}:secretsmanager:${local.at}:secret:${local.name}/database/app-*"
  database_services  = ["rds.${local.region}.amazonaws.com", "secretsmanager.${local.region}.amazonaws.com"]
{%- endif %}
}

# Pull-request plans read the state but never write it (they run with -lock=false).
data "aws_iam_policy_document" "state_read" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket]
  }

  statement {
    sid       = "ReadThisStackState"
    actions   = ["s3:GetObject"]
    resources = local.state_items
  }

  statement {
    sid       = "DecryptState"
    actions   = ["kms:Decrypt"]
    resources = [local.state_key_arn]

    # Only through the services that store the state (and its lock table): never a direct decrypt.
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.state_services
    }
  }
}

# Reading every resource of the stack: what a plan needs, and what an apply needs before it writes.
data "aws_iam_policy_document" "stack_read" {
  statement {
    sid = "DescribeWhatHasNoResourceScope"
    actions = [
      "ec2:Describe*", "ec2:GetSecurityGroupsForVpc", "elasticloadbalancing:Describe*",
      "ecs:DescribeTaskDefinition", "application-autoscaling:Describe*", "kms:ListAliases",
      "logs:DescribeLogGroups", "logs:DescribeQueryDefinitions",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid       = "ReadTheClusterAndService"
    actions   = ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:ListTagsForResource", "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"]
    resources = [local.ecs_cluster, local.ecs_service, local.ecs_family, local.ecs_deployments, local.ecs_revisions]
  }

  statement {
    sid       = "ReadTheAlarmsDashboardAndTopic"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:GetDashboard", "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTagsForResource"]
    resources = [local.alarms, local.dashboard, local.alarm_topic]
  }

  dynamic "statement" {
    for_each = length(local.other_alarms) > 0 ? [local.other_alarms] : []

    content {
      sid       = "NeverTheOtherEnvironmentsAlarms"
      effect    = "Deny"
      actions   = ["cloudwatch:*"]
      resources = statement.value
    }
  }

  statement {
    sid = "ReadTheRepository"
    actions = [
      "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy",
      "ecr:ListTagsForResource",
    ]
    resources = [local.ecr_repo]
  }

  statement {
    sid       = "ReadTheLogGroups"
    actions   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
    resources = local.log_groups
  }

  # A scalable target's ARN ends in an ID AWS chooses; the provider reads its tags on every refresh.
  statement {
    sid       = "ReadScalableTargetTags"
    actions   = ["application-autoscaling:ListTagsForResource"]
    resources = ["${local.arn}:application-autoscaling:${local.at}:scalable-target/*"]
  }

  statement {
    sid       = "ReadTheStackRoles"
    actions   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"]
    resources = values(local.stack_roles)
  }

  # The service stack finds the logs' key by its alias (data "aws_kms_alias"); it reads nothing else of it.
  statement {
    sid       = "FindTheLogKey"
    actions   = ["kms:DescribeKey"]
    resources = [aws_kms_key.logs.arn]
  }

  statement {
    sid       = "ReadTheDatabaseSubnetGroup"
    actions   = ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"]
    resources = [local.db_subnet_group]
  }
}

# The plan role's whole policy, and the deploy role's reads: state and every resource of the stack.
data "aws_iam_policy_document" "read" {
  source_policy_documents = [
    data.aws_iam_policy_document.state_read.json,
    data.aws_iam_policy_document.stack_read.json,
  ]
}

# Deploy role: Networking: the VPC and its parts, security groups, flow logs.
data "aws_iam_policy_document" "deploy_network" {
  # EC2 authorizes each resource a call names. A create call's new resource must carry this project's tag;
  # every resource it names besides (the VPC of a new subnet, the subnet and address of a NAT gateway) and
  # every resource a later call changes must already carry it.
  dynamic "statement" {
    for_each = local.network_creates
    content {
      sid       = "CreateNetworkWithThisProjectsTag${statement.key}"
      actions   = [for action in keys(statement.value) : "ec2:${action}"]
      resources = [for kind in distinct(values(statement.value)) : "${local.arn}:ec2:${local.at}:${kind}/*"]

      dynamic "condition" {
        for_each = local.owner_tags

        content {
          test     = "StringEquals"
          variable = "aws:RequestTag/${condition.key}"
          values   = [condition.value]
        }
      }
    }
  }

  statement {
    sid       = "TagTheNetworkAsItIsCreated"
    actions   = ["ec2:CreateTags"]
    resources = distinct(flatten([for group in local.network_creates : [for kind in values(group) : "${local.arn}:ec2:${local.at}:${kind}/*"]]))

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = flatten([for group in local.network_creates : keys(group)])
    }

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "ManageThisProjectsNetwork"
    actions = [
      "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
      "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
      "ec2:ReleaseAddress", "ec2:DisassociateAddress", "ec2:CreateNatGateway", "ec2:DeleteNatGateway",
      "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
      "ec2:ReplaceRouteTableAssociation", "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute",
      "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:ModifySecurityGroupRules",
      "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs",
    ]
    resources = ["${local.arn}:ec2:${local.at}:*"]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  # Tags of this environment's network change with the stack; its Project and Environment tags are set when a
  # resource is created and never changed or taken off afterwards. (EC2's DeleteTags without a list takes every tag off: the
  # list is required.)
  statement {
    sid       = "RetagThisProjectsNetwork"
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = ["${local.arn}:ec2:${local.at}:*"]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }

    condition {
      test     = "ForAllValues:StringNotEqualsIgnoreCase"
      variable = "aws:TagKeys"
      values   = keys(local.owner_tags)
    }

    condition {
      test     = "Null"
      variable = "aws:TagKeys"
      values   = ["false"]
    }
  }

  # A NAT gateway's network interface is AWS's and carries no tags; taking the project's address off it is
  # still limited to the project's addresses by the statement above.
  statement {
    sid       = "FreeAnAddressFromItsNatGateway"
    actions   = ["ec2:DisassociateAddress"]
    resources = ["${local.arn}:ec2:${local.at}:network-interface/*"]
  }

  # AWS creates a VPC's default security group without tags. The stack takes every rule off it and tags it
  # (terraform/network.tf); only an untagged group can be claimed, so another project's groups stay out.
  statement {
    sid       = "ClaimTheDefaultSecurityGroup"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn}:ec2:${local.at}:security-group/*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Project"
      values   = ["true"]
    }

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

}

# Deploy role: The load balancer, its listeners and rules, and the target groups.
data "aws_iam_policy_document" "deploy_load_balancing" {
  statement {
    sid = "ManageTheLoadBalancer"
    actions = [
      "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetIpAddressType",
      "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:CreateRule", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
    ]
    resources = local.load_balancer
  }

  statement {
    sid       = "CreateTargetGroupsTaggedAsThisProjects"
    actions   = ["elasticloadbalancing:CreateTargetGroup"]
    resources = [local.target_groups]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "TagTargetGroupsAsTheyAreCreated"
    actions   = ["elasticloadbalancing:AddTags"]
    resources = [local.target_groups]

    condition {
      test     = "StringEquals"
      variable = "elasticloadbalancing:CreateAction"
      values   = ["CreateTargetGroup"]
    }

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "ManageThisProjectsTargetGroups"
    actions = [
      "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:AddTags",
      "elasticloadbalancing:RemoveTags",
    ]
    resources = [local.target_groups]

    dynamic "condition" {
      for_each = local.owner_tags

      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }

    # The owner tags are set when a group is created and never changed or taken off afterwards (in any case:
    # IAM's condition keys are not case-sensitive, EC2's and ELB's tag keys are).
    condition {
      test     = "ForAllValues:StringNotEqualsIgnoreCase"
      variable = "aws:TagKeys"
      values   = keys(local.owner_tags)
    }
  }
}

# Deploy role: The service: cluster, task definitions, service, autoscaling, image repository, the roles ECS uses.
data "aws_iam_policy_document" "deploy_compute" {
  # RegisterTaskDefinition stays here: the Service Authorization Reference gives it a task-definition
  # resource, but the refusals of it users report name `*`; naming the family could refuse every release.
  statement {
    sid = "ManageWhatHasNoResourceScope"
    actions = [
      "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:ListTaskDefinitions",
      "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:TagResource", "application-autoscaling:UntagResource",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "ManageTheClusterAndService"
    actions = [
      "ecs:CreateCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:DeleteCluster",
      "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:TagResource", "ecs:UntagResource",
    ]
    resources = [local.ecs_cluster, local.ecs_service, local.ecs_family{% if cookiecutter.database == 'postgres' %}, local.ecs_migration_family{% endif %}]
  }

  statement {
    sid       = "PassTaskRolesToEcs"
    actions   = ["iam:PassRole"]
    resources = [local.stack_roles["execution"], local.stack_roles["task"]]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "PassFlowLogRole"
    actions   = ["iam:PassRole"]
    resources = [local.stack_roles["flow-logs"]]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["vpc-flow-logs.amazonaws.com"]
    }
  }

  # The roles are this bootstrap's (service_roles.tf); the service stack writes only the permissions of the
  # two its own variables shape, and only while they carry the boundary that caps them.
  statement {
    sid       = "WriteTheServiceRolesPermissions"
    actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]
    resources = [local.stack_roles["execution"], local.stack_roles["task"]]

    condition {
      test     = "ArnEquals" # the key's type is ARN (Service Authorization Reference)
      variable = "iam:PermissionsBoundary"
      values   = [local.service_boundary]
    }
  }

  # Nothing in the deploy role's other statements allows these; the explicit denies keep it so when a
  # statement is widened by mistake: no role of the account gets a new trust policy, a policy attached, or
  # loses or changes its boundary, no role is created, no policy or version is made or deleted, and no
  # user, access key or identity provider is made or changed.
  statement {
    sid    = "NeverWidenTrustOrBoundaries"
    effect = "Deny"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
      "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
      "iam:DeleteRolePermissionsBoundary", "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion",
      "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:CreateUser", "iam:CreateAccessKey",
      "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:PutUserPolicy", "iam:AttachUserPolicy",
      "iam:AddUserToGroup", "iam:CreateOpenIDConnectProvider", "iam:AddClientIDToOpenIDConnectProvider",
      "iam:UpdateOpenIDConnectProviderThumbprint",
    ]
    resources = ["*"]
  }

  # A role without this boundary (the deploy role itself, another project's) never gets a policy written.
  # A request without the key counts as not equal, so a role with no boundary at all is covered too.
  statement {
    sid       = "OnlyBoundedRolesGetPolicies"
    effect    = "Deny"
    actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]
    resources = ["*"]

    condition {
      test     = "ArnNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.service_boundary]
    }
  }

  statement {
    sid       = "CreateServiceLinkedRolesOnFirstUse"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn}:iam::${local.account_id}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"{% if cookiecutter.database == 'postgres' %}, "rds.amazonaws.com"{% endif %}]
    }
  }

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  # The repository itself is a bootstrap's; the pipeline pushes (and re-tags) images only, and only in the
  # environment a release reaches first: the others deploy the digest it pushed.
  dynamic "statement" {
    for_each = var.push_images ? [1] : []

    content {
      sid = "PushToTheRepository"
      actions = [
        "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
      ]
      resources = [local.ecr_repo]
    }
  }

  statement {
    sid       = "TargetTrackingAlarms"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"]
    resources = [local.scaling_alarms]
  }
}

# Deploy role: The state it writes, the log groups and the database subnet group. The logs' KMS key is this
# bootstrap's (logs_key.tf): the pipeline uses it through CloudWatch Logs and SNS and never administers it.
data "aws_iam_policy_document" "deploy_state_logs_and_keys" {
  statement {
    sid       = "WriteThisStackState"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = local.state_items
  }

  statement {
    sid       = "EncryptState"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [local.state_key_arn]

    # Only through the services that store the state (and its lock table): never a direct decrypt.
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.state_services
    }
  }

  statement {
    sid = "ManageTheLogGroups"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
      "logs:TagLogGroup", "logs:UntagLogGroup",
    ]
    resources = local.log_groups
  }

  statement {
    sid = "ManageTheDatabaseSubnetGroup"
    actions = [
      "rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup",
      "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
    ]
    resources = [local.db_subnet_group]
  }
}

{% if cookiecutter.database == 'postgres' %}# Plan and deploy: the database, its parameters and its logins' secrets: their settings, never a secret's value.
# A policy of its own for the plan role; the deploy role has it in deploy-data (a role may carry 10 policies).
data "aws_iam_policy_document" "database_read" {
  statement {
    sid       = "ReadTheDatabase"
    actions   = ["rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"]
    resources = [local.db_instance, local.db_parameter_group]
  }

  # The provider reads the instance back by its resource ID (db-...), which RDS chooses: DescribeDBInstances
  # is authorized on that ID or, with a filter, on every instance, so no name can scope it. Metadata only.
  statement {
    sid       = "DescribeTheDatabaseByItsResourceId"
    actions   = ["rds:DescribeDBInstances"]
    resources = ["${local.arn}:rds:${local.at}:db:*"]
  }

  statement {
    sid       = "ReadTheApplicationLoginsSecret"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecretVersionIds"]
    resources = [local.app_login_secret]
  }

  # The service stack finds the database's key by its alias, as it does the logs' key.
  statement {
    sid       = "FindTheDatabaseKey"
    actions   = ["kms:DescribeKey"]
    resources = [aws_kms_key.database.arn]
  }
}

# Deploy role: the database, its logins' secrets, and the release's one-off migration task (and reading them).
data "aws_iam_policy_document" "deploy_database" {
  source_policy_documents = [data.aws_iam_policy_document.database_read.json]

  statement {
    sid = "ManageTheDatabase"
    actions = [
      "rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:DeleteDBInstance", "rds:RebootDBInstance",
      "rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup", "rds:DeleteDBParameterGroup",
      "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:CreateDBSnapshot",
    ]
    # CreateDBInstance is authorized on the instance and on each group it names or defaults to.
    resources = [local.db_instance, local.db_parameter_group, local.db_subnet_group, local.db_option_groups, local.db_snapshots]
  }

  # The master password is RDS's, in Secrets Manager, never an argument (and so never in a plan or state):
  # the pipeline may neither create the database with a password of its choosing nor switch it to one later.
  statement {
    sid       = "NeverAMasterPasswordOfOurOwn"
    effect    = "Deny"
    actions   = ["rds:CreateDBInstance", "rds:ModifyDBInstance"]
    resources = ["*"]

    condition {
      test     = "Bool"
      variable = "rds:ManageMasterUserPassword"
      values   = ["false"]
    }
  }

  # What RDS documents for a managed master password: it creates the secret as the caller.
  statement {
    sid       = "LetRdsCreateTheMasterSecret"
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource"]
    resources = [local.master_secrets]
  }

  # The application login's secret: Terraform writes its value (write-only, never read back or stored).
  statement {
    sid = "ManageTheApplicationLoginsSecret"
    actions = [
      "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret",
      "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:TagResource",
      "secretsmanager:UntagResource", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecretVersionIds",
    ]
    resources = [local.app_login_secret]
  }

  # The pipeline may store and change the secrets, never read them: only the execution role does, to hand
  # them to the containers.
  statement {
    sid       = "NeverReadTheLogins"
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.master_secrets, local.app_login_secret]
  }

  # RDS encrypts the storage, and Secrets Manager the two secrets, with the database's key, as the caller.
  statement {
    sid       = "UseTheDatabaseKeyThroughRdsAndSecretsManager"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"]
    resources = [aws_kms_key.database.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.database_services
    }
  }

  # The release runs the migration task of this project's cluster, then reads how it ended.
  statement {
    sid       = "RunTheMigrationTask"
    actions   = ["ecs:RunTask"]
    resources = [local.ecs_migration_family]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [local.ecs_cluster]
    }
  }

  statement {
    sid       = "WatchTheMigrationTask"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = [local.ecs_task_arns]
  }

  statement {
    sid       = "ReadTheMigrationsLog"
    actions   = ["logs:GetLogEvents"]
    resources = ["${local.arn}:logs:${local.at}:log-group:/ecs/${local.name}:log-stream:migrate/*"]
  }
}

{% endif %}# Deploy role: the alarms, their topic, the dashboard, the saved queries, and (canary services) passing
# ECS the role it shifts traffic with.
data "aws_iam_policy_document" "deploy_observability" {
  statement {
    sid = "ManageTheAlarmsAndDashboard"
    actions = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource",
      "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards",
    ]
    resources = [local.alarms, local.dashboard]
  }

  statement {
    sid = "ManageTheAlarmTopic"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe",
      "sns:TagResource", "sns:UntagResource",
    ]
    resources = [local.alarm_topic]
  }

  statement {
    sid       = "SaveTheLogQueries"
    actions   = ["logs:PutQueryDefinition", "logs:DeleteQueryDefinition"]
    resources = ["*"] # Logs Insights query definitions have no resource-level permissions

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }
{%- if cookiecutter.deployment_strategy == "canary" %}

  statement {
    sid       = "PassLoadBalancingRoleToEcs"
    actions   = ["iam:PassRole"]
    resources = [local.stack_roles["ecs-load-balancing"]]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs.amazonaws.com"]
    }
  }
{%- endif %}
}

locals {
  # Managed policy name suffix -> document; terraform-read goes to both roles, the deploy-* policies to the
  # deploy role, the other read policies to the plan role. With a domain of its own, both roles read its zone
  # and certificate, and the deploy role also requests the certificate and writes the records (domain.tf).
  managed_policies = merge({
    terraform-read = data.aws_iam_policy_document.read.json
    deploy-network = data.aws_iam_policy_document.deploy_network.json
    deploy-balance = data.aws_iam_policy_document.deploy_load_balancing.json
    deploy-compute = data.aws_iam_policy_document.deploy_compute.json
    deploy-state   = data.aws_iam_policy_document.deploy_state_logs_and_keys.json
    deploy-observe = data.aws_iam_policy_document.deploy_observability.json
{%- if cookiecutter.database == 'postgres' %}
    deploy-data    = data.aws_iam_policy_document.deploy_database.json
{%- endif %}
    }, { for document in data.aws_iam_policy_document.deploy_domain : "deploy-domain" => document.json },
    { for document in data.aws_iam_policy_document.domain_read : "domain-read" => document.json },
{%- if cookiecutter.database == 'postgres' %}
    { database-read = data.aws_iam_policy_document.database_read.json },
{%- endif %}
  )
  # The plan role's: what a plan reads. The deploy role has the same statements inside its deploy-* policies
  # (deploy-domain, deploy-data), which keeps it to 8 of the 10 policies a role may carry.
  plan_only     = [for suffix in ["domain-read", "database-read"] : suffix if contains(keys(local.managed_policies), suffix)]
  read_policies = concat(["terraform-read"], local.plan_only)
  attachments = merge(
    { for suffix in setsubtract(keys(local.managed_policies), local.plan_only) : "deploy/${suffix}" => { role = aws_iam_role.deploy.name, policy = suffix } },
    { for suffix in local.read_policies : "plan/${suffix}" => { role = aws_iam_role.plan.name, policy = suffix } },
  )
}

resource "aws_iam_policy" "pipeline" {
  for_each = local.managed_policies

  name        = "${local.name}-${each.key}"
  description = "GitHub Actions pipeline of ${var.github_owner}/${var.github_repo}: ${each.key}"
  policy      = each.value
}

resource "aws_iam_role_policy_attachment" "pipeline" {
  for_each = local.attachments

  role       = each.value.role
  policy_arn = aws_iam_policy.pipeline[each.value.policy].arn
}
