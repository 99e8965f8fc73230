package org.oarspawner.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/** A render of the chart: each document as YAML tree and as strict typed object, in the same order. */
record Rendered(String yaml, List<JsonNode> trees, List<Object> objects) {

    static Rendered of(String yaml) {
        List<JsonNode> trees = ChartFixture.documents(yaml);
        return new Rendered(yaml, trees, trees.stream().map(StrictModel::parse).toList());
    }

    /** "Kind/name" of every object, sorted. */
    List<String> names() {
        return objects.stream().map(o -> o.getClass().getSimpleName() + "/" + StrictModel.metadata(o).getName())
                .sorted().collect(Collectors.toList());
    }

    <T> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T> T one(Class<T> type, String name) {
        List<T> found = all(type).stream().filter(o -> StrictModel.metadata(o).getName().equals(name)).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + " " + name + ", got " + names());
        }
        return found.get(0);
    }

    Deployment deployment() {
        return one(Deployment.class, ChartFixture.RELEASE);
    }

    ConfigMap config() {
        return one(ConfigMap.class, ChartFixture.RELEASE);
    }

    NetworkPolicy networkPolicy() {
        return one(NetworkPolicy.class, ChartFixture.RELEASE);
    }

    /** The service's configuration as the ConfigMap holds it. */
    JsonNode serviceConfig() {
        return ChartFixture.YAML.readTree(config().getData().get("oarspawner.yaml"));
    }
}
