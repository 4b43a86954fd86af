package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/newsflow/newsflow/pkg/stage"
)

// kustomization mirrors the fields of kustomize's Kustomization that
// these manifests use; decoding is strict, so any other field fails.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Namespace  string           `json:"namespace,omitempty"`
	Resources  []string         `json:"resources,omitempty"`
	Images     []kustomizeImage `json:"images,omitempty"`
	Patches    []struct {
		Path   string `json:"path,omitempty"`
		Patch  string `json:"patch,omitempty"`
		Target *struct {
			Group         string `json:"group,omitempty"`
			Version       string `json:"version,omitempty"`
			Kind          string `json:"kind,omitempty"`
			Name          string `json:"name,omitempty"`
			LabelSelector string `json:"labelSelector,omitempty"`
		} `json:"target,omitempty"`
	} `json:"patches,omitempty"`
}

// kustomizeImage is an entry of a Kustomization's images.
type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// scaledObject mirrors the keda.sh/v1alpha1 ScaledObject fields used
// here (KEDA's own Go types would pull in its whole dependency tree).
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			APIVersion string `json:"apiVersion,omitempty"`
			Kind       string `json:"kind,omitempty"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		PollingInterval *int32 `json:"pollingInterval,omitempty"`
		CooldownPeriod  *int32 `json:"cooldownPeriod,omitempty"`
		MinReplicaCount *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount *int32 `json:"maxReplicaCount,omitempty"`
		Fallback        *struct {
			FailureThreshold int32 `json:"failureThreshold"`
			Replicas         int32 `json:"replicas"`
		} `json:"fallback,omitempty"`
		Advanced *struct {
			HorizontalPodAutoscalerConfig *struct {
				Name     string                                         `json:"name,omitempty"`
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
			} `json:"horizontalPodAutoscalerConfig,omitempty"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
			Type     string            `json:"type"`
			Name     string            `json:"name,omitempty"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// manifests is everything a kustomization directory renders, by kind.
type manifests struct {
	kust          kustomization
	workloads     map[string]*workload
	pdbs          map[string]*policyv1.PodDisruptionBudget
	configMaps    map[string]*corev1.ConfigMap
	secrets       map[string]*corev1.Secret
	services      map[string]*corev1.Service
	namespaces    map[string]*corev1.Namespace
	scaledObjects map[string]*scaledObject
}

// workload is a Deployment or a StatefulSet: what the tests check of
// either.
type workload struct {
	kind string
	metav1.ObjectMeta
	selector *metav1.LabelSelector
	template corev1.PodTemplateSpec
	claims   []corev1.PersistentVolumeClaim // a StatefulSet's volumeClaimTemplates
	set      *appsv1.StatefulSet            // nil for a Deployment
}

// volumes returns the volumes its containers may mount: the pod's and
// the claims'.
func (w *workload) volumes() []corev1.Volume {
	v := slices.Clone(w.template.Spec.Volumes)
	for _, c := range w.claims {
		v = append(v, corev1.Volume{Name: c.Name})
	}
	return v
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// loadK8s decodes dir's kustomization and, recursively, every resource it
// lists, each strictly into its Kubernetes type.
func loadK8s(t *testing.T, dir string) *manifests {
	t.Helper()
	m := &manifests{
		workloads:     map[string]*workload{},
		pdbs:          map[string]*policyv1.PodDisruptionBudget{},
		configMaps:    map[string]*corev1.ConfigMap{},
		secrets:       map[string]*corev1.Secret{},
		services:      map[string]*corev1.Service{},
		namespaces:    map[string]*corev1.Namespace{},
		scaledObjects: map[string]*scaledObject{},
	}
	m.load(t, dir, true)
	return m
}

func (m *manifests) load(t *testing.T, dir string, top bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("%s: %s %s, want kustomize.config.k8s.io/v1beta1 Kustomization", dir, k.APIVersion, k.Kind)
	}
	if top {
		m.kust = k
	} else {
		m.kust.Images = append(m.kust.Images, k.Images...)
	}
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		st, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: resource %s: %v", dir, r, err)
			continue
		}
		if st.IsDir() {
			m.load(t, path, false)
			continue
		}
		m.decodeFile(t, path)
	}
}

func (m *manifests) decodeFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range docSeparator.Split(string(data), -1) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Errorf("%s doc %d: %v", path, i, err)
			continue
		}
		if tm.Kind == "" {
			if strings.TrimSpace(stripComments(doc)) != "" {
				t.Errorf("%s doc %d: no kind", path, i)
			}
			continue
		}
		var obj interface{ GetName() string }
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			if strictDecode(t, path, i, doc, d) {
				m.workloads[d.Name] = &workload{kind: tm.Kind, ObjectMeta: d.ObjectMeta, selector: d.Spec.Selector, template: d.Spec.Template}
			}
			continue
		case "apps/v1 StatefulSet":
			s := &appsv1.StatefulSet{}
			if strictDecode(t, path, i, doc, s) {
				m.workloads[s.Name] = &workload{kind: tm.Kind, ObjectMeta: s.ObjectMeta, selector: s.Spec.Selector,
					template: s.Spec.Template, claims: s.Spec.VolumeClaimTemplates, set: s}
			}
			continue
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			obj, m.pdbs[name(t, doc)] = p, p
		case "v1 ConfigMap":
			c := &corev1.ConfigMap{}
			obj, m.configMaps[name(t, doc)] = c, c
		case "v1 Secret":
			s := &corev1.Secret{}
			obj, m.secrets[name(t, doc)] = s, s
		case "v1 Service":
			s := &corev1.Service{}
			obj, m.services[name(t, doc)] = s, s
		case "v1 Namespace":
			n := &corev1.Namespace{}
			obj, m.namespaces[name(t, doc)] = n, n
		case "keda.sh/v1alpha1 ScaledObject":
			s := &scaledObject{}
			obj, m.scaledObjects[name(t, doc)] = s, s
		default:
			t.Errorf("%s doc %d: unexpected %s %s", path, i, tm.APIVersion, tm.Kind)
			continue
		}
		strictDecode(t, path, i, doc, obj)
	}
}

// strictDecode decodes doc into obj, reporting a field obj does not have.
func strictDecode(t *testing.T, path string, i int, doc string, obj any) bool {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
		t.Errorf("%s doc %d: %v", path, i, err)
		return false
	}
	return true
}

func name(t *testing.T, doc string) string {
	var o struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(doc), &o); err != nil || o.Metadata.Name == "" {
		t.Errorf("a manifest without metadata.name: %v", err)
	}
	return o.Metadata.Name
}

func stripComments(doc string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

var recommendedLabels = []string{
	"app.kubernetes.io/name",
	"app.kubernetes.io/instance",
	"app.kubernetes.io/component",
	"app.kubernetes.io/part-of",
	"app.kubernetes.io/version",
	"app.kubernetes.io/managed-by",
}

func TestK8sManifestsDecode(t *testing.T) {
	for _, dir := range []string{"k8s/base", "k8s/keda"} {
		m := loadK8s(t, dir)
		if got := len(m.workloads); got != len(pipeline) {
			t.Errorf("%s: %d Deployments and StatefulSets, want %d", dir, got, len(pipeline))
		}
		if m.kust.Namespace == "" {
			t.Errorf("%s: no namespace", dir)
		}
	}
}

func TestK8sDeployments(t *testing.T) {
	m := loadK8s(t, "k8s/base")
	shutdown, err := time.ParseDuration(m.configMaps["newsflow-stage"].Data["NEWSFLOW_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Fatalf("newsflow-stage NEWSFLOW_SHUTDOWN_TIMEOUT: %v", err)
	}
	for _, svc := range pipeline {
		d, ok := m.workloads[svc]
		if !ok {
			t.Errorf("no Deployment or StatefulSet %s", svc)
			continue
		}
		pod := d.template
		for _, l := range recommendedLabels {
			if d.Labels[l] == "" || pod.Labels[l] == "" {
				t.Errorf("%s: label %s missing on the %s or its pods", svc, l, d.kind)
			}
		}
		if pod.Labels["app.kubernetes.io/name"] != svc {
			t.Errorf("%s: pods named %q", svc, pod.Labels["app.kubernetes.io/name"])
		}
		sel, err := metav1.LabelSelectorAsSelector(d.selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			t.Errorf("%s: selector %v does not select its own pods (%v)", svc, d.selector, err)
		}
		if _, ok := d.selector.MatchLabels["app.kubernetes.io/version"]; ok {
			t.Errorf("%s: selector includes the version, so upgrades cannot change it", svc)
		}
		// The grace period covers the preStop delay (endpoints removed
		// before SIGTERM) and then the whole ordered drain.
		var preStop time.Duration
		if c := pod.Spec.Containers; len(c) == 1 && c[0].Lifecycle != nil && c[0].Lifecycle.PreStop != nil && c[0].Lifecycle.PreStop.Sleep != nil {
			preStop = time.Duration(c[0].Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		if preStop < 2*time.Second {
			t.Errorf("%s: preStop sleep %s; want a few seconds for the endpoints to drop the pod before SIGTERM", svc, preStop)
		}
		if g := pod.Spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= preStop+shutdown {
			t.Errorf("%s: terminationGracePeriodSeconds %v not above the preStop sleep %s plus NEWSFLOW_SHUTDOWN_TIMEOUT %s", svc, g, preStop, shutdown)
		}
		if sc := pod.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s: pods may run as root", svc)
		}
		if len(pod.Spec.Containers) != 1 {
			t.Fatalf("%s: %d containers, want 1", svc, len(pod.Spec.Containers))
		}
		c := pod.Spec.Containers[0]
		checkContainer(t, m, svc, c, d.volumes())
	}
}

func checkContainer(t *testing.T, m *manifests, svc string, c corev1.Container, volumes []corev1.Volume) {
	t.Helper()
	if img, _, _ := strings.Cut(c.Image, ":"); img != "newsflow/"+svc {
		t.Errorf("%s: image %s, want newsflow/%s", svc, c.Image, svc)
	} else if !slices.ContainsFunc(m.kust.Images, func(i kustomizeImage) bool { return i.Name == img }) {
		t.Errorf("%s: image %s has no entry in the kustomization's images", svc, img)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	probes := []struct {
		what  string
		probe *corev1.Probe
		path  string
	}{
		{"liveness", c.LivenessProbe, "/healthz"},
		{"readiness", c.ReadinessProbe, "/readyz"},
	}
	for _, p := range probes {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s: no HTTP %s probe", svc, p.what)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s: %s probe on %s, want %s", svc, p.what, p.probe.HTTPGet.Path, p.path)
		}
		if port := p.probe.HTTPGet.Port.String(); ports[port] == 0 {
			t.Errorf("%s: %s probe port %q is not a named container port %v", svc, p.what, port, ports)
		}
	}
	if ports["http"] != 8080 {
		t.Errorf("%s: http port %d, want 8080 (NEWSFLOW_HTTP_ADDR)", svc, ports["http"])
	}
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() {
		t.Errorf("%s: requests %v, want cpu and memory", svc, req)
	}
	if lim.Memory().IsZero() || lim.Memory().Cmp(*req.Memory()) < 0 {
		t.Errorf("%s: memory limit %v, want one at least the request %v", svc, lim.Memory(), req.Memory())
	}
	// The Go runtime's soft limit sits below the container's, with room
	// for what the runtime does not count (the binary's mapped pages,
	// stacks): a soft limit at the container's would let the heap fill it
	// before the collector worked harder.
	var soft string
	for _, e := range c.Env {
		if e.Name == "NEWSFLOW_MEMORY_LIMIT" {
			soft = e.Value
		}
		if e.Name == "GOMEMLIMIT" {
			t.Errorf("%s: GOMEMLIMIT set; NEWSFLOW_MEMORY_LIMIT replaces it", svc)
		}
	}
	if size, err := stage.ParseByteSize(soft); err != nil || float64(size) < 0.7*float64(lim.Memory().Value()) || float64(size) > 0.9*float64(lim.Memory().Value()) {
		t.Errorf("%s: NEWSFLOW_MEMORY_LIMIT %q (%v); want 70-90 %% of the container's memory limit %v", svc, soft, err, lim.Memory())
	}
	if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: container may escalate privileges or write its root filesystem", svc)
	}
	var cms, secrets int
	for _, e := range c.EnvFrom {
		switch {
		case e.ConfigMapRef != nil:
			cms++
			if _, ok := m.configMaps[e.ConfigMapRef.Name]; !ok {
				t.Errorf("%s: envFrom ConfigMap %s is not in the kustomization", svc, e.ConfigMapRef.Name)
			}
		case e.SecretRef != nil:
			secrets++
			if _, ok := m.secrets[e.SecretRef.Name]; !ok {
				t.Errorf("%s: envFrom Secret %s is not in the kustomization", svc, e.SecretRef.Name)
			}
		}
	}
	if cms == 0 || secrets == 0 {
		t.Errorf("%s: config from %d ConfigMaps and %d Secrets, want both", svc, cms, secrets)
	}
	vols := map[string]bool{}
	for _, v := range volumes {
		vols[v.Name] = true
	}
	for _, vm := range c.VolumeMounts {
		if !vols[vm.Name] {
			t.Errorf("%s: mount %s has no volume", svc, vm.Name)
		}
	}
	// Every file path setting must point into a mount.
	for name, value := range containerEnv(m, c) {
		if strings.HasSuffix(name, "_CERT") && value != "" && !slices.ContainsFunc(c.VolumeMounts, func(vm corev1.VolumeMount) bool {
			return strings.HasPrefix(value, vm.MountPath+"/")
		}) {
			t.Errorf("%s: %s=%s is not under any volume mount", svc, name, value)
		}
	}
}

// containerEnv is the environment a container gets from its ConfigMaps,
// Secrets and env entries (values of Secret keys and valueFrom are "").
func containerEnv(m *manifests, c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.EnvFrom {
		if e.ConfigMapRef != nil {
			if cm := m.configMaps[e.ConfigMapRef.Name]; cm != nil {
				for k, v := range cm.Data {
					env[e.Prefix+k] = v
				}
			}
		}
		if e.SecretRef != nil {
			if s := m.secrets[e.SecretRef.Name]; s != nil {
				for k := range s.StringData {
					env[e.Prefix+k] = ""
				}
				for k := range s.Data {
					env[e.Prefix+k] = ""
				}
			}
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// TestK8sEnvNamesRead checks that every NEWSFLOW_* variable a Deployment
// gets from its ConfigMaps, Secrets and env is read by that service.
func TestK8sEnvNamesRead(t *testing.T) {
	m := loadK8s(t, "k8s/base")
	for _, svc := range pipeline {
		d := m.workloads[svc]
		if d == nil {
			t.Errorf("no Deployment or StatefulSet %s", svc)
			continue
		}
		read := envNamesRead(t, svc)
		set := sortedKeys(containerEnv(m, d.template.Spec.Containers[0]))
		if missing := notRead(read, set); len(missing) > 0 {
			t.Errorf("k8s %s gets %v, which services/%s and pkg/stage never read", svc, missing, svc)
		}
	}
}

func TestK8sPodDisruptionBudgets(t *testing.T) {
	m := loadK8s(t, "k8s/base")
	for _, svc := range pipeline {
		d := m.workloads[svc]
		var found int
		for _, p := range m.pdbs {
			sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.template.Labels)) {
				continue
			}
			found++
			if p.Spec.MaxUnavailable == nil && p.Spec.MinAvailable == nil {
				t.Errorf("PDB %s sets neither maxUnavailable nor minAvailable", p.Name)
			}
		}
		if found != 1 {
			t.Errorf("%s: %d PodDisruptionBudgets select its pods, want 1", svc, found)
		}
	}
}

// TestK8sScaledObjects checks the KEDA overlay: one ScaledObject per stage
// on its own Deployment, scaling on the lag of that stage's durable
// consumer on the stream it reads, and no fixed replica count left to
// fight the HPA.
func TestK8sScaledObjects(t *testing.T) {
	m := loadK8s(t, "k8s/keda")
	inputs := map[string]string{
		stage.NameIngest:  stage.SubjectRaw,
		stage.NameDedupe:  stage.SubjectCleaned,
		stage.NameEnrich:  stage.SubjectDeduped,
		stage.NameStories: stage.SubjectEnriched,
		stage.NameIndex:   stage.SubjectStoried,
	}
	for _, svc := range pipeline {
		so, ok := m.scaledObjects[svc]
		if !ok {
			t.Errorf("no ScaledObject %s", svc)
			continue
		}
		ref := so.Spec.ScaleTargetRef
		if w, ok := m.workloads[ref.Name]; !ok || ref.Name != svc || (ref.Kind == "" && w.kind != "Deployment") || (ref.Kind != "" && ref.Kind != w.kind) {
			t.Errorf("%s: scales %s %s, want its own Deployment or StatefulSet", svc, ref.Kind, ref.Name)
		}
		if so.Spec.MinReplicaCount == nil || so.Spec.MaxReplicaCount == nil || *so.Spec.MinReplicaCount > *so.Spec.MaxReplicaCount {
			t.Errorf("%s: replicas %v..%v", svc, so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount)
		}
		if len(so.Spec.Triggers) != 1 || so.Spec.Triggers[0].Type != "nats-jetstream" {
			t.Errorf("%s: triggers %+v, want one nats-jetstream", svc, so.Spec.Triggers)
			continue
		}
		md := so.Spec.Triggers[0].Metadata
		wantStream := stage.StreamFor(inputs[svc])
		if md["stream"] != wantStream || md["consumer"] != svc {
			t.Errorf("%s: scales on %s/%s, want %s/%s", svc, md["stream"], md["consumer"], wantStream, svc)
		}
		if n, err := strconv.Atoi(md["lagThreshold"]); err != nil || n <= 0 {
			t.Errorf("%s: lagThreshold %q, want a positive count", svc, md["lagThreshold"])
		}
		for _, k := range []string{"natsServerMonitoringEndpoint", "account"} {
			if md[k] == "" {
				t.Errorf("%s: trigger without %s", svc, k)
			}
		}
		if !strings.HasSuffix(md["natsServerMonitoringEndpoint"], ":8222") {
			t.Errorf("%s: monitoring endpoint %s, want the NATS monitoring port 8222", svc, md["natsServerMonitoringEndpoint"])
		}
	}
	if so := m.scaledObjects[stage.NameIngest]; so != nil && (so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 1) {
		t.Errorf("ingest may scale to zero, but it serves POST /v1/articles")
	}
	// The overlay's patches must remove replicas from every Deployment
	// and StatefulSet.
	var removes []string
	for _, p := range m.kust.Patches {
		if p.Target == nil || !strings.Contains(p.Patch, "/spec/replicas") {
			continue
		}
		sel, err := labels.Parse(p.Target.LabelSelector)
		if err != nil {
			t.Fatalf("patch selector: %v", err)
		}
		for _, d := range m.workloads {
			if p.Target.Kind == d.kind && (p.Target.Name == "" || p.Target.Name == d.Name) && sel.Matches(labels.Set(d.Labels)) {
				removes = append(removes, d.Name)
			}
		}
	}
	slices.Sort(removes)
	want := slices.Sorted(slices.Values(pipeline))
	if fmt.Sprint(removes) != fmt.Sprint(want) {
		t.Errorf("replicas removed from %v, want %v", removes, want)
	}
}

// TestK8sDedupeIndexOnAPersistentVolume: dedupe's band index
// (NEWSFLOW_DEDUPE_INDEX_DIR) is on a volume of its own per replica that
// outlives the pod (a StatefulSet's claim, not an emptyDir), so a pod
// rescheduled elsewhere reopens its index instead of replaying the whole
// window; the replicas start in parallel, and a scaled-down replica's
// volume is kept.
func TestK8sDedupeIndexOnAPersistentVolume(t *testing.T) {
	m := loadK8s(t, "k8s/base")
	d := m.workloads[stage.NameDedupe]
	if d == nil || d.kind != "StatefulSet" {
		t.Fatalf("dedupe is not a StatefulSet (%v): a rescheduled pod would start on an empty index and replay the whole window", d != nil)
	}
	c := d.template.Spec.Containers[0]
	dir := containerEnv(m, c)["NEWSFLOW_DEDUPE_INDEX_DIR"]
	if dir == "" {
		t.Fatal("dedupe has no NEWSFLOW_DEDUPE_INDEX_DIR: its index would be in a temporary directory")
	}
	var mount string
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == dir {
			mount = vm.Name
		}
	}
	i := slices.IndexFunc(d.claims, func(pvc corev1.PersistentVolumeClaim) bool { return pvc.Name == mount })
	if i < 0 {
		t.Fatalf("NEWSFLOW_DEDUPE_INDEX_DIR %s is on volume %q, want one of the volumeClaimTemplates %v", dir, mount, d.claims)
	}
	if slices.ContainsFunc(d.template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == mount }) {
		t.Errorf("the pod also declares a volume %q, which would shadow the claim", mount)
	}
	pvc := d.claims[i]
	if !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) {
		t.Errorf("index claim access modes %v, want ReadWriteOnce (one replica per volume)", pvc.Spec.AccessModes)
	}
	if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.Cmp(resource.MustParse("4Gi")) < 0 {
		t.Errorf("index claim of %s; a 1.4-million-article window takes about 4 GiB", q.String())
	}
	set := d.set
	if set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("pod management %q, want Parallel: a replica must not wait for the others to start or stop", set.Spec.PodManagementPolicy)
	}
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p == nil || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("claim retention %v, want Retain when scaled down (scaling up again reopens the index)", p)
	}
	if svc := m.services[set.Spec.ServiceName]; svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("serviceName %q is not a headless Service of the base", set.Spec.ServiceName)
	}
}
