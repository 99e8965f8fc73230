package org.oarspawner.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.oarspawner.config.ClusterLimits;
import org.oarspawner.config.Profile;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.spi.Grammar;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.SpawnKey;

/** Turns a PUT body into a JobRequest: the profile first, then the explicit options, then the cluster's limits. */
final class SpawnRequests {
    private final ServiceConfig config;

    SpawnRequests(ServiceConfig config) {
        this.config = config;
    }

    JobRequest toJob(SpawnKey key, JsonObject body) {
        String login = config.logins().loginOf(key.user()).orElseThrow(() -> new InvalidFieldException("user",
                "has no login on the clusters (see the logins section of the configuration)"));
        if (config.logins().denied(login)) {
            throw new ApiError(403, "login_denied", "hub user " + key.user() + " maps to the login " + login
                    + ", a system account that may not run notebooks (logins.deny); map the user to a personal login", "user");
        }
        Profile profile = null;
        if (body.containsKey("profile")) {
            profile = config.profiles().get(body.getString("profile"));
            if (profile == null) {
                throw new InvalidFieldException("profile", "is not one of " + config.profiles().keySet());
            }
        }
        String cluster = body.getString("cluster", profile != null ? profile.cluster() : null);
        if (cluster == null) {
            throw new InvalidFieldException("cluster", "is required without a profile; clusters are " + config.limits().keySet());
        }
        ClusterLimits limits = config.limits().get(cluster);
        if (limits == null) {
            throw new InvalidFieldException("cluster", "is not one of " + config.limits().keySet());
        }
        int nodes = body.getInteger("nodes", profile != null ? profile.nodes() : 1);
        int gpus = body.getInteger("gpus", profile != null ? profile.gpus() : 0);
        int cores = body.getInteger("cores", profile != null ? profile.cores() : (gpus > 0 ? 0 : 1));
        String gpuModel = body.getString("gpuModel", profile != null ? profile.gpuModel().orElse(null) : null);
        Duration walltime = body.containsKey("walltime")
                ? ServiceConfig.parseWalltime(body.getString("walltime")).orElseThrow(
                        () -> new InvalidFieldException("walltime", "must be " + Grammar.WALLTIME.description()))
                : profile != null ? profile.walltime() : Duration.ofHours(1);
        String project = body.getString("project");
        List<String> types = body.getJsonArray("types", new JsonArray()).stream().map(String::valueOf).toList();

        within("nodes", nodes, limits.maxNodes(), cluster);
        within("cores", cores, limits.maxCores(), cluster);
        within("gpus", gpus, limits.maxGpus(), cluster);
        if (gpuModel != null && !limits.gpuModels().contains(gpuModel)) {
            throw new InvalidFieldException("gpuModel", "'" + gpuModel + "' is not offered on " + cluster + "; choose one of " + limits.gpuModels());
        }
        if (walltime.compareTo(limits.maxWalltime()) > 0) {
            throw new InvalidFieldException("walltime", "may be at most " + format(limits.maxWalltime()) + " on " + cluster);
        }
        if (project != null && !limits.projects().isEmpty() && !limits.projects().contains(project)) {
            throw new InvalidFieldException("project", "'" + project + "' is not one of " + limits.projects());
        }
        for (String t : types) {
            if (!limits.types().contains(t)) {
                throw new InvalidFieldException("types", "'" + t + "' is not allowed on " + cluster + "; allowed: " + limits.types());
            }
        }
        JobRequest.Builder b = JobRequest.builder(key, cluster, login).nodes(nodes).cores(cores).gpus(gpus)
                .gpuModel(gpuModel).walltime(walltime).project(project)
                .command(body.getJsonArray("command").stream().map(String::valueOf).toList());
        types.forEach(b::type);
        for (Map.Entry<String, Object> e : body.getJsonObject("environment", new JsonObject())) {
            b.env(e.getKey(), String.valueOf(e.getValue()));
        }
        return b.build();
    }

    private static void within(String field, int value, int max, String cluster) {
        if (value > max) {
            throw new InvalidFieldException(field, "may be at most " + max + " on " + cluster + ", got " + value);
        }
    }

    static String format(Duration d) {
        return Grammar.walltimeText(d);
    }
}
