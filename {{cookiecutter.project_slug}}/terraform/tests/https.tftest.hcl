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

run "http_forwards_when_https_is_off" {
  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "forward" && length(aws_lb_listener.https) == 0
    error_message = "Without HTTPS, port 80 must forward to the service."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.alb_listeners) == ["80"]
    error_message = "Without HTTPS, only port 80 may be open."
  }
}

run "http_redirects_to_https_when_on" {
  variables {
    enable_https        = true
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301"
    error_message = "With HTTPS on, port 80 must redirect to HTTPS permanently."
  }

  assert {
    condition     = aws_lb_listener.https[0].port == 443 && aws_lb_listener.https[0].certificate_arn == var.acm_certificate_arn
    error_message = "With HTTPS on, port 443 must serve the given certificate."
  }

  assert {
    condition     = startswith(aws_lb_listener.https[0].ssl_policy, "ELBSecurityPolicy-TLS13-1-2")
    error_message = "The HTTPS listener must use a TLS 1.3 policy with TLS 1.2 as the floor."
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.alb_listeners) == ["443", "80"]
    error_message = "With HTTPS on, ports 80 and 443 must be open."
  }
}

run "load_balancer_drops_invalid_headers" {
  assert {
    condition     = aws_lb.this.drop_invalid_header_fields
    error_message = "The load balancer must drop invalid header fields."
  }
}
