package deploy

import "testing"

// TestK8sNATSUserPerService checks that each Deployment or StatefulSet authenticates to
// NATS as its own user of nats-secure.conf, from a Secret of its own,
// and that no Secret names a user the server does not have.
func TestK8sNATSUserPerService(t *testing.T) {
	m := loadK8s(t, "k8s/base")
	for _, svc := range pipeline {
		d := m.workloads[svc]
		if d == nil {
			t.Errorf("no Deployment or StatefulSet %s", svc)
			continue
		}
		var users []string
		for _, c := range d.template.Spec.Containers {
			for _, e := range c.EnvFrom {
				if e.SecretRef == nil {
					continue
				}
				s := m.secrets[e.SecretRef.Name]
				if s == nil {
					continue
				}
				if u, ok := s.StringData["NEWSFLOW_NATS_USER"]; ok {
					users = append(users, u)
					if _, ok := s.StringData["NEWSFLOW_NATS_PASSWORD"]; !ok {
						t.Errorf("%s: Secret %s has a NATS user but no NEWSFLOW_NATS_PASSWORD", svc, s.Name)
					}
				}
			}
		}
		if len(users) != 1 || users[0] != svc {
			t.Errorf("%s: NATS users from Secrets = %v, want exactly its own user %q", svc, users, svc)
		}
	}
	for name, s := range m.secrets {
		if u, ok := s.StringData["NEWSFLOW_NATS_USER"]; ok && !contains(natsUsers, u) {
			t.Errorf("Secret %s: NATS user %q is not in nats-secure.conf (%v)", name, u, natsUsers)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
