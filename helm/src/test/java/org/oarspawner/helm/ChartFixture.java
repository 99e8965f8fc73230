package org.oarspawner.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The chart helm/oarspawner, rendered in the JVM by helm-java (Helm's own Go code), and its objects as YAML trees. */
public final class ChartFixture {
    /** The repository's root: Maven runs this module's tests in helm/. */
    public static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    public static final Path CHART = ROOT.resolve("helm/oarspawner");
    static final Path FULL_VALUES = ROOT.resolve("helm/examples/oarspawner-values.yaml");
    public static final String RELEASE = "oarspawner";
    public static final String NAMESPACE = "jhub";

    public static final YAMLMapper YAML = YAMLMapper.builder().build();

    private ChartFixture() {
    }

    static Helm helm() {
        return new Helm(CHART);
    }

    /** `helm template` with these values files (none: the chart's defaults) and --set pairs. */
    public static String render(List<Path> valuesFiles, Map<String, Object> sets) {
        TemplateCommand t = helm().template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion("1.30.0");
        valuesFiles.forEach(t::withValuesFile);
        sets.forEach(t::set);
        return t.call();
    }

    static String renderDefault() {
        return render(List.of(), Map.of());
    }

    static String renderFull() {
        return render(List.of(FULL_VALUES), Map.of());
    }

    /** Each non-empty document of a multi-document YAML stream. */
    public static List<JsonNode> documents(String yaml) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
            if (n != null && !n.isNull() && !n.isMissingNode() && n.size() > 0) {
                out.add(n);
            }
        }
        return out;
    }
}
