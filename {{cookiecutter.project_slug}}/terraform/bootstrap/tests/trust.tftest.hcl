# Runs offline against a mocked provider: checks whom the pipeline roles trust and what they may do.
# Every run only plans: the stack's prevent_destroy guards would refuse the test's teardown.
mock_provider "aws" {
{% include "terraform/tests/{#aws-mocks.hcl#}" %}
}

variables {
  project               = "svc-test"
  environment           = "production"
  aws_account_id        = "123456789012"
  aws_region            = "us-east-1"
  image_account_id      = null
  image_readers         = []
  github_owner          = "acme"
  github_repo           = "svc-test"
  deploy_role_name      = "svc-test-deploy"
  plan_role_name        = "svc-test-plan"
  state_bucket          = "svc-test-tfstate-123456789012"
  state_key             = "svc-test/production/terraform.tfstate"
  github_subject_prefix = "repo:acme@1234/svc-test@5678"
  github_repository_id  = "5678"
{%- if cookiecutter.state_locking == "dynamodb" %}
  lock_table            = "svc-test-tflock"
{%- endif %}
}

run "deploy_role_trusts_only_main_in_the_production_environment_of_this_repository" {
  command = plan

  assert {
    condition = jsonencode({
      for condition in data.aws_iam_policy_document.trust["deploy"].statement[0].condition : condition.variable => [condition.test, condition.values]
      }) == jsonencode({
      "token.actions.githubusercontent.com:aud"           = ["StringEquals", ["sts.amazonaws.com"]]
      "token.actions.githubusercontent.com:ref"           = ["StringEquals", ["refs/heads/main"]]
      "token.actions.githubusercontent.com:repository_id" = ["StringEquals", ["5678"]]
      "token.actions.githubusercontent.com:sub"           = ["StringEquals", ["repo:acme@1234/svc-test@5678:environment:production"]]
    })
    error_message = "The deploy role must trust exactly this repository (by its ID too), its production environment and the main branch, matched exactly."
  }
}

run "plan_role_trusts_only_pull_requests_and_main" {
  command = plan

  assert {
    condition = jsonencode({
      for condition in data.aws_iam_policy_document.trust["plan"].statement[0].condition : condition.variable => [condition.test, condition.values]
      }) == jsonencode({
      "token.actions.githubusercontent.com:aud"           = ["StringEquals", ["sts.amazonaws.com"]]
      "token.actions.githubusercontent.com:repository_id" = ["StringEquals", ["5678"]]
      "token.actions.githubusercontent.com:sub"           = ["StringEquals", ["repo:acme@1234/svc-test@5678:pull_request", "repo:acme@1234/svc-test@5678:ref:refs/heads/main"]]
    })
    error_message = "The plan role must trust exactly this repository's pull requests and main branch, matched exactly."
  }
}

run "no_subject_has_a_wildcard" {
  command = plan

  assert {
    condition     = alltrue([for subject in concat(local.deploy_subjects, local.plan_subjects) : !strcontains(subject, "*") && !strcontains(subject, "?")])
    error_message = "No trusted subject may contain a wildcard."
  }
}

run "the_name_only_prefix_of_an_older_repository_is_trusted_as_given" {
  command = plan

  variables {
    github_subject_prefix = "repo:Acme/svc-test"
    github_repository_id  = "42"
  }

  assert {
    condition     = local.deploy_subjects == ["repo:Acme/svc-test:environment:production"] && local.trust_conditions.deploy.repository_id == ["42"]
    error_message = "The prefix GitHub reports must be trusted as it is, in its own case, and the repository by its ID."
  }
}

run "a_prefix_of_another_repository_is_refused" {
  command = plan

  variables {
    github_subject_prefix = "repo:acme@1234/svc-test-fork@5678"
  }

  expect_failures = [var.github_subject_prefix]
}

run "a_prefix_with_one_id_is_refused" {
  command = plan

  variables {
    github_subject_prefix = "repo:acme/svc-test@5678"
  }

  expect_failures = [var.github_subject_prefix]
}

run "a_prefix_with_more_than_the_repository_is_refused" {
  command = plan

  variables {
    github_subject_prefix = "repo:acme/svc-test:environment:production"
  }

  expect_failures = [var.github_subject_prefix]
}

run "a_repository_id_other_than_the_prefixs_is_refused" {
  command = plan

  variables {
    github_repository_id = "5679"
  }

  expect_failures = [var.github_repository_id]
}

run "a_later_environments_bootstrap_uses_the_shared_resources_and_trusts_its_own_jobs" {
  command = plan

  variables {
    environment      = "staging"
    environments     = ["staging", "production"]
    deploy_role_name = "svc-test-staging-deploy"
    plan_role_name   = "svc-test-staging-plan"
    state_key        = "svc-test/staging/terraform.tfstate"
    shared_resources = false
  }

  assert {
    condition     = length(aws_s3_bucket.state) + length(aws_kms_key.state) + length(aws_ecr_repository.app) == 0 && length(data.aws_ecr_repository.app) == 1 && length(data.aws_kms_alias.state) == 1
    error_message = "Only the first environment's bootstrap creates the state bucket, its key and the image repository; the others find them."
  }

  assert {
    condition     = local.deploy_subjects == ["repo:acme@1234/svc-test@5678:environment:staging"] && local.name == "svc-test-staging" && local.other_alarms == []
    error_message = "Staging's deploy role trusts staging's jobs, and staging's names carry the environment."
  }

  assert {
    condition     = aws_iam_role.service["task"].name == "svc-test-staging-task" && aws_iam_policy.service_boundary.name == "svc-test-staging-service-boundary" && aws_kms_alias.logs.name == "alias/svc-test-staging-logs"
    error_message = "Staging's service roles, boundary and logs key are its own."
  }
}

