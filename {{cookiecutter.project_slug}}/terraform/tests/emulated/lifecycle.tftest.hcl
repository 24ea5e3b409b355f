# `make tf-emulated`: applies the whole stack into the emulated AWS account that scripts/aws_emulator.py runs
# on this machine (moto), reads it back, and destroys it. It proves that AWS's APIs, as moto models them,
# accept every resource and argument of the stack and return what the stack expects; it does not prove
# permissions, quotas or real rollouts (docs/testing.md).

variables {
  # terraform test destroys what it applied; protection would refuse that.
{%- if cookiecutter.database == "postgres" %}
  enable_deletion_protection   = false
  database_deletion_protection = false
{%- else %}
  enable_deletion_protection = false
{%- endif %}
  # One emulated account holds the stand-in image repository, also when production has an account of its own.
  image_account_id = null
}

# The bootstrap stack's image repository, which the service stack reads.
run "bootstrap_image_repository" {
  module {
    source = "./tests/emulated/bootstrap"
  }
}

run "the_stack_applies" {
  command = apply

  assert {
    condition     = length(aws_subnet.public) == length(var.availability_zones) && length(aws_subnet.private) == length(var.availability_zones)
    error_message = "Every availability zone must get a public and a private subnet."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == (var.nat_mode == "per-az" ? length(var.availability_zones) : 1)
    error_message = "The NAT gateways must follow nat_mode."
  }

  assert {
    condition     = aws_lb.this.dns_name != "" && startswith(output.service_url, var.enable_https ? "https://" : "http://")
    error_message = "The load balancer must have a DNS name, and the service URL its scheme."
  }

  assert {
    condition     = aws_ecs_service.app.desired_count == var.min_capacity && aws_appautoscaling_target.app.max_capacity == var.max_capacity
    error_message = "The service must start with min_capacity tasks and scale up to max_capacity."
  }

  assert {
    condition     = aws_cloudwatch_log_group.app.kms_key_id == data.aws_kms_alias.logs.target_key_arn && aws_sns_topic.alarms.kms_master_key_id == data.aws_kms_alias.logs.target_key_arn
    error_message = "The service's logs and alarm topic must be encrypted with the bootstrap's logs key."
  }

  assert {
    condition     = var.domain_name == null ? true : output.service_url == "https://${var.domain_name}" && aws_lb_listener.https[0].certificate_arn == aws_acm_certificate.this[0].arn
    error_message = "With a domain, the service must be served at it, with the certificate the stack requested and ACM issued."
  }
}

# A plan after the apply refreshes every resource from the emulated APIs: what they return must be what
# the stack set, or every later plan would show a change.
run "what_the_apis_return_matches_the_stack" {
  command = plan

  assert {
    condition     = aws_ecs_service.app.health_check_grace_period_seconds == 60 && aws_ecs_service.app.enable_ecs_managed_tags
    error_message = "The service must keep its grace period and managed tags."
  }

  assert {
    condition     = aws_ecs_service.app.alarms[0].rollback && toset(aws_ecs_service.app.alarms[0].alarm_names) == toset(output.deployment_alarm_names)
    error_message = "The service must keep its deployment alarms, with rollback."
  }

  assert {
    condition     = alltrue([for name in output.deployment_alarm_names : contains([for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name], name)])
    error_message = "Every alarm the service watches must exist."
  }
{% if cookiecutter.deployment_strategy == "canary" %}
  assert {
    condition     = aws_ecs_service.app.deployment_configuration[0].strategy == "CANARY" && aws_ecs_service.app.deployment_configuration[0].canary_configuration[0].canary_percent == var.canary_percent
    error_message = "The service must keep its canary strategy and share."
  }

  assert {
    condition     = one(one(aws_ecs_service.app.load_balancer).advanced_configuration).production_listener_rule == aws_lb_listener_rule.production[0].arn
    error_message = "The service must keep the production rule ECS shifts traffic on."
  }
{% endif %}
  assert {
    condition     = aws_ecs_service.app.deployment_circuit_breaker[0].enable && aws_ecs_service.app.deployment_circuit_breaker[0].rollback
    error_message = "The service must keep its circuit breaker with rollback."
  }
  assert {
    condition     = aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value == var.cpu_target_percent
    error_message = "The CPU target must read back as set."
  }
}
