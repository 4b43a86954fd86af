// Package deploy holds the tests that check newsflow's deployment files:
// docker-compose.yml, the Dockerfiles, the Kibana saved objects, the NATS
// definitions and the Kubernetes manifests. It has no code of its own to
// ship; its tests run without Docker, Kubernetes or Elasticsearch.
package deploy
