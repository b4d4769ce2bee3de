# Broken on purpose (tests/lint/README.md): floating provider version, literal secret.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 3.0"
    }
  }
}

resource "docker_container" "grafana" {
  name  = "grafana"
  image = "grafana/grafana:11.2.0"
  env   = ["GF_SECURITY_ADMIN_PASSWORD=hunter2hunter2"]
}
