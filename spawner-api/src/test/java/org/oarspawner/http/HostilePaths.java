package org.oarspawner.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Request paths by which a token for {@code attacker} tries to reach {@code victim}'s server: the forms of
 * issue 8, item 1. Each would reach {@code /api/v1/users/<victim>/servers/<server>} if the router's
 * normalization were trusted.
 */
public final class HostilePaths {
    /** The segments put between the attacker's name and the victim's: {@code /users/alice/<form>/bob/...}. */
    public static final List<String> FORMS = List.of("..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2E%2e", "//", "..;", ".");

    private HostilePaths() {
    }

    /** Every hostile path to the victim's server (add "/events" for the stream). */
    public static List<String> to(String attacker, String victim, String server) {
        return to("/api/v1/", attacker, victim, server);
    }

    /** The same forms under another prefix that names servers the same way (the sessions page's: /services/NAME/). */
    public static List<String> to(String prefix, String attacker, String victim, String server) {
        List<String> out = new ArrayList<>();
        for (String p : under(attacker, victim, server)) {
            out.add(prefix + p.substring("/api/v1/".length()));
        }
        return out;
    }

    private static List<String> under(String attacker, String victim, String server) {
        List<String> out = new ArrayList<>();
        String tail = "/" + victim + "/servers/" + server;
        for (String form : FORMS) {
            out.add("/api/v1/users/" + attacker + "/" + form + tail);
        }
        // An empty segment alone, and ';' (path parameters, which some servers strip) after the victim's name.
        out.add("/api/v1/users//" + victim + "/servers/" + server);
        out.add("/api/v1/users/" + victim + ";/servers/" + server);
        out.add("/api/v1/users/" + victim + ";" + attacker + "/servers/" + server);
        // Encoded slashes and backslashes.
        out.add("/api/v1/users/" + attacker + "%2f..%2f" + victim + "/servers/" + server);
        out.add("/api/v1/users/" + attacker + "/..%5c" + victim + "/servers/" + server);
        out.add("/api/v1/users/./" + victim + "/servers/" + server);
        return out;
    }
}