run "production_after_staging_pushes_nothing_and_is_refused_stagings_alarms" {
  command = plan

  variables {
    environments = ["staging", "production"]
    push_images  = false
  }

  assert {
    condition     = !contains([for statement in data.aws_iam_policy_document.deploy_compute.statement : statement.sid], "PushToTheRepository")
    error_message = "Production deploys the digest staging pushed: its deploy role pushes nothing."
  }

  assert {
    condition     = local.other_alarms == ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:svc-test-staging-*"] && one([for statement in data.aws_iam_policy_document.stack_read.statement : statement.effect if statement.sid == "NeverTheOtherEnvironmentsAlarms"]) == "Deny"
    error_message = "Production's alarm names are a prefix of staging's: its roles must be refused staging's alarms."
  }
}

run "an_environment_name_with_a_hyphen_is_refused" {
  command = plan

  variables {
    environment  = "pre-prod"
    environments = ["pre-prod", "production"]
  }

  expect_failures = [var.environment]
}

run "existing_oidc_provider_is_reused" {
  command = plan

  variables {
    create_oidc_provider = false
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && length(data.aws_iam_openid_connect_provider.github) == 1
    error_message = "With create_oidc_provider = false the existing provider must be looked up, not created."
  }
}

run "state_bucket_is_private_versioned_and_encrypted" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.state[0].versioning_configuration[0].status == "Enabled"
    error_message = "State versioning must be on."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.state[0].block_public_acls && aws_s3_bucket_public_access_block.state[0].block_public_policy && aws_s3_bucket_public_access_block.state[0].ignore_public_acls && aws_s3_bucket_public_access_block.state[0].restrict_public_buckets
    error_message = "All public access to the state bucket must be blocked."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.state[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "State must be encrypted with the state KMS key."
  }

  assert {
    condition = data.aws_iam_policy_document.state_bucket[0].statement[0].effect == "Deny" && [
      for condition in data.aws_iam_policy_document.state_bucket[0].statement[0].condition : condition.variable
    ] == ["aws:SecureTransport"]
    error_message = "The bucket policy must refuse requests without TLS."
  }
}

run "pipeline_roles_reach_only_this_stack_state" {
  command = plan

  assert {
    condition = toset(flatten([
      for statement in concat(data.aws_iam_policy_document.state_read.statement, data.aws_iam_policy_document.deploy_state_logs_and_keys.statement) :
      tolist(statement.resources) if contains(["ListStateBucket", "ReadThisStackState", "WriteThisStackState"], statement.sid)
      ])) == toset([
      "arn:aws:s3:::svc-test-tfstate-123456789012",
      "arn:aws:s3:::svc-test-tfstate-123456789012/svc-test/production/terraform.tfstate",
      "arn:aws:s3:::svc-test-tfstate-123456789012/svc-test/production/terraform.tfstate.tflock",
    ])
    error_message = "State object access must be limited to this stack's state object and its lock file."
  }

  assert {
    condition = alltrue([
      for statement in concat(data.aws_iam_policy_document.state_read.statement, data.aws_iam_policy_document.stack_read.statement) :
      statement.effect == "Deny" || alltrue([for action in statement.actions : can(regex(":(Describe|Get|List|Decrypt)", action))])
    ]) && length(data.aws_iam_policy_document.read.statement) == 0
    error_message = "The plan role gets only the read documents, which only describe, get, list and decrypt (or refuse)."
  }

  assert {
    condition     = toset([for key, attachment in local.attachments : attachment.policy if attachment.role == var.plan_role_name]) == toset(concat(["terraform-read"], var.domain_name == null ? [] : ["domain-read"]{% if cookiecutter.database == "postgres" %}, ["database-read"]{% endif %}))
    error_message = "The plan role must have the read policies (the stack's, and its domain's when it has one) and nothing else."
  }

  assert {
    condition     = length([for key, attachment in local.attachments : key if attachment.role == var.deploy_role_name]) <= 8 && alltrue([for key, attachment in local.attachments : !contains(["domain-read", "database-read"], attachment.policy) if attachment.role == var.deploy_role_name])
    error_message = "The deploy role carries the read statements inside its deploy-* policies: at most 8 of the 10 policies a role may have."
  }
}
{%- if cookiecutter.state_locking == "dynamodb" %}

