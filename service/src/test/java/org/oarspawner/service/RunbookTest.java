package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md, the runbook: each alert's runbook_url lands on a section of its own that says what it means,
 * why its duration, what to check and what to do; every meter the dashboard and the rules query is in its metrics
 * reference; the pictures it shows exist.
 */
class RunbookTest {
    static final Pattern METRIC = Pattern.compile("\\b((?:oarspawner|vertx|jvm|process)_[a-z_]+)");

    /** The runbook's "## " sections by their GitHub anchor. */
    static Map<String, String> sections() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        String heading = null;
        StringBuilder body = new StringBuilder();
        for (String line : Files.readAllLines(Monitoring.RUNBOOK)) {
            if (line.startsWith("## ")) {
                if (heading != null) {
                    out.put(Monitoring.anchor(heading), body.toString());
                }
                heading = line.substring(3);
                body.setLength(0);
            } else {
                body.append(line).append('\n');
            }
        }
        if (heading != null) {
            out.put(Monitoring.anchor(heading), body.toString());
        }
        return out;
    }

    @Test
    void everyRunbookLinkLandsOnASectionThatSaysWhatToCheckAndDo() throws Exception {
        Map<String, String> sections = sections();
        for (Map<String, Object> rule : Monitoring.alertRules()) {
            String url = (String) ((Map<?, ?>) rule.get("annotations")).get("runbook_url");
            String anchor = url.substring(url.indexOf('#') + 1);
            assertThat(url).startsWith("docs/operations.md#");
            assertThat(sections).as("a section for " + url).containsKey(anchor);
            String section = sections.get(anchor);
            assertThat(section).as(anchor).contains("**What it means.**", "**What to check.**", "**What to do.**")
                    .containsPattern("\\*\\*Why [^*]+\\.\\*\\*").contains("```sh");
            assertThat(section).as("exact commands in " + anchor).containsPattern("grep -E 'event=\\(?[a-z_|]+");
        }
        assertThat(sections).containsKeys("installing-the-dashboard-and-the-rules", "metrics-reference");
    }

    @Test
    void everyMeterTheDashboardAndTheRulesQueryIsInTheMetricsReference() throws Exception {
        String reference = sections().get("metrics-reference");
        Set<String> used = new TreeSet<>();
        List<String> texts = new ArrayList<>();
        Monitoring.queries(Monitoring.dashboard()).forEach(q -> texts.add(q.expr()));
        texts.add(Files.readString(Monitoring.RULES));
        for (String text : texts) {
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                used.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
            }
        }
        assertThat(used).contains("oarspawner_frontend_up", "vertx_http_server_requests_total", "jvm_memory_used_bytes");
        for (String name : used) {
            assertThat(reference).as("metrics reference lists " + name).contains("`" + name + "`");
        }
    }

    @Test
    void thePicturesItShowsExist() throws Exception {
        Matcher m = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(Files.readString(Monitoring.RUNBOOK));
        int pictures = 0;
        while (m.find()) {
            pictures++;
            assertThat(Monitoring.RUNBOOK.getParent().resolve(m.group(1))).as(m.group(1)).isRegularFile();
        }
        assertThat(pictures).isPositive();
    }
}
