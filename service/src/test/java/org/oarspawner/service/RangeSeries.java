package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The values of a query_range result, NaN and infinities left out. */
record RangeSeries(JsonArray result) {
    private List<Double> values(Predicate<JsonObject> metric) {
        List<Double> out = new ArrayList<>();
        for (Object s : result) {
            JsonObject series = (JsonObject) s;
            if (metric.test(series.getJsonObject("metric"))) {
                for (Object v : series.getJsonArray("values")) {
                    double d = Double.parseDouble(((JsonArray) v).getString(1));
                    if (Double.isFinite(d)) {
                        out.add(d);
                    }
                }
            }
        }
        assertThat(out).as("values in " + result.encode().substring(0, Math.min(300, result.encode().length()))).isNotEmpty();
        return out;
    }

    double max(Predicate<JsonObject> metric) {
        return values(metric).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    double min(Predicate<JsonObject> metric) {
        return values(metric).stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    double last(Predicate<JsonObject> metric) {
        List<Double> v = values(metric);
        return v.get(v.size() - 1);
    }
}
