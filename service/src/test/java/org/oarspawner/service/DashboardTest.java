package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring/oarspawner.json, checked structurally since Grafana cannot run here: Grafana >= 10's schema
 * fields, the three variables, unique panel ids, a unit and a description on each panel, the datasource only through
 * its variable, $__rate_interval only inside rate()/increase() of a counter or histogram, and every query PromQL that
 * promtool accepts once the variables are substituted.
 */
class DashboardTest {
    static final String DATASOURCE = "${datasource}";
    /** A metric selector: a name, then optionally its labels; names are the ones this project exports. */
    static final Pattern SELECTOR = Pattern.compile("\\b((?:oarspawner|vertx|jvm|process)_[a-z_]+)(\\{([^}]*)})?");
    static final Pattern RATE_INTERVAL = Pattern.compile("\\b(\\w+)\\((\\w+)\\{[^}]*}\\[\\$__rate_interval]\\)");

    @Test
    void isAGrafana10DashboardWithAStableUidAndTheThreeVariables() throws Exception {
        JsonObject d = Monitoring.dashboard();
        assertThat(d.getString("uid")).isEqualTo("oarspawner");
        assertThat(d.getInteger("schemaVersion")).as("Grafana 10.0 writes schemaVersion 38").isGreaterThanOrEqualTo(38);
        assertThat(d.getString("title")).isNotBlank();
        assertThat(d.containsKey("__inputs")).as("no import-time datasource input: the variable chooses").isFalse();
        List<JsonObject> vars = new ArrayList<>();
        d.getJsonObject("templating").getJsonArray("list").forEach(v -> vars.add((JsonObject) v));
        assertThat(vars).extracting(v -> v.getString("name")).containsExactly("datasource", "instance", "cluster");
        assertThat(vars.get(0).getString("type")).isEqualTo("datasource");
        assertThat(vars.get(0).getString("query")).isEqualTo("prometheus");
        for (JsonObject v : vars.subList(1, 3)) {
            assertThat(v.getString("type")).isEqualTo("query");
            assertThat(v.getJsonObject("datasource").getString("uid")).isEqualTo(DATASOURCE);
            assertThat(v.getBoolean("multi")).isTrue();
            assertThat(v.getBoolean("includeAll")).isTrue();
            assertThat(v.getString("definition")).startsWith("label_values(oarspawner_")
                    .isEqualTo(v.getJsonObject("query").getString("query"));
        }
        assertThat(vars.get(2).getString("definition")).contains("instance=~\"$instance\"");
    }

