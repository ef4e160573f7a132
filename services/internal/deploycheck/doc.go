// Package deploycheck holds no code: its tests load the deployment files
// (docker-compose.yml, deploy/Dockerfile, deploy/nats, deploy/prometheus,
// deploy/grafana and deploy/k8s) and check the settings the project
// promises in deploy/README.md — JetStream fsync or R3, Redis AOF and
// noeviction, healthchecks and probes, the NEWSMILL_* names the services
// read — so that an edit cannot weaken them unnoticed. No Docker or
// Kubernetes is needed: the files are parsed with the same loaders the
// tools use (compose-go, nats-server's config parser, yaml.v3).
//
// It may import any newsmill package; nothing imports it.
package deploycheck
