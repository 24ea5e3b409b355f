# A domain of its own: the certificate ACM validates through records in the zone, the HTTPS listener
# serving it, the alias to the load balancer, and the combinations of inputs that are refused.
mock_provider "aws" {
{% include "terraform/tests/{#aws-mocks.hcl#}" %}
{% include "terraform/tests/{#aws-mock-overrides.hcl#}" %}
}

variables {
  project            = "svc-test"
  repository         = "acme/svc-test"
  aws_region         = "us-east-1"
  availability_zones = ["us-east-1a", "us-east-1b"]
  enable_https       = true
  domain_name        = "orders.example.com"
  hosted_zone        = "example.com"
}

# What ACM answers a DNS-validated request with: the record it waits for.
override_resource {
  target = aws_acm_certificate.this
  values = {
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
    domain_validation_options = [{
      domain_name           = "orders.example.com"
      resource_record_name  = "_0123abcd.orders.example.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_4567efgh.acm-validations.aws."
    }]
  }
}

run "the_domain_gets_a_validated_certificate_and_an_alias" {
  assert {
    condition     = aws_acm_certificate.this[0].domain_name == "orders.example.com" && aws_acm_certificate.this[0].validation_method == "DNS"
    error_message = "The stack must request the domain's certificate with DNS validation."
  }

  assert {
    condition = (
      aws_route53_record.certificate_validation["orders.example.com"].name == "_0123abcd.orders.example.com."
      && aws_route53_record.certificate_validation["orders.example.com"].type == "CNAME"
      && aws_route53_record.certificate_validation["orders.example.com"].records == toset(["_4567efgh.acm-validations.aws."])
      && aws_route53_record.certificate_validation["orders.example.com"].zone_id == "Z0123456789ABCDEFGHIJ"
    )
    error_message = "The validation record ACM asks for must be created in the hosted zone."
  }

  assert {
    condition     = aws_acm_certificate_validation.this[0].certificate_arn == aws_acm_certificate.this[0].arn
    error_message = "The stack must wait for that certificate's validation."
  }

  assert {
    condition     = aws_lb_listener.https[0].certificate_arn == aws_acm_certificate_validation.this[0].certificate_arn
    error_message = "The HTTPS listener must serve the validated certificate (after validation, not before)."
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "HTTP must redirect to HTTPS."
  }

  assert {
    condition = (
      aws_route53_record.service[0].name == "orders.example.com" && aws_route53_record.service[0].type == "A"
      && aws_route53_record.service[0].alias[0].name == aws_lb.this.dns_name && aws_route53_record.service[0].alias[0].evaluate_target_health
    )
    error_message = "The domain must be an alias of the load balancer."
  }

  assert {
    condition     = output.service_url == "https://orders.example.com"
    error_message = "The service URL must be the domain, over HTTPS."
  }
}

run "without_a_domain_nothing_of_it_is_created" {
  variables {
    enable_https = false
    domain_name  = null
    hosted_zone  = null
  }

  assert {
    condition     = length(aws_acm_certificate.this) == 0 && length(aws_route53_record.service) == 0 && length(aws_route53_record.certificate_validation) == 0
    error_message = "Without a domain, no certificate or record may be created."
  }
}

run "refuses_a_domain_without_its_zone" {
  command = plan

  variables {
    hosted_zone = null
  }

  expect_failures = [var.domain_name]
}

run "refuses_a_domain_outside_its_zone" {
  command = plan

  variables {
    hosted_zone = "example.org"
  }

  expect_failures = [var.domain_name]
}

run "refuses_a_domain_without_https" {
  command = plan

  variables {
    enable_https = false
  }

  expect_failures = [var.domain_name]
}

run "refuses_a_domain_with_a_certificate_of_its_own" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  }

  expect_failures = [var.acm_certificate_arn]
}

run "refuses_a_name_that_is_not_a_domain" {
  command = plan

  variables {
    domain_name = "Orders.Example.com."
  }

  expect_failures = [var.domain_name]
}
