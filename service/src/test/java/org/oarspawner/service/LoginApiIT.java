package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;

/**
 * Issue 8, item 8, at the API of the service as a real process (deploy/config/oarspawner.yaml: logins are the hub
 * user names, identity service-account): a hub user whose login is a system account gets 403 by the configured deny
 * list, or a failed spawn (code login_forbidden) by its uid on the frontend; one with no account on the cluster a failed
 * spawn (code no_account) with the reason; none reaches sudo nor gets a job.
 */
class LoginApiIT {
    private ServiceProcess service;

    @BeforeEach
    void setUp() throws Exception {
        service = new ServiceProcess("logins", Map.of()).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
    }

    private JsonObject put(String user, int status) throws Exception {
        JsonObject body = new JsonObject().put("cluster", "cpu").put("cores", 1).put("walltime", "0:20")
                .put("command", new JsonArray(LocalCluster.HTTP_SERVER)).put("environment", new JsonObject().put("JUPYTERHUB_API_TOKEN", "t"));
        HttpResponse<String> r = service.call("PUT", "/api/v1/users/" + user + "/servers/x", body);
        assertThat(r.statusCode()).as("PUT for %s: %s", user, r.body()).isEqualTo(status);
        return new JsonObject(r.body());
    }

    /**
     * A refusal decided on the frontend (by the login's uid, or its missing account) comes after the PUT's 202, which
     * never waits for a command: the spawn fails with the refusal's code and message.
     */
    private JsonObject refusedOnTheFrontend(String user) throws Exception {
        JsonObject accepted = put(user, 202);
        assertThat(accepted.getString("state")).isEqualTo("submitting");
        JsonObject failed = service.waitFor(user, "x", s -> "failed".equals(s.getString("state")));
        assertThat(failed.containsKey("jobId")).as(failed.encode()).isFalse();
        return failed;
    }

    @Test
    void aSystemLoginIsRefusedAndALoginWithNoAccountFailsWithNothingRun() throws Exception {
        for (String user : List.of("root", "daemon")) {
            JsonObject e = put(user, 403);
            System.out.printf("LoginApiIT %s: 403 %s%n", user, e.encode());
            assertThat(e.getString("message")).doesNotContain("sudo");
        }
        // root and daemon are in the configuration's logins.deny, refused before anything runs; backup (uid 34) is
        // refused by its uid on the frontend, which the PUT does not wait for.
        assertThat(put("daemon", 403).getString("code")).isEqualTo("login_denied");
        JsonObject backup = refusedOnTheFrontend("backup");
        System.out.printf("LoginApiIT backup: failed %s%n", backup.encode());
        assertThat(backup.getString("code")).isEqualTo("login_forbidden");
        assertThat(backup.getString("message")).doesNotContain("sudo");
        JsonObject e = refusedOnTheFrontend("nosuchuser");
        System.out.printf("LoginApiIT nosuchuser: failed %s%n", e.encode());
        assertThat(e.getString("code")).isEqualTo("no_account");
        assertThat(e.getString("message")).contains("user nosuchuser has no account on cluster cpu").doesNotContain("sudo");
        assertThat(service.log()).doesNotContain("sudo:");
    }
}
