package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring/oarspawner-rules.yml: Debian's promtool parses it and runs its unit tests
 * (oarspawner-rules.test.yml), and each alert of the metric contract is there with what an operator needs.
 */
class AlertRulesTest {

    @Test
    void promtoolChecksTheRules() throws Exception {
        Monitoring.Run run = Monitoring.promtool("check", "rules", Monitoring.RULES.toString());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS: " + Monitoring.ALERTS.size() + " rules found");
    }

    @Test
    void promtoolUnitTestsOfEveryAlertPass() throws Exception {
        Monitoring.Run run = Monitoring.promtool("test", "rules", Monitoring.RULES_TEST.toString());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void everyAlertOfTheContractHasSummaryDescriptionRunbookAndSeverity() throws Exception {
        List<Map<String, Object>> rules = Monitoring.alertRules();
        assertThat(rules).extracting(r -> r.get("alert")).containsExactlyInAnyOrderElementsOf(Monitoring.ALERTS);
        for (Map<String, Object> rule : rules) {
            String name = (String) rule.get("alert");
            @SuppressWarnings("unchecked")
            Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
            @SuppressWarnings("unchecked")
            Map<String, String> labels = (Map<String, String>) rule.get("labels");
            assertThat(annotations).as(name).containsKeys("summary", "description")
                    .containsEntry("runbook_url", "docs/operations.md#" + name.toLowerCase());
            assertThat(annotations.get("summary")).as(name).isNotBlank();
            assertThat(annotations.get("description")).as(name).hasSizeGreaterThan(60);
            assertThat(labels.get("severity")).as(name).isIn("critical", "warning", "info");
            assertThat(rule.get("for")).as(name + " for").isNotNull();
        }
        assertThat(rules).filteredOn(r -> r.get("alert").equals("OarspawnerQueueWaitLong"))
                .extracting(r -> (Object) ((Map<?, ?>) r.get("labels")).get("severity")).containsExactly("info");
        assertThat(rules).filteredOn(r -> r.get("alert").equals("OarspawnerFrontendUnreachable"))
                .extracting(r -> minutes((String) r.get("for"))).allMatch(m -> m >= 2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasATestWhereItFiresAndOneWhereItMustNot() throws Exception {
        Set<String> fires = new java.util.HashSet<>();
        Set<String> silent = new java.util.HashSet<>();
        List<String> cases = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) Monitoring.yaml(Monitoring.RULES_TEST).get("tests")) {
            for (Map<String, Object> c : (List<Map<String, Object>>) group.get("alert_rule_test")) {
                String alert = (String) c.get("alertname");
                List<Object> expected = (List<Object>) c.get("exp_alerts");
                (expected == null || expected.isEmpty() ? silent : fires).add(alert);
                cases.add(group.get("name") + ": " + alert + " at " + c.get("eval_time") + " -> "
                        + (expected == null ? 0 : expected.size()) + " alert(s)");
            }
        }
        System.out.println("[promtool cases]\n" + String.join("\n", cases));
        assertThat(fires).containsAll(Monitoring.ALERTS);
        assertThat(silent).containsAll(Monitoring.ALERTS);
    }

    private static double minutes(String duration) {
        double n = Double.parseDouble(duration.replaceAll("[a-z]+$", ""));
        return duration.endsWith("h") ? n * 60 : duration.endsWith("s") && !duration.endsWith("ms") ? n / 60 : n;
    }
}
