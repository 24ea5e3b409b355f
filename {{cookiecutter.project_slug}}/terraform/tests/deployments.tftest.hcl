# How a release is rolled out ({{ cookiecutter.deployment_strategy }}, chosen when the project was
# rendered) and what rolls it back: the deployment alarms, wired into the service, and the alarm topic.
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

run "deployment_alarms_roll_back_the_release" {
  assert {
    condition     = aws_ecs_service.app.alarms[0].enable && aws_ecs_service.app.alarms[0].rollback
    error_message = "ECS must watch the deployment alarms during every deployment and roll back when one fires."
  }

  assert {
    condition = aws_ecs_service.app.alarms[0].alarm_names == toset([
      "svc-test-deploy-target-5xx-rate", "svc-test-deploy-load-balancer-5xx-rate",
      "svc-test-deploy-unhealthy-targets", "svc-test-deploy-p99-latency",
    ])
    error_message = "The service must watch exactly the four deployment alarms (target 5xx rate, load balancer 5xx rate, unhealthy targets, p99 latency)."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == {{ 11 if cookiecutter.database == "postgres" else 8 }} && alltrue([for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_actions == toset([aws_sns_topic.alarms.arn]) && alarm.ok_actions == toset([aws_sns_topic.alarms.arn])])
    error_message = "Every alarm must notify the alarm topic when it fires and when it clears."
  }

  assert {
    condition     = strcontains(one([for query in aws_cloudwatch_metric_alarm.this["deploy-target-5xx-rate"].metric_query : query.expression if query.expression != null]), "100 * errors0 / requests0")
    error_message = "The target 5xx alarm must be a rate of the requests (metric math), not a raw count."
  }

  assert {
    condition     = alltrue([for key, alarm in aws_cloudwatch_metric_alarm.this : endswith(alarm.alarm_description, " Runbook: https://github.com/acme/svc-test/blob/main/docs/runbook.md#svc-test-${key}.")])
    error_message = "Each alarm's description must end with the link to its own section of the runbook (the anchor after the file)."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "Without alarm_email, nothing is subscribed."
  }

  assert {
    condition     = jsonencode({ for condition in one([for statement in data.aws_iam_policy_document.alarm_topic.statement : statement if statement.sid == "TheseAlarmsPublish"]).condition : condition.variable => [condition.test, condition.values] }) == jsonencode({ "aws:SourceAccount" = ["StringEquals", ["123456789012"]], "aws:SourceArn" = ["ArnLike", ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:svc-test-*"]] })
    error_message = "Only this account's alarms of this project may publish to the alarm topic (confused deputy)."
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == data.aws_kms_alias.logs.target_key_arn
    error_message = "The alarm topic must be encrypted with the project's key (whose policy lets CloudWatch publish)."
  }
}

run "alarm_email_is_subscribed" {
  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].endpoint == "oncall@example.com" && aws_sns_topic_subscription.email[0].topic_arn == aws_sns_topic.alarms.arn
    error_message = "alarm_email must be subscribed to the alarm topic by email."
  }
}
{% if cookiecutter.deployment_strategy == "canary" %}
run "canary_moves_a_share_first_then_the_rest" {
  variables {
    canary_percent          = 20
    canary_bake_minutes     = 15
    deployment_bake_minutes = 7
  }

  assert {
    condition     = aws_ecs_service.app.deployment_configuration[0].strategy == "CANARY" && aws_ecs_service.app.deployment_configuration[0].bake_time_in_minutes == "7"
    error_message = "A canary service must deploy with ECS's CANARY strategy and keep the old revision for deployment_bake_minutes."
  }

  assert {
    condition     = aws_ecs_service.app.deployment_configuration[0].canary_configuration[0].canary_percent == 20 && aws_ecs_service.app.deployment_configuration[0].canary_configuration[0].canary_bake_time_in_minutes == "15"
    error_message = "The canary must take canary_percent of the traffic for canary_bake_minutes."
  }

  assert {
    condition     = output.smoke_requests_per_minute == "25"
    error_message = "The release job must send enough smoke requests for about five a minute to reach a 20 % canary, so that one failing them all trips the 5xx rate alarm (2 errors a minute, 2 of 3 minutes) on a quiet service."
  }

  assert {
    condition = (
      one(one(aws_ecs_service.app.load_balancer).advanced_configuration).alternate_target_group_arn == aws_lb_target_group.app["alternate"].arn
      && one(one(aws_ecs_service.app.load_balancer).advanced_configuration).production_listener_rule == aws_lb_listener_rule.production[0].arn
      && one(one(aws_ecs_service.app.load_balancer).advanced_configuration).role_arn == data.aws_iam_role.ecs_load_balancing[0].arn
    )
    error_message = "The service must name the alternate target group, the production rule and the role ECS shifts traffic with."
  }

  assert {
    condition     = [for group in aws_lb_listener_rule.production[0].action[0].forward[0].target_group : group.weight] == [100, 0] || [for group in aws_lb_listener_rule.production[0].action[0].forward[0].target_group : group.weight] == [0, 100]
    error_message = "The production rule must start with all traffic on one target group and none on the other."
  }

  assert {
    condition     = aws_ecs_service.app.deployment_circuit_breaker[0].enable && aws_ecs_service.app.deployment_circuit_breaker[0].rollback
    error_message = "Tasks that never start register with no target group and trip no alarm: the circuit breaker must end such a canary too."
  }

  assert {
    condition     = length(local.target_group_suffixes) == 2 && strcontains(one([for query in aws_cloudwatch_metric_alarm.this["deploy-target-5xx-rate"].metric_query : query.expression if query.expression != null]), "requests1")
    error_message = "The rate alarms must watch both target groups, so a failing canary trips them whatever its share."
  }
}
{% else %}
run "rolling_replaces_tasks_a_few_at_a_time" {
  assert {
    condition     = output.smoke_requests_per_minute == "0"
    error_message = "A rolling release needs no smoke requests."
  }

  assert {
    condition     = aws_ecs_service.app.deployment_configuration[0].strategy == "ROLLING"
    error_message = "A rolling service must deploy with ECS's ROLLING strategy."
  }

  assert {
    condition     = aws_ecs_service.app.deployment_circuit_breaker[0].enable && aws_ecs_service.app.deployment_circuit_breaker[0].rollback
    error_message = "The deployment circuit breaker must be on, with rollback."
  }

  assert {
    condition     = length(aws_lb_target_group.app) == 1 && length(aws_lb_listener_rule.production) == 0 && length(data.aws_iam_role.ecs_load_balancing) == 0
    error_message = "A rolling service needs no second target group, production rule or load balancing role."
  }

  assert {
    condition     = length(one(aws_ecs_service.app.load_balancer).advanced_configuration) == 0
    error_message = "A rolling service must not configure canary traffic shifting."
  }
}
{% endif %}

run "a_new_container_port_keeps_the_target_groups" {
  variables {
    container_port = 9090
  }

  assert {
    condition     = alltrue([for group in aws_lb_target_group.app : group.port != 9090])
    error_message = "Changing container_port must not replace the target groups (ECS registers tasks with their port; the service and the production rule point at these groups)."
  }

}
