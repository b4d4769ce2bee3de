# Broken on purpose (tests/lint/README.md): missing closing brace.
terraform {
  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "3.0.2"
    }
}

resource "docker_network" "monitoring" {
  name = "infra-monitor"
}