run "lock_table_matches_the_s3_backend" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.lock[0].hash_key == "LockID" && aws_dynamodb_table.lock[0].billing_mode == "PAY_PER_REQUEST"
    error_message = "The lock table needs the LockID string key the S3 backend uses, billed on demand."
  }

  assert {
    condition     = aws_dynamodb_table.lock[0].point_in_time_recovery[0].enabled
    error_message = "Point-in-time recovery must be on for the lock table."
  }
}
{%- endif %}

# Production in an account of its own: its bootstrap creates no repository, and its roles name the one in
# staging's account; staging's repository lets exactly production's deploy and execution roles read images.
run "production_in_its_own_account_reads_stagings_repository" {
  command = plan

  variables {
    environments     = ["staging", "production"]
    push_images      = false
    image_account_id = "210987654321"
  }

  assert {
    condition     = length(aws_ecr_repository.app) + length(data.aws_ecr_repository.app) + length(aws_ecr_repository_policy.app) == 0 && length(aws_s3_bucket.state) == 1
    error_message = "Production in its own account creates its state bucket but neither creates nor reads an image repository."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.service_boundary.statement : statement.resources if statement.sid == "PullThisRepository"]) == toset(["arn:aws:ecr:us-east-1:210987654321:repository/svc-test"]) && output.ecr_repository_url == "210987654321.dkr.ecr.us-east-1.amazonaws.com/svc-test"
    error_message = "Production's service roles pull from the repository in staging's account."
  }
}

run "stagings_own_account_lets_productions_roles_read_its_images_only" {
  command = plan

  variables {
    environment      = "staging"
    environments     = ["staging", "production"]
    aws_account_id   = "210987654321"
    deploy_role_name = "svc-test-staging-deploy"
    plan_role_name   = "svc-test-staging-plan"
    state_bucket     = "svc-test-tfstate-210987654321"
    state_key        = "svc-test/staging/terraform.tfstate"
    image_readers    = ["arn:aws:iam::123456789012:role/svc-test-deploy", "arn:aws:iam::123456789012:role/svc-test-execution"]
  }

  assert {
    condition     = length(aws_ecr_repository.app) == 1 && length(aws_s3_bucket.state) == 1 && length(aws_ecr_repository_policy.app) == 1
    error_message = "Staging in its own account creates its state bucket, the image repository and the repository's policy."
  }

  assert {
    condition     = jsonencode([for statement in data.aws_iam_policy_document.image_readers[0].statement : [statement.effect, sort(statement.actions), [for principal in statement.principals : sort(principal.identifiers)], [for condition in statement.condition : [condition.test, condition.variable, condition.values]]]][0]) == jsonencode([null, ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"], [["arn:aws:iam::123456789012:root"]], [["ArnEquals", "aws:PrincipalArn", ["arn:aws:iam::123456789012:role/svc-test-deploy", "arn:aws:iam::123456789012:role/svc-test-execution"]]]])
    error_message = "Production's deploy and execution roles may read staging's images, nothing else, and no one else may."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.image_readers[0].statement : statement.effect if statement.sid == "OnlyThePipelineWritesImages"]) == "Deny"
    error_message = "Only staging's deploy role may write images production runs."
  }
}

run "the_image_repository_keeps_initial_and_the_rollback_window" {
  command = plan

  assert {
    condition     = aws_ecr_repository.app[0].image_tag_mutability == "IMMUTABLE" && aws_ecr_repository.app[0].image_scanning_configuration[0].scan_on_push
    error_message = "Images must be immutable and scanned on push."
  }

  assert {
    condition = [for rule in jsondecode(aws_ecr_lifecycle_policy.app[0].policy).rules : [rule.rulePriority, rule.selection.tagStatus, try(rule.selection.tagPatternList, [])]] == [
      [1, "tagged", ["initial"]], [2, "untagged", []], [3, "tagged", ["*"]],
    ]
    error_message = "The lifecycle policy must protect initial first, then expire untagged images, then keep the newest releases."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.app[0].policy).rules[2].selection.countNumber == var.releases_kept
    error_message = "The lifecycle policy must keep releases_kept releases."
  }
}

run "the_logs_key_serves_this_projects_log_groups_and_alarm_topic_only" {
  command = plan

  assert {
    condition     = jsonencode({ for condition in one([for statement in data.aws_iam_policy_document.logs_key.statement : statement if statement.sid == "CloudWatchAlarmsPublishToTheEncryptedTopic"]).condition : condition.variable => [condition.test, condition.values] }) == jsonencode({ "kms:EncryptionContext:aws:sns:topicArn" = ["StringEquals", ["arn:aws:sns:us-east-1:123456789012:svc-test-alarms"]] })
    error_message = "CloudWatch may use the key for this project's alarm topic only (confused deputy)."
  }

  assert {
    condition     = jsonencode([for condition in one([for statement in data.aws_iam_policy_document.logs_key.statement : statement if statement.sid == "CloudWatchLogsEncryptsTheseLogGroups"]).condition : condition.values]) == jsonencode([["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/svc-test", "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/svc-test/flow-logs"{% if cookiecutter.database == "postgres" %}, "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/svc-test/postgresql"{% endif %}]])
    error_message = "CloudWatch Logs may use the key for this project's log groups only."
  }
}
