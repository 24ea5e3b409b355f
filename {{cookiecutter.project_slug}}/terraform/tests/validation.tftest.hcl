# Each run gives one bad value and expects exactly that variable's validation to refuse it.
mock_provider "aws" {
{% include "terraform/tests/{#aws-mocks.hcl#}" %}
{% include "terraform/tests/{#aws-mock-overrides.hcl#}" %}
}

variables {
  project            = "svc-test"
  repository         = "acme/svc-test"
  aws_region         = "us-east-1"
  availability_zones = ["us-east-1a", "us-east-1b"]
}

run "rejects_a_single_az" {
  command = plan

  variables {
    availability_zones = ["us-east-1a"]
  }

  expect_failures = [var.availability_zones]
}

run "rejects_a_repeated_az" {
  command = plan

  variables {
    availability_zones = ["us-east-1a", "us-east-1a"]
  }

  expect_failures = [var.availability_zones]
}

run "rejects_an_az_of_another_region" {
  command = plan

  variables {
    availability_zones = ["us-east-1a", "us-west-2b"]
  }

  expect_failures = [var.availability_zones]
}

run "rejects_an_unknown_task_size" {
  command = plan

  variables {
    task_cpu = 300
  }

  expect_failures = [var.task_cpu]
}

run "rejects_memory_fargate_refuses" {
  command = plan

  variables {
    task_memory = 4096
  }

  expect_failures = [var.task_memory]
}

run "rejects_a_cpu_target_above_100" {
  command = plan

  variables {
    cpu_target_percent = 101
  }

  expect_failures = [var.cpu_target_percent]
}

run "rejects_a_cpu_target_of_zero" {
  command = plan

  variables {
    cpu_target_percent = 0
  }

  expect_failures = [var.cpu_target_percent]
}

run "rejects_max_below_min" {
  command = plan

  variables {
    min_capacity = 4
    max_capacity = 3
  }

  expect_failures = [var.max_capacity]
}

run "rejects_a_privileged_port" {
  command = plan

  variables {
    container_port = 80
  }

  expect_failures = [var.container_port]
}

run "rejects_https_without_a_certificate" {
  command = plan

  variables {
    enable_https = true
  }

  expect_failures = [var.acm_certificate_arn]
}

run "rejects_a_vpc_cidr_with_host_bits" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.1/16"
  }

  expect_failures = [var.vpc_cidr]
}

run "rejects_a_vpc_cidr_too_small_to_split" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.0/24"
  }

  expect_failures = [var.vpc_cidr]
}

run "rejects_an_unsupported_retention" {
  command = plan

  variables {
    log_retention_days = 31
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_an_unknown_nat_mode" {
  command = plan

  variables {
    nat_mode = "none"
  }

  expect_failures = [var.nat_mode]
}

run "rejects_a_project_name_aws_refuses" {
  command = plan

  variables {
    project = "Orders_API"
  }

  expect_failures = [var.project]
}

run "rejects_a_request_timeout_that_slows_deploys" {
  command = plan

  variables {
    request_timeout_seconds = 60
  }

  expect_failures = [var.request_timeout_seconds]
}

run "rejects_a_canary_of_no_traffic" {
  command = plan

  variables {
    canary_percent = 0
  }

  expect_failures = [var.canary_percent]
}

run "rejects_a_canary_of_most_traffic" {
  command = plan

  variables {
    canary_percent = 60
  }

  expect_failures = [var.canary_percent]
}

run "rejects_a_canary_bake_shorter_than_the_alarms" {
  command = plan

  variables {
    canary_bake_minutes = 4
  }

  expect_failures = [var.canary_bake_minutes]
}

run "rejects_a_deployment_bake_shorter_than_the_alarms" {
  command = plan

  variables {
    deployment_bake_minutes = 4
  }

  expect_failures = [var.deployment_bake_minutes]
}

run "rejects_an_alarm_email_that_is_not_an_address" {
  command = plan

  variables {
    alarm_email = "oncall at example.com"
  }

  expect_failures = [var.alarm_email]
}

run "rejects_an_unknown_container_insights_level" {
  command = plan

  variables {
    container_insights = "full"
  }

  expect_failures = [var.container_insights]
}

run "rejects_a_latency_alarm_above_the_request_timeout" {
  command = plan

  variables {
    latency_alarm_seconds = 30
  }

  expect_failures = [var.latency_alarm_seconds]
}
