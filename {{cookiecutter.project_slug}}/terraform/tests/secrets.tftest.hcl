# Secrets reach the container from SSM Parameter Store by name only, and the execution role may read
# exactly those parameters.
mock_provider "aws" {
{% include "terraform/tests/{#aws-mocks.hcl#}" %}
{% include "terraform/tests/{#aws-mock-overrides.hcl#}" %}
}

variables {
  project            = "svc-test"
  repository         = "acme/svc-test"
  aws_region         = "us-east-1"
  availability_zones = ["us-east-1a", "us-east-1b"]
  secrets = {
    APP_API_KEY       = "/svc-test/app-api-key"
    APP_PARTNER_TOKEN = "/svc-test/partner/token"
  }
}

run "secrets_are_references_never_values" {
  assert {
    condition = jsondecode(aws_ecs_task_definition.app.container_definitions)[0].secrets == [
      { name = "APP_API_KEY", valueFrom = "arn:aws:ssm:us-east-1:123456789012:parameter/svc-test/app-api-key" },
      { name = "APP_PARTNER_TOKEN", valueFrom = "arn:aws:ssm:us-east-1:123456789012:parameter/svc-test/partner/token" },{% if cookiecutter.database == "postgres" %}
      # The database's application login, from its Secrets Manager secret (postgres.tf).
      { name = "APP_DATABASE_PASSWORD", valueFrom = "${aws_secretsmanager_secret.app_login.arn}:password::" },{% endif %}
    ]
    error_message = "Each secret must reach the container as a valueFrom reference to its SSM parameter."
  }

  assert {
    condition     = length(setintersection([for item in jsondecode(aws_ecs_task_definition.app.container_definitions)[0].environment : item.name], keys(var.secrets))) == 0
    error_message = "No secret may be set as a plain environment variable."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.execution.statement : statement.resources if statement.sid == "ReadTheseSecrets"]) == toset(["arn:aws:ssm:us-east-1:123456789012:parameter/svc-test/app-api-key", "arn:aws:ssm:us-east-1:123456789012:parameter/svc-test/partner/token"])
    error_message = "The execution role must read exactly the configured parameters."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.execution.statement : statement.actions if statement.sid == "ReadTheseSecrets"]) == toset(["ssm:GetParameters"])
    error_message = "The execution role may only get the parameters' values."
  }

  assert {
    condition     = length([for statement in data.aws_iam_policy_document.execution.statement : statement if statement.sid == "DecryptTheSecretsThroughSsm"]) == 0
    error_message = "With SSM's default key, no KMS permission is needed or granted."
  }
}

run "a_customer_key_is_used_through_ssm_only" {
  variables {
    secrets_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  }

  assert {
    condition     = jsonencode([for condition in one([for statement in data.aws_iam_policy_document.execution.statement : statement if statement.sid == "DecryptTheSecretsThroughSsm"]).condition : [condition.test, condition.variable, condition.values]]) == jsonencode([["StringEquals", "kms:ViaService", ["ssm.us-east-1.amazonaws.com"]]])
    error_message = "The key may be used only by SSM on the role's behalf."
  }
}

run "a_multi_region_customer_key_is_accepted" {
  variables {
    secrets_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
  }

  assert {
    condition     = contains(one([for statement in data.aws_iam_policy_document.execution.statement : statement if statement.sid == "DecryptTheSecretsThroughSsm"]).resources, "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab")
    error_message = "A multi-Region key (key/mrk-...) must be accepted and granted like any other key."
  }
}

run "without_secrets_the_role_reads_none" {
  variables {
    secrets = {}
  }

  assert {
    condition     = length([for statement in data.aws_iam_policy_document.execution.statement : statement if statement.sid == "ReadTheseSecrets"]) == 0 && jsondecode(aws_ecs_task_definition.app.container_definitions)[0].secrets == [{% if cookiecutter.database == "postgres" %}{ name = "APP_DATABASE_PASSWORD", valueFrom = "${aws_secretsmanager_secret.app_login.arn}:password::" }{% endif %}]
    error_message = "Without secrets, the role reads no parameter and the container gets none."
  }
}

run "refuses_a_secret_outside_the_project" {
  command = plan

  variables {
    secrets = { APP_API_KEY = "/other-service/api-key" }
  }

  expect_failures = [var.secrets]
}

run "refuses_a_secret_that_shadows_a_setting" {
  command = plan

  variables {
    secrets = { APP_PORT = "/svc-test/port" }
  }

  expect_failures = [var.secrets]
}