    @Test
    void panelsHaveUniqueIdsAUnitADescriptionAndTargetsAndDoNotOverlap() throws Exception {
        Set<Integer> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        for (JsonObject p : Monitoring.panels(Monitoring.dashboard())) {
            String title = p.getString("title");
            assertThat(ids.add(p.getInteger("id"))).as("unique id of " + title).isTrue();
            assertThat(title).isNotBlank();
            assertThat(p.getString("description")).as(title).hasSizeGreaterThan(40);
            assertThat(p.getJsonObject("fieldConfig").getJsonObject("defaults").getString("unit")).as("unit of " + title).isNotBlank();
            if (p.getString("type").equals("heatmap")) {
                JsonObject options = p.getJsonObject("options");
                assertThat(options.getJsonObject("yAxis").getString("unit")).as("y unit of " + title).isEqualTo("s");
                assertThat(options.getBoolean("calculate")).as("buckets come from Prometheus").isFalse();
                assertThat(p.getJsonArray("targets").getJsonObject(0).getString("format")).isEqualTo("heatmap");
                assertThat(p.getJsonArray("targets").getJsonObject(0).getString("expr")).contains("by (le)");
            }
            assertThat(p.getJsonArray("targets")).as("targets of " + title).isNotEmpty();
            Set<String> refs = new HashSet<>();
            for (Object t : p.getJsonArray("targets")) {
                JsonObject target = (JsonObject) t;
                assertThat(refs.add(target.getString("refId"))).as("refId in " + title).isTrue();
                assertThat(target.getString("expr")).isNotBlank();
            }
            JsonObject g = p.getJsonObject("gridPos");
            assertThat(g.getInteger("x") + g.getInteger("w")).as("width of " + title).isLessThanOrEqualTo(24);
            for (int x = g.getInteger("x"); x < g.getInteger("x") + g.getInteger("w"); x++) {
                for (int y = g.getInteger("y"); y < g.getInteger("y") + g.getInteger("h"); y++) {
                    assertThat(cells.add(x + "," + y)).as(title + " overlaps another panel at " + x + "," + y).isTrue();
                }
            }
        }
        assertThat(ids).hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void theDatasourceIsOnlyEverTheVariable() throws Exception {
        List<String> found = new ArrayList<>();
        walk(Monitoring.dashboard(), "$", found);
        assertThat(found).isNotEmpty().allMatch(s -> s.endsWith("= " + DATASOURCE), "every datasource is " + DATASOURCE);
    }

    private static void walk(Object node, String path, List<String> found) {
        if (node instanceof JsonObject o) {
            for (String key : o.fieldNames()) {
                Object v = o.getValue(key);
                if (key.equals("datasource")) {
                    String uid = v instanceof JsonObject ds ? ds.getString("uid") + " (" + ds.getString("type") + ")" : String.valueOf(v);
                    found.add(path + "." + key + " = " + (uid.equals(DATASOURCE + " (prometheus)") ? DATASOURCE : uid));
                } else {
                    walk(v, path + "." + key, found);
                }
            }
        } else if (node instanceof JsonArray a) {
            for (int i = 0; i < a.size(); i++) {
                walk(a.getValue(i), path + "[" + i + "]", found);
            }
        }
    }

    @Test
    void everySelectorIsFilteredByTheVariablesAndRateIntervalOnlyWhereItApplies() throws Exception {
        for (Monitoring.Query q : Monitoring.queries(Monitoring.dashboard())) {
            String where = q.title() + " " + q.refId() + ": " + q.expr();
            Matcher m = SELECTOR.matcher(q.expr());
            int selectors = 0;
            while (m.find()) {
                selectors++;
                String labels = m.group(3) == null ? "" : m.group(3);
                assertThat(labels).as("instance filter in " + where).contains("instance=~\"$instance\"");
                if (m.group(1).startsWith("oarspawner_") && q.panel() != 0) {
                    assertThat(labels).as("cluster filter in " + where).contains("cluster=~\"$cluster\"");
                }
            }
            if (q.panel() != 0) {
                assertThat(selectors).as(where).isPositive();
            }
            int uses = q.expr().split(Pattern.quote("$__rate_interval"), -1).length - 1;
            Matcher r = RATE_INTERVAL.matcher(q.expr());
            int proper = 0;
            while (r.find()) {
                assertThat(r.group(1)).as(where).isIn("rate", "increase");
                assertThat(r.group(2)).as("a counter or histogram series in " + where).matches(".*_(total|bucket|count|sum)");
                proper++;
            }
            assertThat(proper).as("every $__rate_interval inside rate()/increase() of a counter: " + where).isEqualTo(uses);
            if (q.expr().contains("histogram_quantile(")) {
                assertThat(q.expr()).as(where).containsPattern("sum by \\([a-z, ]*\\ble\\)").contains("_bucket{");
            }
        }
    }

    @Test
    void everyQueryIsPromqlThatPromtoolAccepts() throws Exception {
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        List<Monitoring.Query> queries = Monitoring.queries(Monitoring.dashboard());
        for (int i = 0; i < queries.size(); i++) {
            String expr = queries.get(i).substituted("(127\\\\.0\\\\.0\\\\.1:9081)", "(cpu|gpu)", "1m");
            rules.append("      - record: dashboard:panel").append(queries.get(i).panel()).append('_').append(i)
                    .append("\n        expr: '").append(expr.replace("'", "''")).append("'\n");
        }
        Path file = Files.createTempFile("dashboard-rules", ".yml");
        Files.writeString(file, rules);
        Monitoring.Run run = Monitoring.promtool("check", "rules", file.toString());
        Files.delete(file);
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS: " + queries.size() + " rules found");
    }
}
