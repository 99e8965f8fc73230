package org.oarspawner.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The ServiceMonitor, the PrometheusRule and the Grafana dashboard: each only when its value enables it (no
 * .Capabilities), and the rules and dashboard are deploy/monitoring's files as they are (one source of truth:
 * helm/oarspawner/files/ holds links to them, which Helm follows).
 */
class MonitoringTest {
    static final String SM = "metrics.serviceMonitor.enabled";
    static final String PR = "metrics.prometheusRule.enabled";
    static final String DB = "metrics.dashboard.enabled";

    static List<String> namesWith(Map<String, Object> sets) {
        return Rendered.of(ChartFixture.render(List.of(), sets)).names();
    }

    @Test
    void eachObjectIsThereOnlyWhenItsValueEnablesIt() {
        assertThat(namesWith(Map.of())).containsExactlyElementsOf(ChartTest.CORE);
        assertThat(namesWith(Map.of(SM, true))).containsExactlyInAnyOrderElementsOf(
                concat(ChartTest.CORE, "ServiceMonitor/oarspawner"));
        assertThat(namesWith(Map.of(PR, true))).containsExactlyInAnyOrderElementsOf(
                concat(ChartTest.CORE, "PrometheusRule/oarspawner"));
        assertThat(namesWith(Map.of(DB, true))).containsExactlyInAnyOrderElementsOf(
                concat(ChartTest.CORE, "ConfigMap/oarspawner-dashboard"));
        assertThat(namesWith(Map.of(SM, false, PR, false, DB, false))).containsExactlyElementsOf(ChartTest.CORE);
    }

    private static List<String> concat(List<String> a, String b) {
        return java.util.stream.Stream.concat(a.stream(), java.util.stream.Stream.of(b)).toList();
    }

    @Test
    void theServiceMonitorScrapesMetricsAsJobOarspawner() {
        Rendered r = Rendered.of(ChartFixture.renderFull());
        StrictModel.ServiceMonitor sm = r.one(StrictModel.ServiceMonitor.class, ChartFixture.RELEASE);
        assertThat(sm.spec().endpoints()).containsExactly(new StrictModel.ServiceMonitor.Endpoint("http", "/metrics", "30s"));
        // The rules expect job="oarspawner": the job is the Service's label app.kubernetes.io/name.
        assertThat(sm.spec().jobLabel()).isEqualTo("app.kubernetes.io/name");
        assertThat(r.one(io.fabric8.kubernetes.api.model.Service.class, ChartFixture.RELEASE).getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/name", "oarspawner");
        assertThat(sm.spec().selector().getMatchLabels()).isEqualTo(r.one(io.fabric8.kubernetes.api.model.Service.class,
                ChartFixture.RELEASE).getSpec().getSelector());
        assertThat(sm.metadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        assertThat(r.serviceConfig().at("/http/openOps").asBoolean()).isTrue();
    }

    @Test
    void thePrometheusRuleIsTheRulesFileOfDeployMonitoring() throws Exception {
        Rendered r = Rendered.of(ChartFixture.renderFull());
        JsonNode file = ChartFixture.YAML.readTree(Files.readString(ChartFixture.ROOT.resolve("deploy/monitoring/oarspawner-rules.yml")));
        JsonNode rendered = r.trees().stream().filter(t -> t.path("kind").asString().equals("PrometheusRule")).findFirst()
                .orElseThrow().path("spec");
        assertThat(rendered).isEqualTo(file);
        StrictModel.PrometheusRule pr = r.one(StrictModel.PrometheusRule.class, ChartFixture.RELEASE);
        assertThat(pr.spec().groups()).extracting(StrictModel.PrometheusRule.Group::name).containsExactly("oarspawner");
        assertThat(pr.spec().groups().get(0).rules()).extracting(StrictModel.PrometheusRule.Rule::alert)
                .contains("OarspawnerDown", "OarspawnerFrontendUnreachable");
        // Alertmanager's templates pass through Helm untouched.
        assertThat(pr.spec().groups().get(0).rules().get(0).annotations().get("summary")).contains("{{ $labels.instance }}");
    }

    @Test
    void theDashboardIsTheJsonOfDeployMonitoringLabelledForGrafana() throws Exception {
        Rendered r = Rendered.of(ChartFixture.renderFull());
        ConfigMap cm = r.one(ConfigMap.class, "oarspawner-dashboard");
        assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        String file = Files.readString(ChartFixture.ROOT.resolve("deploy/monitoring/oarspawner.json"));
        assertThat(StrictModel.MAPPER.readTree(cm.getData().get("oarspawner.json"))).isEqualTo(StrictModel.MAPPER.readTree(file));
        assertThat(StrictModel.MAPPER.readTree(file).path("uid").asString()).isEqualTo("oarspawner");
    }

    @Test
    void helmPackageStoresTheLinkedFilesContent(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ChartFixture.helm().packageIt().withDestination(dir).call();
        java.nio.file.Path tgz = dir.resolve("oarspawner-0.1.0.tgz");
        assertThat(tgz).isRegularFile();
        Process tar = new ProcessBuilder("tar", "-xzf", tgz.toString(), "-C", dir.toString()).inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        for (String f : List.of("oarspawner-rules.yml", "oarspawner.json")) {
            java.nio.file.Path packed = dir.resolve("oarspawner/files").resolve(f);
            assertThat(Files.isSymbolicLink(packed)).as(f).isFalse();
            assertThat(Files.readString(packed)).isEqualTo(Files.readString(ChartFixture.ROOT.resolve("deploy/monitoring").resolve(f)));
        }
    }

    @Test
    void theChartsFilesAreLinksToDeployMonitoringNotCopies() throws Exception {
        for (String f : List.of("oarspawner-rules.yml", "oarspawner.json")) {
            java.nio.file.Path link = ChartFixture.CHART.resolve("files").resolve(f);
            assertThat(Files.isSymbolicLink(link)).as(f).isTrue();
            assertThat(link.toRealPath()).isEqualTo(ChartFixture.ROOT.resolve("deploy/monitoring").resolve(f).toRealPath());
        }
    }
}
