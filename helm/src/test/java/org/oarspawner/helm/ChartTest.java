package org.oarspawner.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** helm/oarspawner through Helm's own lint and template (helm-java), its objects in fabric8's strict typed model. */
class ChartTest {
    static final List<String> CORE = List.of("ConfigMap/oarspawner", "Deployment/oarspawner", "NetworkPolicy/oarspawner",
            "Service/oarspawner", "ServiceAccount/oarspawner");

    static Stream<Rendered> renders() {
        return Stream.of(Rendered.of(ChartFixture.renderDefault()), Rendered.of(ChartFixture.renderFull()));
    }

    @Test
    void lintStrictPasses() {
        LintResult defaults = ChartFixture.helm().lint().strict().call();
        assertThat(defaults.isFailed()).as(defaults.getMessages().toString()).isFalse();
        assertThat(defaults.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultValuesRenderTheServiceAndNothingOptional() {
        Rendered r = Rendered.of(ChartFixture.renderDefault());
        System.out.println("default values: " + r.names());
        assertThat(r.names()).containsExactlyElementsOf(CORE);
    }

    @Test
    void fullExampleRendersTheMonitoringObjectsToo() {
        Rendered r = Rendered.of(ChartFixture.renderFull());
        System.out.println("full example: " + r.names());
        assertThat(r.names()).containsExactly("ConfigMap/oarspawner", "ConfigMap/oarspawner-dashboard",
                "Deployment/oarspawner", "NetworkPolicy/oarspawner", "PrometheusRule/oarspawner", "Service/oarspawner",
                "ServiceAccount/oarspawner", "ServiceMonitor/oarspawner");
    }

    @ParameterizedTest
    @MethodSource("renders")
    void oneReplicaRecreatedNeverTwoAtOnce(Rendered r) {
        Deployment d = r.deployment();
        assertThat(d.getSpec().getReplicas()).isEqualTo(1);
        assertThat(d.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(r.yaml()).contains("OAR is the source of truth");
    }

    @ParameterizedTest
    @MethodSource("renders")
    void everyContainerHasProbesResourcesAndALockedDownSecurityContext(Rendered r) {
        PodSpec pod = r.deployment().getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        List<Container> containers = Stream.concat(pod.getContainers().stream(),
                pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream()).toList();
        assertThat(containers).isNotEmpty();
        for (Container c : containers) {
            assertThat(path(c.getLivenessProbe())).as(c.getName()).isEqualTo("/health/live");
            assertThat(path(c.getReadinessProbe())).as(c.getName()).isEqualTo("/health/ready");
            assertThat(path(c.getStartupProbe())).as(c.getName()).isEqualTo("/health/live");
            assertThat(c.getResources().getRequests()).as(c.getName()).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as(c.getName()).containsKey("memory");
            assertThat(Quantity.getAmountInBytes(c.getResources().getLimits().get("memory")))
                    .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(c.getResources().getRequests().get("memory")));
            SecurityContext sc = c.getSecurityContext();
            assertThat(sc.getRunAsNonRoot()).as(c.getName()).isTrue();
            assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
            assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
            assertThat(sc.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
            assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
            assertThat(sc.getSeccompProfile().getType()).as(c.getName()).isEqualTo("RuntimeDefault");
            // The read-only root needs a writable /tmp, from an emptyDir.
            String tmp = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst()
                    .orElseThrow().getName();
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(tmp)).findFirst().orElseThrow();
            assertThat(v.getEmptyDir()).isNotNull();
        }
    }

    private static String path(Probe p) {
        assertThat(p).isNotNull();
        assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        return p.getHttpGet().getPath();
    }

    @ParameterizedTest
    @MethodSource("renders")
    void everyObjectCarriesTheRecommendedLabelsAndTheServiceSelectsThePod(Rendered r) {
        for (Object o : r.objects()) {
            Map<String, String> labels = StrictModel.metadata(o).getLabels();
            assertThat(labels).as(r.names().toString()).containsEntry("app.kubernetes.io/name", "oarspawner")
                    .containsEntry("app.kubernetes.io/instance", ChartFixture.RELEASE)
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsKey("app.kubernetes.io/component");
            assertThat(StrictModel.metadata(o).getNamespace()).isEqualTo(ChartFixture.NAMESPACE);
        }
        Map<String, String> podLabels = r.deployment().getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(r.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(r.one(Service.class, ChartFixture.RELEASE).getSpec().getSelector());
        assertThat(podLabels).containsAllEntriesOf(r.networkPolicy().getSpec().getPodSelector().getMatchLabels());
        // zero-to-jupyterhub's own policies admit pods with these labels to the hub's and the proxy's APIs.
        assertThat(podLabels).containsEntry("hub.jupyter.org/network-access-hub", "true")
                .containsEntry("hub.jupyter.org/network-access-proxy-api", "true");
    }

    @ParameterizedTest
    @MethodSource("renders")
    void theServiceListensOnAllAddressesAtTheContainersPort(Rendered r) {
        assertThat(r.serviceConfig().at("/http/host").asString()).isEqualTo("0.0.0.0");
        assertThat(r.serviceConfig().at("/http/port").asInt()).isEqualTo(9081);
        Container c = r.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getPorts().get(0).getContainerPort()).isEqualTo(9081);
        assertThat(c.getArgs()).containsExactly("/etc/oarspawner/oarspawner.yaml");
        assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/etc/oarspawner/oarspawner.yaml")
                && m.getSubPath().equals("oarspawner.yaml") && m.getReadOnly());
    }

    @Test
    void aMisspelledFieldInTheValuesFailsTheStrictModel(@TempDir Path dir) throws Exception {
        // extraVolumeMounts is copied as is into the container: "mountPth" is no field of a VolumeMount.
        Path values = dir.resolve("typo.yaml");
        Files.writeString(values, """
                extraVolumes: [{name: keys, secret: {secretName: user-keys}}]
                extraVolumeMounts: [{name: keys, mountPth: /etc/oarspawner/user-keys}]
                """);
        String yaml = ChartFixture.render(List.of(values), Map.of());
        assertThat(yaml).contains("mountPth");
        assertThatThrownBy(() -> Rendered.of(yaml)).hasMessageContaining("mountPth");
        // The same, spelled right, is accepted.
        Files.writeString(values, """
                extraVolumes: [{name: keys, secret: {secretName: user-keys}}]
                extraVolumeMounts: [{name: keys, mountPath: /etc/oarspawner/user-keys}]
                """);
        assertThat(Rendered.of(ChartFixture.render(List.of(values), Map.of())).deployment()).isNotNull();
    }

    @Test
    void aMisspelledFieldInATemplateWouldFailToo() {
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: x
                          readinesProbe: {httpGet: {path: /health/ready, port: http}}
                """;
        assertThatThrownBy(() -> Rendered.of(deployment)).hasMessageContaining("readinesProbe");
        assertThat(((HasMetadata) Rendered.of(deployment.replace("readinesProbe", "readinessProbe")).objects().get(0))
                .getMetadata().getName()).isEqualTo("x");
    }

    @Test
    void closedOpsEndpointsAreRefusedSinceTheProbesCarryNoToken() {
        assertThatThrownBy(() -> ChartFixture.render(List.of(), Map.of("config.http.openOps", false)))
                .hasMessageContaining("config.http.openOps must stay true");
    }

    @Test
    void anSshTunnelClusterIsRefusedWithTheReason() {
        assertThatThrownBy(() -> ChartFixture.render(List.of(ChartFixture.FULL_VALUES),
                Map.of("config.clusters.dahu.reachability", "ssh-tunnel")))
                .hasMessageContaining("config.clusters.dahu.reachability")
                .hasMessageContaining("use direct");
    }
}
